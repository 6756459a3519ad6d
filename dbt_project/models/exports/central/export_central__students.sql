-- Grain: one row per school × academic year × term × sheet × student (× 借讀 application): the term's
-- 學生資料名冊. Sheet 學生資料: every student on the register during the term (exports.md v2: the
-- suspended and those who left in it too, fct_student_terms.is_on_register), 項目鍵 身分證號. Sheet
-- 學生借讀資料: every 借讀 row of the term, 項目鍵 借讀學校代碼+申請開始日期.
-- Codes stay text (leading zeros), dates are ROC text; pipelines/export maps columns to headers.
-- 班別 goes out as its code: a delivery in the old layout names it (普通班), xwalk_class_types gives the code.
with

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

visiting_studies as (

    select * from {{ scoped_ref('stg_admin__visiting_studies') }}

),

class_types as (

    select * from {{ ref('xwalk_class_types') }}

),

registered as (

    select
        school_code,
        academic_year,
        term,
        student_number,
        class_code,
        cast(seat_number as integer) as seat_number,
        '{{ var("export_sheets")["students"] }}' as sheet_name,
        1 as sheet_order,
        national_id as item_key,
        national_id,
        {{ roc_date('birth_date') }} as birth_date_roc,
        cast(gender_code as varchar) as gender_code,
        cluster_code,
        program_code,
        division_code,
        coalesce(class_types.class_type_code, student_terms.class_type) as class_type,
        cast(grade as integer) as grade,
        class_name,
        special_identity_code,
        indigenous_people_code,
        indigenous_status_code,
        indigenous_language_dialect,
        cast(indigenous_language_exam_year as integer) as indigenous_language_exam_year,
        {{ roc_date('indigenous_language_valid_until') }} as indigenous_language_valid_until_roc,
        experimental_class_name,
        admission_method_code,
        enrolment_status,
        {{ roc_date('status_changed_date') }} as status_changed_date_roc,
        cast(null as varchar) as host_school_code,
        cast(null as varchar) as host_cluster_code,
        cast(null as varchar) as host_program_code,
        cast(null as varchar) as visiting_code,
        cast(null as varchar) as application_start_date_roc,
        cast(null as varchar) as application_end_date_roc,
    from student_terms
    left join class_types
        on student_terms.class_type = class_types.class_type_label
    where is_on_register

),

visiting as (

    select
        visiting_studies.school_code,
        visiting_studies.academic_year,
        visiting_studies.term,
        visiting_studies.student_number,
        student_terms.class_code,
        cast(student_terms.seat_number as integer) as seat_number,
        '{{ var("export_sheets")["visiting_studies"] }}' as sheet_name,
        2 as sheet_order,
        visiting_studies.host_school_code || '+' || {{ roc_date('visiting_studies.application_start_date') }}
            as item_key,
        student_terms.national_id,
        {{ roc_date('student_terms.birth_date') }} as birth_date_roc,
        cast(null as varchar) as gender_code,
        cast(null as varchar) as cluster_code,
        cast(null as varchar) as program_code,
        cast(null as varchar) as division_code,
        cast(null as varchar) as class_type,
        cast(null as integer) as grade,
        cast(null as varchar) as class_name,
        cast(null as varchar) as special_identity_code,
        cast(null as varchar) as indigenous_people_code,
        cast(null as varchar) as indigenous_status_code,
        cast(null as varchar) as indigenous_language_dialect,
        cast(null as integer) as indigenous_language_exam_year,
        cast(null as varchar) as indigenous_language_valid_until_roc,
        cast(null as varchar) as experimental_class_name,
        cast(null as varchar) as admission_method_code,
        cast(null as varchar) as enrolment_status,
        cast(null as varchar) as status_changed_date_roc,
        visiting_studies.host_school_code,
        visiting_studies.host_cluster_code,
        visiting_studies.host_program_code,
        visiting_studies.visiting_code,
        {{ roc_date('visiting_studies.application_start_date') }} as application_start_date_roc,
        {{ roc_date('visiting_studies.application_end_date') }} as application_end_date_roc,
    from visiting_studies
    left join student_terms
        on visiting_studies.school_code = student_terms.school_code
        and visiting_studies.academic_year = student_terms.academic_year
        and visiting_studies.term = student_terms.term
        and visiting_studies.student_number = student_terms.student_number

),

final as (

    select * from registered
    union all
    select * from visiting

)

-- stored school by school: an export reads one school's rows, and DuckDB then skips the other schools' blocks
select * from final
order by school_code, academic_year, term
