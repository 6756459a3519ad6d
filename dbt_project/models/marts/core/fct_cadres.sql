-- Grain: one row per school × academic year × term × student × unit × position: the school-registered
-- cadre records (校內幹部) that go, uncapped, into the term's 校內幹部經歷名冊.
with

cadres as (

    select * from {{ scoped_ref('stg_admin__cadres') }}

),

cadre_levels as (

    select * from {{ ref('xwalk_cadre_levels') }}

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
        cadres.unit_name,
        cadres.position,
        student_terms.class_code,
        student_terms.seat_number,
        coalesce(student_terms.is_enrolled, false) as is_student_enrolled,
        cadres.cadre_level,
        cadre_levels.cadre_level_name,
        cadres.start_date,
        cadres.end_date,
        cadres.source_file,
        cadres.source_line,
    from cadres
    left join cadre_levels on cadres.cadre_level = cadre_levels.cadre_level
    left join student_terms
        on cadres.school_code = student_terms.school_code
        and cadres.academic_year = student_terms.academic_year
        and cadres.term = student_terms.term
        and cadres.student_number = student_terms.student_number

)

select * from final
