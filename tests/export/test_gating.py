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


def _late(key, student, action, term=None):
    check = f"late_upload_{action}" if key.startswith("CO") else f"late_selection_{action}"
    return Violation(rule_id="R26", check=check, student_number=student, class_code="101", seat_number=1,
                     key=key, value=None, limit=None, term=term)


def test_forfeited_late_items_are_left_out_of_every_whole_year_export_and_listed():
    gate = _gate(_late("CO-2", "S1", "forfeit", term=1), _late("DP-1", "S1", "forfeit"))
    verdict = verdict_for(gate, 0)
    assert verdict.passed  # R26 never blocks
    rows = {"export_central__course_outcomes": [_outcome("CO-1", "S1"), _outcome("CO-2", "S1")],
            "export_central__diverse_performances": [_outcome("DP-1", "S1"), _outcome("DP-2", "S1")]}
    kept, exclusions = apply_exclusions(rows, verdict, partial=False)
    assert [row["item_id"] for row in kept["export_central__course_outcomes"]] == ["CO-1"]
    assert [row["item_id"] for row in kept["export_central__diverse_performances"]] == ["DP-2"]
    assert exclusions.manifest_list() == [{"rule": "R26", "key": "CO-2", "學號": "S1", "rows": 1},
                                          {"rule": "R26", "key": "DP-1", "學號": "S1", "rows": 1}]


def test_warned_late_items_stay_in_the_export():
    gate = _gate(_late("CO-2", "S1", "warn", term=1))
    rows = {"export_central__course_outcomes": [_outcome("CO-1", "S1"), _outcome("CO-2", "S1")]}
    kept, exclusions = apply_exclusions(rows, verdict_for(gate, 0), partial=False)
    assert [row["item_id"] for row in kept["export_central__course_outcomes"]] == ["CO-1", "CO-2"]
    assert exclusions.manifest_list() == []


def _row_by_row(rows_by_model, verdict, *, partial):
    """The exclusions as first written, one dict at a time: the oracle for the vectorised version."""
    from pipelines.export.gating import CAP_FLAGS, COURSE_RECORD_RULES, OUTCOME_RULES, PERFORMANCE_RULES, STUDENT_RULES, Exclusions

    tables = {"students": {}, "outcomes": {}, "performances": {}, "records": {}}
    for offence in sorted(verdict.offences if partial else (), key=lambda offence: offence.rule):
        if offence.rule in STUDENT_RULES and offence.student_number:
            tables["students"].setdefault(offence.student_number, offence)
        elif offence.rule in OUTCOME_RULES and offence.key:
            tables["outcomes"].setdefault(offence.key, offence)
        elif offence.rule in PERFORMANCE_RULES and offence.key:
            tables["performances"].setdefault(offence.key, offence)
        elif offence.rule in COURSE_RECORD_RULES:
            tables["records"].setdefault((offence.student_number, offence.key, offence.term), offence)

    def match(model, row):
        found = tables["students"].get(row.get("student_number"))
        if found is not None:
            return found
        if model == "export_central__course_outcomes":
            return tables["outcomes"].get(row.get("item_id"))
        if model == "export_central__diverse_performances":
            return tables["performances"].get(row.get("item_id"))
        if model == "export_central__course_records":
            return tables["records"].get((row.get("student_number"), row.get("course_code"), row.get("term")))
        return None

    exclusions = Exclusions()
    cap_rules = {rule for flags in CAP_FLAGS.values() for rule, _ in flags}
    if partial:
        for offence in verdict.offences:
            if offence.rule not in cap_rules:
                exclusions.add(offence.rule, offence.key, offence.student_number)
    kept = {}
    for model, rows in rows_by_model.items():
        kept[model] = []
        for row in rows:
            offence = match(model, row)
            if offence is not None:
                exclusions.add(offence.rule, offence.key, offence.student_number, 1)
                continue
            beyond = next((rule for rule, flag in CAP_FLAGS.get(model, ()) if row.get(flag) is False), None)
            if beyond is not None:
                exclusions.add(beyond, row.get("item_id"), row.get("student_number"), 1)
                continue
            kept[model].append(row)
    if partial:
        dropped = {(rule, student) for rule, _, student in exclusions.entries}
        for offence in verdict.offences:
            if offence.rule in cap_rules and (offence.rule, offence.student_number) not in dropped:
                exclusions.add(offence.rule, offence.key, offence.student_number)
    return kept, exclusions


