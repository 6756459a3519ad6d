"""Who submits which 名冊 by when: the ministry's deadlines, each unit's own (two weeks earlier) and
whether the 名冊 has been submitted yet.

The deadlines come from `marts.fct_roster_deadlines` (the school's policy.yaml `submission_deadlines`,
with the owning unit from seeds/xwalk_roster_owner_units.csv); a 名冊 counts as submitted from the first
time its file was in a frozen submission (`submissions.files`) or its unit submitted it on its own
(`submissions.unit_submissions`, pipelines/export/submission.py). The same query runs on the warehouse
(`roster_deadlines`, for reminder lists and the demo) and on the dashboards' published copy
(dashboards/data.py), so both say the same.

Plain Python: no Dagster, no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipelines.warehouse import column_exists, table_exists

DEADLINES_TABLE = ("marts", "fct_roster_deadlines")
# sources of "submitted", by table of schema submissions; each gives (school, year, term, 名冊, at, by)
_SUBMITTED_SOURCES = {
    "files": """
        select files.school_code, files.academic_year, files.term,
               regexp_replace(files.file_name, '^\\d+_\\d+_(.*)\\.xlsx$', '\\1') as roster_name,
               submissions.submitted_at, submissions.submitted_by, submissions.submitting_units as submitted_unit
        from submissions.files as files
        inner join submissions.submissions as submissions on submissions.submission_id = files.submission_id""",
    "unit_submissions": """
        select school_code, academic_year, term, roster_name, submitted_at, submitted_by, unit as submitted_unit
        from submissions.unit_submissions""",
}
COLUMNS = ("school_code", "academic_year", "term", "roster_name", "owner_unit", "due_date", "internal_due_date",
           "submitted_at", "submitted_by", "submitted_unit", "days_left", "internal_days_left", "state")


@dataclass(frozen=True)
class RosterDeadline:
    school_code: str
    academic_year: int
    term: int  # 0: the whole-year rosters
    roster_name: str
    owner_unit: str | None
    due_date: dt.date
    internal_due_date: dt.date
    submitted_at: dt.datetime | None
    submitted_by: str | None
    submitted_unit: str | None
    days_left: int  # to the ministry's deadline (negative: past)
    internal_days_left: int  # to the unit's own deadline
    state: str  # 已提交, 已逾期 (the ministry's deadline passed), 已逾處室期限, 未提交

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


def deadlines_sql(submission_tables: set[str], *, one_school: bool) -> str:
    """Every roster deadline (of one school when `one_school`: one `?` parameter) with its first submission.
    `submission_tables`: the tables of schema submissions that exist (the sources missing are left out)."""
    sources = [sql for table, sql in _SUBMITTED_SOURCES.items() if table in submission_tables
               and (table != "files" or "submissions" in submission_tables)]
    if "submitting_units" not in submission_tables:  # recorded before units submitted on their own
        sources = [sql.replace("submissions.submitting_units", "null::varchar") for sql in sources]
    submitted = " union all ".join(sources) if sources else (
        "select null::varchar as school_code, null::integer as academic_year, null::integer as term, "
        "null::varchar as roster_name, null::timestamp as submitted_at, null::varchar as submitted_by, "
        "null::varchar as submitted_unit where false")
    return f"""
        with submitted as ({submitted}),
        first_submitted as (
            select * from submitted
            qualify row_number() over (partition by school_code, academic_year, term, roster_name
                                       order by submitted_at) = 1
        )
        select deadlines.school_code, deadlines.academic_year, deadlines.term, deadlines.roster_name,
               deadlines.owner_unit, deadlines.due_date, deadlines.internal_due_date, first_submitted.submitted_at,
               first_submitted.submitted_by, first_submitted.submitted_unit
        from {DEADLINES_TABLE[0]}.{DEADLINES_TABLE[1]} as deadlines
        left join first_submitted
            on first_submitted.school_code = deadlines.school_code
            and first_submitted.academic_year = deadlines.academic_year
            and first_submitted.term = deadlines.term and first_submitted.roster_name = deadlines.roster_name
        {"where deadlines.school_code = ?" if one_school else ""}
        order by deadlines.school_code, deadlines.due_date, deadlines.academic_year, deadlines.term,
                 deadlines.owner_unit, deadlines.roster_name
    """


def _day(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def with_days_left(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The query's rows with days left to both deadlines and the state, as of `as_of`."""
    frame = frame.copy()
    frame["due_date"] = [_day(value) for value in frame["due_date"]]
    frame["internal_due_date"] = [_day(value) for value in frame["internal_due_date"]]
    frame["days_left"] = [(day - as_of).days for day in frame["due_date"]]
    frame["internal_days_left"] = [(day - as_of).days for day in frame["internal_due_date"]]
    submitted = frame["submitted_at"].notna()
    frame["state"] = [
        "已提交" if done else "已逾期" if days < 0 else "已逾處室期限" if internal < 0 else "未提交"
        for done, days, internal in zip(submitted, frame["days_left"], frame["internal_days_left"])]
    return frame[list(COLUMNS)]


