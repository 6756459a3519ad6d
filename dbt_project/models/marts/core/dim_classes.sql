-- Grain: one row per school × academic year × term × class code: every class of the 班級 file, plus any
-- class a student row names that the 班級 file lacks (has_class_record false), so that class
-- completion never loses students.
with

classes as not materialized (

    select * from {{ scoped_ref('stg_admin__classes') }}

),

student_terms as (

    select * from {{ scoped_ref('int_student_terms_classified') }}

),

teachers as (

    select * from {{ scoped_ref('stg_admin__teachers') }}

),

class_sizes as (

    select
        school_code,
        academic_year,
        term,
        class_code,
        count(*) as students_on_record,
        count(*) filter (where is_enrolled) as students_enrolled,
        min(grade) as students_grade,
    from student_terms
    where class_code is not null
    group by all

),

all_classes as (

    select school_code, academic_year, term, class_code from classes
    union
    select school_code, academic_year, term, class_code from class_sizes

),

final as (

    select
        all_classes.school_code,
        all_classes.academic_year,
        all_classes.term,
        all_classes.class_code,
        classes.class_name,
        coalesce(classes.grade, class_sizes.students_grade) as grade,
        classes.homeroom_teacher_code,
        teachers.teacher_name as homeroom_teacher_name,
        classes.class_code is not null as has_class_record,
        coalesce(class_sizes.students_on_record, 0) as students_on_record,
        coalesce(class_sizes.students_enrolled, 0) as students_enrolled,
    from all_classes
    left join classes
        on all_classes.school_code = classes.school_code
        and all_classes.academic_year = classes.academic_year
        and all_classes.term = classes.term
        and all_classes.class_code = classes.class_code
    left join class_sizes
        on all_classes.school_code = class_sizes.school_code
        and all_classes.academic_year = class_sizes.academic_year
        and all_classes.term = class_sizes.term
        and all_classes.class_code = class_sizes.class_code
    left join teachers
        on classes.school_code = teachers.school_code
        and classes.homeroom_teacher_code = teachers.teacher_code

)

select * from final
