"""The printable lists: one sheet per class / teacher, A4 landscape, student number and seat, never an ID."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from pipelines.ops.reminder_xlsx import write_reminder_workbooks
from pipelines.ops.reminders import Reminders, collect_reminders
from pipelines.safe_cells import CellTooLong
from tests.hostile_cells import FORMULA_LIKE, TOO_LONG, inert_in_xlsx
from tests.ops.schools_fixture import AS_OF_CERTIFICATION, AS_OF_UPLOAD, IDS, SCHOOL_A


def cells(path):
    workbook = load_workbook(path)
    return workbook, {sheet.title: [row for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def test_class_lists_have_a_sheet_per_class_for_its_homeroom_teacher(ops_sample, tmp_path):
    files = write_reminder_workbooks(collect_reminders(ops_sample.warehouse, AS_OF_UPLOAD, days=7), tmp_path)
    path = tmp_path / SCHOOL_A / AS_OF_UPLOAD.isoformat() / f"班級提醒_{AS_OF_UPLOAD.isoformat()}.xlsx"
    assert path in files
    workbook, sheets = cells(path)
    assert list(sheets) == ["總覽", "101 101班", "102 102班"]
    assert sheets["101 101班"][0][0].startswith("班級 101 101班　導師 T01 王國文")
    assert sheets["101 101班"][3][:5] == ("截止事項", "截止日期", "剩餘天數", "座號", "學號")
    assert [row[4] for row in sheets["101 101班"][4:]] == ["A01", "A07"]
    assert workbook["101 101班"].page_setup.orientation == "landscape"


def test_teacher_lists_have_a_sheet_per_certifier_and_no_national_id_anywhere(ops_sample, tmp_path):
    files = write_reminder_workbooks(collect_reminders(ops_sample.warehouse, AS_OF_CERTIFICATION, days=7), tmp_path)
    teacher_book = next(path for path in files if path.name.startswith("教師提醒") and SCHOOL_A in path.parts)
    _, sheets = cells(teacher_book)
    assert list(sheets) == ["總覽", "T01 王國文", "T02 李數學"]
    assert sheets["T02 李數學"][4][-2:] == ("T03 張離職", "指定代理教師：林已離（T09） 已離職 → 同科目同年級教師：李數學（T02）（選定）")
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
