-- Grain: one row per school × student × roster × item key × reply time.
-- An append-only log: a student may reply again (the newest reply per item decides, downstream), and the
-- same reply can arrive in more than one delivery; it is kept once.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'receipt_confirmations') }}

),

renamed as not materialized (

    select
        school_code,
        {{ clean_text('"學號"') }} as student_number,
        {{ clean_text('"名冊"') }} as workbook,
        {{ clean_text('"項目鍵"') }} as item_key,
        {{ clean_text('"確認結果"') }} as result,
        {{ clean_text('"說明"') }} as note,
        "確認時間" as confirmed_at,
        {{ clean_text('"確認人"') }} as confirmed_by,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'student_number', 'workbook', 'item_key', 'confirmed_at']) }}

)

select * from final
