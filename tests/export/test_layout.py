from pipelines.export.layout import (
    WORKBOOKS_BY_NAME, folder_name, parse_folder_name, receipt_path, workbook_name_of, workbooks_for,
)


def test_term_folders_hold_the_term_workbooks_and_term_0_the_whole_year_ones():
    assert [workbook.name for workbook in workbooks_for(1)] == ["學生資料名冊", "學生成績名冊", "校內幹部經歷名冊", "缺勤紀錄名冊"]
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
    sheet = WORKBOOKS_BY_NAME["校內幹部經歷名冊"].sheet("幹部經歷紀錄")
    assert sheet.item_key({"單位名稱": "三年一班", "擔任職務": "班長"}) == "三年一班+班長"


def test_a_receipt_may_name_the_workbook_with_or_without_prefix_and_extension(tmp_path):
    assert workbook_name_of("113_1_學生資料名冊.xlsx") == "學生資料名冊"
    assert workbook_name_of(" 113_0_學生自填多元表現名冊 ") == "學生自填多元表現名冊"
    assert workbook_name_of("學生成績名冊") == "學生成績名冊"
    assert receipt_path(tmp_path, "023865", 113, 0) == tmp_path / "023865" / "receipts" / "收訖明細_113_0.csv"


KEY = ("身分證號", "出生日期")
V2_HEADERS = {  # exports.md v2 and ../shared/notes/central-formats.md §3
    ("學生資料名冊", "學生資料"): (*KEY, "性別代碼", "群別代碼", "科班學程別代碼", "部別代碼", "班別", "年級", "班級名稱", "座號",
                              "特殊身分別", "原住民族別", "原住民身分別", "族語認證報考方言", "報考年度", "族語認證有效日期",
                              "實驗班名稱", "入學方式", "學籍狀態", "學籍異動日期"),
    ("學生資料名冊", "學生借讀資料"): (*KEY, "所屬學校代碼", "借讀學校代碼", "群別", "借讀科班學程別", "借讀代碼", "申請開始日期",
                                "申請結束日期"),
    ("學生成績名冊", "學期成績"): (*KEY, "課程代碼", "科目名稱", "開課年級", "修課學分", "學期學業成績", "成績及格", "補考成績",
                              "補考及格", "是否採計學分", "質性文字描述"),
    ("學生成績名冊", "補修成績"): (*KEY, "應修課學年度", "應修課學期", "課程代碼", "科目名稱", "開課年級", "修課學分", "補修成績",
                              "補修及格", "補考成績", "補考及格", "補修方式", "是否採計學分", "質性文字描述"),
    ("學生成績名冊", "轉學轉科成績"): (*KEY, "對應學年度", "對應學期", "課程代碼", "科目名稱", "對應年級", "修課學分", "身分別",
                                "抵免後成績", "成績及格", "是否採計學分", "質性文字描述"),
    ("學生課程學習成果名冊", "學期課程學習成果"): (*KEY, "實際修課學期", "課程代碼", "科目名稱", "開課年級", "修課學分", "成果簡述",
                                        "文件檔名", "影音檔名"),
    ("學生課程學習成果名冊", "補修課程學習成果"): (*KEY, "應修課學年度", "應修課學期", "實際修課學期", "課程代碼", "科目名稱", "開課年級",
                                        "修課學分", "補修方式", "成果簡述", "文件檔名", "影音檔名"),
    ("學生課程學習成果名冊", "重修課程學習成果"): (*KEY, "原修課學年度", "原修課學期", "實際修課學期", "原修課課程代碼", "原修課科目名稱",
                                        "原修課開課年級", "原修課修課學分", "重修方式", "成果簡述", "文件檔名", "影音檔名"),
}


def test_v2_sheets_have_the_real_rosters_headers_in_order():
    for (book, name), headers in V2_HEADERS.items():
        assert WORKBOOKS_BY_NAME[book].sheet(name).headers == headers, name
    grades = WORKBOOKS_BY_NAME["學生成績名冊"]
    for name in ("重修成績", "重讀成績"):
        assert grades.sheet(name).headers == (*KEY, "原修課學年度", "原修課學期", *grades.sheet("學期成績").headers[2:])


def test_outcomes_go_on_one_sheet_per_kind_without_a_title_and_only_the_first_is_always_written():
    outcomes = WORKBOOKS_BY_NAME["學生課程學習成果名冊"]
    assert [sheet.name for sheet in outcomes.sheets] == [
        "學期課程學習成果", "補修課程學習成果", "重修課程學習成果", "重讀課程學習成果", "轉學轉科課程學習成果", "借讀課程學習成果"]
    assert [sheet.always for sheet in outcomes.sheets] == [True] + [False] * 5
    assert all("成果名稱" not in sheet.headers for sheet in outcomes.sheets)


