from datetime import date, datetime

import pytest

from pipelines.contract import FILES_BY_KIND
from pipelines.ingest.decoding import FileRejected, read_csv_cells
from pipelines.ingest.validate import ParsedFile, parse_file, validate_table

from .conftest import FIXTURES, xlsx_bytes

STUDENTS = FILES_BY_KIND["students"]
SOURCE = "013301/admin/學生資料.csv"
HEADER = "學年度,學期,學號,學籍狀態"


def validate(text: str, kind: str = "students", source_file: str = SOURCE) -> ParsedFile:
    return validate_table(read_csv_cells(text.encode("utf-8"), source_file), FILES_BY_KIND[kind], source_file)


def only_quarantine_row(parsed: ParsedFile) -> dict:
    assert parsed.quarantine.height == 1, parsed.quarantine
    return parsed.quarantine.row(0, named=True)


@pytest.mark.parametrize("fixture", ["students_utf8.csv", "students_utf8_bom.csv", "students_big5.csv", "xlsx"])
def test_every_encoding_and_xlsx_give_the_same_typed_rows(fixture, tmp_path):
    if fixture == "xlsx":  # the same students as a workbook with number and date cells
        data = xlsx_bytes(tmp_path, [
            STUDENTS.headers,
            [113, 1, "1130001", "A123456789", "王小明", 1, date(2004, 1, 15), "D", "普通班", "21", "101", 1, "101", 1, "在學", None],
            [113, 1, "1130002", "B223456780", "陳美麗", 2, "93/02/29", "D", "普通班", "21", "101", 1, "101", 2, "在學", -1],
            [113, 1, "1130003", "C123456781", "林志豪", 1, "2004-12-31", "D", "普通班", "21", "101", 1, "101", 3, "轉入", "113/09/02"],
        ])
        source_file = "013301/admin/學生資料.xlsx"
    else:
        data, source_file = (FIXTURES / "valid" / fixture).read_bytes(), SOURCE
    parsed = parse_file(data, STUDENTS, source_file)
    assert parsed.quarantine.is_empty()
    assert parsed.rows["學號"].to_list() == ["1130001", "1130002", "1130003"]
    assert parsed.rows["出生日期"].to_list() == [date(2004, 1, 15), date(2004, 2, 29), date(2004, 12, 31)]
    assert parsed.rows["學籍異動日期"].to_list() == [None, None, date(2024, 9, 2)]
    assert parsed.rows["座號"].to_list() == [1, 2, 3]
    assert parsed.rows["source_line"].to_list() == [2, 3, 4]


def test_headers_in_any_order_with_extra_columns_and_spaces():
    parsed = validate(" 學籍狀態 ,備註,學號,\u3000學期,學年度\n在學,x,S1,1,113\n")
    assert parsed.rows.select("學年度", "學期", "學號", "學籍狀態").row(0) == (113, 1, "S1", "在學")
    assert "備註" not in parsed.rows.columns


def test_a_missing_optional_column_loads_as_null():
    parsed = validate(f"{HEADER}\n113,1,S1,在學\n")
    assert parsed.rows["出生日期"].to_list() == [None]


def test_a_missing_required_column_rejects_the_file():
    data = (FIXTURES / "invalid" / "students_without_student_number.csv").read_bytes()
    with pytest.raises(FileRejected) as rejected:
        parse_file(data, STUDENTS, SOURCE)
    assert (rejected.value.reason, rejected.value.field) == ("missing_column", "學號")
    assert SOURCE in rejected.value.message and "學號" in rejected.value.message


def test_a_doubled_contract_column_rejects_the_file():
    with pytest.raises(FileRejected) as rejected:
        validate(f"{HEADER},學號\n113,1,S1,在學,S2\n")
    assert rejected.value.reason == "unreadable"
    assert "學號" in rejected.value.message


def test_full_width_is_folded_in_codes_and_numbers_but_not_in_free_text():
    parsed = validate(f"{HEADER},姓名,座號\n１１３,１,Ｓ００１,在學,ＡＢＣ,１２\n")
    assert parsed.rows.select("學年度", "學號", "姓名", "座號").row(0) == (113, "S001", "ＡＢＣ", 12)


