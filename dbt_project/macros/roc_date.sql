{#- A date as the central database writes it: ROC year, three digits, `YYY/MM/DD` (2024-09-01 ->
    `113/09/01`, 2008-05-12 -> `097/05/12`); null stays null (an empty cell). exports.md. -#}
{% macro roc_date(date_expression) -%}
    case
        when {{ date_expression }} is not null then
            lpad(cast(year({{ date_expression }}) - {{ var('roc_year_offset') }} as varchar), 3, '0')
            || strftime({{ date_expression }}, '/%m/%d')
    end
{%- endmacro %}

{#- A boolean as the 1/0 code the admin system delivered it in (成績及格, 是否採計學分, …). -#}
{% macro flag_code(boolean_expression) -%}
    case when {{ boolean_expression }} then '1' when not {{ boolean_expression }} then '0' end
{%- endmacro %}
