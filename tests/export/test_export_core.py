"""The written workbooks, opened with openpyxl, against the warehouse and exports.md."""

from __future__ import annotations

import json
import re
from collections import Counter

import duckdb
import openpyxl
import pytest

from pipelines.export.core import BLOCKED, export_school
from pipelines.export.layout import WORKBOOKS_BY_NAME, workbooks_for
from pipelines.contract import seed_codes
from pipelines.export.workbook import sha256_of

ROC_DATE = re.compile(r"\d{3}/\d{2}/\d{2}")
DATE_HEADERS = {"出生日期", "學籍異動日期", "開始日期", "結束日期", "缺勤起始日期", "缺勤結束日期", "結果公布日期", "取得證照日期",
                "日期"}


def _sheets(path) -> dict[str, list[dict]]:
    book = openpyxl.load_workbook(path)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(rows[0], row)) for row in rows[1:]]
        sheets[sheet.title + "#headers"] = list(rows[0])
    return sheets


def _query(exported, sql: str, *parameters) -> list[tuple]:
    con = duckdb.connect(str(exported.settings.warehouse), read_only=True)
    try:
        return con.execute(sql, list(parameters)).fetchall()
    finally:
        con.close()


def _manifest(exported, term: int) -> dict:
    return json.loads((exported.folder(term) / "manifest.json").read_text(encoding="utf-8"))


def _excluded(exported, term: int) -> tuple[set[str], set[str]]:
    """(item keys, students left out whole) of a manifest's `excluded`."""
    entries = _manifest(exported, term)["excluded"]
    return ({entry["key"] for entry in entries},
            {entry["學號"] for entry in entries if entry["rule"] in ("R13", "R14")})


@pytest.mark.parametrize("term", [1, 2, 0])
def test_folder_holds_the_contract_files_and_the_manifest_describes_them(exported, term):
    folder = exported.folder(term)
    manifest = _manifest(exported, term)
    expected = sorted([workbook.file_name(exported.year, term) for workbook in workbooks_for(term)] + ["manifest.json"])
    assert sorted(path.name for path in folder.iterdir()) == expected
    assert (manifest["school"], manifest["academic_year"], manifest["term"]) == (exported.school, exported.year, term)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", manifest["generated_at"])
    assert {"passed", "errors", "warnings"} <= set(manifest["gate"])
    assert manifest["partial"] is (not manifest["gate"]["passed"])
    for entry in manifest["files"]:
        path = folder / entry["name"]
        assert entry["sha256"] == sha256_of(path)
        sheets = _sheets(path)
        assert [name for name in sheets if not name.endswith("#headers")][0] == "封面"
        assert entry["sheets"] == {name: len(rows) for name, rows in sheets.items()
                                   if not name.endswith("#headers") and name != "封面"}


@pytest.mark.parametrize("term", [1, 0])
def test_cover_headers_column_order_dates_and_codes_as_text(exported, term):
    for workbook in workbooks_for(term):
        sheets = _sheets(exported.folder(term) / workbook.file_name(exported.year, term))
        assert sheets["封面#headers"] == ["學校代碼", "學年度", "學期"]
        assert sheets["封面"] == [{"學校代碼": exported.school, "學年度": exported.year, "學期": term}]
        for sheet in workbook.sheets:
            if sheet.name not in sheets:
                assert not sheet.always
                continue
            assert tuple(sheets[sheet.name + "#headers"]) == sheet.headers
            for row in sheets[sheet.name]:
                for header in DATE_HEADERS & set(row):
                    assert row[header] is None or ROC_DATE.fullmatch(row[header]), (sheet.name, header, row[header])
                assert isinstance(row["身分證號"], str)
                if "課程代碼" in row:
                    assert isinstance(row["課程代碼"], str)
    assert exported.school.startswith("0"), "the sample should have a school code with a leading zero"


