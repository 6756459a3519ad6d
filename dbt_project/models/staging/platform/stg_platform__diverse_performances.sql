-- Grain: one row per school × performance id.
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

final as (

    {{ newest_wins('renamed', ['school_code', 'performance_id']) }}

)

select * from final
