-- Grain: one row per school × course outcome that is selected (latest action 勾選) and certified
-- (認證通過): the candidates for the 課程學習成果 sheet of the year's 學生課程學習成果名冊 (term 0).
-- Rules: exports_central_business_rules.md. The per-student caps are ranked here and applied by the
-- export (the rows beyond a cap are the ones left out): within_selection_cap keeps the first
-- course_outcome_selection_cap_per_year selected (the latest selected_at go), within_upload_cap marks
-- the outcome as one of the term's first course_outcome_upload_cap_per_term uploads (R05).
-- 項目鍵: 課程代碼+成果名稱.
with

outcomes as not materialized (

    select * from {{ scoped_ref('fct_course_outcomes') }}

),

policies as (

    select * from {{ scoped_ref('stg_school__policies') }}

),

student_years as (

    -- the year's roster is keyed by the student's identity in the last term of the year on record
    select * from {{ scoped_ref('int_student_years_placed') }}

),

uploads_ranked as (

    select
        school_code,
        outcome_id,
        row_number() over (
            partition by school_code, academic_year, term, student_number
            order by uploaded_at nulls last, outcome_id
        ) as upload_rank,
    from outcomes

),

exportable as (

    select
        *,
        row_number() over (
            partition by school_code, academic_year, student_number
            order by selected_at nulls last, outcome_id
        ) as selection_rank,
    from outcomes
    where is_selected and is_certified

),

final as (

    select
        exportable.school_code,
        exportable.academic_year,
        0 as term,
        exportable.student_number,
        student_years.class_code,
        cast(student_years.seat_number as integer) as seat_number,
        exportable.outcome_id as item_id,
        exportable.course_code || '+' || exportable.title as item_key,
        exportable.selected_at,
        exportable.uploaded_at,
        exportable.selection_rank,
        uploads_ranked.upload_rank,
        coalesce(exportable.selection_rank <= policies.course_outcome_selection_cap_per_year, true)
            as is_within_selection_cap,
        coalesce(uploads_ranked.upload_rank <= policies.course_outcome_upload_cap_per_term, true)
            as is_within_upload_cap,
        student_years.national_id,
        {{ roc_date('student_years.birth_date') }} as birth_date_roc,
        exportable.term as course_term,
        exportable.course_code,
        exportable.subject_name,
        cast(exportable.course_grade as integer) as course_grade,
        exportable.credits,
        exportable.title,
        exportable.summary,
        exportable.document_file_name,
        exportable.video_file_name,
    from exportable
    inner join uploads_ranked
        on exportable.school_code = uploads_ranked.school_code
        and exportable.outcome_id = uploads_ranked.outcome_id
    left join policies on exportable.school_code = policies.school_code
    left join student_years
        on exportable.school_code = student_years.school_code
        and exportable.academic_year = student_years.academic_year
        and exportable.student_number = student_years.student_number

)

-- stored school by school: an export reads one school's rows, and DuckDB then skips the other schools' blocks
select * from final
order by school_code, academic_year, term
