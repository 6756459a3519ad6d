-- Grain: one row per school × student × essay type.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'autobiographies') }}

),

renamed as not materialized (

    select
        school_code,
        {{ clean_text('"學號"') }} as student_number,
        {{ clean_text('"類型"') }} as essay_type,
        "字數" as word_count,
        "上傳時間" as uploaded_at,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'student_number', 'essay_type']) }}

)

select * from final
