-- Grain: one row per school × deadline kind × academic year × term (term null for the year's selection
-- and 多元表現 entry deadlines): the policy's upload, certification, selection and 多元表現 entry deadlines
-- as one list, for reminder lists (pipelines/ops/reminders.py) and the dashboard's calendar.
with

terms as not materialized (

    select * from {{ scoped_ref('stg_school__terms') }}

),

selection_deadlines as (

    select * from {{ scoped_ref('stg_school__selection_deadlines') }}

),

diverse_entry_deadlines as (

    select * from {{ scoped_ref('stg_school__diverse_entry_deadlines') }}

),

deadline_kinds as (

    select * from {{ ref('xwalk_deadline_kinds') }}

),

deadlines as (

    select school_code, 'upload' as deadline_kind, academic_year, term, upload_deadline_date as deadline_date
    from terms
    union all
    select
        school_code, 'certification' as deadline_kind, academic_year, term,
        certification_deadline_date as deadline_date
    from terms
    union all
    select
        school_code, 'selection' as deadline_kind, academic_year, cast(null as integer) as term,
        selection_deadline_date as deadline_date
    from selection_deadlines
    union all
    select
        school_code, 'diverse_entry' as deadline_kind, academic_year, cast(null as integer) as term,
        diverse_entry_deadline_date as deadline_date
    from diverse_entry_deadlines

),

final as (

    select
        {{ surrogate_key([
            'deadlines.school_code', 'deadlines.deadline_kind', 'deadlines.academic_year', 'deadlines.term',
        ]) }} as deadline_id,
        deadlines.school_code,
        deadlines.deadline_kind,
        deadline_kinds.deadline_label,
        deadline_kinds.reminder_audience,
        deadlines.academic_year,
        deadlines.term,
        deadlines.deadline_date,
    from deadlines
    left join deadline_kinds on deadlines.deadline_kind = deadline_kinds.deadline_kind
    where deadlines.deadline_date is not null

)

select * from final
