"""`dbt build` on the hand-written raw fixture: the build passes (models, data tests, unit tests) and
the marts show what the fixture's rows imply (raw_fixture.EXPECTED)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines import contract

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
SCHOOL_A, SCHOOL_B, SCHOOL_C = "999001", "999002", "99900A"  # raw_fixture.py's schools


def test_build_passes(built):
    assert "Completed successfully" in built.build.stdout


# the kinds with no staging model: the one mart that reads each renames their columns
RENAMED_IN_MART = {"course_records": "fct_course_records", "diverse_performances": "fct_diverse_performances"}


def test_staging_renames_every_contract_column(built):
    def columns_of(schema: str, relation: str) -> list[str]:
        return [row[0] for row in built.query(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, relation])]

    for spec in contract.FILES:
        expected = [column.name for column in spec.columns]
        if spec.kind in RENAMED_IN_MART:
            columns = columns_of("marts", RENAMED_IN_MART[spec.kind])
            assert set(expected) <= set(columns), spec.kind
            assert {"school_code", "source_file", "source_line"} <= set(columns), spec.kind
            continue
        view = f"stg_{spec.folder}__{spec.kind}"
        columns = columns_of("staging", view)
        assert [name for name in columns if name in expected] == expected, view
        assert {"school_code", "source_file", "source_line", "delivery_id", "loaded_at"} <= set(columns), view


def test_newest_delivery_wins(built):
    # an older delivery of 學生資料 put the student in seat 99
    assert built.query(
        "select seat_number from marts.fct_student_terms where school_code = ? and academic_year = 113 "
        "and term = 1 and student_number = '1130001'", [SCHOOL_A],
    ) == [(1,)]


def test_an_absence_keeps_its_code_or_takes_the_code_of_its_leave_name(built):
    assert built.query(
        "select leave_type, absence_type_code, start_date::varchar from marts.fct_absences "
        "where school_code = ? order by leave_type", [SCHOOL_A],
    ) == [("事假", "02", None), ("公差假", "01", "2024-10-08")]
    assert built.query(
        "select item_key, periods, start_date_roc from exports.export_central__absences where school_code = ? order by 1",
        [SCHOOL_A],
    ) == [("01+113/10/08", 7, "113/10/08"), ("02+", 3, None)]


def test_certification_states(built):
    rows = built.query("select school_code, outcome_id, certification_state from marts.fct_course_outcomes")
    assert {(school, outcome): state for school, outcome, state in rows} == built.raw.EXPECTED["certification_state"]


def test_teacher_change_and_fail_reason(built):
    rows = dict(built.query(
        "select outcome_id, (certifying_teacher_code, failure_reason) from marts.fct_course_outcomes "
        "where school_code = ? and outcome_id in ('CO-5', 'CO-7')", [SCHOOL_A],
    ))
    assert rows == {"CO-5": ("T003", None), "CO-7": ("T001", "與課程無關")}


def test_outcome_summary_and_selection(built):
    # CO-1's summary was delivered with spaces around it; it was unselected and selected again
    assert built.query(
        "select summary_chars, is_selected, selected_at::varchar from marts.fct_course_outcomes "
        "where school_code = ? and outcome_id = 'CO-1'", [SCHOOL_A],
    ) == [(12, True, "2025-07-03 10:00:00")]


def test_class_completion(built):
    rows = built.query(
        "select school_code, academic_year, term, class_code, students_enrolled, students_with_upload "
        "from marts.fct_class_completion"
    )
    assert {tuple(row[:4]): tuple(row[4:]) for row in rows} == built.raw.EXPECTED["class_completion"]


def test_school_completion(built):
    assert built.query(
        "select students_enrolled, students_with_upload, outcomes_uploaded, outcomes_certified, outcomes_pending, "
        "outcomes_failed, outcomes_cancelled, outcomes_not_submitted, outcomes_selected, performances_entered, "
        "performances_selected from marts.fct_school_completion where school_code = ? and academic_year = 113 and term = 1",
        [SCHOOL_A],
    ) == [(3, 3, 6, 1, 2, 1, 1, 1, 1, 3, 2)]


def test_every_policy_school_is_a_dimension_row(built):
    rows = dict(built.query("select school_code, students_on_record from marts.dim_schools"))
    assert rows == {SCHOOL_A: 4, SCHOOL_B: 6, SCHOOL_C: 0}


def test_students_roster_lists_everyone_on_the_register_and_not_who_left_before_the_term(built):
    listed = built.query("""select school_code, term, student_number, enrolment_status, status_changed_date_roc
                            from exports.export_central__students where sheet_name = '學生資料' order by all""")
    assert (SCHOOL_A, 1, "1130003", "休學", "113/10/01") in listed
    assert (SCHOOL_A, 2, "1130002", "轉出", "114/02/20") in listed
    # 113-1 starts on 2024-08-01: 1130003 (退學) and 1130005 (畢業) left before it; 1130004's 休學 keeps the 學籍
    assert [row[2] for row in listed if row[0] == SCHOOL_B] == ["1130001", "1130002", "1130004", "1130006"]


def test_r22_reads_the_register_the_roster_lists(built):
    # one definition of 在籍 (int_student_terms_classified): listed, and the item dated on or before
    # on_register_until; SCHOOL_B's outcomes are all uploaded on 2024-10-01, inside 113-1
    rows = built.query("""select terms.student_number, terms.enrolment_status, terms.is_on_register,
                                 terms.on_register_until::varchar, outcomes.is_on_register
                          from marts.fct_student_terms as terms
                          left join marts.fct_gate_course_outcomes as outcomes using (school_code, academic_year, term, student_number)
                          where terms.school_code = ? order by 1""", [SCHOOL_B])
    assert rows == [
        ("1130001", "在學", True, None, True),  # plain: listed, the whole term
        ("1130002", "重讀", True, None, None),
        ("1130003", "退學", False, "2024-06-15", None),
        ("1130004", "休學", True, "2024-07-20", False),  # suspended before the term: listed, its items fail
        ("1130005", "畢業", False, None, False),  # graduated before the term: not listed, its items fail
        ("1130006", "轉出", True, None, True),  # left without a 學籍異動日期: listed, the whole term
    ]


def test_visiting_studies_get_their_sheet_and_their_outcomes_the_visiting_sheet(built):
    assert built.query("""select sheet_name, school_code, host_school_code, application_start_date_roc, item_key
                          from exports.export_central__students where sheet_name = '學生借讀資料'""") == [
        ("學生借讀資料", SCHOOL_A, "013302", "113/09/01", "013302+113/09/01")]
    [(outcome, sheet, host, course_code, key)] = built.query(
        """select item_id, sheet_name, host_school_code, course_code, item_key
           from exports.export_central__course_outcomes where school_code = ?""", [SCHOOL_A])
    assert (outcome, sheet, host, key) == ("CO-1", "借讀課程學習成果", "013302", f"013302+113+1+{course_code}+CO-1.pdf+")


def test_course_records_carry_the_rosters_codes_and_the_term_retaken(built):
    rows = built.query("""select record_kind, credit_counted_code, makeup_score, origin_academic_year, origin_term,
                                 retake_method_code, replace(item_key, course_code, 'C')
                          from exports.export_central__course_records
                          where school_code = ? and term = 1 and student_number = '1130004' order by sheet_order""",
                       [SCHOOL_A])
    assert rows == [("學期", "1", -1.0, None, None, None, "C"), ("重修", "2", 70.0, 112, 1, "2", "112+1+C")]


def test_national_id_is_masked(built):
    assert built.query(
        "select national_id_masked from marts.dim_students where school_code = ? and student_number = '1130001'",
        [SCHOOL_B],
    ) == [("E12****783",)]


def test_quarantine_reasons_are_labelled(built):
    assert sorted(built.query("select school_code, reason_label, is_whole_file from marts.fct_quarantine")) == [
        (SCHOOL_A, "日期無法解析", False),
        (SCHOOL_C, "檔案編碼無法辨識（非 UTF-8 / Big5）", True),
    ]


def _seed_column(name: str, column: str) -> list[str]:
    with open(SEEDS_DIR / f"{name}.csv", encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


@pytest.mark.parametrize(("seed", "column", "codes"), [
    ("xwalk_enrolment_statuses", "enrolment_status", contract.ENROLMENT_STATUSES),
    ("xwalk_certification_actions", "action", contract.CERTIFICATION_ACTIONS),
    ("xwalk_diverse_categories", "category", contract.DIVERSE_CATEGORIES),
    ("xwalk_diverse_entry_sources", "entry_source", contract.DIVERSE_SOURCES),
    ("xwalk_course_record_kinds", "record_kind", contract.COURSE_RECORD_KINDS),
    ("xwalk_employment_statuses", "employment_status", contract.EMPLOYMENT_STATUSES),
    ("xwalk_selection_actions", "action", contract.SELECTION_ACTIONS),
    ("xwalk_selection_item_types", "item_type", contract.SELECTION_ITEM_TYPES),
    ("xwalk_essay_types", "essay_type", contract.ESSAY_TYPES),
    ("xwalk_quarantine_reasons", "reason", tuple(contract.QUARANTINE_REASONS)),
])
def test_seeds_cover_the_contract_codes(seed, column, codes):
    assert sorted(_seed_column(seed, column)) == sorted(codes)


def test_quarantine_labels_match_the_contract():
    labels = dict(zip(_seed_column("xwalk_quarantine_reasons", "reason"),
                      _seed_column("xwalk_quarantine_reasons", "reason_label"), strict=True))
    assert labels == contract.QUARANTINE_REASONS


def test_parse_needs_no_warehouse(tmp_path, dbt_cli):
    # Dagster parses the manifest at import, before any warehouse exists
    warehouse = tmp_path / "absent" / "warehouse.duckdb"
    result = dbt_cli(["parse"], warehouse, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "target" / "manifest.json").exists()
    assert not warehouse.parent.exists()


def test_fixture_school_codes(built):
    assert (SCHOOL_A, SCHOOL_B, SCHOOL_C) == (built.raw.SCHOOL_A, built.raw.SCHOOL_B, built.raw.SCHOOL_C)
