-- Grain: one row per school × academic year × term × student × unit × position.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'cadres') }}

),

renamed as not materialized (

    select
        school_code,
        cast("學年度" as integer) as academic_year,
        cast("學期" as integer) as term,
        {{ clean_text('"學號"') }} as student_number,
        {{ clean_text('"單位名稱"') }} as unit_name,
        {{ clean_text('"擔任職務"') }} as position,
        "幹部等級" as cadre_level,
        "開始日期" as start_date,
        "結束日期" as end_date,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'academic_year', 'term', 'student_number', 'unit_name', 'position']) }}

)

select * from final
