-- Grain: one row per school × academic year × term × enrolled student: the student's course-outcome
-- uploads of the term by certification state, and the year's selections, entries and essays.
-- Rules: fct_student_completion_business_rules.md
with

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}
    where is_enrolled

),

outcomes as (

    -- this school's uploads: a transferred student's imported ones were the sending school's term work
    select * from {{ scoped_ref('fct_course_outcomes') }}
    where origin_school_code is null

),

states as (

    select * from {{ ref('xwalk_certification_states') }}

),

selections as (

    select * from {{ scoped_ref('fct_selections') }}
    where is_selected

),

performances as (

    select * from {{ scoped_ref('fct_diverse_performances') }}

),

essays as (

    select * from {{ scoped_ref('fct_autobiographies') }}

),

policies as (

    select * from {{ scoped_ref('stg_school__policies') }}

),

term_outcomes as (

    select
        outcomes.school_code,
        outcomes.academic_year,
        outcomes.term,
        outcomes.student_number,
        count(*) as outcomes_uploaded,
        count(*) filter (where states.completion_bucket = 'certified') as outcomes_certified,
        count(*) filter (where states.completion_bucket = 'pending') as outcomes_pending,
        count(*) filter (where states.completion_bucket = 'failed') as outcomes_failed,
        count(*) filter (where states.completion_bucket = 'cancelled') as outcomes_cancelled,
        count(*) filter (where states.completion_bucket = 'not_submitted') as outcomes_not_submitted,
    from outcomes
    inner join states on outcomes.certification_state = states.certification_state
    group by all

),

year_selections as (

    select
        school_code,
        academic_year,
        student_number,
        count(*) filter (where item_kind = 'course_outcome') as outcomes_selected,
        count(*) filter (where item_kind = 'course_outcome' and is_certified) as outcomes_selected_certified,
        -- school-registered (學校登錄) performances never count toward the student's selections
        count(*) filter (where item_kind = 'diverse_performance' and is_student_entered) as performances_selected,
    from selections
    group by all

),

year_performances as (

    select
        school_code,
        academic_year,
        student_number,
        count(*) filter (where is_student_entered) as performances_entered,
    from performances
    group by all

),

student_essays as (

    select
        school_code,
        student_number,
        bool_or(essay_kind = 'autobiography') as has_autobiography,
        bool_or(essay_kind = 'study_plan') as has_study_plan,
    from essays
    group by all

),

final as (

    select
        student_terms.school_code,
        student_terms.academic_year,
        student_terms.term,
        student_terms.student_number,
        student_terms.student_name,
        student_terms.national_id_masked,
        student_terms.grade,
        student_terms.class_code,
        student_terms.class_name,
        student_terms.seat_number,
        coalesce(term_outcomes.outcomes_uploaded, 0) as outcomes_uploaded,
        coalesce(term_outcomes.outcomes_certified, 0) as outcomes_certified,
        coalesce(term_outcomes.outcomes_pending, 0) as outcomes_pending,
        coalesce(term_outcomes.outcomes_failed, 0) as outcomes_failed,
        coalesce(term_outcomes.outcomes_cancelled, 0) as outcomes_cancelled,
        coalesce(term_outcomes.outcomes_not_submitted, 0) as outcomes_not_submitted,
        coalesce(term_outcomes.outcomes_uploaded, 0) > 0 as has_upload,
        policies.course_outcome_upload_cap_per_term,
        -- year-level figures: the same on both term rows of a year, never sum them over terms
        coalesce(year_selections.outcomes_selected, 0) as outcomes_selected,
        coalesce(year_selections.outcomes_selected_certified, 0) as outcomes_selected_certified,
        coalesce(year_performances.performances_entered, 0) as performances_entered,
        coalesce(year_selections.performances_selected, 0) as performances_selected,
        coalesce(student_essays.has_autobiography, false) as has_autobiography,
        coalesce(student_essays.has_study_plan, false) as has_study_plan,
        policies.course_outcome_selection_cap_per_year,
        policies.diverse_upload_cap_per_year,
        policies.diverse_selection_cap_per_year,
    from student_terms
    left join term_outcomes
        on student_terms.school_code = term_outcomes.school_code
        and student_terms.academic_year = term_outcomes.academic_year
        and student_terms.term = term_outcomes.term
        and student_terms.student_number = term_outcomes.student_number
    left join year_selections
        on student_terms.school_code = year_selections.school_code
        and student_terms.academic_year = year_selections.academic_year
        and student_terms.student_number = year_selections.student_number
    left join year_performances
        on student_terms.school_code = year_performances.school_code
        and student_terms.academic_year = year_performances.academic_year
        and student_terms.student_number = year_performances.student_number
    left join student_essays
        on student_terms.school_code = student_essays.school_code
        and student_terms.student_number = student_essays.student_number
    left join policies on student_terms.school_code = policies.school_code

)

select * from final
