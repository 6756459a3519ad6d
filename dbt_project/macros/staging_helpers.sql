{#- Shared cleaning steps of the staging layer. -#}

{#- Text as delivered, trimmed of spaces, tabs and full-width spaces (U+3000); empty means missing. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}, ' ' || chr(9) || chr(12288)), '')
{%- endmacro %}

{#- A 0/1 flag column as a boolean (null stays null). -#}
{% macro flag_to_boolean(column) -%}
    cast({{ column }} as boolean)
{%- endmacro %}

{#- Keep one row per key: the admin system and the platform export full snapshots, so a key delivered
    more than once is taken from the newest load; within one load the later line wins. -#}
{% macro newest_wins(key_columns) -%}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by loaded_at desc nulls last, source_line desc nulls last
    ) = 1
{%- endmacro %}
