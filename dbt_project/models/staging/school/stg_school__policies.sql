-- Grain: one row per school. Ingestion resolves each school's policy.yaml with the national defaults
-- applied, so every cap and window downstream comes from here and nowhere else.
with

source as (

    select * from {{ source('raw', 'school_policies') }}

),

renamed as (

    select
        {{ clean_text('school_code') }} as school_code,
        course_outcome_upload_cap_per_term,
        course_outcome_selection_cap_per_year,
        diverse_upload_cap_per_year,
        diverse_selection_cap_per_year,
        summary_max_chars,
        list_transform(document_types, lambda file_type: lower(trim(file_type))) as document_types,
        document_max_bytes,
        list_transform(video_types, lambda file_type: lower(trim(file_type))) as video_types,
        video_max_bytes,
        certification_days_after_upload,
        retention_years,
        proxy_order,
        {{ clean_text('late_items') }} as late_items,
        diverse_requires_proof,
        proxy_needed_for,
        receipt_confirmation_days,
        dispute_days,
        {{ clean_text('policy_source') }} as policy_source,
        {{ clean_text('policy_error') }} as policy_error,
        delivery_id,
        loaded_at,
    from source

),

final as (

    select * from renamed
    qualify row_number() over (partition by school_code order by loaded_at desc nulls last) = 1

)

select * from final
