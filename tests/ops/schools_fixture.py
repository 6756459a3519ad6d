"""Two small schools written as deliveries (the input contract's headers), for the operations tests.

Built once per session by tests/ops/conftest.py: ingested like any delivery, then dbt builds the marts
the ops code reads. Every value a test asserts follows from the rows below.

School A (990001), policy: retention 2 years; 113-2 upload 2025-07-14, certification 2025-07-21;
selection 113 2025-08-15, 多元表現 entry 113 2025-08-12. School B (990002), policy: retention 5 years; 113-2 upload 2025-07-10,
certification 2025-07-17; selection 113 2025-08-10.

People (national IDs are valid checksums; S08 has none):

| who | school A | school B |
|---|---|---|
| S01 | 113-1, 113-2 在學 class 101 seat 1; uploads nothing in 113-2 | |
| S02 | 113-1 在學 101/2; 113-2 轉出 2025-02-20 | 113-2 轉入 2025-02-21 as B0002, class 201 |
| S03 | 113-1 休學 2024-10-01 (102/1); 113-2 復學 2025-02-10; one outcome not sent (未送審) | |
| S04 | 112-2 grade 1 在學; 113-1, 113-2 重讀 grade 1 (102/2); outcome CO-A2 待認證 by T03 (left) | |
| S05 | 111-2 grade 3 畢業 2023-06-30 (class 301/1) | |
| S06 | 113-1 退學 2024-11-01 (101/3) | |
| S07 | 113-2 在學 (no date; 101/4): the transfer not registered at A | 113-2 轉入 2025-03-01 as B0007 |
| S08 | 113-2 在學, no national ID (102/3); CO-A3 待認證 by T01 since 2025-06-20; CO-A4 認證通過 | |

Teachers at A: T01 國語文 (homeroom 101), T02 數學 grades 1 (homeroom 102), T03 數學 grade 1 離職
2025-03-01 whose designated proxy T09 has left too, T07 化學 自然 領域召集人, T10 教學組長.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from pipelines.contract import FILES_BY_KIND

SCHOOL_A, SCHOOL_B = "990001", "990002"
IDS = {
    "S01": "A123456789", "S02": "B223456782", "S03": "C123456781", "S04": "D223456784",
    "S05": "E123456783", "S06": "F223456786", "S07": "A223456788", "S08": None,
}

POLICY_A = """retention_years: 2
certification_days_after_upload: 7
terms:
  - {academic_year: 113, term: 1, upload_deadline: 2025-02-03, certification_deadline: 2025-02-10}
  - {academic_year: 113, term: 2, upload_deadline: 2025-07-14, certification_deadline: 2025-07-21}
selection_deadlines:
  113: 2025-08-15
diverse_entry_deadlines:
  113: 2025-08-12
"""
POLICY_B = """retention_years: 5
terms:
  - {academic_year: 113, term: 2, upload_deadline: 2025-07-10, certification_deadline: 2025-07-17}
selection_deadlines:
  113: 2025-08-10
