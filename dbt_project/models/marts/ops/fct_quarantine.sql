-- Grain: one row per quarantined value (school × file × line × field × reason × delivery), with the
-- Chinese label staff read. A whole refused file is one row without a line.
with

quarantine as (

    select * from {{ scoped_ref('stg_ingest__quarantine') }}

),

reasons as (

    select * from {{ ref('xwalk_quarantine_reasons') }}

),

final as (

    select
        quarantine.quarantine_id,
        quarantine.school_code,
        quarantine.file_kind,
        quarantine.source_file,
        quarantine.source_line,
        quarantine.source_line is null as is_whole_file,
        quarantine.field_name,
        quarantine.reason,
        coalesce(reasons.reason_label, quarantine.reason) as reason_label,
        quarantine.message,
        quarantine.raw_value,
        quarantine.delivery_id,
        quarantine.loaded_at,
    from quarantine
    left join reasons on quarantine.reason = reasons.reason

)

select * from final