def test_blank_records_are_skipped_not_quarantined():
    parsed = validate(f"{HEADER}\n113,1,S1,在學\n\n,,,\n113,1,S2,在學\n")
    assert parsed.quarantine.is_empty()
    assert parsed.rows["source_line"].to_list() == [2, 5]


def test_missing_key_quarantines_the_row_and_the_rest_loads():
    parsed = validate(f"{HEADER}\n113,1,-1,在學\n113,1,S2,在學\n")
    row = only_quarantine_row(parsed)
    assert (row["source_line"], row["field"], row["reason"], row["raw_value"]) == (2, "學號", "missing_key", "-1")
    assert parsed.rows["學號"].to_list() == ["S2"]
    assert parsed.rows_quarantined == 1


def test_bad_date_is_quarantined_with_file_line_field_and_value_in_the_message():
    parsed = validate(f"{HEADER},出生日期\n113,1,S1,在學,113/02/30\n")
    row = only_quarantine_row(parsed)
    assert (row["field"], row["reason"], row["raw_value"]) == ("出生日期", "bad_date", "113/02/30")
    assert row["message"].startswith(f"{SOURCE} 第 2 行：欄位「出生日期」")
    assert "'113/02/30'" in row["message"] and "學號=S1" in row["message"]
    assert parsed.rows.is_empty()


def test_bad_timestamp_is_a_bad_date():
    parsed = validate("成果編號,動作,時間\nCO1,送審,2024-09-01 25:00\n", kind="certification_events")
    assert only_quarantine_row(parsed)["reason"] == "bad_date"


def test_bad_number_is_quarantined():
    parsed = validate(f"{HEADER},座號\n113,1,S1,在學,12a\n")
    assert (only_quarantine_row(parsed)["field"], only_quarantine_row(parsed)["reason"]) == ("座號", "bad_number")


def test_unknown_code_is_quarantined_with_the_allowed_codes():
    parsed = validate(f"{HEADER}\n113,1,S1,在家\n")
    row = only_quarantine_row(parsed)
    assert (row["field"], row["reason"]) == ("學籍狀態", "unknown_code")
    assert "在學、休學" in row["message"]


def test_out_of_range_is_quarantined_with_the_limits():
    parsed = validate(f"{HEADER},年級\n113,1,S1,在學,5\n")
    row = only_quarantine_row(parsed)
    assert (row["field"], row["reason"]) == ("年級", "out_of_range")
    assert "1–4" in row["message"]


def test_each_failing_field_gets_its_own_row_with_the_first_reason_that_applies():
    parsed = validate(f"{HEADER},性別代碼\n113,3,,在學,x\n")
    assert parsed.quarantine.select("field", "reason").rows() == [
        ("學期", "unknown_code"), ("學號", "missing_key"), ("性別代碼", "bad_number"),
    ]
    assert parsed.rows_quarantined == 1


def test_spreadsheet_style_whole_floats_are_integers():
    parsed = validate(f"{HEADER},座號\n113.0,1,S1,在學,7.0\n")
    assert parsed.rows.select("學年度", "座號").row(0) == (113, 7)


def test_an_id_shaped_value_never_appears_whole_in_quarantine():
    parsed = validate(f"{HEADER}\n113,3,A123456789,在學\n")
    row = only_quarantine_row(parsed)
    assert "A123456789" not in row["message"]
    assert "學號=A12****789" in row["message"]


def test_rows_breaking_only_business_rules_load():
    long_summary = "長" * 150
    parsed = validate(f"成果編號,學號,學年度,學期,課程代碼,成果簡述,上傳時間\nCO1,S1,113,1,BAD,{long_summary},113/09/01 下午 01:05:00\n",
                      kind="course_outcomes")
    assert parsed.quarantine.is_empty()
    assert parsed.rows.select("課程代碼", "上傳時間").row(0) == ("BAD", datetime(2024, 9, 1, 13, 5))


