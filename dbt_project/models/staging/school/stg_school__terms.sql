-- Grain: one row per school × academic year × term: the term's upload and certification deadlines for
-- every grade without an entry of its own (policy.yaml `terms` entries without a grade; see
-- stg_school__grade_terms for the overrides).
with

source as (

    select * from {{ source('raw', 'school_terms') }}

),

renamed as (

    select
        {{ clean_text('school_code') }} as school_code,
        cast(academic_year as integer) as academic_year,
        cast(term as integer) as term,
        upload_deadline as upload_deadline_date,
        certification_deadline as certification_deadline_date,
        delivery_id,
        loaded_at,
    from source
    where grade is null

),

final as (

    select * from renamed
    qualify row_number() over (
        partition by school_code, academic_year, term
        order by loaded_at desc nulls last
    ) = 1

)

select * from final
