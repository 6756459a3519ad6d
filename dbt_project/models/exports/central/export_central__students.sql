-- Grain: one row per school × academic year × term × enrolled student: the 學生資料 sheet of the
-- term's 學生資料名冊 (exports.md: every student enrolled in that term). 項目鍵: 身分證號.
-- Codes stay text (leading zeros), dates are ROC text; pipelines/export maps columns to headers.
with

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}
    where is_enrolled

),

final as (

    select
        school_code,
        academic_year,
        term,
        student_number,
        class_code,
        national_id as item_key,
        national_id,
        {{ roc_date('birth_date') }} as birth_date_roc,
        cast(gender_code as varchar) as gender_code,
        cluster_code,
        program_code,
        division_code,
        class_type,
        cast(grade as integer) as grade,
        class_name,
        cast(seat_number as integer) as seat_number,
        enrolment_status,
        {{ roc_date('status_changed_date') }} as status_changed_date_roc,
    from student_terms

)

-- stored school by school: an export reads one school's rows, and DuckDB then skips the other schools' blocks
select * from final
order by school_code, academic_year, term
