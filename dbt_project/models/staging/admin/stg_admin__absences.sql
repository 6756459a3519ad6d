-- Grain: one row per school × academic year × term × student × leave type × first day (empty when the
-- admin system delivers the term's total per leave type, as older exports do).
with

source as not materialized (

    select * from {{ scoped_source('raw', 'absences') }}

),

renamed as not materialized (

    select
        school_code,
        cast("學年度" as integer) as academic_year,
        cast("學期" as integer) as term,
        {{ clean_text('"學號"') }} as student_number,
        {{ clean_text('"假別"') }} as leave_type,
        "節數" as periods,
        {{ clean_text('"缺勤種類代碼"') }} as absence_type_code,
        "缺勤起始日期" as start_date,
        "缺勤結束日期" as end_date,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'academic_year', 'term', 'student_number', 'leave_type', 'start_date']) }}

)

select * from final
