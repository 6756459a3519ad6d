-- Grain: one row per school × outcome id.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'course_outcomes') }}

),

renamed as not materialized (

    select
        school_code,
        {{ clean_text('"成果編號"') }} as outcome_id,
        {{ clean_text('"學號"') }} as student_number,
        cast("學年度" as integer) as academic_year,
        cast("學期" as integer) as term,
        {{ clean_text('"課程代碼"') }} as course_code,
        {{ clean_text('"成果名稱"') }} as title,
        {{ clean_text('"成果簡述"') }} as summary,
        {{ clean_text('"文件檔名"') }} as document_file_name,
        "文件大小" as document_bytes,
        {{ clean_text('"影音檔名"') }} as video_file_name,
        "影音大小" as video_bytes,
        "上傳時間" as uploaded_at,
        {{ clean_text('"認證教師代碼"') }} as certifying_teacher_code,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'outcome_id']) }}

)

select * from final
