from pipelines.export.layout import (
    WORKBOOKS_BY_NAME, folder_name, parse_folder_name, receipt_path, workbook_name_of, workbooks_for,
)


def test_term_folders_hold_the_term_workbooks_and_term_0_the_whole_year_ones():
    assert [workbook.name for workbook in workbooks_for(1)] == ["學生資料名冊", "學生成績名冊", "校內幹部經歷名冊"]
    assert [workbook.name for workbook in workbooks_for(0)] == ["學生課程學習成果名冊", "學生自填多元表現名冊"]
    assert WORKBOOKS_BY_NAME["學生資料名冊"].file_name(113, 1) == "113_1_學生資料名冊.xlsx"


def test_every_record_sheet_starts_with_the_student_key():
    for workbook in WORKBOOKS_BY_NAME.values():
        for sheet in workbook.sheets:
            assert sheet.headers[:2] == ("身分證號", "出生日期"), sheet.name


def test_resubmission_folders_are_numbered_beside_the_base_and_parse_back():
    assert folder_name(113, 1) == "113_1"
    assert folder_name(113, 0, 2) == "113_0_r2"
    assert parse_folder_name("113_0_r2") == (113, 0, 2)
    assert parse_folder_name("113_1") == (113, 1, 0)
    assert parse_folder_name("113_1_r0") is None
    assert parse_folder_name(".113_1.writing") is None


def test_two_part_keys_are_joined_with_a_plus():
    sheet = WORKBOOKS_BY_NAME["校內幹部經歷名冊"].sheet("幹部經歷")
    assert sheet.item_key({"單位名稱": "三年一班", "擔任職務": "班長"}) == "三年一班+班長"


def test_a_receipt_may_name_the_workbook_with_or_without_prefix_and_extension(tmp_path):
    assert workbook_name_of("113_1_學生資料名冊.xlsx") == "學生資料名冊"
    assert workbook_name_of(" 113_0_學生自填多元表現名冊 ") == "學生自填多元表現名冊"
    assert workbook_name_of("學生成績名冊") == "學生成績名冊"
    assert receipt_path(tmp_path, "023865", 113, 0) == tmp_path / "023865" / "receipts" / "收訖明細_113_0.csv"
