-- Grain: one row per school × academic year × term × student × leave type × first day: the absences (缺勤)
-- of the term with their central 缺勤種類代碼, for the term's 缺勤紀錄名冊. A delivered code wins; a row
-- with only 假別 takes the code of that name (ingestion has quarantined names the code list lacks).
with

absences as (

    select * from {{ scoped_ref('stg_admin__absences') }}

),

absence_types as (

    select * from {{ ref('xwalk_absence_types') }}

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

final as (

    select
        absences.school_code,
        absences.academic_year,
        absences.term,
        absences.student_number,
        absences.leave_type,
        absences.start_date,
        student_terms.class_code,
        student_terms.seat_number,
        coalesce(student_terms.is_enrolled, false) as is_student_enrolled,
        coalesce(absences.absence_type_code, absence_types.absence_type_code) as absence_type_code,
        absences.periods,
        absences.end_date,
        absences.source_file,
        absences.source_line,
    from absences
    left join absence_types on absences.leave_type = absence_types.absence_type_name
    left join student_terms
        on absences.school_code = student_terms.school_code
        and absences.academic_year = student_terms.academic_year
        and absences.term = student_terms.term
        and absences.student_number = student_terms.student_number

)

select * from final
