"""Dashboard fixtures: a published copy of the session's built sample, one account per role, AppTest runs."""

from __future__ import annotations

import datetime as dt
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
    finally:
        con.close()
    return Sample(year=year, term=term, school=schools[0], other_school=schools[1], class_code=classes[0][0],
                  homeroom_teacher=classes[0][1], other_class=classes[1][0], teacher=teacher)


def users_for(sample: Sample) -> dict[Role, User]:
    return {
        Role.SCHOOL_ADMIN: User("admin", Role.SCHOOL_ADMIN, sample.school, display_name="註冊組"),
        Role.HOMEROOM_TEACHER: User("homeroom", Role.HOMEROOM_TEACHER, sample.school, sample.class_code),
        Role.SUBJECT_TEACHER: User("teacher", Role.SUBJECT_TEACHER, sample.school, teacher_code=sample.teacher),
        Role.AUTHORITY: User("authority", Role.AUTHORITY),
    }


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
def app(dashboard_env, sample):
    """`app(role)`: an AppTest of the router, signed in with that role's account (or not signed in: None)."""
    from streamlit.testing.v1 import AppTest

    def start(role: Role | None) -> AppTest:
        test = AppTest.from_file(str(APP), default_timeout=60)
        if role is not None:
            test.session_state["portfolio_user"] = users_for(sample)[role]
        return test.run()

    return start


def rendered_text(test) -> str:
    """Every piece of text an AppTest run shows, dataframes included, for "never shown" assertions."""
    parts = [element.value for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error")
             for element in getattr(test, kind)]
    parts += [f"{metric.label} {metric.value}" for metric in test.metric]
    parts += [frame.value.to_csv() for frame in test.dataframe]
    return "\n".join(str(part) for part in parts)
