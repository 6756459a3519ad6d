-- Grain: one row per school × diverse performance that the student entered (學生自填) and selected
-- (latest action 勾選): the candidates for the year's 學生自填多元表現名冊 (term 0), on the sheet of its
-- 類別 (xwalk_diverse_categories). School-registered (學校登錄) entries never go here and never count.
-- As for outcomes, the caps are ranked here and applied by the export: within_selection_cap keeps the
-- first diverse_selection_cap_per_year selected (R12); within_upload_cap marks one of the student's
-- first diverse_upload_cap_per_year entries of the year (R11). Each sheet has its own columns (exports.md
-- v2) and its own 項目鍵, both in pipelines/export/layout.py; item_key repeats that key for sorting.
with

performances as not materialized (

    select * from {{ scoped_ref('fct_diverse_performances') }}
    where is_student_entered

),

categories as (

    select * from {{ ref('xwalk_diverse_categories') }}

),

policies as (

    select * from {{ scoped_ref('stg_school__policies') }}

),

student_years as (

    -- the year's roster is keyed by the student's identity in the last term of the year on record
    select * from {{ scoped_ref('int_student_years_placed') }}

),

entries_ranked as (

    select
        school_code,
        performance_id,
        row_number() over (
            partition by school_code, academic_year, student_number
            order by uploaded_at nulls last, performance_id
        ) as upload_rank,
    from performances

),

exportable as (

    select
        *,
        row_number() over (
            partition by school_code, academic_year, student_number
            order by selected_at nulls last, performance_id
        ) as selection_rank,
    from performances
    -- an imported entry the sending school already sent in that year's folder is not sent twice
    where is_selected and not coalesce(is_submitted_by_origin, false)

),

final as (

    select
        exportable.school_code,
        exportable.academic_year,
        0 as term,
        exportable.student_number,
        student_years.class_code,
        cast(student_years.seat_number as integer) as seat_number,
        exportable.category,
        categories.export_sheet_name as sheet_name,
        categories.sort_order as sheet_order,
        exportable.performance_id as item_id,
        {{ diverse_item_key('exportable', 'categories.category_en') }} as item_key,
        exportable.selected_at,
        exportable.uploaded_at,
        exportable.selection_rank,
        entries_ranked.upload_rank,
        coalesce(exportable.selection_rank <= policies.diverse_selection_cap_per_year, true)
            as is_within_selection_cap,
        coalesce(entries_ranked.upload_rank <= policies.diverse_upload_cap_per_year, true)
            as is_within_upload_cap,
        student_years.national_id,
        {{ roc_date('student_years.birth_date') }} as birth_date_roc,
        exportable.title,
        exportable.organiser,
        {{ roc_date('exportable.start_date') }} as start_date_roc,
        {{ roc_date('exportable.end_date') }} as end_date_roc,
        exportable.hours,
        exportable.level_or_award,
        exportable.summary,
        exportable.document_file_name,
        exportable.video_file_name,
        exportable.external_url,
        -- one date for the sheets that show one (結果公布日期, 取得證照日期, 日期): the day it ended or happened
        {{ roc_date('coalesce(exportable.end_date, exportable.start_date)') }} as event_date_roc,
        cast(exportable.cadre_level as varchar) as cadre_level,
        exportable.competition_event,
        exportable.competition_level_code,
        exportable.team_participation_code,
        exportable.certificate_code,
        exportable.certificate_score,
        exportable.certificate_part_results,
        exportable.certificate_number,
        exportable.flexible_learning_type_code,
        exportable.academic_year as activity_year,
        exportable.activity_term,
        cast(exportable.periods_per_week as integer) as periods_per_week,
        cast(exportable.weeks as integer) as weeks,
        exportable.group_activity_type_code,
        cast(exportable.periods as integer) as periods,
        exportable.workplace_learning_type_code,
        exportable.programme_name,
        exportable.credits,
    from exportable
    inner join categories on exportable.category = categories.category
    inner join entries_ranked
        on exportable.school_code = entries_ranked.school_code
        and exportable.performance_id = entries_ranked.performance_id
    left join policies on exportable.school_code = policies.school_code
    left join student_years
        on exportable.school_code = student_years.school_code
        and exportable.academic_year = student_years.academic_year
        and exportable.student_number = student_years.student_number

)

-- stored school by school: an export reads one school's rows, and DuckDB then skips the other schools' blocks
select * from final
order by school_code, academic_year, term
