-- Grain: one row per school × academic year × term × class code.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'classes') }}

),

renamed as not materialized (

    select
        school_code,
        cast("學年度" as integer) as academic_year,
        cast("學期" as integer) as term,
        {{ clean_text('"班級代碼"') }} as class_code,
        {{ clean_text('"班級名稱"') }} as class_name,
        "年級" as grade,
        {{ clean_text('"導師代碼"') }} as homeroom_teacher_code,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'academic_year', 'term', 'class_code']) }}

)

select * from final
