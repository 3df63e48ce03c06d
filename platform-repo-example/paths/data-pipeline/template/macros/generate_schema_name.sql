{%- raw -%}
{#-
  Landing convention: a model's custom schema (bronze, silver, gold) is used as is instead of
  dbt's default "<target schema>_<custom schema>", so gold tables are always in schema gold.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
{%- endraw %}
