{%- raw -%}
-- Gold: the published data product. Its shape is a contract (models/gold/schema.yml).
select
    order_date,
    cast(count(*) as bigint) as orders,
    cast(count(*) filter (where status = 'completed') as bigint) as completed_orders,
    cast(coalesce(sum(amount) filter (where status = 'completed'), 0) as decimal(18, 2)) as revenue,
    max(ordered_at) as last_ordered_at
from {{ ref('stg_orders') }}
group by order_date
{%- endraw %}
