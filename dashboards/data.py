"""The dashboards' only door to data: scoped, cached queries on the published copy.

Every page asks a `DataAccess` built for the signed-in person's `Scope`; each method checks the scope
before it queries and narrows every query to it, so no page can show more than the role allows
(dashboards/roles.py has the table). What a method returns is plain pandas with English column names;
pages translate and draw.

Queries run on the *published* copy (pipelines/publish), attached read-only, one shared connection per
version of the file: when a build publishes a new copy (a new inode), the next query opens it and the
query cache (keyed by that version) starts afresh; a page still running on the old copy finishes on it.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards.roles import SCHOOL_STAFF, AccessDenied, Role, Scope
from pipelines.export.gating import rules_for
from pipelines.export.layout import WHOLE_YEAR, workbooks_for
from pipelines.gate.proxy import teachers_from_records, trace_proxy
from pipelines.names import read_key_names
from pipelines.ops.roster_deadlines import deadlines_frame

PENDING_STATE = "待認證"  # the certification state a teacher still has to act on (xwalk_certification_states)
DEFAULT_PROXY_ORDER = ("designated_proxy", "same_subject_same_grade", "same_subject", "domain_convener",
                       "teaching_section_chief")
BEHIND_COUNT = 10  # schools listed as furthest behind


class PublishedCopyMissing(FileNotFoundError):
    """No published copy yet: nothing has been built (or published) on this machine."""


# ------------------------------------------------------------------------------------------------
# Running queries

_connections: dict[tuple[str, str], duckdb.DuckDBPyConnection] = {}
_connections_lock = threading.Lock()
_CATALOG = "published"


def file_version(path: Path) -> str:
    """Changes whenever a new copy is renamed into place (new inode) or the file is rewritten."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise PublishedCopyMissing(f"找不到已發布的資料 {path}：請先執行 portfolio build（或 make demo）") from None
    return f"{stat.st_ino}:{stat.st_mtime_ns}"


