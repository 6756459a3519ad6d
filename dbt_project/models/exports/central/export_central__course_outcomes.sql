-- Grain: one row per school × course outcome that is selected (latest action 勾選) and certified
-- (認證通過): the candidates for the year's 學生課程學習成果名冊 (term 0), on the sheet of its kind
-- (exports.md v2): the 修課類別 of the 修課成績 row it was made for (xwalk_course_record_kinds), except
-- that an outcome of a term the student spent at another school (借讀) goes on 借讀課程學習成果.
-- Rules: exports_central_business_rules.md. The per-student caps are ranked here and applied by the
-- export (the rows beyond a cap are the ones left out): within_selection_cap keeps the first
-- course_outcome_selection_cap_per_year selected (the latest selected_at go), within_upload_cap marks
-- the outcome as one of the term's first course_outcome_upload_cap_per_term uploads (R05).
-- 項目鍵: the sheet's term and course columns + 文件檔名 + 影音檔名 (a student's two outcomes of one course
-- differ in their files); see exports_central_business_rules.md.
with

outcomes as not materialized (

    select * from {{ scoped_ref('fct_course_outcomes') }}

),

policies as (

    select * from {{ scoped_ref('stg_school__policies') }}

),

record_kinds as (

    select * from {{ ref('xwalk_course_record_kinds') }}

),

visiting_terms as (

    -- one host school per student and term: the earliest application when there are several
    select
        school_code,
        academic_year,
        term,
        student_number,
        arg_min(host_school_code, application_start_date) as host_school_code,
    from {{ scoped_ref('stg_admin__visiting_studies') }}
    group by all

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
            -- imported outcomes apart: they were the sending school's uploads
            partition by school_code, academic_year, term, student_number, origin_school_code
            order by uploaded_at nulls last, outcome_id
        ) as upload_rank,
    from outcomes

),

exportable as (

    select
        outcomes.*,
        visiting_terms.host_school_code,
        record_kinds.outcome_key_term,
        case
            when visiting_terms.host_school_code is not null then '{{ var("export_sheets")["visiting_outcomes"] }}'
            -- an outcome without a course record (R06) goes with the term's regular ones
            else coalesce(record_kinds.outcome_sheet_name, '{{ var("export_sheets")["regular_outcomes"] }}')
        end as sheet_name,
        case
            when visiting_terms.host_school_code is not null then {{ var('visiting_outcome_sheet_order') }}
            else coalesce(record_kinds.sort_order, 1)
        end as sheet_order,
        row_number() over (
            partition by outcomes.school_code, outcomes.academic_year, outcomes.student_number
            order by outcomes.selected_at nulls last, outcomes.outcome_id
        ) as selection_rank,
    from outcomes
    left join record_kinds on outcomes.record_kind = record_kinds.record_kind
    left join visiting_terms
        on outcomes.school_code = visiting_terms.school_code
        and outcomes.academic_year = visiting_terms.academic_year
        and outcomes.term = visiting_terms.term
        and outcomes.student_number = visiting_terms.student_number
    -- an imported outcome the sending school already sent in that year's whole-year folder is not sent twice
    where outcomes.is_selected and outcomes.is_certified and not coalesce(outcomes.is_submitted_by_origin, false)

),

final as (

    select
        exportable.school_code,
        exportable.academic_year,
        0 as term,
        exportable.student_number,
        student_years.class_code,
        cast(student_years.seat_number as integer) as seat_number,
        exportable.sheet_name,
        exportable.sheet_order,
        exportable.outcome_id as item_id,
        -- the same parts, in the same order, as the sheet's key_headers in pipelines/export/layout.py
        concat_ws(
            '+',
            case
                when exportable.host_school_code is not null
                    then
                        exportable.host_school_code || '+'
                        || cast(exportable.academic_year as varchar) || '+' || cast(exportable.term as varchar)
                when exportable.outcome_key_term = 'origin'
                    then
                        coalesce(cast(exportable.origin_academic_year as varchar), '')
                        || '+' || coalesce(cast(exportable.origin_term as varchar), '')
                else cast(exportable.term as varchar)
            end,
            exportable.course_code,
            coalesce(exportable.document_file_name, ''),
            coalesce(exportable.video_file_name, '')
        ) as item_key,
        exportable.selected_at,
        exportable.uploaded_at,
        exportable.selection_rank,
        uploads_ranked.upload_rank,
        coalesce(exportable.selection_rank <= policies.course_outcome_selection_cap_per_year, true)
            as is_within_selection_cap,
        -- R05 counts this school's uploads: an imported outcome was uploaded at the sending school
        (
            exportable.origin_school_code is not null
            or coalesce(uploads_ranked.upload_rank <= policies.course_outcome_upload_cap_per_term, true)
        ) as is_within_upload_cap,
        student_years.national_id,
        {{ roc_date('student_years.birth_date') }} as birth_date_roc,
        exportable.term as course_term,
        exportable.course_code,
        exportable.subject_name,
        cast(exportable.course_grade as integer) as course_grade,
        exportable.credits,
        exportable.origin_academic_year,
        exportable.origin_term,
        exportable.make_up_method_code,
        exportable.retake_method_code,
        exportable.host_school_code,
        exportable.academic_year as visiting_academic_year,
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
