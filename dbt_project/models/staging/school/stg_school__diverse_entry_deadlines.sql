-- Grain: one row per school × academic year: the last day students may enter 多元表現 (R27).
with

source as (

    select * from {{ source('raw', 'school_diverse_entry_deadlines') }}

),

renamed as (

    select
        {{ clean_text('school_code') }} as school_code,
        cast(academic_year as integer) as academic_year,
        diverse_entry_deadline as diverse_entry_deadline_date,
        delivery_id,
        loaded_at,
    from source

),

final as (

    select * from renamed
    qualify row_number() over (
        partition by school_code, academic_year
        order by loaded_at desc nulls last
    ) = 1

)

select * from final
