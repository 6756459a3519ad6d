-- Grain: one row per school × academic year × term × student number: where the student sat that term
-- (class, seat, grade), the registry status, whether it counts as enrolled and 在籍 (is_on_register,
-- on_register_until: int_student_terms_classified, the one definition the roster and R22 read).
with

student_terms as (

    select * from {{ scoped_ref('int_student_terms_classified') }}

),

classes as (

    select * from {{ scoped_ref('stg_admin__classes') }}

),

final as (

    select
        student_terms.school_code,
        student_terms.academic_year,
        student_terms.term,
        student_terms.student_number,
        student_terms.national_id,
        {{ mask_national_id('student_terms.national_id') }} as national_id_masked,
        student_terms.student_name,
        student_terms.gender_code,
        student_terms.birth_date,
        student_terms.division_code,
        student_terms.class_type,
        student_terms.cluster_code,
        student_terms.program_code,
        student_terms.grade,
        student_terms.class_code,
        classes.class_name,
        classes.homeroom_teacher_code,
        student_terms.seat_number,
        student_terms.enrolment_status,
        student_terms.status_changed_date,
        student_terms.is_enrolled,
        student_terms.is_leaver,
        student_terms.is_on_register,
        student_terms.on_register_until,
        student_terms.is_year_register_term,
        student_terms.special_identity_code,
        student_terms.indigenous_people_code,
        student_terms.indigenous_status_code,
        student_terms.indigenous_language_dialect,
        student_terms.indigenous_language_exam_year,
        student_terms.indigenous_language_valid_until,
        student_terms.experimental_class_name,
        student_terms.admission_method_code,
        student_terms.is_latest_term,
        student_terms.source_file,
        student_terms.source_line,
    from student_terms
    left join classes
        on student_terms.school_code = classes.school_code
        and student_terms.academic_year = classes.academic_year
        and student_terms.term = classes.term
        and student_terms.class_code = classes.class_code

)

select * from final
