{#- A stable text key from several columns (dbt_utils is unavailable offline). -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
        {%- for column in columns %}, coalesce(cast({{ column }} as varchar), '<null>'){% endfor -%}
    ))
{%- endmacro %}
