-- Grain: one row per school × academic year × term × student × host school × application start (借讀:
-- the student studies at another school for a while; the 學生借讀資料 sheet of 學生資料名冊).
with

source as not materialized (

    select * from {{ scoped_source('raw', 'visiting_studies') }}

),

renamed as not materialized (

    select
        school_code,
        cast("學年度" as integer) as academic_year,
        cast("學期" as integer) as term,
        {{ clean_text('"學號"') }} as student_number,
        {{ clean_text('"借讀學校代碼"') }} as host_school_code,
        {{ clean_text('"群別"') }} as host_cluster_code,
        {{ clean_text('"借讀科班學程別"') }} as host_program_code,
        {{ clean_text('"借讀代碼"') }} as visiting_code,
        "申請開始日期" as application_start_date,
        "申請結束日期" as application_end_date,
        source_file,
        source_line,
        delivery_id,
        loaded_at,
    from source

),

final as (

    {{ newest_wins('renamed', [
        'school_code', 'academic_year', 'term', 'student_number', 'host_school_code', 'application_start_date',
    ]) }}

)

select * from final
