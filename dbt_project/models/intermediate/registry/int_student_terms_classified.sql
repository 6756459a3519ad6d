-- Grain: one row per school × academic year × term × student number.
--
-- The school-year logic lives here, once. The admin system exports one 學生資料 row per student per
-- term, carrying the status at export time, and keeps rows for students who are suspended (休學) or
-- have left (轉出, 退學, 畢業). Only an *enrolled* row (在學, 復學, 轉入, 重讀; xwalk_enrolment_statuses)
-- makes the student part of that term: expected to upload course outcomes, listed in the term's
-- 學生資料名冊, counted by completion and by the duplicate-ID rule. A student is judged per term, so a
-- student suspended in term 1 and back in term 2 counts in term 2 only.
-- The term's 學生資料名冊 lists more: everyone on the register during the term (is_on_register), so also
-- the suspended (休學) and those who left in it (轉出, 退學, 畢業 dated from the term's first day on); a
-- leaver whose change predates the term left before it and is not listed (exports.md v2).
with

students as (

    select * from {{ scoped_ref('stg_admin__students') }}

),

enrolment_statuses as (

    select * from {{ ref('xwalk_enrolment_statuses') }}

),

classified as (

    select
        students.*,
        coalesce(enrolment_statuses.is_enrolled, false) as is_enrolled,
        coalesce(enrolment_statuses.is_leaver, false) as is_leaver,
        not coalesce(
            enrolment_statuses.is_leaver
            and students.status_changed_date < {{ term_start_date('students.academic_year', 'students.term') }},
            false
        ) as is_on_register,
        row_number() over (
            partition by students.school_code, students.student_number
            order by students.academic_year desc, students.term desc
        ) = 1 as is_latest_term,
    from students
    left join enrolment_statuses
        on students.enrolment_status = enrolment_statuses.enrolment_status

),

final as (

    select * from classified

)

select * from final
