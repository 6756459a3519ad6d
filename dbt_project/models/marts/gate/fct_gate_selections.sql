-- Grain: one row per school × student × academic year × item type × item id ever selected (勾選).
-- R08: an item selected now (its latest action is 勾選) that is a course outcome must be 認證通過
-- ('查無此成果' when no such outcome exists). R20: the latest 勾選 of the item, selected now or not,
-- fell after the year's selection deadline (selection_days_late > 0): a late selection happened.
with

selections as (

    select * from {{ scoped_ref('fct_selections') }}
    where selected_at is not null

),

final as (

    select
        school_code,
        academic_year,
        student_number,
        item_type,
        item_kind,
        item_id,
        item_id as item_key,
        class_code,
        seat_number,
        is_selected,
        selected_at,
        selection_deadline_date,
        date_diff('day', selection_deadline_date, cast(selected_at as date)) as selection_days_late,
        -- a selected id with no such outcome is as uncertified as can be
        case
            when item_kind = 'course_outcome' then coalesce(certification_state, '查無此成果')
        end as certification_state,
        is_student_entered,
    from selections

)

select * from final
