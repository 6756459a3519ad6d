-- Grain: one row per school × student × academic year × item type × item id: the item's current
-- selection state. Rules: int_selections_current_states_business_rules.md
with

selections as (

    select * from {{ scoped_ref('stg_platform__selections') }}

),

actions as (

    select * from {{ ref('xwalk_selection_actions') }}

),

item_types as (

    select * from {{ ref('xwalk_selection_item_types') }}

),

actions_decoded as (

    -- staging's selected_at is the time of the action, whichever action it was
    select
        selections.school_code,
        selections.student_number,
        selections.academic_year,
        selections.item_type,
        selections.item_id,
        selections.action,
        selections.selected_at as action_at,
        actions.is_selected,
        row_number() over (
            partition by
                selections.school_code, selections.student_number,
                selections.academic_year, selections.item_type, selections.item_id
            order by selections.selected_at desc, selections.loaded_at desc, selections.source_line desc
        ) as recency,
    from selections
    inner join actions on selections.action = actions.action

),

item_history as (

    select
        school_code,
        student_number,
        academic_year,
        item_type,
        item_id,
        max(action_at) filter (where is_selected) as selected_at,
        min(action_at) filter (where is_selected) as first_selected_at,
        count(*) as selection_actions,
    from actions_decoded
    group by all

),

latest_action as (

    select * from actions_decoded
    where recency = 1

),

final as (

    select
        latest_action.school_code,
        latest_action.student_number,
        latest_action.academic_year,
        latest_action.item_type,
        item_types.item_kind,
        latest_action.item_id,
        latest_action.is_selected,
        latest_action.action as latest_action,
        latest_action.action_at as latest_action_at,
        item_history.selected_at,
        item_history.first_selected_at,
        item_history.selection_actions,
    from latest_action
    inner join item_history
        on latest_action.school_code = item_history.school_code
        and latest_action.student_number = item_history.student_number
        and latest_action.academic_year = item_history.academic_year
        and latest_action.item_type = item_history.item_type
        and latest_action.item_id = item_history.item_id
    inner join item_types on latest_action.item_type = item_types.item_type

)

select * from final
