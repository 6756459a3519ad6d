-- Grain: one row per school × course outcome (own, or imported and selected here). The per-item facts
-- the gate's course-outcome and certification suites check (R01–R04, R06, R16, R17, R18, R21, R22, R26,
-- R28); GX holds them to the school's policy.
-- "Now"-dependent facts (days pending, whether a teacher has left by then) are added by the gate at
-- run time from --as-of, so that a result can be reproduced.
with

outcomes as (

    -- this school's uploads, and the imported outcomes (a transferred student's, from the sending school)
    -- the student selected here: those this school sends. The sending school's term work is not judged
    -- again: the term rules' expectations hold only where is_own_upload (gate_business_rules.md)
    select * from {{ scoped_ref('fct_course_outcomes') }}
    where origin_school_code is null or is_selected

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

teachers as (

    select * from {{ scoped_ref('dim_teachers') }}

),

states as (

    select * from {{ ref('xwalk_certification_states') }}

),

final as (

    select
        outcomes.school_code,
        outcomes.academic_year,
        outcomes.term,
        outcomes.outcome_id,
        outcomes.outcome_id as item_key,
        outcomes.student_number,
        outcomes.origin_school_code,
        outcomes.origin_school_code is null as is_own_upload,
        outcomes.class_code,
        outcomes.seat_number,
        coalesce(outcomes.course_grade, student_terms.grade) as item_grade,
        outcomes.course_code,
        outcomes.summary_chars,
        outcomes.has_file,
        -- a file whose name has no extension has type '' (which no policy allows), not "no file"
        case when outcomes.document_file_name is not null then coalesce(outcomes.document_extension, '') end
            as document_file_type,
        case when outcomes.document_file_name is not null then outcomes.document_bytes end as document_bytes,
        case when outcomes.video_file_name is not null then coalesce(outcomes.video_extension, '') end
            as video_file_type,
        case when outcomes.video_file_name is not null then outcomes.video_bytes end as video_bytes,
        outcomes.has_course_record,
        outcomes.course_carries_credits as carries_credits,
        {{ is_on_register_at('student_terms', 'outcomes.uploaded_at') }} as is_on_register,
        outcomes.uploaded_at,
        outcomes.upload_deadline_date,
        date_diff('day', outcomes.upload_deadline_date, cast(outcomes.uploaded_at as date)) as upload_days_late,
        outcomes.certification_state,
        -- still needs a teacher's decision: not submitted, pending or failed (a cancelled one was withdrawn)
        coalesce(states.completion_bucket in ('not_submitted', 'pending', 'failed'), false)
            as is_awaiting_certification,
        outcomes.submitted_at,
        outcomes.certification_deadline_date,
        outcomes.certifying_teacher_code,
        teachers.teacher_name as certifying_teacher_name,
        teachers.employment_status as certifying_teacher_status,
        coalesce(teachers.is_left, false) as is_certifying_teacher_marked_left,
        teachers.left_date as certifying_teacher_left_date,
        -- R28: who gave the 認證通過, and whether the outcome was uploaded again after it
        outcomes.decided_by_teacher_code as certified_by_teacher_code,
        cast(outcomes.decided_at as date) as certified_date,
        coalesce(
            outcomes.is_certified
            and outcomes.decided_by_teacher_code is distinct from outcomes.certifying_teacher_code,
            false
        ) as is_certified_by_other_teacher,
        coalesce(outcomes.is_certified and outcomes.uploaded_at > outcomes.decided_at, false)
            as is_changed_after_certification,
    from outcomes
    left join student_terms
        on outcomes.school_code = student_terms.school_code
        and outcomes.academic_year = student_terms.academic_year
        and outcomes.term = student_terms.term
        and outcomes.student_number = student_terms.student_number
    left join teachers
        on outcomes.school_code = teachers.school_code
        and outcomes.certifying_teacher_code = teachers.teacher_code
    left join states on outcomes.certification_state = states.certification_state

)

select * from final
