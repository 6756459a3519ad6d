-- Grain: one row per school × academic year × term × student × course code × record kind.
with

source as not materialized (

    select * from {{ scoped_source('raw', 'course_records') }}

),

renamed as not materialized (

    select
        school_code,
        cast("學年度" as integer) as academic_year,
        cast("學期" as integer) as term,
        {{ clean_text('"學號"') }} as student_number,
        {{ clean_text('"課程代碼"') }} as course_code,
        {{ clean_text('"科目名稱"') }} as subject_name,
        "開課年級" as course_grade,
        "修課學分" as credits,
        {{ clean_text('"修課類別"') }} as record_kind,
        {{ clean_text('"授課教師代碼"') }} as teacher_code,
        "學期學業成績" as score,
        {{ flag_to_boolean('"成績及格"') }} as is_passed,
        "補考成績" as makeup_score,
        {{ flag_to_boolean('"補考及格"') }} as is_makeup_passed,
        -- as delivered (old 1/0 or the roster's 1/2/3); fct_course_records reads it through xwalk_credit_counted_codes
        cast("是否採計學分" as varchar) as credit_counted_code,
        {{ clean_text('"質性文字描述"') }} as qualitative_description,
        cast("原修課學年度" as integer) as origin_academic_year,
        cast("原修課學期" as integer) as origin_term,
        {{ clean_text('"補修方式"') }} as make_up_method_code,
        {{ clean_text('"重修方式"') }} as retake_method_code,
        {{ clean_text('"身分別"') }} as transfer_identity_code,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

with_code_parts as not materialized (

    -- The 108-curriculum code carries the course category and subject attribute at fixed positions.
    select
        *,
        length(course_code) as course_code_chars,
        substr(course_code, {{ var('course_code_category_position') }}, 1) as course_category_code,
        substr(course_code, {{ var('course_code_attribute_position') }}, 1) as course_attribute_code,
    from renamed

),

final as (

    {{ newest_wins('with_code_parts', [
        'school_code', 'academic_year', 'term', 'student_number', 'course_code', 'record_kind',
    ]) }}

)

select * from final