"""


def _student(year, term, number, person, cls, seat, status, grade=1, changed=None):
    return {"學年度": year, "學期": term, "學號": number, "身分證號": IDS[person] or "", "姓名": f"學生{person}",
            "性別代碼": 1, "出生日期": "2008-05-01", "部別代碼": "D", "班別": "普通班", "群別代碼": "11",
            "科班學程別代碼": "101", "年級": grade, "班級代碼": cls, "座號": seat, "學籍狀態": status,
            "學籍異動日期": changed or ""}


STUDENTS_A = [
    _student(113, 1, "A01", "S01", "101", 1, "在學"),
    _student(113, 2, "A01", "S01", "101", 1, "在學"),
    _student(113, 1, "A02", "S02", "101", 2, "在學"),
    _student(113, 2, "A02", "S02", "101", 2, "轉出", changed="2025-02-20"),
    _student(113, 1, "A03", "S03", "102", 1, "休學", changed="2024-10-01"),
    _student(113, 2, "A03", "S03", "102", 1, "復學", changed="2025-02-10"),
    _student(112, 2, "A04", "S04", "101", 5, "在學"),
    _student(113, 1, "A04", "S04", "102", 2, "重讀", changed="2024-08-01"),
    _student(113, 2, "A04", "S04", "102", 2, "重讀", changed="2024-08-01"),
    _student(111, 2, "A05", "S05", "301", 1, "畢業", grade=3, changed="2023-06-30"),
    _student(113, 1, "A06", "S06", "101", 3, "退學", changed="2024-11-01"),
    _student(113, 2, "A07", "S07", "101", 4, "在學"),
    _student(113, 2, "A08", "S08", "102", 3, "在學"),
]
STUDENTS_B = [
    _student(113, 2, "B0002", "S02", "201", 1, "轉入", changed="2025-02-21"),
    _student(113, 2, "B0007", "S07", "201", 2, "轉入", changed="2025-03-01"),
]


def _class(year, term, code, teacher, grade=1):
    return {"學年度": year, "學期": term, "班級代碼": code, "班級名稱": f"{code}班", "年級": grade, "導師代碼": teacher}


CLASSES_A = [
    _class(111, 2, "301", "T07", grade=3),
    _class(112, 2, "101", "T01"),
    _class(113, 1, "101", "T01"), _class(113, 1, "102", "T02"),
    _class(113, 2, "101", "T01"), _class(113, 2, "102", "T02"),
]
CLASSES_B = [_class(113, 2, "201", "T01")]


def _teacher(code, name, subject, grades, domain, status="在職", left=None, proxy=None, duties=""):
    return {"教師代碼": code, "姓名": name, "任教科目": subject, "任教年級": grades, "領域": domain,
            "在職狀態": status, "離職日期": left or "", "代理認證教師代碼": proxy or "", "職務": duties}


TEACHERS_A = [
    _teacher("T01", "王國文", "國語文", "1", "語文"),
    _teacher("T02", "李數學", "數學", "1,2", "數學"),
    _teacher("T03", "張離職", "數學", "1", "數學", status="離職", left="2025-03-01", proxy="T09"),
    _teacher("T07", "陳化學", "化學", "2", "自然", duties="領域召集人"),
    _teacher("T09", "林已離", "數學", "3", "數學", status="離職", left="2025-01-31"),
    _teacher("T10", "周組長", "公民", "", "社會", duties="教學組長"),
]
TEACHERS_B = [_teacher("T01", "黃導師", "英語文", "2", "語文")]

COURSE = "113990001H301MAT1010101"  # 23 characters: category 1 at position 17
assert len(COURSE) == 23


def _outcome(outcome_id, number, year, term, teacher, uploaded):
    return {"成果編號": outcome_id, "學號": number, "學年度": year, "學期": term, "課程代碼": COURSE,
            "成果名稱": f"成果{outcome_id}", "成果簡述": "一段簡述", "文件檔名": "report.pdf", "文件大小": 1000,
            "影音檔名": "", "影音大小": "", "上傳時間": uploaded, "認證教師代碼": teacher}


OUTCOMES_A = [
    _outcome("CO-A1", "A03", 113, 2, "T02", "2025-03-10 10:00:00"),  # never sent: 未送審
    _outcome("CO-A2", "A04", 113, 2, "T03", "2025-02-25 10:00:00"),  # waiting on T03, who left
    _outcome("CO-A3", "A08", 113, 2, "T01", "2025-06-19 10:00:00"),  # waiting on T01 since 2025-06-20
    _outcome("CO-A4", "A08", 113, 2, "T01", "2025-03-01 10:00:00"),  # certified, not selected
]
EVENTS_A = [
    {"成果編號": "CO-A2", "動作": "送審", "教師代碼": "T03", "時間": "2025-02-26 09:00:00", "說明": ""},
    {"成果編號": "CO-A3", "動作": "送審", "教師代碼": "T01", "時間": "2025-06-20 09:00:00", "說明": ""},
    {"成果編號": "CO-A4", "動作": "送審", "教師代碼": "T01", "時間": "2025-03-02 09:00:00", "說明": ""},
    {"成果編號": "CO-A4", "動作": "認證通過", "教師代碼": "T01", "時間": "2025-03-05 09:00:00", "說明": ""},
]
PERFORMANCES_A = [{
    "表現編號": "DP-A1", "學號": "A04", "學年度": 113, "類別": "服務學習", "名稱": "淨灘", "單位": "環保社",
    "開始日期": "2025-04-01", "結束日期": "2025-04-01", "時數": 3, "等級獎項": "", "內容簡述": "參加淨灘活動",
    "證明文件檔名": "proof.pdf", "證明文件大小": 1000, "影音檔名": "", "影音大小": "", "外部連結": "",
    "登錄來源": "學生自填", "上傳時間": "2025-04-02 10:00:00",
}]


def write_csv(path: Path, kind: str, rows: list[dict]) -> Path:
    """A contract file: the spec's Chinese headers in its order, UTF-8."""
    headers = FILES_BY_KIND[kind].headers
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        for row in rows:
            writer.writerow({header: row.get(header, "") for header in headers})
    return path


def _file(root: Path, school: str, kind: str) -> Path:
    spec = FILES_BY_KIND[kind]
    return root / school / spec.folder / f"{spec.label}.csv"


def write_sources(root: Path) -> Path:
    for school, policy, files in (
        (SCHOOL_A, POLICY_A, {"students": STUDENTS_A, "classes": CLASSES_A, "teachers": TEACHERS_A,
                              "course_outcomes": OUTCOMES_A, "certification_events": EVENTS_A,
                              "diverse_performances": PERFORMANCES_A}),
        (SCHOOL_B, POLICY_B, {"students": STUDENTS_B, "classes": CLASSES_B, "teachers": TEACHERS_B}),
    ):
        (root / school).mkdir(parents=True, exist_ok=True)
        (root / school / "policy.yaml").write_text(policy, encoding="utf-8")
        for kind, rows in files.items():
            write_csv(_file(root, school, kind), kind, rows)
    return root


def students_file(root: Path, school: str) -> Path:
    return _file(root, school, "students")


AS_OF_UPLOAD = dt.date(2025, 7, 8)  # A's upload deadline (07-14) and B's (07-10) are within 7 days
AS_OF_CERTIFICATION = dt.date(2025, 7, 15)  # A's certification deadline (07-21), B's (07-17)
AS_OF_SELECTION = dt.date(2025, 8, 10)  # A's selection deadline (08-15), B's (08-10, the day itself)


# After the submission (built on a copy by the tests that need it): term 113-2 of school A submitted and its
# receipt reconciled, the students' replies, and the 名冊 deadlines of the policy as ingestion stores them.
RECONCILED = dt.datetime(2025, 7, 7, 10, 0)  # school A's default 3-day window closes on 2025-07-10
RECEIPT_ITEMS = [  # 學號, 班級, 座號, 名冊, 項目鍵
    ("A01", "101", 1, "學生成績名冊", "C-A01"), ("A07", "101", 4, "學生成績名冊", "C-A07"),
    ("A08", "102", 3, "學生成績名冊", "C-A08"), ("A08", "102", 3, "校內幹部經歷名冊", "K-A08"),
]


def write_receipt(warehouse: Path) -> None:
    """Term 113-2 submitted and its receipt reconciled; A01 confirms, A08 disputes a 幹部 item, A07 is silent;
    the 名冊 deadlines of the policy (submission_deadlines) as marts.fct_roster_deadlines holds them."""
    import duckdb

    from pipelines.contract import create_raw_schema
    from pipelines.export.store import append, create_submissions_schema
    from pipelines.identity import national_id_digest
    from pipelines.policy import SubmissionDeadline

    key = {"submission_id": "sub1", "school_code": SCHOOL_A, "academic_year": 113, "term": 2}
    with duckdb.connect(str(warehouse)) as con:
        create_raw_schema(con)
        create_submissions_schema(con)
        append(con, "submissions", [{**key, "revision": 1, "submitted_at": dt.datetime(2025, 7, 1, 9)}])
        append(con, "items", [{**key, "revision": 1, "workbook": workbook, "sheet": workbook[:4], "sheet_row": row,
                               "item_key_digest": national_id_digest(item), "item_key_shown": item,
                               "student_number": number, "class_code": cls, "seat_number": seat}
                              for row, (number, cls, seat, workbook, item) in enumerate(RECEIPT_ITEMS, start=2)])
        append(con, "reconciliations", [{**key, "reconciliation_id": "rec1", "revision": 1, "reconciled_at": RECONCILED}])
        append(con, "reconciliation_items", [{**key, "reconciliation_id": "rec1", "workbook": workbook, "sheet": workbook[:4],
                                              "sheet_row": row, "item_key_shown": item, "student_number": number,
                                              "class_code": cls, "seat_number": seat, "outcome": "received"}
                                             for row, (number, cls, seat, workbook, item) in enumerate(RECEIPT_ITEMS, start=2)])
        for number, workbook, item, result in (("A01", "學生成績名冊", "C-A01", "正確"),
                                               ("A08", "校內幹部經歷名冊", "K-A08", "有誤")):
            con.execute('insert into raw.receipt_confirmations ("學號", "名冊", "項目鍵", "確認結果", "確認時間", school_code) '
                        "values (?, ?, ?, ?, ?, ?)", [number, workbook, item, result, dt.datetime(2025, 7, 8, 9), SCHOOL_A])
        # the 學生成績名冊 file was in revision 1: it counts as submitted (pipelines/ops/roster_deadlines.py)
        append(con, "files", [{**key, "revision": 1, "file_name": "113_2_學生成績名冊.xlsx"}])
        for year, term, workbook, due in ((113, 2, "學生成績名冊", dt.date(2025, 7, 20)),  # unit's date passed
                                          (113, 2, "學生資料名冊", dt.date(2025, 7, 22)),  # unit's date today
                                          (113, 0, "學生課程學習成果名冊", dt.date(2025, 9, 10)),  # later
                                          (113, 1, "學生成績名冊", dt.date(2025, 3, 10))):  # over
            deadline = SubmissionDeadline(year, term, workbook, due)
            con.execute("insert into marts.fct_roster_deadlines by name select ? as school_code, ? as academic_year, "
                        "? as term, ? as roster_name, ? as owner_unit, ? as due_date, ? as internal_due_date",
                        [SCHOOL_A, year, term, workbook, "註冊組", due, deadline.internal_deadline])
