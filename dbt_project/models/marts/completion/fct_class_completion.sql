-- Grain: one row per school × academic year × term × class: what the homeroom teacher watches.
-- Counts cover the class's enrolled students; year-level counts repeat on both terms of a year.
-- Rules: fct_student_completion_business_rules.md
with

classes as (

    select * from {{ scoped_ref('dim_classes') }}

),

student_completion as (

    select * from {{ scoped_ref('fct_student_completion') }}

),

class_counts as (

    select
        school_code,
        academic_year,
        term,
        class_code,
        count(*) as students_enrolled,
        count(*) filter (where has_upload) as students_with_upload,
        sum(outcomes_uploaded) as outcomes_uploaded,
        sum(outcomes_certified) as outcomes_certified,
        sum(outcomes_pending) as outcomes_pending,
        sum(outcomes_failed) as outcomes_failed,
        sum(outcomes_cancelled) as outcomes_cancelled,
        sum(outcomes_not_submitted) as outcomes_not_submitted,
        count(*) filter (where outcomes_selected > 0) as students_with_selected_outcome,
        count(*) filter (where performances_selected > 0) as students_with_selected_performance,
        sum(outcomes_selected) as outcomes_selected,
        sum(performances_selected) as performances_selected,
        count(*) filter (where has_autobiography) as students_with_autobiography,
        count(*) filter (where has_study_plan) as students_with_study_plan,
    from student_completion
    group by all

),

final as (

    select
        classes.school_code,
        classes.academic_year,
        classes.term,
        classes.class_code,
        classes.class_name,
        classes.grade,
        classes.homeroom_teacher_code,
        classes.homeroom_teacher_name,
        coalesce(class_counts.students_enrolled, 0) as students_enrolled,
        coalesce(class_counts.students_with_upload, 0) as students_with_upload,
        coalesce(class_counts.students_enrolled - class_counts.students_with_upload, 0)
            as students_without_upload,
        class_counts.students_with_upload / nullif(class_counts.students_enrolled, 0) as upload_rate,
        coalesce(class_counts.outcomes_uploaded, 0) as outcomes_uploaded,
        coalesce(class_counts.outcomes_certified, 0) as outcomes_certified,
        coalesce(class_counts.outcomes_pending, 0) as outcomes_pending,
        coalesce(class_counts.outcomes_failed, 0) as outcomes_failed,
        coalesce(class_counts.outcomes_cancelled, 0) as outcomes_cancelled,
        coalesce(class_counts.outcomes_not_submitted, 0) as outcomes_not_submitted,
        class_counts.outcomes_certified / nullif(class_counts.outcomes_uploaded, 0) as certification_rate,
        coalesce(class_counts.outcomes_selected, 0) as outcomes_selected,
        coalesce(class_counts.performances_selected, 0) as performances_selected,
        coalesce(class_counts.students_with_selected_outcome, 0) as students_with_selected_outcome,
        coalesce(class_counts.students_with_selected_performance, 0) as students_with_selected_performance,
        coalesce(class_counts.students_with_autobiography, 0) as students_with_autobiography,
        coalesce(class_counts.students_with_study_plan, 0) as students_with_study_plan,
    from classes
    left join class_counts
        on classes.school_code = class_counts.school_code
        and classes.academic_year = class_counts.academic_year
        and classes.term = class_counts.term
        and classes.class_code = class_counts.class_code

)

select * from final
