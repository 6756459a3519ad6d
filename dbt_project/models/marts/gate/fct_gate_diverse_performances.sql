-- Grain: one row per school × diverse performance: what R10 checks (summary present and within the
-- policy's length, file types and sizes, an http(s) external link), R22 (on the register: the student's
-- latest listed 學生資料 row of the year, as of the entry's upload) and R27 (entered by the year's diverse-entry
-- deadline; a proof file or link).
with

performances as (

    -- this school's entries, and the imported ones (a transferred student's) the student selected here:
    -- R22 and R27 judge the entry's term work and hold only where is_own_entry (gate_business_rules.md)
    select * from {{ scoped_ref('fct_diverse_performances') }}
    where origin_school_code is null or is_selected

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

entry_deadlines as (

    select * from {{ scoped_ref('stg_school__diverse_entry_deadlines') }}

),

latest_terms as (

    -- a diverse performance belongs to a year, not a term: the year's latest listed row says where the student stands
    select * from student_terms
    where is_year_register_term

),

final as (

    select
        performances.school_code,
        performances.academic_year,
        performances.performance_id,
        performances.performance_id as item_key,
        performances.student_number,
        performances.origin_school_code,
        performances.origin_school_code is null as is_own_entry,
        performances.class_code,
        performances.seat_number,
        performances.entry_source,
        performances.is_student_entered,
        performances.summary_chars,
        -- a file whose name has no extension has type '' (which no policy allows), not "no file"
        case when performances.document_file_name is not null then coalesce(performances.document_extension, '') end
            as document_file_type,
        case when performances.document_file_name is not null then performances.document_bytes end as document_bytes,
        case when performances.video_file_name is not null then coalesce(performances.video_extension, '') end
            as video_file_type,
        case when performances.video_file_name is not null then performances.video_bytes end as video_bytes,
        performances.external_url,
        -- R27: a proof is a document, a video or an external link
        (
            performances.document_file_name is not null
            or performances.video_file_name is not null
            or performances.external_url is not null
        ) as has_proof,
        {{ is_on_register_at('latest_terms', 'performances.uploaded_at') }} as is_on_register,
        performances.uploaded_at,
        entry_deadlines.diverse_entry_deadline_date,
        date_diff('day', entry_deadlines.diverse_entry_deadline_date, cast(performances.uploaded_at as date))
            as entry_days_late,
    from performances
    left join latest_terms
        on performances.school_code = latest_terms.school_code
        and performances.academic_year = latest_terms.academic_year
        and performances.student_number = latest_terms.student_number
    left join entry_deadlines
        on performances.school_code = entry_deadlines.school_code
        and performances.academic_year = entry_deadlines.academic_year

)

select * from final
