"""The central database's files as data (../shared/contract/exports.md): folders, workbooks, sheets, headers.

The one place that knows the Chinese names of what leaves the system. dbt's export models
(dbt_project/models/exports/central/) produce the rows with English column names; each `Sheet` here
maps those columns, in the contract's order, to the headers the ministry expects. No heavy imports:
the CLI, the generator's receipt simulation and the tests read this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

EXPORT_SCHEMA = "exports"
COVER_SHEET = "封面"
COVER_HEADERS = ("學校代碼", "學年度", "學期")
MANIFEST = "manifest.json"
SUBMITTED_MARKER = ".submitted"  # written by `portfolio submit`; its presence freezes the folder
WHOLE_YEAR = 0  # the term of the whole-year rosters
TERMS = (1, 2, WHOLE_YEAR)
KEY_JOINER = "+"  # a 項目鍵 of several columns (單位名稱+擔任職務, …), no spaces

# Every row of every record sheet starts with the student's key in the central database.
STUDENT_KEY_COLUMNS = (("身分證號", "national_id"), ("出生日期", "birth_date_roc"))

_COURSE = (("課程代碼", "course_code"), ("科目名稱", "subject_name"), ("開課年級", "course_grade"), ("修課學分", "credits"))
_TERM_RECORD_COLUMNS = (
    *_COURSE, ("學期學業成績", "score"), ("成績及格", "passed_code"),
    ("補考成績", "makeup_score"), ("補考及格", "makeup_passed_code"), ("是否採計學分", "credit_counted_code"),
    ("質性文字描述", "qualitative_description"),
)
# the course of a retake or repeat is the original one; these say which term it was first taken in
_ORIGIN_TERM = (("原修課學年度", "origin_academic_year"), ("原修課學期", "origin_term"))
_MAKE_UP_RECORD_COLUMNS = (
    ("應修課學年度", "origin_academic_year"), ("應修課學期", "origin_term"), *_COURSE,
    ("補修成績", "score"), ("補修及格", "passed_code"), ("補考成績", "makeup_score"), ("補考及格", "makeup_passed_code"),
    ("補修方式", "make_up_method_code"), ("是否採計學分", "credit_counted_code"), ("質性文字描述", "qualitative_description"),
)
_TRANSFER_RECORD_COLUMNS = (
    ("對應學年度", "origin_academic_year"), ("對應學期", "origin_term"), ("課程代碼", "course_code"),
    ("科目名稱", "subject_name"), ("對應年級", "course_grade"), ("修課學分", "credits"),
    ("身分別", "transfer_identity_code"), ("抵免後成績", "score"), ("成績及格", "passed_code"),
    ("是否採計學分", "credit_counted_code"), ("質性文字描述", "qualitative_description"),
)

_FILES = (("成果簡述", "summary"), ("文件檔名", "document_file_name"), ("影音檔名", "video_file_name"))
_FILE_KEY = ("文件檔名", "影音檔名")  # a student's two outcomes of one course differ in their files
_ACTUAL_TERM = (("實際修課學期", "course_term"),)
# (sheet, columns, 項目鍵 headers) per kind, in the central database's sheet order. The notes list the
# columns of 學期, 補修 and 重修 only; the others are our choice (exports_central_business_rules.md).
_OUTCOME_SHEETS = (
    ("學期課程學習成果", (*_ACTUAL_TERM, *_COURSE, *_FILES), ("實際修課學期", "課程代碼", *_FILE_KEY)),
    ("補修課程學習成果", (("應修課學年度", "origin_academic_year"), ("應修課學期", "origin_term"), *_ACTUAL_TERM, *_COURSE,
                          ("補修方式", "make_up_method_code"), *_FILES), ("實際修課學期", "課程代碼", *_FILE_KEY)),
    ("重修課程學習成果", (*_ORIGIN_TERM, *_ACTUAL_TERM, ("原修課課程代碼", "course_code"), ("原修課科目名稱", "subject_name"),
                          ("原修課開課年級", "course_grade"), ("原修課修課學分", "credits"), ("重修方式", "retake_method_code"),
                          *_FILES), ("實際修課學期", "原修課課程代碼", *_FILE_KEY)),
    ("重讀課程學習成果", (*_ORIGIN_TERM, *_ACTUAL_TERM, *_COURSE, *_FILES), ("實際修課學期", "課程代碼", *_FILE_KEY)),
    ("轉學轉科課程學習成果", (("對應學年度", "origin_academic_year"), ("對應學期", "origin_term"), ("課程代碼", "course_code"),
                            ("科目名稱", "subject_name"), ("對應年級", "course_grade"), ("修課學分", "credits"), *_FILES),
     ("對應學年度", "對應學期", "課程代碼", *_FILE_KEY)),
    ("借讀課程學習成果", (("借讀學校代碼", "host_school_code"), ("借讀修課學年度", "visiting_academic_year"), *_ACTUAL_TERM,
                          *_COURSE, *_FILES), ("借讀學校代碼", "借讀修課學年度", "實際修課學期", "課程代碼", *_FILE_KEY)),
)


# 學生自填多元表現名冊: each sheet's own columns (exports.md v2, central-formats.md §3), then how the proof is
# found: vendors add the files and link after the central columns, and a registrar must trace each item to it.
_START, _END = ("開始日期", "start_date_roc"), ("結束日期", "end_date_roc")
_SUMMARY, _HOURS = ("內容簡述", "summary"), ("時數", "hours")
_PROOF_COLUMNS = (("證明文件檔名", "document_file_name"), ("影音檔名", "video_file_name"), ("外部連結", "external_url"))
_DIVERSE_SHEETS: tuple[tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]], ...] = (
    ("幹部經歷暨事蹟紀錄", (("單位名稱", "organiser"), _START, _END, ("擔任職務", "title"), _SUMMARY,
                   ("幹部等級", "cadre_level")), ("單位名稱", "擔任職務", "開始日期")),
    ("競賽參與紀錄", (("競賽名稱", "title"), ("項目", "competition_event"), ("競賽等級代碼", "competition_level_code"),
                ("獎項", "level_or_award"), ("結果公布日期", "event_date_roc"), _SUMMARY,
                ("團體參與代碼", "team_participation_code")), ("競賽名稱", "項目", "結果公布日期")),
    ("檢定證照紀錄", (("證照代碼", "certificate_code"), ("註1", "title"), ("分數", "certificate_score"),
                ("分項結果", "certificate_part_results"), ("取得證照日期", "event_date_roc"),
                ("證照字號", "certificate_number"), ("檢定組別", "level_or_award"), _SUMMARY), ("證照代碼", "註1", "取得證照日期")),
    ("服務學習紀錄", (("服務名稱", "title"), ("服務單位", "organiser"), _START, _END, _HOURS, _SUMMARY),
     ("服務名稱", "開始日期")),
    ("彈性學習時間紀錄", (("彈性學習時間類別種類代碼", "flexible_learning_type_code"), ("內容開設名稱", "title"),
                   ("開設單位", "organiser"), ("開設學年度", "activity_year"), ("開設學期", "activity_term"),
                   ("每週節數", "periods_per_week"), ("開設週數", "weeks"), _SUMMARY), ("內容開設名稱", "開設學年度", "開設學期")),
    ("團體活動時間紀錄", (("團體活動時間類別代碼", "group_activity_type_code"), ("辦理單位", "organiser"),
                   ("團體活動內容名稱", "title"), ("活動學年度", "activity_year"), ("活動學期", "activity_term"),
                   ("節數", "periods"), _SUMMARY), ("團體活動內容名稱", "活動學年度", "活動學期")),
    ("職場學習紀錄", (("職場學習類別代碼", "workplace_learning_type_code"), ("職場學習單位", "organiser"),
                ("職場學習職稱", "title"), _START, _END, _HOURS, _SUMMARY), ("職場學習單位", "職場學習職稱", "開始日期")),
    ("作品成果紀錄", (("名稱", "title"), ("日期", "event_date_roc"), _SUMMARY), ("名稱", "日期")),
    ("大學及技專校院先修課程紀錄", (("計畫專案", "programme_name"), ("開設單位", "organiser"), ("課程名稱", "title"), _START, _END,
                          ("學分數", "credits"), ("總時數", "hours"), _SUMMARY), ("課程名稱", "開始日期")),
    ("其他多元表現紀錄", (("名稱", "title"), ("主辦單位", "organiser"), _START, _END, _HOURS, _SUMMARY), ("名稱", "開始日期")),
)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[tuple[str, str], ...]  # (Chinese header, export model column) after the student key
    key_headers: tuple[str, ...]  # the headers whose values, joined with KEY_JOINER, make the 項目鍵
    always: bool = True  # written even without rows (header only); False: only when it has rows

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(header for header, _ in (*STUDENT_KEY_COLUMNS, *self.columns))

    @property
    def model_columns(self) -> tuple[str, ...]:
        return tuple(column for _, column in (*STUDENT_KEY_COLUMNS, *self.columns))

    def item_key(self, values: dict[str, object]) -> str:
        """The row's 項目鍵 from its values by header (what the ministry's receipt quotes)."""
        return KEY_JOINER.join(_key_part(values.get(header)) for header in self.key_headers)


def _key_part(value: object) -> str:
    # a year or term read back from a sheet may come as 113.0; the export model's key says 113
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Workbook:
    name: str  # 學生資料名冊 …; the file is <學年度>_<學期>_<name>.xlsx
    model: str  # the dbt export model with its rows
    sheets: tuple[Sheet, ...]
    whole_year: bool  # True: in the term-0 folder
    sheet_column: str | None = None  # the model column naming each row's sheet (several sheets)
    order_by: tuple[str, ...] = ()  # after class, seat and student number

    def file_name(self, year: int, term: int) -> str:
        return f"{year}_{term}_{self.name}.xlsx"

    def sheet(self, name: str) -> Sheet:
        return next(sheet for sheet in self.sheets if sheet.name == name)


WORKBOOKS: tuple[Workbook, ...] = (
    Workbook(
        name="學生資料名冊", model="export_central__students", whole_year=False, sheet_column="sheet_name",
        sheets=(
            Sheet("學生資料", (
                ("性別代碼", "gender_code"), ("群別代碼", "cluster_code"), ("科班學程別代碼", "program_code"),
                ("部別代碼", "division_code"), ("班別", "class_type"), ("年級", "grade"), ("班級名稱", "class_name"),
                ("座號", "seat_number"), ("特殊身分別", "special_identity_code"), ("原住民族別", "indigenous_people_code"),
                ("原住民身分別", "indigenous_status_code"), ("族語認證報考方言", "indigenous_language_dialect"),
                ("報考年度", "indigenous_language_exam_year"), ("族語認證有效日期", "indigenous_language_valid_until_roc"),
                ("實驗班名稱", "experimental_class_name"), ("入學方式", "admission_method_code"),
                ("學籍狀態", "enrolment_status"), ("學籍異動日期", "status_changed_date_roc"),
            ), key_headers=("身分證號",)),
            Sheet("學生借讀資料", (
                ("所屬學校代碼", "school_code"), ("借讀學校代碼", "host_school_code"), ("群別", "host_cluster_code"),
                ("借讀科班學程別", "host_program_code"), ("借讀代碼", "visiting_code"),
                ("申請開始日期", "application_start_date_roc"), ("申請結束日期", "application_end_date_roc"),
            ), key_headers=("借讀學校代碼", "申請開始日期"), always=False),
        ),
    ),
    Workbook(
        name="學生成績名冊", model="export_central__course_records", whole_year=False, sheet_column="sheet_name",
        order_by=("course_code",),
        sheets=(
            Sheet("學期成績", _TERM_RECORD_COLUMNS, key_headers=("課程代碼",)),
            Sheet("補修成績", _MAKE_UP_RECORD_COLUMNS, key_headers=("課程代碼",), always=False),
            *(Sheet(name, (*_ORIGIN_TERM, *_TERM_RECORD_COLUMNS), key_headers=("原修課學年度", "原修課學期", "課程代碼"),
                    always=False)
              for name in ("重修成績", "重讀成績")),
            Sheet("轉學轉科成績", _TRANSFER_RECORD_COLUMNS, key_headers=("課程代碼",), always=False),
        ),
    ),
    Workbook(
        name="校內幹部經歷名冊", model="export_central__cadres", whole_year=False, order_by=("start_date_roc", "item_key"),
        sheets=(Sheet("幹部經歷紀錄", (
            ("單位名稱", "unit_name"), ("開始日期", "start_date_roc"), ("結束日期", "end_date_roc"),
            ("擔任職務", "position"), ("幹部等級", "cadre_level"),
        ), key_headers=("單位名稱", "擔任職務")),),
    ),
    Workbook(
        name="缺勤紀錄名冊", model="export_central__absences", whole_year=False, order_by=("start_date_roc", "item_key"),
        sheets=(Sheet("缺勤紀錄", (
            ("缺勤種類代碼", "absence_type_code"), ("缺勤節數", "periods"), ("缺勤起始日期", "start_date_roc"),
            ("缺勤結束日期", "end_date_roc"),
        ), key_headers=("缺勤種類代碼", "缺勤起始日期")),),
    ),
    Workbook(
        name="學生課程學習成果名冊", model="export_central__course_outcomes", whole_year=True, sheet_column="sheet_name",
        order_by=("course_term", "course_code", "item_id"),
        sheets=tuple(Sheet(name, columns, key_headers=key, always=index == 0)
                     for index, (name, columns, key) in enumerate(_OUTCOME_SHEETS)),
    ),
    Workbook(
        name="學生自填多元表現名冊", model="export_central__diverse_performances", whole_year=True,
        sheet_column="sheet_name", order_by=("start_date_roc", "item_id"),
        sheets=tuple(Sheet(name, (*columns, *_PROOF_COLUMNS), key_headers=key, always=False)
                     for name, columns, key in _DIVERSE_SHEETS),
    ),
)

WORKBOOKS_BY_NAME = {workbook.name: workbook for workbook in WORKBOOKS}


def workbooks_for(term: int) -> tuple[Workbook, ...]:
    """The workbooks of a term folder (1, 2) or of the whole-year folder (0)."""
    return tuple(workbook for workbook in WORKBOOKS if workbook.whole_year == (term == WHOLE_YEAR))


def folder_name(year: int, term: int, revision: int = 0) -> str:
    """`113_1` for the first submission; `113_1_r1`, `113_1_r2` … for re-submissions beside it."""
    base = f"{year}_{term}"
    return base if revision == 0 else f"{base}_r{revision}"


_FOLDER = re.compile(r"(?P<year>\d{2,3})_(?P<term>[0-2])(?:_r(?P<revision>[1-9]\d*))?")


def parse_folder_name(name: str) -> tuple[int, int, int] | None:
    """(year, term, revision) of an export folder's name, None for anything else."""
    match = _FOLDER.fullmatch(name)
    if match is None:
        return None
    return int(match["year"]), int(match["term"]), int(match["revision"] or 0)


def school_folder(out: Path, school: str) -> Path:
    return out / school


def workbook_name_of(text: str) -> str:
    """A receipt's 名冊 as our workbook name: `113_1_學生資料名冊.xlsx`, `113_1_學生資料名冊` → `學生資料名冊`."""
    name = text.strip()
    if name.lower().endswith(".xlsx"):
        name = name[: -len(".xlsx")]
    match = re.fullmatch(r"\d{2,3}_[0-2]_(.+)", name)
    return match.group(1) if match else name


def receipt_path(source: Path, school: str, year: int, term: int) -> Path:
    """Where the ministry's 收訖明細 for a submission is delivered (inputs.md)."""
    return source / school / "receipts" / f"收訖明細_{year}_{term}.csv"


RECEIPT_HEADERS = ("名冊", "工作表", "身分證號", "項目鍵", "收訖狀態", "退件原因")
RECEIVED, REJECTED = "收訖", "退件"


def roster_units() -> dict[str, str]:
    """名冊 → the unit (處室) that submits it and answers its disputes: seeds/xwalk_roster_owner_units.csv,
    the one definition."""
    from pipelines.contract import seed_rows

    return {row["workbook"]: row["owner_unit"] for row in seed_rows("xwalk_roster_owner_units")}
