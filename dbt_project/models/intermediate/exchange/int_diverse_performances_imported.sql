-- Grain: one row per receiving school × imported diverse performance, shaped as fct_diverse_performances'
-- rows so that the mart can append them: the transferred student's 多元表現 from the sending school, with
-- the student's selection here (macros/imported_item_id.sql) and class and seat here in its year.
-- Rules: gate_business_rules.md, "Transferred students' imported items".
with

imported as (

    select * from {{ scoped_ref('stg_exchange__diverse_performances') }}

),

categories as (

    select * from {{ ref('xwalk_diverse_categories') }}

),

entry_sources as (

    select * from {{ ref('xwalk_diverse_entry_sources') }}

),

selections as (

    select * from {{ scoped_ref('int_selections_current_states') }}
    where item_kind = 'diverse_performance'

),

student_years as (

    select * from {{ scoped_ref('int_student_years_placed') }}

),

final as (

    select
        imported.school_code,
        imported.performance_id,
        imported.student_number,
        imported.academic_year,
        student_years.class_code,
        student_years.seat_number,
        imported.category,
        categories.export_sheet_name,
        imported.title,
        imported.organiser,
        imported.start_date,
        imported.end_date,
        imported.hours,
        imported.level_or_award,
        {{ item_content_columns('imported') }},
        imported.external_url,
        imported.entry_source,
        coalesce(entry_sources.is_student_entered, false) as is_student_entered,
        imported.uploaded_at,
        coalesce(selections.is_selected, false) as is_selected,
        selections.selected_at,
        {{ exchange_origin_columns('performance_id', 'imported') | join(',\n        ') }},
    from imported
    left join categories on imported.category = categories.category
    left join entry_sources on imported.entry_source = entry_sources.entry_source
    left join selections
        on imported.school_code = selections.school_code
        and imported.student_number = selections.student_number
        and imported.academic_year = selections.academic_year
        and imported.performance_id = selections.item_id
    left join student_years
        on imported.school_code = student_years.school_code
        and imported.academic_year = student_years.academic_year
        and imported.student_number = student_years.student_number

)

select * from final
