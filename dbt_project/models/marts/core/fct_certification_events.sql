-- Grain: one row per certification event (認證紀錄): school × outcome × action × teacher × event time.
-- event_sequence numbers an outcome's events in the order that decides its state.
with

events as (

    select * from {{ scoped_ref('stg_platform__certification_events') }}

),

actions as (

    select * from {{ ref('xwalk_certification_actions') }}

),

outcomes as (

    select * from {{ scoped_ref('stg_platform__course_outcomes') }}

),

final as (

    select
        {{ surrogate_key([
            'events.school_code', 'events.outcome_id', 'events.action', 'events.teacher_code', 'events.event_at',
        ]) }} as certification_event_id,
        events.school_code,
        events.outcome_id,
        row_number() over (
            partition by events.school_code, events.outcome_id
            order by events.event_at, events.loaded_at, events.source_line
        ) as event_sequence,
        outcomes.student_number,
        outcomes.academic_year,
        outcomes.term,
        events.action,
        actions.is_state_change,
        actions.resulting_state,
        actions.is_teacher_change,
        actions.requires_reason,
        events.teacher_code,
        events.event_at,
        events.reason,
        outcomes.outcome_id is not null as has_outcome,
        events.source_file,
        events.source_line,
        events.delivery_id,
    from events
    left join actions on events.action = actions.action
    left join outcomes
        on events.school_code = outcomes.school_code
        and events.outcome_id = outcomes.outcome_id

)

select * from final