def test_students_sheet_is_every_student_on_the_register_with_the_warehouse_values(exported):
    _, left_out = _excluded(exported, 1)
    rows = _sheets(exported.folder(1) / f"{exported.year}_1_學生資料名冊.xlsx")["學生資料"]
    expected = {
        national_id: (student_number, birth_date, str(gender), cluster, class_name, seat, status)
        for national_id, student_number, birth_date, gender, cluster, class_name, seat, status in _query(exported, """
            select national_id, student_number, birth_date, gender_code, cluster_code, class_name, seat_number,
                   enrolment_status
            from marts.fct_student_terms
            where school_code = ? and academic_year = ? and term = 1 and is_on_register""", exported.school, exported.year)
        if student_number not in left_out
    }
    written = {row["身分證號"]: row for row in rows}
    assert len(rows) == len(written) == len(expected)
    for national_id, (_, birth_date, gender, cluster, class_name, seat, status) in expected.items():
        row = written[national_id]
        assert row["出生日期"] == f"{birth_date.year - 1911:03d}/{birth_date.month:02d}/{birth_date.day:02d}"
        assert (row["性別代碼"], row["群別代碼"], row["班級名稱"], row["座號"], row["學籍狀態"]) == \
            (gender, cluster, class_name, seat, status)
    assert any(row["群別代碼"].startswith("0") for row in rows), "codes with leading zeros (群別代碼 00) stay text"


def test_grade_sheets_hold_every_course_record_of_the_term_by_kind(exported):
    keys, left_out = _excluded(exported, 1)
    workbook = WORKBOOKS_BY_NAME["學生成績名冊"]
    sheets = _sheets(exported.folder(1) / workbook.file_name(exported.year, 1))
    expected = Counter(
        sheet for sheet, student_number, course_code in _query(exported, """
            select export_sheet_name, student_number, course_code from marts.fct_course_records
            where school_code = ? and academic_year = ? and term = 1""", exported.school, exported.year)
        if student_number not in left_out and course_code not in keys
    )
    written = Counter({sheet.name: len(sheets.get(sheet.name, [])) for sheet in workbook.sheets})
    assert +written == +expected


def _year_identity(exported) -> dict[str, str]:
    return dict(_query(exported, """
        select student_number, national_id from marts.fct_student_terms
        where school_code = ? and academic_year = ?
        qualify row_number() over (partition by student_number order by term desc) = 1""", exported.school, exported.year))


def test_whole_year_outcomes_are_exactly_the_selected_and_certified_within_the_cap_on_their_kind_sheet(exported):
    keys, left_out = _excluded(exported, 0)
    identity = _year_identity(exported)
    workbook = WORKBOOKS_BY_NAME["學生課程學習成果名冊"]
    sheets = _sheets(exported.folder(0) / workbook.file_name(exported.year, 0))
    written = Counter((sheet.name, row["身分證號"], row.get("課程代碼") or row.get("原修課課程代碼"), row["文件檔名"])
                      for sheet in workbook.sheets for row in sheets.get(sheet.name, []))
    candidates = _query(exported, """
        select outcomes.outcome_id, outcomes.student_number, kinds.outcome_sheet_name, outcomes.course_code,
               outcomes.document_file_name
        from marts.fct_course_outcomes as outcomes
        left join seeds.xwalk_course_record_kinds as kinds on outcomes.record_kind = kinds.record_kind
        where outcomes.school_code = ? and outcomes.academic_year = ? and outcomes.is_selected
          and outcomes.certification_state = '認證通過'
          and not exists (select 1 from staging.stg_admin__visiting_studies as visiting
                          where visiting.school_code = outcomes.school_code and visiting.academic_year = outcomes.academic_year
                            and visiting.term = outcomes.term and visiting.student_number = outcomes.student_number)""",
                        exported.school, exported.year)
    expected = Counter((sheet or "學期課程學習成果", identity[student], course_code, document)
                       for outcome_id, student, sheet, course_code, document in candidates
                       if outcome_id not in keys and student not in left_out)
    assert +Counter({key: count for key, count in written.items() if key[0] != "借讀課程學習成果"}) == +expected
    assert len(candidates) > sum(expected.values()) > 0, "the sample's errors and caps should leave some out"
    assert all("成果名稱" not in sheets[name + "#headers"] for name in sheets if not name.endswith("#headers"))
    [(cap,)] = _query(exported, "select course_outcome_selection_cap_per_year from marts.dim_schools where school_code = ?",
                      exported.school)
    assert max(Counter(national_id for _, national_id, _, _ in written.elements()).values()) <= cap


