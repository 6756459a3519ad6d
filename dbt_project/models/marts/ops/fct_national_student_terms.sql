-- Grain: one row per person × academic year × term, across schools: which school holds the student
-- that term, and whether the student counts for the ministry then. Rules and examples:
-- fct_national_student_terms_business_rules.md.
with

student_terms as (

    select * from {{ ref('fct_student_terms') }}

),

people as (

    -- the national ID makes one person of the rows of several schools; a row without one is only
    -- known inside its school
    select
        *,
        coalesce(national_id, 'school:' || school_code || ':' || student_number) as person_key,
    from student_terms

),

ranked as (

    -- the holder: an enrolled row beats a non-enrolled one (轉入 at the new school beats 轉出 at the
    -- old); then the newer 學籍異動日期 (the school that registered the latest change); then the school code
    select
        *,
        row_number() over (
            partition by person_key, academic_year, term
            order by is_enrolled desc, status_changed_date desc nulls last, school_code asc, student_number asc
        ) as holder_rank,
    from people

),

schools as (

    -- schools, not rows: one school listing an ID twice (rule R14) is the gate's finding, not a transfer
    select
        person_key,
        academic_year,
        term,
        count(distinct school_code) as schools_on_record,
        count(distinct school_code) filter (where is_enrolled) as schools_enrolling,
        list(distinct school_code order by school_code) as school_codes,
    from people
    group by all

),

holders as (

    select
        *,
        lag(school_code) over (partition by person_key order by academic_year, term) as previous_school_code,
    from ranked
    where holder_rank = 1

),

final as (

    select
        holders.person_key,
        holders.national_id,
        holders.national_id_masked,
        holders.academic_year,
        holders.term,
        holders.school_code,
        holders.student_number,
        holders.grade,
        holders.class_code,
        holders.seat_number,
        holders.enrolment_status,
        holders.status_changed_date,
        holders.is_enrolled as is_counted,
        holders.national_id is not null as has_national_id,
        schools.schools_on_record,
        schools.schools_enrolling,
        schools.schools_enrolling > 1 as has_enrolment_conflict,
        list_filter(schools.school_codes, lambda code: code <> holders.school_code) as other_school_codes,
        holders.previous_school_code,
        coalesce(holders.previous_school_code <> holders.school_code, false) as has_changed_school,
    from holders
    inner join schools
        on holders.person_key = schools.person_key
        and holders.academic_year = schools.academic_year
        and holders.term = schools.term

)

select * from final
