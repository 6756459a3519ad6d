"""The gate end to end on warehouse_fixture: raw rows → dbt → frames → GX → rule results."""

from __future__ import annotations

import dataclasses

import pytest

from expectations.rules import RULES
from pipelines.gate.core import UnknownSchoolOrYear, run_gate
from tests.gate import warehouse_fixture as fx


def keys(result, rule_id):
    return sorted(row.key for row in result.result(rule_id).rows)


def test_every_rule_reports_exactly_the_planted_rows(gate_result):
    assert [result.id for result in gate_result.results] == [rule.id for rule in RULES]
    assert {rule_id: keys(gate_result, rule_id) for rule_id in fx.EXPECTED} == {
        rule_id: sorted(expected) for rule_id, expected in fx.EXPECTED.items()}
    assert not gate_result.passed
    assert gate_result.failed_rules == [rule.id for rule in RULES if rule.is_error]


def rules_naming(result, key):
    return {rule_result.id for rule_result in result.results if key in keys(result, rule_result.id)}


def test_boundaries_pass(gate_result):
    # exactly 100 CJK characters, ".PDF", exactly the document size limit, selected and certified
    assert rules_naming(gate_result, "CO-100") == set()
    # ".MP4" of exactly the video size limit (selected late: R20, and R26 by the school's late_items)
    assert rules_naming(gate_result, "CO-103") == {"R20", "R26"}
    assert rules_naming(gate_result, "CO-111") == {"R28"}  # uploaded on the deadline day; certified by T003
    assert rules_naming(gate_result, "CO-101") == {"R02"}  # selected then un-selected: neither R07 nor R08
    assert "1130003" not in keys(gate_result, "R13")  # a valid new-format resident certificate
    assert "1130004" not in keys(gate_result, "R13")  # a valid old-format resident certificate
    # 1130001 entered two performances and a school-registered one, selected one of each: within caps of 2 and 1
    assert [row.student_number for row in gate_result.result("R11").rows] == ["1130002"]
    assert [row.student_number for row in gate_result.result("R12").rows] == ["1130002"]


def test_rows_say_who_and_what(gate_result):
    [row] = gate_result.result("R02").rows
    assert (row.student_number, row.class_code, row.seat_number, row.value, row.limit) == ("1130001", "101", 1, 101, 100)
    [row] = gate_result.result("R13").rows
    assert row.value == "A12****788"  # masked: never the whole ID
    left, on_leave = gate_result.result("R18").rows
    assert (left.teacher_code, left.proxy_code, left.proxy_step) == ("T002", "T003", "同科目同年級教師")
    assert (on_leave.teacher_code, on_leave.proxy_code) == ("T004", "T003")  # 留職停薪 is in proxy_needed_for


def test_now_is_the_as_of_date(gate_warehouse):
    early = run_gate(gate_warehouse, fx.SCHOOL, fx.YEAR, None, fx.BEFORE_T002_LEFT)
    assert early.result("R17").violations == 0  # submitted five days before, deadline ahead
    assert [row.key for row in early.result("R18").rows] == ["CO-114"]  # T002 has not left yet; T004 is on leave
    late = run_gate(gate_warehouse, fx.SCHOOL, fx.YEAR, None, fx.AS_OF)
    assert (late.result("R17").violations, late.result("R18").violations) == (1, 2)


def test_r18_follows_the_schools_proxy_needed_for(gate_warehouse):
    from pipelines.gate.core import read_policy
    from pipelines.gate.frames import prepare_frames
    from expectations.runner import read_frames

    policy, _ = read_policy(gate_warehouse, fx.SCHOOL)
    only_left = dataclasses.replace(policy, proxy_needed_for=("離職",))
    frames = prepare_frames(read_frames(gate_warehouse, fx.SCHOOL, fx.YEAR), only_left, fx.AS_OF)
    outcomes = frames["fct_gate_course_outcomes"].set_index("outcome_id")
    assert (outcomes.loc["CO-114", "needs_proxy"], outcomes.loc["CO-108", "needs_proxy"]) == (False, True)


def test_a_term_narrows_the_per_term_rules(gate_warehouse):
    term2 = run_gate(gate_warehouse, fx.SCHOOL, fx.YEAR, 2, fx.AS_OF)
    assert term2.result("R14").violations == 0  # the shared ID is in term 1 only
    assert term2.result("R01").violations == 0  # every outcome is from term 1
    assert term2.result("R13").violations == 1  # a student's ID is checked once a year


def test_a_clean_school_passes(gate_warehouse):
    result = run_gate(gate_warehouse, fx.CLEAN_SCHOOL, fx.YEAR, None, fx.AS_OF)
    assert result.passed and result.errors == 0 and result.warnings == 0


def test_unknown_school_or_year(gate_warehouse):
    with pytest.raises(UnknownSchoolOrYear):
        run_gate(gate_warehouse, "000000", fx.YEAR, None, fx.AS_OF)
    with pytest.raises(UnknownSchoolOrYear):
        run_gate(gate_warehouse, fx.SCHOOL, 99, None, fx.AS_OF)


def test_passed_is_false_exactly_when_an_error_rule_has_violations(gate_result):
    only_warnings = dataclasses.replace(
        gate_result, results=tuple(result if not result.rule.is_error else dataclasses.replace(result, rows=())
                                   for result in gate_result.results))
    assert only_warnings.passed and only_warnings.warnings == gate_result.warnings


def test_a_failed_gate_can_raise_a_typed_failure(gate_result, gate_warehouse):
    from pipelines.gate.core import GateFailed

    with pytest.raises(GateFailed) as failure:
        gate_result.raise_if_failed()
    assert failure.value.result is gate_result and "R01" in str(failure.value)
    assert run_gate(gate_warehouse, fx.CLEAN_SCHOOL, fx.YEAR, None, fx.AS_OF).raise_if_failed().passed
