"""A small, hand-written raw warehouse for testing the dbt project without ingestion.

Two schools with a term or two of data each, plus a third whose only delivery was rejected. Every
value a test asserts follows from the rows below; the expected results are in EXPECTED.
Rows are written with the contract's English names and stored under its Chinese headers, the way
ingestion stores them, with lineage columns (source_line counts from 2, the header being line 1).

Run as a script to write a warehouse for poking at: python tests/dbt/raw_fixture.py /tmp/dev.duckdb
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb

from pipelines.contract import FILES_BY_KIND, create_raw_schema

SCHOOL_A = "999001"  # policy.yaml: upload cap 6; two terms of 113
SCHOOL_B = "999002"  # national defaults; reuses SCHOOL_A's student numbers and outcome ids
SCHOOL_C = "99900A"  # its only file could not be decoded: a school with a policy row and nothing else

LOADED = dt.datetime(2025, 8, 20, 9, 0)
EARLIER = dt.datetime(2025, 8, 1, 9, 0)


def course_code(category: str, attribute: str, subject: str) -> str:
    """A 23-character course code with the category at position 17 and the attribute at 19."""
    code = f"113999001H301{subject:>3}" + category + "0" + attribute + "0101"
    assert len(code) == 23, code
    return code


CHINESE = course_code("1", "0", "CHI")
MATH = course_code("1", "0", "MAT")
CLUB = course_code("8", "D", "CLB")  # group-activity time that carries credits (attribute D)
BAD_CODE = course_code("Z", "0", "BAD")  # category Z is not a category

T = dt.datetime


def _students() -> list[dict]:
    def student(school, year, term, number, national_id, name, cls, seat, status, grade=1, **extra):
        return {
            "academic_year": year, "term": term, "student_number": number, "national_id": national_id,
            "student_name": name, "gender_code": 1, "birth_date": dt.date(2008, 5, 1), "division_code": "D",
            "class_type": "普通班", "cluster_code": "11", "program_code": "101", "grade": grade,
            "class_code": cls, "seat_number": seat, "enrolment_status": status,
            "status_changed_date": extra.get("changed"), "_school": school,
        }

    return [
        # SCHOOL_A, 113-1: S1, S2 in class 101; S3 suspended (休學) and S4 in class 102
        student(SCHOOL_A, 113, 1, "1130001", "A123456789", "王小明", "101", 1, "在學"),
        student(SCHOOL_A, 113, 1, "1130002", "B223456782", "李小華", "101", 2, "在學"),
        student(SCHOOL_A, 113, 1, "1130003", "C123456781", "張小美", "102", 1, "休學", changed=dt.date(2024, 10, 1)),
        student(SCHOOL_A, 113, 1, "1130004", "D223456784", "陳小強", "102", 2, "在學"),
        # 113-2: S2 transferred out, S3 back (復學)
        student(SCHOOL_A, 113, 2, "1130001", "A123456789", "王小明", "101", 1, "在學"),
        student(SCHOOL_A, 113, 2, "1130002", "B223456782", "李小華", "101", 2, "轉出", changed=dt.date(2025, 2, 20)),
        student(SCHOOL_A, 113, 2, "1130003", "C123456781", "張小美", "102", 1, "復學", changed=dt.date(2025, 2, 10)),
        student(SCHOOL_A, 113, 2, "1130004", "D223456784", "陳小強", "102", 2, "在學"),
        # SCHOOL_B, 113-1: same student numbers as SCHOOL_A, other people
        student(SCHOOL_B, 113, 1, "1130001", "E123456783", "林一", "201", 1, "在學", grade=2),
        student(SCHOOL_B, 113, 1, "1130002", "F223456786", "林二", "201", 2, "重讀", grade=2),
        # left in 112-2 and still exported in 113-1: not on 113-1's register
        student(SCHOOL_B, 113, 1, "1130003", "G123456785", "林三", "201", 3, "退學", grade=2, changed=dt.date(2024, 6, 15)),
        # 在籍's edge cases (int_student_terms_classified): suspended (休學) before the term keeps the 學籍 and is
        # listed, but is on the register only until that date; a graduate (畢業) of an earlier term is not listed;
        # a 轉出 without a 學籍異動日期 is listed for the whole term
        student(SCHOOL_B, 113, 1, "1130004", "H123456786", "林四", "201", 4, "休學", grade=2, changed=dt.date(2024, 7, 20)),
        student(SCHOOL_B, 113, 1, "1130005", "J223456789", "林五", "201", 5, "畢業", grade=2, changed=dt.date(2024, 6, 30)),
        student(SCHOOL_B, 113, 1, "1130006", "K123456788", "林六", "201", 6, "轉出", grade=2),
    ]


# An older delivery of SCHOOL_A's 學生資料 with a different seat for S1: the newer delivery must win.
STALE_STUDENT = {**_students()[0], "seat_number": 99}

CLASSES = [
    {"_school": SCHOOL_A, "academic_year": 113, "term": 1, "class_code": "101", "class_name": "一年一班", "grade": 1, "homeroom_teacher_code": "T001"},
    {"_school": SCHOOL_A, "academic_year": 113, "term": 1, "class_code": "102", "class_name": "一年二班", "grade": 1, "homeroom_teacher_code": "T002"},
    {"_school": SCHOOL_A, "academic_year": 113, "term": 2, "class_code": "101", "class_name": "一年一班", "grade": 1, "homeroom_teacher_code": "T001"},
    {"_school": SCHOOL_A, "academic_year": 113, "term": 2, "class_code": "102", "class_name": "一年二班", "grade": 1, "homeroom_teacher_code": "T003"},
    {"_school": SCHOOL_B, "academic_year": 113, "term": 1, "class_code": "201", "class_name": "二年一班", "grade": 2, "homeroom_teacher_code": "T101"},
]

TEACHERS = [
    {"_school": SCHOOL_A, "teacher_code": "T001", "teacher_name": "國文甲", "subject": "國語文", "grades_taught": "1,2", "domain": "語文", "employment_status": "在職", "designated_proxy_code": "T003", "duties": "導師"},
    {"_school": SCHOOL_A, "teacher_code": "T002", "teacher_name": "數學乙", "subject": "數學", "grades_taught": "1", "domain": "數學", "employment_status": "離職", "left_date": dt.date(2025, 1, 31), "designated_proxy_code": "T004"},
    {"_school": SCHOOL_A, "teacher_code": "T003", "teacher_name": "國文丙", "subject": "國語文", "grades_taught": "1", "domain": "語文", "employment_status": "在職", "duties": "語文領域召集人"},
    {"_school": SCHOOL_A, "teacher_code": "T004", "teacher_name": "數學丁", "subject": "數學", "grades_taught": "", "domain": "數學", "employment_status": "留職停薪", "duties": "教學組長"},
    {"_school": SCHOOL_B, "teacher_code": "T101", "teacher_name": "導師戊", "subject": "英語文", "grades_taught": "2", "domain": "語文", "employment_status": "在職"},
]


def _record(school, year, term, number, code, name, kind="學期", score=80.0, passed=1, teacher="T001", **v2):
    return {
        "_school": school, "academic_year": year, "term": term, "student_number": number, "course_code": code,
        "subject_name": name, "course_grade": 1, "credits": 2.0, "record_kind": kind, "teacher_code": teacher,
        "score": score, "is_passed": passed, "credit_counted_code": 1, **v2,
    }


COURSE_RECORDS = [
    _record(SCHOOL_A, 113, 1, "1130001", CHINESE, "國語文"),
    _record(SCHOOL_A, 113, 1, "1130001", MATH, "數學", teacher="T002"),
    _record(SCHOOL_A, 113, 1, "1130002", CHINESE, "國語文"),
    _record(SCHOOL_A, 113, 1, "1130004", CHINESE, "國語文"),
    # contract v2: the term retaken and how; 是否採計學分 in the old layout (0 = not counted, exported as 2)
    _record(SCHOOL_A, 113, 1, "1130004", CHINESE, "國語文", kind="重修", score=65.0, origin_academic_year=112,
            origin_term=1, retake_method_code="2", credit_counted_code=0, makeup_score=70.0),
    _record(SCHOOL_A, 113, 2, "1130001", CLUB, "社團活動"),
    _record(SCHOOL_A, 113, 2, "1130004", BAD_CODE, "錯誤代碼課", score=50.0, passed=1),
    _record(SCHOOL_B, 113, 1, "1130001", CHINESE, "國語文", teacher="T101"),
]


def _outcome(school, outcome_id, number, term, code, teacher, summary="這是一段一百字以內的簡述", uploaded=T(2024, 10, 1, 8, 0)):
    return {
        "_school": school, "outcome_id": outcome_id, "student_number": number, "academic_year": 113, "term": term,
        "course_code": code, "title": f"成果{outcome_id}", "summary": summary,
        "document_file_name": f"{outcome_id}.pdf", "document_bytes": 1024, "uploaded_at": uploaded,
        "certifying_teacher_code": teacher,
    }


COURSE_OUTCOMES = [
    _outcome(SCHOOL_A, "CO-1", "1130001", 1, CHINESE, "T001", summary="  這是一段一百字以內的簡述  "),
    _outcome(SCHOOL_A, "CO-2", "1130001", 1, MATH, "T002"),
    _outcome(SCHOOL_A, "CO-3", "1130001", 1, MATH, "T002"),
    _outcome(SCHOOL_A, "CO-4", "1130004", 1, CHINESE, "T001"),
    _outcome(SCHOOL_A, "CO-5", "1130004", 1, CHINESE, "T001"),
    _outcome(SCHOOL_A, "CO-6", "1130001", 2, CLUB, "T001", uploaded=T(2025, 3, 1, 8, 0)),
    _outcome(SCHOOL_A, "CO-7", "1130002", 1, CHINESE, "T001"),
    _outcome(SCHOOL_B, "CO-1", "1130001", 1, CHINESE, "T101"),
    # R22 for the edge cases above, each uploaded inside the term (1 October 2024)
    *[_outcome(SCHOOL_B, f"CO-{number[-1]}", number, 1, CHINESE, "T101") for number in ("1130004", "1130005", "1130006")],
]


def _event(school, outcome_id, action, teacher, at, reason=None, line=None):
    return {"_school": school, "outcome_id": outcome_id, "action": action, "teacher_code": teacher,
            "event_at": at, "reason": reason, "_line": line}


CERTIFICATION_EVENTS = [
    _event(SCHOOL_A, "CO-1", "送審", "T001", T(2024, 10, 2, 9)),
    _event(SCHOOL_A, "CO-1", "認證通過", "T001", T(2024, 10, 3, 9)),
    _event(SCHOOL_A, "CO-2", "送審", "T002", T(2024, 10, 2, 9)),
    _event(SCHOOL_A, "CO-2", "認證未通過", "T002", T(2024, 10, 4, 9), reason="檔案模糊"),
    _event(SCHOOL_A, "CO-2", "送審", "T002", T(2024, 10, 6, 9)),
    _event(SCHOOL_A, "CO-4", "送審", "T001", T(2024, 10, 2, 9)),
    _event(SCHOOL_A, "CO-4", "認證通過", "T001", T(2024, 10, 3, 9)),
    _event(SCHOOL_A, "CO-4", "取消認證", "T001", T(2024, 10, 9, 9)),
    _event(SCHOOL_A, "CO-5", "送審", "T001", T(2024, 10, 2, 9)),
    _event(SCHOOL_A, "CO-5", "更換認證教師", "T003", T(2024, 10, 5, 9)),
    _event(SCHOOL_A, "CO-7", "送審", "T001", T(2024, 10, 2, 9)),
    _event(SCHOOL_A, "CO-7", "認證未通過", "T001", T(2024, 10, 3, 9), reason="與課程無關"),
    # CO-6: a fail and a pass at the same second; the later line (the pass) wins
    _event(SCHOOL_A, "CO-6", "送審", "T001", T(2025, 3, 2, 9)),
    _event(SCHOOL_A, "CO-6", "認證未通過", "T001", T(2025, 3, 3, 9), reason="重複上傳"),
    _event(SCHOOL_A, "CO-6", "認證通過", "T001", T(2025, 3, 3, 9)),
]


def _selection(school, number, item_type, item_id, action, at):
    return {"_school": school, "student_number": number, "academic_year": 113, "item_type": item_type,
            "item_id": item_id, "action": action, "selected_at": at}


SELECTIONS = [
    _selection(SCHOOL_A, "1130001", "課程學習成果", "CO-1", "勾選", T(2025, 7, 1, 10)),
    _selection(SCHOOL_A, "1130001", "課程學習成果", "CO-1", "取消勾選", T(2025, 7, 2, 10)),
    _selection(SCHOOL_A, "1130001", "課程學習成果", "CO-1", "勾選", T(2025, 7, 3, 10)),
    _selection(SCHOOL_A, "1130001", "課程學習成果", "CO-6", "勾選", T(2025, 7, 1, 10)),
    _selection(SCHOOL_A, "1130001", "課程學習成果", "CO-6", "取消勾選", T(2025, 7, 4, 10)),
    _selection(SCHOOL_A, "1130001", "多元表現", "P-1", "勾選", T(2025, 7, 1, 10)),
    _selection(SCHOOL_A, "1130001", "多元表現", "P-3", "勾選", T(2025, 7, 1, 10)),
    _selection(SCHOOL_A, "1130004", "多元表現", "P-4", "勾選", T(2025, 8, 16, 10)),  # after the deadline
]


def _performance(school, performance_id, number, category, source, title):
    return {
        "_school": school, "performance_id": performance_id, "student_number": number, "academic_year": 113,
        "category": category, "title": title, "organiser": "教育部", "start_date": dt.date(2024, 11, 1),
        "end_date": dt.date(2024, 11, 2), "hours": 8.0, "summary": "參加活動的簡述", "entry_source": source,
        "document_file_name": f"{performance_id}.pdf", "document_bytes": 2048, "uploaded_at": T(2024, 11, 5, 12),
    }


DIVERSE_PERFORMANCES = [
    _performance(SCHOOL_A, "P-1", "1130001", "競賽參與", "學生自填", "全國科展"),
    _performance(SCHOOL_A, "P-2", "1130001", "服務學習", "學生自填", "淨灘"),
    _performance(SCHOOL_A, "P-3", "1130001", "幹部經歷", "學校登錄", "班長"),
    _performance(SCHOOL_A, "P-4", "1130004", "檢定證照", "學生自填", "英檢中級"),
]

AUTOBIOGRAPHIES = [
    {"_school": SCHOOL_A, "student_number": "1130001", "essay_type": "自傳", "word_count": 800, "uploaded_at": T(2025, 6, 1, 9)},
    {"_school": SCHOOL_A, "student_number": "1130001", "essay_type": "學習計畫", "word_count": 600, "uploaded_at": T(2025, 6, 2, 9)},
    {"_school": SCHOOL_A, "student_number": "1130004", "essay_type": "自傳", "word_count": 500, "uploaded_at": T(2025, 6, 3, 9)},
]

CADRES = [
    {"_school": SCHOOL_A, "academic_year": 113, "term": 1, "student_number": "1130001", "unit_name": "一年一班", "position": "班長", "cadre_level": 2, "start_date": dt.date(2024, 9, 1), "end_date": dt.date(2025, 1, 20)},
]

COUNSELLING_SESSIONS = [
    {"_school": SCHOOL_A, "session_id": "C-1", "counsellor_code": "T003", "session_date": dt.date(2024, 11, 5), "session_time": dt.time(13, 10), "place": "輔導室", "session_format": "團體", "student_number": "1130001", "content": "選課說明"},
    {"_school": SCHOOL_A, "session_id": "C-1", "counsellor_code": "T003", "session_date": dt.date(2024, 11, 5), "session_time": dt.time(13, 10), "place": "輔導室", "session_format": "團體", "student_number": "1130004", "content": "選課說明"},
    {"_school": SCHOOL_A, "session_id": "C-2", "counsellor_code": "T003", "session_date": dt.date(2025, 3, 10), "session_time": dt.time(10, 0), "place": "輔導室", "session_format": "個別", "student_number": "1130001", "content": "加深加廣選修"},
]

ABSENCES = [
    {"_school": SCHOOL_A, "academic_year": 113, "term": 1, "student_number": "1130001", "leave_type": "事假", "periods": 3},
    # the v2 layout: a code beside a school's own name for the leave, with its first and last day
    {"_school": SCHOOL_A, "academic_year": 113, "term": 1, "student_number": "1130001", "leave_type": "公差假", "periods": 7,
     "absence_type_code": "01", "start_date": dt.date(2024, 10, 8), "end_date": dt.date(2024, 10, 8)},
]

# 1130001 studies at another school in 113-1: its outcome CO-1 goes on 借讀課程學習成果
VISITING_STUDIES = [
    {"_school": SCHOOL_A, "academic_year": 113, "term": 1, "student_number": "1130001", "host_school_code": "013302",
     "host_cluster_code": "00", "host_program_code": "101", "visiting_code": "1",
     "application_start_date": dt.date(2024, 9, 1), "application_end_date": dt.date(2025, 1, 20)},
]

FILE_ROWS: dict[str, list[dict]] = {
    "students": _students(),
    "classes": CLASSES,
    "teachers": TEACHERS,
    "course_records": COURSE_RECORDS,
    "cadres": CADRES,
    "counselling_sessions": COUNSELLING_SESSIONS,
    "absences": ABSENCES,
    "course_outcomes": COURSE_OUTCOMES,
    "certification_events": CERTIFICATION_EVENTS,
    "diverse_performances": DIVERSE_PERFORMANCES,
    "selections": SELECTIONS,
    "autobiographies": AUTOBIOGRAPHIES,
    "visiting_studies": VISITING_STUDIES,
}

# Values the marts must show, derived by hand from the rows above.
EXPECTED = {
    "certification_state": {
        (SCHOOL_A, "CO-1"): "認證通過", (SCHOOL_A, "CO-2"): "待認證", (SCHOOL_A, "CO-3"): "未送審",
        (SCHOOL_A, "CO-4"): "已取消", (SCHOOL_A, "CO-5"): "待認證", (SCHOOL_A, "CO-6"): "認證通過",
        (SCHOOL_A, "CO-7"): "認證未通過", (SCHOOL_B, "CO-1"): "未送審", (SCHOOL_B, "CO-4"): "未送審",
        (SCHOOL_B, "CO-5"): "未送審", (SCHOOL_B, "CO-6"): "未送審",
    },
    # school, year, term, class -> (students enrolled, students with an upload)
    "class_completion": {
        (SCHOOL_A, 113, 1, "101"): (2, 2), (SCHOOL_A, 113, 1, "102"): (1, 1),
        (SCHOOL_A, 113, 2, "101"): (1, 1), (SCHOOL_A, 113, 2, "102"): (2, 0),
        (SCHOOL_B, 113, 1, "201"): (2, 1),
    },
}


def _insert(con: duckdb.DuckDBPyConnection, kind: str, rows: list[dict], school: str, loaded_at: dt.datetime) -> None:
    spec = FILES_BY_KIND[kind]
    source_file = f"{school}/{spec.folder}/{spec.label}.csv"
    delivery_id = f"sha-{school}-{kind}-{loaded_at:%Y%m%d}"
    headers = [f'"{column.header}"' for column in spec.columns]
    placeholders = ", ".join("?" for _ in range(len(spec.columns) + 5))
    sql = f"insert into {spec.table} ({', '.join(headers)}, school_code, source_file, source_line, delivery_id, loaded_at) values ({placeholders})"
    for index, row in enumerate(rows):
        line = row.get("_line") or index + 2
        values = [row.get(column.name) for column in spec.columns]
        con.execute(sql, [*values, school, source_file, line, delivery_id, loaded_at])
    con.execute(
        "insert into raw.deliveries (school_code, file_kind, source_file, delivery_id, encoding, status, rows_loaded, rows_quarantined, message, loaded_at) "
        "values (?, ?, ?, ?, 'utf-8', 'loaded', ?, 0, null, ?)",
        [school, kind, source_file, delivery_id, len(rows), loaded_at],
    )


def _insert_support(con: duckdb.DuckDBPyConnection) -> None:
    defaults = {
        "course_outcome_upload_cap_per_term": 9, "course_outcome_selection_cap_per_year": 6,
        "diverse_upload_cap_per_year": 30, "diverse_selection_cap_per_year": 10, "summary_max_chars": 100,
        "document_types": ["pdf", "jpg", "png"], "document_max_bytes": 4194304, "video_types": ["mp3", "mp4"],
        "video_max_bytes": 10485760, "certification_days_after_upload": 7, "retention_years": 5,
        "proxy_order": ["designated_proxy", "same_subject_same_grade", "same_subject", "domain_convener", "teaching_section_chief"],
    }
    policies = [
        (SCHOOL_A, {**defaults, "course_outcome_upload_cap_per_term": 6}, "policy.yaml"),
        (SCHOOL_B, defaults, "default"),
        (SCHOOL_C, defaults, "default"),
    ]
    for school, policy, policy_source in policies:
        con.execute(
            f"insert into raw.school_policies (school_code, {', '.join(policy)}, policy_source, policy_error, delivery_id, "
            f"loaded_at) values (?, {', '.join('?' for _ in policy)}, ?, null, ?, ?)",
            [school, *policy.values(), policy_source, f"sha-{school}-policy", LOADED],
        )
    con.execute(
        "insert into raw.school_terms values (?, 113, 1, '2025-02-03', '2025-02-10', null, 'sha-p', ?), "
        "(?, 113, 2, '2025-07-14', '2025-07-21', null, 'sha-p', ?)",
        [SCHOOL_A, LOADED, SCHOOL_A, LOADED],
    )
    con.execute("insert into raw.school_selection_deadlines values (?, 113, '2025-08-15', 'sha-p', ?)", [SCHOOL_A, LOADED])
    con.execute(
        """insert into raw.quarantine values
        (?, 'students', ?, 12, '出生日期', 'bad_date', '出生日期「113/13/01」無法解析', '113/13/01', 'sha-q1', ?),
        (?, 'students', ?, null, null, 'undecodable', '檔案編碼無法辨識', null, 'sha-q2', ?)""",
        [SCHOOL_A, f"{SCHOOL_A}/admin/學生資料.csv", LOADED, SCHOOL_C, f"{SCHOOL_C}/admin/學生資料.csv", LOADED],
    )
    con.execute(
        "insert into raw.deliveries (school_code, file_kind, source_file, delivery_id, encoding, status, rows_loaded, rows_quarantined, message, loaded_at) "
        "values (?, 'students', ?, 'sha-q2', null, 'rejected', 0, 0, '檔案編碼無法辨識', ?)",
        [SCHOOL_C, f"{SCHOOL_C}/admin/學生資料.csv", LOADED],
    )


def build_raw_warehouse(path: Path) -> Path:
    """Write the fixture's raw schema to a new DuckDB file at `path`."""
    with duckdb.connect(str(path)) as con:
        create_raw_schema(con)
        _insert(con, "students", [STALE_STUDENT], SCHOOL_A, EARLIER)
        for kind, rows in FILE_ROWS.items():
            for school in sorted({row["_school"] for row in rows}):
                _insert(con, kind, [row for row in rows if row["_school"] == school], school, LOADED)
        _insert_support(con)
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/dbt_fixture.duckdb")
    target.unlink(missing_ok=True)
    print(build_raw_warehouse(target))
