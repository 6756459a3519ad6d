{{ config(meta={'dagster': {'ref': {'name': 'fct_school_completion'}}}) }}

-- What: each school term's enrolled students, students with an upload and uploads equal the sum over
--   its classes, plus the enrolled students who have no class code.
-- When it matters: a registrar and a homeroom teacher must see the same numbers; a gap means a class
--   is missing from dim_classes or a student was counted twice.
-- How to fix: look for the term's students in fct_student_completion whose class_code is not in
--   dim_classes (or is empty) and check the 班級 / 學生資料 deliveries.
with

classes as (

    select
        school_code,
        academic_year,
        term,
        sum(students_enrolled) as students_enrolled,
        sum(students_with_upload) as students_with_upload,
        sum(outcomes_uploaded) as outcomes_uploaded,
    from {{ ref('fct_class_completion') }}
    group by all

),

students_without_class as (

    select
        school_code,
        academic_year,
        term,
        count(*) as students_enrolled,
        count(*) filter (where has_upload) as students_with_upload,
        sum(outcomes_uploaded) as outcomes_uploaded,
    from {{ ref('fct_student_completion') }}
    where class_code is null
    group by all

),

schools as (

    select * from {{ ref('fct_school_completion') }}

),

final as (

    select
        schools.school_code,
        schools.academic_year,
        schools.term,
        schools.students_enrolled,
        coalesce(classes.students_enrolled, 0) + coalesce(students_without_class.students_enrolled, 0)
            as students_enrolled_in_classes,
        schools.outcomes_uploaded,
        coalesce(classes.outcomes_uploaded, 0) + coalesce(students_without_class.outcomes_uploaded, 0)
            as outcomes_uploaded_in_classes,
    from schools
    left join classes
        on schools.school_code = classes.school_code
        and schools.academic_year = classes.academic_year
        and schools.term = classes.term
    left join students_without_class
        on schools.school_code = students_without_class.school_code
        and schools.academic_year = students_without_class.academic_year
        and schools.term = students_without_class.term
    where schools.students_enrolled
            != coalesce(classes.students_enrolled, 0) + coalesce(students_without_class.students_enrolled, 0)
        or schools.students_with_upload
            != coalesce(classes.students_with_upload, 0) + coalesce(students_without_class.students_with_upload, 0)
        or schools.outcomes_uploaded
            != coalesce(classes.outcomes_uploaded, 0) + coalesce(students_without_class.outcomes_uploaded, 0)

)

select * from final
