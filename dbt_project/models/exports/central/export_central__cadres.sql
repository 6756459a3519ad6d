-- Grain: one row per school × academic year × term × student × unit × position: every school-registered
-- cadre record (校內幹部) of the term, uncapped: the 幹部經歷 sheet of 校內幹部經歷名冊.
-- 項目鍵: 單位名稱+擔任職務 (joined with '+', see exports_central_business_rules.md).
with

cadres as (

    select * from {{ scoped_ref('fct_cadres') }}

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

final as (

    select
        cadres.school_code,
        cadres.academic_year,
        cadres.term,
        cadres.student_number,
        student_terms.class_code,
        cast(student_terms.seat_number as integer) as seat_number,
        cadres.unit_name || '+' || cadres.position as item_key,
        student_terms.national_id,
        {{ roc_date('student_terms.birth_date') }} as birth_date_roc,
        cadres.unit_name,
        {{ roc_date('cadres.start_date') }} as start_date_roc,
        {{ roc_date('cadres.end_date') }} as end_date_roc,
        cadres.position,
        cast(cadres.cadre_level as varchar) as cadre_level,
    from cadres
    left join student_terms
        on cadres.school_code = student_terms.school_code
        and cadres.academic_year = student_terms.academic_year
        and cadres.term = student_terms.term
        and cadres.student_number = student_terms.student_number

)

-- stored school by school: an export reads one school's rows, and DuckDB then skips the other schools' blocks
select * from final
order by school_code, academic_year, term
