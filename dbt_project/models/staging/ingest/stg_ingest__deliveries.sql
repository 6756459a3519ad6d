-- Grain: one row per school × delivered file × delivery (the sha256 of the file's bytes).
-- Delivering identical bytes again is recorded again by ingestion; the newest record wins.
with

source as (

    select * from {{ source('raw', 'deliveries') }}
    -- files and folders the contract does not know (pipelines/ingest/inventory.py) are no school's data,
    -- and one at the source root belongs to no school: the build summary lists them from raw
    where file_kind <> 'unknown'

),

renamed as (

    select
        {{ surrogate_key(['school_code', 'source_file', 'delivery_id']) }} as delivery_key,
        {{ clean_text('school_code') }} as school_code,
        {{ clean_text('file_kind') }} as file_kind,
        source_file,
        delivery_id,
        {{ clean_text('encoding') }} as encoding,
        {{ clean_text('status') }} as delivery_status,
        rows_loaded,
        rows_quarantined,
        message,
        loaded_at,
    from source

),

final as (

    select * from renamed
    qualify row_number() over (partition by delivery_key order by loaded_at desc nulls last) = 1

)

select * from final
