"""The gate's machine-readable result: JSON exactly as rules.md shows it.

Top level: school, academic_year, term (null for the whole year), as_of (the "now" R17/R18 used),
passed, rules. Every rule R01–R28 is listed, with `violations: 0` when it holds. A row names the
student by 學號, 班級 and 座號 (never a national ID; R13/R14 show it masked), the item's key, the
measured value and the limit; R17/R18 rows add the teacher (教師) and R18 the proxy (代理教師).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from expectations.runner import RuleResult, Violation
from pipelines.gate.core import GateResult

BACKLOG_RULES = ("R17", "R18")


def row_json(row: Violation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "學號": row.student_number,
        "班級": row.class_code,
        "座號": row.seat_number,
        "key": row.key,
        "value": row.value,
        "limit": row.limit,
    }
    if row.rule_id in BACKLOG_RULES:
        data["教師"] = row.teacher_code
    if row.rule_id == "R18":
        data["代理教師"] = row.proxy_code
    return data


def rule_json(result: RuleResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "severity": result.severity,
        "violations": result.violations,
        "rows": [row_json(row) for row in result.rows],
    }


def gate_json(result: GateResult) -> dict[str, Any]:
    return {
        "school": result.school,
        "academic_year": result.academic_year,
        "term": result.term,
        "as_of": result.as_of.isoformat(),
        "passed": result.passed,
        "rules": [rule_json(rule_result) for rule_result in result.results],
    }


def write_json(result: GateResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    # orjson: the same text as json.dumps(indent=2, ensure_ascii=False), which falls back to Python's
    # pure-Python encoder when indenting (the nation's 1,000 reports: 7 s, with orjson under 1 s)
    temporary.write_bytes(orjson.dumps(gate_json(result), option=orjson.OPT_INDENT_2) + b"\n")
    temporary.replace(path)
    return path
