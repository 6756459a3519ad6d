"""Gate results in the warehouse (schema ``gate``), for dashboards and for exports to consult.

- ``gate.runs``: one row per gate run of a school and year (and term): passed, error and warning counts.
- ``gate.rule_results``: one row per run × rule: severity, violations, passed.
- ``gate.rule_violations``: one row per offending row of a run (the item's term when it has one, student
  number, class, seat, item key, value and limit as JSON text; never a whole national ID).
- ``gate.latest_rule_results``: view of the latest run's rule results per school, year and term.

Runs accumulate (history); nothing is rewritten. DuckDB has one writer: callers pass a short-lived
connection, or use `store_results_at`, which opens and closes its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.gate.core import GateResult

SCHEMA = "gate"

DDL = (
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {SCHEMA}.runs (
    run_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER, as_of DATE,
    checked_at TIMESTAMP, passed BOOLEAN, error_violations BIGINT, warning_violations BIGINT,
    failed_rules VARCHAR[], policy_error VARCHAR
)""",
    f"""create table if not exists {SCHEMA}.rule_results (
    run_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER, as_of DATE,
    rule_id VARCHAR, severity VARCHAR, rule_title VARCHAR, violations BIGINT, passed BOOLEAN,
    checked_at TIMESTAMP
)""",
    f"""create table if not exists {SCHEMA}.rule_violations (
    run_id VARCHAR, school_code VARCHAR, academic_year INTEGER, term INTEGER, rule_id VARCHAR,
    severity VARCHAR, check_name VARCHAR, item_term INTEGER, student_number VARCHAR, class_code VARCHAR, seat_number INTEGER,
    item_key VARCHAR, value VARCHAR, limit_value VARCHAR, teacher_code VARCHAR, proxy_code VARCHAR,
    checked_at TIMESTAMP
)""",
    f"""create or replace view {SCHEMA}.latest_rule_results as
select rule_results.*
from {SCHEMA}.rule_results as rule_results
qualify row_number() over (
    partition by school_code, academic_year, coalesce(term, 0), rule_id order by checked_at desc, run_id desc
) = 1""",
)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def create_gate_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def store_results(con: duckdb.DuckDBPyConnection, results: Iterable[GateResult]) -> int:
    """Append runs, rule results and offending rows; returns the number of runs stored."""
    create_gate_schema(con)
    runs, rules, rows = [], [], []
    for result in results:
        runs.append({
            "run_id": result.run_id, "school_code": result.school, "academic_year": result.academic_year,
            "term": result.term, "as_of": result.as_of, "checked_at": result.checked_at, "passed": result.passed,
            "error_violations": result.errors, "warning_violations": result.warnings,
            "failed_rules": result.failed_rules, "policy_error": result.policy_error,
        })
        for rule_result in result.results:
            rules.append({
                "run_id": result.run_id, "school_code": result.school, "academic_year": result.academic_year,
                "term": result.term, "as_of": result.as_of, "rule_id": rule_result.id,
                "severity": rule_result.severity, "rule_title": rule_result.rule.title,
                "violations": rule_result.violations, "passed": rule_result.passed, "checked_at": result.checked_at,
            })
            for row in rule_result.rows:
                rows.append({
                    "run_id": result.run_id, "school_code": result.school, "academic_year": result.academic_year,
                    "term": result.term, "rule_id": row.rule_id, "severity": rule_result.severity,
                    "check_name": row.check, "item_term": row.term, "student_number": row.student_number, "class_code": row.class_code,
                    "seat_number": row.seat_number, "item_key": row.key, "value": _text(row.value),
                    "limit_value": _text(row.limit), "teacher_code": row.teacher_code, "proxy_code": row.proxy_code,
                    "checked_at": result.checked_at,
                })
    for table, records in (("runs", runs), ("rule_results", rules), ("rule_violations", rows)):
        if not records:
            continue
        columns = [row[1] for row in con.execute(f"pragma table_info('{SCHEMA}.{table}')").fetchall()]
        frame = pd.DataFrame(records, columns=columns)  # noqa: F841  (DuckDB reads it by name)
        con.execute(f"insert into {SCHEMA}.{table} by name select * from frame")
    return len(runs)


def store_results_at(warehouse: Path, results: Iterable[GateResult]) -> int:
    from pipelines.warehouse import connect

    with connect(warehouse) as con:
        return store_results(con, list(results))


def latest_school_status(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per school, year and term: whether the latest gate run passed (what an export consults)."""
    return con.execute(f"""
        select * from {SCHEMA}.runs
        qualify row_number() over (
            partition by school_code, academic_year, coalesce(term, 0) order by checked_at desc, run_id desc
        ) = 1
        order by school_code, academic_year, term
    """).df()
