-- Grain: one row per school × academic year × term × student who uploaded a course outcome that term:
-- the count R05 holds to the school's course_outcome_upload_cap_per_term.
with

outcomes as (

    -- this school's uploads: a transferred student's imported ones were the sending school's term work
    select * from {{ scoped_ref('fct_course_outcomes') }}
    where origin_school_code is null

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

uploads as (

    select
        school_code,
        academic_year,
        term,
        student_number,
        count(*) as course_outcome_uploads,
    from outcomes
    group by all

),

final as (

    select
        uploads.school_code,
        uploads.academic_year,
        uploads.term,
        uploads.student_number,
        uploads.academic_year || '-' || uploads.term as item_key,
        student_terms.class_code,
        student_terms.seat_number,
        uploads.course_outcome_uploads,
    from uploads
    left join student_terms
        on uploads.school_code = student_terms.school_code
        and uploads.academic_year = student_terms.academic_year
        and uploads.term = student_terms.term
        and uploads.student_number = student_terms.student_number

)

select * from final
