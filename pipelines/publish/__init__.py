"""Publishing: the read-only copy of the warehouse that the dashboards read.

DuckDB lets one process write a file and makes that writer fail while any other process holds it, so
the dashboards never open the warehouse the pipeline writes. After every build `publish` copies what
they need into a new file beside the published one and renames it into place (`os.replace`, atomic on
one file system): a dashboard mid-query keeps reading the old copy, the next query opens the new one.

What is copied:

- the marts the pages read (`DASHBOARD_TABLES`), each sorted by school so a one-school query reads
  only that school's blocks;
- the gate's stored results (schema ``gate``): every run, and the offending rows of each school's
  latest run only (older runs' rows are history nobody browses);
- the submission records (schema ``submissions``) when the export step has written any;
- ``meta.publication``: when and from where the copy was made.

A student an earlier purge removed never shows again: whatever a newer delivery brought back of him is
left out of the copy (the purge's tombstones, pipelines/ops/tombstones.py ``drop_purged_from_copy``).

A school-scoped build (``portfolio build --school``) refreshes only its schools' rows: ``publish_schools``
copies the published file, replaces those schools' rows in every table that has ``school_code`` (the rest
are copied whole again, they are small) and renames the result into place the same way.

Whole national IDs never reach the copy: a ``national_id`` / ``身分證號`` column is dropped when its
masked twin is copied too, and replaced by a masked ``<column>_masked`` (A12****789) otherwise; other
columns derived from it (``national_id_digest``) are left out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.identity import mask_national_id_sql
from pipelines.names import SUMMARY_EXCERPT_CHARS
from pipelines.ops.tombstones import drop_purged_from_copy
from pipelines.settings import Settings, audit_log_of

# marts table → the columns the dashboards need (None: all). Long free text stays behind.
DASHBOARD_TABLES: dict[str, tuple[str, ...] | None] = {
    "dim_schools": None,
    "dim_classes": None,
    "dim_teachers": None,
    "fct_school_completion": None,
    "fct_class_completion": None,
    "fct_student_completion": None,
    "fct_course_outcomes": (
        "school_code", "outcome_id", "student_number", "academic_year", "term", "class_code", "seat_number",
        "is_student_enrolled", "course_code", "subject_name", "course_grade", "title", "uploaded_at",
        "upload_deadline_date", "certification_deadline_date", "certification_state", "is_certified",
        "requested_teacher_code", "certifying_teacher_code", "submitted_at", "decided_at", "is_selected", "summary",
        "origin_school_code",
    ),
    # who counselled whom (a 課程諮詢教師's advisees); what was said stays behind
    "fct_counselling_sessions": ("school_code", "student_number", "academic_year", "counsellor_code"),
    # each 名冊's ministry deadline and the owning unit's own one (the registrar's page, reminders)
    "fct_roster_deadlines": None,
}
# long free text published as its first characters only (`<column>_excerpt`): enough to recognise an item
EXCERPT_CHARS: dict[str, int] = {"summary": SUMMARY_EXCERPT_CHARS}
# other schema.table copies: the selection deadline per school and year has no mart of its own; the school
# directory gives the pages each school's name (and public or private)
EXTRA_TABLES: tuple[tuple[str, str], ...] = (("staging", "stg_school__selection_deadlines"),
                                             ("seeds", "xwalk_school_directory"))
GATE_SCHEMA = "gate"
GATE_TABLES = ("runs", "rule_results", "rule_violations")
# what the export step recorded (pipelines/export/store.py): submissions, their files, integrity checks and
# receipt reconciliations; of the reconciled items only the discrepancies (the received bulk stays behind,
# as do the per-row submission items)
SUBMISSION_SCHEMA = "submissions"
SUBMISSION_TABLES: dict[str, str] = {
    "submissions": "",
    "files": "",
    "verifications": "",
    "reconciliations": "",
    "reconciliation_items": "where outcome <> 'received' ",
    # the students' confirmations as last evaluated (pipelines/export/confirmations.py): per term, per student,
    # per dispute case (no digests: those columns are never published)
    "confirmation_terms": "",
    "confirmation_students": "",
    "confirmation_cases": "",
    "unit_submissions": "",
}

NATIONAL_ID_COLUMNS = ("national_id", "身分證號")


@dataclass(frozen=True)
class Publication:
    path: Path
    tables: int
    rows: int
    seconds: float


def mask_sql(column: str) -> str:
    """DuckDB expression masking a national ID column (pipelines.identity's one rule)."""
    return mask_national_id_sql(_quote(column))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_national_id(column: str) -> bool:
    """A whole national ID (national_id, 身分證號, guardian_national_id, …)."""
    return column in NATIONAL_ID_COLUMNS or column.endswith("_national_id")


def _is_derived_from_national_id(column: str) -> bool:
    """Digests and the like (a hash of a 10-character ID with a checksum is quickly brute-forced); item-key
    digests too, since a 學生資料 row's key is the ID itself."""
    if column.endswith("_digest"):
        return True
    return column.startswith(("national_id_", "身分證號")) and not column.endswith("_masked") and column != "身分證號"


def _select_list(columns: list[str], wanted: tuple[str, ...] | None) -> str:
    """Projection of a table's columns: whole national IDs masked (or dropped beside a masked twin),
    anything else derived from them dropped."""
    chosen = [column for column in columns if wanted is None or column in wanted]
    parts = []
    for column in chosen:
        if _is_derived_from_national_id(column):
            continue
        if column in EXCERPT_CHARS:
            parts.append(f"left({_quote(column)}, {EXCERPT_CHARS[column]}) as {_quote(column + '_excerpt')}")
        elif not _is_national_id(column):
            parts.append(_quote(column))
        elif f"{column}_masked" not in columns:
            parts.append(f"{mask_sql(column)} as {_quote(column + '_masked')}")
    return ", ".join(parts)


def _catalog(con: duckdb.DuckDBPyConnection, database: str) -> dict[tuple[str, str], list[str]]:
    """(schema, table or view) → its columns in order, for one attached database, in one catalog query (one
    query per table took ~5 ms each on the national warehouse, a tenth of a second per publication)."""
    catalog: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where database_name = ? "
            "order by schema_name, table_name, column_index", [database]).fetchall():
        catalog.setdefault((schema, table), []).append(column)
    return catalog


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
        "and table_type = 'BASE TABLE' order by table_name",
        [catalog, schema],
    ).fetchall()
    return [row[0] for row in rows]


