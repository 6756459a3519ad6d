"""The gate's verdict per export folder and what a partial export leaves out (no warehouse needed)."""

import datetime as dt

from expectations.rules import RULES_BY_ID
from expectations.runner import RuleResult, Violation
from pipelines.export.gating import apply_exclusions, verdict_for
from pipelines.gate.core import GateResult


def _violation(rule, key, student, term=None):
    return Violation(rule_id=rule, check="c", student_number=student, class_code="101", seat_number=1,
                     key=key, value=None, limit=None, term=term)


def _gate(*violations):
    by_rule = {}
    for violation in violations:
        by_rule.setdefault(violation.rule_id, []).append(violation)
    results = tuple(RuleResult(rule, tuple(by_rule.get(rule_id, ()))) for rule_id, rule in RULES_BY_ID.items())
    return GateResult(school="023865", academic_year=113, term=None, as_of=dt.date(2025, 8, 31), results=results)


def test_a_term_folder_is_blocked_only_by_identity_and_course_code_rules_of_that_term():
    gate = _gate(_violation("R15", "X", "1130001", term=2), _violation("R02", "CO-1", "1130001", term=1),
                 _violation("R19", "Y", "1130002", term=1))
    term1 = verdict_for(gate, 1)
    assert term1.passed and term1.errors == 0 and term1.warnings == 1
    term2 = verdict_for(gate, 2)
    assert not term2.passed and term2.failed_rules == ("R15",)
    whole_year = verdict_for(gate, 0)
    assert whole_year.failed_rules == ("R02",) and whole_year.warnings == 0


def test_a_bad_national_id_blocks_every_folder():
    gate = _gate(_violation("R13", "1130001", "1130001"))
    assert [verdict_for(gate, term).passed for term in (1, 2, 0)] == [False, False, False]


def _outcome(item_id, student, *, within_selection=True, within_upload=True):
    return {"item_id": item_id, "student_number": student, "is_within_selection_cap": within_selection,
            "is_within_upload_cap": within_upload}


def test_partial_export_leaves_out_offending_items_and_whole_students_and_lists_them():
    gate = _gate(_violation("R02", "CO-2", "S1", term=1), _violation("R08", "CO-9", "S1"),
                 _violation("R13", "S2", "S2"))
    rows = {"export_central__course_outcomes": [_outcome("CO-1", "S1"), _outcome("CO-2", "S1"), _outcome("CO-3", "S2"),
                                                _outcome("CO-4", "S2")]}
    kept, exclusions = apply_exclusions(rows, verdict_for(gate, 0), partial=True)
    assert [row["item_id"] for row in kept["export_central__course_outcomes"]] == ["CO-1"]
    assert exclusions.manifest_list() == [
        {"rule": "R02", "key": "CO-2", "學號": "S1", "rows": 1},
        {"rule": "R08", "key": "CO-9", "學號": "S1", "rows": 0},  # selected but not certified: never in the file
        {"rule": "R13", "key": "S2", "學號": "S2", "rows": 2},
    ]


def test_a_course_record_with_a_bad_code_is_left_out_only_in_its_term():
    gate = _gate(_violation("R15", "BADCODE", "S1", term=1))
    rows = {"export_central__course_records": [
        {"student_number": "S1", "course_code": "BADCODE", "term": 1},
        {"student_number": "S1", "course_code": "GOODCODE", "term": 1},
    ]}
    kept, exclusions = apply_exclusions(rows, verdict_for(gate, 1), partial=True)
    assert [row["course_code"] for row in kept["export_central__course_records"]] == ["GOODCODE"]
    assert exclusions.rows_left_out == 1


def test_rows_beyond_a_cap_go_under_the_cap_rule_and_a_cap_violation_without_rows_is_still_listed():
    gate = _gate(_violation("R12", "113", "S1"), _violation("R05", "113-1", "S3", term=1))
    rows = {"export_central__diverse_performances": [
        {"item_id": "DP-1", "student_number": "S1", "is_within_selection_cap": True, "is_within_upload_cap": True},
        {"item_id": "DP-2", "student_number": "S1", "is_within_selection_cap": False, "is_within_upload_cap": True},
    ]}
    kept, exclusions = apply_exclusions(rows, verdict_for(gate, 0), partial=True)
    assert [row["item_id"] for row in kept["export_central__diverse_performances"]] == ["DP-1"]
    assert exclusions.manifest_list() == [
        {"rule": "R05", "key": "113-1", "學號": "S3", "rows": 0},
        {"rule": "R12", "key": "DP-2", "學號": "S1", "rows": 1},
    ]


def test_without_partial_only_the_caps_apply():
    gate = _gate(_violation("R02", "CO-2", "S1", term=1))
    rows = {"export_central__course_outcomes": [_outcome("CO-2", "S1"), _outcome("CO-5", "S1", within_selection=False)]}
    kept, exclusions = apply_exclusions(rows, verdict_for(gate, 0), partial=False)
    assert [row["item_id"] for row in kept["export_central__course_outcomes"]] == ["CO-2"]
    assert exclusions.manifest_list() == [{"rule": "R07", "key": "CO-5", "學號": "S1", "rows": 1}]
