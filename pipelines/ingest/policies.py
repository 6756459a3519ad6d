"""Each school's policy.yaml into raw.school_policies (scalars and lists) and one raw table per keyed list:
raw.school_terms, raw.school_selection_deadlines, raw.school_diverse_entry_deadlines and
raw.school_submission_deadlines.

Values are stored resolved (defaults applied), so everything downstream reads caps and windows from
these tables only. policy_source says where they came from: ``default`` (no file), ``policy.yaml``,
or ``invalid`` (the file has an error: the defaults apply, policy_error holds the message, and a
quarantine row ``invalid_policy`` names the key).

A school's rows are rewritten only when what would be written differs from what is there (so a
change to the national defaults reaches schools without a file too); then raw.deliveries gets a row
when a file was read (``loaded`` or ``rejected``), none for defaults without a file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.contract import create_raw_schema
from pipelines.ingest.layout import POLICY_FILE, discover_schools
from pipelines.ingest.store import FileResult, log_delivery, transaction, write_quarantine_row
from pipelines.policy import DEFAULT_POLICY, KEYED_POLICY_KEYS, Policy, PolicyError, SubmissionDeadline, TermWindow, load_policy

FILE_KIND = "policy"
_SCALARS = [field.name for field in dataclasses.fields(Policy) if field.name not in KEYED_POLICY_KEYS]


def ingest_policies(con: duckdb.DuckDBPyConnection, source_root: Path, schools: list[str] | None = None) -> list[FileResult]:
    """Resolve and store every school's policy (or only ``schools``'); one FileResult per school."""
    create_raw_schema(con)
    schools = discover_schools(source_root) if schools is None else schools
    return [_ingest_school_policy(con, source_root, school) for school in schools]


def _ingest_school_policy(con: duckdb.DuckDBPyConnection, source_root: Path, school: str) -> FileResult:
    started = time.perf_counter()
    path = source_root / school / POLICY_FILE
    source_file = f"{school}/{POLICY_FILE}"
    error: PolicyError | None = None
    if not path.is_file():
        policy, policy_source, delivery_id, status = DEFAULT_POLICY, "default", None, "missing"
        message = "沒有 policy.yaml，採用全國預設值。"
    else:
        delivery_id = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            policy, policy_source, status = load_policy(path, source=source_file), "policy.yaml", "loaded"
            message = "採用 policy.yaml 的設定。"
        except PolicyError as invalid:
            error = invalid
            policy, policy_source, status = DEFAULT_POLICY, "invalid", "rejected"
            message = f"{invalid}；此校改用全國預設值。"

    tables = _rows(school, policy, policy_source, str(error) if error else None, delivery_id)
    if all(_current_rows(con, table, columns, school) == rows for table, (columns, rows) in tables.items()):
        return FileResult(school, FILE_KIND, source_file if delivery_id else None, "unchanged",
                          message="與目前的設定相同，未重新匯入。", seconds=time.perf_counter() - started)

    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with transaction(con):
        for table, (columns, rows) in tables.items():
            con.execute(f"delete from raw.{table} where school_code = ?", [school])
            for row in rows:
                con.execute(f"insert into raw.{table} ({', '.join(columns)}, loaded_at) "
                            f"values ({', '.join('?' * (len(row) + 1))})", [*row, loaded_at])
        con.execute("delete from raw.quarantine where school_code = ? and file_kind = ?", [school, FILE_KIND])
        if error is not None:
            write_quarantine_row(con, school, FILE_KIND, source_file, error.key, "invalid_policy", str(error),
                                 delivery_id, loaded_at)
        if delivery_id is not None:
            log_delivery(con, school, FILE_KIND, source_file, delivery_id, None, status, 0,
                         int(error is not None), message, loaded_at)
    return FileResult(school, FILE_KIND, source_file if delivery_id else None, status,
                      rows_quarantined=int(error is not None), message=message, seconds=time.perf_counter() - started)


def _rows(school: str, policy: Policy, policy_source: str, policy_error: str | None,
          delivery_id: str | None) -> dict[str, tuple[list[str], list[tuple]]]:
    """Each policy table's columns (all but loaded_at) and this school's rows, sorted."""
    scalars = [list(value) if isinstance(value, tuple) else value for value in (getattr(policy, name) for name in _SCALARS)]
    return {
        "school_policies": (
            ["school_code", *_SCALARS, "policy_source", "policy_error", "delivery_id"],
            [(school, *scalars, policy_source, policy_error, delivery_id)],
        ),
        "school_terms": (
            ["school_code", *TermWindow._fields, "delivery_id"],
            sorted((school, *window, delivery_id) for window in policy.terms),
        ),
        "school_selection_deadlines": (
            ["school_code", "academic_year", "selection_deadline", "delivery_id"],
            sorted((school, year, deadline, delivery_id) for year, deadline in policy.selection_deadlines.items()),
        ),
        "school_diverse_entry_deadlines": (
            ["school_code", "academic_year", "diverse_entry_deadline", "delivery_id"],
            sorted((school, year, deadline, delivery_id) for year, deadline in policy.diverse_entry_deadlines.items()),
        ),
        "school_submission_deadlines": (
            ["school_code", *SubmissionDeadline._fields, "internal_due", "delivery_id"],
            sorted((school, *deadline, deadline.internal_deadline, delivery_id) for deadline in policy.submission_deadlines),
        ),
    }


def _current_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], school: str) -> list[tuple]:
    return con.execute(
        f"select {', '.join(columns)} from raw.{table} where school_code = ? order by all", [school]
    ).fetchall()
