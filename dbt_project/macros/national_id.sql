{#- A national ID for display: `A123456789` -> `A12****789`. The whole ID is personal data and never
    appears on a dashboard or in a report; exports read the unmasked column. -#}
{% macro mask_national_id(column) -%}
    case
        when {{ column }} is not null then
            left({{ column }}, {{ var('national_id_visible_prefix') }})
            || repeat('*', greatest(length({{ column }}) - {{ var('national_id_visible_prefix') }} - {{ var('national_id_visible_suffix') }}, 0))
            || right({{ column }}, {{ var('national_id_visible_suffix') }})
    end
{%- endmacro %}
