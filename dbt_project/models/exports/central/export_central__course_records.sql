-- Grain: one row per school × academic year × term × student × record kind × course code: every
-- course record (修課成績) of the term, on the 學生成績名冊 sheet of its kind (學期成績, 補修成績, …;
-- xwalk_course_record_kinds). The student's 身分證號 and 出生日期 are the term's. Each sheet has its own
-- columns (exports.md v2; pipelines/export/layout.py picks them), so this model carries them all.
-- 項目鍵: 課程代碼; on 重修/重讀成績 原修課學年度+原修課學期+課程代碼 (a course may be retaken more than once).
-- 補考成績 is -1 when there was no make-up exam (the central database's "none").
with

course_records as (

    select * from {{ scoped_ref('fct_course_records') }}

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

record_kinds as (

    select * from {{ ref('xwalk_course_record_kinds') }}

),

final as (

    select
        course_records.school_code,
        course_records.academic_year,
        course_records.term,
        course_records.student_number,
        student_terms.class_code,
        cast(student_terms.seat_number as integer) as seat_number,
        course_records.record_kind,
        record_kinds.export_sheet_name as sheet_name,
        record_kinds.sort_order as sheet_order,
        case
            when record_kinds.is_record_keyed_by_origin
                then
                    concat_ws(
                        '+', coalesce(cast(course_records.origin_academic_year as varchar), ''),
                        coalesce(cast(course_records.origin_term as varchar), ''), course_records.course_code
                    )
            else course_records.course_code
        end as item_key,
        student_terms.national_id,
        {{ roc_date('student_terms.birth_date') }} as birth_date_roc,
        course_records.course_code,
        course_records.subject_name,
        cast(course_records.course_grade as integer) as course_grade,
        course_records.credits,
        course_records.score,
        {{ flag_code('course_records.is_passed') }} as passed_code,
        coalesce(course_records.makeup_score, {{ var('no_makeup_score') }}) as makeup_score,
        {{ flag_code('course_records.is_makeup_passed') }} as makeup_passed_code,
        course_records.credit_counted_code,
        course_records.qualitative_description,
        course_records.origin_academic_year,
        course_records.origin_term,
        course_records.make_up_method_code,
        course_records.retake_method_code,
        course_records.transfer_identity_code,
    from course_records
    inner join record_kinds on course_records.record_kind = record_kinds.record_kind
    left join student_terms
        on course_records.school_code = student_terms.school_code
        and course_records.academic_year = student_terms.academic_year
        and course_records.term = student_terms.term
        and course_records.student_number = student_terms.student_number

)

-- Stored school by school, as the other export tables, without sorting (28 M rows, a third of this
-- model's time): the rows keep the order of the raw table, where each school's delivery was loaded
-- whole, so an export reading one school's rows still skips the other schools' blocks.
select * from final
