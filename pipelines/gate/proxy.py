"""Who certifies in a departed teacher's place: the school's `proxy_order`, applied in one place.

Policy steps (policy.md; seed 003's order is the default):

- ``designated_proxy``: the teacher's own 代理認證教師代碼
- ``same_subject_same_grade``: a teacher of the same 任教科目 who teaches the item's grade
- ``same_subject``: a teacher of the same 任教科目
- ``domain_convener``: the 領域召集人 of the teacher's 領域
- ``teaching_section_chief``: the 教學組長

A teacher needs a proxy when his or her 在職狀態 is one the school's `proxy_needed_for` lists (default
離職 and 留職停薪; a 離職 only from its date on). Only a teacher available on the day can be chosen (not
left by then, not on 留職停薪); among several
candidates of one step the lowest teacher code wins, so the choice is reproducible. Roles and statuses
come from the warehouse's dim_teachers (which reads them through the xwalk seeds).

``trace_proxy`` walks the order and keeps every step it tried (who was passed over and why), so a list
can show the chain that led to the choice; ``choose_proxy`` is its choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

STEP_LABELS: dict[str, str] = {
    "designated_proxy": "指定代理教師",
    "same_subject_same_grade": "同科目同年級教師",
    "same_subject": "同科目教師",
    "domain_convener": "領域召集人",
    "teaching_section_chief": "教學組長",
}


@dataclass(frozen=True)
class Teacher:
    code: str
    name: str | None = None
    subject: str | None = None
    grades_taught: tuple[int, ...] = ()
    domain: str | None = None
    is_left: bool = False  # 在職狀態 says 離職
    left_date: dt.date | None = None
    is_on_leave: bool = False  # 留職停薪
    designated_proxy_code: str | None = None
    is_domain_convener: bool = False
    is_teaching_section_chief: bool = False
    employment_status: str | None = None  # 在職狀態 as delivered

    def has_left(self, as_of: dt.date) -> bool:
        """離職 on or before `as_of` (a 離職 without a date counts as gone)."""
        return self.is_left and (self.left_date is None or self.left_date <= as_of)

    def needs_proxy(self, as_of: dt.date, statuses: Sequence[str]) -> bool:
        """In one of the school's proxy_needed_for statuses on `as_of` (a 離職 from its date on)."""
        return self.employment_status in statuses and (not self.is_left or self.has_left(as_of))

    def is_available(self, as_of: dt.date) -> bool:
        return not self.has_left(as_of) and not self.is_on_leave


@dataclass(frozen=True)
class ProxyChoice:
    teacher: Teacher
    step: str  # the proxy_order step that chose this teacher

    @property
    def step_label(self) -> str:
        return STEP_LABELS.get(self.step, self.step)


@dataclass(frozen=True)
class ProxyStep:
    """One step of the school's proxy_order as it was tried: who it found, or why nobody."""

    step: str
    chosen: Teacher | None  # the teacher this step chose (only the deciding step has one)
    passed_over: tuple[tuple[Teacher, str], ...] = ()  # candidates who were not available, with why

    @property
    def step_label(self) -> str:
        return STEP_LABELS.get(self.step, self.step)

    def describe(self, as_of: dt.date) -> str:
        """`同科目教師：王老師（T020）（選定）` or `指定代理教師：T012 已離職`, for lists people read."""
        if self.chosen is not None:
            return f"{self.step_label}：{_who(self.chosen)}（選定）"
        if self.passed_over:
            return f"{self.step_label}：" + "、".join(f"{_who(teacher)} {why}" for teacher, why in self.passed_over)
        return f"{self.step_label}：無"


@dataclass(frozen=True)
class ProxyTrace:
    """How `proxy_order` was walked for one departed teacher: every step tried, up to the choice."""

    departed: Teacher
    steps: tuple[ProxyStep, ...]

    @property
    def choice(self) -> ProxyChoice | None:
        last = self.steps[-1] if self.steps else None
        return ProxyChoice(teacher=last.chosen, step=last.step) if last and last.chosen else None

    def describe(self, as_of: dt.date) -> str:
        text = " → ".join(step.describe(as_of) for step in self.steps)
        return text if self.choice else f"{text} → 無人可代理，請工作小組指定"


def _who(teacher: Teacher) -> str:
    from pipelines.names import named

    return named(teacher.name, teacher.code)


def _why_unavailable(teacher: Teacher, as_of: dt.date) -> str:
    return "已離職" if teacher.has_left(as_of) else "留職停薪"