def _copy(con: duckdb.DuckDBPyConnection, source: dict[tuple[str, str], list[str]], schema: str, table: str, *,
          wanted: tuple[str, ...] | None = None, where: str = "") -> int:
    """Copy one table or view of the source (`source`: its catalog) into the same schema.table here; rows copied."""
    columns = source.get((schema, table), [])
    if not columns:
        return -1
    order = " order by school_code" if "school_code" in columns else ""
    target = f"{_quote(schema)}.{_quote(table)}"
    con.execute(f"create schema if not exists {_quote(schema)}")
    con.execute(f"create table {target} as select {_select_list(columns, wanted)} "
                f"from source.{_quote(schema)}.{_quote(table)} {where}{order}")
    return con.execute(f"select count(*) from {target}").fetchall()[0][0]


@contextlib.contextmanager
def _staged(warehouse: Path, target: Path, memory_limit: str, *, start_from: Path | None = None
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a new file beside `target` (a copy of `start_from`, or empty) with `warehouse`
    attached read-only as `source`; the file replaces `target` in one rename when the block succeeds."""
    import shutil

    if not warehouse.is_file():
        raise FileNotFoundError(f"找不到倉儲檔 {warehouse}")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        if start_from is not None:
            shutil.copyfile(start_from, temporary)
        con = duckdb.connect(str(temporary), config={"memory_limit": memory_limit})
        try:
            con.execute("attach '" + str(warehouse).replace("'", "''") + "' as source (read_only)")
            yield con
            published = con.execute("select current_database()").fetchall()[0][0]
            drop_purged_from_copy(con, audit_log_of(warehouse), source="source", target=published)
            con.execute("detach source")
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)


def _record_publication(con: duckdb.DuckDBPyConnection, warehouse: Path, tables: int) -> None:
    """meta.publication: when, from where, and how many tables and rows the copy holds."""
    published = con.execute("select current_database()").fetchall()[0][0]
    names = con.execute("select schema_name, table_name from duckdb_tables() where database_name = ? "
                        "and schema_name <> 'meta'", [published]).fetchall()
    total = sum(con.execute(f"select count(*) from {_quote(published)}.{_quote(schema)}.{_quote(table)}").fetchall()[0][0]
                for schema, table in names)
    con.execute("create schema if not exists meta")
    con.execute("create or replace table meta.publication as select ?::timestamp as published_at, "
                "? as source_warehouse, ? as tables, ? as row_count",
                [dt.datetime.now().replace(microsecond=0), str(warehouse), tables, total])


def _latest_violations(in_list: str | None = None) -> str:
    """Which stored violations are copied: each school, year and term's latest gate run's."""
    schools = f"where school_code in ({in_list}) " if in_list else ""
    return f"""where run_id in (
        select run_id from source.{GATE_SCHEMA}.runs {schools}
        qualify row_number() over (
            partition by school_code, academic_year, coalesce(term, 0)
            order by checked_at desc, run_id desc) = 1) """


def _plan(con: duckdb.DuckDBPyConnection, in_list: str | None = None) -> list[tuple[str, str, tuple[str, ...] | None, str]]:
    """(schema, table, columns, where) of everything published, marts first."""
    plan = [("marts", table, wanted, "") for table, wanted in DASHBOARD_TABLES.items()]
    plan += [(schema, table, None, "") for schema, table in EXTRA_TABLES]
    gate_tables = set(_tables(con, "source", GATE_SCHEMA))
    plan += [(GATE_SCHEMA, table, None, _latest_violations(in_list) if table == "rule_violations" and "runs" in gate_tables else "")
             for table in GATE_TABLES if table in gate_tables]
    submission_tables = set(_tables(con, "source", SUBMISSION_SCHEMA))
    plan += [(SUBMISSION_SCHEMA, table, None, where) for table, where in SUBMISSION_TABLES.items() if table in submission_tables]
    return plan


def publish_warehouse(warehouse: Path, target: Path, *, memory_limit: str = "4GB") -> Publication:
    """Copy what the dashboards read from `warehouse` into `target`, replacing it atomically."""
    import time

    started = time.perf_counter()
    tables = rows = 0
    with _staged(warehouse, target, memory_limit) as con:
        source = _catalog(con, "source")
        for schema, table, wanted, where in _plan(con):
            copied = _copy(con, source, schema, table, wanted=wanted, where=where)
            if copied < 0 and schema == "marts":
                raise RuntimeError(f"倉儲中沒有 marts.{table}：請先完成 portfolio build")
            tables, rows = tables + (copied >= 0), rows + max(copied, 0)
        _record_publication(con, warehouse, tables)
    return Publication(path=target, tables=tables, rows=rows, seconds=time.perf_counter() - started)


def _replace_school_rows(con: duckdb.DuckDBPyConnection, source: dict[tuple[str, str], list[str]], published: set[tuple[str, str]],
                         schema: str, table: str, schools: str, *, wanted: tuple[str, ...] | None = None, where: str = "") -> int:
    """Replace the schools' rows of one published table from the source (`source`: its catalog; `published`:
    the tables the copy had); rows copied (-1: no such table)."""
    columns = source.get((schema, table), [])
    if not columns:
        return -1
    target = f"{_quote(schema)}.{_quote(table)}"
    if "school_code" not in columns or (schema, table) not in published:
        con.execute(f"drop table if exists {target}")
        return _copy(con, source, schema, table, wanted=wanted, where=where)
    condition = f"school_code in ({schools})"
    con.execute(f"delete from {target} where {condition}")
    where = f"{where}and {condition} " if where else f"where {condition} "
    before = con.execute(f"select count(*) from {target}").fetchall()[0][0]
    con.execute(f"insert into {target} by name select {_select_list(columns, wanted)} "
                f"from source.{_quote(schema)}.{_quote(table)} {where}order by school_code")
    return con.execute(f"select count(*) from {target}").fetchall()[0][0] - before


def publish_schools(warehouse: Path, target: Path, schools: list[str], *, memory_limit: str = "4GB") -> Publication:
    """Refresh only `schools`' rows of the published copy `target` from `warehouse` (atomically, as a whole).

    Falls back to a full publication when there is no published copy yet.
    """
    import time

    if not target.exists():
        return publish_warehouse(warehouse, target, memory_limit=memory_limit)
    started = time.perf_counter()
    in_list = ", ".join("'" + school.replace("'", "''") + "'" for school in schools)
    tables = rows = 0
    with _staged(warehouse, target, memory_limit, start_from=target) as con:
        source, published = _catalog(con, "source"), set(_catalog(con, con.execute("select current_database()").fetchall()[0][0]))
        con.execute("begin transaction")
        for schema, table, wanted, where in _plan(con, in_list):
            copied = _replace_school_rows(con, source, published, schema, table, in_list, wanted=wanted, where=where)
            tables, rows = tables + (copied >= 0), rows + max(copied, 0)
        _record_publication(con, warehouse, tables)
        con.execute("commit")
    return Publication(path=target, tables=tables, rows=rows, seconds=time.perf_counter() - started)


def publish_submissions(warehouse: Path, target: Path, *, memory_limit: str = "4GB") -> Publication | None:
    """Refresh only the submission records (schema submissions) of the published copy: what `portfolio
    submit`, `verify` and `reconcile` change, so the dashboards show it seconds later, without a build.
    None when there is no published copy yet (the next build publishes everything)."""
    import time

    if not target.exists():
        return None
    started = time.perf_counter()
    tables = rows = 0
    with _staged(warehouse, target, memory_limit, start_from=target) as con:
        present, source = set(_tables(con, "source", SUBMISSION_SCHEMA)), _catalog(con, "source")
        con.execute("begin transaction")
        for table, where in SUBMISSION_TABLES.items():
            con.execute(f"drop table if exists {_quote(SUBMISSION_SCHEMA)}.{_quote(table)}")
            if table in present:
                rows += max(_copy(con, source, SUBMISSION_SCHEMA, table, where=where), 0)
                tables += 1
        _record_publication(con, warehouse, tables)
        con.execute("commit")
    return Publication(path=target, tables=tables, rows=rows, seconds=time.perf_counter() - started)


def refresh_submissions(settings: Settings) -> None:
    """publish_submissions after an action; a failure (a build holding the copy's folder, say) is logged,
    never the action's failure: the next build publishes the records anyway."""
    try:
        publish_submissions(settings.warehouse, settings.published, memory_limit=settings.duckdb_memory)
    except (OSError, duckdb.Error) as error:
        logging.getLogger(__name__).warning("儀表板資料未能即時更新（下次建置時會更新）：%s", error)


def publish(settings: Settings) -> Path:
    """Refresh the dashboards' copy (settings.published) from the warehouse; returns its path."""
    return publish_warehouse(settings.warehouse, settings.published, memory_limit=settings.duckdb_memory).path
