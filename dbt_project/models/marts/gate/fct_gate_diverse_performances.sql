-- Grain: one row per school × diverse performance: what R10 checks (summary present and within the
-- policy's length, file types and sizes, an http(s) external link).
with

performances as (

    select * from {{ scoped_ref('fct_diverse_performances') }}

),

final as (

    select
        school_code,
        academic_year,
        performance_id,
        performance_id as item_key,
        student_number,
        class_code,
        seat_number,
        entry_source,
        is_student_entered,
        summary_chars,
        -- a file whose name has no extension has type '' (which no policy allows), not "no file"
        case when document_file_name is not null then coalesce(document_extension, '') end as document_file_type,
        case when document_file_name is not null then document_bytes end as document_bytes,
        case when video_file_name is not null then coalesce(video_extension, '') end as video_file_type,
        case when video_file_name is not null then video_bytes end as video_bytes,
        external_url,
    from performances

)

select * from final