def _candidates(step: str, departed: Teacher, teachers: Iterable[Teacher], grade: int | None) -> list[Teacher]:
    if step == "designated_proxy":
        return [t for t in teachers if departed.designated_proxy_code and t.code == departed.designated_proxy_code]
    if step == "same_subject_same_grade":
        return [t for t in teachers if departed.subject and t.subject == departed.subject
                and grade is not None and grade in t.grades_taught]
    if step == "same_subject":
        return [t for t in teachers if departed.subject and t.subject == departed.subject]
    if step == "domain_convener":
        return [t for t in teachers if departed.domain and t.domain == departed.domain and t.is_domain_convener]
    if step == "teaching_section_chief":
        return [t for t in teachers if t.is_teaching_section_chief]
    raise ValueError(f"unknown proxy_order step {step!r}")


def trace_proxy(
    departed: Teacher,
    teachers: Mapping[str, Teacher] | Iterable[Teacher],
    proxy_order: Sequence[str],
    *,
    grade: int | None,
    as_of: dt.date,
) -> ProxyTrace:
    """Walk the school's `proxy_order` for `departed`, recording each step, until a step finds an available teacher."""
    pool = sorted((t for t in (teachers.values() if isinstance(teachers, Mapping) else teachers) if t.code != departed.code),
                  key=lambda t: t.code)
    available = [t for t in pool if t.is_available(as_of)]
    steps = []
    for step in proxy_order:
        found = _candidates(step, departed, available, grade)
        if found:
            steps.append(ProxyStep(step=step, chosen=found[0]))
            break
        unavailable = [t for t in _candidates(step, departed, pool, grade) if not t.is_available(as_of)]
        passed_over = tuple((t, _why_unavailable(t, as_of)) for t in unavailable)
        if step == "designated_proxy" and departed.designated_proxy_code and not unavailable:
            passed_over = ((Teacher(departed.designated_proxy_code), "不在教師名單"),)
        steps.append(ProxyStep(step=step, chosen=None, passed_over=passed_over))
    return ProxyTrace(departed=departed, steps=tuple(steps))


def choose_proxy(
    departed: Teacher,
    teachers: Mapping[str, Teacher] | Iterable[Teacher],
    proxy_order: Sequence[str],
    *,
    grade: int | None,
    as_of: dt.date,
) -> ProxyChoice | None:
    """The first available teacher the school's `proxy_order` names for `departed`; None if nobody fits."""
    return trace_proxy(departed, teachers, proxy_order, grade=grade, as_of=as_of).choice


def is_proxy_certifier(
    certifier_code: str | None,
    teacher: Teacher | None,
    teachers: Mapping[str, Teacher],
    policy,
    *,
    grade: int | None,
    on: dt.date | None,
) -> bool:
    """R28: for an outcome certified by someone other than its assigned `teacher`, whether that someone
    is the proxy the school's order names on the day of the 認證通過 (`on`), the teacher needing one then."""
    if teacher is None or on is None or not teacher.needs_proxy(on, policy.proxy_needed_for):
        return False
    choice = choose_proxy(teacher, teachers, policy.proxy_order, grade=grade, as_of=on)
    return choice is not None and choice.teacher.code == certifier_code


def teachers_from_records(records: Iterable[Mapping]) -> dict[str, Teacher]:
    """Teachers from dim_teachers rows (dicts with its column names)."""
    teachers = {}
    for record in records:
        grades = record.get("grades_taught_list")
        left_date = record.get("left_date")
        if left_date is not None and hasattr(left_date, "date") and callable(left_date.date):
            left_date = left_date.date()
        teachers[record["teacher_code"]] = Teacher(
            code=record["teacher_code"],
            name=_text(record.get("teacher_name")),
            subject=_text(record.get("subject")),
            grades_taught=tuple(int(grade) for grade in grades) if grades is not None else (),
            domain=_text(record.get("domain")),
            is_left=bool(record.get("is_left")),
            left_date=None if left_date is None or left_date != left_date else left_date,
            is_on_leave=bool(record.get("is_on_leave")),
            designated_proxy_code=_text(record.get("designated_proxy_code")),
            is_domain_convener=bool(record.get("is_domain_convener")),
            is_teaching_section_chief=bool(record.get("is_teaching_section_chief")),
            employment_status=_text(record.get("employment_status")),
        )
    return teachers


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
