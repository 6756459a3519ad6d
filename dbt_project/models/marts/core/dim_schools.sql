-- Grain: one row per school that ingestion has seen (every ingested school has a policy row), with
-- its resolved policy and what it has delivered.
with

policies as (

    select * from {{ scoped_ref('stg_school__policies') }}

),

student_terms as not materialized (

    select * from {{ scoped_ref('int_student_terms_classified') }}

),

teachers as (

    select * from {{ scoped_ref('stg_admin__teachers') }}

),

outcomes as (

    select * from {{ scoped_ref('stg_platform__course_outcomes') }}

),

performances as (

    -- the school's own, as delivered (not those a transferred student brought)
    select * from {{ scoped_ref('fct_diverse_performances') }}
    where origin_school_code is null

),

deliveries as (

    select * from {{ scoped_ref('stg_ingest__deliveries') }}

),

quarantine as (

    select * from {{ scoped_ref('stg_ingest__quarantine') }}

),

counties as (

    select * from {{ ref('xwalk_school_code_counties') }}

),

school_types as (

    select * from {{ ref('xwalk_school_code_types') }}

),

latest_terms as (

    select school_code, academic_year, term
    from student_terms
    qualify row_number() over (partition by school_code order by academic_year desc, term desc) = 1

),

student_counts as (

    select
        student_terms.school_code,
        count(distinct student_terms.student_number) as students_on_record,
        count(distinct student_terms.student_number) filter (
            where student_terms.is_enrolled and latest_terms.term is not null
        ) as students_enrolled_latest_term,
    from student_terms
    left join latest_terms
        on student_terms.school_code = latest_terms.school_code
        and student_terms.academic_year = latest_terms.academic_year
        and student_terms.term = latest_terms.term
    group by student_terms.school_code

),

teacher_counts as (

    select school_code, count(*) as teachers
    from teachers
    group by school_code

),

outcome_counts as (

    select school_code, count(*) as course_outcomes
    from outcomes
    group by school_code

),

performance_counts as (

    select school_code, count(*) as diverse_performances
    from performances
    group by school_code

),

delivery_counts as (

    select school_code, count(*) as deliveries, max(loaded_at) as last_loaded_at
    from deliveries
    group by school_code

),

quarantine_counts as (

    select school_code, count(*) as quarantined_values
    from quarantine
    group by school_code

),

final as (

    select
        policies.school_code,
        -- 學校代碼 characters 1-2 are the county/city, character 3 who runs the school
        coalesce(counties.county_name, '未對應') as county_name,
        coalesce(school_types.school_type_name, '未對應') as school_type_name,
        latest_terms.academic_year as latest_academic_year,
        latest_terms.term as latest_term,
        coalesce(student_counts.students_on_record, 0) as students_on_record,
        coalesce(student_counts.students_enrolled_latest_term, 0) as students_enrolled_latest_term,
        coalesce(teacher_counts.teachers, 0) as teachers,
        coalesce(outcome_counts.course_outcomes, 0) as course_outcomes,
        coalesce(performance_counts.diverse_performances, 0) as diverse_performances,
        coalesce(delivery_counts.deliveries, 0) as deliveries,
        coalesce(quarantine_counts.quarantined_values, 0) as quarantined_values,
        delivery_counts.last_loaded_at,
        policies.* exclude (school_code, delivery_id, loaded_at),
    from policies
    left join latest_terms on policies.school_code = latest_terms.school_code
    left join student_counts on policies.school_code = student_counts.school_code
    left join teacher_counts on policies.school_code = teacher_counts.school_code
    left join outcome_counts on policies.school_code = outcome_counts.school_code
    left join performance_counts on policies.school_code = performance_counts.school_code
    left join delivery_counts on policies.school_code = delivery_counts.school_code
    left join quarantine_counts on policies.school_code = quarantine_counts.school_code
    left join counties on substr(policies.school_code, 1, 2) = counties.county_code
    left join school_types on substr(policies.school_code, 3, 1) = school_types.school_type_code

)

select * from final
