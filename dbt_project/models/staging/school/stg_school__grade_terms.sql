-- Grain: one row per school × academic year × term × grade: a grade's own upload and certification
-- deadlines (policy.yaml `terms` entries naming a grade: grade 12's final term closes earlier, seed 003).
-- They override the grade-less entry (stg_school__terms) for that grade.
with

source as (

    select * from {{ source('raw', 'school_terms') }}

),

renamed as (

    select
        {{ clean_text('school_code') }} as school_code,
        cast(academic_year as integer) as academic_year,
        cast(term as integer) as term,
        cast(grade as integer) as grade,
        upload_deadline as upload_deadline_date,
        certification_deadline as certification_deadline_date,
        delivery_id,
        loaded_at,
    from source
    where grade is not null

),

final as (

    select * from renamed
    qualify row_number() over (
        partition by school_code, academic_year, term, grade
        order by loaded_at desc nulls last
    ) = 1

)

select * from final