def deadlines_frame(run: Callable[..., pd.DataFrame], has_table: Callable[[str, str], bool], as_of: dt.date,
                    school: str | None = None, has_column: Callable[[str, str, str], bool] | None = None) -> pd.DataFrame:
    """The roster deadlines through `run(sql, *params)` (any DuckDB catalog holding the marts and, when
    recorded, schema submissions); empty with COLUMNS when the deadlines were never built."""
    if not has_table(*DEADLINES_TABLE):
        return pd.DataFrame(columns=list(COLUMNS))
    tables = {table for table in (*_SUBMITTED_SOURCES, "submissions") if has_table("submissions", table)}
    if has_column is None or has_column("submissions", "submissions", "submitting_units"):
        tables.add("submitting_units")
    params = (school,) if school is not None else ()
    return with_days_left(run(deadlines_sql(tables, one_school=school is not None), *params), as_of)


def roster_deadlines(con: duckdb.DuckDBPyConnection, as_of: dt.date, *, schools: list[str] | None = None,
                     within_days: int | None = None, unsubmitted_only: bool = False) -> list[RosterDeadline]:
    """Each school's roster deadlines on a warehouse connection: for reminder lists (units whose 名冊
    is due within `within_days` of their own deadline, `unsubmitted_only`) and the demo summary."""

    def run(sql: str, *params) -> pd.DataFrame:
        return con.execute(sql, list(params)).df()

    frame = deadlines_frame(run, functools.partial(table_exists, con), as_of,
                            has_column=functools.partial(column_exists, con))
    if schools is not None:
        frame = frame[frame["school_code"].isin(schools)]
    if within_days is not None:
        frame = frame[frame["internal_days_left"] <= within_days]
    if unsubmitted_only:
        frame = frame[frame["submitted_at"].isna()]
    return [RosterDeadline(**{
        **row, "submitted_at": None if pd.isna(row["submitted_at"]) else pd.Timestamp(row["submitted_at"]).to_pydatetime(),
        "submitted_by": None if pd.isna(row["submitted_by"]) else row["submitted_by"],
        "submitted_unit": None if pd.isna(row["submitted_unit"]) else row["submitted_unit"],
        "owner_unit": None if pd.isna(row["owner_unit"]) else row["owner_unit"],
        "academic_year": int(row["academic_year"]), "term": int(row["term"]),
        "days_left": int(row["days_left"]), "internal_days_left": int(row["internal_days_left"]),
    }) for row in frame.to_dict("records")]


def format_deadlines(deadlines: list[RosterDeadline], as_of: dt.date) -> list[str]:
    """The deadlines as the demo prints them: per school, each 名冊 with its unit, both ROC dates and days left."""
    from pipelines.roc import roc_date

    def left(days: int) -> str:
        return f"剩 {days} 天" if days > 0 else "今天截止" if days == 0 else f"已逾 {-days} 天"

    lines = [f"名冊提交期限（基準日 {roc_date(as_of, era=True)}；處室期限 = 國教署期限前兩週）："]
    if not deadlines:
        lines.append("  各校 policy.yaml 未設定 submission_deadlines")
    for deadline in deadlines:
        term = "全學年" if deadline.term == 0 else f"第 {deadline.term} 學期"
        done = (f"已提交 {roc_date(deadline.submitted_at.date(), era=True)} {deadline.submitted_unit or deadline.submitted_by or ''}"
                if deadline.submitted_at else deadline.state)
        lines.append(f"  {deadline.school_code} {deadline.academic_year} {term} {deadline.roster_name}（{deadline.owner_unit}）"
                     f"：處室 {roc_date(deadline.internal_due_date, era=True)} {left(deadline.internal_days_left)}、"
                     f"國教署 {roc_date(deadline.due_date, era=True)} {left(deadline.days_left)}｜{done}")
    return lines
