-- Grain: one row per school × student number, described by the student's latest term on record.
-- The same person at two schools (a transfer) is two rows here; national_id links them.
with

student_terms as not materialized (

    select * from {{ scoped_ref('fct_student_terms') }}

),

history as (

    select
        school_code,
        student_number,
        min(academic_year) as first_academic_year,
        count(*) as terms_on_record,
        count(*) filter (where is_enrolled) as terms_enrolled,
    from student_terms
    group by school_code, student_number

),

latest as (

    select * from student_terms
    where is_latest_term

),

final as (

    select
        latest.school_code,
        latest.student_number,
        latest.national_id,
        latest.national_id_masked,
        latest.student_name,
        latest.gender_code,
        latest.birth_date,
        latest.division_code,
        latest.class_type,
        latest.cluster_code,
        latest.program_code,
        latest.academic_year as latest_academic_year,
        latest.term as latest_term,
        latest.grade,
        latest.class_code,
        latest.class_name,
        latest.seat_number,
        latest.enrolment_status,
        latest.status_changed_date,
        latest.is_enrolled,
        latest.is_leaver,
        history.first_academic_year,
        history.terms_on_record,
        history.terms_enrolled,
    from latest
    inner join history
        on latest.school_code = history.school_code
        and latest.student_number = history.student_number

)

select * from final
