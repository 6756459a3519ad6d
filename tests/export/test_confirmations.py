"""Students' confirmations of a receipt (收訖確認) and the disputes they open, on a hand-made warehouse."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from pipelines.contract import create_raw_schema
from pipelines.export.confirmations import ConfirmationError, answer_case, evaluate
from pipelines.export.store import append, create_submissions_schema
from pipelines.identity import national_id_digest
from pipelines.names import school_name
from pipelines.warehouse import connect

SCHOOL, YEAR, TERM = "013301", 113, 1
WHOLE_ID = re.compile(r"(?<![0-9A-Za-z])[A-Z][12ABCD89]\d{8}(?![0-9A-Za-z])")
OPENS = dt.datetime(2025, 3, 3, 10, 0)  # the receipt's reconciliation: the window closes on 2025-03-06 (3 days)
ITEMS = {  # 學號 → their items (名冊, 項目鍵)
    "S1": [("學生成績名冊", "C1"), ("校內幹部經歷名冊", "K1")],
    "S2": [("學生成績名冊", "C2")],
    "S3": [("學生成績名冊", "C3")],
}


def _submission(con, revision: int, submitted_at: dt.datetime, changed: str | None = None) -> None:
    submission_id = f"sub{revision}"
    append(con, "submissions", [{"submission_id": submission_id, "school_code": SCHOOL, "academic_year": YEAR,
                                 "term": TERM, "revision": revision, "submitted_at": submitted_at}])
    append(con, "items", [{
        "submission_id": submission_id, "school_code": SCHOOL, "academic_year": YEAR, "term": TERM, "revision": revision,
        "workbook": workbook, "sheet": workbook[:4], "sheet_row": row, "item_key_digest": national_id_digest(key),
        "item_key_shown": key, "student_number": number, "class_code": "101",
        "row_digest": "fixed" if key == changed else f"row-{key}",
    } for row, (number, workbook, key) in enumerate(
        ((number, workbook, key) for number, items in ITEMS.items() for workbook, key in items), start=2)])


def _reconciliation(con, revision: int, at: dt.datetime) -> None:
    key = {"reconciliation_id": f"rec{revision}", "submission_id": f"sub{revision}", "school_code": SCHOOL,
           "academic_year": YEAR, "term": TERM}
    append(con, "reconciliations", [{**key, "revision": revision, "reconciled_at": at}])
    append(con, "reconciliation_items", [{
        **key, "workbook": workbook, "sheet": workbook[:4], "sheet_row": row, "item_key_shown": key_, "student_number": number,
        "class_code": "101", "outcome": "received",
    } for row, (number, workbook, key_) in enumerate(
        ((number, workbook, key_) for number, items in ITEMS.items() for workbook, key_ in items), start=2)])


def _replies(con, rows: list[tuple]) -> None:
    for number, workbook, key, result, at, by in rows:
        con.execute('insert into raw.receipt_confirmations ("學號", "名冊", "項目鍵", "確認結果", "確認時間", "確認人", school_code) '
                    "values (?, ?, ?, ?, ?, ?, ?)", [number, workbook, key, result, at, by, SCHOOL])


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as con:
        create_raw_schema(con)
        create_submissions_schema(con)
        _submission(con, 1, OPENS - dt.timedelta(days=10))
        _reconciliation(con, 1, OPENS)
    return path


def test_nothing_to_confirm_before_a_receipt_is_reconciled(tmp_path):
    with pytest.raises(ConfirmationError, match="尚未匯入收訖明細"):
        evaluate(tmp_path / "empty.duckdb", SCHOOL, YEAR, TERM)


def test_students_are_confirmed_disputed_or_unconfirmed_and_late_and_guardian_replies_are_counted(warehouse):
    with connect(warehouse) as con:
        _replies(con, [
            ("S1", "113_1_學生成績名冊.xlsx", "C1", "正確", OPENS + dt.timedelta(hours=1), "家長"),
            ("S1", "校內幹部經歷名冊", "K1", "正確", dt.datetime(2025, 3, 7, 9), None),  # a day after the close
            ("S2", "學生成績名冊", "C2", "有誤", OPENS + dt.timedelta(days=1), None),
            ("S3", "學生成績名冊", "C3", "正確", OPENS - dt.timedelta(days=1), None),  # before the window: not this receipt
            ("S3", "學生成績名冊", "C9", "正確", OPENS + dt.timedelta(days=1), None),  # an item never asked about
        ])
        _replies(con, [("S3", "113_2_學生成績名冊", "C3", "正確", OPENS + dt.timedelta(days=1), None)])  # another term's
    state = evaluate(warehouse, SCHOOL, YEAR, TERM)
    assert state.summary() == {"students": 3, "confirmed": 1, "disputed": 1, "unconfirmed": 1, "open_disputes": 1,
                               "window_closes": "2025-03-06"}
    assert (state.late_replies, state.guardian_replies, state.unmatched_replies) == (1, 1, 1)


def test_a_wrong_reply_opens_one_case_owned_by_the_rosters_unit_and_due_after_dispute_days(warehouse):
    with connect(warehouse) as con:
        _replies(con, [("S1", "校內幹部經歷名冊", "K1", "有誤", OPENS + dt.timedelta(days=1), None),
                       ("S1", "校內幹部經歷名冊", "K1", "有誤", OPENS + dt.timedelta(days=2), None),
                       ("S2", "學生成績名冊", "C2", "有誤", OPENS + dt.timedelta(days=1), None)])
    evaluate(warehouse, SCHOOL, YEAR, TERM)
    cases = evaluate(warehouse, SCHOOL, YEAR, TERM).cases  # evaluating again opens nothing new
    assert [(case.case_id, case.student_number, case.owner_unit, case.due_date, case.is_open) for case in cases] == [
        (1, "S1", "訓育組", dt.date(2025, 3, 7), True), (2, "S2", "註冊組", dt.date(2025, 3, 7), True)]


def test_a_case_ends_with_a_resubmission_that_changed_the_item_or_with_an_answer(warehouse):
    with connect(warehouse) as con:
        _replies(con, [("S1", "學生成績名冊", "C1", "有誤", OPENS + dt.timedelta(days=1), None),
                       ("S2", "學生成績名冊", "C2", "有誤", OPENS + dt.timedelta(days=1), None)])
    evaluate(warehouse, SCHOOL, YEAR, TERM)
    with connect(warehouse) as con:
        _submission(con, 2, OPENS + dt.timedelta(days=2))  # the same rows again: no case is fixed by it
    assert all(case.is_open for case in evaluate(warehouse, SCHOOL, YEAR, TERM).cases)
    with connect(warehouse) as con:
        _submission(con, 3, OPENS + dt.timedelta(days=3), changed="C1")
    with pytest.raises(ConfirmationError, match="理由"):
        answer_case(warehouse, 2, "  ", "註冊組")
    answer_case(warehouse, 2, "成績經查無誤", "註冊組")
    state = evaluate(warehouse, SCHOOL, YEAR, TERM)
    assert [(case.case_id, case.end) for case in state.cases] == [(1, "更正提交 第 3 版"), (2, "回覆：成績經查無誤")]
    assert state.summary()["open_disputes"] == 0


def test_each_evaluation_stores_the_terms_state_for_the_dashboards_replacing_the_last(warehouse):
    from pipelines.export.confirmations import evaluate_all

    with connect(warehouse) as con:
        _replies(con, [("S1", "學生成績名冊", "C1", "正確", OPENS + dt.timedelta(hours=1), "家長"),
                       ("S2", "學生成績名冊", "C2", "有誤", OPENS + dt.timedelta(days=4), None)])  # late
    evaluate(warehouse, SCHOOL, YEAR, TERM)
    answer_case(warehouse, 1, "成績經查無誤", "註冊組")
    [state] = evaluate_all(warehouse)  # every reconciled term, as a build does before publishing

    with connect(warehouse, read_only=True) as con:
        terms = con.execute("""select students, confirmed, disputed, unconfirmed, open_disputes, closed_disputes,
                                      late_replies, guardian_replies, window_closes from submissions.confirmation_terms""").fetchall()
        students = con.execute("""select student_number, class_code, seat_number, state, open_disputes
                                  from submissions.confirmation_students order by 1""").fetchall()
        cases = con.execute("""select case_id, student_number, workbook, sheet, owner_unit, due_date, is_late, is_open, ended
                               from submissions.confirmation_cases""").fetchall()
    assert state.summary()["open_disputes"] == 0
    assert terms == [(3, 0, 1, 2, 0, 1, 1, 1, dt.date(2025, 3, 6))], "one row per term: the earlier evaluation replaced"
    assert students == [("S1", "101", None, "unconfirmed", 0), ("S2", "101", None, "disputed", 0),
                        ("S3", "101", None, "unconfirmed", 0)]
    assert cases == [(1, "S2", "學生成績名冊", "學生成績", "註冊組", dt.date(2025, 3, 10), True, False, "回覆：成績經查無誤")]


def test_there_is_nothing_to_evaluate_before_a_receipt(tmp_path):
    from pipelines.export.confirmations import evaluate_all

    with connect(tmp_path / "warehouse.duckdb") as con:
        create_raw_schema(con)
    assert evaluate_all(tmp_path / "warehouse.duckdb") == []


def test_receipts_status_prints_and_writes_the_counts_and_answer_closes_a_case(warehouse, tmp_path, capsys):
    import json

    from pipelines.cli import main

    with connect(warehouse) as con:
        _replies(con, [("S2", "學生成績名冊", "C2", "有誤", OPENS + dt.timedelta(days=1), None)])
        con.execute("create schema marts")  # what names the disputed course (pipelines/names.py)
        con.execute(f"create table marts.fct_course_records as select '{SCHOOL}' as school_code, 'C2' as course_code, "
                    "'數學' as subject_name")
    target = ["--school", SCHOOL, "--year", str(YEAR), "--term", str(TERM), "--warehouse", str(warehouse)]

    assert main(["receipts", "status", *target, "--json", str(tmp_path / "status.json")]) == 1
    assert json.loads((tmp_path / "status.json").read_text(encoding="utf-8")) == {
        "students": 3, "confirmed": 0, "disputed": 1, "unconfirmed": 2, "open_disputes": 1, "window_closes": "2025-03-06"}
    printed = capsys.readouterr().out
    assert "確認期間至 民國 114/03/06" in printed and "第 1 號" in printed and "101 班未確認 2 人" in printed
    assert "學生成績名冊 數學（C2）" in printed, "the case's item by its course, the 項目鍵 after"
    assert main(["receipts", "answer", "--case", "1", "--reason", "成績經查無誤", "--warehouse", str(warehouse)]) == 0
    assert main(["receipts", "answer", "--case", "9", "--reason", "x", "--warehouse", str(warehouse)]) == 2
    main(["receipts", "status", *target, "--json", str(tmp_path / "status.json")])
    assert json.loads((tmp_path / "status.json").read_text(encoding="utf-8"))["open_disputes"] == 0


def test_each_class_gets_a_form_per_student_with_every_answered_item_and_leavers_go_by_post(confirmed_sample,
                                                                                          school_year, tmp_path):
    import openpyxl

    from pipelines.export.confirmation_forms import write_confirmation_forms

    settings, _, _ = confirmed_sample
    school, year = school_year
    state = evaluate(settings.warehouse, school, year, 1)
    with connect(settings.warehouse, read_only=True) as con:
        leavers = {number for (number,) in con.execute(
            "select student_number from marts.fct_student_terms where school_code = ? and academic_year = ? and term = 1 "
            "and not is_enrolled", [school, year]).fetchall()}

    paths = write_confirmation_forms(settings.warehouse, state, tmp_path / "forms")

    by_post, sheets, rows, courses = set(), 0, 0, 0
    for path in paths:
        book = openpyxl.load_workbook(path)
        assert book["總覽"]["A1"].value.startswith(f"{school_name(school)}（{school}）"), "the school by its name"
        overview = list(book["總覽"].iter_rows(min_row=4, values_only=True))
        assert all(row[1] for row in overview), "every student named"
        by_post |= {row[2] for row in overview if row[4] == "郵寄"}
        sheets += len(book.sheetnames) - 1
        rows += sum(book[name].max_row - 5 for name in book.sheetnames[1:])  # title, blank, header; blank, signatures
        for name in book.sheetnames[1:]:
            assert book[name]["A1"].value.startswith(f"歷程確認單　{next(row[1] for row in overview if row[2] == name)}（{name}）")
            grades = [row for row in book[name].iter_rows(min_row=4, values_only=True) if row[1] == "學期成績"]
            assert all(re.fullmatch(r".+（[0-9A-Za-z]+）", row[2]) for row in grades), "a course by its name, its code after"
            courses += len(grades)
        assert not any(WHOLE_ID.search(str(cell)) for sheet in book for row in sheet.iter_rows(values_only=True)
                       for cell in row if cell)
    assert courses > 0
    assert sheets == len(state.students) and rows == len(state.items)
    assert by_post == leavers & set(state.students)


def test_the_printed_form_escapes_every_value_and_gives_each_student_a_page():
    from pipelines.export.confirmation_forms import ClassForms, StudentForm, forms_html

    form = ClassForms("101", "013301 113 學年度第 1 學期 101 班 歷程確認單", [[1, "<b>王</b>", "S1", "有誤", "班級發放"]],
                      [StudentForm("歷程確認單　101 班 1 號 S1", [["學生成績名冊", "學期成績", "C1", "收訖", None, "有誤", "家長",
                                                                "<script>x</script>"]])])

    page = forms_html(form)

    assert page.count("<section>") == 1 and "break-before: page" in page and "Noto Sans CJK TC" in page
    assert "<script>x" not in page and "&lt;script&gt;x" in page and "&lt;b&gt;王" in page


@pytest.mark.skipif(not Path("/usr/bin/chromium").is_file(), reason="the PDF prints through Debian's chromium")
def test_the_pdf_form_has_the_overview_and_one_page_per_student_with_the_cjk_font_embedded(confirmed_sample,
                                                                                        school_year, tmp_path):
    from pipelines.export.confirmation_forms import write_confirmation_pdfs

    settings, _, _ = confirmed_sample
    school, year = school_year
    state = evaluate(settings.warehouse, school, year, 1)
    first_class = sorted(code or "未分班" for code in state.classes.values())[0]
    students = sum((code or "未分班") == first_class for code in state.classes.values())

    [path] = write_confirmation_pdfs(settings.warehouse, state, tmp_path, classes=[first_class])

    pdf = path.read_bytes()
    assert path.name == f"歷程確認單_{first_class}.pdf" and pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= students + 1, "the overview, then a page per student"
    assert b"NotoSansCJK" in pdf or b"NotoSerifCJK" in pdf, "the CJK font is embedded: no boxes for Chinese"
