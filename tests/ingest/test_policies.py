import re
from datetime import date

import pytest

from pipelines.ingest.load import ingest_policies
from pipelines.ingest.policies import policy_error_message
from pipelines.policy import DEFAULT_POLICY, PolicyError, parse_policy

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


@pytest.mark.parametrize("text, says", [
    ("course_outcome_cap: 3", "設定「course_outcome_cap」，值 3：不是可設定的項目"),
    ("retention_years: 6", "設定「retention_years」，值 6：必須介於 1 與 5 之間"),
    ("summary_max_chars: '80'", "必須是整數"),
    ("document_types: [pdf, .PNG]", "設定「document_types[1]」，值 '.PNG'：必須是小寫、不含點的副檔名"),
    ("video_types: mp4", "必須是副檔名清單"),
    ("proxy_order: [same_subject, principal]", "不是認得的代理認證順序步驟"),
    ("proxy_order: [same_subject, same_subject]", "同一步驟列了兩次"),
    ("terms:\n- {academic_year: 113, term: 3, upload_deadline: 2025-02-03, certification_deadline: 2025-02-10}",
     "設定「terms[0].term」，值 3：學期必須是 1 或 2"),
    ("terms:\n- {academic_year: 113, term: 1, upload_deadline: 114/02/30, certification_deadline: 2025-02-10}", "不是日期"),
    ("terms:\n- {academic_year: 113, term: 1, upload_deadline: 1140211, certification_deadline: 2025-02-10}",
     "上傳截止日 2025-02-11 晚於認證截止日 2025-02-10"),
    ("terms:\n- {academic_year: 113, term: 1, upload_deadline: 2025-02-03}", "缺少「certification_deadline」"),
    ("selection_deadlines: [2025-08-15]", "必須是「學年度: 日期」的對應"),
    ("- retention_years: 3", "整個檔案必須是「鍵: 值」的對應"),
    ("retention_years: [3", "整個檔案不是有效的 YAML"),
])
def test_policy_problems_are_told_in_chinese(text, says):
    with pytest.raises(PolicyError) as error:
        parse_policy(text, source="013301/policy.yaml")
    message = policy_error_message("013301/policy.yaml", error.value)
    assert says in message
    assert not re.search(r"\b(must|got|unknown|not a)\b", message), message
