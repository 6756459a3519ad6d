{#- A transferred student's imported items (portfolio exchange import, raw.exchange_*): what course outcomes
    and diverse performances carry alike, defined once for both kinds. -#}

{#- The staging model of one kind of imported item: the receiving school's keys (school_code, 學號,
    學年度), the item's id there (`<sending school>:<its id>`, macros/imported_item_id.sql) and its origin
    (the package, the sending school and its id, the folders it was sent in) around the kind's own columns,
    `item_columns` (select items, in their order). -#}
{% macro exchange_staging(raw_table, item_id, item_columns) -%}
with

source as not materialized (

    select * from {{ scoped_source('raw', raw_table) }}

),

renamed as (

    select
        school_code,
        package_id,
        {{ imported_item_id('sending_school_code', item_id) }} as {{ item_id }},
        {{ item_id }} as origin_{{ item_id }},
        student_number,
        sending_school_code as origin_school_code,
        academic_year,
        {%- for column in item_columns %}
        {{ column }},
        {%- endfor %}
        cast(submitted_in as varchar) as origin_submitted_in,
        {{ is_submitted_by_origin('submitted_in') }} as is_submitted_by_origin,
    from source

),

final as (

    select * from renamed

)

select * from final
{%- endmacro %}

{#- The origin columns an imported item keeps from its staging model to the marts, in order (qualified by
    `relation` when given): what the receiving school's own items lack (null in the marts). -#}
{% macro exchange_origin_columns(item_id, relation=none) -%}
    {%- set columns = ['origin_school_code', 'origin_' ~ item_id, 'origin_submitted_in', 'is_submitted_by_origin',
                       'package_id'] -%}
    {%- if relation -%}
        {%- set qualified = [] -%}
        {%- for column in columns -%}{%- do qualified.append(relation ~ '.' ~ column) -%}{%- endfor -%}
        {{ return(qualified) }}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}
