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
    more than once is taken from the newest load; within one load the later line wins.

    A complete query over `relation` (a CTE of the model, whose first key column is school_code). Almost
    every key arrives once, so the window that picks the newest row runs only over the keys seen more
    than once: the rows are split on a hash of the key, found repeated by a narrow count per school. A
    window over every row would hold every column of every row (it spilled past the memory limit on the
    national data, and was most of the staging layer's time). A hash shared by two different keys only
    sends both through the window, which still ranks them per key. Within each school's rows, so a
    school-scoped build filters every part of it to that school.

    DuckDB materializes a CTE that a query reads more than once; this query reads `relation` three times,
    so the model declares its CTEs `as not materialized` and DuckDB streams them instead (3x faster). -#}
{% macro newest_wins(relation, key_columns) -%}
    {%- if key_columns[0] != 'school_code' -%}
        {{ exceptions.raise_compiler_error("newest_wins: the key must start with school_code") }}
    {%- endif -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set keyed -%}
        (select *, hash({{ keys }}) as key_hash from {{ relation }})
    {%- endset -%}
    {%- set repeated -%}
        (select school_code, hash({{ keys }}) as key_hash from {{ relation }} group by all having count(*) > 1)
    {%- endset -%}
    select * exclude (key_hash) from {{ keyed }} as keyed
    anti join {{ repeated }} as repeated using (school_code, key_hash)
    union all
    select * exclude (key_hash) from {{ keyed }} as keyed
    semi join {{ repeated }} as repeated using (school_code, key_hash)
    qualify row_number() over (
        partition by {{ keys }}
        order by loaded_at desc nulls last, source_line desc nulls last
    ) = 1
{%- endmacro %}

{#- A policy.yaml date set once per school and academic year (勾選 and 多元表現 deadlines): the staging
    model of its raw table, keyed on (school_code, academic_year), the newest load winning. The column
    `deadline` of the raw table comes out as `<deadline>_date`. -#}
{% macro school_year_deadline(raw_table, deadline) -%}
with

source as (

    select * from {{ source('raw', raw_table) }}

),

renamed as (

    select
        {{ clean_text('school_code') }} as school_code,
        cast(academic_year as integer) as academic_year,
        {{ deadline }} as {{ deadline }}_date,
        delivery_id,
        loaded_at,
    from source

),

final as (

    select * from renamed
    qualify row_number() over (
        partition by school_code, academic_year
        order by loaded_at desc nulls last
    ) = 1

)

select * from final
{%- endmacro %}
