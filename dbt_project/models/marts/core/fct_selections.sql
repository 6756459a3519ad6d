-- Grain: one row per school × student × academic year × item type × item id: the current selection
-- state of every item a student ever selected, with what the selection rules (R07, R08, R12, R20)
-- look at: the item's certification state or entry source, and the year's selection deadline.
with

selections as (

    select * from {{ scoped_ref('int_selections_current_states') }}

),

outcomes as (

    select * from {{ scoped_ref('fct_course_outcomes') }}

),

performances as (

    select * from {{ scoped_ref('fct_diverse_performances') }}

),

deadlines as (

    select * from {{ scoped_ref('stg_school__selection_deadlines') }}

),

student_years as (

    select * from {{ scoped_ref('int_student_years_placed') }}

),

final as (

    select
        selections.school_code,
        selections.student_number,
        selections.academic_year,
        selections.item_type,
        selections.item_kind,
        selections.item_id,
        student_years.class_code,
        student_years.seat_number,
        selections.is_selected,
        selections.latest_action,
        selections.latest_action_at,
        selections.selected_at,
        selections.first_selected_at,
        selections.selection_actions,
        deadlines.selection_deadline_date,
        coalesce(outcomes.outcome_id, performances.performance_id) is not null as has_item,
        outcomes.certification_state,
        coalesce(outcomes.is_certified, false) as is_certified,
        performances.category as performance_category,
        coalesce(performances.is_student_entered, false) as is_student_entered,
    from selections
    left join outcomes
        on selections.item_kind = 'course_outcome'
        and selections.school_code = outcomes.school_code
        and selections.student_number = outcomes.student_number
        and selections.academic_year = outcomes.academic_year
        and selections.item_id = outcomes.outcome_id
    left join performances
        on selections.item_kind = 'diverse_performance'
        and selections.school_code = performances.school_code
        and selections.student_number = performances.student_number
        and selections.academic_year = performances.academic_year
        and selections.item_id = performances.performance_id
    left join deadlines
        on selections.school_code = deadlines.school_code
        and selections.academic_year = deadlines.academic_year
    left join student_years
        on selections.school_code = student_years.school_code
        and selections.academic_year = student_years.academic_year
        and selections.student_number = student_years.student_number

)

select * from final
