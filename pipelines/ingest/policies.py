"""Each school's policy.yaml into raw.school_policies (scalars and lists) and one raw table per keyed list:
raw.school_terms, raw.school_selection_deadlines, raw.school_diverse_entry_deadlines and
raw.school_submission_deadlines.

Values are stored resolved (defaults applied), so everything downstream reads caps and windows from
these tables only. policy_source says where they came from: ``default`` (no file), ``policy.yaml``,
or ``invalid`` (the file has errors: the defaults apply, policy_error holds the message, and one
quarantine row ``invalid_policy`` per problem names the key, the value and why, in Chinese).

A school whose policy.yaml is invalid is refused: ``policy_refusal`` says so, and load.py loads none of
its files (each gets a ``school_refused`` quarantine row) until the file is fixed. The others build.

A school's rows are rewritten only when what would be written differs from what is there (so a
change to the national defaults reaches schools without a file too); then raw.deliveries gets a row
when a file was read (``loaded`` or ``rejected``), none for defaults without a file.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import create_raw_schema
from pipelines.ingest.layout import POLICY_FILE, discover_schools, inside
from pipelines.ingest.store import FileResult, log_delivery, transaction, write_quarantine_row
from pipelines.policy import (DEFAULT_POLICY, KEYED_POLICY_KEYS, Policy, PolicyError, PolicyProblem, SubmissionDeadline,
                              TermWindow, parse_policy)

FILE_KIND = "policy"
# the raw tables a policy.yaml fills (``_rows`` gives each its rows)
POLICY_TABLES = ("school_policies", "school_terms", "school_selection_deadlines", "school_diverse_entry_deadlines",
                 "school_submission_deadlines")
_SCALARS = [field.name for field in dataclasses.fields(Policy) if field.name not in KEYED_POLICY_KEYS]


def ingest_policies(con: duckdb.DuckDBPyConnection, source_root: Path, schools: list[str] | None = None) -> list[FileResult]:
    """Resolve and store every school's policy (or only ``schools``'); one FileResult per school."""
    create_raw_schema(con)
    schools = discover_schools(source_root) if schools is None else schools
    return [_ingest_school_policy(con, source_root, school) for school in schools]


@dataclasses.dataclass(frozen=True)
class _Resolved:
    """A school's policy.yaml as read now, and the rows it gives the policy tables."""
    source_file: str
    policy: Policy
    delivery_id: str | None  # None: no policy.yaml
    status: str  # loaded | rejected | missing
    message: str
    error: PolicyError | None
    tables: dict[str, tuple[list[str], list[tuple]]]


def _resolve(source_root: Path, school: str) -> _Resolved:
    path = source_root / school / POLICY_FILE
    source_file = f"{school}/{POLICY_FILE}"
    error: PolicyError | None = None
    if not path.is_file():
        policy, policy_source, delivery_id, status = DEFAULT_POLICY, "default", None, "missing"
        message = "沒有 policy.yaml，採用全國預設值。"
    else:
        delivery_id = hashlib.sha256(path.read_bytes() if inside(path, source_root) else b"").hexdigest()
        try:
            policy = load_policy_bytes(_policy_bytes(source_root, school), source_file)
            policy_source, status, message = "policy.yaml", "loaded", "採用 policy.yaml 的設定。"
        except PolicyError as invalid:
            error = invalid
            policy, policy_source, status = DEFAULT_POLICY, "invalid", "rejected"
            message = policy_error_message(source_file, invalid)
    return _Resolved(source_file, policy, delivery_id, status, message, error,
                     _rows(school, policy, policy_source, message if error else None, delivery_id))


def _stored_as_resolved(con: duckdb.DuckDBPyConnection, resolved: _Resolved, school: str) -> bool:
    return all(_current_rows(con, table, columns, school) == rows for table, (columns, rows) in resolved.tables.items())


def policy_to_ingest(con: duckdb.DuckDBPyConnection, source_root: Path, school: str) -> bool:
    """Whether ingesting the school's policy.yaml would write anything now (nothing is written here)."""
    return not _stored_as_resolved(con, _resolve(source_root, school), school)


def _ingest_school_policy(con: duckdb.DuckDBPyConnection, source_root: Path, school: str) -> FileResult:
    started = time.perf_counter()
    resolved = _resolve(source_root, school)
    source_file, delivery_id, status, message, error, tables = (resolved.source_file, resolved.delivery_id,
                                                                resolved.status, resolved.message, resolved.error,
                                                                resolved.tables)
    if _stored_as_resolved(con, resolved, school):
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
        problems = error.problems if error is not None else ()
        for problem in problems:
            write_quarantine_row(con, school, FILE_KIND, source_file, problem.key, "invalid_policy",
                                 f"{source_file}：{_problem_text(problem)}", delivery_id, loaded_at)
        if delivery_id is not None:
            log_delivery(con, school, FILE_KIND, source_file, delivery_id, None, status, 0,
                         len(problems), message, loaded_at)
    return FileResult(school, FILE_KIND, source_file if delivery_id else None, status,
                      rows_quarantined=len(problems), message=message, seconds=time.perf_counter() - started)


