-- Grain: one row per school × teacher code.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'teachers') }}

),

renamed as not materialized (

    select
        school_code,
        {{ clean_text('"教師代碼"') }} as teacher_code,
        {{ clean_text('"姓名"') }} as teacher_name,
        {{ clean_text('"任教科目"') }} as subject,
        {{ clean_text('"任教年級"') }} as grades_taught,
        {{ clean_text('"領域"') }} as domain,
        {{ clean_text('"在職狀態"') }} as employment_status,
        "離職日期" as left_date,
        {{ clean_text('"代理認證教師代碼"') }} as designated_proxy_code,
        {{ clean_text('"職務"') }} as duties,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', ['school_code', 'teacher_code']) }}

)

select * from final
