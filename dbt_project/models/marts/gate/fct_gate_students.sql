-- Grain: one row per school × academic year × student × national ID the student's 學生資料 rows carry
-- that year (any 學籍狀態; a missing ID is a value of its own). R13: each must be a valid national ID or
-- resident certificate; the checksum is computed by the gate in Python (pipelines/identity.py, the one
-- definition), which reports a student once and shows only national_id_masked. R23: the year's latest row
-- carries a 出生日期 (a date the ingestion could not read is quarantined and arrives empty) whose age fits
-- the grade: entry_age is the age on the first day of the school year less the years since grade 1.
with

student_terms as not materialized (

    select * from {{ scoped_ref('fct_student_terms') }}

),

latest_rows as (

    -- where the student sat in the latest term of the year on record
    select * from student_terms
    qualify row_number() over (
        partition by school_code, academic_year, student_number order by term desc
    ) = 1

),

identities as (

    select distinct
        school_code,
        academic_year,
        student_number,
        national_id,
        national_id_masked,
    from student_terms

),

final as (

    select
        identities.school_code,
        identities.academic_year,
        identities.student_number,
        identities.student_number as item_key,
        latest_rows.class_code,
        latest_rows.seat_number,
        latest_rows.grade,
        latest_rows.birth_date,
        latest_rows.birth_date is not null as has_birth_date,
        (
            date_sub('year', latest_rows.birth_date, {{ school_year_start('identities.academic_year') }})
            - (latest_rows.grade - 1)
        ) as entry_age,
        identities.national_id,
        identities.national_id_masked,
    from identities
    inner join latest_rows
        on identities.school_code = latest_rows.school_code
        and identities.academic_year = latest_rows.academic_year
        and identities.student_number = latest_rows.student_number

)

select * from final