def test_whole_year_performances_are_the_selected_student_entered_ones_on_their_category_sheet(exported):
    keys, left_out = _excluded(exported, 0)
    identity = _year_identity(exported)
    workbook = WORKBOOKS_BY_NAME["學生自填多元表現名冊"]
    sheets = _sheets(exported.folder(0) / workbook.file_name(exported.year, 0))
    # each row's 項目鍵 from its own sheet's columns (layout.py) is the one the export model computed
    written = Counter((name, row["身分證號"], workbook.sheet(name).item_key(row)) for name, rows in sheets.items()
                      if not name.endswith("#headers") and name != "封面" for row in rows)
    candidates = _query(exported, """
        select exports.item_id, exports.student_number, exports.sheet_name, exports.item_key
        from exports.export_central__diverse_performances as exports
        inner join marts.fct_diverse_performances as marts
            on exports.school_code = marts.school_code and exports.item_id = marts.performance_id
        where exports.school_code = ? and exports.academic_year = ? and marts.is_selected
            and marts.entry_source = '學生自填'""", exported.school, exported.year)
    expected = Counter((sheet, identity[student], key) for performance_id, student, sheet, key in candidates
                       if performance_id not in keys and student not in left_out)
    assert written == expected
    assert len({name for name, _, _ in written}) >= 8, "the sample should fill most category sheets"
    assert max(written.values()) == 1, "a clean 項目鍵 is unique per student and sheet"
    [(cap,)] = _query(exported, "select diverse_selection_cap_per_year from marts.dim_schools where school_code = ?",
                      exported.school)
    assert max(Counter(national_id for _, national_id, _ in written.elements()).values()) <= cap
    school_registered = _query(exported, """
        select count(*) from marts.fct_diverse_performances
        where school_code = ? and academic_year = ? and is_selected and entry_source = '學校登錄'""",
                               exported.school, exported.year)
    assert school_registered[0][0] > 0, "the sample should have selected school-registered entries to leave out"


# a coded column of the v2 layout → the seed whose codes it may hold
CODED_HEADERS = {
    "幹部等級": ("xwalk_cadre_levels", "cadre_level"),
    "競賽等級代碼": ("xwalk_competition_levels", "competition_level_code"),
    "團體參與代碼": ("xwalk_team_participation", "team_participation_code"),
    "證照代碼": ("xwalk_certificates", "certificate_code"),
    "彈性學習時間類別種類代碼": ("xwalk_flexible_learning_types", "flexible_learning_type_code"),
    "團體活動時間類別代碼": ("xwalk_group_activity_types", "group_activity_type_code"),
    "職場學習類別代碼": ("xwalk_workplace_learning_types", "workplace_learning_type_code"),
    "缺勤種類代碼": ("xwalk_absence_types", "absence_type_code"),
}


@pytest.mark.parametrize("term", [1, 0])
def test_coded_columns_are_text_codes_of_their_seed(exported, term):
    seen = set()
    for workbook in workbooks_for(term):
        sheets = _sheets(exported.folder(term) / workbook.file_name(exported.year, term))
        for name, rows in sheets.items():
            for row in rows if not name.endswith("#headers") else ():
                for header in CODED_HEADERS.keys() & row.keys():
                    if row[header] is not None:
                        assert row[header] in seed_codes(*CODED_HEADERS[header]), (name, header, row[header])
                        seen.add(header)
    assert seen >= ({"缺勤種類代碼", "幹部等級"} if term else CODED_HEADERS.keys() - {"缺勤種類代碼"})


