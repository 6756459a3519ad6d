-- Grain: one row per school × academic year × term × student number (the registry snapshot of that term).
with

student_rows as (

    select * from {{ ref('stg_admin__student_rows') }}

),

final as (

    select * from student_rows
    {{ newest_wins(['school_code', 'academic_year', 'term', 'student_number']) }}

)

select * from final
