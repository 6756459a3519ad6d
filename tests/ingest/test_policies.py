from datetime import date

from pipelines.ingest.load import ingest_policies
from pipelines.policy import DEFAULT_POLICY

from .conftest import FIXTURES


def policy_row(con, school: str) -> dict:
    result = con.execute("select * from raw.school_policies where school_code = ?", [school])
    names = [column[0] for column in result.description]
    [row] = result.fetchall()
    return dict(zip(names, row))


def test_a_school_without_policy_yaml_gets_the_defaults(con, source):
    (source / "013301").mkdir()
    [result] = ingest_policies(con, source)
    row = policy_row(con, "013301")
    assert (result.status, row["policy_source"], row["policy_error"]) == ("missing", "default", None)
    assert row["retention_years"] == DEFAULT_POLICY.retention_years
    assert row["document_types"] == list(DEFAULT_POLICY.document_types)
    assert con.execute("select count(*) from raw.school_terms").fetchall() == [(0,)]


def test_a_valid_policy_is_stored_resolved_with_its_terms_and_deadlines(con, source, deliver):
    deliver("013301/policy.yaml", (FIXTURES / "valid" / "policy.yaml").read_bytes())
    [result] = ingest_policies(con, source)
    row = policy_row(con, "013301")
    assert (result.status, row["policy_source"]) == ("loaded", "policy.yaml")
    assert (row["course_outcome_upload_cap_per_term"], row["retention_years"]) == (6, 3)
    assert row["course_outcome_selection_cap_per_year"] == DEFAULT_POLICY.course_outcome_selection_cap_per_year
    assert (row["late_items"], row["diverse_requires_proof"], row["proxy_needed_for"]) == ("forfeit", True, ["離職", "留職停薪"])
    assert con.execute(
        "select academic_year, term, grade, upload_deadline, certification_deadline from raw.school_terms order by all"
    ).fetchall() == [(113, 1, None, date(2025, 2, 3), date(2025, 2, 10)), (113, 2, 3, date(2025, 5, 5), date(2025, 5, 12)),
                     (113, 2, None, date(2025, 7, 14), date(2025, 7, 21))]
    assert con.execute("select academic_year, selection_deadline from raw.school_selection_deadlines").fetchall() == [
        (113, date(2025, 8, 15))
    ]
    assert con.execute("select academic_year, diverse_entry_deadline from raw.school_diverse_entry_deadlines").fetchall() == [
        (113, date(2025, 7, 31))
    ]
    assert con.execute("select roster, due, internal_due from raw.school_submission_deadlines").fetchall() == [
        ("學生成績名冊", date(2025, 3, 10), date(2025, 2, 24))
    ]


def test_an_invalid_policy_applies_the_defaults_and_quarantines_the_key(con, source, deliver):
    deliver("013301/policy.yaml", (FIXTURES / "invalid" / "policy_unknown_key.yaml").read_bytes())
    [result] = ingest_policies(con, source)
    row = policy_row(con, "013301")
    assert (result.status, row["policy_source"]) == ("rejected", "invalid")
    assert row["course_outcome_upload_cap_per_term"] == DEFAULT_POLICY.course_outcome_upload_cap_per_term
    assert "course_outcome_cap" in row["policy_error"]
    assert con.execute("select file_kind, source_file, field, reason from raw.quarantine").fetchall() == [
        ("policy", "013301/policy.yaml", "course_outcome_cap", "invalid_policy")
    ]


def test_policies_are_rewritten_only_when_they_change(con, source, deliver):
    path = deliver("013301/policy.yaml", (FIXTURES / "invalid" / "policy_unknown_key.yaml").read_bytes())
    ingest_policies(con, source)
    tables = ["school_policies", "school_terms", "school_selection_deadlines", "quarantine", "deliveries"]
    before = {name: con.execute(f"select * from raw.{name} order by all").fetchall() for name in tables}

    [again] = ingest_policies(con, source)
    assert again.status == "unchanged"
    assert {name: con.execute(f"select * from raw.{name} order by all").fetchall() for name in tables} == before

    path.write_text("retention_years: 2\n")
    [fixed] = ingest_policies(con, source)
    assert fixed.status == "loaded"
    assert policy_row(con, "013301")["retention_years"] == 2
    assert con.execute("select count(*) from raw.quarantine").fetchall() == [(0,)]
