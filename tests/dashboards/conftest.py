"""Dashboard fixtures: a published copy of the session's built sample, one account per role, AppTest runs."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dashboards.roles import Role
from dashboards.users import User, add_user

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
PASSWORD = "correct horse 42"
AS_OF = dt.date(2025, 6, 30)  # inside 113-2 of the generated sample: deadlines still ahead, items waiting


@dataclass(frozen=True)
class Sample:
    """Who and what the tests look at in the published sample."""

    year: int
    term: int
    school: str
    other_school: str
    class_code: str  # has a homeroom teacher and enrolled students
    homeroom_teacher: str
    other_class: str  # same school and term, another class
    teacher: str  # has pending certifications in the term
    counsellor: str  # 課程諮詢教師 with the fewest advisees enrolled in the term (the sample's counsel whole grades)


@pytest.fixture(scope="session")
def published(built_sample, tmp_path_factory) -> Path:
    """The dashboards' copy of the built sample (published beside, never over, the sample's files)."""
    from pipelines.publish import publish_warehouse

    return publish_warehouse(built_sample.warehouse, tmp_path_factory.mktemp("published") / "warehouse.duckdb").path


@pytest.fixture(scope="session")
def sample(published) -> Sample:
    con = duckdb.connect(str(published), read_only=True)
    try:
        year, term = con.execute("""
            select academic_year, term from marts.fct_school_completion order by academic_year desc, term desc limit 1
        """).fetchall()[0]
        schools = [row[0] for row in con.execute("select school_code from marts.dim_schools order by 1").fetchall()]
        classes = con.execute("""
            select class_code, homeroom_teacher_code from marts.dim_classes
            where school_code = ? and academic_year = ? and term = ? and students_enrolled > 0
              and homeroom_teacher_code is not null
            order by class_code
        """, [schools[0], year, term]).fetchall()
        teacher = con.execute("""
            select certifying_teacher_code from marts.fct_course_outcomes
            where school_code = ? and academic_year = ? and term = ? and certification_state = '待認證'
            group by 1 order by count(*) desc, 1 limit 1
        """, [schools[0], year, term]).fetchall()[0][0]
        counsellor = con.execute("""
            select sessions.counsellor_code from marts.fct_counselling_sessions as sessions
            inner join marts.fct_student_completion as students
                on students.school_code = sessions.school_code and students.student_number = sessions.student_number
                and students.academic_year = sessions.academic_year and students.term = ?
            where sessions.school_code = ? and sessions.academic_year = ?
            group by 1 order by count(distinct sessions.student_number), 1 limit 1
        """, [term, schools[0], year]).fetchall()[0][0]
    finally:
        con.close()
    return Sample(year=year, term=term, school=schools[0], other_school=schools[1], class_code=classes[0][0],
                  homeroom_teacher=classes[0][1], other_class=classes[1][0], teacher=teacher, counsellor=counsellor)


# the states of the data every page must render on (tests/dashboards/test_app.py); "sample" is the built
# sample as published (nothing submitted), the others are copies of it changed as their names say
DATA_STATES = ("sample", "unverified", "partial", "empty_school", "unknown_class", "no_copy")
UNKNOWN_CLASS, UNKNOWN_TEACHER = "999", "T9999"


def _submission(sample: Sample, school: str, term: int, revision: int, *, partial: bool = False) -> dict:
    return {"submission_id": f"{school}-{term}-{revision}", "school_code": school, "academic_year": sample.year,
            "term": term, "revision": revision, "folder": f"{sample.year}_{term}" + (f"_r{revision}" if revision else ""),
            "submitted_at": dt.datetime(2025, 6, 20, 9, 30), "submitted_by": "註冊組", "is_partial": partial,
            "gate_passed": not partial, "excluded_entries": 3 if partial else 0, "rows_submitted": 120}


CONFIRMATION_WINDOW_CLOSES = dt.date(2025, 6, 25)
CASE_DUE = dt.date(2025, 7, 3)  # 3 days after AS_OF


def first_course(con, school: str) -> tuple[str, str]:
    """(course code, subject) of the school's first course with an outcome: the cases' and receipt rows' 項目鍵."""
    return con.execute("""select course_code, any_value(subject_name) from marts.fct_course_outcomes
                          where school_code = ? and course_code is not null group by 1 order by 1 limit 1""",
                       [school]).fetchall()[0]


