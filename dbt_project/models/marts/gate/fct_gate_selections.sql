-- Grain: one row per school × student × academic year × item type × item id ever selected (勾選).
-- R08: an item selected now (its latest action is 勾選) that is a course outcome must be 認證通過
-- ('查無此成果' when no such outcome exists). R20: the latest 勾選 of the item, selected now or not,
-- fell after the year's selection deadline (selection_days_late > 0): a late selection happened
-- (R26 forfeits or warns it by the school's late_items). R22: an item selected now by a student on the
-- register when selecting (the year's latest listed 學生資料 row, macros/on_register.sql).
with

selections as (

    select * from {{ scoped_ref('fct_selections') }}
    where selected_at is not null

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

latest_terms as (

    -- a selection belongs to a year: the year's latest listed row says where the student stands
    select * from student_terms
    where is_year_register_term

),

final as (

    select
        selections.school_code,
        selections.academic_year,
        selections.student_number,
        selections.item_type,
        selections.item_kind,
        selections.item_id,
        selections.item_id as item_key,
        selections.class_code,
        selections.seat_number,
        selections.is_selected,
        selections.selected_at,
        selections.selection_deadline_date,
        date_diff('day', selections.selection_deadline_date, cast(selections.selected_at as date))
            as selection_days_late,
        -- a selected id with no such outcome is as uncertified as can be
        case
            when selections.item_kind = 'course_outcome' then coalesce(selections.certification_state, '查無此成果')
        end as certification_state,
        selections.is_student_entered,
        {{ is_on_register_at('latest_terms', 'selections.selected_at') }} as is_on_register,
    from selections
    left join latest_terms
        on selections.school_code = latest_terms.school_code
        and selections.academic_year = latest_terms.academic_year
        and selections.student_number = latest_terms.student_number

)

select * from final