def test_term_absences_are_every_absence_of_the_term_keyed_by_code_and_first_day(exported):
    _, left_out = _excluded(exported, 1)
    identity = dict(_query(exported, """select student_number, national_id from marts.fct_student_terms
                                        where school_code = ? and academic_year = ? and term = 1""",
                           exported.school, exported.year))
    workbook = WORKBOOKS_BY_NAME["缺勤紀錄名冊"]
    rows = _sheets(exported.folder(1) / workbook.file_name(exported.year, 1))["缺勤紀錄"]
    expected = Counter((identity.get(student), code, periods) for student, code, periods in _query(exported, """
        select student_number, absence_type_code, periods from marts.fct_absences
        where school_code = ? and academic_year = ? and term = 1""", exported.school, exported.year)
        if student not in left_out)
    assert rows and Counter((row["身分證號"], row["缺勤種類代碼"], row["缺勤節數"]) for row in rows) == expected
    keys = Counter((row["身分證號"], workbook.sheet("缺勤紀錄").item_key(row)) for row in rows)
    assert max(keys.values()) == 1


def test_term_cadres_are_on_the_renamed_sheet(exported):
    sheets = _sheets(exported.folder(1) / f"{exported.year}_1_校內幹部經歷名冊.xlsx")
    assert [name for name in sheets if not name.endswith("#headers")] == ["封面", "幹部經歷紀錄"]
    assert sheets["幹部經歷紀錄"]


def test_a_failing_gate_writes_nothing_without_allow_partial(exported, sample_gate):
    outcome = export_school(exported.settings, exported.out / "blocked", exported.school, exported.year, 0,
                            gate_result=sample_gate)
    assert outcome.status == BLOCKED and outcome.verdict.failed_rules
    assert not (exported.out / "blocked").exists()


def test_a_submission_written_by_an_older_writer_with_the_same_rows_needs_no_resubmission(tmp_path):
    """Bytes differ (another xlsx writer), rows do not: the export is unchanged; a changed value is not."""
    import openpyxl

    from pipelines.export.core import _same_as_submitted
    from pipelines.export.layout import WORKBOOKS_BY_NAME
    from pipelines.export.submission import Submitted, Target
    from pipelines.export.workbook import sha256_of, write_workbook

    cadres = WORKBOOKS_BY_NAME["校內幹部經歷名冊"]
    row = {"national_id": "A123456789", "birth_date_roc": "097/05/12", "unit_name": "三年一班",
           "start_date_roc": "113/09/01", "end_date_roc": None, "position": "班長", "cadre_level": "02"}
    name = cadres.file_name(113, 1)
    submitted_folder, staging = tmp_path / "113_1", tmp_path / "staging"
    submitted_folder.mkdir()
    staging.mkdir()
    write_workbook(submitted_folder / name, cadres, "023865", 113, 1, [row])
    book = openpyxl.load_workbook(submitted_folder / name)  # the same cells, saved by another writer
    book.save(submitted_folder / name)
    submitted = Submitted(school="023865", year=113, term=1, revision=0, folder_path=submitted_folder,
                          submission_id="s1", submitted_at="2026-01-01T00:00:00+08:00", submitted_by=None,
                          files={name: sha256_of(submitted_folder / name)}, manifest_sha256=None, source="marker")
    target = Target(folder=tmp_path / "113_1_r1", revision=1, replaces="113_1", latest_submitted=submitted)

    write_workbook(staging / name, cadres, "023865", 113, 1, [row])
    files = [{"name": name, "sha256": sha256_of(staging / name)}]
    assert files[0]["sha256"] != submitted.files[name]
    assert _same_as_submitted(files, target, staging, [cadres])

    write_workbook(staging / name, cadres, "023865", 113, 1, [{**row, "position": "副班長"}])
    assert not _same_as_submitted([{"name": name, "sha256": sha256_of(staging / name)}], target, staging, [cadres])


