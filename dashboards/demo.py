"""Demo accounts: one per role, scoped to what the sample warehouse holds, and how to open the dashboard.

`portfolio demo` calls `create_demo_users(settings)` after the build and prints `demo_message(...)`.
Passwords are generated anew on every demo run (printed once, stored only as hashes).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import duckdb

from dashboards.console import pad
from dashboards.roles import Role, Scope
from dashboards.users import User, add_user, generate_password, resolve_users_path
from pipelines.settings import Settings

PENDING_STATE = "待認證"


class DemoAccount(NamedTuple):
    username: str
    password: str
    role: Role
    scope: Scope


def _pick(path: Path) -> tuple[str, str | None, str | None, str | None, str | None]:
    """A school (one with receipt confirmations when there is one), one of its classes with its homeroom
    teacher, its teacher with the longest queue and its 課程諮詢教師 with the most advisees that year."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        confirming = con.execute("select count(*) from information_schema.tables where table_schema = 'submissions' "
                                 "and table_name = 'confirmation_terms'").fetchall()[0][0]
        # a school whose receipts the demo simulated first: its accounts see the confirmations and disputes
        preferred = "(school_code in (select school_code from submissions.confirmation_terms)) desc, " if confirming else ""
        school, year, term = con.execute(f"""
            select school_code, academic_year, term from marts.fct_class_completion
            where students_enrolled > 0
            order by academic_year desc, term desc, {preferred}school_code limit 1
        """).fetchall()[0]
        homeroom = con.execute("""
            select class_code, homeroom_teacher_code from marts.dim_classes
            where school_code = ? and academic_year = ? and term = ? and homeroom_teacher_code is not null
              and students_enrolled > 0
            order by class_code limit 1
        """, [school, year, term]).fetchall()
        teacher = con.execute("""
            select certifying_teacher_code, count(*) from marts.fct_course_outcomes
            where school_code = ? and academic_year = ? and term = ? and certification_state = ?
              and certifying_teacher_code is not null
            group by 1 order by 2 desc, 1 limit 1
        """, [school, year, term, PENDING_STATE]).fetchall()
        if not teacher:
            teacher = con.execute("select teacher_code, 0 from marts.dim_teachers where school_code = ? order by 1 limit 1",
                                  [school]).fetchall()
        counsellor = con.execute("""
            select counsellor_code from marts.fct_counselling_sessions
            where school_code = ? and academic_year = ? and counsellor_code is not null
            group by 1 order by count(distinct student_number) desc, 1 limit 1
        """, [school, year]).fetchall()
    finally:
        con.close()
    class_code, homeroom_teacher = homeroom[0] if homeroom else (None, None)
    return (school, class_code, homeroom_teacher, teacher[0][0] if teacher else None,
            counsellor[0][0] if counsellor else None)


def create_demo_users(settings: Settings, users: Path | None = None) -> list[DemoAccount]:
    """(Re)create one demo account per role (demo-admin, demo-registrar, … demo-authority) with fresh passwords."""
    source = settings.published if settings.published.is_file() else settings.warehouse
    school, class_code, homeroom_teacher, teacher, counsellor = _pick(source)
    wanted = [
        User("demo-admin", Role.SCHOOL_ADMIN, school, display_name="示範 系統管理者"),
        User("demo-registrar", Role.REGISTRAR, school, display_name="示範 註冊組"),
        User("demo-activities", Role.ACTIVITIES, school, display_name="示範 訓育組"),
        User("demo-viewer", Role.VIEWER, school, display_name="示範 資料查詢人員"),
        User("demo-counsellor", Role.COUNSELLOR, school, None if counsellor else class_code, counsellor,
             display_name="示範 課程諮詢教師"),
        User("demo-homeroom", Role.HOMEROOM_TEACHER, school, class_code, homeroom_teacher, display_name="示範 導師"),
        User("demo-teacher", Role.SUBJECT_TEACHER, school, teacher_code=teacher, display_name="示範 任課教師"),
        User("demo-authority", Role.AUTHORITY, display_name="示範 教育主管機關"),
    ]
    path = resolve_users_path(users)
    accounts = []
    for user in wanted:
        if user.role is Role.SUBJECT_TEACHER and not teacher or user.role is Role.HOMEROOM_TEACHER and not class_code \
                or user.role is Role.COUNSELLOR and not (counsellor or class_code):
            continue  # the sample has no such person
        password = generate_password()
        add_user(path, user, password, replace=True)
        accounts.append(DemoAccount(user.username, password, user.role, user.scope))
    return accounts


def reference_day(settings: Settings, school: str | None = None) -> tuple[dt.date, str]:
    """The day the dashboards count days left from on this data (dashboards.clock.reference_day), for the
    accounts of `school` (its own upload deadline) or, without one, for 教育主管機關; and the sentence saying
    which and why."""
    from dashboards import clock
    from dashboards.data import DataAccess, PublishedCopyMissing

    scope = Scope(Role.SCHOOL_ADMIN, school) if school else Scope(Role.AUTHORITY)
    try:
        latest = DataAccess(settings.published, scope, cached=False).latest_term_deadline()
    except PublishedCopyMissing:
        latest = None
    if latest is None:
        return clock.today(), f"基準日：今天 {clock.roc_date(clock.today())}"
    day, why = clock.reference_day(clock.today(), *latest)
    return day, why or f"基準日：今天 {clock.roc_date(day)}"


def reference_note(settings: Settings) -> str:
    """Which day the dashboards count days left from on this data, in a sentence."""
    return reference_day(settings)[1]


def demo_message(accounts: list[DemoAccount], *, port: int = 8501, users: Path | None = None,
                 reference: str | None = None) -> str:
    lines = [
        "",
        "儀表板 (dashboards):",
        f"  make dashboard     # 或 .venv/bin/portfolio dashboard --port {port}，然後開啟 http://127.0.0.1:{port}",
        *([f"  {reference}（側欄可改）"] if reference else []),
        f"示範帳號（密碼只顯示這一次；帳號檔 {resolve_users_path(users)}）:",
    ]
    for account in accounts:
        lines.append(f"  {pad(account.role.value, 12)}  帳號 {pad(account.username, 15)} 密碼 {account.password}   "
                     f"範圍 {account.scope.describe()}")
    return "\n".join(lines)
