-- Grain: one row per school × academic year × student number: where the student sat in the last term
-- of the year on record, and the identity the year's rosters carry, for year-level items (diverse
-- performances, selections, the whole-year exports) that have no term.
with

student_terms as not materialized (

    select * from {{ scoped_ref('int_student_terms_classified') }}

),

year_flags as (

    select
        school_code,
        academic_year,
        student_number,
        bool_or(is_enrolled) as is_enrolled_in_year,
    from student_terms
    group by all

),

last_term as (

    select * from student_terms
    qualify row_number() over (
        partition by school_code, academic_year, student_number order by term desc
    ) = 1

),

final as (

    select
        last_term.school_code,
        last_term.academic_year,
        last_term.student_number,
        last_term.term as last_term,
        last_term.class_code,
        last_term.seat_number,
        last_term.grade,
        last_term.national_id,
        last_term.birth_date,
        year_flags.is_enrolled_in_year,
    from last_term
    inner join year_flags
        on last_term.school_code = year_flags.school_code
        and last_term.academic_year = year_flags.academic_year
        and last_term.student_number = year_flags.student_number

)

select * from final
