-- Grain: one row per school × diverse performance (多元表現; also one a transferred student brought:
-- origin_school_code), with its export sheet, whether the
-- student entered it (only those count toward the caps) and whether the student has selected it.
-- The delivered rows are cleaned and de-duplicated here, not in a staging model (see fct_course_records).
with

source as not materialized (

    select * from {{ scoped_source('raw', 'diverse_performances') }}

),

renamed as not materialized (

    select
        school_code,
        {{ clean_text('"表現編號"') }} as performance_id,
        {{ clean_text('"學號"') }} as student_number,
        cast("學年度" as integer) as academic_year,
        {{ clean_text('"類別"') }} as category,
        {{ clean_text('"名稱"') }} as title,
        {{ clean_text('"單位"') }} as organiser,
        "開始日期" as start_date,
        "結束日期" as end_date,
        "時數" as hours,
        {{ clean_text('"等級獎項"') }} as level_or_award,
        {{ clean_text('"內容簡述"') }} as summary,
        {{ clean_text('"證明文件檔名"') }} as document_file_name,
        "證明文件大小" as document_bytes,
        {{ clean_text('"影音檔名"') }} as video_file_name,
        "影音大小" as video_bytes,
        {{ clean_text('"外部連結"') }} as external_url,
        {{ clean_text('"登錄來源"') }} as entry_source,
        "上傳時間" as uploaded_at,
        cast("學期" as integer) as activity_term,
        "幹部等級" as cadre_level,
        {{ clean_text('"競賽項目"') }} as competition_event,
        {{ clean_text('"競賽等級代碼"') }} as competition_level_code,
        {{ clean_text('"團體參與代碼"') }} as team_participation_code,
        {{ clean_text('"證照代碼"') }} as certificate_code,
        "分數" as certificate_score,
        {{ clean_text('"分項結果"') }} as certificate_part_results,
        {{ clean_text('"證照字號"') }} as certificate_number,
        {{ clean_text('"彈性學習時間類別種類代碼"') }} as flexible_learning_type_code,
        "每週節數" as periods_per_week,
        "開設週數" as weeks,
        {{ clean_text('"團體活動時間類別代碼"') }} as group_activity_type_code,
        "節數" as periods,
        {{ clean_text('"職場學習類別代碼"') }} as workplace_learning_type_code,
        {{ clean_text('"計畫專案"') }} as programme_name,
        "學分數" as credits,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

performances as (

    {{ newest_wins('renamed', ['school_code', 'performance_id']) }}

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
