"""Run the gate's suites on the narrow frames of one school and year, and type the results.

GX 1.24 has no usable DuckDB source, so the frames are read from the warehouse into pandas (read-only,
short-lived connection) and validated with an ephemeral context and the pandas data source: nothing is
written to disk. Results are asked for in the COMPLETE format with a row id as the index column, so
every offending row comes back, not the first twenty.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from expectations.rules import RULES, Rule
from expectations.suites import SUITES, SuiteSpec

GATE_SCHEMA = "marts"  # dbt's marts/gate folder builds here (dbt_project.yml)
ROW_ID = "_row_id"

# Every narrow model the suites read; those with a `term` column are narrowed to --term when given.
FRAMES: tuple[str, ...] = tuple(dict.fromkeys(spec.frame for spec in SUITES))


class GateError(RuntimeError):
    """The gate could not be evaluated (a missing model or column, an expectation that raised)."""


@dataclass(frozen=True)
class Violation:
    """One offending row, with what staff need to act on it (never a whole national ID)."""

    rule_id: str
    check: str  # which expectation of the rule (e.g. document_size)
    student_number: str | None
    class_code: str | None
    seat_number: int | None
    key: str | None  # the item: outcome id, performance id, course code, "113-1" for a student's term…
    value: Any
    limit: Any
    term: int | None = None
    teacher_code: str | None = None  # R17/R18: whose backlog it is
    teacher_name: str | None = None
    proxy_code: str | None = None  # R18: who should certify instead
    proxy_name: str | None = None
    proxy_step: str | None = None


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    rows: tuple[Violation, ...] = ()

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def violations(self) -> int:
        return len(self.rows)

    @property
    def passed(self) -> bool:
        return not self.rows


@dataclass
class GateFrames:
    """The narrow frames of one school and year (and term), plus what reports and proxies need."""

    frames: dict[str, pd.DataFrame]
    teachers: pd.DataFrame = field(default_factory=pd.DataFrame)
    classes: pd.DataFrame = field(default_factory=pd.DataFrame)


def read_frames(warehouse: Path, school: str, year: int, term: int | None = None) -> GateFrames:
    """Every gate frame of one school and year from the warehouse (read-only, closed before returning)."""
    from pipelines.warehouse import connect, table_exists

    from pipelines.gate.exported import FRAMES as EXPORTED_FRAMES, create_exported_views, frame_relation

    frames: dict[str, pd.DataFrame] = {}
    with connect(warehouse, read_only=True) as con:
        for name in (*FRAMES, "dim_teachers", "dim_classes"):
            if name not in EXPORTED_FRAMES and not table_exists(con, GATE_SCHEMA, name):
                raise GateError(f"倉儲缺少 {GATE_SCHEMA}.{name}：請先執行 portfolio build")
        con.execute("create or replace temp table gate_read_target as select ?::varchar as school_code, "
                    "?::integer as academic_year", [school, year])
        create_exported_views(con, "gate_read_target")
        for name in FRAMES:
            relation = frame_relation(name, GATE_SCHEMA)
            columns = {row[0] for row in con.execute(f"describe {relation}").fetchall()}
            where, parameters = "school_code = ? and academic_year = ?", [school, year]
            if term is not None and "term" in columns:
                where += " and term = ?"
                parameters.append(term)
            frames[name] = con.execute(f"select * from {relation} where {where}", parameters).df()
        teachers = con.execute(f"select * from {GATE_SCHEMA}.dim_teachers where school_code = ?", [school]).df()
        classes = con.execute(
            f"select * from {GATE_SCHEMA}.dim_classes where school_code = ? and academic_year = ?", [school, year]
        ).df()
    return GateFrames(frames=frames, teachers=teachers, classes=classes)


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate_frames(frames: Mapping[str, pd.DataFrame], policy, suites: Iterable[SuiteSpec] = SUITES) -> list[RuleResult]:
    """Every rule's result: each suite built from `policy` and validated on its frame.

    Rules no given suite checks are reported with no rows only if they belong to a suite that ran; the
    full gate runs every suite, so every rule R01–R28 appears.
    """
    import great_expectations as gx

    context = _context()
    source = context.data_sources.add_pandas("gate")
    found: dict[str, dict[tuple, Violation]] = {}
    checked: set[str] = set()
    for spec in suites:
        if spec.frame not in frames:
            raise GateError(f"no frame {spec.frame} for suite {spec.name}")
        frame = frames[spec.frame].reset_index(drop=True)
        frame[ROW_ID] = range(len(frame))
        suite = context.suites.add(spec.build(policy))
        batch = source.add_dataframe_asset(spec.name).add_batch_definition_whole_dataframe("whole")
        validation = gx.ValidationDefinition(data=batch, suite=suite, name=spec.name)
        result = validation.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]},
        )
        for outcome in result.results:
            meta = outcome.expectation_config.meta
            rule_id = meta["rule"]
            checked.add(rule_id)
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise GateError(f"{spec.name} {rule_id} {meta['check']}: {outcome.exception_info.get('exception_message')}")
            if outcome.success:
                continue
            rows = found.setdefault(rule_id, {})
            for index in outcome.result.get("unexpected_index_list") or []:
                violation = _violation(rule_id, meta, frame.iloc[int(index[ROW_ID])])
                # One violation per item (its term, student and key): an item failing two checks of a rule
                # is reported once, with the first check (suites list checks in the order a fixer takes
                # them); a 學號 delivered twice in a term is one R14 violation, not two.
                rows.setdefault((violation.term, violation.student_number, violation.key), violation)
    return [RuleResult(rule, tuple(_sorted(found.get(rule.id, {}).values())))
            for rule in RULES if rule.id in checked]


def _sorted(rows: Iterable[Violation]) -> list[Violation]:
    return sorted(rows, key=lambda row: (row.class_code or "\uffff", row.seat_number if row.seat_number is not None else 10**6,
                                         row.student_number or "", row.key or "", row.check))


# Violation field → the frame column it is taken from (besides the rule's value and limit columns)
_VIOLATION_FIELDS = {
    "student_number": "student_number", "class_code": "class_code", "seat_number": "seat_number",
    "key": "item_key", "term": "term", "teacher_code": "certifying_teacher_code",
    "teacher_name": "certifying_teacher_name", "proxy_code": "proxy_code", "proxy_name": "proxy_name",
    "proxy_step": "proxy_step",
}


def violation_columns(meta: Mapping[str, Any]) -> list[str]:
    """Every frame column `_violation` reads for a check with this meta."""
    return list(dict.fromkeys([*_VIOLATION_FIELDS.values(), meta["value_column"],
                               *filter(None, [meta.get("limit_column")])]))


def _violation(rule_id: str, meta: Mapping[str, Any], row: pd.Series) -> Violation:
    limit = meta.get("limit")
    if meta.get("limit_column"):
        limit = plain(row.get(meta["limit_column"]))
    return Violation(
        rule_id=rule_id,
        check=meta["check"],
        value=plain(row.get(meta["value_column"])),
        limit=limit,
        **{field: plain(row.get(column)) for field, column in _VIOLATION_FIELDS.items()},
    )


def plain(value: Any) -> Any:
    """A frame value as plain JSON-able Python: None for missing, int/float/str/bool, ISO dates."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds") if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return int(value)
    return value
