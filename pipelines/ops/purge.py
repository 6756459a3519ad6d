"""Retention (補充規定: 離校生之學習歷程檔案資料，保存 N 年；達保存年限後，始得刪除).

Who: a student whose **latest** term at a school has a leaving status (轉出, 退學, 畢業:
``fct_student_terms.is_leaver``) and who left that school more than its ``retention_years`` ago. The
leaving day is the term's 學籍異動日期, or, when the registry gives none, the end of that term (term 1:
31 January, term 2: 31 July; the 學年度 runs August to July). A student who came back later is not a
leaver. Each school decides for its own records: a student who transferred from A to B is purged from
A's records after A's retention period and stays with B, which holds him now.

Where: every table that carries the student's school and student number (raw, staging tables, marts,
gate results, ops lists, the national mart), tables keyed by his course outcomes (certification events),
quarantined values equal to his student number or national ID; in the live warehouse, the published
copy, every backup, leftover build copies, and generated report files (gate reports, exports, reminder
lists) that name him: such a file is deleted whole (re-run the report to regenerate it without him).
A frozen submission is never edited: its files that name him are kept, and the audit event lists each
as retained outside the purge, so `portfolio verify` stays clean.

``plan_purge`` only reads; ``apply_purge`` deletes (one transaction per database file) and writes an
audit event with the counts and the keys (school, student number, last term), never content. The audit
log is how a purge outlives newer deliveries: ``reapply_purges`` (run by every build before it swaps the
new warehouse in) removes a purged student again if a school's new export still lists him.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.ops.tombstones import collect_student_keys, load_keys, purge_database
from pipelines.settings import Settings

DEFAULT_RETENTION_YEARS = 5
TERM_END = {1: (1, 31), 2: (7, 31)}  # (month, day) in the Gregorian year after the 學年度 starts
ROC_OFFSET = 1911
RETAINED_REASON = "已提交（凍結）的中央資料庫名冊，不在清除範圍內；依規定保留，更正須重新提交"
REPORT_SUFFIXES = (".json", ".html", ".htm", ".csv", ".txt", ".md", ".xlsx", ".zip")


@dataclass(frozen=True)
class Leaver:
    school_code: str
    student_number: str
    last_academic_year: int
    last_term: int
    class_code: str | None
    seat_number: int | None
    enrolment_status: str
    left_date: dt.date
    left_date_is_term_end: bool  # the registry gave no 學籍異動日期
    retention_years: int

    @property
    def kept_until(self) -> dt.date:
        return _add_years(self.left_date, self.retention_years)

    def key(self) -> dict:
        return {"school": self.school_code, "student_number": self.student_number,
                "last_term": f"{self.last_academic_year}-{self.last_term}"}


@dataclass
class PurgePlan:
    as_of: dt.date
    leavers: list[Leaver]
    national_ids: dict[str, set[str]]  # school → IDs of its leavers (in memory only, never printed)
    outcome_ids: dict[str, set[str]]
    rows: dict[str, int] = field(default_factory=dict)  # "<file label>:<schema>.<table>" → rows
    files: list[Path] = field(default_factory=list)  # generated reports naming a leaver
    retained: list[Path] = field(default_factory=list)  # files of frozen submissions naming a leaver: kept
    databases: list[Path] = field(default_factory=list)  # other DuckDB files: published copy, backups
    scratch: list[Path] = field(default_factory=list)  # leftover build copies, deleted whole

    @property
    def by_school(self) -> dict[str, list[Leaver]]:
        grouped: dict[str, list[Leaver]] = defaultdict(list)
        for leaver in self.leavers:
            grouped[leaver.school_code].append(leaver)
        return dict(grouped)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def term_end(academic_year: int, term: int) -> dt.date:
    month, day = TERM_END.get(term, TERM_END[2])
    return dt.date(academic_year + ROC_OFFSET + 1, month, day)


# --- who -------------------------------------------------------------------------------------------

def find_leavers(con: duckdb.DuckDBPyConnection, as_of: dt.date, schools: Iterable[str] | None = None,
                 *, database: str | None = None) -> list[Leaver]:
    """Leavers past their school's retention period on `as_of` (needs marts.fct_student_terms)."""
    prefix = f'"{database}".' if database else ""
    has_policies = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'school_policies'"
        + (" and database_name = ?" if database else ""), [database] if database else [],
    ).fetchall()[0][0]
    policies = (f"left join (select school_code, any_value(retention_years) as retention_years "
                f"from {prefix}raw.school_policies group by 1) policies using (school_code)") if has_policies else ""
    retention = "coalesce(policies.retention_years, ?)" if has_policies else "?"
    rows = con.execute(
        f"""select terms.school_code, terms.student_number, terms.academic_year, terms.term, terms.class_code,
                   terms.seat_number, terms.enrolment_status, terms.status_changed_date, {retention}
            from {prefix}marts.fct_student_terms terms {policies}
            where terms.is_latest_term and terms.is_leaver
            order by 1, 2""",
        [DEFAULT_RETENTION_YEARS],
    ).fetchall()
    wanted = set(schools or [])
    leavers = []
    for school, number, year, term, class_code, seat, status, changed, retention_years in rows:
        if wanted and school not in wanted:
            continue
        changed = changed.date() if isinstance(changed, dt.datetime) else changed
        left = changed or term_end(year, term)
        leaver = Leaver(school, number, year, term, class_code, seat, status, left, changed is None,
                        int(retention_years or DEFAULT_RETENTION_YEARS))
        if as_of > leaver.kept_until:
            leavers.append(leaver)
    return leavers