def _truth_rows_per_sheet(built_sample, con, school: str, year: int) -> dict[int, dict[str, int]]:
    """term → sheet → the rows a passing school's workbooks must hold, from the generator's truth: the
    sheet_rows of 學生資料/學生成績/學生課程學習成果名冊, cadre_rows and absence_rows, the selected student-entered
    performances per category; less, on the whole-year sheets, the rows beyond a cap (the export leaves those
    out and lists them; which ones the warehouse's ranking says)."""
    import csv

    from pipelines.generate.truth import SHEET_METRIC

    with (built_sample.truth / "expected_counts.csv").open(encoding="utf-8", newline="") as handle:
        truth = {(int(row["term"]), row["metric"]): int(row["value"]) for row in csv.DictReader(handle)
                 if (row["school_code"], row["academic_year"]) == (school, str(year))}
    beyond = dict(((sheet, count) for sheet, count in con.execute("""
        select sheet_name, count(*) from exports.export_central__course_outcomes
        where school_code = ? and academic_year = ? and not (is_within_selection_cap and is_within_upload_cap)
        group by all
        union all
        select categories.export_sheet_name, count(*)
        from exports.export_central__diverse_performances as exports
        inner join seeds.xwalk_diverse_categories as categories on exports.category = categories.category
        where school_code = ? and academic_year = ? and not (is_within_selection_cap and is_within_upload_cap)
        group by all""", [school, year, school, year]).fetchall()))
    category_sheets = dict(con.execute("select export_sheet_name, category_en from seeds.xwalk_diverse_categories").fetchall())
    expected: dict[int, dict[str, int]] = {}
    for term in (1, 2, 0):
        for workbook in workbooks_for(term):
            for sheet in workbook.sheets:
                if sheet.name in category_sheets:
                    metric = f"performances_selected_{category_sheets[sheet.name]}"
                else:
                    metric = {"幹部經歷紀錄": "cadre_rows", "缺勤紀錄": "absence_rows"}.get(sheet.name, SHEET_METRIC + sheet.name)
                expected.setdefault(term, {})[sheet.name] = truth[(term, metric)] - beyond.get(sheet.name, 0)
    return expected


def test_a_passing_schools_workbooks_have_exactly_the_v2_sheets_headers_and_the_truths_rows(workspace, built_sample,
                                                                                           school_year, passing_gate):
    # the hold-out check: every workbook of the three folders, every sheet (a sheet that is not
    # `always` only with rows), its headers as exports.md v2 (layout.py, which tests/export/test_layout.py
    # holds to the contract) and its rows as the generator's truth counts them
    school, year = school_year
    out = workspace.warehouse.parent / "clean-out"
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    try:
        expected = _truth_rows_per_sheet(built_sample, con, school, year)
    finally:
        con.close()
    for term in (1, 2, 0):
        outcome = export_school(workspace, out, school, year, term, gate_result=passing_gate)
        manifest = json.loads((outcome.folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["partial"] is False  # only the caps leave rows out
        assert {entry["rule"] for entry in manifest["excluded"]} <= {"R05", "R07", "R11", "R12"}
        assert sorted(path.name for path in outcome.folder.iterdir()) == sorted(
            [workbook.file_name(year, term) for workbook in workbooks_for(term)] + ["manifest.json"])
        for workbook in workbooks_for(term):
            sheets = _sheets(outcome.folder / workbook.file_name(year, term))
            rows = expected[term]
            assert [name for name in sheets if not name.endswith("#headers")] == ["封面", *(
                sheet.name for sheet in workbook.sheets if sheet.always or rows[sheet.name])], workbook.name
            for sheet in workbook.sheets:
                if sheet.name in sheets:
                    assert tuple(sheets[sheet.name + "#headers"]) == sheet.headers, sheet.name
                    assert len(sheets[sheet.name]) == rows[sheet.name], (term, sheet.name)
    assert expected[1]["幹部經歷紀錄"] > 0
    assert sum(1 for name in seed_codes("xwalk_diverse_categories", "export_sheet_name") if expected[0][name]) >= 8
