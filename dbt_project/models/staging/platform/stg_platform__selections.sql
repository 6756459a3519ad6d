-- Grain: one row per school × student × year × item type × item id × action × time.
-- An append-only log: deliveries accumulate, so the same entry can arrive more than once; it is kept once.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'selections') }}

),

renamed as not materialized (

    select
        school_code,
        {{ clean_text('"學號"') }} as student_number,
        cast("學年度" as integer) as academic_year,
        {{ clean_text('"項目類型"') }} as item_type,
        {{ clean_text('"項目編號"') }} as item_id,
        {{ clean_text('"動作"') }} as action,
        "時間" as selected_at,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', [
        'school_code', 'student_number', 'academic_year', 'item_type', 'item_id', 'action', 'selected_at',
    ]) }}

)

select * from final
