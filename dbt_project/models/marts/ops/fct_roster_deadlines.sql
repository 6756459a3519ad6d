-- Grain: one row per school × academic year × term × 名冊 (term 0: the whole-year rosters): the ministry's
-- submission deadline, the owning unit (處室) that submits the 名冊 and the unit's own deadline, two weeks
-- earlier (computed once, by ingestion: pipelines/policy.py SubmissionDeadline.internal_deadline).
-- For the registrar's page, the demo summary and reminder lists (pipelines/ops/roster_deadlines.py).
with

submission_deadlines as (

    select * from {{ scoped_ref('stg_school__submission_deadlines') }}

),

owner_units as (

    select * from {{ ref('xwalk_roster_owner_units') }}

),

final as (

    select
        {{ surrogate_key(['submission_deadlines.school_code', 'submission_deadlines.academic_year',
                          'submission_deadlines.term', 'submission_deadlines.roster_name']) }} as roster_deadline_id,
        submission_deadlines.school_code,
        submission_deadlines.academic_year,
        submission_deadlines.term,
        submission_deadlines.roster_name,
        owner_units.owner_unit,
        submission_deadlines.due_date,
        submission_deadlines.internal_due_date,
    from submission_deadlines
    left join owner_units on submission_deadlines.roster_name = owner_units.workbook
    where submission_deadlines.due_date is not null

)

select * from final
