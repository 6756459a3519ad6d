{#- The 項目鍵 of a diverse performance on its sheet of 學生自填多元表現名冊: the values of that sheet's key
    columns joined with '+', empty ones as ''. It repeats, for sorting and display, what
    pipelines/export/layout.py (Sheet.key_headers) defines; tests/export checks that both agree. -#}
{% macro diverse_item_key(relation, category_en) -%}
    {%- set start = roc_date(relation ~ '.start_date') -%}
    {%- set event = roc_date('coalesce(' ~ relation ~ '.end_date, ' ~ relation ~ '.start_date)') -%}
    {%- set keys = {
        'cadre': [relation ~ '.organiser', relation ~ '.title', start],
        'competition': [relation ~ '.title', relation ~ '.competition_event', event],
        'certificate': [relation ~ '.certificate_code', relation ~ '.title', event],
        'service_learning': [relation ~ '.title', start],
        'flexible_learning': [relation ~ '.title', relation ~ '.academic_year', relation ~ '.activity_term'],
        'group_activity': [relation ~ '.title', relation ~ '.academic_year', relation ~ '.activity_term'],
        'workplace_learning': [relation ~ '.organiser', relation ~ '.title', start],
        'works': [relation ~ '.title', event],
        'university_precourse': [relation ~ '.title', start],
    } -%}
    case {{ category_en }}
    {%- for category, parts in keys.items() %}
        when '{{ category }}' then {% for part in parts %}coalesce(cast({{ part }} as varchar), ''){{ " || '+' || " if not loop.last }}{% endfor %}
    {%- endfor %}
        else coalesce({{ relation }}.title, '') || '+' || coalesce({{ start }}, '')
    end
{%- endmacro %}
