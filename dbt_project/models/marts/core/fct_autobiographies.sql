-- Grain: one row per school × student × essay type (自傳 or 學習計畫). The platform keeps one current
-- essay of each type per student, not one per year.
with

essays as (

    select * from {{ scoped_ref('stg_platform__autobiographies') }}

),

essay_types as (

    select * from {{ ref('xwalk_essay_types') }}

),

final as (

    select
        essays.school_code,
        essays.student_number,
        essays.essay_type,
        essay_types.essay_kind,
        essays.word_count,
        essays.uploaded_at,
        {{ academic_year_of('essays.uploaded_at') }} as uploaded_academic_year,
        essays.source_file,
        essays.source_line,
    from essays
    left join essay_types on essays.essay_type = essay_types.essay_type

)

select * from final