# --- where -----------------------------------------------------------------------------------------


# --- reports ---------------------------------------------------------------------------------------

def report_roots(settings: Settings, extra: Iterable[Path] = ()) -> list[Path]:
    """Where generated files naming students live: gate reports, exports, reminder lists (+ `extra`)."""
    roots = [*settings.output_dirs, *extra]
    unique = []
    for root in roots:
        resolved = Path(root).absolute()
        if resolved not in unique:
            unique.append(resolved)
    return unique


def _token_pattern(tokens: set[str]) -> re.Pattern | None:
    if not tokens:
        return None
    alternatives = "|".join(re.escape(token) for token in sorted(tokens, key=len, reverse=True))
    return re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])")


def _file_mentions(path: Path, tokens: set[str], pattern: re.Pattern) -> bool:
    if path.suffix.lower() == ".zip":  # an exchange package: JSON members
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                return any(pattern.search(archive.read(member).decode("utf-8", errors="replace"))
                           for member in archive.namelist())
        except (OSError, zipfile.BadZipFile):
            return False  # not an archive we can read: leave it
    if path.suffix.lower() == ".xlsx":
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception:
            return False  # not a workbook we can read: leave it
        try:
            for sheet in workbook.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    if any(value is not None and str(value).strip() in tokens for value in row):
                        return True
        finally:
            workbook.close()
        return False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return pattern.search(text) is not None


def find_report_files(roots: Iterable[Path], plan: PurgePlan) -> list[Path]:
    """Generated files under a school's folder that name one of its leavers (student number or ID),
    frozen submissions' files included (split off by `frozen_files`)."""
    tokens_by_school = {
        school: {leaver.student_number for leaver in leavers} | plan.national_ids.get(school, set())
        for school, leavers in plan.by_school.items()
    }
    found = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix.lower() not in REPORT_SUFFIXES:
                continue
            schools = [part for part in path.relative_to(root).parts if part in tokens_by_school]
            tokens = set().union(*(tokens_by_school[school] for school in schools)) if schools else set()
            pattern = _token_pattern(tokens)
            if pattern is not None and _file_mentions(path, tokens, pattern):
                found.append(path)
    return found


def frozen_files(files: list[Path], warehouse: Path) -> list[Path]:
    """Of `files`, those inside a submitted (frozen) folder: nothing may edit a submission, purge included
    (the regulations let the school keep what it submitted; a correction is a re-submission)."""
    from pipelines.export.layout import SUBMITTED_MARKER
    from pipelines.export.submission import recorded_submissions

    recorded = {submitted.folder_path for submitted in recorded_submissions(warehouse)}
    return [path for path in files if (path.parent / SUBMITTED_MARKER).exists() or path.parent.absolute() in recorded]


# --- plan and apply --------------------------------------------------------------------------------

def _other_databases(settings: Settings) -> list[Path]:
    from pipelines.ops.files import list_snapshots

    published = settings.published.parent
    copies = sorted(published.glob("*.duckdb")) if published.is_dir() else []
    return [*copies, *(snapshot.path for snapshot in list_snapshots(settings))]


