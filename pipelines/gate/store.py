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
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.gate.core import GateResult

SCHEMA = "gate"

_ARROW_TYPES = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "BOOLEAN": pa.bool_(),
                "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"), "VARCHAR[]": pa.list_(pa.string())}

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
    if type(value) is int:  # most values and limits: counts (not bool, which JSON writes as true/false)
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def create_gate_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def store_results(con: duckdb.DuckDBPyConnection, results: Iterable[GateResult]) -> int:
    """Append runs, rule results and offending rows; returns the number of runs stored."""
    create_gate_schema(con)
    results = list(results)
    runs: dict[str, list] = defaultdict(list)
    rules: dict[str, list] = defaultdict(list)
    rows: dict[str, list] = defaultdict(list)  # column → values: the nation's 674,000 rows as lists, not dicts
    for result in results:
        for name, value in (("run_id", result.run_id), ("school_code", result.school),
                            ("academic_year", result.academic_year), ("term", result.term), ("as_of", result.as_of),
                            ("checked_at", result.checked_at), ("passed", result.passed),
                            ("error_violations", result.errors), ("warning_violations", result.warnings),
                            ("failed_rules", result.failed_rules), ("policy_error", result.policy_error)):
            runs[name].append(value)
        for rule_result in result.results:
            for name, value in (("run_id", result.run_id), ("school_code", result.school),
                                ("academic_year", result.academic_year), ("term", result.term), ("as_of", result.as_of),
                                ("rule_id", rule_result.id), ("severity", rule_result.severity),
                                ("rule_title", rule_result.rule.title), ("violations", rule_result.violations),
                                ("passed", rule_result.passed), ("checked_at", result.checked_at)):
                rules[name].append(value)
            offending = rule_result.rows
            if not offending:
                continue
            count = len(offending)
            for name, value in (("run_id", result.run_id), ("school_code", result.school),
                                ("academic_year", result.academic_year), ("term", result.term),
                                ("severity", rule_result.severity), ("checked_at", result.checked_at)):
                rows[name].extend([value] * count)
            rows["rule_id"].extend(row.rule_id for row in offending)
            rows["check_name"].extend(row.check for row in offending)
            rows["item_term"].extend(row.term for row in offending)
            rows["student_number"].extend(row.student_number for row in offending)
            rows["class_code"].extend(row.class_code for row in offending)
            rows["seat_number"].extend(row.seat_number for row in offending)
            rows["item_key"].extend(row.key for row in offending)
            rows["value"].extend(_text(row.value) for row in offending)
            rows["limit_value"].extend(_text(row.limit) for row in offending)
            rows["teacher_code"].extend(row.teacher_code for row in offending)
            rows["proxy_code"].extend(row.proxy_code for row in offending)
    for table, columns in (("runs", runs), ("rule_results", rules), ("rule_violations", rows)):
        if not columns:
            continue
        types = dict(con.execute(f"select column_name, data_type from information_schema.columns "
                                 f"where table_schema = '{SCHEMA}' and table_name = '{table}'").fetchall())
        # typed as the table is, so that a column of nulls is not read as some other type
        frame = pa.table({name: pa.array(values, type=_ARROW_TYPES[types[name]])  # noqa: F841  (DuckDB reads it by name)
                          for name, values in columns.items()})
        con.execute(f"insert into {SCHEMA}.{table} by name select * from frame")
    return len(results)


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
