-- Grain: one row per school × course outcome (課程學習成果 upload, or one a transferred student brought:
-- origin_school_code), with the course it belongs to,
-- its current certification state and whether the student has selected it.
with

outcomes as not materialized (

    select * from {{ scoped_ref('stg_platform__course_outcomes') }}

),

certification_states as (

    select * from {{ scoped_ref('int_course_outcomes_certification_states') }}

),

selections as (

    select * from {{ scoped_ref('int_selections_current_states') }}
    where item_kind = 'course_outcome'

),

course_records as (

    select * from {{ scoped_ref('fct_course_records') }}

),

record_kinds as (

    select * from {{ ref('xwalk_course_record_kinds') }}

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

terms as (

    select * from {{ scoped_ref('stg_school__terms') }}

),

grade_terms as (

    select * from {{ scoped_ref('stg_school__grade_terms') }}

),

matching_course_records as (

    -- the record the outcome was made for (R06); a retake and a regular record of the same course
    -- in one term both match: take the kind listed first
    select
        outcomes.school_code,
        outcomes.outcome_id,
        course_records.record_kind,
        course_records.subject_name,
        course_records.course_grade,
        course_records.credits,
        course_records.origin_academic_year,
        course_records.origin_term,
        course_records.make_up_method_code,
        course_records.retake_method_code,
        course_records.carries_credits,
    from outcomes
    inner join course_records
        on outcomes.school_code = course_records.school_code
        and outcomes.academic_year = course_records.academic_year
        and outcomes.term = course_records.term
        and outcomes.student_number = course_records.student_number
        and outcomes.course_code = course_records.course_code
    left join record_kinds on course_records.record_kind = record_kinds.record_kind
    qualify row_number() over (
        partition by outcomes.school_code, outcomes.outcome_id
        order by record_kinds.sort_order nulls last
    ) = 1

),

own_items as (

    select
        outcomes.school_code,
        outcomes.outcome_id,
        outcomes.student_number,
        outcomes.academic_year,
        outcomes.term,
        student_terms.class_code,
        student_terms.seat_number,
        coalesce(student_terms.is_enrolled, false) as is_student_enrolled,
        outcomes.course_code,
        matching_course_records.outcome_id is not null as has_course_record,
        matching_course_records.record_kind,
        matching_course_records.subject_name,
        matching_course_records.course_grade,
        matching_course_records.credits,
        matching_course_records.origin_academic_year,
        matching_course_records.origin_term,
        matching_course_records.make_up_method_code,
        matching_course_records.retake_method_code,
        coalesce(matching_course_records.carries_credits, false) as course_carries_credits,
        outcomes.title,
        {{ item_content_columns('outcomes') }},
        {{ has_file('outcomes') }} as has_file,
        outcomes.uploaded_at,
        -- a grade's own window (grade 12's final term) overrides the term's window for every grade
        coalesce(grade_terms.upload_deadline_date, terms.upload_deadline_date) as upload_deadline_date,
        coalesce(grade_terms.certification_deadline_date, terms.certification_deadline_date)
            as certification_deadline_date,
        certification_states.certification_state,
        certification_states.is_certified,
        certification_states.requested_teacher_code,
        certification_states.certifying_teacher_code,
        certification_states.submitted_at,
        certification_states.decided_at,
        certification_states.decided_by_teacher_code,
        certification_states.failure_reason,
        certification_states.certification_events,
        coalesce(selections.is_selected, false) as is_selected,
        selections.selected_at,
        outcomes.source_file,
        outcomes.source_line,
    from outcomes
    inner join certification_states
        on outcomes.school_code = certification_states.school_code
        and outcomes.outcome_id = certification_states.outcome_id
    left join selections
        on outcomes.school_code = selections.school_code
        and outcomes.student_number = selections.student_number
        and outcomes.academic_year = selections.academic_year
        and outcomes.outcome_id = selections.item_id
    left join matching_course_records
        on outcomes.school_code = matching_course_records.school_code
        and outcomes.outcome_id = matching_course_records.outcome_id
    left join student_terms
        on outcomes.school_code = student_terms.school_code
        and outcomes.academic_year = student_terms.academic_year
        and outcomes.term = student_terms.term
        and outcomes.student_number = student_terms.student_number
    left join terms
        on outcomes.school_code = terms.school_code
        and outcomes.academic_year = terms.academic_year
        and outcomes.term = terms.term
    left join grade_terms
        on outcomes.school_code = grade_terms.school_code
        and outcomes.academic_year = grade_terms.academic_year
        and outcomes.term = grade_terms.term
        and student_terms.grade = grade_terms.grade

),

imported as (

    -- a transferred student's items from the sending school (portfolio exchange import), with their origin
    select * from {{ scoped_ref('int_course_outcomes_imported') }}

),

final as (

    -- own items have no origin (origin_school_code null); imported ones lack this school's term facts
    {{ own_and_imported_items('course_outcome', 'outcome_id') }}

)

select * from final