def test_every_items_key_is_made_of_its_own_sheets_columns():
    for workbook in WORKBOOKS_BY_NAME.values():
        for sheet in workbook.sheets:
            assert sheet.key_headers and set(sheet.key_headers) <= set(sheet.headers), sheet.name


def test_an_outcomes_key_tells_two_outcomes_of_one_course_apart_and_reads_a_year_as_written():
    sheet = WORKBOOKS_BY_NAME["學生課程學習成果名冊"].sheet("學期課程學習成果")
    course = {"實際修課學期": 1, "課程代碼": "112013301H11101A0000001", "影音檔名": None}
    first, second = sheet.item_key({**course, "文件檔名": "a.pdf"}), sheet.item_key({**course, "文件檔名": "b.pdf"})
    assert first == "1+112013301H11101A0000001+a.pdf+" and first != second
    retake = WORKBOOKS_BY_NAME["學生成績名冊"].sheet("重修成績")
    assert retake.item_key({"原修課學年度": 112.0, "原修課學期": 2, "課程代碼": "X"}) == "112+2+X"

def test_cadres_and_absences_sheets_have_the_v2_names_and_headers():
    assert WORKBOOKS_BY_NAME["校內幹部經歷名冊"].sheet("幹部經歷紀錄").headers == (
        "身分證號", "出生日期", "單位名稱", "開始日期", "結束日期", "擔任職務", "幹部等級")
    absences = WORKBOOKS_BY_NAME["缺勤紀錄名冊"]
    assert absences.file_name(113, 2) == "113_2_缺勤紀錄名冊.xlsx" and not absences.whole_year
    sheet = absences.sheet("缺勤紀錄")
    assert sheet.headers == ("身分證號", "出生日期", "缺勤種類代碼", "缺勤節數", "缺勤起始日期", "缺勤結束日期")
    assert sheet.item_key({"缺勤種類代碼": "03", "缺勤起始日期": "113/10/01", "缺勤節數": 2}) == "03+113/10/01"


# exports.md v2 / central-formats.md §3: each sheet's own columns, then the proof (our choice, documented)
DIVERSE_COLUMNS = {
    "幹部經歷暨事蹟紀錄": "單位名稱 開始日期 結束日期 擔任職務 內容簡述 幹部等級",
    "競賽參與紀錄": "競賽名稱 項目 競賽等級代碼 獎項 結果公布日期 內容簡述 團體參與代碼",
    "檢定證照紀錄": "證照代碼 註1 分數 分項結果 取得證照日期 證照字號 檢定組別 內容簡述",
    "服務學習紀錄": "服務名稱 服務單位 開始日期 結束日期 時數 內容簡述",
    "彈性學習時間紀錄": "彈性學習時間類別種類代碼 內容開設名稱 開設單位 開設學年度 開設學期 每週節數 開設週數 內容簡述",
    "團體活動時間紀錄": "團體活動時間類別代碼 辦理單位 團體活動內容名稱 活動學年度 活動學期 節數 內容簡述",
    "職場學習紀錄": "職場學習類別代碼 職場學習單位 職場學習職稱 開始日期 結束日期 時數 內容簡述",
    "作品成果紀錄": "名稱 日期 內容簡述",
    "大學及技專校院先修課程紀錄": "計畫專案 開設單位 課程名稱 開始日期 結束日期 學分數 總時數 內容簡述",
    "其他多元表現紀錄": "名稱 主辦單位 開始日期 結束日期 時數 內容簡述",
}


def test_each_diverse_sheet_has_its_own_columns_then_the_proof():
    workbook = WORKBOOKS_BY_NAME["學生自填多元表現名冊"]
    assert [sheet.name for sheet in workbook.sheets] == list(DIVERSE_COLUMNS)
    for sheet in workbook.sheets:
        assert sheet.headers == ("身分證號", "出生日期", *DIVERSE_COLUMNS[sheet.name].split(), "證明文件檔名", "影音檔名", "外部連結")
        assert not sheet.always


def test_every_item_key_is_made_of_its_own_sheet_columns():
    for workbook in WORKBOOKS_BY_NAME.values():
        for sheet in workbook.sheets:
            assert sheet.key_headers and set(sheet.key_headers) <= set(sheet.headers), (workbook.name, sheet.name)


def test_a_diverse_key_tells_two_entries_of_one_name_apart_by_their_date_or_term():
    sheets = WORKBOOKS_BY_NAME["學生自填多元表現名冊"]
    service = sheets.sheet("服務學習紀錄")
    first = {"服務名稱": "淨灘", "服務單位": "社區", "開始日期": "113/03/02"}
    assert service.item_key(first) != service.item_key({**first, "開始日期": "113/04/06"})
    assert service.item_key(first) == service.item_key({**first, "服務單位": "本校"}) == "淨灘+113/03/02"
    flexible = sheets.sheet("彈性學習時間紀錄")
    assert flexible.item_key({"內容開設名稱": "自主學習", "開設學年度": 113, "開設學期": 2}) == "自主學習+113+2"
