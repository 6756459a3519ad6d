-- Grain: one row per school × session id × student (a group session has one row per student).
with

source as not materialized (

    select * from {{ scoped_source('raw', 'counselling_sessions') }}

),

renamed as not materialized (

    select
        school_code,
        {{ clean_text('"諮詢編號"') }} as session_id,
        {{ clean_text('"諮詢教師代碼"') }} as counsellor_code,
        "日期" as session_date,
        "時間" as session_time,
        {{ clean_text('"地點"') }} as place,
        {{ clean_text('"形式"') }} as session_format,
        {{ clean_text('"學號"') }} as student_number,
        {{ clean_text('"諮詢內容及意見"') }} as content,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'session_id', 'student_number']) }}

)

select * from final
