"""The printable lists: one sheet per class / teacher, A4 landscape, students by number, seat and name, items and
teachers by name (codes after them), never an ID."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

import re

from pipelines.ops.reminder_xlsx import write_reminder_workbooks
from pipelines.ops.reminders import Reminders, collect_reminders
from pipelines.safe_cells import CellTooLong
from tests.hostile_cells import FORMULA_LIKE, TOO_LONG, inert_in_xlsx
from tests.ops.schools_fixture import AS_OF_CERTIFICATION, AS_OF_UPLOAD, IDS, SCHOOL_A, write_receipt


def cells(path):
    workbook = load_workbook(path)
    return workbook, {sheet.title: [row for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def test_class_lists_have_a_sheet_per_class_for_its_homeroom_teacher(ops_sample, tmp_path):
    files = write_reminder_workbooks(collect_reminders(ops_sample.warehouse, AS_OF_UPLOAD, days=7), tmp_path)
    path = tmp_path / SCHOOL_A / AS_OF_UPLOAD.isoformat() / f"班級提醒_{AS_OF_UPLOAD.isoformat()}.xlsx"
    assert path in files
    workbook, sheets = cells(path)
    assert list(sheets) == ["總覽", "101 101班", "102 102班"]
    assert sheets["101 101班"][0][0].startswith("班級 101 101班　導師 王國文（T01）")
    assert sheets["101 101班"][3][:6] == ("截止事項", "截止日期", "剩餘天數", "座號", "學號", "姓名")
    assert [row[4:6] for row in sheets["101 101班"][4:]] == [("A01", "學生S01"), ("A07", "學生S07")]
    assert sheets["101 101班"][4][1] == "民國 114/07/14"  # dates as people read them
    assert [row[1] for row in sheets["總覽"][4:]] == ["王國文（T01）", "李數學（T02）"]
    assert workbook["101 101班"].page_setup.orientation == "landscape"


def test_teacher_lists_have_a_sheet_per_certifier_and_no_national_id_anywhere(ops_sample, tmp_path):
    files = write_reminder_workbooks(collect_reminders(ops_sample.warehouse, AS_OF_CERTIFICATION, days=7), tmp_path)
    teacher_book = next(path for path in files if path.name.startswith("教師提醒") and SCHOOL_A in path.parts)
    _, sheets = cells(teacher_book)
    assert list(sheets) == ["總覽", "王國文（T01）", "李數學（T02）"]
    header, proxied = sheets["李數學（T02）"][3], dict(zip(sheets["李數學（T02）"][3], sheets["李數學（T02）"][4]))
    assert header[3:7] == ("學號", "姓名", "成果", "成果編號")
    assert (proxied["姓名"], proxied["成果"], proxied["成果編號"]) == ("學生S04", "成果CO-A2：一段簡述…", "CO-A2")
    assert (proxied["原認證教師"], proxied["代理依據"]) == (
        "張離職（T03）", "指定代理教師：林已離（T09） 已離職 → 同科目同年級教師：李數學（T02）（選定）")
    # a name where people read: no cell of a name column holds a bare code
    for path in files:
        for rows in cells(path)[1].values():
            named_columns = [index for index, label in enumerate(rows[3] if len(rows) > 3 else ())
                             if label in ("姓名", "成果", "原認證教師", "代理教師", "教師", "導師")]
            for row in rows[4:]:
                for index in named_columns:
                    assert not re.fullmatch(r"(CO-A\d|T\d\d|A\d\d)", str(row[index])), (path.name, row)
    every_cell = {str(value) for path in files for rows in cells(path)[1].values() for row in rows for value in row}
    assert not every_cell & {value for value in IDS.values() if value}
    assert any(path.name.startswith("代理認證") for path in files)


def _proxy_reminders(subjects) -> Reminders:
    proxies = [{"school_code": "999001", "outcome_id": f"CO{number}", "academic_year": 113, "term": 1,
                "class_code": "101", "seat_number": number, "student_number": f"S{number}", "subject_name": subject,
                "original_teacher_code": "T1", "proxy_code": "T2", "proxy_step": "指定代理教師", "proxy_chain": subject}
               for number, subject in enumerate(subjects, start=1)]
    return Reminders(as_of=AS_OF_UPLOAD, days=7, proxies=proxies, schools=["999001"])


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    [path] = write_reminder_workbooks(_proxy_reminders(FORMULA_LIKE), tmp_path)
    assert inert_in_xlsx(path)


def test_a_value_over_a_cell_is_refused_naming_where(tmp_path):
    with pytest.raises(CellTooLong, match="「代理認證」第 5 列「代理順序檢查」欄"):
        write_reminder_workbooks(_proxy_reminders([TOO_LONG]), tmp_path)


def test_the_registrar_workbook_lists_rosters_due_and_open_disputes_by_roster_and_unit(ops_copy, tmp_path):
    write_receipt(ops_copy.warehouse)
    files = write_reminder_workbooks(collect_reminders(ops_copy.warehouse, AS_OF_UPLOAD, days=7), tmp_path)
    path = tmp_path / SCHOOL_A / AS_OF_UPLOAD.isoformat() / f"名冊提交與申訴_{AS_OF_UPLOAD.isoformat()}.xlsx"
    assert path in files
    _, sheets = cells(path)
    assert list(sheets) == ["總覽", "名冊提交期限", "收訖申訴"]
    overview = {row[0]: row for row in sheets["總覽"][4:]}
    assert overview["註冊組"][1:3] == (2, 1) and overview["訓育組"][3:6] == (1, 0, "民國 114/07/11")
    due = [dict(zip(sheets["名冊提交期限"][3], row)) for row in sheets["名冊提交期限"][4:]]
    assert [(row["名冊"], row["校內截止"], row["教育部截止"], row["提交狀態"]) for row in due] == [
        ("學生成績名冊", "民國 114/07/06", "民國 114/07/20", "已提交（民國 114/07/01）"),
        ("學生資料名冊", "民國 114/07/08", "民國 114/07/22", "尚未提交")]
    [case] = [dict(zip(sheets["收訖申訴"][3], row)) for row in sheets["收訖申訴"][4:]]
    assert (case["承辦單位"], case["名冊"], case["班級"], case["座號"], case["學號"], case["姓名"], case["處理期限"]) == (
        "訓育組", "校內幹部經歷名冊", "102", 3, "A08", "學生S08", "民國 114/07/11")
    class_book = tmp_path / SCHOOL_A / AS_OF_UPLOAD.isoformat() / f"班級提醒_{AS_OF_UPLOAD.isoformat()}.xlsx"
    details = {row[4]: row[6] for row in cells(class_book)[1]["102 102班"][4:]}
    assert "第 1 號申訴" in details["A08"]
