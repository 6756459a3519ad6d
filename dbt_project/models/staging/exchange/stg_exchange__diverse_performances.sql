-- Grain: one row per receiving school × imported diverse performance (a transferred student's 多元表現
-- from the sending school), under the receiving school's 學號 and id (macros/imported_item_id.sql), with
-- the folders the sending school sent it in. The per-category fields of the central layout are not in
-- a package: the sending school's platform export has them only in its own deliveries.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'exchange_diverse_performances') }}

),

renamed as (

    select
        school_code,
        package_id,
        {{ imported_item_id('sending_school_code', 'performance_id') }} as performance_id,
        performance_id as origin_performance_id,
        student_number,
        sending_school_code as origin_school_code,
        academic_year,
        category,
        title,
        organiser,
        start_date,
        end_date,
        hours,
        level_or_award,
        summary,
        document_file_name,
        document_bytes,
        video_file_name,
        video_bytes,
        external_url,
        entry_source,
        uploaded_at,
        cast(submitted_in as varchar) as origin_submitted_in,
        {{ is_submitted_by_origin('submitted_in') }} as is_submitted_by_origin,
    from source

),

final as (

    select * from renamed

)

select * from final
