-- Grain: one row per school × teacher code, with what the proxy order (policy.md proxy_order) needs:
-- whether the teacher has left, the designated proxy, grades taught and the roles found in 職務.
with

teachers as not materialized (

    select * from {{ scoped_ref('stg_admin__teachers') }}

),

employment_statuses as (

    select * from {{ ref('xwalk_employment_statuses') }}

),

duties as (

    select * from {{ ref('xwalk_teacher_duties') }}

),

teacher_roles as (

    select
        teachers.school_code,
        teachers.teacher_code,
        bool_or(duties.duty_role = 'domain_convener') as is_domain_convener,
        bool_or(duties.duty_role = 'teaching_section_chief') as is_teaching_section_chief,
    from teachers
    inner join duties on contains(teachers.duties, duties.duty_keyword)
    group by all

),

final as (

    select
        teachers.school_code,
        teachers.teacher_code,
        teachers.teacher_name,
        teachers.subject,
        teachers.domain,
        teachers.grades_taught,
        list_filter(
            list_transform(
                regexp_split_to_array(coalesce(teachers.grades_taught, ''), '[,，、\s]+'),
                lambda grade_text: try_cast(grade_text as integer)
            ),
            lambda grade: grade is not null
        ) as grades_taught_list,
        teachers.employment_status,
        coalesce(employment_statuses.is_left, false) as is_left,
        coalesce(employment_statuses.is_on_leave, false) as is_on_leave,
        teachers.left_date,
        teachers.designated_proxy_code,
        teachers.duties,
        coalesce(teacher_roles.is_domain_convener, false) as is_domain_convener,
        coalesce(teacher_roles.is_teaching_section_chief, false) as is_teaching_section_chief,
    from teachers
    left join employment_statuses on teachers.employment_status = employment_statuses.employment_status
    left join teacher_roles
        on teachers.school_code = teacher_roles.school_code
        and teachers.teacher_code = teacher_roles.teacher_code

)

select * from final
