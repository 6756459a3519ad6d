-- Grain: one row per school × counselling session × student (課程諮詢; a group session has one row
-- per student), dated into its academic year.
with

sessions as (

    select * from {{ scoped_ref('stg_admin__counselling_sessions') }}

),

final as (

    select
        school_code,
        session_id,
        student_number,
        {{ academic_year_of('session_date') }} as academic_year,
        counsellor_code,
        session_date,
        session_time,
        place,
        session_format,
        content,
        count(*) over (partition by school_code, session_id) as session_students,
        source_file,
        source_line,
    from sessions

)

select * from final
