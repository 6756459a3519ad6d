import openpyxl
import pytest

from pipelines.export.layout import WORKBOOKS_BY_NAME
from pipelines.export.workbook import WorkbookMismatch, read_rows, sha256_of, write_workbook
from pipelines.safe_cells import CellTooLong
from tests.hostile_cells import FORMULA_LIKE, TOO_LONG, inert_in_xlsx

CADRES = WORKBOOKS_BY_NAME["校內幹部經歷名冊"]
GRADES = WORKBOOKS_BY_NAME["學生成績名冊"]
ROW = {"national_id": "A123456789", "birth_date_roc": "097/05/12", "unit_name": "三年一班", "start_date_roc": "113/09/01",
       "end_date_roc": None, "position": "班長", "cadre_level": "02"}


def test_cover_then_sheets_with_text_kept_as_text_and_missing_as_empty(tmp_path):
    path = tmp_path / "113_1_校內幹部經歷名冊.xlsx"
    counts = write_workbook(path, CADRES, "023865", 113, 1, [ROW])
    assert counts == {"幹部經歷紀錄": 1}
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["封面", "幹部經歷紀錄"]
    assert [[cell.value for cell in row] for row in book["封面"].iter_rows()] == [["學校代碼", "學年度", "學期"], ["023865", 113, 1]]
    sheet = book["幹部經歷紀錄"]
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
    assert (row.sheet, row.row, row.national_id) == ("幹部經歷紀錄", 2, "A123456789")
    book = openpyxl.load_workbook(path)
    book["幹部經歷紀錄"]["C1"] = "單位"
    book.save(path)
    with pytest.raises(WorkbookMismatch, match="標題列"):
        list(read_rows(path, CADRES))


# The OOXML writer: what readers get back, the package's structure, and byte determinism.

MIXED_ROWS = [
    {"sheet_name": "學期成績", "national_id": "A123456789", "birth_date_roc": "097/05/12", "course_code": "011301",
     "subject_name": "國文 & <作文> \"選讀\"\x07", "course_grade": 1, "credits": 4.0, "score": 88.5, "passed_code": True,
     "makeup_score": None, "makeup_passed_code": False, "credit_counted_code": "1",
     "qualitative_description": " 前後空白 \r\n第二行\t"},
    {"sheet_name": "學期成績", "national_id": "B223456789", "birth_date_roc": "113/09/01", "course_code": "000123",
     "subject_name": "數學", "course_grade": 2, "credits": 0.5, "score": 0.1 + 0.2, "passed_code": None,
     "makeup_score": 60.0, "makeup_passed_code": None, "credit_counted_code": None,
     "qualitative_description": "作品_x0041_x00e9_.pdf"},  # looks like OOXML's _xHHHH_ escape: must stay literal
]
# what any reader should see: control characters gone, everything else as written; booleans as the text 1 / 0
MIXED_EXPECTED = [
    ["A123456789", "097/05/12", "011301", "國文 & <作文> \"選讀\"", 1, 4, 88.5, "1", None, "0", "1", " 前後空白 \r\n第二行\t"],
    ["B223456789", "113/09/01", "000123", "數學", 2, 0.5, 0.30000000000000004, None, 60, None, None, "作品_x0041_x00e9_.pdf"],
]