def _attach(con: duckdb.DuckDBPyConnection, path: Path, alias: str, *, read_only: bool) -> None:
    from pipelines.ops.files import retrying

    mode = " (read_only)" if read_only else ""
    sql = f"attach '{str(path).replace(chr(39), chr(39) * 2)}' as \"{alias}\"{mode}"
    retrying(lambda: con.execute(sql), path)


def plan_purge(settings: Settings, as_of: dt.date, *, schools: Iterable[str] | None = None,
               report_dirs: Iterable[Path] = ()) -> PurgePlan:
    """What `apply_purge` would remove; reads only."""
    from pipelines.ops.files import scratch_files

    with duckdb.connect() as con:
        _attach(con, settings.warehouse, "warehouse", read_only=True)
        leavers = find_leavers(con, as_of, schools, database="warehouse")
        students = [(leaver.school_code, leaver.student_number) for leaver in leavers]
        national_ids, outcome_ids = collect_student_keys(con, "warehouse", students)
        plan = PurgePlan(as_of=as_of, leavers=leavers, national_ids=national_ids, outcome_ids=outcome_ids)
        if not leavers:
            return plan
        load_keys(con, students, national_ids, outcome_ids)
        plan.rows = {f"warehouse:{name}": rows for name, rows in purge_database(con, "warehouse", apply=False).items()}
    plan.databases = _other_databases(settings)
    plan.scratch = scratch_files(settings.warehouse)
    files = find_report_files(report_roots(settings, report_dirs), plan)
    plan.retained = frozen_files(files, settings.warehouse)
    plan.files = [path for path in files if path not in plan.retained]
    return plan


def apply_purge(settings: Settings, plan: PurgePlan, *, actor: str | None = None) -> dict:
    """Remove the plan's students everywhere and audit it; the audit event's details."""
    from pipelines.ops.audit import record_audit, sync_audit_table
    from pipelines.ops.files import remove_database, warehouse_lock

    if not plan.leavers:
        return {}
    students = [(leaver.school_code, leaver.student_number) for leaver in plan.leavers]
    removed: dict[str, int] = {}
    with warehouse_lock(settings.warehouse):
        from pipelines.ops.recovery import recover_locked

        recover_locked(settings)  # a one-school build that did not finish is undone before anything is purged
        with duckdb.connect() as con:
            load_keys(con, students, plan.national_ids, plan.outcome_ids)
            _attach(con, settings.warehouse, "warehouse", read_only=False)
            removed.update({f"warehouse:{k}": v for k, v in purge_database(con, "warehouse", apply=True).items()})
            con.execute("detach warehouse")
            for index, path in enumerate(plan.databases):
                label = path.name
                if path.parent == settings.published.parent:
                    removed.update({f"{label}:{k}": v for k, v in _purge_copy(con, path, index).items()})
                elif path.exists():
                    _attach(con, path, f"other{index}", read_only=False)
                    removed.update({f"{label}:{k}": v for k, v in purge_database(con, f"other{index}", apply=True).items()})
                    con.execute(f'detach "other{index}"')
        for path in plan.scratch:
            remove_database(path)
        files = []
        for path in plan.files:
            try:
                path.unlink()
                files.append(path)
            except FileNotFoundError:
                pass
        details = {
            "as_of": plan.as_of.isoformat(),
            "students": [leaver.key() for leaver in plan.leavers],
            "rows_removed": removed,
            "files_removed": [str(path) for path in files],
            "files_retained": [{"file": str(path), "reason": RETAINED_REASON} for path in plan.retained],
            "scratch_removed": [path.name for path in plan.scratch],
            "databases": [path.name for path in plan.databases],
        }
        record_audit(settings, "purge", details=details, actor=actor)
        try:
            with duckdb.connect(str(settings.warehouse)) as con:
                sync_audit_table(con, settings)
        except duckdb.Error:
            pass  # the log has the event; the next build mirrors it into audit.events
    return details


def _purge_copy(con: duckdb.DuckDBPyConnection, path: Path, index: int) -> dict[str, int]:
    """A published copy others read: purge a copy of it, then rename it into place (readers never block us)."""
    staged = path.with_name(f".{path.name}.purging")
    shutil.copyfile(path, staged)
    alias = f"published{index}"
    _attach(con, staged, alias, read_only=False)
    try:
        counts = purge_database(con, alias, apply=True)
        con.execute(f'checkpoint "{alias}"')
    finally:
        con.execute(f'detach "{alias}"')
    os.replace(staged, path)
    return counts


# --- after a build ---------------------------------------------------------------------------------