ABSENCES = "013301/admin/缺勤.csv"


def test_an_absence_in_the_old_layout_loads_with_its_leave_name_and_no_code():
    parsed = validate("學年度,學期,學號,假別,節數\n113,1,S1,病假,3\n", "absences", ABSENCES)
    assert parsed.quarantine.is_empty()
    assert parsed.rows.select("假別", "缺勤種類代碼", "缺勤起始日期").row(0) == ("病假", None, None)


def test_an_unknown_leave_name_is_quarantined_unless_a_code_says_what_it_is():
    parsed = validate(
        "學年度,學期,學號,假別,節數,缺勤種類代碼,缺勤起始日期\n"
        "113,1,S1,公差假,2,01,113/10/01\n"
        "113,1,S2,公差假,2,,113/10/01\n",
        "absences", ABSENCES,
    )
    assert parsed.rows["學號"].to_list() == ["S1"]
    row = only_quarantine_row(parsed)
    assert (row["field"], row["reason"]) == ("假別", "unknown_code")
    assert "第 3 行" in row["message"] and "公差假" in row["message"] and "缺勤種類代碼" in row["message"]


def test_an_absence_code_outside_01_to_12_is_quarantined():
    row = only_quarantine_row(validate("學年度,學期,學號,假別,缺勤種類代碼\n113,1,S1,病假,13\n", "absences", ABSENCES))
    assert (row["field"], row["reason"]) == ("缺勤種類代碼", "unknown_code")


PERFORMANCES = "013301/platform/多元表現.csv"
PERFORMANCE_HEADER = "表現編號,學號,學年度,類別,名稱,登錄來源"


def test_a_performance_without_the_category_columns_loads_them_empty():
    parsed = validate(f"{PERFORMANCE_HEADER}\nDP1,S1,113,競賽參與,科展,學生自填\n", "diverse_performances", PERFORMANCES)
    assert parsed.quarantine.is_empty()
    assert parsed.rows.select("競賽等級代碼", "證照代碼", "每週節數").row(0) == (None, None, None)


@pytest.mark.parametrize(("header", "good", "bad"), [
    ("競賽等級代碼", "4", "9"),
    ("團體參與代碼", "2", "3"),
    ("證照代碼", "E001", "X999"),
    ("彈性學習時間類別種類代碼", "1", "6"),
    ("團體活動時間類別代碼", "5", "0"),
    ("職場學習類別代碼", "3", "5"),
    ("幹部等級", "1", "4"),
])
def test_a_performance_code_must_be_in_its_seed(header, good, bad):
    text = f"{PERFORMANCE_HEADER},{header}\nDP1,S1,113,其他,甲,學生自填,{good}\nDP2,S1,113,其他,乙,學生自填,{bad}\n"
    parsed = validate(text, "diverse_performances", PERFORMANCES)
    assert parsed.rows["表現編號"].to_list() == ["DP1"]
    row = only_quarantine_row(parsed)
    assert (row["field"], row["reason"]) == (header, "unknown_code")


@pytest.mark.parametrize(("header", "good", "bad", "reason"), [
    ("學期", "2", "3", "unknown_code"),
    ("分數", "785", "-5", "out_of_range"),
    ("每週節數", "4", "41", "out_of_range"),
    ("開設週數", "18", "四週", "bad_number"),
    ("節數", "36", "1001", "out_of_range"),
    ("學分數", "2", "31", "out_of_range"),
])
def test_a_performance_number_outside_its_range_is_quarantined(header, good, bad, reason):
    text = f"{PERFORMANCE_HEADER},{header}\nDP1,S1,113,其他,甲,學生自填,{good}\nDP2,S1,113,其他,乙,學生自填,{bad}\n"
    parsed = validate(text, "diverse_performances", PERFORMANCES)
    assert parsed.rows["表現編號"].to_list() == ["DP1"]
    row = only_quarantine_row(parsed)
    assert (row["field"], row["reason"]) == (header, reason)
