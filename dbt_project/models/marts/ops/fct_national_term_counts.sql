-- Grain: one row per academic year × term: students enrolled nationally, each person counted once
-- (fct_national_student_terms), beside the plain sum over schools that counts a transfer twice.
with

national_terms as (

    select * from {{ ref('fct_national_student_terms') }}

),

final as (

    select
        academic_year,
        term,
        count(*) filter (where is_counted) as students_enrolled,
        sum(schools_enrolling) as school_enrolments,
        count(*) filter (where has_enrolment_conflict) as enrolment_conflicts,
        count(*) filter (where has_changed_school and is_counted) as students_changed_school,
        count(*) filter (where not has_national_id) as students_without_national_id,
    from national_terms
    group by all

)

select * from final
