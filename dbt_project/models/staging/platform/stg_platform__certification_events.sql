-- Grain: one row per school × outcome × action × teacher × event time.
-- An append-only log: deliveries accumulate, so the same entry can arrive more than once; it is kept once.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'certification_events') }}

),

renamed as not materialized (

    select
        school_code,
        {{ clean_text('"成果編號"') }} as outcome_id,
        {{ clean_text('"動作"') }} as action,
        {{ clean_text('"教師代碼"') }} as teacher_code,
        "時間" as event_at,
        {{ clean_text('"說明"') }} as reason,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'outcome_id', 'action', 'teacher_code', 'event_at']) }}

)

select * from final