def test_values_read_back_identically_through_read_rows_and_openpyxl(tmp_path):
    path = tmp_path / "grades.xlsx"
    assert write_workbook(path, GRADES, "023865", 113, 1, MIXED_ROWS) == {"學期成績": 2}
    rows = list(read_rows(path, GRADES))
    assert [row.row for row in rows] == [2, 3]
    assert [list(row.values.values()) for row in rows] == MIXED_EXPECTED
    assert [[type(value) for value in row.values.values()] for row in rows] == [
        [type(value) for value in expected] for expected in MIXED_EXPECTED]
    sheet = openpyxl.load_workbook(path)["學期成績"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == MIXED_EXPECTED
    assert (sheet["C2"].data_type, sheet["C2"].number_format) == ("s", "@")  # a code with its leading zero
    assert (sheet["E2"].data_type, sheet["G2"].data_type) == ("n", "n")
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == pytest.approx(10.7109375)
    assert sheet.column_dimensions["G"].width == pytest.approx(14.7109375)  # 學期學業成績: 2 × 6 + 2


def test_a_frame_and_the_same_rows_as_dicts_give_the_same_bytes(tmp_path):
    import polars as pl

    from pipelines.export.workbook import frame_from_dicts

    columns = ("sheet_name", *GRADES.sheets[0].model_columns)
    frame = frame_from_dicts(MIXED_ROWS, columns).with_columns(pl.col("course_grade").cast(pl.Int32))  # as DuckDB gives it
    write_workbook(tmp_path / "dicts.xlsx", GRADES, "023865", 113, 1, MIXED_ROWS)
    write_workbook(tmp_path / "frame.xlsx", GRADES, "023865", 113, 1, frame.with_columns(pl.lit("x").alias("unused")))
    assert sha256_of(tmp_path / "dicts.xlsx") == sha256_of(tmp_path / "frame.xlsx")


def test_an_always_sheet_without_rows_is_a_header_and_optional_sheets_are_left_out(tmp_path):
    path = tmp_path / "grades.xlsx"
    assert write_workbook(path, GRADES, "023865", 113, 1, []) == {"學期成績": 0}
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["封面", "學期成績"]
    assert [[cell.value for cell in row] for row in book["學期成績"].iter_rows()] == [list(GRADES.sheets[0].headers)]
    assert list(read_rows(path, GRADES)) == []


def test_a_row_for_a_sheet_not_in_the_layout_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not in the layout"):
        write_workbook(tmp_path / "grades.xlsx", GRADES, "023865", 113, 1, [{**MIXED_ROWS[0], "sheet_name": "其他"}])


def test_numbers_as_the_per_value_writer_wrote_them(tmp_path):
    path = tmp_path / "cadres.xlsx"
    big = 12345678901234567  # 17 digits: xlsxwriter's %.16G made it a float, readers too
    rows = [{**ROW, "cadre_level": value} for value in (2.0, -0.0, 1e20, big)]
    write_workbook(path, CADRES, "023865", 113, 1, rows)
    values = [row.values["幹部等級"] for row in read_rows(path, CADRES)]
    assert values == [2, 0, 1e20, float(big)]
    assert [type(value) for value in values] == [int, int, float, float]
    with pytest.raises(ValueError, match="NaN"):
        write_workbook(path, CADRES, "023865", 113, 1, [{**ROW, "cadre_level": float("nan")}])
    with pytest.raises(TypeError, match="mixes"):
        write_workbook(path, CADRES, "023865", 113, 1, [{**ROW, "cadre_level": 2}, {**ROW, "cadre_level": "02"}])


def test_every_part_is_well_formed_and_the_zip_is_deterministic(tmp_path):
    import xml.etree.ElementTree as ElementTree
    import zipfile

    path = tmp_path / "grades.xlsx"
    write_workbook(path, GRADES, "023865", 113, 1, MIXED_ROWS)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == [
            "[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]
        assert {info.date_time for info in infos} == {(2000, 1, 1, 0, 0, 0)}
        for info in infos:
            ElementTree.fromstring(archive.read(info))
        assert b"2000-01-01T00:00:00Z" in archive.read("docProps/core.xml")
    first = sha256_of(path)
    write_workbook(path, GRADES, "023865", 113, 1, MIXED_ROWS)
    assert sha256_of(path) == first
    write_workbook(path, GRADES, "023865", 113, 1, [MIXED_ROWS[0], {**MIXED_ROWS[1], "score": 60.5}])
    assert sha256_of(path) != first


def test_calamine_reads_the_same_values(tmp_path):
    pytest.importorskip("fastexcel")
    import polars as pl

    path = tmp_path / "grades.xlsx"
    write_workbook(path, GRADES, "023865", 113, 1, MIXED_ROWS)
    cover = pl.read_excel(path, sheet_name="封面", engine="calamine", infer_schema_length=0)
    assert cover.rows() == [("023865", "113", "1")]
    sheet = pl.read_excel(path, sheet_name="學期成績", engine="calamine", infer_schema_length=0)
    assert sheet.columns == list(GRADES.sheets[0].headers)
    assert sheet.row(0)[:4] == ("A123456789", "097/05/12", "011301", "國文 & <作文> \"選讀\"")
    assert sheet.row(0)[11] == " 前後空白 \r\n第二行\t"
    assert sheet.row(1)[2] == "000123" and sheet.row(1)[7] is None
    assert sheet.row(1)[11] == "作品_x0041_x00e9_.pdf"


def test_formula_like_text_is_written_exactly_and_never_as_a_formula(tmp_path):
    path = tmp_path / "cadres.xlsx"
    write_workbook(path, CADRES, "023865", 113, 1, [{**ROW, "position": value} for value in FORMULA_LIKE])
    assert inert_in_xlsx(path)


def test_a_text_over_a_cell_is_refused_naming_where(tmp_path):
    with pytest.raises(CellTooLong, match="「幹部經歷紀錄」第 3 列「擔任職務」欄"):
        write_workbook(tmp_path / "cadres.xlsx", CADRES, "023865", 113, 1, [ROW, {**ROW, "position": TOO_LONG}])
