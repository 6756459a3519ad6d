-- Grain: one row per school × academic year × term: what the registrar watches. Counts cover the
-- term's enrolled students (so classes add up to the school); year-level counts repeat on both terms.
-- Rules: fct_student_completion_business_rules.md
with

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

student_completion as (

    select * from {{ scoped_ref('fct_student_completion') }}

),

outcomes as not materialized (

    -- this school's uploads: a transferred student's imported ones were the sending school's term work
    select * from {{ scoped_ref('fct_course_outcomes') }}
    where origin_school_code is null

),

terms as (

    select * from {{ scoped_ref('stg_school__terms') }}

),

registry_terms as (

    select
        school_code,
        academic_year,
        term,
        count(*) as students_on_record,
    from student_terms
    group by all

),

school_terms as (

    -- every term the registry or the uploads mention, so no upload falls outside the table
    select school_code, academic_year, term from registry_terms
    union
    select distinct school_code, academic_year, term from outcomes

),

school_counts as (

    select
        school_code,
        academic_year,
        term,
        count(*) as students_enrolled,
        count(*) filter (where has_upload) as students_with_upload,
        sum(outcomes_uploaded) as outcomes_uploaded,
        sum(outcomes_certified) as outcomes_certified,
        sum(outcomes_pending) as outcomes_pending,
        sum(outcomes_failed) as outcomes_failed,
        sum(outcomes_cancelled) as outcomes_cancelled,
        sum(outcomes_not_submitted) as outcomes_not_submitted,
        sum(outcomes_selected) as outcomes_selected,
        sum(outcomes_selected_certified) as outcomes_selected_certified,
        sum(performances_entered) as performances_entered,
        sum(performances_selected) as performances_selected,
        count(*) filter (where outcomes_selected > 0) as students_with_selected_outcome,
        count(*) filter (where performances_selected > 0) as students_with_selected_performance,
        count(*) filter (where has_autobiography) as students_with_autobiography,
        count(*) filter (where has_study_plan) as students_with_study_plan,
    from student_completion
    group by all

),

outcomes_outside_enrolment as (

    -- uploads of the term by students not enrolled in it (or not in 學生資料): not in the counts above
    select
        school_code,
        academic_year,
        term,
        count(*) as outcomes_from_students_not_enrolled,
    from outcomes
    where not is_student_enrolled
    group by all

),

final as (

    select
        school_terms.school_code,
        school_terms.academic_year,
        school_terms.term,
        coalesce(registry_terms.students_on_record, 0) as students_on_record,
        coalesce(school_counts.students_enrolled, 0) as students_enrolled,
        coalesce(school_counts.students_with_upload, 0) as students_with_upload,
        school_counts.students_with_upload / nullif(school_counts.students_enrolled, 0) as upload_rate,
        coalesce(school_counts.outcomes_uploaded, 0) as outcomes_uploaded,
        coalesce(school_counts.outcomes_certified, 0) as outcomes_certified,
        coalesce(school_counts.outcomes_pending, 0) as outcomes_pending,
        coalesce(school_counts.outcomes_failed, 0) as outcomes_failed,
        coalesce(school_counts.outcomes_cancelled, 0) as outcomes_cancelled,
        coalesce(school_counts.outcomes_not_submitted, 0) as outcomes_not_submitted,
        school_counts.outcomes_certified / nullif(school_counts.outcomes_uploaded, 0) as certification_rate,
        coalesce(outcomes_outside_enrolment.outcomes_from_students_not_enrolled, 0)
            as outcomes_from_students_not_enrolled,
        coalesce(school_counts.outcomes_selected, 0) as outcomes_selected,
        coalesce(school_counts.outcomes_selected_certified, 0) as outcomes_selected_certified,
        coalesce(school_counts.performances_entered, 0) as performances_entered,
        coalesce(school_counts.performances_selected, 0) as performances_selected,
        coalesce(school_counts.students_with_selected_outcome, 0) as students_with_selected_outcome,
        coalesce(school_counts.students_with_selected_performance, 0) as students_with_selected_performance,
        coalesce(school_counts.students_with_autobiography, 0) as students_with_autobiography,
        coalesce(school_counts.students_with_study_plan, 0) as students_with_study_plan,
        terms.upload_deadline_date,
        terms.certification_deadline_date,
    from school_terms
    left join registry_terms
        on school_terms.school_code = registry_terms.school_code
        and school_terms.academic_year = registry_terms.academic_year
        and school_terms.term = registry_terms.term
    left join school_counts
        on school_terms.school_code = school_counts.school_code
        and school_terms.academic_year = school_counts.academic_year
        and school_terms.term = school_counts.term
    left join outcomes_outside_enrolment
        on school_terms.school_code = outcomes_outside_enrolment.school_code
        and school_terms.academic_year = outcomes_outside_enrolment.academic_year
        and school_terms.term = outcomes_outside_enrolment.term
    left join terms
        on school_terms.school_code = terms.school_code
        and school_terms.academic_year = terms.academic_year
        and school_terms.term = terms.term

)

select * from final
