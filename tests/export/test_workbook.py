import openpyxl
import pytest

from pipelines.export.layout import WORKBOOKS_BY_NAME
from pipelines.export.workbook import WorkbookMismatch, read_rows, sha256_of, write_workbook

CADRES = WORKBOOKS_BY_NAME["校內幹部經歷名冊"]
GRADES = WORKBOOKS_BY_NAME["學生成績名冊"]
ROW = {"national_id": "A123456789", "birth_date_roc": "097/05/12", "unit_name": "三年一班", "start_date_roc": "113/09/01",
       "end_date_roc": None, "position": "班長", "cadre_level": "02"}


def test_cover_then_sheets_with_text_kept_as_text_and_missing_as_empty(tmp_path):
    path = tmp_path / "113_1_校內幹部經歷名冊.xlsx"
    counts = write_workbook(path, CADRES, "023865", 113, 1, [ROW])
    assert counts == {"幹部經歷": 1}
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["封面", "幹部經歷"]
    assert [[cell.value for cell in row] for row in book["封面"].iter_rows()] == [["學校代碼", "學年度", "學期"], ["023865", 113, 1]]
    sheet = book["幹部經歷"]
    assert [cell.value for cell in sheet[1]] == ["身分證號", "出生日期", "單位名稱", "開始日期", "結束日期", "擔任職務", "幹部等級"]
    assert [cell.value for cell in sheet[2]] == ["A123456789", "097/05/12", "三年一班", "113/09/01", None, "班長", "02"]
    assert sheet["G2"].data_type == "s"  # a code, not the number 2


def test_optional_sheets_only_when_they_have_rows_and_numbers_stay_numbers(tmp_path):
    path = tmp_path / "grades.xlsx"
    row = {"national_id": "A123456789", "course_code": "11301B95611101011110101", "credits": 4.0, "score": 88.5,
           "sheet_name": "重修成績"}
    assert write_workbook(path, GRADES, "023865", 113, 1, [row]) == {"學期成績": 0, "重修成績": 1}
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["封面", "學期成績", "重修成績"]
    values = {cell.value for cell in book["重修成績"][2]}
    assert {4, 88.5} <= values


def test_same_content_same_bytes(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook(first, CADRES, "023865", 113, 1, [ROW])
    write_workbook(second, CADRES, "023865", 113, 1, [ROW])
    assert sha256_of(first) == sha256_of(second)
    write_workbook(second, CADRES, "023865", 113, 1, [{**ROW, "position": "副班長"}])
    assert sha256_of(first) != sha256_of(second)


def test_reading_back_checks_the_layout(tmp_path):
    path = tmp_path / "cadres.xlsx"
    write_workbook(path, CADRES, "023865", 113, 1, [ROW])
    [row] = list(read_rows(path, CADRES))
    assert (row.sheet, row.row, row.national_id) == ("幹部經歷", 2, "A123456789")
    book = openpyxl.load_workbook(path)
    book["幹部經歷"]["C1"] = "單位"
    book.save(path)
    with pytest.raises(WorkbookMismatch, match="標題列"):
        list(read_rows(path, CADRES))