def test_vectorised_exclusions_match_the_row_by_row_rules_on_frames_and_dicts():
    import random

    import polars as pl

    from pipelines.export.gating import GateVerdict, Offence

    generator = random.Random(5)
    students = [f"S{number}" for number in range(8)]
    rules = ("R01", "R02", "R05", "R07", "R08", "R10", "R11", "R12", "R13", "R14", "R15")
    flag = lambda: generator.choice((True, True, True, False, None))  # noqa: E731
    for _ in range(30):
        rows = {
            "export_central__course_outcomes": [
                {"item_id": f"CO-{number}", "student_number": generator.choice(students),
                 "is_within_selection_cap": flag(), "is_within_upload_cap": flag()} for number in range(25)],
            "export_central__diverse_performances": [
                {"item_id": f"DP-{number}", "student_number": generator.choice(students),
                 "is_within_selection_cap": flag(), "is_within_upload_cap": flag()} for number in range(25)],
            "export_central__course_records": [
                {"student_number": generator.choice(students), "course_code": generator.choice(("C1", "C2", "C3")),
                 "term": generator.choice((1, 2))} for _ in range(25)],
            "export_central__students": [{"student_number": student} for student in students],
        }
        offences = tuple(
            Offence(rule, generator.choice((f"CO-{generator.randrange(30)}", f"DP-{generator.randrange(30)}", "C1", "C2",
                                            None)),
                    generator.choice((*students, None)), generator.choice((1, 2, None)))
            for rule in generator.choices(rules, k=generator.randrange(12)))
        verdict = GateVerdict(passed=not offences, errors=len(offences), warnings=0, rules=rules, failed_rules=(),
                              offences=offences)
        for partial in (True, False):
            expected_kept, expected = _row_by_row(rows, verdict, partial=partial)
            kept, exclusions = apply_exclusions(rows, verdict, partial=partial)
            assert kept == expected_kept
            assert exclusions.entries == expected.entries and list(exclusions.entries) == list(expected.entries)
            frames = {model: pl.DataFrame(model_rows) for model, model_rows in rows.items()}
            kept_frames, frame_exclusions = apply_exclusions(frames, verdict, partial=partial)
            assert {model: frame.to_dicts() for model, frame in kept_frames.items()} == expected_kept
            assert list(frame_exclusions.entries.items()) == list(expected.entries.items())


def _cadre(student, position, level, term=1):
    return {"student_number": student, "term": term, "unit_name": "一年二班", "position": position,
            "cadre_level": level, "start_date_roc": "1130901"}


def test_a_partial_export_leaves_out_the_export_rows_r24_and_r25_name_in_their_term():
    gate = _gate(_violation("R24", "幹部等級：一年二班+副班長", "S1", term=1),
                 _violation("R25", "校內幹部經歷名冊/幹部經歷紀錄：一年二班+副班長", "S2", term=1))
    rows = {"export_central__cadres": [
        _cadre("S1", "副班長", "9"), _cadre("S1", "班長", "1"), _cadre("S2", "副班長", "2"), _cadre("S2", "副班長", "3"),
        _cadre("S3", "副班長", "2"), _cadre("S1", "副班長", "9", term=2)]}
    kept, exclusions = apply_exclusions(rows, verdict_for(gate, 1), partial=True)
    assert [(row["student_number"], row["position"], row["term"]) for row in kept["export_central__cadres"]] == [
        ("S1", "班長", 1), ("S3", "副班長", 1), ("S1", "副班長", 2)]
    assert exclusions.manifest_list() == [
        {"rule": "R24", "key": "幹部等級：一年二班+副班長", "學號": "S1", "rows": 1},
        {"rule": "R25", "key": "校內幹部經歷名冊/幹部經歷紀錄：一年二班+副班長", "學號": "S2", "rows": 2},
    ]
