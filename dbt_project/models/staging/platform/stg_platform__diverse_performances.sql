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
