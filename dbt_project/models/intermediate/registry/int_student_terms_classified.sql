-- Grain: one row per school × academic year × term × student number.
--
-- The school-year logic lives here, once. The admin system exports one 學生資料 row per student per
-- term, carrying the status at export time, and keeps rows for students who are suspended (休學) or
-- have left (轉出, 退學, 畢業). Only an *enrolled* row (在學, 復學, 轉入, 重讀; xwalk_enrolment_statuses)
-- makes the student part of that term: expected to upload course outcomes, listed in the term's
-- 學生資料名冊, counted by completion and by the duplicate-ID rule. A student is judged per term, so a
-- student suspended in term 1 and back in term 2 counts in term 2 only.
-- 在籍 (on the register) is defined here, once, for the term's 學生資料名冊 and for rule R22:
-- is_on_register: listed on the term's register = every row except a leaver (轉出, 退學, 畢業; is_leaver)
--   whose 學籍異動日期 is before the term's first day (that student left in an earlier term); so the
--   suspended (休學) and those who left in the term are listed too (exports.md v2).
-- on_register_until: the 學籍異動日期 when the status ends attendance (休學, 轉出, 退學; ends_attendance),
--   else null = through the term; null too when the date is missing (nothing to end it at).
-- R22 holds an item to both (macros/on_register.sql): listed, and dated on or before on_register_until.
-- A term's items are judged by that term's row; a year's (多元表現, 勾選) by the year's latest listed row
-- (is_year_register_term), so a leaver's row still exported after the term they left never decides.
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
        case when enrolment_statuses.ends_attendance then students.status_changed_date end as on_register_until,
        row_number() over (
            partition by students.school_code, students.student_number
            order by students.academic_year desc, students.term desc
        ) = 1 as is_latest_term,
    from students
    left join enrolment_statuses
        on students.enrolment_status = enrolment_statuses.enrolment_status

),

year_registers as (

    -- the year's latest listed row, which R22 judges the year's items by
    select
        classified.*,
        classified.is_on_register and row_number() over (
            partition by
                classified.school_code, classified.academic_year, classified.student_number,
                classified.is_on_register
            order by classified.term desc
        ) = 1 as is_year_register_term,
    from classified

),

final as (

    select * from year_registers

)

select * from final