def _connection(path: str, version: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with this version of the file attached read-only as `published`.

    Not `duckdb.connect(path)`: DuckDB caches one database instance per path in a process, so after the
    file is replaced a new connect would hand back the old instance (the old file) for as long as any
    connection to it lives. Attaching into a fresh in-memory instance opens whatever file the path names now.
    """
    with _connections_lock:
        connection = _connections.get((path, version))
        if connection is None:
            connection = duckdb.connect(":memory:")
            connection.execute("attach '" + path.replace("'", "''") + f"' as {_CATALOG} (read_only)")
            older = [key for key in _connections if key[0] == path]
            for key in older[:-1]:  # keep the newest older copy: a rerun may still be reading it
                _connections.pop(key).close()
            _connections[(path, version)] = connection
        return connection


def run_query(path: str, version: str, sql: str, params: tuple = ()) -> pd.DataFrame:
    cursor = _connection(path, version).cursor()
    try:
        cursor.execute(f"use {_CATALOG}")  # a cursor starts in the in-memory catalog
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


@functools.cache
def _cached_query():
    """run_query behind Streamlit's data cache, made on first use (outside Streamlit nothing is cached)."""

    @st.cache_data(show_spinner=False, max_entries=1024, ttl=dt.timedelta(hours=6))
    def cached_query(path: str, version: str, sql: str, params: tuple = ()) -> pd.DataFrame:
        return run_query(path, version, sql, params)

    return cached_query


# ------------------------------------------------------------------------------------------------
# What the pages get


@dataclass(frozen=True)
class NationalOverview:
    schools: pd.DataFrame  # one row per school: counts and rates
    counties: pd.DataFrame  # per county (縣市)
    school_types: pd.DataFrame  # per 公私立別
    trend: pd.DataFrame  # per academic year and term, all schools
    behind: pd.DataFrame  # the schools furthest behind
    totals: dict


@dataclass(frozen=True)
class SchoolOverview:
    school: dict  # dim_schools row
    totals: dict
    classes: pd.DataFrame  # per class
    grades: pd.DataFrame  # per grade
    deadlines: pd.DataFrame  # label, date, days_left
    gate: dict | None  # latest gate run of the year
    submissions: pd.DataFrame  # this school's submission records (empty when none)


@dataclass(frozen=True)
class BlockingFindings:
    """What keeps a term's 名冊 from being exported whole: the error rules that block each folder."""

    checked: bool  # a gate run of the year exists
    summary: pd.DataFrame  # folder, rosters, rule_id, rule_title, violations
    rows: pd.DataFrame  # one row per blocking violation (empty for aggregate-only roles)


@dataclass(frozen=True)
class ClassView:
    info: dict  # class name, grade, homeroom teacher
    students: pd.DataFrame  # one row per enrolled student (masked IDs), risk flags included
    totals: dict
    next_deadline: dict | None  # label, date, days_left


@dataclass(frozen=True)
class TeacherQueues:
    teachers: pd.DataFrame  # one row per teacher with pending items (or the signed-in teacher)
    items: pd.DataFrame  # pending items, with who should act on each
    totals: dict
    certification_days: int | None


@dataclass(frozen=True)
class GateOverview:
    runs: pd.DataFrame  # latest run per school of the year
    rules: pd.DataFrame  # per school × rule: violations
    totals: dict
    row_level: bool  # False: counts only (教育主管機關)
    class_scoped: bool = False  # 導師: counted from the own class's rows


@dataclass(frozen=True)
class Submissions:
    available: bool  # the published copy has submission records at all
    submissions: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per (re-)submission, with its receipt
    discrepancies: pd.DataFrame = field(default_factory=pd.DataFrame)  # receipt rows not received (row level only)
    per_school: pd.DataFrame = field(default_factory=pd.DataFrame)  # counts per school
    totals: dict = field(default_factory=dict)
    row_level: bool = True


@dataclass(frozen=True)
class Confirmations:
    """The students' confirmations of each reconciled receipt (pipelines/export/confirmations.py, as last evaluated)."""

    terms: pd.DataFrame = field(default_factory=pd.DataFrame)  # per school and term: counts, window, late, guardian
    cases: pd.DataFrame = field(default_factory=pd.DataFrame)  # open dispute cases, with days left (row level only)
    by_roster: pd.DataFrame = field(default_factory=pd.DataFrame)  # open cases per school, roster and owner unit
    by_class: pd.DataFrame = field(default_factory=pd.DataFrame)  # open cases per school, term and class
    totals: dict = field(default_factory=dict)
    row_level: bool = True


@dataclass(frozen=True)
class ClassConfirmations:
    """One class's students who have not confirmed the receipt or have an open dispute, per reconciled term."""

    window_closes: dt.date | None
    students: pd.DataFrame  # student_number, class_code, seat_number, student_name, national_id_masked, state, open_disputes
    counts: dict  # state → students of the class


CONFIRMATION_COUNTS = ("students", "confirmed", "disputed", "unconfirmed", "open_disputes", "closed_disputes",
                       "late_replies", "guardian_replies")
CLASS_CONFIRMATION_COLUMNS = ["student_number", "class_code", "seat_number", "student_name", "national_id_masked",
                              "state", "open_disputes"]


# the summable counts of _STUDENT_AGGREGATES (rates are recomputed from them after grouping)
COUNT_COLUMNS = ("students_enrolled", "students_with_upload", "students_with_certified", "students_with_selected",
                 "outcomes_uploaded", "outcomes_certified", "outcomes_pending", "outcomes_failed")


def _rate(part, whole):
    return part / whole if whole else None


def _add_rates(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    enrolled = frame["students_enrolled"].where(frame["students_enrolled"] > 0)
    frame["upload_rate"] = frame["students_with_upload"] / enrolled
    frame["completion_rate"] = frame["students_with_certified"] / enrolled
    frame["selection_rate"] = frame["students_with_selected"] / enrolled
    uploaded = frame["outcomes_uploaded"].where(frame["outcomes_uploaded"] > 0)
    frame["certification_rate"] = frame["outcomes_certified"] / uploaded
    frame["students_without_certified"] = frame["students_enrolled"] - frame["students_with_certified"]
    return frame


def _group(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts summed per `by`, with how many rows (schools, classes) went into each group."""
    aggregations = {"members": (by, "size"), **{column: (column, "sum") for column in COUNT_COLUMNS}}
    return frame.groupby(by, as_index=False).agg(**aggregations)


def _totals(frame: pd.DataFrame) -> dict:
    sums = {column: int(frame[column].sum()) if len(frame) else 0 for column in COUNT_COLUMNS}
    sums["upload_rate"] = _rate(sums["students_with_upload"], sums["students_enrolled"])
    sums["completion_rate"] = _rate(sums["students_with_certified"], sums["students_enrolled"])
    sums["selection_rate"] = _rate(sums["students_with_selected"], sums["students_enrolled"])
    sums["certification_rate"] = _rate(sums["outcomes_certified"], sums["outcomes_uploaded"])
    sums["students_without_certified"] = sums["students_enrolled"] - sums["students_with_certified"]
    return sums


# per-student counts summed into any grouping; has_upload etc. become "students with …"
_STUDENT_AGGREGATES = """
    count(*) as students_enrolled,
    count(*) filter (where has_upload) as students_with_upload,
    count(*) filter (where outcomes_certified > 0) as students_with_certified,
    count(*) filter (where outcomes_selected > 0) as students_with_selected,
    coalesce(sum(outcomes_uploaded), 0)::bigint as outcomes_uploaded,
    coalesce(sum(outcomes_certified), 0)::bigint as outcomes_certified,
    coalesce(sum(outcomes_pending), 0)::bigint as outcomes_pending,
    coalesce(sum(outcomes_failed), 0)::bigint as outcomes_failed
"""


def _dates(values: pd.Series) -> list:
    """DuckDB dates arrive as pandas timestamps: plain dates (None when missing) for day arithmetic."""
    return [None if value is None or pd.isna(value) else pd.Timestamp(value).date() for value in values]


def _days_left(day, as_of: dt.date) -> int | None:
    if day is None or pd.isna(day):
        return None
    return (pd.Timestamp(day).date() - as_of).days


def scope_unknowns(published: Path, scope: Scope) -> list[str]:
    """What an account's scope names that the published copy does not know: a school, a class (in any
    term) or a teacher of that school. Empty when everything exists; raises PublishedCopyMissing."""
    path = Path(published)
    version = file_version(path)

    def found(sql: str, *params) -> bool:
        return int(run_query(str(path), version, sql, params).iloc[0, 0]) > 0

    if scope.school_code is None:
        return []
    if not found("select count(*) from marts.dim_schools where school_code = ?", scope.school_code):
        return [f"學校代碼 {scope.school_code} 不在已發布的資料中"]
    unknown = []
    if scope.class_code and not found("select count(*) from marts.dim_classes where school_code = ? and class_code = ?",
                                      scope.school_code, scope.class_code):
        unknown.append(f"班級代碼 {scope.class_code} 不是學校 {scope.school_code} 的班級")
    if scope.teacher_code and not found("select count(*) from marts.dim_teachers where school_code = ? "
                                        "and teacher_code = ?", scope.school_code, scope.teacher_code):
        unknown.append(f"教師代碼 {scope.teacher_code} 不是學校 {scope.school_code} 的教師")
    return unknown


class DataAccess:
    """Scoped queries for one signed-in person. `cached=False` bypasses Streamlit's cache (benchmarks)."""

    def __init__(self, published: Path, scope: Scope, *, cached: bool = True):
        self.published = Path(published)
        self.scope = scope
        self.cached = cached

    # -- plumbing --------------------------------------------------------------------------------

    def _frame(self, sql: str, *params) -> pd.DataFrame:
        version = file_version(self.published)
        runner = _cached_query() if self.cached else run_query
        return runner(str(self.published), version, sql, tuple(params))

    def has_table(self, schema: str, table: str | None = None) -> bool:
        sql = "select count(*) as found from information_schema.tables where table_schema = ?"
        params: list = [schema]
        if table:
            sql += " and table_name = ?"
            params.append(table)
        return int(self._frame(sql, *params)["found"].iloc[0]) > 0

    def has_column(self, schema: str, table: str, column: str) -> bool:
        return int(self._frame("select count(*) as found from information_schema.columns where table_schema = ? "
                               "and table_name = ? and column_name = ?", schema, table, column)["found"].iloc[0]) > 0

    def _with_item_names(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with `item`: each row's 項目鍵 as shown (IDs masked) named by the course it keys, the key after
        (pipelines/names.py NameBook.item_key); only the keys in the frame are looked up."""
        if frame.empty or "item_key_shown" not in frame:
            return frame.assign(item=pd.Series(dtype=object))
        keys: dict[str, set] = {}
        for school, key in zip(frame["school_code"], frame["item_key_shown"]):
            keys.setdefault(school, set()).add(key)
        books = read_key_names(lambda sql, params: list(self._frame(sql, *params).itertuples(index=False, name=None)),
                               keys)
        return frame.assign(item=[books[school].item_key(key)
                                  for school, key in zip(frame["school_code"], frame["item_key_shown"])])

    def _require(self, *roles: Role) -> None:
        if self.scope.role not in roles:
            raise AccessDenied(f"{self.scope.role.value}帳號無權查看此頁")

    def _require_school(self, school: str) -> None:
        if not self.scope.sees_all_schools and school != self.scope.school_code:
            raise AccessDenied("只能查看本校資料")

    def _advisees(self, school: str, year: int) -> list[str] | None:
        """Student numbers a 課程諮詢教師 counselled in the academic year (None: the account names a class,
        whose students are all theirs to see)."""
        if self.scope.class_code or not self.has_table("marts", "fct_counselling_sessions"):
            return None if self.scope.class_code else []
        return sorted(self._frame("""
            select distinct student_number from marts.fct_counselling_sessions
            where school_code = ? and academic_year = ? and counsellor_code = ? and student_number is not null
        """, school, year, self.scope.teacher_code or "")["student_number"].tolist())

    def _counsellor_classes(self, school: str, year: int, term: int) -> list[str]:
        """The class on a 課程諮詢教師's account, or the classes the own advisees are in that term."""
        advisees = self._advisees(school, year)
        if advisees is None:
            return [self.scope.class_code]
        return sorted(self._frame("""
            select distinct class_code from marts.fct_student_completion
            where school_code = ? and academic_year = ? and term = ? and list_contains(?::varchar[], student_number)
              and class_code is not null
        """, school, year, term, advisees)["class_code"].tolist())

    def _own_classes(self, school: str, year: int, term: int | None = None) -> list[str]:
        """Class codes a 導師 may see in that term (or any term of the year)."""
        sql = ("select distinct class_code from marts.dim_classes where school_code = ? and academic_year = ? "
               "and (class_code = ? or homeroom_teacher_code = ?)")
        params: list = [school, year, self.scope.class_code or "", self.scope.teacher_code or ""]
        if term is not None:
            sql += " and term = ?"
            params.append(term)
        return sorted(self._frame(sql, *params)["class_code"].tolist())

    # -- what every page needs -------------------------------------------------------------------

    def publication(self) -> dict | None:
        if not self.has_table("meta", "publication"):
            return None
        found = self._frame("select published_at from meta.publication")
        return found.iloc[0].to_dict() if len(found) else None

    def _schools_sql(self) -> str:
        """dim_schools with each school's name and public/private from the school directory (a copy
        published before the directory existed has neither: the pages then show codes)."""
        if self.has_table("seeds", "xwalk_school_directory"):
            return ("(select schools.*, directory.school_name, directory.is_public from marts.dim_schools as schools "
                    "left join seeds.xwalk_school_directory as directory on directory.school_code = schools.school_code)")
        return "(select *, null::varchar as school_name, null::boolean as is_public from marts.dim_schools)"

    def schools(self) -> pd.DataFrame:
        """Schools this person may pick: every school for 教育主管機關, else the own one."""
        sql = f"select school_code, school_name, county_name, school_type_name, is_public from {self._schools_sql()}"
        if self.scope.sees_all_schools:
            return self._frame(sql + " order by school_code")
        return self._frame(sql + " where school_code = ?", self.scope.school_code)

    def with_school_names(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with a school_name column beside its school_code (the directory's name, as the reports)."""
        from pipelines.names import school_name

        if frame.empty or "school_code" not in frame or "school_name" in frame:
            return frame
        return frame.assign(school_name=frame["school_code"].map(school_name))

    def terms(self) -> pd.DataFrame:
        """(academic_year, term) pairs with completion data in the schools this person may see, newest first."""
        sql = "select distinct academic_year, term from marts.fct_school_completion"
        if self.scope.sees_all_schools:
            return self._frame(sql + " order by academic_year desc, term desc")
        return self._frame(sql + " where school_code = ? order by academic_year desc, term desc", self.scope.school_code)

    def latest_term_deadline(self) -> tuple[int, int, dt.date | None] | None:
        """The latest term with data in this person's schools and its earliest upload deadline."""
        terms = self.terms()
        if terms.empty:
            return None
        year, term = (int(value) for value in terms.iloc[0])
        sql = ("select min(upload_deadline_date) as deadline from marts.fct_school_completion "
               "where academic_year = ? and term = ?")
        params: list = [year, term]
        if not self.scope.sees_all_schools:
            sql += " and school_code = ?"
            params.append(self.scope.school_code)
        return year, term, _dates(self._frame(sql, *params)["deadline"])[0]

    def classes(self, school: str, year: int, term: int) -> pd.DataFrame:
        """Classes of the school and term this person may open (a 導師: the own class only; a 課程諮詢教師:
        the class named on the account, or the classes of the own advisees)."""
        self._require_school(school)
        sql = ("select class_code, class_name, grade, homeroom_teacher_name from marts.dim_classes "
               "where school_code = ? and academic_year = ? and term = ?")
        params: list = [school, year, term]
        if self.scope.role is Role.HOMEROOM_TEACHER:
            sql += " and (class_code = ? or homeroom_teacher_code = ?)"
            params += [self.scope.class_code or "", self.scope.teacher_code or ""]
        elif self.scope.role is Role.COUNSELLOR:
            sql += " and list_contains(?::varchar[], class_code)"
            params.append(self._counsellor_classes(school, year, term))
        elif self.scope.role is Role.SUBJECT_TEACHER:
            return pd.DataFrame(columns=["class_code", "class_name", "grade", "homeroom_teacher_name"])
        return self._frame(sql + " order by grade, class_code", *params)

    # -- 全國總覽 ---------------------------------------------------------------------------------

    def national_overview(self, year: int, term: int, *, counties: tuple[str, ...] = (),
                          school_types: tuple[str, ...] = (), public: bool | None = None) -> NationalOverview:
        """Aggregates across schools, narrowed to the counties, school types and public or private schools
        asked for (none: all); no student rows leave this method."""
        self._require(Role.AUTHORITY)
        schools = self._frame(f"""
            with students as (
                select school_code, {_STUDENT_AGGREGATES}
                from marts.fct_student_completion
                where academic_year = ? and term = ?
                group by school_code
            )
            select schools.school_code, schools.school_name, schools.county_name, schools.school_type_name,
                   schools.is_public, students.* exclude (school_code)
            from students
            inner join {self._schools_sql()} as schools on students.school_code = schools.school_code
            order by schools.school_code
        """, year, term)
        wanted = pd.Series(True, index=schools.index)
        if counties:
            wanted &= schools["county_name"].isin(counties)
        if school_types:
            wanted &= schools["school_type_name"].isin(school_types)
        if public is not None:
            wanted &= schools["is_public"].eq(public).fillna(False).astype(bool)
        schools = _add_rates(schools[wanted].reset_index(drop=True))
        per_county = _add_rates(_group(schools, "county_name"))
        per_type = _add_rates(_group(schools, "school_type_name"))
        trend = _add_rates(self._frame(f"""
            select academic_year, term, {_STUDENT_AGGREGATES}
            from marts.fct_student_completion
            where list_contains(?::varchar[], school_code)
            group by academic_year, term
            order by academic_year, term
        """, schools["school_code"].tolist()))
        behind = schools.sort_values(["completion_rate", "students_enrolled"], ascending=[True, False]).head(BEHIND_COUNT)
        totals = {**_totals(schools), "schools": len(schools)}
        return NationalOverview(schools=schools, counties=per_county.sort_values("completion_rate"),
                                school_types=per_type.sort_values("completion_rate"), trend=trend,
                                behind=behind, totals=totals)

    # -- 學校 -------------------------------------------------------------------------------------

    def school_overview(self, school: str, year: int, term: int, as_of: dt.date) -> SchoolOverview:
        self._require(Role.AUTHORITY, *SCHOOL_STAFF)
        self._require_school(school)
        found = self._frame(f"select * from {self._schools_sql()} where school_code = ?", school)
        info = found.iloc[0].to_dict() if len(found) else {"school_code": school}
        classes = _add_rates(self._frame(f"""
            with students as (
                select class_code, {_STUDENT_AGGREGATES}
                from marts.fct_student_completion
                where school_code = ? and academic_year = ? and term = ?
                group by class_code
            )
            select coalesce(students.class_code, classes.class_code) as class_code, classes.class_name,
                   coalesce(classes.grade, 0) as grade, classes.homeroom_teacher_name,
                   students.* exclude (class_code)
            from students
            left join marts.dim_classes as classes
                on classes.school_code = ? and classes.academic_year = ? and classes.term = ?
                and students.class_code = classes.class_code
            order by grade, class_code
        """, school, year, term, school, year, term))
        grades = _add_rates(_group(classes, "grade"))
        return SchoolOverview(
            school=info, totals=_totals(classes), classes=classes, grades=grades,
            deadlines=self._deadlines(school, year, term, as_of), gate=self._latest_gate_run(school, year),
            submissions=self._school_submissions(school),
        )

    def _deadlines(self, school: str, year: int, term: int, as_of: dt.date) -> pd.DataFrame:
        rows = []
        term_row = self._frame("""
            select upload_deadline_date, certification_deadline_date from marts.fct_school_completion
            where school_code = ? and academic_year = ? and term = ?
        """, school, year, term)
        if len(term_row):
            rows.append(("上傳截止", "學生上傳課程學習成果", term_row["upload_deadline_date"].iloc[0]))
            rows.append(("認證截止", "任課教師完成認證", term_row["certification_deadline_date"].iloc[0]))
        if self.has_table("staging", "stg_school__selection_deadlines"):
            selection = self._frame("""
                select selection_deadline_date from staging.stg_school__selection_deadlines
                where school_code = ? and academic_year = ?
            """, school, year)
            if len(selection):
                rows.append(("勾選截止", "學生勾選提交項目（全學年）", selection["selection_deadline_date"].iloc[0]))
        frame = pd.DataFrame(rows, columns=["deadline", "what", "date"])
        frame = frame[frame["date"].notna()].reset_index(drop=True)
        frame["date"] = _dates(frame["date"])
        frame["days_left"] = [_days_left(day, as_of) for day in frame["date"]]
        return frame

    def roster_deadlines(self, school: str, as_of: dt.date) -> pd.DataFrame:
        """Each 名冊's ministry deadline, the owning unit's own one, days left to both and whether it has been
        submitted (pipelines/ops/roster_deadlines.py, as reminders and the demo see them)."""
        self._require(Role.AUTHORITY, *SCHOOL_STAFF)
        self._require_school(school)
        return deadlines_frame(self._frame, self.has_table, as_of, school, has_column=self.has_column)

    def blocking_findings(self, school: str, year: int, term: int) -> BlockingFindings:
        """The gate's error findings of the school's latest run of the year that block the term's folder and
        the whole-year folder (pipelines/export/gating.py decides which rules block which folder; a term
        folder counts only that term's findings), per folder with its 名冊; rows for school staff only."""
        self._require(Role.AUTHORITY, *SCHOOL_STAFF)
        self._require_school(school)
        run = self._latest_gate_run(school, year)
        columns = ["folder", "rosters", "rule_id", "rule_title", "violations"]
        if run is None or not self.has_table("gate", "rule_violations"):
            return BlockingFindings(run is not None, pd.DataFrame(columns=columns), pd.DataFrame())
        summaries, rows = [], []
        for folder_term in dict.fromkeys((term, WHOLE_YEAR)):
            blocking = list(rules_for(folder_term)[0])
            folder = folder_label(folder_term)
            rosters = "、".join(workbook.name for workbook in workbooks_for(folder_term))
            term_filter = "" if folder_term == WHOLE_YEAR else " and (violations.item_term = ? or violations.item_term is null)"
            params: list = [run["run_id"], blocking] + ([] if folder_term == WHOLE_YEAR else [folder_term])
            found = self._frame(f"""
                select violations.rule_id, any_value(results.rule_title) as rule_title, count(*) as violations
                from gate.rule_violations as violations
                left join (select distinct run_id, rule_id, rule_title from gate.rule_results) as results
                    on results.run_id = violations.run_id and results.rule_id = violations.rule_id
                where violations.run_id = ? and list_contains(?::varchar[], violations.rule_id)
                  and violations.severity = 'error'{term_filter}
                group by violations.rule_id order by violations.rule_id
            """, *params)
            summaries.append(found.assign(folder=folder, rosters=rosters))
            if self.scope.sees_student_rows and len(found):
                rows.append(self._frame(f"""
                    with students as (
                        select student_number, any_value(student_name) as student_name from marts.fct_student_completion
                        where school_code = ? and academic_year = ? group by student_number
                    )
                    select ? as folder, violations.rule_id, violations.item_term, violations.class_code,
                           violations.seat_number, violations.student_number, students.student_name,
                           violations.item_key, violations.value, violations.limit_value
                    from gate.rule_violations as violations
                    left join students on students.student_number = violations.student_number
                    where violations.run_id = ? and list_contains(?::varchar[], violations.rule_id)
                      and violations.severity = 'error'{term_filter}
                    order by violations.rule_id, violations.class_code, violations.seat_number, violations.item_key
                """, school, year, folder, *params))
        summary = pd.concat(summaries, ignore_index=True)[columns] if summaries else pd.DataFrame(columns=columns)
        return BlockingFindings(True, summary, pd.concat(rows, ignore_index=True) if rows else pd.DataFrame())

    def _latest_gate_run(self, school: str, year: int) -> dict | None:
        if not self.has_table("gate", "runs"):
            return None
        found = self._frame("""
            select * from gate.runs where school_code = ? and academic_year = ?
            order by (term is null) desc, checked_at desc, run_id desc limit 1
        """, school, year)
        return found.iloc[0].to_dict() if len(found) else None

    # -- 班級 -------------------------------------------------------------------------------------

    def _class_scope(self, school: str, year: int, term: int, class_code: str) -> list[str] | None:
        """May this person open the class (school staff; a 導師 the own; a 課程諮詢教師 the class on the account or
        one of the own advisees')? AccessDenied if not. The students to keep: a 課程諮詢教師's advisees (None:
        the whole class)."""
        self._require(*SCHOOL_STAFF, Role.HOMEROOM_TEACHER, Role.COUNSELLOR)
        self._require_school(school)
        if self.scope.role is Role.HOMEROOM_TEACHER and class_code not in self._own_classes(school, year, term):
            raise AccessDenied("導師只能查看自己的班級")
        if self.scope.role is not Role.COUNSELLOR:
            return None
        if class_code not in self._counsellor_classes(school, year, term):
            raise AccessDenied("課程諮詢教師只能查看自己諮詢的學生或指定的班級")
        return self._advisees(school, year)

    def class_students(self, school: str, year: int, term: int, class_code: str, as_of: dt.date) -> ClassView:
        """One class, student by student; IDs masked. Not for 教育主管機關 or 任課教師; a 課程諮詢教師 sees
        the own advisees of the class (or the whole class named on the account)."""
        advisees = self._class_scope(school, year, term, class_code)
        info = self._frame("""
            select class_code, class_name, grade, homeroom_teacher_code, homeroom_teacher_name
            from marts.dim_classes where school_code = ? and academic_year = ? and term = ? and class_code = ?
        """, school, year, term, class_code)
        students = self._frame("""
            select student_number, seat_number, student_name, national_id_masked,
                   outcomes_uploaded, outcomes_certified, outcomes_pending, outcomes_failed,
                   outcomes_cancelled + outcomes_not_submitted as outcomes_not_in_review,
                   outcomes_selected, course_outcome_selection_cap_per_year as outcome_selection_cap,
                   performances_entered, performances_selected,
                   diverse_selection_cap_per_year as performance_selection_cap,
                   has_autobiography, has_study_plan
            from marts.fct_student_completion
            where school_code = ? and academic_year = ? and term = ? and class_code = ?
            order by seat_number nulls last, student_number
        """, school, year, term, class_code)
        students = _only(students, advisees)
        students = _with_missing(_with_risk(students), self._receipt_items(school, year, class_code))
        deadlines = self._deadlines(school, year, term, as_of)
        upcoming = deadlines[deadlines["days_left"].notna() & (deadlines["days_left"] >= 0)]
        next_deadline = upcoming.sort_values("days_left").iloc[0].to_dict() if len(upcoming) else None
        totals = {
            "students": len(students),
            "with_certified": int((students["outcomes_certified"] > 0).sum()) if len(students) else 0,
            "at_risk": int(students["is_at_risk"].sum()) if len(students) else 0,
            "pending": int(students["outcomes_pending"].sum()) if len(students) else 0,
            "without_upload": int((students["outcomes_uploaded"] == 0).sum()) if len(students) else 0,
        }
        totals["completion_rate"] = _rate(totals["with_certified"], totals["students"])
        return ClassView(info=info.iloc[0].to_dict() if len(info) else {"class_code": class_code},
                         students=students, totals=totals, next_deadline=next_deadline)

    def _receipt_items(self, school: str, year: int, class_code: str) -> pd.DataFrame:
        """Per student of the class: items the latest reconciled receipt of the year did not receive."""
        if not (self.has_table("submissions", "reconciliation_items") and self.has_table("submissions", "reconciliations")):
            return pd.DataFrame(columns=["student_number", "not_received"])
        return self._frame("""
            with latest as (
                select reconciliation_id from submissions.reconciliations where school_code = ? and academic_year = ?
                qualify row_number() over (partition by term order by reconciled_at desc, reconciliation_id desc) = 1
            )
            select student_number, count(*) as not_received
            from submissions.reconciliation_items
            where reconciliation_id in (select reconciliation_id from latest) and class_code = ?
              and outcome in ('rejected', 'missing') and student_number is not null
            group by student_number
        """, school, year, class_code)

    def class_confirmations(self, school: str, year: int, term: int, class_code: str) -> ClassConfirmations:
        """Who in the class has not confirmed the term's receipt, and who has an open dispute (IDs masked); the
        same people as class_students (a 課程諮詢教師 sees the own advisees of the class)."""
        advisees = self._class_scope(school, year, term, class_code)
        if not (self.has_table("submissions", "confirmation_terms") and self.has_table("submissions", "confirmation_students")):
            return ClassConfirmations(None, pd.DataFrame(columns=CLASS_CONFIRMATION_COLUMNS), {})
        window = self._frame("""
            select window_closes from submissions.confirmation_terms
            where school_code = ? and academic_year = ? and term = ?
        """, school, year, term)
        everyone = self._frame("""
            select confirmations.student_number, confirmations.class_code, confirmations.seat_number,
                   students.student_name, students.national_id_masked, confirmations.state, confirmations.open_disputes
            from submissions.confirmation_students as confirmations
            left join marts.fct_student_completion as students
                on students.school_code = confirmations.school_code and students.academic_year = confirmations.academic_year
                and students.term = confirmations.term and students.student_number = confirmations.student_number
            where confirmations.school_code = ? and confirmations.academic_year = ? and confirmations.term = ?
              and confirmations.class_code = ?
            order by confirmations.seat_number nulls last, confirmations.student_number
        """, school, year, term, class_code)
        everyone = _only(everyone, advisees)
        counts = everyone["state"].value_counts().to_dict() if len(everyone) else {}
        waiting = everyone[(everyone["state"] == "unconfirmed") | (everyone["open_disputes"] > 0)].reset_index(drop=True)
        return ClassConfirmations(_dates(window["window_closes"])[0] if len(window) else None, waiting,
                                  {state: int(count) for state, count in counts.items()})

    # -- 教師認證 ---------------------------------------------------------------------------------

    def teacher_queues(self, school: str, year: int, term: int, as_of: dt.date) -> TeacherQueues:
        """Pending certifications per teacher; a 任課教師 sees the own queue and what to certify as proxy."""
        self._require(*SCHOOL_STAFF, Role.SUBJECT_TEACHER)
        self._require_school(school)
        policy = self._frame("""
            select certification_days_after_upload, proxy_order from marts.dim_schools where school_code = ?
        """, school)
        days_allowed = int(policy["certification_days_after_upload"].iloc[0]) if len(policy) else None
        proxy_order = tuple(policy["proxy_order"].iloc[0]) if len(policy) and policy["proxy_order"].iloc[0] is not None \
            else DEFAULT_PROXY_ORDER
        items = self._frame("""
            select outcomes.outcome_id, outcomes.certifying_teacher_code as teacher_code, outcomes.student_number,
                   outcomes.class_code, outcomes.seat_number, students.student_name, outcomes.subject_name,
                   outcomes.course_grade, outcomes.title, outcomes.summary_excerpt,
                   outcomes.uploaded_at::date as uploaded_date, outcomes.submitted_at::date as submitted_date,
                   outcomes.certification_deadline_date::date as certification_deadline
            from marts.fct_course_outcomes as outcomes
            left join marts.fct_student_completion as students
                on students.school_code = outcomes.school_code and students.academic_year = outcomes.academic_year
                and students.term = outcomes.term and students.student_number = outcomes.student_number
            where outcomes.school_code = ? and outcomes.academic_year = ? and outcomes.term = ?
              and outcomes.certification_state = ? and outcomes.origin_school_code is null
            order by outcomes.submitted_at, outcomes.outcome_id
        """, school, year, term, PENDING_STATE)
        teacher_records = self._frame("select * from marts.dim_teachers where school_code = ?", school)
        teachers = teachers_from_records(teacher_records.to_dict("records"))
        items["submitted_date"] = _dates(items["submitted_date"])
        items["certification_deadline"] = _dates(items["certification_deadline"])
        # an item sent after the reference day has not waited yet
        items["days_waiting"] = pd.array([max((as_of - day).days, 0) if day else None for day in items["submitted_date"]],
                                         dtype="Int64")
        past_rule = (items["days_waiting"] > days_allowed).fillna(False) if days_allowed is not None else False
        past_deadline = pd.Series([bool(day) and as_of > day for day in items["certification_deadline"]],
                                  index=items.index, dtype=bool)
        items["is_overdue"] = past_rule | past_deadline
        # due: the earlier of the policy's days after sending and the term's certification deadline
        items["due_date"] = [min(filter(None, (sent + dt.timedelta(days=days_allowed) if sent and days_allowed is not None
                                               else None, deadline)), default=None)
                             for sent, deadline in zip(items["submitted_date"], items["certification_deadline"])]
        items["days_left"] = pd.array([(due - as_of).days if due else None for due in items["due_date"]], dtype="Int64")
        items["uploaded_date"] = _dates(items["uploaded_date"])
        items["teacher_name"] = [teachers[code].name if code in teachers else None for code in items["teacher_code"]]
        traces: dict = {}

        def trace_for(code, grade):
            """How the school's proxy_order is walked for a departed teacher's item of that grade."""
            grade = None if grade is None or pd.isna(grade) else int(grade)
            if (code, grade) not in traces:
                teacher = teachers.get(code) if isinstance(code, str) else None
                departed = teacher is not None and teacher.has_left(as_of)
                traces[(code, grade)] = (trace_proxy(teacher, teachers, proxy_order, grade=grade, as_of=as_of)
                                         if departed else None)
            return traces[(code, grade)]

        found = [trace_for(code, grade) for code, grade in zip(items["teacher_code"], items["course_grade"])]
        choices = [trace.choice if trace else None for trace in found]
        items["proxy_code"] = [choice.teacher.code if choice else None for choice in choices]
        items["proxy_name"] = [choice.teacher.name if choice else None for choice in choices]
        items["proxy_step"] = [choice.step_label if choice else None for choice in choices]
        items["proxy_chain"] = [trace.describe(as_of) if trace else None for trace in found]
        if self.scope.role is Role.SUBJECT_TEACHER:
            mine = self.scope.teacher_code
            items = items[(items["teacher_code"] == mine) | (items["proxy_code"] == mine)].reset_index(drop=True)
        queue = self._queue_per_teacher(items, teachers, as_of)
        if self.scope.role is Role.SUBJECT_TEACHER and self.scope.teacher_code not in set(queue["teacher_code"]):
            own = teachers.get(self.scope.teacher_code)
            queue = pd.concat([queue, pd.DataFrame([{
                "teacher_code": self.scope.teacher_code, "teacher_name": own.name if own else None,
                "subject": own.subject if own else None, "status": _status(own, as_of), "pending": 0,
                "overdue": 0, "oldest_days_waiting": None, "proxy": None, "proxy_chain": None,
            }])], ignore_index=True)
        totals = {
            "pending": len(items), "overdue": int(items["is_overdue"].sum()) if len(items) else 0,
            "oldest_days_waiting": int(items["days_waiting"].max()) if len(items) and items["days_waiting"].notna().any() else None,
            "teachers_with_pending": int((queue["pending"] > 0).sum()) if len(queue) else 0,
            "departed_with_pending": int((queue["status"] == "離職").sum()) if len(queue) else 0,
        }
        return TeacherQueues(teachers=queue, items=items, totals=totals, certification_days=days_allowed)

    @staticmethod
    def _queue_per_teacher(items: pd.DataFrame, teachers: dict, as_of: dt.date) -> pd.DataFrame:
        rows = []
        for code, group in items.groupby("teacher_code", dropna=False):
            teacher = teachers.get(code) if isinstance(code, str) else None
            proxies = sorted({f"{name or proxy}（{step}）" for proxy, name, step
                              in zip(group["proxy_code"], group["proxy_name"], group["proxy_step"])
                              if isinstance(proxy, str)})
            chains = sorted({chain for chain in group["proxy_chain"] if isinstance(chain, str)})
            departed = teacher is not None and teacher.has_left(as_of)
            rows.append({
                "teacher_code": code, "teacher_name": teacher.name if teacher else None,
                "subject": teacher.subject if teacher else None, "status": _status(teacher, as_of),
                "pending": len(group), "overdue": int(group["is_overdue"].sum()),
                "oldest_days_waiting": group["days_waiting"].max(),
                "proxy": "、".join(proxies) if proxies else ("無可代理教師" if departed else None),
                "proxy_chain": "；".join(chains) if chains else None,
            })
        columns = ["teacher_code", "teacher_name", "subject", "status", "pending", "overdue", "oldest_days_waiting",
                   "proxy", "proxy_chain"]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.sort_values(["overdue", "pending"], ascending=False).reset_index(drop=True)

    # -- 檢核結果 ---------------------------------------------------------------------------------

    def gate_overview(self, year: int, school: str | None = None) -> GateOverview:
        """Latest gate run per school of the year and its rule counts; a 導師 gets the own class's counts."""
        self._require(Role.AUTHORITY, *SCHOOL_STAFF, Role.HOMEROOM_TEACHER)
        if school is not None:
            self._require_school(school)
        elif not self.scope.sees_all_schools:
            school = self.scope.school_code
        empty = GateOverview(runs=pd.DataFrame(), rules=pd.DataFrame(), totals={}, row_level=self.scope.sees_student_rows)
        if not self.has_table("gate", "runs"):
            return empty
        where, params = "where academic_year = ?", [year]
        if school is not None:
            where += " and school_code = ?"
            params.append(school)
        runs = self._frame(f"""
            select * from gate.runs {where}
            qualify row_number() over (partition by school_code
                order by (term is null) desc, checked_at desc, run_id desc) = 1
            order by school_code
        """, *params)
        if runs.empty:
            return empty
        run_ids = runs["run_id"].tolist()
        marks = ", ".join("?" for _ in run_ids)
        if self.scope.role is Role.HOMEROOM_TEACHER:
            classes = self._own_classes(school, year)
            rules = self._frame(f"""
                with rules as (
                    select distinct rule_id, severity, rule_title from gate.rule_results where run_id in ({marks})
                ),
                rows as (
                    select rule_id, count(*) as violations from gate.rule_violations
                    where run_id in ({marks}) and list_contains(?::varchar[], class_code)
                    group by rule_id
                )
                select ? as school_code, rules.rule_id, rules.severity, rules.rule_title,
                       coalesce(rows.violations, 0) as violations
                from rules left join rows on rules.rule_id = rows.rule_id
                order by rules.rule_id
            """, *run_ids, *run_ids, classes, school)
            runs = runs.assign(error_violations=int(rules.loc[rules["severity"] == "error", "violations"].sum()),
                               warning_violations=int(rules.loc[rules["severity"] == "warning", "violations"].sum()))
            runs["passed"] = runs["error_violations"] == 0
        else:
            rules = self._frame(f"""
                select school_code, rule_id, severity, rule_title, violations from gate.rule_results
                where run_id in ({marks}) order by school_code, rule_id
            """, *run_ids)
        totals = {
            "schools": len(runs), "passed": int(runs["passed"].sum()),
            "errors": int(runs["error_violations"].sum()), "warnings": int(runs["warning_violations"].sum()),
            "checked_at": runs["checked_at"].max(), "as_of": runs["as_of"].max(),
        }
        return GateOverview(runs=self.with_school_names(runs), rules=self.with_school_names(rules), totals=totals, row_level=self.scope.sees_student_rows,
                            class_scoped=self.scope.role is Role.HOMEROOM_TEACHER)

    def gate_rows(self, school: str, year: int, rule_id: str) -> pd.DataFrame:
        """The offending rows of one rule in the school's latest run (a 導師: own class only)."""
        self._require(*SCHOOL_STAFF, Role.HOMEROOM_TEACHER)
        self._require_school(school)
        run = self._latest_gate_run(school, year)
        if run is None:
            return pd.DataFrame()
        sql = """
            with students as (
                select student_number, any_value(student_name) as student_name from marts.fct_student_completion
                where school_code = ? group by student_number
            ),
            outcomes as (
                select outcome_id, subject_name, title, summary_excerpt from marts.fct_course_outcomes where school_code = ?
            ),
            teachers as (
                select teacher_code, teacher_name from marts.dim_teachers where school_code = ?
            )
            select violations.rule_id, violations.severity, violations.item_term, violations.class_code,
                   violations.seat_number, violations.student_number, students.student_name, violations.item_key,
                   outcomes.subject_name, outcomes.title, outcomes.summary_excerpt, violations.value,
                   violations.limit_value, violations.teacher_code, teachers.teacher_name, violations.proxy_code,
                   proxies.teacher_name as proxy_name
            from gate.rule_violations as violations
            left join students on students.student_number = violations.student_number
            left join outcomes on outcomes.outcome_id = violations.item_key
            left join teachers on teachers.teacher_code = violations.teacher_code
            left join teachers as proxies on proxies.teacher_code = violations.proxy_code
            where violations.run_id = ? and violations.rule_id = ?
        """
        params: list = [school, school, school, run["run_id"], rule_id]
        if self.scope.role is Role.HOMEROOM_TEACHER:
            sql += " and list_contains(?::varchar[], violations.class_code)"
            params.append(self._own_classes(school, year))
        return self._frame(sql + " order by violations.class_code, violations.seat_number, violations.student_number, "
                           "violations.item_key", *params)

    # -- 提交與收訖 -------------------------------------------------------------------------------

    def _submissions_frame(self, school: str | None, year: int | None = None) -> pd.DataFrame:
        """Every recorded (re-)submission with its latest integrity check and latest receipt reconciliation."""
        if not self.has_table("submissions", "submissions"):
            return pd.DataFrame()
        has_checks = self.has_table("submissions", "verifications")
        has_receipts = self.has_table("submissions", "reconciliations")
        where, params = [], []
        if school is not None:
            where.append("submissions.school_code = ?")
            params.append(school)
        if year is not None:
            where.append("submissions.academic_year = ?")
            params.append(year)
        checks = """left join (
                select submission_id, bool_and(status = 'ok') as is_intact, max(checked_at) as checked_at
                from submissions.verifications
                where (submission_id, checked_at) in (
                    select (submission_id, max(checked_at)) from submissions.verifications group by submission_id)
                group by submission_id
            ) as checks on checks.submission_id = submissions.submission_id""" if has_checks else ""
        check_columns = "checks.is_intact, checks.checked_at" if has_checks else \
            "null::boolean as is_intact, null::timestamp as checked_at"
        receipts = """left join (
                select * from submissions.reconciliations
                qualify row_number() over (partition by submission_id order by reconciled_at desc, reconciliation_id desc) = 1
            ) as receipts on receipts.submission_id = submissions.submission_id""" if has_receipts else ""
        receipt_columns = ("receipts.reconciliation_id, receipts.reconciled_at, receipts.received, receipts.rejected, "
                           "receipts.missing, receipts.unexpected") if has_receipts else (
            "null::varchar as reconciliation_id, null::timestamp as reconciled_at, null::bigint as received, "
            "null::bigint as rejected, null::bigint as missing, null::bigint as unexpected")
        # the units column came later: a copy published from an older warehouse has none
        units = "submissions.submitting_units" if self.has_column("submissions", "submissions", "submitting_units") \
            else "null::varchar as submitting_units"
        return self._frame(f"""
            select submissions.school_code, submissions.academic_year, submissions.term, submissions.revision,
                   submissions.folder, submissions.replaces, submissions.submitted_at, submissions.submitted_by,
                   submissions.is_partial, submissions.gate_passed, submissions.excluded_entries,
                   submissions.rows_submitted, submissions.submission_id, {units}, {check_columns}, {receipt_columns}
            from submissions.submissions as submissions
            {checks}
            {receipts}
            {"where " + " and ".join(where) if where else ""}
            order by submissions.school_code, submissions.academic_year desc, submissions.term, submissions.revision desc
        """, *params)

    def _school_submissions(self, school: str) -> pd.DataFrame:
        return self._submissions_frame(school)

    def submissions(self, year: int | None = None, school: str | None = None) -> Submissions:
        """Frozen submissions, re-submissions, integrity checks and receipt discrepancies.

        Submissions are school-level records; the discrepancy rows (one per student item) are for a 系統管理者
        of the school only, 教育主管機關 get their counts.
        """
        self._require(Role.AUTHORITY, *SCHOOL_STAFF)
        if school is not None:
            self._require_school(school)
        elif not self.scope.sees_all_schools:
            school = self.scope.school_code
        if not self.has_table("submissions", "submissions"):
            return Submissions(available=False, row_level=self.scope.sees_student_rows)
        frame = self._submissions_frame(school, year)
        counts = ("received", "rejected", "missing", "unexpected")  # empty until the receipt is reconciled
        per_school = frame.groupby("school_code", as_index=False).agg(
            submissions=("submission_id", "count"), resubmissions=("revision", lambda revisions: int((revisions > 0).sum())),
            rows_submitted=("rows_submitted", "sum"), **{count: (count, "sum") for count in counts},
        ) if len(frame) else pd.DataFrame()
        reconciled = frame["reconciliation_id"].notna() if len(frame) else pd.Series(dtype=bool)
        totals = {count: int(frame[count].fillna(0).sum()) if len(frame) else 0 for count in counts}
        totals |= {
            "submissions": len(frame), "resubmissions": int((frame["revision"] > 0).sum()) if len(frame) else 0,
            "schools": int(frame["school_code"].nunique()) if len(frame) else 0, "reconciled": int(reconciled.sum()),
            "not_intact": int(frame["is_intact"].eq(False).sum()) if len(frame) else 0,
        }
        totals["received_rate"] = _rate(totals["received"], totals["received"] + totals["rejected"] + totals["missing"])
        discrepancies = pd.DataFrame()
        if self.scope.sees_student_rows and reconciled.any() and self.has_table("submissions", "reconciliation_items"):
            ids = frame.loc[reconciled, "reconciliation_id"].tolist()
            marks = ", ".join("?" for _ in ids)
            discrepancies = self._with_item_names(self._frame(f"""
                select school_code, academic_year, term, workbook, sheet, class_code, seat_number, student_number,
                       national_id_masked, item_key_shown, outcome, reason, receipt_line
                from submissions.reconciliation_items
                where reconciliation_id in ({marks}) and outcome <> 'received'
                order by academic_year desc, term, outcome, class_code, seat_number
            """, *ids))
        return Submissions(available=True, submissions=self.with_school_names(frame),
                           discrepancies=discrepancies, per_school=self.with_school_names(per_school), totals=totals,
                           row_level=self.scope.sees_student_rows)

    def confirmations(self, year: int, as_of: dt.date, school: str | None = None) -> Confirmations:
        """Each reconciled term's confirmation progress; the open dispute cases (by roster and by class, owner
        unit, due date and days left from `as_of`) for the school's staff only, counts for 教育主管機關."""
        self._require(Role.AUTHORITY, *SCHOOL_STAFF)
        if school is not None:
            self._require_school(school)
        elif not self.scope.sees_all_schools:
            school = self.scope.school_code
        row_level = self.scope.sees_student_rows
        if not self.has_table("submissions", "confirmation_terms"):
            return Confirmations(row_level=row_level)
        where, params = "where academic_year = ?", [year]
        if school is not None:
            where += " and school_code = ?"
            params.append(school)
        terms = self._frame(f"select * from submissions.confirmation_terms {where} order by school_code, term", *params)
        terms["window_closes"] = _dates(terms["window_closes"])
        totals = {name: int(terms[name].sum()) if len(terms) else 0 for name in CONFIRMATION_COUNTS}
        totals["terms"] = len(terms)
        if not row_level or terms.empty or not self.has_table("submissions", "confirmation_cases"):
            return Confirmations(terms=self.with_school_names(terms), totals=totals, row_level=row_level)
        cases = self._with_item_names(self._frame(f"""
            select cases.*, students.student_name
            from submissions.confirmation_cases as cases
            left join marts.fct_student_completion as students
                on students.school_code = cases.school_code and students.academic_year = cases.academic_year
                and students.term = cases.term and students.student_number = cases.student_number
            where cases.academic_year = ? and cases.is_open {"and cases.school_code = ?" if school is not None else ""}
            order by cases.due_date, cases.class_code, cases.seat_number, cases.case_id
        """, *params))
        cases["due_date"] = _dates(cases["due_date"])
        cases["days_left"] = pd.array([_days_left(day, as_of) for day in cases["due_date"]], dtype="Int64")
        by_roster = cases.groupby(["school_code", "workbook", "owner_unit"], as_index=False).agg(
            open_cases=("case_id", "count"), earliest_due=("due_date", "min")) if len(cases) else pd.DataFrame()
        by_class = cases.assign(class_code=cases["class_code"].fillna("未分班")).groupby(
            ["school_code", "academic_year", "term", "class_code"], as_index=False).agg(
            open_cases=("case_id", "count"), students=("student_number", "nunique"),
            earliest_due=("due_date", "min")) if len(cases) else pd.DataFrame()
        return Confirmations(terms=self.with_school_names(terms), cases=cases, by_roster=by_roster, by_class=by_class,
                             totals=totals, row_level=row_level)


def folder_label(term: int) -> str:
    """A term's folder in words: 第 1 學期名冊, or 全學年名冊 for the whole-year folder."""
    return "全學年名冊" if term == WHOLE_YEAR else f"第 {term} 學期名冊"


def _status(teacher, as_of: dt.date) -> str | None:
    if teacher is None:
        return "不在教師名單"
    if teacher.has_left(as_of):
        return "離職"
    if teacher.is_on_leave:
        return "留職停薪"
    return "在職"


def _only(students: pd.DataFrame, advisees: list[str] | None) -> pd.DataFrame:
    """The rows of `students` among the advisees (all of them when there is no advisee filter)."""
    if advisees is None:
        return students
    return students[students["student_number"].isin(advisees)].reset_index(drop=True)


def _with_missing(students: pd.DataFrame, receipts: pd.DataFrame) -> pd.DataFrame:
    """What each student still has to do, in words a homeroom teacher reads out: uploads, certification,
    selections (勾選), diverse performances and confirming the ministry's receipt."""
    students = students.copy()
    not_received = dict(zip(receipts["student_number"], receipts["not_received"]))
    missing = []
    for row in students.itertuples():
        found = []
        if row.outcomes_uploaded == 0:
            found.append("尚未上傳課程學習成果")
        if row.outcomes_failed > 0:
            found.append(f"{row.outcomes_failed} 件認證未通過，待修正")
        if row.outcomes_pending > 0:
            found.append(f"{row.outcomes_pending} 件待教師認證")
        if row.outcomes_certified > 0 and row.outcomes_selected == 0:
            found.append("尚未勾選課程學習成果")
        if row.performances_entered == 0:
            found.append("尚未登錄多元表現")
        elif row.performances_selected == 0:
            found.append("尚未勾選多元表現")
        if not_received.get(row.student_number):
            found.append(f"收訖明細有 {not_received[row.student_number]} 件未收訖，請確認")
        missing.append("；".join(found))
    students["missing"] = missing
    students["missing_count"] = [len(text.split("；")) if text else 0 for text in missing]
    return students


def _with_risk(students: pd.DataFrame) -> pd.DataFrame:
    """At risk: nothing certified this term. The reason says what is missing."""
    students = students.copy()
    reasons = []
    for row in students.itertuples():
        found = []
        if row.outcomes_certified > 0:
            reasons.append("")
            continue
        if row.outcomes_uploaded == 0:
            found.append("尚未上傳")
        if row.outcomes_pending > 0:
            found.append(f"待認證 {row.outcomes_pending} 件")
        if row.outcomes_failed > 0:
            found.append(f"未通過 {row.outcomes_failed} 件待修正")
        if row.outcomes_not_in_review > 0:
            found.append(f"未送審 {row.outcomes_not_in_review} 件")
        reasons.append("、".join(found))
    students["is_at_risk"] = students["outcomes_certified"] == 0 if len(students) else pd.Series(dtype=bool)
    students["risk_reason"] = reasons
    return students
