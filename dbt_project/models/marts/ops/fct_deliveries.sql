-- Grain: one row per school × delivered file × delivery (sha256 of its bytes). is_latest marks the
-- newest delivery of each file: for a snapshot file, the version the warehouse holds now.
with

deliveries as (

    select * from {{ scoped_ref('stg_ingest__deliveries') }}

),

final as (

    select
        delivery_key,
        school_code,
        file_kind,
        source_file,
        delivery_id,
        encoding,
        delivery_status,
        rows_loaded,
        rows_quarantined,
        message,
        loaded_at,
        row_number() over (
            partition by school_code, source_file order by loaded_at desc nulls last
        ) = 1 as is_latest,
    from deliveries

)

select * from final
