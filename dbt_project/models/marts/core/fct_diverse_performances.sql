-- Grain: one row per school × diverse performance (多元表現; also one a transferred student brought:
-- origin_school_code), with its export sheet, whether the
-- student entered it (only those count toward the caps) and whether the student has selected it.
with

performances as (

    select * from {{ scoped_ref('stg_platform__diverse_performances') }}

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

own_items as (

    select
        performances.school_code,
        performances.performance_id,
        performances.student_number,
        performances.academic_year,
        student_years.class_code,
        student_years.seat_number,
        performances.category,
        categories.export_sheet_name,
        performances.title,
        performances.organiser,
        performances.start_date,
        performances.end_date,
        performances.hours,
        performances.level_or_award,
        {{ item_content_columns('performances') }},
        performances.external_url,
        -- the per-category fields of the central layout (exports.md v2), empty in older deliveries
        performances.activity_term,
        performances.cadre_level,
        performances.competition_event,
        performances.competition_level_code,
        performances.team_participation_code,
        performances.certificate_code,
        performances.certificate_score,
        performances.certificate_part_results,
        performances.certificate_number,
        performances.flexible_learning_type_code,
        performances.periods_per_week,
        performances.weeks,
        performances.group_activity_type_code,
        performances.periods,
        performances.workplace_learning_type_code,
        performances.programme_name,
        performances.credits,
        performances.entry_source,
        coalesce(entry_sources.is_student_entered, false) as is_student_entered,
        performances.uploaded_at,
        coalesce(selections.is_selected, false) as is_selected,
        selections.selected_at,
        performances.source_file,
        performances.source_line,
    from performances
    left join categories on performances.category = categories.category
    left join entry_sources on performances.entry_source = entry_sources.entry_source
    left join selections
        on performances.school_code = selections.school_code
        and performances.student_number = selections.student_number
        and performances.academic_year = selections.academic_year
        and performances.performance_id = selections.item_id
    left join student_years
        on performances.school_code = student_years.school_code
        and performances.academic_year = student_years.academic_year
        and performances.student_number = student_years.student_number

),

imported as (

    -- a transferred student's items from the sending school (portfolio exchange import), with their origin
    select * from {{ scoped_ref('int_diverse_performances_imported') }}

),

final as (

    -- own items have no origin (origin_school_code null); imported ones lack the per-category fields
    {{ own_and_imported_items('diverse_performance', 'performance_id') }}

)

select * from final