def _confirmations(con, sample: Sample) -> None:
    """The term's receipt confirmations as last evaluated: in the class, one student confirmed, one silent and
    one disputing (an open case of 註冊組, one closed); in another class, one open case of 訓育組."""
    from pipelines.export.store import append

    def students(class_code: str, count: int) -> list[tuple[str, int]]:
        return con.execute("""select student_number, seat_number from marts.fct_student_completion
                              where school_code = ? and academic_year = ? and term = ? and class_code = ?
                              order by seat_number limit ?""",
                           [sample.school, sample.year, sample.term, class_code, count]).fetchall()

    key = {"school_code": sample.school, "academic_year": sample.year, "term": sample.term}
    course, _ = first_course(con, sample.school)
    (confirmed, _), (silent, _), (disputing, seat) = students(sample.class_code, 3)
    [(other, other_seat)] = students(sample.other_class, 1)
    append(con, "confirmation_terms", [{**key, "window_opens": dt.datetime(2025, 6, 22, 10), "window_closes": CONFIRMATION_WINDOW_CLOSES,
                                        "students": 4, "confirmed": 1, "disputed": 2, "unconfirmed": 1, "open_disputes": 2,
                                        "closed_disputes": 1, "late_replies": 2, "guardian_replies": 1}])
    append(con, "confirmation_students", [
        {**key, "student_number": number, "class_code": class_code, "state": state, "open_disputes": cases}
        for number, class_code, state, cases in ((confirmed, sample.class_code, "confirmed", 0),
                                                 (silent, sample.class_code, "unconfirmed", 0),
                                                 (disputing, sample.class_code, "disputed", 1),
                                                 (other, sample.other_class, "disputed", 1))])
    case = {**key, "replied_at": dt.datetime(2025, 6, 23, 20), "is_late": False, "confirmed_by": None, "due_date": CASE_DUE}
    append(con, "confirmation_cases", [
        {**case, "case_id": 1, "student_number": disputing, "class_code": sample.class_code, "seat_number": seat,
         "workbook": "學生成績名冊", "sheet": "學期成績", "item_key_shown": course, "owner_unit": "註冊組", "is_open": True},
        {**case, "case_id": 2, "student_number": disputing, "class_code": sample.class_code, "seat_number": seat,
         "workbook": "學生成績名冊", "sheet": "學期成績", "item_key_shown": "C2", "owner_unit": "註冊組", "is_open": False,
         "ended": "回覆：成績經查無誤"},
        {**case, "case_id": 3, "student_number": other, "class_code": sample.other_class, "seat_number": other_seat,
         "workbook": "校內幹部經歷名冊", "sheet": "幹部經歷紀錄", "item_key_shown": "班聯會+會長", "owner_unit": "訓育組",
         "is_open": True, "confirmed_by": "家長", "is_late": True}])


def _change_copy(published: Path, target: Path, sample: Sample, state: str) -> Path:
    from pipelines.export.store import append, create_submissions_schema

    shutil.copyfile(published, target)
    con = duckdb.connect(str(target))
    try:
        if state in ("unverified", "partial"):
            create_submissions_schema(con)  # verifications and reconciliations exist, empty for these submissions
            append(con, "submissions", [_submission(sample, sample.school, sample.term, 0),
                                        _submission(sample, sample.other_school, 0, 0)])
        if state == "partial":
            checked = _submission(sample, sample.school, 0, 1, partial=True)
            append(con, "submissions", [checked])
            key = {name: checked[name] for name in ("submission_id", "school_code", "academic_year", "term", "revision")}
            append(con, "verifications", [{**key, "checked_at": dt.datetime(2025, 6, 21), "status": "ok",
                                           "file_name": "學生課程學習成果名冊.xlsx"}])
            append(con, "reconciliations", [{**key, "reconciliation_id": "r1", "reconciled_at": dt.datetime(2025, 6, 22),
                                             "received": 100, "rejected": 1, "missing": 1, "unexpected": 0}])
            course, _ = first_course(con, sample.school)
            append(con, "reconciliation_items", [
                {**key, "reconciliation_id": "r1", "workbook": "學生課程學習成果名冊", "sheet": "學期課程學習成果",
                 "class_code": sample.class_code, "seat_number": 1, "student_number": None, "outcome": outcome,
                 "reason": reason, "national_id_masked": "A12****789", "item_key_shown": item_key}
                for outcome, reason, item_key in (("rejected", "檔案格式不符", f"1+{course}+報告.pdf+"),
                                                  ("missing", None, "1+未開課代碼+作品.pdf+"))])
            _confirmations(con, sample)
        if state == "empty_school":  # the school is in the directory but nothing of it was built
            tables = con.execute("""
                select distinct columns.table_schema, columns.table_name
                from information_schema.columns as columns
                inner join information_schema.tables as tables
                    on columns.table_schema = tables.table_schema and columns.table_name = tables.table_name
                where columns.column_name = 'school_code' and tables.table_type = 'BASE TABLE'
            """).fetchall()
            for schema, table in tables:
                if (schema, table) != ("marts", "dim_schools"):
                    con.execute(f'delete from "{schema}"."{table}" where school_code = ?', [sample.school])
    finally:
        con.close()
    return target


