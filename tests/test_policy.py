from datetime import date

import pytest

from pipelines.policy import (
    DEFAULT_POLICY, PROXY_STEPS, PolicyError, SubmissionDeadline, TermWindow, load_policy, parse_policy,
)

FIXTURES = __import__("pathlib").Path(__file__).parent / "ingest" / "fixtures"


def test_no_file_means_the_national_defaults(tmp_path):
    assert load_policy(None) is DEFAULT_POLICY
    assert load_policy(tmp_path / "policy.yaml") is DEFAULT_POLICY
    assert parse_policy("# only a comment\n") is DEFAULT_POLICY


def test_the_defaults_are_the_ones_policy_md_states():
    assert (DEFAULT_POLICY.course_outcome_upload_cap_per_term, DEFAULT_POLICY.course_outcome_selection_cap_per_year) == (9, 6)
    assert (DEFAULT_POLICY.diverse_upload_cap_per_year, DEFAULT_POLICY.diverse_selection_cap_per_year) == (30, 10)
    assert (DEFAULT_POLICY.document_max_bytes, DEFAULT_POLICY.video_max_bytes) == (4194304, 10485760)
    assert DEFAULT_POLICY.proxy_order == PROXY_STEPS
    assert (DEFAULT_POLICY.terms, DEFAULT_POLICY.selection_deadlines) == ((), {})
    assert (DEFAULT_POLICY.late_items, DEFAULT_POLICY.diverse_requires_proof) == ("warn", False)
    assert DEFAULT_POLICY.proxy_needed_for == ("離職", "留職停薪")
    assert (DEFAULT_POLICY.receipt_confirmation_days, DEFAULT_POLICY.dispute_days) == (3, 3)
    assert (DEFAULT_POLICY.diverse_entry_deadlines, DEFAULT_POLICY.submission_deadlines) == ({}, ())


def test_the_version_2_keys_are_read():
    policy = parse_policy(
        "late_items: forfeit\n"
        "diverse_entry_deadlines: {113: 114/07/31}\n"
        "diverse_requires_proof: true\n"
        "proxy_needed_for: [離職, 留職停薪, 離職]\n"
        "receipt_confirmation_days: 5\n"
        "dispute_days: 7\n"
        "submission_deadlines:\n- {academic_year: 113, term: 0, roster: 學生課程學習成果名冊, due: 2025-09-10}\n"
    )
    assert (policy.late_items, policy.diverse_requires_proof) == ("forfeit", True)
    assert policy.diverse_entry_deadlines == {113: date(2025, 7, 31)}
    assert policy.proxy_needed_for == ("離職", "留職停薪")
    assert (policy.receipt_confirmation_days, policy.dispute_days) == (5, 7)
    assert policy.submission_deadlines == (SubmissionDeadline(113, 0, "學生課程學習成果名冊", date(2025, 9, 10)),)


def test_a_units_internal_deadline_is_two_weeks_before_the_ministrys():
    deadline = SubmissionDeadline(113, 1, "學生成績名冊", date(2025, 3, 10))
    assert deadline.internal_deadline == date(2025, 2, 24)


def test_a_term_entry_may_name_a_grade_beside_the_grade_less_one():
    policy = parse_policy(
        "terms:\n"
        "- {academic_year: 113, term: 2, upload_deadline: 2025-07-14, certification_deadline: 2025-07-21}\n"
        "- {academic_year: 113, term: 2, grade: 3, upload_deadline: 2025-05-05, certification_deadline: 2025-05-12}\n"
    )
    assert policy.terms == (
        TermWindow(113, 2, date(2025, 7, 14), date(2025, 7, 21)),
        TermWindow(113, 2, date(2025, 5, 5), date(2025, 5, 12), grade=3),
    )


def test_a_valid_file_overrides_the_defaults_and_reads_roc_and_iso_dates():
    policy = load_policy(FIXTURES / "valid" / "policy.yaml")
    assert policy.course_outcome_upload_cap_per_term == 6
    assert policy.video_types == DEFAULT_POLICY.video_types  # not in the file: default
    assert policy.proxy_order == ("designated_proxy", "same_subject", "teaching_section_chief")
    assert policy.terms == (
        TermWindow(113, 1, date(2025, 2, 3), date(2025, 2, 10)),
        TermWindow(113, 2, date(2025, 7, 14), date(2025, 7, 21)),
        TermWindow(113, 2, date(2025, 5, 5), date(2025, 5, 12), grade=3),
    )
    assert policy.selection_deadlines == {113: date(2025, 8, 15)}


