{#- Use a model's custom schema as-is (`staging`, `marts`, ...), not dbt's default `<target>_<custom>`:
    the Dagster assets, the gate and the dashboard address tables by these fixed schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
