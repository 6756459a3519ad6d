"""Export a school's 名冊 for one academic year and term (0: the whole-year rosters), as exports.md lays out.

`export_school` asks the gate (pipelines.gate.core.run_gate) first: when an error rule that concerns the
folder's files has violations (pipelines/export/gating.py) it writes nothing, unless a partial export
is asked for, which leaves the offending items out and lists them in the manifest. The rows come from
dbt's export models (schema `exports`), read with a short read-only connection. The folder is written
beside the target under a temporary name and renamed into place, so a reader never sees half a folder;
a submitted folder is never written (pipelines/export/submission.py decides the target).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.export.gating import GateVerdict, apply_exclusions, verdict_for
from pipelines.export.layout import EXPORT_SCHEMA, MANIFEST, SUBMITTED_MARKER, TERMS, Workbook, folder_name, workbooks_for
from pipelines.export.submission import Target, audit, now_taipei, plan_target, verify_folder
from pipelines.export.workbook import WorkbookMismatch, read_rows, sha256_of, write_workbook
from pipelines.settings import Settings

WRITTEN, UNCHANGED, BLOCKED = "written", "unchanged", "blocked"


class ExportError(Exception):
    """The export cannot run (no such school or year, a warehouse without the export models)."""


@dataclass
class ExportOutcome:
    school: str
    academic_year: int
    term: int
    status: str  # written | unchanged (same as the latest submission: nothing written) | blocked
    verdict: GateVerdict
    folder: Path | None = None
    revision: int | None = None
    replaces: str | None = None
    rows: dict[str, int] = field(default_factory=dict)  # workbook file → data rows
    excluded_rows: int = 0
    partial: bool = False
    warnings: list[str] = field(default_factory=list)  # e.g. a frozen folder found changed by hand

    @property
    def label(self) -> str:
        return folder_name(self.academic_year, self.term, self.revision or 0)


def read_folder_rows(warehouse: Path, workbooks: Iterable[Workbook], school: str, year: int,
                     term: int, *, con=None) -> dict[str, pl.DataFrame]:
    """Each workbook's model rows of one school, year and term, in the order they are written, as polars
    frames (through Arrow: no Python object per value, the writer works on whole columns). On `con`, or
    one short read-only connection: opening one (cold caches) costs more than reading a school's model."""
    from pipelines.warehouse import connect, table_exists

    if con is None:
        with connect(warehouse, read_only=True) as own:
            return read_folder_rows(warehouse, workbooks, school, year, term, con=own)
    frames: dict[str, pl.DataFrame] = {}
    for workbook in workbooks:
        if not table_exists(con, EXPORT_SCHEMA, workbook.model):
            raise ExportError(f"倉儲缺少 {EXPORT_SCHEMA}.{workbook.model}：請先執行 portfolio build")
        order = ["class_code nulls last", "seat_number nulls last", "student_number", *workbook.order_by, "item_key"]
        if workbook.sheet_column:
            order.insert(0, "sheet_order")
        frames[workbook.model] = con.sql(
            f"select * from {EXPORT_SCHEMA}.{workbook.model} where school_code = ? and academic_year = ? and term = ? "
            f"order by {', '.join(order)}", params=[school, year, term]).pl()
    return frames


def _gate(warehouse: Path, school: str, year: int, as_of: dt.date | None):
    from expectations.runner import GateError
    from pipelines.gate.core import run_gate

    try:
        return run_gate(warehouse, school, year, None, as_of)
    except GateError as error:
        raise ExportError(str(error)) from None


