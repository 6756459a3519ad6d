-- Grain: one row per school × academic year × term × student number (the registry snapshot of that term).
with

student_rows as not materialized (

    select * from {{ scoped_ref('stg_admin__student_rows') }}

),

final as (

    {{ newest_wins('student_rows', ['school_code', 'academic_year', 'term', 'student_number']) }}

)

select * from final
