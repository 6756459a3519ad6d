"""Submissions and receipts in the warehouse (schema ``submissions``), for the record and the dashboards.

- ``submissions.submissions``: one row per submitted export folder: school, year, term, revision,
  folder, what it replaces, who submitted it and when (Asia/Taipei time), the manifest's sha256.
- ``submissions.unit_submissions``: one row per 名冊 a unit (處室) submitted with `submit --unit`, with
  the sha256 of its file; the folder is frozen when every 名冊 in it is submitted by its unit.
- ``submissions.files``: one row per submitted file with its sha256, size and rows per sheet.
- ``submissions.items``: one row per submitted sheet row: workbook, sheet, row, the 項目鍵 and the
  student (學號, class, seat; the 身分證號 only as digest and masked), what reconciliation compares with.
- ``submissions.verifications``: one row per check of a frozen folder (`portfolio verify`), per finding.
- ``submissions.reconciliations`` / ``submissions.reconciliation_items``: one row per receipt
  reconciled, and one per item with its outcome (received, rejected, missing, unexpected).
- ``submissions.disputes`` / ``submissions.dispute_answers``: one row per case a student's 有誤 reply
  opened (pipelines/export/confirmations.py), and the school's answers to cases (with a reason).
- ``submissions.confirmation_terms`` / ``confirmation_students`` / ``confirmation_cases``: the latest
  evaluation of each term's confirmations (counts and window; each student's state; each case with how it
  ended), what the dashboards read. Each evaluation replaces its term's rows: they are derived, the history
  stays in the replies, the cases and the answers.
- Views ``latest_submissions`` and ``latest_reconciliation_items``: the newest per school, year, term.

Rows are only ever added (but for the derived confirmation_* tables). Writers open a short-lived connection (pipelines.warehouse.connect).
"""

from __future__ import annotations

import duckdb
import pandas as pd

SCHEMA = "submissions"

