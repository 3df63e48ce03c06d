{%- raw -%}
-- Singular data test: fails when any day's revenue is negative or completed > orders.
select *
from {{ ref('orders_daily') }}
where revenue < 0 or completed_orders > orders
{%- endraw %}
