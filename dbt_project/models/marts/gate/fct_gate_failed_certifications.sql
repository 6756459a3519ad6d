-- Grain: one row per school × course outcome with at least one event whose action needs a written reason
-- (認證未通過; xwalk_certification_actions.requires_reason). R09: every such event has its 說明; an
-- outcome is one violation however many of its failures lack a reason.
with

events as (

    select * from {{ scoped_ref('fct_certification_events') }}
    where requires_reason and has_outcome

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

failures as (

    select
        school_code,
        outcome_id,
        any_value(academic_year) as academic_year,
        any_value(term) as term,
        any_value(student_number) as student_number,
        count(*) as reason_required_events,
        count(*) filter (where reason is null) as events_without_reason,
        max(event_at) filter (where reason is null) as last_event_without_reason_at,
        arg_max(teacher_code, event_at) as teacher_code,
    from events
    group by school_code, outcome_id

),

final as (

    select
        failures.school_code,
        failures.academic_year,
        failures.term,
        failures.outcome_id,
        failures.outcome_id as item_key,
        failures.student_number,
        student_terms.class_code,
        student_terms.seat_number,
        failures.teacher_code,
        failures.reason_required_events,
        failures.events_without_reason,
        failures.last_event_without_reason_at,
        failures.events_without_reason = 0 as has_reason,
    from failures
    left join student_terms
        on failures.school_code = student_terms.school_code
        and failures.academic_year = student_terms.academic_year
        and failures.term = student_terms.term
        and failures.student_number = student_terms.student_number

)

select * from final
