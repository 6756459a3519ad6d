{#- The school year (學年度) in one place.
    Source systems number years in the ROC calendar (民國 113 = 2024) and a 學年度 runs from August to
    July, so a date in 2025-03 belongs to 學年度 113. The offset and the first month are project vars. -#}
{% macro academic_year_of(date_expression) -%}
    (
        year({{ date_expression }}) - {{ var('roc_year_offset') }}
        - case when month({{ date_expression }}) < {{ var('academic_year_start_month') }} then 1 else 0 end
    )
{%- endmacro %}

{#- The first day of a term: term 1 from the academic year's first month (August), term 2 from
    `second_term_start_month` (February) of the next calendar year, as the 學年度 calendar divides it. -#}
{% macro term_start_date(academic_year, term) -%}
    case
        when {{ term }} = 1 then
            make_date(cast({{ academic_year }} as integer) + {{ var('roc_year_offset') }}, {{ var('academic_year_start_month') }}, 1)
        else
            make_date(cast({{ academic_year }} as integer) + {{ var('roc_year_offset') }} + 1, {{ var('second_term_start_month') }}, 1)
    end
{%- endmacro %}

{#- The first day of a 學年度 (1 August of its Gregorian start year). -#}
{% macro school_year_start(academic_year_expression) -%}
    make_date(cast({{ academic_year_expression }} as integer) + {{ var('roc_year_offset') }},
              {{ var('academic_year_start_month') }}, 1)
{%- endmacro %}
