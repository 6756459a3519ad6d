-- Grain: one row per quarantined value: school × file × line × field × reason × delivery.
-- A whole rejected file has no line (and usually no field); those parts of the key are null.
with

source as (

    select * from {{ source('raw', 'quarantine') }}

),

renamed as (

    select
        {{ surrogate_key(['school_code', 'source_file', 'source_line', 'field', 'reason', 'delivery_id']) }}
            as quarantine_id,
        {{ clean_text('school_code') }} as school_code,
        {{ clean_text('file_kind') }} as file_kind,
        source_file,
        source_line,
        {{ clean_text('field') }} as field_name,
        {{ clean_text('reason') }} as reason,
        message,
        raw_value,
        delivery_id,
        loaded_at,
    from source

),

final as (

    select * from renamed
    -- partitioned by school first (quarantine_id hashes the school's code, so the groups are the same):
    -- a one-school build's filter on school_code then reaches the scan instead of waiting for the window
    qualify row_number() over (partition by school_code, quarantine_id order by loaded_at desc nulls last) = 1

)

select * from final