@pytest.mark.parametrize(
    "text, key, says",
    [
        ("course_outcome_cap: 3", "course_outcome_cap", "did you mean 'course_outcome_upload_cap_per_term'?"),
        ("summary_max_chars: '80'", "summary_max_chars", "must be a whole number"),
        ("retention_years: 6", "retention_years", "between 1 and 5"),
        ("diverse_upload_cap_per_year: -1", "diverse_upload_cap_per_year", "between 0 and"),
        ("course_outcome_selection_cap_per_year: 7", "course_outcome_selection_cap_per_year", "between 0 and 6"),
        ("document_types: [pdf, .PNG]", "document_types[1]", "lowercase file extension"),
        ("video_types: mp4", "video_types", "list of file extensions"),
        ("proxy_order: [same_subject, principal]", "proxy_order[1]", "unknown step 'principal'"),
        ("proxy_order: [same_subject, same_subject]", "proxy_order[1]", "listed twice"),
        ("terms:\n- {academic_year: 113, term: 3, upload_deadline: 2025-02-03, certification_deadline: 2025-02-10}",
         "terms[0].term", "1 or 2"),
        ("terms:\n- {academic_year: 113, term: 1, upload_deadline: 114/02/30, certification_deadline: 2025-02-10}",
         "terms[0].upload_deadline", "not a date"),
        ("terms:\n- {academic_year: 113, term: 1, upload_deadline: 1140211, certification_deadline: 2025-02-10}",
         "terms[0].upload_deadline", "after its certification_deadline"),
        ("terms:\n- {academic_year: 113, term: 1, upload_deadline: 2025-02-03}", "terms[0].certification_deadline", "missing"),
        ("terms:\n- {academic_year: 113, trem: 1}", "terms[0].trem", "did you mean 'term'?"),
        ("terms:\n- {academic_year: 113, term: 1, upload_deadline: 2025-02-03, certification_deadline: 2025-02-10}\n"
         "- {academic_year: 113, term: 1, upload_deadline: 2025-02-03, certification_deadline: 2025-02-10}",
         "terms[1]", "repeats academic_year 113 term 1"),
        ("selection_deadlines: {113: soon}", "selection_deadlines.113", "not a date"),
        ("late_items: drop", "late_items", "one of warn, forfeit"),
        ("diverse_entry_deadlines: {113: later}", "diverse_entry_deadlines.113", "not a date"),
        ("diverse_requires_proof: yes please", "diverse_requires_proof", "true or false"),
        ("proxy_needed_for: [離職, 長假]", "proxy_needed_for[1]", "not a 在職狀態"),
        ("proxy_needed_for: 離職", "proxy_needed_for", "must be a list"),
        ("receipt_confirmation_days: 2", "receipt_confirmation_days", "between 3 and"),
        ("dispute_days: 0", "dispute_days", "between 1 and"),
        ("terms:\n- {academic_year: 113, term: 2, grade: 5, upload_deadline: 2025-05-05, certification_deadline: 2025-05-12}",
         "terms[0].grade", "between 1 and 4"),
        ("terms:\n- {academic_year: 113, term: 2, grade: 3, upload_deadline: 2025-05-05, certification_deadline: 2025-05-12}\n"
         "- {academic_year: 113, term: 2, grade: 3, upload_deadline: 2025-05-05, certification_deadline: 2025-05-12}",
         "terms[1]", "repeats academic_year 113 term 2 grade 3"),
        ("submission_deadlines:\n- {academic_year: 113, term: 1, roster: 成績單, due: 2025-03-10}",
         "submission_deadlines[0].roster", "is not a 名冊"),
        ("submission_deadlines:\n- {academic_year: 113, term: 3, roster: 學生成績名冊, due: 2025-03-10}",
         "submission_deadlines[0].term", "1, 2 or 0"),
        ("submission_deadlines:\n- {academic_year: 113, term: 1, roster: 學生成績名冊}", "submission_deadlines[0].due", "missing"),
        ("submission_deadlines:\n- {academic_year: 113, term: 1, roster: 學生成績名冊, due: 2025-03-10, by: 註冊組}",
         "submission_deadlines[0].by", "unknown key"),
        ("selection_deadlines: [2025-08-15]", "selection_deadlines", "mapping of academic year"),
        ("- retention_years: 3", None, "must be a mapping"),
        ("retention_years: [3", None, "not valid YAML"),
    ],
)
def test_every_error_names_the_offending_key(text, key, says):
    with pytest.raises(PolicyError) as error:
        parse_policy(text, source="013301/policy.yaml")
    assert error.value.key == key
    assert says in str(error.value)
    assert str(error.value).startswith("013301/policy.yaml: ")


def test_every_key_in_error_is_listed_with_its_value():
    with pytest.raises(PolicyError) as error:
        parse_policy("retention_years: 6\nsummary_max_chars: 80\nvideo_types: mp4\ncourse_outcome_cap: 3\n")
    assert [(problem.key, problem.value) for problem in error.value.problems] == [
        ("retention_years", 6), ("video_types", "mp4"), ("course_outcome_cap", 3),
    ]
    assert error.value.key == "retention_years"  # the first, as before


def test_every_bad_entry_of_a_list_key_is_listed_not_only_the_first():
    text = """terms:
  - {academic_year: 113, term: 3, upload_deadline: 2025-02-03, certification_deadline: 2025-02-10}
  - {academic_year: 113, term: 2, upload_deadline: 2025-07-14, certification_deadline: 2025-07-21}
  - {academic_year: 113, term: 2, upload_deadline: 2025-07-30, certification_deadline: 2025-07-21}
submission_deadlines:
  - {academic_year: 113, term: 1, roster: 學生成績, due: 2025-03-10}
"""
    with pytest.raises(PolicyError) as error:
        parse_policy(text)
    assert [problem.key for problem in error.value.problems] == [
        "terms[0].term", "terms[2].upload_deadline", "submission_deadlines[0].roster"]
    assert all(problem.value is not None for problem in error.value.problems)
