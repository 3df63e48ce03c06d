{%- raw -%}
-- Silver: typed, renamed and cleaned orders, one row per order.
with source as (
    select * from {{ ref('raw_orders') }}
)

select
    order_id,
    customer_id,
    ordered_at,
    cast(ordered_at as date) as order_date,
    lower(status) as status,
    cast(amount_cents as decimal(18, 2)) / 100 as amount,
    upper(currency) as currency
from source
where order_id is not null
{%- endraw %}
