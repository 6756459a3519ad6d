-- Grain: one row per school × academic year × term × 名冊: the ministry's submission deadline and the
-- school's internal one: units finish two weeks earlier (seeds 000:149, 001:44), computed by ingestion
-- with pipelines/policy.py SubmissionDeadline.internal_deadline, the one place that lead time lives.
with

source as (

    select * from {{ source('raw', 'school_submission_deadlines') }}

),

renamed as (

    select
        {{ clean_text('school_code') }} as school_code,
        cast(academic_year as integer) as academic_year,
        cast(term as integer) as term,
        {{ clean_text('roster') }} as roster_name,
        due as due_date,
        internal_due as internal_due_date,
        delivery_id,
        loaded_at,
    from source

),

final as (

    select * from renamed
    qualify row_number() over (
        partition by school_code, academic_year, term, roster_name
        order by loaded_at desc nulls last
    ) = 1

)

select * from final
