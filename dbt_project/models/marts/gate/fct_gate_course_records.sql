-- Grain: one row per school × academic year × term × student × course code × record kind (修課成績):
-- R15 (a well-formed 108-curriculum course code) and R19 (成績及格 agrees with 學期學業成績).
with

course_records as (

    select * from {{ scoped_ref('fct_course_records') }}

),

final as (

    select
        school_code,
        academic_year,
        term,
        student_number,
        course_code,
        record_kind,
        course_code as item_key,
        class_code,
        seat_number,
        coalesce(is_course_code_valid, false) as is_course_code_valid,
        score,
        is_passed,
    from course_records

)

select * from final
