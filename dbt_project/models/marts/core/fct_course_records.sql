-- Grain: one row per school × academic year × term × student × course code × record kind (修課成績),
-- with the course code checked against the 108-curriculum layout and the export sheet of its kind.
-- The delivered rows are cleaned and de-duplicated here rather than in a staging model: this mart alone
-- reads them, a staging table was one more copy of the nation's 28.8 M rows to write, and a view of them
-- kept a one-school build from narrowing the newest-wins step to the school (DuckDB does not push a
-- filter on the view into the anti join's side), so it grouped every school's rows each time.
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
        -- as delivered (old 1/0 or the roster's 1/2/3); read below through xwalk_credit_counted_codes
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

course_records as (

    {{ newest_wins('with_code_parts', [
        'school_code', 'academic_year', 'term', 'student_number', 'course_code', 'record_kind',
    ]) }}

),

record_kinds as (

    select * from {{ ref('xwalk_course_record_kinds') }}

),

categories as (

    select * from {{ ref('xwalk_course_code_categories') }}

),

attributes as (

    select * from {{ ref('xwalk_course_code_attributes') }}

),

credit_counted_codes as (

    select * from {{ ref('xwalk_credit_counted_codes') }}

),

student_terms as (

    select * from {{ scoped_ref('fct_student_terms') }}

),

final as (

    select
        course_records.school_code,
        course_records.academic_year,
        course_records.term,
        course_records.student_number,
        course_records.course_code,
        course_records.record_kind,
        record_kinds.export_sheet_name,
        student_terms.class_code,
        student_terms.seat_number,
        coalesce(student_terms.is_enrolled, false) as is_student_enrolled,
        course_records.subject_name,
        course_records.course_grade,
        course_records.credits,
        course_records.teacher_code,
        course_records.score,
        course_records.is_passed,
        course_records.makeup_score,
        course_records.is_makeup_passed,
        -- an old delivery's 0 becomes the roster's 2 (不採計學分)
        credit_counted_codes.export_code as credit_counted_code,
        credit_counted_codes.is_credit_counted,
        course_records.qualitative_description,
        course_records.origin_academic_year,
        course_records.origin_term,
        course_records.make_up_method_code,
        course_records.retake_method_code,
        course_records.transfer_identity_code,
        course_records.course_code_chars,
        course_records.course_category_code,
        categories.category_name as course_category_name,
        course_records.course_attribute_code,
        (
            course_records.course_code_chars = {{ var('course_code_length') }}
            and categories.category_code is not null
            and attributes.attribute_code is not null
        ) as is_course_code_valid,
        -- categories 8 and 9 carry no credits unless the attribute grants them
        coalesce(categories.is_credit_bearing or attributes.grants_credit_to_non_credit_categories, false)
            as is_credit_bearing_course,
        -- R21's one definition of "the course carries credits": the category/attribute give credits and
        -- the school does not say the course has none (是否採計學分 3 不適用). 2 (old layout 0) only says
        -- this student did not earn them (a failed course), which is no R21.
        (
            coalesce(categories.is_credit_bearing or attributes.grants_credit_to_non_credit_categories, false)
            and not coalesce(credit_counted_codes.is_course_without_credits, false)
        ) as carries_credits,
        course_records.source_file,
        course_records.source_line,
    from course_records
    left join record_kinds on course_records.record_kind = record_kinds.record_kind
    left join categories on course_records.course_category_code = categories.category_code
    left join attributes on course_records.course_attribute_code = attributes.attribute_code
    left join credit_counted_codes on course_records.credit_counted_code = credit_counted_codes.delivered_code
    left join student_terms
        on course_records.school_code = student_terms.school_code
        and course_records.academic_year = student_terms.academic_year
        and course_records.term = student_terms.term
        and course_records.student_number = student_terms.student_number

)

select * from final
