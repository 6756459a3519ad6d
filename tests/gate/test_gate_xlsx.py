"""The gate's workbook writes what staff or students typed as text, never as a live formula."""

from __future__ import annotations

import datetime as dt

import pytest

from expectations.rules import RULES
from expectations.runner import RuleResult, Violation
from pipelines.gate.core import GateResult
from pipelines.gate.xlsx import write_xlsx
from pipelines.safe_cells import CellTooLong
from tests.hostile_cells import FORMULA_LIKE, TOO_LONG, inert_in_xlsx


def _result(values) -> GateResult:
    rows = tuple(Violation("R05", "summary_length", "1130001", "101", 1, value, value, 100) for value in values)
    results = tuple(RuleResult(rule, rows if rule.id == "R05" else ()) for rule in RULES)
    return GateResult("999001", 113, 1, dt.date(2025, 1, 1), results)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    assert inert_in_xlsx(write_xlsx(_result(FORMULA_LIKE), tmp_path / "gate.xlsx"))


def test_a_value_over_a_cell_is_refused_naming_where(tmp_path):
    with pytest.raises(CellTooLong, match="「依班級」第 2 列「項目」欄"):
        write_xlsx(_result([TOO_LONG]), tmp_path / "gate.xlsx")
