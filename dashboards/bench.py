"""How long each dashboard page's queries take on a published copy: what `make bench` reports.

`time_pages(published)` runs, for every page, the same `DataAccess` calls the page makes on a first visit
(no Streamlit cache; the shared connection opened beforehand, as the running app has it), for the
newest term, the largest school, its largest class and its teacher with the longest queue. The budget
is `PAGE_BUDGET_SECONDS` per page; drawing adds roughly a tenth of a second on top.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dashboards.data import DataAccess, scope_unknowns
from dashboards.roles import Role, Scope

PAGE_BUDGET_SECONDS = 1.0


@dataclass(frozen=True)
class Sample:
    """The school, term, class and teacher the pages are timed for."""

    year: int
    term: int
    school: str
    class_code: str | None
    teacher: str | None


def choose_sample(published: Path) -> Sample:
    authority = DataAccess(published, Scope(Role.AUTHORITY), cached=False)
    year, term = (int(value) for value in authority.terms().iloc[0][["academic_year", "term"]])
    school = authority._frame("""
        select school_code from marts.fct_school_completion where academic_year = ? and term = ?
        order by students_enrolled desc, school_code limit 1
    """, year, term)["school_code"].iloc[0]
    class_code = authority._frame("""
        select class_code from marts.fct_class_completion where school_code = ? and academic_year = ? and term = ?
        order by students_enrolled desc, class_code limit 1
    """, school, year, term)["class_code"]
    teacher = authority._frame("""
        select certifying_teacher_code from marts.fct_course_outcomes
        where school_code = ? and academic_year = ? and term = ? and certifying_teacher_code is not null
        group by 1 order by count(*) desc, 1 limit 1
    """, school, year, term)["certifying_teacher_code"]
    return Sample(year, term, school, class_code.iloc[0] if len(class_code) else None,
                  teacher.iloc[0] if len(teacher) else None)


def page_calls(published: Path, sample: Sample, as_of: dt.date) -> dict[str, Callable[[], object]]:
    """Page key → the queries that page runs, with the role that normally opens it."""
    year, term, school = sample.year, sample.term, sample.school
    authority = DataAccess(published, Scope(Role.AUTHORITY), cached=False)
    admin = DataAccess(published, Scope(Role.SCHOOL_ADMIN, school), cached=False)

    def overview():
        authority.terms(), authority.schools()
        return authority.national_overview(year, term)

    def school_page():
        admin.schools(), admin.terms(), admin.latest_term_deadline()
        admin.roster_deadlines(school, as_of), admin.blocking_findings(school, year, term)
        return admin.school_overview(school, year, term, as_of)

    def classroom():
        admin.schools(), admin.terms(), admin.classes(school, year, term), admin.latest_term_deadline()
        return admin.class_students(school, year, term, sample.class_code, as_of) if sample.class_code else None

    def my_queue():  # 任課教師: the own queue and proxy items
        if not sample.teacher:
            return None
        teacher = DataAccess(published, Scope(Role.SUBJECT_TEACHER, school, teacher_code=sample.teacher), cached=False)
        teacher.schools(), teacher.terms(), teacher.latest_term_deadline()
        return teacher.teacher_queues(school, year, term, as_of)

    def teachers():
        admin.schools(), admin.terms(), admin.latest_term_deadline()
        return admin.teacher_queues(school, year, term, as_of)

    def gate():
        admin.terms()
        authority.gate_overview(year)
        view = admin.gate_overview(year)
        if not view.rules.empty:
            worst = view.rules.sort_values("violations", ascending=False)["rule_id"].iloc[0]
            admin.gate_rows(school, year, worst)
        return view

    def submissions():
        admin.terms()
        authority.submissions(year)
        return admin.submissions(year)

    def accounts():  # the users file is read whole; saving an account checks its scope against the copy
        return scope_unknowns(published, Scope(Role.HOMEROOM_TEACHER, school, sample.class_code or "?"))

    return {"overview": overview, "school": school_page, "classroom": classroom, "my_queue": my_queue, "teachers": teachers,
            "gate": gate, "submissions": submissions, "accounts": accounts}


def time_pages(published: Path, *, as_of: dt.date | None = None, repeat: int = 3) -> dict[str, float]:
    """Seconds per page (the best of `repeat` runs) for the queries each page makes, uncached."""
    published = Path(published)
    sample = choose_sample(published)  # also opens the shared read-only connection
    timings = {}
    for page, call in page_calls(published, sample, as_of or dt.date.today()).items():
        best = float("inf")
        for _ in range(max(repeat, 1)):
            started = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - started)
        timings[page] = best
    return timings


def main() -> int:
    """python -m dashboards.bench [PUBLISHED]: one line per page against the budget."""
    import sys

    from pipelines.settings import Settings

    published = Path(sys.argv[1]) if len(sys.argv) > 1 else Settings.resolve().published
    timings = time_pages(published)
    for page, seconds in timings.items():
        verdict = "ok" if seconds <= PAGE_BUDGET_SECONDS else "SLOW"
        print(f"{page:<12} {seconds * 1000:8.1f} ms  {verdict}")
    return 0 if all(seconds <= PAGE_BUDGET_SECONDS for seconds in timings.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
