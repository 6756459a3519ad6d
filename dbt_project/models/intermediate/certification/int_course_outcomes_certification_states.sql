-- Grain: one row per school × course outcome: its current certification state.
-- Rules: int_course_outcomes_certification_states_business_rules.md
with

outcomes as (

    select * from {{ scoped_ref('stg_platform__course_outcomes') }}

),

events as (

    select * from {{ scoped_ref('stg_platform__certification_events') }}

),

actions as (

    select * from {{ ref('xwalk_certification_actions') }}

),

states as not materialized (

    select * from {{ ref('xwalk_certification_states') }}

),

initial_state as (

    select certification_state from states
    where is_initial

),

events_ordered as (

    -- Ties on event time go to the later delivery, then the later line: it was written later.
    select
        events.school_code,
        events.outcome_id,
        events.action,
        events.teacher_code,
        events.event_at,
        events.reason,
        actions.is_state_change,
        actions.resulting_state,
        actions.is_submission,
        actions.is_decision,
        actions.is_teacher_change,
        actions.requires_reason,
        row_number() over (
            partition by events.school_code, events.outcome_id
            order by events.event_at, events.loaded_at, events.source_line
        ) as event_sequence,
    from events
    inner join actions on events.action = actions.action

),

latest_state_change as (

    select * from events_ordered
    where is_state_change
    qualify row_number() over (partition by school_code, outcome_id order by event_sequence desc) = 1

),

latest_teacher_change as (

    select * from events_ordered
    where is_teacher_change
    qualify row_number() over (partition by school_code, outcome_id order by event_sequence desc) = 1

),

latest_submission as (

    select * from events_ordered
    where is_submission
    qualify row_number() over (partition by school_code, outcome_id order by event_sequence desc) = 1

),

event_counts as (

    select
        school_code,
        outcome_id,
        count(*) as certification_events,
        max(event_at) as last_event_at,
    from events_ordered
    group by school_code, outcome_id

),

outcome_states as (

    select
        outcomes.school_code,
        outcomes.outcome_id,
        coalesce(latest_state_change.resulting_state, initial_state.certification_state)
            as certification_state,
        outcomes.certifying_teacher_code as requested_teacher_code,
        coalesce(latest_teacher_change.teacher_code, outcomes.certifying_teacher_code)
            as certifying_teacher_code,
        latest_submission.event_at as submitted_at,
        latest_state_change.event_at as state_changed_at,
        case when latest_state_change.is_decision then latest_state_change.event_at end as decided_at,
        case when latest_state_change.is_decision then latest_state_change.teacher_code end
            as decided_by_teacher_code,
        case when latest_state_change.requires_reason then latest_state_change.reason end
            as failure_reason,
        coalesce(event_counts.certification_events, 0) as certification_events,
        event_counts.last_event_at,
    from outcomes
    cross join initial_state
    left join latest_state_change
        on outcomes.school_code = latest_state_change.school_code
        and outcomes.outcome_id = latest_state_change.outcome_id
    left join latest_teacher_change
        on outcomes.school_code = latest_teacher_change.school_code
        and outcomes.outcome_id = latest_teacher_change.outcome_id
    left join latest_submission
        on outcomes.school_code = latest_submission.school_code
        and outcomes.outcome_id = latest_submission.outcome_id
    left join event_counts
        on outcomes.school_code = event_counts.school_code
        and outcomes.outcome_id = event_counts.outcome_id

),

final as (

    select
        outcome_states.*,
        states.is_certified,
        states.completion_bucket,
    from outcome_states
    inner join states on outcome_states.certification_state = states.certification_state

)

select * from final
