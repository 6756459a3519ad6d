-- Grain: one row per receiving school × imported course outcome, shaped as fct_course_outcomes' rows so
-- that the mart can append them: the transferred student's outcome from the sending school, with that
-- school's certification state and submission history, and the student's selection here (the receiving
-- school's 勾選紀錄 names it by its id here, macros/imported_item_id.sql). It was the sending school's term
-- work: no course record, term window or certifying teacher of this school belongs to it, so those stay
-- empty. Class and seat are the student's here in the outcome's year. Rules: gate_business_rules.md,
-- "Transferred students' imported items".
with

imported as (

    select * from {{ scoped_ref('stg_exchange__course_outcomes') }}

),

states as (

    select * from {{ ref('xwalk_certification_states') }}

),

selections as (

    select * from {{ scoped_ref('int_selections_current_states') }}
    where item_kind = 'course_outcome'

),

student_years as (

    select * from {{ scoped_ref('int_student_years_placed') }}

),

final as (

    select
        imported.school_code,
        imported.outcome_id,
        imported.student_number,
        imported.academic_year,
        imported.term,
        student_years.class_code,
        student_years.seat_number,
        false as is_student_enrolled,
        imported.course_code,
        imported.origin_record_kind is not null as has_course_record,
        imported.origin_record_kind as record_kind,
        imported.subject_name,
        student_years.grade as course_grade,
        imported.credits,
        coalesce(imported.credits > 0, false) as course_carries_credits,
        imported.title,
        {{ item_content_columns('imported') }},
        {{ has_file('imported') }} as has_file,
        imported.uploaded_at,
        imported.origin_certification_state as certification_state,
        coalesce(states.is_certified, false) as is_certified,
        imported.origin_requested_teacher_code as requested_teacher_code,
        imported.origin_certifying_teacher_code as certifying_teacher_code,
        coalesce(selections.is_selected, false) as is_selected,
        selections.selected_at,
        {{ exchange_origin_columns('outcome_id', 'imported') | join(',\n        ') }},
    from imported
    left join states on imported.origin_certification_state = states.certification_state
    left join selections
        on imported.school_code = selections.school_code
        and imported.student_number = selections.student_number
        and imported.academic_year = selections.academic_year
        and imported.outcome_id = selections.item_id
    left join student_years
        on imported.school_code = student_years.school_code
        and imported.academic_year = student_years.academic_year
        and imported.student_number = student_years.student_number

)

select * from final