def export_school(settings: Settings, out: Path, school: str, year: int, term: int, *, allow_partial: bool = False,
                  as_of: dt.date | None = None, gate_result=None, rows: dict[str, pl.DataFrame] | None = None,
                  con=None) -> ExportOutcome:
    """Write (or refuse to write) the folder of one school, year and term under `out`.

    `gate_result`: a GateResult of this school and year already computed (export_all runs the gate
    once for the three folders of a year); `rows`: the folder's model rows already read
    (`read_folder_rows`); `con`: an open read-only connection to the warehouse for what is still to read
    (the school's submissions). Every outcome is recorded in the audit log.
    """
    outcome = _export(settings.warehouse, out, school, year, term, allow_partial=allow_partial, as_of=as_of,
                      gate_result=gate_result, rows=rows, con=con)
    audit(settings, "export", school=school, year=year, term=term, details={
        "status": outcome.status, "folder": str(outcome.folder) if outcome.folder else None, "revision": outcome.revision,
        "replaces": outcome.replaces, "partial": outcome.partial, "rows": outcome.rows,
        "excluded_rows": outcome.excluded_rows, "gate_passed": outcome.verdict.passed,
        "failed_rules": list(outcome.verdict.failed_rules),
    })
    return outcome


def _export(warehouse: Path, out: Path, school: str, year: int, term: int, *, allow_partial: bool,
            as_of: dt.date | None, gate_result, rows: dict[str, pl.DataFrame] | None = None, con=None) -> ExportOutcome:
    if term not in TERMS:
        raise ExportError(f"學期應為 1、2 或 0（全學年），收到 {term}")
    gate_result = gate_result or _gate(warehouse, school, year, as_of)
    verdict = verdict_for(gate_result, term)
    outcome = ExportOutcome(school, year, term, BLOCKED, verdict)
    if not verdict.passed and not allow_partial:
        return outcome
    partial = not verdict.passed

    workbooks = workbooks_for(term)
    rows = rows if rows is not None else read_folder_rows(warehouse, workbooks, school, year, term)
    kept, exclusions = apply_exclusions(rows, verdict, partial=partial)
    target = plan_target(out, warehouse, school, year, term, con=con)
    if target.latest_submitted is not None:
        check = verify_folder(target.latest_submitted)
        if not check.intact:
            outcome.warnings.append(f"已提交的 {target.latest_submitted.folder_path} 遭到變更："
                                    + "；".join(finding.message for finding in check.findings))

    target.folder.parent.mkdir(parents=True, exist_ok=True)
    staging = target.folder.with_name(f".{target.folder.name}.writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        files = []
        for workbook in workbooks:
            name = workbook.file_name(year, term)
            sheets = write_workbook(staging / name, workbook, school, year, term, kept[workbook.model])
            files.append({"name": name, "sheets": sheets, "sha256": sha256_of(staging / name)})
        outcome.rows = {entry["name"]: sum(entry["sheets"].values()) for entry in files}
        outcome.excluded_rows, outcome.partial = exclusions.rows_left_out, partial
        if _same_as_submitted(files, target, staging, workbooks):
            shutil.rmtree(staging)
            outcome.status, outcome.folder = UNCHANGED, target.latest_submitted.folder_path
            outcome.revision = target.latest_submitted.revision
            return outcome
        manifest = {
            "school": school, "academic_year": year, "term": term,
            "generated_at": now_taipei().isoformat(),
            "gate": verdict.manifest_block(),
            "partial": partial,
            "excluded": exclusions.manifest_list(),
            "files": files,
            "revision": target.revision,
            "replaces": target.replaces,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _replace_draft(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    outcome.status, outcome.folder, outcome.revision, outcome.replaces = WRITTEN, target.folder, target.revision, target.replaces
    return outcome


def _same_as_submitted(files: list[dict[str, Any]], target: Target, staging: Path, workbooks: Iterable[Workbook]) -> bool:
    """Every workbook the same as in the latest submission: a re-submission would change nothing.

    Byte for byte first; when the bytes differ (a file written by an earlier version of the workbook
    writer), the same sheets with the same rows, value for value, count as the same.
    """
    submitted = target.latest_submitted
    if submitted is None or not submitted.files:
        return False
    if {entry["name"]: entry["sha256"] for entry in files} == submitted.files:
        return True
    if {entry["name"] for entry in files} != set(submitted.files):
        return False
    by_file = {workbook.file_name(submitted.year, submitted.term): workbook for workbook in workbooks}
    for entry in files:
        old, new = submitted.folder_path / entry["name"], staging / entry["name"]
        workbook = by_file.get(entry["name"])
        if workbook is None or not old.is_file():
            return False
        try:
            if [(row.sheet, row.values) for row in read_rows(old, workbook)] != \
                    [(row.sheet, row.values) for row in read_rows(new, workbook)]:
                return False
        except WorkbookMismatch:
            return False
    return True


def _replace_draft(staging: Path, target: Target) -> None:
    """Move the finished folder into place; an existing folder there is an unsubmitted draft."""
    if target.folder.exists():
        if (target.folder / SUBMITTED_MARKER).exists():  # plan_target never picks a frozen folder; belt and braces
            raise ExportError(f"{target.folder} 已提交，不能覆寫")
        shutil.rmtree(target.folder)
    staging.rename(target.folder)


def latest_years(warehouse: Path, schools: Iterable[str] | None = None) -> dict[str, list[int]]:
    from expectations.runner import GateError
    from pipelines.gate.core import available_years

    try:
        years = available_years(warehouse)
    except GateError as error:
        raise ExportError(str(error)) from None
    wanted = set(schools or [])
    return {school: school_years for school, school_years in years.items() if not wanted or school in wanted}


def export_all(settings: Settings, out: Path, *, year: int | None = None, terms: Iterable[int] = TERMS,
               allow_partial: bool = False, as_of: dt.date | None = None, schools: Iterable[str] | None = None,
               stored_gate: bool = False, progress: Callable[[ExportOutcome], None] | None = None) -> list[ExportOutcome]:
    """Every school's folders for `year` (default each school's latest year on record): the gate runs once
    per school and year; a school whose gate fails an error rule gets a `blocked` outcome and no files
    (unless allow_partial). What `portfolio export --all` and `make demo` run.

    `stored_gate`: act on the gate's latest stored run of the school and year (gate.runs) instead of
    running it again; it runs when none is stored. For callers that come right after the gate.
    """
    jobs = []
    for school, school_years in latest_years(settings.warehouse, schools).items():
        school_year = year or (school_years[-1] if school_years else None)
        if school_year is None or school_year not in school_years:
            continue
        jobs.append(_SchoolExport(settings, out, school, school_year, tuple(terms), allow_partial, as_of, stored_gate))
    outcomes = []
    for school_outcomes in _run_school_exports(jobs):
        for outcome in school_outcomes:
            outcomes.append(outcome)
            if progress:
                progress(outcome)
    return outcomes


@dataclass(frozen=True)
class _SchoolExport:
    settings: Settings
    out: Path
    school: str
    year: int
    terms: tuple[int, ...]
    allow_partial: bool
    as_of: dt.date | None
    stored_gate: bool


def _export_school_year(job: _SchoolExport) -> list[ExportOutcome]:
    """One school's folders of one year; the gate runs (or is read from gate.runs) once for all of them.

    The stored verdict, the folders' rows and their submissions are read on one read-only connection:
    opening the national warehouse costs ~20 ms, five times per school when each read opened its own."""
    from pipelines.export.gating import stored_gate_result
    from pipelines.warehouse import connect

    with connect(job.settings.warehouse, read_only=True) as con:
        stored = stored_gate_result(job.settings.warehouse, job.school, job.year, con=con) if job.stored_gate else None
        if stored is not None:
            return _export_folders(job, stored, con)
    gate_result = _gate(job.settings.warehouse, job.school, job.year, job.as_of)  # opens its own connections
    with connect(job.settings.warehouse, read_only=True) as con:
        return _export_folders(job, gate_result, con)


def _export_folders(job: _SchoolExport, gate_result, con) -> list[ExportOutcome]:
    wanted = [term for term in job.terms if term in TERMS and (job.allow_partial or verdict_for(gate_result, term).passed)]
    rows = {term: read_folder_rows(job.settings.warehouse, workbooks_for(term), job.school, job.year, term, con=con)
            for term in wanted}
    return [export_school(job.settings, job.out, job.school, job.year, term, allow_partial=job.allow_partial,
                          as_of=job.as_of, gate_result=gate_result, rows=rows.get(term), con=con)
            for term in job.terms]


EXPORT_WORKERS_MIN_SCHOOLS = 8  # fewer schools than this are exported in this process


def _run_school_exports(jobs: list[_SchoolExport]):
    """Each job's outcomes, in job order. Writing workbooks is CPU work (each sheet's XML built in polars,
    then deflated by zlib on one core) and schools are independent (their own folders, read-only
    warehouse connections, append-only audit log), so many schools are exported by worker processes,
    one school at a time each (PORTFOLIO_EXPORT_WORKERS, default one per CPU up to 4)."""
    from pipelines.processes import spawned_pool, worker_count

    workers = worker_count("PORTFOLIO_EXPORT_WORKERS")
    if workers <= 1 or len(jobs) < EXPORT_WORKERS_MIN_SCHOOLS:
        for job in jobs:
            yield _export_school_year(job)
        return
    with spawned_pool(workers) as pool:
        yield from pool.map(_export_school_year, jobs)


def status_line(outcome: ExportOutcome) -> str:
    """One line per folder for the command line and the demo (no personal data)."""
    head = f"{outcome.school}  {outcome.academic_year}_{outcome.term}"
    if outcome.status == BLOCKED:
        rules = "、".join(f"{rule} {count} 筆" for rule, count in outcome.verdict.violations_by_rule.items())
        return f"{head}  未匯出：檢核未通過（{rules}）"
    rows = sum(outcome.rows.values())
    if outcome.status == UNCHANGED:
        return f"{head}  與已提交的 {outcome.label} 相同，無需重新提交（{rows:,} 列）"
    extra = f"，重新提交，取代 {outcome.replaces}" if outcome.replaces else ""
    partial = f"，部分匯出：排除 {outcome.excluded_rows:,} 列" if outcome.partial else ""
    return f"{head}  已寫入 {outcome.folder}  {rows:,} 列{extra}{partial}"


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, counting a CJK character as two columns."""
    import unicodedata

    shown = sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)
    return text + " " * max(width - shown, 0)


def print_export_table(outcomes: list[ExportOutcome], out: Path, *, echo: Callable[[str], None] = print) -> None:
    """The demo's closing table: one row per school and folder, then where the files are."""
    if not outcomes:
        echo("沒有可匯出的學校")
        return
    echo(f"  {_pad('學校', 8)}{_pad('資料夾', 12)}{_pad('狀態', 10)}     列數  說明")
    for outcome in outcomes:
        if outcome.status == BLOCKED:
            state, note = "未通過", "檢核未通過：" + "、".join(outcome.verdict.failed_rules)
        else:
            state = {WRITTEN: "部分匯出" if outcome.partial else "已寫入", UNCHANGED: "無變更"}[outcome.status]
            note = str(outcome.folder)
        echo(f"  {_pad(outcome.school, 8)}{_pad(outcome.label, 12)}{_pad(state, 10)}{sum(outcome.rows.values()):>9,}  {note}")
    written = sorted({outcome.school for outcome in outcomes if outcome.status != BLOCKED})
    echo(f"  匯出資料夾 {out}：{len(written)} 校有檔案" + (f"（{'、'.join(written)}）" if written else ""))
    if any(outcome.status == BLOCKED for outcome in outcomes):
        echo("  未通過檢核的資料夾未匯出：修正後重新建置，或以 portfolio export --all --allow-partial 排除問題項目後匯出")