def policy_refusal(source_root: Path, school: str) -> str | None:
    """Why the school is refused this build (its policy.yaml is invalid), or None."""
    source_file = f"{school}/{POLICY_FILE}"
    if not (source_root / school / POLICY_FILE).is_file():
        return None
    try:
        return _refusal(source_file, _policy_bytes(source_root, school))
    except PolicyError as invalid:
        return policy_error_message(source_file, invalid)


def _policy_bytes(source_root: Path, school: str) -> bytes:
    path = source_root / school / POLICY_FILE
    if not inside(path, source_root):  # never read through a link out of the source root
        raise PolicyError(None, f"{school}/{POLICY_FILE}：連結指向來源資料夾以外的位置，拒絕讀取",
                          f"{school}/{POLICY_FILE}")
    return path.read_bytes()


@functools.lru_cache(maxsize=1024)  # asked once per file kind; the bytes are the key, so an edit is seen
def _refusal(source_file: str, data: bytes) -> str | None:
    try:
        load_policy_bytes(data, source_file)
    except PolicyError as invalid:
        return (f"{source_file} 有 {len(invalid.problems)} 項錯誤，此校本次不建置"
                f"（其他學校照常；各項錯誤見 {source_file} 的隔離紀錄）")
    return None


def load_policy_bytes(data: bytes, source_file: str) -> Policy:
    from pipelines.ingest.decoding import FileRejected, decode_text

    try:
        text, _ = decode_text(data, source_file)
    except FileRejected as rejected:
        raise PolicyError(None, rejected.message, source_file) from None
    return parse_policy(text.decode("utf-8"), source=source_file)


def policy_error_message(source_file: str, error: PolicyError) -> str:
    """Every problem of an invalid policy.yaml, in Chinese, and what happens to the school."""
    listed = "；".join(f"({number}) {_problem_text(problem)}" for number, problem in enumerate(error.problems, start=1))
    return (f"{source_file} 有 {len(error.problems)} 項錯誤，此校本次不建置（其他學校照常）：{listed}。"
            f"請修正後重新交付。")


# The policy module words its errors in English for the command line; schools read Chinese. Each
# pattern turns one kind of detail into Chinese; anything else is shown as it is.
_WHY = (
    (r"unknown key '[^']*'(?:.*did you mean '([^']+)')?", lambda m: "不是可設定的項目" + (f"（是否為「{m[1]}」？）" if m[1] else "")),
    (r"must be between (-?\d+) and (-?\d+)", lambda m: f"必須介於 {m[1]} 與 {m[2]} 之間"),
    (r"must be a whole number", lambda m: "必須是整數"),
    (r"must be 1 or 2", lambda m: "學期必須是 1 或 2"),
    (r"is not a date", lambda m: "不是日期（可寫 2025-02-03、114/02/03 或 1140203）"),
    (r"must be a date without a time", lambda m: "必須是日期，不可含時間"),
    (r"is missing '([^']+)'", lambda m: f"缺少「{m[1]}」"),
    (r"repeats academic_year (\d+) term (\d+)", lambda m: f"{m[1]} 學年度第 {m[2]} 學期重複出現"),
    (r"listed twice", lambda m: "同一步驟列了兩次"),
    (r"unknown step", lambda m: "不是認得的代理認證順序步驟"),
    (r"must be a non-empty list of file extensions", lambda m: "必須是副檔名清單，例如 [pdf, jpg]"),
    (r"must be a lowercase file extension", lambda m: "必須是小寫、不含點的副檔名，例如 pdf"),
    (r"\((\S+)\) is after its certification_deadline \((\S+)\)",
     lambda m: f"上傳截止日 {m[1]} 晚於認證截止日 {m[2]}"),
    (r"must be a non-empty list of steps", lambda m: "必須是代理認證順序步驟的清單"),
    (r"must be a list of terms", lambda m: "必須是學期清單（academic_year、term、upload_deadline、certification_deadline）"),
    (r"must be a mapping of academic year", lambda m: "必須是「學年度: 日期」的對應，例如 113: 2025-08-15"),
    (r"must be a mapping", lambda m: "必須是「鍵: 值」的對應"),
    (r"not valid YAML(?: at line (\d+))?", lambda m: "不是有效的 YAML" + (f"（第 {m[1]} 行）" if m[1] else "")),
)


def _problem_text(problem: PolicyProblem) -> str:
    why = next((say(match) for pattern, say in _WHY if (match := re.search(pattern, problem.detail))), problem.detail)
    if problem.key is None:
        return f"整個檔案{why}" if why != problem.detail else why
    nested = re.search(r"got (?:[a-z]+ )?(.+)$", problem.detail) if re.search(r"[.\[]", problem.key) else None
    given = nested[1] if nested else (None if problem.value is None or nested is not None else _shown(problem.value))
    value = "" if given is None else f"，值 {given}"
    return _masked(f"設定「{problem.key}」{value}：{why}")


def _masked(text: str) -> str:
    from pipelines.ingest.validate import mask_ids

    return pl.select(mask_ids(pl.lit(text, dtype=pl.String))).item()


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


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
