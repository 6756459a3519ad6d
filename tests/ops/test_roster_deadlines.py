"""Roster deadlines on the warehouse: what reminder lists and the demo read (the dashboards' copy is
tested in tests/dashboards/test_data.py)."""

from __future__ import annotations

import datetime as dt

import duckdb

from pipelines.ops.roster_deadlines import format_deadlines, roster_deadlines

AS_OF = dt.date(2025, 8, 31)  # 113's term-2 and whole-year rosters: unit deadline past, ministry's ahead


def test_every_policy_deadline_with_its_unit_days_left_and_nothing_submitted(built_sample):
    con = duckdb.connect(str(built_sample.warehouse), read_only=True)
    try:
        deadlines = roster_deadlines(con, AS_OF)
        due_soon = roster_deadlines(con, AS_OF, within_days=0, unsubmitted_only=True)
        [(expected,)] = con.execute("select count(*) from staging.stg_school__submission_deadlines").fetchall()
    finally:
        con.close()

    assert len(deadlines) == expected > 0
    by_roster = {deadline.roster_name: deadline.owner_unit for deadline in deadlines}
    assert by_roster["學生自填多元表現名冊"] == "訓育組" and by_roster["學生資料名冊"] == "註冊組"
    assert not any(deadline.is_submitted for deadline in deadlines)
    assert due_soon and all(deadline.internal_days_left <= 0 for deadline in due_soon)
    whole_year = next(deadline for deadline in deadlines if deadline.academic_year == 113 and deadline.term == 0)
    assert (whole_year.due_date, whole_year.internal_due_date) == (dt.date(2025, 9, 10), dt.date(2025, 8, 27))
    assert (whole_year.days_left, whole_year.internal_days_left, whole_year.state) == (10, -4, "已逾處室期限")

    lines = format_deadlines([whole_year], AS_OF)
    assert lines[1].endswith("：處室 民國 114/08/27 已逾 4 天、國教署 民國 114/09/10 剩 10 天｜已逾處室期限")