DDL = (
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {SCHEMA}.submissions (
    submission_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER, revision INTEGER,
    folder VARCHAR, folder_path VARCHAR, replaces VARCHAR, submitted_at TIMESTAMP, submitted_by VARCHAR,
    manifest_sha256 VARCHAR, generated_at VARCHAR, is_partial BOOLEAN, gate_passed BOOLEAN,
    excluded_entries INTEGER, rows_submitted BIGINT
)""",
    f"""create table if not exists {SCHEMA}.files (
    submission_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER, revision INTEGER,
    file_name VARCHAR, sha256 VARCHAR, bytes BIGINT, sheets VARCHAR, rows_submitted BIGINT
)""",
    f"""create table if not exists {SCHEMA}.items (
    submission_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER, revision INTEGER,
    workbook VARCHAR, sheet VARCHAR, sheet_row INTEGER, national_id_digest VARCHAR, national_id_masked VARCHAR,
    item_key_digest VARCHAR, item_key_shown VARCHAR, student_number VARCHAR, class_code VARCHAR, seat_number INTEGER,
    row_digest VARCHAR
)""",
    # added after warehouses held submissions: older items have no row digest (their disputes need an answer)
    f"alter table {SCHEMA}.items add column if not exists row_digest VARCHAR",
    # added later too: the units (處室) whose 名冊 the frozen folder holds, as they submitted them (null:
    # the whole folder was submitted at once, without --unit)
    f"alter table {SCHEMA}.submissions add column if not exists submitting_units VARCHAR",
    f"""create table if not exists {SCHEMA}.unit_submissions (
    school_code VARCHAR, academic_year INTEGER, term INTEGER, revision INTEGER, folder VARCHAR, unit VARCHAR,
    roster_name VARCHAR, file_name VARCHAR, sha256 VARCHAR, submitted_at TIMESTAMP, submitted_by VARCHAR
)""",
    f"""create table if not exists {SCHEMA}.verifications (
    checked_at TIMESTAMP, submission_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER,
    revision INTEGER, folder_path VARCHAR, file_name VARCHAR, status VARCHAR, expected_sha256 VARCHAR,
    found_sha256 VARCHAR
)""",
    f"""create table if not exists {SCHEMA}.reconciliations (
    reconciliation_id VARCHAR, submission_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER,
    revision INTEGER, receipt_file VARCHAR, receipt_sha256 VARCHAR, receipt_encoding VARCHAR,
    reconciled_at TIMESTAMP, received BIGINT, rejected BIGINT, missing BIGINT, unexpected BIGINT,
    unreadable_lines BIGINT
)""",
    f"""create table if not exists {SCHEMA}.reconciliation_items (
    reconciliation_id VARCHAR, submission_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER,
    workbook VARCHAR, sheet VARCHAR, national_id_masked VARCHAR, item_key_shown VARCHAR, student_number VARCHAR,
    class_code VARCHAR, seat_number INTEGER, outcome VARCHAR, reason VARCHAR, sheet_row INTEGER, receipt_line INTEGER
)""",
    f"""create table if not exists {SCHEMA}.disputes (
    case_id INTEGER, school_code VARCHAR, academic_year INTEGER, term INTEGER, revision INTEGER,
    student_number VARCHAR, class_code VARCHAR, seat_number INTEGER, workbook VARCHAR, sheet VARCHAR,
    item_key_shown VARCHAR, item_key_digest VARCHAR, note VARCHAR, replied_at TIMESTAMP, confirmed_by VARCHAR,
    is_late BOOLEAN, owner_unit VARCHAR, due_date DATE, opened_at TIMESTAMP
)""",
    f"""create table if not exists {SCHEMA}.dispute_answers (
    case_id INTEGER, reason VARCHAR, answered_at TIMESTAMP, answered_by VARCHAR
)""",
    f"""create table if not exists {SCHEMA}.confirmation_terms (
    school_code VARCHAR, academic_year INTEGER, term INTEGER, window_opens TIMESTAMP, window_closes DATE,
    students INTEGER, confirmed INTEGER, disputed INTEGER, unconfirmed INTEGER, open_disputes INTEGER,
    closed_disputes INTEGER, late_replies INTEGER, guardian_replies INTEGER, evaluated_at TIMESTAMP
)""",
    f"""create table if not exists {SCHEMA}.confirmation_students (
    school_code VARCHAR, academic_year INTEGER, term INTEGER, student_number VARCHAR, class_code VARCHAR,
    seat_number INTEGER, state VARCHAR, open_disputes INTEGER
)""",
    f"""create table if not exists {SCHEMA}.confirmation_cases (
    case_id INTEGER, school_code VARCHAR, academic_year INTEGER, term INTEGER, student_number VARCHAR,
    class_code VARCHAR, seat_number INTEGER, workbook VARCHAR, sheet VARCHAR, item_key_shown VARCHAR,
    replied_at TIMESTAMP, confirmed_by VARCHAR, is_late BOOLEAN, owner_unit VARCHAR, due_date DATE,
    is_open BOOLEAN, ended VARCHAR
)""",
    f"""create or replace view {SCHEMA}.latest_submissions as
select * from {SCHEMA}.submissions
qualify row_number() over (partition by school_code, academic_year, term order by revision desc, submitted_at desc) = 1""",
    f"""create or replace view {SCHEMA}.latest_reconciliation_items as
select items.*
from {SCHEMA}.reconciliation_items as items
inner join (
    select reconciliation_id from {SCHEMA}.reconciliations
    qualify row_number() over (partition by school_code, academic_year, term order by reconciled_at desc, reconciliation_id desc) = 1
) as latest on items.reconciliation_id = latest.reconciliation_id""",
)


def create_submissions_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def has_submissions(con: duckdb.DuckDBPyConnection) -> bool:
    from pipelines.warehouse import table_exists

    return table_exists(con, SCHEMA, "submissions")


def append(con: duckdb.DuckDBPyConnection, table: str, records: list[dict]) -> None:
    """Insert rows by column name (missing keys are null)."""
    if not records:
        return
    columns = [row[1] for row in con.execute(f"pragma table_info('{SCHEMA}.{table}')").fetchall()]
    frame = pd.DataFrame(records, columns=columns)  # noqa: F841  (DuckDB reads it by name)
    con.execute(f"insert into {SCHEMA}.{table} by name select * from frame")


def records(con: duckdb.DuckDBPyConnection, query: str, parameters: list | None = None) -> list[dict]:
    cursor = con.execute(query, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
