-- Grain: one row per 學生資料 row as delivered: school × source file × line (the newest load of each
-- school only). Not de-duplicated: a 學號 delivered twice in a term is an R14 finding, which
-- stg_admin__students (one row per student and term) would hide.
with

source as (

    select * from {{ scoped_source('raw', 'students') }}

),

renamed as (

    select
        school_code,
        cast("學年度" as integer) as academic_year,
        cast("學期" as integer) as term,
        {{ clean_text('"學號"') }} as student_number,
        {{ clean_text('"身分證號"') }} as national_id,
        {{ clean_text('"姓名"') }} as student_name,
        "性別代碼" as gender_code,
        "出生日期" as birth_date,
        {{ clean_text('"部別代碼"') }} as division_code,
        {{ clean_text('"班別"') }} as class_type,
        {{ clean_text('"群別代碼"') }} as cluster_code,
        {{ clean_text('"科班學程別代碼"') }} as program_code,
        "年級" as grade,
        {{ clean_text('"班級代碼"') }} as class_code,
        "座號" as seat_number,
        {{ clean_text('"學籍狀態"') }} as enrolment_status,
        "學籍異動日期" as status_changed_date,
        {{ clean_text('"特殊身分別"') }} as special_identity_code,
        {{ clean_text('"原住民族別"') }} as indigenous_people_code,
        {{ clean_text('"原住民身分別"') }} as indigenous_status_code,
        {{ clean_text('"族語認證報考方言"') }} as indigenous_language_dialect,
        "報考年度" as indigenous_language_exam_year,
        "族語認證有效日期" as indigenous_language_valid_until,
        {{ clean_text('"實驗班名稱"') }} as experimental_class_name,
        {{ clean_text('"入學方式"') }} as admission_method_code,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    select * from renamed
    qualify loaded_at = max(loaded_at) over (partition by school_code)

)

select * from final
