-- Grain: one row per enrolled 學生資料 row as delivered: school × source file × line. R14: no two enrolled
-- rows of a term share a 身分證號 or a 學號 (the gate compares IDs by digest and reports them masked).
--
-- Built on stg_admin__student_rows, the registry as delivered: de-duplicated staging would hide a 學號
-- delivered twice in a term.
with

student_rows as (

    select * from {{ scoped_ref('stg_admin__student_rows') }}

),

enrolment_statuses as (

    select * from {{ ref('xwalk_enrolment_statuses') }}

),

delivered as (

    select
        school_code,
        academic_year,
        term,
        student_number,
        national_id,
        class_code,
        seat_number,
        enrolment_status,
        source_file,
        source_line,
        delivery_id,
    from student_rows

),

final as (

    select
        delivered.school_code,
        delivered.academic_year,
        delivered.term,
        delivered.student_number,
        delivered.student_number as item_key,
        delivered.class_code,
        delivered.seat_number,
        delivered.national_id,
        {{ mask_national_id('delivered.national_id') }} as national_id_masked,
        delivered.enrolment_status,
        delivered.source_file,
        delivered.source_line,
        delivered.delivery_id,
    from delivered
    inner join enrolment_statuses
        on delivered.enrolment_status = enrolment_statuses.enrolment_status
    where enrolment_statuses.is_enrolled

)

select * from final
