-- Grain: one row per school × academic year × student with anything to count that year: the per-year
-- counts R07 (selected course outcomes), R11 (student-entered diverse performances) and R12 (selected
-- student-entered diverse performances) hold to the policy's caps. An item selected and then
-- un-selected is not selected (its latest action decides); 學校登錄 entries never count.
with

selections as (

    select * from {{ scoped_ref('fct_selections') }}

),

performances as (

    select * from {{ scoped_ref('fct_diverse_performances') }}

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

selection_counts as (

    select
        school_code,
        academic_year,
        student_number,
        count(*) filter (where item_kind = 'course_outcome') as selected_course_outcomes,
        count(*) filter (where item_kind = 'diverse_performance' and is_student_entered)
            as selected_student_entered_performances,
    from selections
    where is_selected
    group by all

),

entry_counts as (

    select
        school_code,
        academic_year,
        student_number,
        count(*) as student_entered_performances,
    from performances
    where is_student_entered
    group by all

),

students as (

    select school_code, academic_year, student_number from selection_counts
    union
    select school_code, academic_year, student_number from entry_counts

),

student_years as (

    -- where the student sat in the latest term of the year
    select * from student_terms
    qualify row_number() over (
        partition by school_code, academic_year, student_number order by term desc
    ) = 1

),

final as (

    select
        students.school_code,
        students.academic_year,
        students.student_number,
        cast(students.academic_year as varchar) as item_key,
        student_years.class_code,
        student_years.seat_number,
        coalesce(selection_counts.selected_course_outcomes, 0) as selected_course_outcomes,
        coalesce(entry_counts.student_entered_performances, 0) as student_entered_performances,
        coalesce(selection_counts.selected_student_entered_performances, 0)
            as selected_student_entered_performances,
    from students
    left join selection_counts
        on students.school_code = selection_counts.school_code
        and students.academic_year = selection_counts.academic_year
        and students.student_number = selection_counts.student_number
    left join entry_counts
        on students.school_code = entry_counts.school_code
        and students.academic_year = entry_counts.academic_year
        and students.student_number = entry_counts.student_number
    left join student_years
        on students.school_code = student_years.school_code
        and students.academic_year = student_years.academic_year
        and students.student_number = student_years.student_number

)

select * from final
