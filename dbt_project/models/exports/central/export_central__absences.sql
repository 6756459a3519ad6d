-- Grain: one row per school × academic year × term × student × leave type × first day: every absence
-- (缺勤) of the term, uncapped: the 缺勤紀錄 sheet of 缺勤紀錄名冊 (exports.md v2).
-- 項目鍵: 缺勤種類代碼+缺勤起始日期 (the date empty for a term total; see exports_central_business_rules.md).
with

absences as (

    select * from {{ scoped_ref('fct_absences') }}

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
        student_terms.class_code,
        cast(student_terms.seat_number as integer) as seat_number,
        absences.absence_type_code || '+' || coalesce({{ roc_date('absences.start_date') }}, '') as item_key,
        student_terms.national_id,
        {{ roc_date('student_terms.birth_date') }} as birth_date_roc,
        absences.absence_type_code,
        cast(absences.periods as integer) as periods,
        {{ roc_date('absences.start_date') }} as start_date_roc,
        {{ roc_date('absences.end_date') }} as end_date_roc,
    from absences
    left join student_terms
        on absences.school_code = student_terms.school_code
        and absences.academic_year = student_terms.academic_year
        and absences.term = student_terms.term
        and absences.student_number = student_terms.student_number

)

-- stored school by school: an export reads one school's rows, and DuckDB then skips the other schools' blocks
select * from final
order by school_code, academic_year, term
