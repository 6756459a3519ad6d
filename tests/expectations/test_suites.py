"""Each rule: the clean frames pass every rule, and one broken value fails exactly that rule.

Suites run on small pandas frames (no dbt): the facts dbt computes are given directly here; their SQL
has its own dbt unit tests (dbt_project/models/marts/gate/_gate__models.yml).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from expectations.rules import RULES
from expectations.runner import validate_frames
from expectations.suites import ENTRY_AGE_RANGE, SUITES
from tests.expectations.frames import POLICY, clean_frames, frames_plus, frames_with


def failing(frames, policy=POLICY, frame: str | None = None) -> dict[str, int]:
    """Rules with violations. With `frame`, only the suites reading that frame run (the others' frames
    are the clean ones, which pass: test_clean_frames_pass_every_rule), which keeps the tests fast."""
    suites = [spec for spec in SUITES if frame is None or spec.frame == frame]
    return {result.id: result.violations for result in validate_frames(frames, policy, suites) if result.violations}


def results(frames, frame: str, policy=POLICY):
    return validate_frames(frames, policy, [spec for spec in SUITES if spec.frame == frame])


def test_clean_frames_pass_every_rule():
    results = validate_frames(clean_frames(), POLICY)
    assert [result.id for result in results] == [rule.id for rule in RULES]
    assert all(result.passed for result in results)


def test_every_suite_is_a_function_of_the_policy_returning_a_suite():
    import great_expectations as gx

    for spec in SUITES:
        suite = spec.build(POLICY)
        assert isinstance(suite, gx.ExpectationSuite) and suite.expectations, spec.name
        assert all(expectation.meta["rule"] for expectation in suite.expectations)


OUTCOMES = "fct_gate_course_outcomes"
BROKEN = [
    # rule, frame, row, changes
    ("R01", OUTCOMES, 0, {"summary_chars": 0}),
    ("R02", OUTCOMES, 0, {"summary_chars": POLICY.summary_max_chars + 1}),
    ("R03", OUTCOMES, 0, {"has_file": False, "document_file_type": None, "document_bytes": None}),
    ("R04", OUTCOMES, 0, {"document_file_type": "docx"}),
    ("R04", OUTCOMES, 0, {"document_bytes": POLICY.document_max_bytes + 1}),
    ("R04", OUTCOMES, 1, {"video_file_type": "mov"}),
    ("R04", OUTCOMES, 1, {"video_bytes": POLICY.video_max_bytes + 1}),
    ("R04", OUTCOMES, 0, {"document_file_type": ""}),  # a file name without an extension
    ("R05", "fct_gate_student_terms", 0, {"course_outcome_uploads": POLICY.course_outcome_upload_cap_per_term + 1}),
    ("R06", OUTCOMES, 0, {"has_course_record": False}),
    ("R07", "fct_gate_student_years", 0, {"selected_course_outcomes": POLICY.course_outcome_selection_cap_per_year + 1}),
    ("R08", "fct_gate_selections", 0, {"certification_state": "待認證"}),
    ("R08", "fct_gate_selections", 0, {"certification_state": "已取消"}),
    ("R09", "fct_gate_failed_certifications", 0, {"has_reason": False, "events_without_reason": 1}),
    ("R10", "fct_gate_diverse_performances", 0, {"summary_chars": 0}),
    ("R10", "fct_gate_diverse_performances", 0, {"summary_chars": POLICY.summary_max_chars + 1}),
    ("R10", "fct_gate_diverse_performances", 0, {"document_file_type": "exe"}),
    ("R10", "fct_gate_diverse_performances", 1, {"video_bytes": POLICY.video_max_bytes + 1}),
    ("R10", "fct_gate_diverse_performances", 0, {"external_url": "ftp://example.org/a"}),
    ("R10", "fct_gate_diverse_performances", 0, {"external_url": "www.example.org"}),
    ("R11", "fct_gate_student_years", 0, {"student_entered_performances": POLICY.diverse_upload_cap_per_year + 1}),
    ("R12", "fct_gate_student_years", 0,
     {"selected_student_entered_performances": POLICY.diverse_selection_cap_per_year + 1}),
    ("R13", "fct_gate_students", 0, {"is_national_id_valid": False}),
    ("R14", "fct_gate_identities", 1, {"national_id_digest": "d1"}),
    ("R14", "fct_gate_identities", 1, {"student_number": "1130001", "item_key": "1130001"}),
    ("R15", "fct_gate_course_records", 0, {"is_course_code_valid": False}),
    ("R16", OUTCOMES, 0, {"upload_days_late": 1}),
    ("R17", OUTCOMES, 1, {"pending_days": POLICY.certification_days_after_upload + 1}),
    ("R17", OUTCOMES, 1, {"days_past_certification_deadline": 1}),
    ("R18", OUTCOMES, 1, {"needs_proxy": True, "proxy_code": "T003"}),
    ("R19", "fct_gate_course_records", 0, {"score": 59.9}),
    ("R19", "fct_gate_course_records", 1, {"score": 60.0}),
    ("R20", "fct_gate_selections", 0, {"selection_days_late": 1}),
    ("R21", OUTCOMES, 0, {"carries_credits": False}),
    ("R22", OUTCOMES, 0, {"is_on_register": False}),
    ("R22", "fct_gate_selections", 1, {"is_on_register": False}),
    ("R22", "fct_gate_diverse_performances", 1, {"is_on_register": False}),
    ("R23", "fct_gate_students", 0, {"has_birth_date": False, "birth_date": None, "entry_age": None}),
    ("R23", "fct_gate_students", 0, {"entry_age": ENTRY_AGE_RANGE[0] - 1}),
    ("R23", "fct_gate_students", 0, {"entry_age": ENTRY_AGE_RANGE[1] + 1}),
    ("R26", OUTCOMES, 0, {"upload_days_late": 1}),
    ("R26", "fct_gate_selections", 0, {"selection_days_late": 1}),
    ("R27", "fct_gate_diverse_performances", 0, {"entry_days_late": 1}),
    ("R28", OUTCOMES, 0, {"is_certified_by_other_teacher": True, "certified_by_teacher_code": "T009",
                          "is_certifier_accepted": False}),
    ("R28", OUTCOMES, 0, {"is_changed_after_certification": True}),
    ("R24", "fct_gate_exported_codes", 0, {"code": "在校", "is_known_code": False}),
    ("R25", "fct_gate_exported_rows", 0, {"rows_sharing_key": 2}),
]
# a late upload or selection is R16/R20 and, whatever the school's late_items says, R26
ALSO_FAILING = {"upload_days_late": {"R16": 1, "R26": 1}, "selection_days_late": {"R20": 1, "R26": 1}}


@pytest.mark.parametrize(("rule", "frame", "row", "changes"), BROKEN,
                         ids=[f"{rule}-{'-'.join(changes)}" for rule, _, _, changes in BROKEN])
def test_a_broken_value_fails_exactly_its_rule(rule, frame, row, changes):
    # both students sharing an ID are listed; a 學號 on two rows is one violation
    expected = 2 if changes == {"national_id_digest": "d1"} else 1
    also = next((rules for column, rules in ALSO_FAILING.items() if column in changes), {})
    assert failing(frames_with(frame, row, **changes), frame=frame) == {rule: expected, **also}


def test_every_rule_has_a_broken_case():
    assert {rule for rule, *_ in BROKEN} == {rule.id for rule in RULES}


# --- contract v2 rules and the policy keys they read --------------------------------------------------

def test_r26_names_the_schools_late_items_action_and_never_blocks():
    for action in ("warn", "forfeit"):
        policy = dataclasses.replace(POLICY, late_items=action)
        [r26] = [result for result in results(frames_with(OUTCOMES, 0, upload_days_late=2), OUTCOMES, policy)
                 if result.id == "R26"]
        assert ([row.check for row in r26.rows], r26.rule.is_error) == ([f"late_upload_{action}"], False)


def test_r26_ignores_a_late_selection_no_longer_selected():
    frames = frames_with("fct_gate_selections", 0, is_selected=False, selection_days_late=3)
    assert failing(frames, frame="fct_gate_selections") == {"R20": 1}


def test_r27_requires_a_proof_only_when_the_policy_says_so():
    frames = frames_with("fct_gate_diverse_performances", 0, has_proof=False)
    assert failing(frames, frame="fct_gate_diverse_performances") == {}
    strict = dataclasses.replace(POLICY, diverse_requires_proof=True)
    assert failing(frames, strict, frame="fct_gate_diverse_performances") == {"R27": 1}


def test_r27_school_registered_entries_need_neither_window_nor_proof():
    strict = dataclasses.replace(POLICY, diverse_requires_proof=True)
    frames = frames_with("fct_gate_diverse_performances", 1, has_proof=False, entry_days_late=30)
    assert failing(frames, strict, frame="fct_gate_diverse_performances") == {}


def test_r28_accepts_the_proxy_the_order_names():
    frames = frames_with(OUTCOMES, 0, is_certified_by_other_teacher=True, certified_by_teacher_code="T004",
                         is_certifier_accepted=True)
    assert failing(frames, frame=OUTCOMES) == {}


def test_an_imported_item_selected_here_is_judged_as_a_sent_record_not_as_term_work():
    # a transferred student's outcome from the sending school: no course record, term window or register
    # row here, a teacher of that school; only what this school sends is judged (content, selection, caps)
    imported = {"is_own_upload": False, "has_course_record": False, "carries_credits": False, "is_on_register": False,
                "upload_days_late": 30, "certification_state": "待認證", "is_awaiting_certification": True,
                "pending_days": 99, "days_past_certification_deadline": 30, "needs_proxy": True,
                "is_certifier_accepted": False, "is_changed_after_certification": True}
    assert failing(frames_with(OUTCOMES, 0, **imported), frame=OUTCOMES) == {}
    assert failing(frames_with(OUTCOMES, 0, **imported, summary_chars=0), frame=OUTCOMES) == {"R01": 1}
    entry = {"is_own_entry": False, "is_on_register": False, "entry_days_late": 30}
    assert failing(frames_with("fct_gate_diverse_performances", 0, **entry), frame="fct_gate_diverse_performances") == {}
    assert failing(frames_with("fct_gate_diverse_performances", 0, **entry, external_url="ftp://x"),
                   frame="fct_gate_diverse_performances") == {"R10": 1}


def test_r21_is_not_judged_without_a_course_record():
    # no record at all is R06's; R21 is about the record that does match
    assert failing(frames_with(OUTCOMES, 0, has_course_record=False, carries_credits=False), frame=OUTCOMES) == {"R06": 1}


# --- boundaries ------------------------------------------------------------------------------------

def test_summary_of_exactly_the_limit_passes_and_one_more_fails():
    assert failing(frames_with(OUTCOMES, 0, summary_chars=POLICY.summary_max_chars), frame=OUTCOMES) == {}
    assert failing(frames_with(OUTCOMES, 0, summary_chars=POLICY.summary_max_chars + 1), frame=OUTCOMES) == {"R02": 1}


def test_file_of_exactly_the_size_limit_passes():
    assert failing(frames_with(OUTCOMES, 0, document_bytes=POLICY.document_max_bytes), frame=OUTCOMES) == {}
    assert failing(frames_with(OUTCOMES, 1, video_bytes=POLICY.video_max_bytes), frame=OUTCOMES) == {}


def test_the_limits_come_from_the_policy():
    strict = dataclasses.replace(POLICY, summary_max_chars=50, course_outcome_upload_cap_per_term=3,
                                 document_types=("pdf",), certification_days_after_upload=3)
    assert failing(clean_frames(), strict) == {"R02": 1, "R05": 1, "R10": 1, "R17": 1}


def test_an_item_failing_two_checks_of_a_rule_is_one_violation():
    frames = frames_with(OUTCOMES, 0, document_file_type="docx", document_bytes=POLICY.document_max_bytes + 1)
    [result] = [result for result in results(frames, OUTCOMES) if result.id == "R04"]
    assert result.violations == 1
    assert (result.rows[0].value, result.rows[0].limit) == ("docx", list(POLICY.document_types))


def test_unselected_items_are_not_r08_but_a_late_selection_happened():
    frames = frames_with("fct_gate_selections", 0, is_selected=False, certification_state="待認證", selection_days_late=3)
    assert failing(frames, frame="fct_gate_selections") == {"R20": 1}


def test_uncertified_selected_diverse_performance_is_not_r08():
    # R08 is about course outcomes; a diverse performance is never certified
    assert failing(frames_with("fct_gate_selections", 1, certification_state=None), frame="fct_gate_selections") == {}


def test_r17_and_r18_only_concern_items_awaiting_certification():
    certified = frames_with(OUTCOMES, 0, pending_days=30, days_past_certification_deadline=5, needs_proxy=True)
    assert failing(certified, frame=OUTCOMES) == {}


def test_null_score_or_flag_is_not_an_r19_disagreement():
    assert failing(frames_with("fct_gate_course_records", 0, score=None), frame="fct_gate_course_records") == {}
    assert failing(frames_with("fct_gate_course_records", 0, is_passed=None, score=10.0), frame="fct_gate_course_records") == {}


def test_r14_across_terms_is_not_a_duplicate():
    other_term = {**frames_with("fct_gate_identities", 0)["fct_gate_identities"].iloc[0].to_dict(), "term": 2}
    assert failing(frames_plus("fct_gate_identities", other_term), frame="fct_gate_identities") == {}


def test_every_offending_row_is_reported_not_only_the_first_twenty():
    many = [{**frames_with(OUTCOMES, 0)[OUTCOMES].iloc[0].to_dict(), "outcome_id": f"CO-X{i}", "item_key": f"CO-X{i}",
             "summary_chars": 0} for i in range(45)]
    assert failing(frames_plus(OUTCOMES, *many), frame=OUTCOMES) == {"R01": 45}


def test_rows_carry_student_class_seat_key_value_and_limit():
    frames = frames_with(OUTCOMES, 0, summary_chars=118)
    [row] = next(result for result in results(frames, OUTCOMES) if result.id == "R02").rows
    assert (row.student_number, row.class_code, row.seat_number, row.key, row.value, row.limit) == (
        "1130001", "101", 1, "CO-1", 118, POLICY.summary_max_chars)


def test_deadline_rules_report_the_deadline_as_limit():
    frames = frames_with(OUTCOMES, 0, upload_days_late=3, uploaded_at=pd.Timestamp("2025-02-06 08:30"))
    [row] = next(result for result in results(frames, OUTCOMES) if result.id == "R16").rows
    assert (row.value, row.limit) == ("2025-02-06 08:30:00", "2025-02-03")
