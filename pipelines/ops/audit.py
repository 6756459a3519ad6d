"""The audit log: who exported, submitted, reconciled, purged, restored or built what, and when.

One JSON object per line in ``Settings.audit_log`` (``<warehouse dir>/audit/events.jsonl``), appended
and never rewritten. It lives outside the warehouse on purpose: restoring an old backup or a build that
replaces the warehouse file must not rewind the record of what was done. ``sync_audit_table`` mirrors
it into the warehouse table ``audit.events`` for the dashboards (every build and restore does).

An event holds counts and keys (school, year, term, student numbers, file names), never content: any
value shaped like a national ID is masked before it is written, whatever the caller passes.

    from pipelines.ops.audit import record_audit
    record_audit(settings, "export", school="999001", year=113, term=1,
                 details={"files": ["113_1_學生資料名冊.xlsx"], "rows": 1180})

Actions in use: build, purge, backup, backup_restore, recover, remind; exports add export, submit, reconcile;
transfers add exchange_export (sending school) and exchange_import (receiving school).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import uuid
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.identity import mask_national_ids_in_text

AUDIT_DDL = (
    "create schema if not exists audit",
    """create table if not exists audit.events (
    event_id VARCHAR, occurred_at TIMESTAMP, actor VARCHAR, action VARCHAR, school_code VARCHAR,
    academic_year INTEGER, term INTEGER, details JSON
)""",
)

_AUDIT_SCHEMA = {"event_id": pl.String, "occurred_at": pl.Datetime("us"), "actor": pl.String, "action": pl.String,
                 "school_code": pl.String, "academic_year": pl.Int32, "term": pl.Int32, "details": pl.String}


def default_actor() -> str:
    """PORTFOLIO_ACTOR when set (a scheduler names itself), else the operating-system user."""
    actor = os.environ.get("PORTFOLIO_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_national_ids_in_text(value)
    if isinstance(value, dict):
        return {mask_national_ids_in_text(str(key)): _scrub(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_scrub(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return mask_national_ids_in_text(str(value))
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return mask_national_ids_in_text(str(value))


def record_audit(
    settings_or_log,
    action: str,
    *,
    school: str | None = None,
    year: int | None = None,
    term: int | None = None,
    details: dict | None = None,
    actor: str | None = None,
) -> dict:
    """Append one event to the audit log and return it.

    `settings_or_log` is a Settings (its audit_log is used) or the log's path. `details` is any JSON-able
    mapping of counts and keys; national-ID-shaped strings in it are masked. Never raises for odd
    values: what cannot be JSON is written as text.
    """
    log = Path(getattr(settings_or_log, "audit_log", settings_or_log))
    event = {
        "event_id": uuid.uuid4().hex,
        "occurred_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "actor": mask_national_ids_in_text(actor or default_actor()),
        "action": str(action),
        "school_code": school,
        "academic_year": int(year) if year is not None else None,
        "term": int(term) if term is not None else None,
        "details": _scrub(details or {}),
    }
    line = json.dumps(event, ensure_ascii=False, default=str) + "\n"
    log.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: concurrent writers (CLI, Dagster runs) each add whole lines, nobody overwrites.
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    return event


def read_audit(settings_or_log, *, action: str | None = None, school: str | None = None) -> list[dict]:
    """Every event in the log, oldest first (optionally one action or school); unreadable lines are skipped."""
    log = Path(getattr(settings_or_log, "audit_log", settings_or_log))
    if not log.is_file():
        return []
    events = []
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash; the rest of the log still counts
            if not isinstance(event, dict):
                continue
            if action and event.get("action") != action:
                continue
            if school and event.get("school_code") != school:
                continue
            events.append(event)
    return events


def sync_audit_table(con: duckdb.DuckDBPyConnection, settings_or_log, *, database: str | None = None) -> int:
    """Rewrite audit.events (in `database`, default the connection's own) from the log; rows written."""
    events = read_audit(settings_or_log)
    prefix = f'"{database}".' if database else ""
    for ddl in AUDIT_DDL:
        con.execute(ddl.replace("schema if not exists audit", f"schema if not exists {prefix}audit")
                    .replace("table if not exists audit.", f"table if not exists {prefix}audit."))
    con.execute(f"delete from {prefix}audit.events")
    rows = [
        (event.get("event_id"), _timestamp(event.get("occurred_at")), event.get("actor"), event.get("action"),
         event.get("school_code"), event.get("academic_year"), event.get("term"),
         json.dumps(event.get("details") or {}, ensure_ascii=False))
        for event in events
    ]
    if rows:  # one insert of a frame: executemany inserts row by row (a second per build once the log is long)
        frame = pl.DataFrame(rows, schema=_AUDIT_SCHEMA, orient="row", strict=False)  # noqa: F841 (read by name)
        con.execute(f"insert into {prefix}audit.events select * from frame")
    return len(rows)


def _timestamp(text: Any) -> dt.datetime | None:
    """Local wall-clock time of an ISO timestamp (the registrar reads local time)."""
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment
