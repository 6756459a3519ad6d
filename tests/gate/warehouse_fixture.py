"""A small raw warehouse with one case per rule and its boundary cases, built through the real
dbt models (staging → marts → marts/gate) so the gate is tested end to end without ingestion.

School 999001, 學年度 113, policy caps lowered so that a handful of rows can cross them:
upload cap 4 per term, selection caps 2 (outcomes) and 1 (performances), diverse upload cap 2.
EXPECTED holds the violations per rule at AS_OF.

Run as a script to write one for poking at: python -m tests.gate.warehouse_fixture /tmp/gate.duckdb
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from pipelines.contract import FILES_BY_KIND, create_raw_schema
from pipelines.dbt.project import dbt_executable
from pipelines.settings import DBT_PROJECT_DIR

SCHOOL = "999001"
CLEAN_SCHOOL = "999002"  # one student with nothing wrong: the gate passes
YEAR = 113
AS_OF = dt.date(2025, 8, 31)
BEFORE_T002_LEFT = dt.date(2025, 1, 25)  # T002 leaves on 2025-01-31; CO-108 was submitted 2025-01-20
LOADED = dt.datetime(2025, 8, 20, 9, 0)
T = dt.datetime

CJK_100 = "學" * 100
CHINESE = "113999001H3011CHI1000101"[:16] + "1" + "0" + "0" + "0101"
MATH = "113999001H3011MAT1000101"[:16] + "1" + "0" + "0" + "0102"
HISTORY = "113999001H3011HIS1000101"[:16] + "2" + "0" + "1" + "0103"
BAD_CODE = "113999001H3011BAD1000101"[:16] + "Z" + "0" + "0" + "0104"  # category Z does not exist
GROUP_TIME = "113999001H3011GRP1000101"[:16] + "8" + "0" + "0" + "0105"  # 團體活動時間: no credits
assert all(len(code) == 23 for code in (CHINESE, MATH, HISTORY, BAD_CODE))

POLICY = {
    "course_outcome_upload_cap_per_term": 4, "course_outcome_selection_cap_per_year": 2,
    "diverse_upload_cap_per_year": 2, "diverse_selection_cap_per_year": 1, "summary_max_chars": 100,
    "document_types": ["pdf", "jpg", "png"], "document_max_bytes": 4194304, "video_types": ["mp3", "mp4"],
    "video_max_bytes": 10485760, "certification_days_after_upload": 7, "retention_years": 5,
    "proxy_order": ["designated_proxy", "same_subject_same_grade", "same_subject", "domain_convener",
                    "teaching_section_chief"],
    "late_items": "forfeit", "diverse_requires_proof": False, "proxy_needed_for": ["離職", "留職停薪"],
    "receipt_confirmation_days": 3, "dispute_days": 3,
}


def _student(term, number, national_id, cls, seat, status="在學", born=dt.date(2009, 3, 1), grade=1, changed=None):
    return {"academic_year": YEAR, "term": term, "student_number": number, "national_id": national_id,
            "student_name": f"學生{number[-1]}", "gender_code": 1, "birth_date": born, "grade": grade, "class_code": cls,
            "seat_number": seat, "enrolment_status": status, "status_changed_date": changed}


STUDENTS = [
    *[_student(term, "1130001", "A123456789", "101", 1) for term in (1, 2)],
    *[_student(term, "1130002", "A123456788", "101", 2) for term in (1, 2)],  # R13: bad checksum
    # new-format resident certificate; no 出生日期 (R23)
    *[_student(term, "1130003", "A800000014", "102", 1, born=None) for term in (1, 2)],
    *[_student(term, "1130004", "AC01234567", "102", 2) for term in (1, 2)],  # old-format resident certificate
    _student(1, "1130005", "AC01234567", "102", 3),  # R14: shares 1130004's ID in term 1
    _student(2, "1130005", "F231247086", "102", 3),
    # not enrolled: shares nothing; left in the term, so listed on its register until 2025-01-05
    _student(1, "1130006", "A123456789", "102", 4, status="轉出", changed=dt.date(2025, 1, 5)),
    # grade 2: its own term-1 window closes on 2025-01-25 (GRADE_2_UPLOAD_DEADLINE), a week before the others'
    *[_student(term, "1120007", "B120000008", "201", 1, born=dt.date(2008, 3, 1), grade=2) for term in (1, 2)],
]
GRADE_2_UPLOAD_DEADLINE = dt.date(2025, 1, 25)

CLASSES = [{"academic_year": YEAR, "term": term, "class_code": code, "class_name": name, "grade": 1,
            "homeroom_teacher_code": teacher}
           for term in (1, 2) for code, name, teacher in (("101", "一年一班", "T001"), ("102", "一年二班", "T003"))] + [
    {"academic_year": YEAR, "term": term, "class_code": "201", "class_name": "二年一班", "grade": 2,
     "homeroom_teacher_code": "T001"} for term in (1, 2)]

TEACHERS = [
    {"teacher_code": "T001", "teacher_name": "國文甲", "subject": "國語文", "grades_taught": "1", "domain": "語文",
     "employment_status": "在職"},
    {"teacher_code": "T002", "teacher_name": "數學乙", "subject": "數學", "grades_taught": "1", "domain": "數學",
     "employment_status": "離職", "left_date": dt.date(2025, 1, 31), "designated_proxy_code": "T004"},
    {"teacher_code": "T003", "teacher_name": "數學丙", "subject": "數學", "grades_taught": "1,2", "domain": "數學",
     "employment_status": "在職"},
    {"teacher_code": "T004", "teacher_name": "數學丁", "subject": "數學", "grades_taught": "1", "domain": "數學",
     "employment_status": "留職停薪", "duties": "教學組長"},
]


def _record(number, code, score=80.0, passed=1, teacher="T001"):
    return {"academic_year": YEAR, "term": 1, "student_number": number, "course_code": code, "subject_name": "課",
            "course_grade": 1, "credits": 2.0, "record_kind": "學期", "teacher_code": teacher, "score": score,
            "is_passed": passed, "is_credit_counted": 1}


COURSE_RECORDS = [
    _record("1130001", CHINESE), _record("1130001", MATH, teacher="T002"),
    _record("1130003", CHINESE), _record("1130004", CHINESE),
    _record("1130002", BAD_CODE),  # R15
    _record("1130002", CHINESE, score=59.0, passed=1),  # R19
    _record("1130002", MATH, score=60.0, passed=1),  # exactly the pass mark: fine
    _record("1130004", GROUP_TIME),  # R21: an outcome of a course without credits
    _record("1130006", HISTORY),  # R22: the course of an outcome uploaded by a student who has left
    _record("1120007", CHINESE),
]


def _outcome(outcome_id, number, code=CHINESE, summary="本學期的課程學習成果簡述", document="成果.pdf", document_bytes=1000,
             video=None, video_bytes=None, uploaded=T(2025, 1, 10, 10), teacher="T001"):
    return {"outcome_id": outcome_id, "student_number": number, "academic_year": YEAR, "term": 1, "course_code": code,
            "title": f"成果{outcome_id}", "summary": summary, "document_file_name": document,
            "document_bytes": document_bytes, "video_file_name": video, "video_bytes": video_bytes,
            "uploaded_at": uploaded, "certifying_teacher_code": teacher}


COURSE_OUTCOMES = [
    # 1130001: five uploads in term 1, one over the cap of 4 (R05)
    _outcome("CO-100", "1130001", summary=CJK_100, document="報告.PDF", document_bytes=4194304),  # all boundaries pass
    _outcome("CO-101", "1130001", summary=CJK_100 + "學"),  # R02: 101 characters
    _outcome("CO-108", "1130001", code=MATH, teacher="T002"),  # R17 + R18: pending with a teacher who left
    _outcome("CO-109", "1130001"),  # certified, then cancelled; selected: R08
    _outcome("CO-110", "1130001"),  # 認證未通過 without a reason: R09
    # 1130003: exactly the cap of 4
    _outcome("CO-102", "1130003", summary="\u3000 \u3000"),  # R01: only spaces (U+3000 included)
    _outcome("CO-103", "1130003", document=None, document_bytes=None, video="影片.MP4", video_bytes=10485760),
    _outcome("CO-104", "1130003", document="report.docx"),  # R04
    _outcome("CO-105", "1130003", document=None, document_bytes=None),  # R03
    # 1130004: three selected, one over the cap of 2 (R07)
    _outcome("CO-106", "1130004", code=HISTORY),  # R06: no such course record
    _outcome("CO-107", "1130004", uploaded=T(2025, 2, 5, 8)),  # R16: after the upload deadline 2025-02-03
    _outcome("CO-111", "1130004", uploaded=T(2025, 2, 3, 23, 59)),  # on the deadline day: not late
    _outcome("CO-112", "1130004", code=GROUP_TIME),  # R21
    _outcome("CO-113", "1130006", code=HISTORY),  # R22: uploaded after 1130006's 轉出 (2025-01-05)
    _outcome("CO-114", "1130002", code=MATH, teacher="T004"),  # R18: T004 is on 留職停薪 (proxy_needed_for)
    # R16 (and R26): before the term's deadline, after grade 2's own (a grade's entry overrides the term's)
    _outcome("CO-115", "1120007", uploaded=T(2025, 1, 28, 10)),
]


def _event(outcome_id, action, at, teacher="T001", reason=None):
    return {"outcome_id": outcome_id, "action": action, "teacher_code": teacher, "event_at": at, "reason": reason}


def _certified(outcome_id, at=T(2025, 1, 12, 9), teacher="T001"):
    return [_event(outcome_id, "送審", T(2025, 1, 11, 9)), _event(outcome_id, "認證通過", at, teacher=teacher)]


CERTIFICATION_EVENTS = [
    *_certified("CO-100"), *_certified("CO-103"), *_certified("CO-106"), *_certified("CO-107", at=T(2025, 2, 6, 9)),
    *_certified("CO-111", at=T(2025, 2, 6, 9), teacher="T003"),  # R28: T003 is neither its teacher nor a proxy
    *_certified("CO-115", at=T(2025, 1, 29, 9)),
    _event("CO-108", "送審", T(2025, 1, 20, 9), teacher="T002"),
    *_certified("CO-109"), _event("CO-109", "取消認證", T(2025, 1, 15, 9)),
    _event("CO-110", "送審", T(2025, 1, 11, 9)), _event("CO-110", "認證未通過", T(2025, 1, 12, 9), reason="\u3000"),
    _event("CO-101", "送審", T(2025, 1, 11, 9)), _event("CO-101", "認證未通過", T(2025, 1, 12, 9), reason="檔案無法開啟"),
]


def _performance(performance_id, number, source="學生自填", url=None):
    return {"performance_id": performance_id, "student_number": number, "academic_year": YEAR, "category": "服務學習",
            "title": f"服務{performance_id}", "summary": "參加淨灘活動", "document_file_name": "證明.jpg", "document_bytes": 2048,
            "external_url": url, "entry_source": source, "uploaded_at": T(2024, 11, 5, 12)}


DIVERSE_PERFORMANCES = [
    _performance("P-1", "1130001", url="https://example.org/p1"), _performance("P-2", "1130001"),
    _performance("P-3", "1130001", source="學校登錄"),  # never counts toward R11/R12
    _performance("P-4", "1130002", url="www.example.org"),  # R10
    _performance("P-5", "1130002"), _performance("P-6", "1130002"),  # 1130002: three entries, R11
    {**_performance("P-7", "1130003"), "uploaded_at": T(2025, 8, 5, 9)},  # R27: after the entry deadline 2025-07-31
]

CADRES = [
    {"academic_year": YEAR, "term": 1, "student_number": "1130001", "unit_name": "一年一班", "position": "班長",
     "cadre_level": "2", "start_date": dt.date(2024, 9, 1), "end_date": dt.date(2025, 1, 20)},
    # R24: a level no code list has (ingestion would quarantine it; a code list it does not know would pass)
    {"academic_year": YEAR, "term": 1, "student_number": "1130003", "unit_name": "一年二班", "position": "副班長",
     "cadre_level": "9", "start_date": dt.date(2024, 9, 1), "end_date": dt.date(2025, 1, 20)},
]


def _selection(number, item_type, item_id, action, at):
    return {"student_number": number, "academic_year": YEAR, "item_type": item_type, "item_id": item_id,
            "action": action, "selected_at": at}


OUTCOME, PERFORMANCE = "課程學習成果", "多元表現"
SELECTIONS = [
    _selection("1130001", OUTCOME, "CO-100", "勾選", T(2025, 7, 25, 10)),
    _selection("1130001", OUTCOME, "CO-109", "勾選", T(2025, 7, 25, 10)),  # R08: cancelled certification
    _selection("1130001", OUTCOME, "CO-101", "勾選", T(2025, 7, 25, 10)),  # selected, then un-selected:
    _selection("1130001", OUTCOME, "CO-101", "取消勾選", T(2025, 7, 26, 10)),  # neither R07 nor R08
    _selection("1130003", OUTCOME, "CO-103", "勾選", T(2025, 8, 16, 10)),  # R20: deadline 2025-08-15
    *[_selection("1130004", OUTCOME, item, "勾選", T(2025, 7, 25, 10)) for item in ("CO-106", "CO-107", "CO-111")],
    _selection("1130001", PERFORMANCE, "P-1", "勾選", T(2025, 7, 25, 10)),
    _selection("1130001", PERFORMANCE, "P-3", "勾選", T(2025, 7, 25, 10)),  # school-registered: not counted
    _selection("1130002", PERFORMANCE, "P-5", "勾選", T(2025, 7, 25, 10)),  # 1130002 selects two: R12
    _selection("1130002", PERFORMANCE, "P-6", "勾選", T(2025, 7, 25, 10)),
]

ROWS = {"students": STUDENTS, "classes": CLASSES, "teachers": TEACHERS, "course_records": COURSE_RECORDS,
        "course_outcomes": COURSE_OUTCOMES, "certification_events": CERTIFICATION_EVENTS,
        "diverse_performances": DIVERSE_PERFORMANCES, "selections": SELECTIONS, "cadres": CADRES}

EXPECTED = {
    "R01": ["CO-102"], "R02": ["CO-101"], "R03": ["CO-105"], "R04": ["CO-104"], "R05": ["113-1"],
    "R06": ["CO-106"], "R07": ["113"], "R08": ["CO-109"], "R09": ["CO-110"], "R10": ["P-4"], "R11": ["113"],
    "R12": ["113"], "R13": ["1130002"], "R14": ["1130004", "1130005"], "R15": [BAD_CODE], "R16": ["CO-107", "CO-115"],
    "R17": ["CO-108"], "R18": ["CO-108", "CO-114"], "R19": [CHINESE], "R20": ["CO-103"],
    "R21": ["CO-112"], "R22": ["CO-113"], "R23": ["1130003"], "R24": ["幹部等級：一年二班+副班長"],
    # R25: 1130004 and 1130005 share a 身分證號 (R14) and 出生日期, so the 學生資料 sheet has that key twice; so
    # do 1130001 and 1130006 (轉出 in the term stays listed, exports_central_business_rules.md);
    # 1130004's selected CO-107 and CO-111 are one course with the same file (學期課程學習成果's key)
    "R25": ["學生資料名冊/學生資料：（身分證號）"] * 4 + [f"學生課程學習成果名冊/學期課程學習成果：1+{CHINESE}+成果.pdf+"], "R26": ["CO-103", "CO-107", "CO-115"], "R27": ["P-7"], "R28": ["CO-111"],
}


CLEAN_ROWS = {
    "students": [_student(1, "1130001", "A123456789", "101", 1)],
    "classes": [CLASSES[0]],
    "teachers": [TEACHERS[0]],
    "course_records": [_record("1130001", CHINESE)],
    "course_outcomes": [_outcome("CO-1", "1130001")],
    "certification_events": _certified("CO-1"),
    "selections": [_selection("1130001", OUTCOME, "CO-1", "勾選", T(2025, 7, 25, 10))],
}


def _insert(con: duckdb.DuckDBPyConnection, school: str, rows_by_kind: dict[str, list[dict]]) -> None:
    for kind, rows in rows_by_kind.items():
        spec = FILES_BY_KIND[kind]
        headers = ", ".join(f'"{column.header}"' for column in spec.columns)
        marks = ", ".join("?" for _ in range(len(spec.columns) + 5))
        sql = (f"insert into {spec.table} ({headers}, school_code, source_file, source_line, delivery_id, loaded_at) "
               f"values ({marks})")
        for line, row in enumerate(rows, start=2):
            values = [row.get(column.name) for column in spec.columns]
            con.execute(sql, [*values, school, f"{school}/{spec.folder}/{spec.label}.csv", line, f"sha-{kind}", LOADED])


def write_raw(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        create_raw_schema(con)
        _insert(con, SCHOOL, ROWS)
        _insert(con, CLEAN_SCHOOL, CLEAN_ROWS)
        for school in (SCHOOL, CLEAN_SCHOOL):
            con.execute(f"insert into raw.school_policies (school_code, {', '.join(POLICY)}, policy_source, policy_error, "
                        f"delivery_id, loaded_at) values (?, {', '.join('?' for _ in POLICY)}, 'policy.yaml', null, 'sha-p', ?)",
                        [school, *POLICY.values(), LOADED])
        con.execute("insert into raw.school_terms values (?, 113, 1, '2025-02-03', '2025-02-10', null, 'sha-p', ?), "
                    "(?, 113, 2, '2025-07-14', '2025-07-21', null, 'sha-p', ?), "
                    "(?, 113, 1, ?, '2025-02-10', 2, 'sha-p', ?)",
                    [SCHOOL, LOADED, SCHOOL, LOADED, SCHOOL, GRADE_2_UPLOAD_DEADLINE, LOADED])
        con.execute("insert into raw.school_selection_deadlines values (?, 113, '2025-08-15', 'sha-p', ?)", [SCHOOL, LOADED])
        con.execute("insert into raw.school_diverse_entry_deadlines values (?, 113, '2025-07-31', 'sha-p', ?)", [SCHOOL, LOADED])


def build(path: Path) -> Path:
    """Raw rows, then dbt builds the models the gate reads (no data tests: tests/dbt runs those)."""
    write_raw(path)
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "PORTFOLIO_WAREHOUSE": str(path), "DO_NOT_TRACK": "1"}
        completed = subprocess.run(
            [dbt_executable(), "build", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", str(Path(scratch) / "target"), "--log-path", scratch,
             "--select", "+path:models/marts/gate", "+dim_schools", "+dim_classes", "+path:models/exports/central",
             "--exclude-resource-type", "test", "unit_test"],
            env=env, capture_output=True, text=True,
        )
    if completed.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{completed.stdout}\n{completed.stderr}")
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/gate_fixture.duckdb")
    target.unlink(missing_ok=True)
    print(build(target))
