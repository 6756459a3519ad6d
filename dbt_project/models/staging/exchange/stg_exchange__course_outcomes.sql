-- Grain: one row per receiving school × imported outcome (a transferred student's 課程學習成果 from the
-- sending school), under the receiving school's 學號 and id (macros/imported_item_id.sql). The
-- certification state is the sending school's: its teachers certified the outcome there, and their
-- events stay with the package; so is the submission history (the folders it was sent in).
with

source as not materialized (

    select * from {{ scoped_source('raw', 'exchange_course_outcomes') }}

),

renamed as (

    select
        school_code,
        package_id,
        {{ imported_item_id('sending_school_code', 'outcome_id') }} as outcome_id,
        outcome_id as origin_outcome_id,
        student_number,
        sending_school_code as origin_school_code,
        academic_year,
        term,
        course_code,
        record_kind as origin_record_kind,
        subject_name,
        credits,
        title,
        summary,
        document_file_name,
        document_bytes,
        video_file_name,
        video_bytes,
        uploaded_at,
        certification_state as origin_certification_state,
        requested_teacher_code as origin_requested_teacher_code,
        certifying_teacher_code as origin_certifying_teacher_code,
        cast(submitted_in as varchar) as origin_submitted_in,
        {{ is_submitted_by_origin('submitted_in') }} as is_submitted_by_origin,
    from source

),

final as (

    select * from renamed

)

select * from final
