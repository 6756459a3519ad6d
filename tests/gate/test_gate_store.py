"""Gate results in the warehouse: runs accumulate; the latest run per school and year is what counts."""

from __future__ import annotations

import dataclasses
import shutil

import duckdb

from expectations.rules import RULES
from pipelines.gate.store import latest_school_status, store_results_at


def test_runs_rules_and_rows_are_stored(gate_warehouse, gate_result, tmp_path):
    warehouse = shutil.copy(gate_warehouse, tmp_path / "warehouse.duckdb")
    assert store_results_at(warehouse, [gate_result]) == 1
    later = dataclasses.replace(gate_result, run_id="later", checked_at=gate_result.checked_at.replace(year=2099),
                                results=tuple(dataclasses.replace(result, rows=()) for result in gate_result.results))
    store_results_at(warehouse, [later])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from gate.runs").fetchall() == [(2,)]
        assert con.execute("select count(*) from gate.rule_results where run_id = ?", [gate_result.run_id]).fetchall() == [(len(RULES),)]
        stored = con.execute("select rule_id, student_number, class_code, seat_number, item_key, value, limit_value "
                             "from gate.rule_violations where rule_id = 'R02'").fetchall()
        assert stored == [("R02", "1130001", "101", 1, "CO-101", "101", "100")]
        assert con.execute("select sum(violations) from gate.latest_rule_results").fetchall() == [(0,)]
        status = latest_school_status(con)
    assert status[["school_code", "passed"]].values.tolist() == [["999001", True]]