@pytest.fixture(scope="session")
def published_states(published, sample, tmp_path_factory) -> dict[str, Path]:
    """state → a published copy in that state."""
    folder = tmp_path_factory.mktemp("states")
    changed = {state: _change_copy(published, folder / f"{state}.duckdb", sample, state)
               for state in ("unverified", "partial", "empty_school")}
    return {"sample": published, "unknown_class": published, "no_copy": folder / "never-published.duckdb", **changed}


def users_for(sample: Sample, state: str = "sample") -> dict[Role, User]:
    if state == "unknown_class":  # accounts whose class or teacher is no longer in the data
        return {
            Role.SCHOOL_ADMIN: User("admin", Role.SCHOOL_ADMIN, sample.school),
            Role.HOMEROOM_TEACHER: User("homeroom", Role.HOMEROOM_TEACHER, sample.school, UNKNOWN_CLASS),
            Role.SUBJECT_TEACHER: User("teacher", Role.SUBJECT_TEACHER, sample.school, teacher_code=UNKNOWN_TEACHER),
            Role.COUNSELLOR: User("counsellor", Role.COUNSELLOR, sample.school, teacher_code=UNKNOWN_TEACHER),
            **_school_staff(sample),
            Role.AUTHORITY: User("authority", Role.AUTHORITY),
        }
    return {
        Role.SCHOOL_ADMIN: User("admin", Role.SCHOOL_ADMIN, sample.school, display_name="註冊組"),
        Role.HOMEROOM_TEACHER: User("homeroom", Role.HOMEROOM_TEACHER, sample.school, sample.class_code),
        Role.SUBJECT_TEACHER: User("teacher", Role.SUBJECT_TEACHER, sample.school, teacher_code=sample.teacher),
        Role.COUNSELLOR: User("counsellor", Role.COUNSELLOR, sample.school, teacher_code=sample.counsellor),
        **_school_staff(sample),
        Role.AUTHORITY: User("authority", Role.AUTHORITY),
    }


def _school_staff(sample: Sample) -> dict[Role, User]:
    """The roles besides 系統管理者 that see the whole school (no class or teacher to go missing)."""
    return {role: User(role.name.lower(), role, sample.school) for role in (Role.REGISTRAR, Role.ACTIVITIES, Role.VIEWER)}


@pytest.fixture(scope="session")
def users_file(sample, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.json"
    for user in users_for(sample).values():
        add_user(path, user, PASSWORD)
    return path


@pytest.fixture
def dashboard_env(published, users_file, monkeypatch):
    """The variables `portfolio dashboard` hands to Streamlit, pointing at the test copy."""
    monkeypatch.setenv("PORTFOLIO_PUBLISHED", str(published))
    monkeypatch.setenv("PORTFOLIO_USERS", str(users_file))
    monkeypatch.setenv("PORTFOLIO_AS_OF", AS_OF.isoformat())


@pytest.fixture
def app(dashboard_env, sample, published_states, monkeypatch):
    """`app(role, state)`: an AppTest of the router on the published copy in that data state, signed in with
    that role's account (or not signed in: None)."""
    from streamlit.testing.v1 import AppTest

    def start(role: Role | None, state: str = "sample") -> AppTest:
        monkeypatch.setenv("PORTFOLIO_PUBLISHED", str(published_states[state]))
        test = AppTest.from_file(str(APP), default_timeout=60)
        if role is not None:
            test.session_state["portfolio_user"] = users_for(sample, state)[role]
        return test.run()

    return start


def rendered_text(test) -> str:
    """Every piece of text an AppTest run shows, dataframes included, for "never shown" assertions."""
    parts = [element.value for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error")
             for element in getattr(test, kind)]
    parts += [f"{metric.label} {metric.value}" for metric in test.metric]
    parts += [frame.value.to_csv() for frame in test.dataframe]
    return "\n".join(str(part) for part in parts)
