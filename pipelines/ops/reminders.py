"""Reminders before the policy's deadlines, and who certifies for teachers who have left.

For every deadline in ``marts.fct_school_deadlines`` (from the school's policy.yaml) that falls within
``days`` days from ``as_of`` (the deadline day itself included):

- **upload** (課程學習成果上傳截止, per term) → the homeroom teacher (導師) of each class gets the enrolled
  students of the term who have uploaded nothing, still have items not sent for certification (未送審),
  or have items that failed certification (認證未通過) to fix and send again;
- **certification** (認證截止, per term) → each certifying teacher gets the term's outcomes still waiting
  (待認證), with the days waited and whether the policy's certification_days_after_upload is exceeded;
  an outcome whose teacher needs a proxy on ``as_of`` (a 在職狀態 in the school's proxy_needed_for:
  離職 from its date on, 留職停薪 by default too) goes to the proxy the school's proxy_order names
  (pipelines/gate/proxy.py), with the chain that led to the choice;
- **diverse_entry** (多元表現登錄截止, per year) → the homeroom teacher of each class (the student's last
  term of the year) gets the students enrolled then who have entered no 多元表現 of their own that year;
- **selection** (勾選截止, per year) → the homeroom teacher of each class (the student's last term of the
  year) gets the students who could still select more: fewer selected outcomes than min(cap, certified),
  or fewer selected student-entered performances than min(cap, entered).

After a submission's receipt is reconciled (pipelines/export/confirmations.py):

- **receipt_confirmation** (收訖明細確認截止: the window's last day) → the homeroom teacher of each class
  gets the students who have not confirmed every item received or rejected, while the window overlaps
  the ``days`` ahead;
- **dispute** (each open case's due date) → the homeroom teacher gets the students whose 有誤 reply is
  still open, and ``disputes`` lists every open case by 名冊 and owning unit for the registrar.

``submissions`` lists the 名冊 whose submission deadline (policy submission_deadlines: the unit's own date
two weeks before the ministry's) falls within the ``days`` ahead, or has passed while the ministry's has
not, with the unit that submits it and when it was first submitted (pipelines/ops/roster_deadlines.py).

Independently of deadlines, ``proxy_assignments`` lists every outcome waiting (待認證) on a teacher who
needs a proxy, with the proxy and the chain.

Lists name students by class, seat, student number and name, items by course, title and summary
excerpt, teachers by name (pipelines/names.py; never a national ID).
Plain Python: reads a built warehouse, returns rows; pipelines/ops/reminder_xlsx.py prints them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.contract import seed_rows
from pipelines.gate.proxy import Teacher, trace_proxy, teachers_from_records
from pipelines.names import connection_rows, item_key_parts, named, read_names
from pipelines.roc import roc_date
from pipelines.policy import DEFAULT_POLICY

PENDING, NOT_SUBMITTED, FAILED = "待認證", "未送審", "認證未通過"
ROLE_LABELS = {"homeroom": "導師", "teacher": "認證教師", "proxy": "代理認證教師", "unknown": "未列於教師名單"}

# Columns of ops.reminders and ops.proxy_assignments, in order.
REMINDER_COLUMNS = (
    "school_code", "as_of_date", "deadline_kind", "deadline_label", "deadline_date", "days_left",
    "academic_year", "term", "audience", "recipient_code", "recipient_name", "recipient_role",
    "class_code", "class_name", "seat_number", "student_number", "outcome_id", "subject_name",
    "detail", "pending_days", "is_overdue", "original_teacher_code", "original_teacher_name",
    "proxy_step", "proxy_chain", "student_name", "item_label",
)
PROXY_COLUMNS = (
    "school_code", "as_of_date", "outcome_id", "academic_year", "term", "class_code", "seat_number",
    "student_number", "subject_name", "submitted_date", "original_teacher_code", "original_teacher_name",
    "original_left_date", "proxy_code", "proxy_name", "proxy_step", "proxy_chain", "student_name", "item_label",
)
# The registrar's lists (workbook only: the warehouse keeps the cases in submissions.disputes).
DISPUTE_COLUMNS = (
    "school_code", "academic_year", "term", "case_id", "workbook", "owner_unit", "class_code", "seat_number",
    "student_number", "student_name", "item", "replied_date", "confirmed_by", "is_late", "due_date", "days_left",
    "is_overdue",
)
SUBMISSION_COLUMNS = (
    "school_code", "academic_year", "term", "workbook", "owner_unit", "internal_due_date", "due_date",
    "days_left", "ministry_days_left", "submitted_date", "submitted_unit",
)


@dataclass
class Reminders:
    as_of: dt.date
    days: int
    deadlines: list[dict] = field(default_factory=list)  # the deadlines in the window, per school
    rows: list[dict] = field(default_factory=list)  # REMINDER_COLUMNS
    proxies: list[dict] = field(default_factory=list)  # PROXY_COLUMNS
    schools: list[str] = field(default_factory=list)  # every school looked at (tables are replaced for these)
    disputes: list[dict] = field(default_factory=list)  # DISPUTE_COLUMNS: open cases, for the registrar
    submissions: list[dict] = field(default_factory=list)  # SUBMISSION_COLUMNS: 名冊 due soon, for the units
    school_names: dict[str, str] = field(default_factory=dict)  # school code → '校名（代碼）'

    def for_school(self, school: str) -> Reminders:
        return Reminders(
            as_of=self.as_of, days=self.days, schools=[school],
            deadlines=[d for d in self.deadlines if d["school_code"] == school],
            rows=[r for r in self.rows if r["school_code"] == school],
            proxies=[p for p in self.proxies if p["school_code"] == school],
            disputes=[d for d in self.disputes if d["school_code"] == school],
            submissions=[s for s in self.submissions if s["school_code"] == school],
            school_names={code: name for code, name in self.school_names.items() if code == school},
        )

    def school_label(self, school: str) -> str:
        return self.school_names.get(school) or school


@dataclass(frozen=True)
class _SchoolPolicy:
    proxy_order: tuple[str, ...]
    certification_days: int
    outcome_cap: int
    diverse_cap: int
    proxy_needed_for: tuple[str, ...] = DEFAULT_POLICY.proxy_needed_for


def _records(con: duckdb.DuckDBPyConnection, sql: str, parameters: list) -> list[dict]:
    cursor = con.execute(sql, parameters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _day(value) -> dt.date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def _policies(con: duckdb.DuckDBPyConnection) -> dict[str, _SchoolPolicy]:
    rows = con.execute(
        "select school_code, any_value(proxy_order), any_value(certification_days_after_upload), "
        "any_value(course_outcome_selection_cap_per_year), any_value(diverse_selection_cap_per_year), "
        "any_value(proxy_needed_for) from raw.school_policies group by 1"
    ).fetchall()
    return {
        school: _SchoolPolicy(
            proxy_order=tuple(order or DEFAULT_POLICY.proxy_order),
            certification_days=days if days is not None else DEFAULT_POLICY.certification_days_after_upload,
            outcome_cap=outcome_cap if outcome_cap is not None else DEFAULT_POLICY.course_outcome_selection_cap_per_year,
            diverse_cap=diverse_cap if diverse_cap is not None else DEFAULT_POLICY.diverse_selection_cap_per_year,
            proxy_needed_for=tuple(statuses) if statuses is not None else DEFAULT_POLICY.proxy_needed_for,
        )
        for school, order, days, outcome_cap, diverse_cap, statuses in rows
    }


def _default_policy() -> _SchoolPolicy:
    return _SchoolPolicy(DEFAULT_POLICY.proxy_order, DEFAULT_POLICY.certification_days_after_upload,
                         DEFAULT_POLICY.course_outcome_selection_cap_per_year, DEFAULT_POLICY.diverse_selection_cap_per_year)


def _teachers(con: duckdb.DuckDBPyConnection, school: str) -> dict[str, Teacher]:
    return teachers_from_records(_records(con, "select * from marts.dim_teachers where school_code = ?", [school]))


def deadline_kinds() -> dict[str, dict[str, str]]:
    """deadline_kind → its label and audience (seeds/xwalk_deadline_kinds.csv, as fct_school_deadlines reads it)."""
    return {row["deadline_kind"]: row for row in seed_rows("xwalk_deadline_kinds")}


def collect_reminders(warehouse: Path, as_of: dt.date, days: int = 7, schools: Iterable[str] | None = None) -> Reminders:
    """Every reminder due on `as_of` for deadlines up to `days` days ahead, and the proxy assignments.

    A term whose receipt was reconciled is judged by pipelines/export/confirmations.py, which records the
    cases its 有誤 replies open: that step writes to the warehouse (nothing else here does)."""
    from pipelines.names import school_label

    reminders = Reminders(as_of=as_of, days=days)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        known = [row[0] for row in con.execute("select distinct school_code from raw.school_policies order by 1").fetchall()]
        wanted = list(schools) if schools else known
        reminders.schools = [school for school in wanted if school in known]
        reminders.school_names = {school: school_label(school) for school in reminders.schools}
        policies = _policies(con)
        for school in reminders.schools:
            policy = policies.get(school, _default_policy())
            teachers = _teachers(con, school)
            deadlines = _records(
                con,
                "select * from marts.fct_school_deadlines where school_code = ? and deadline_date between ? and ? "
                "order by deadline_date, deadline_kind, academic_year, term",
                [school, as_of, as_of + dt.timedelta(days=days)],
            )
            for deadline in deadlines:
                deadline["deadline_date"] = _day(deadline["deadline_date"])
                deadline["days_left"] = (deadline["deadline_date"] - as_of).days
                reminders.deadlines.append(deadline)
                make = {"upload": _upload_rows, "certification": _certification_rows, "selection": _selection_rows,
                        "diverse_entry": _diverse_entry_rows}
                rows = make[deadline["deadline_kind"]](con, deadline, policy, teachers, as_of)
                reminders.rows.extend(_complete(row, deadline, as_of) for row in rows)
            reminders.proxies.extend(proxy_assignments(con, school, policy.proxy_order, teachers, as_of,
                                                       policy.proxy_needed_for))
            reminders.submissions.extend(_submission_rows(con, school, as_of, days))
    from pipelines.export.confirmations import evaluate_all

    # each reconciled term judged (new cases recorded) as a build does before publishing
    states = evaluate_all(warehouse, reminders.schools) if reminders.schools else []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for state in states:
            teachers = _teachers(con, state.school)
            _receipt_rows(con, reminders, state, teachers)
        _add_names(con, reminders)
    return reminders


def _add_names(con, reminders: Reminders) -> None:
    """Every list's students and items by name (pipelines/names.py), beside their codes."""
    wanted: dict[str, tuple[set[str], set[str]]] = {school: (set(), set()) for school in reminders.schools}
    lists = (reminders.rows, reminders.proxies, reminders.disputes)
    for row in (row for rows in lists for row in rows):
        wanted[row["school_code"]][0].add(row["student_number"])
        wanted[row["school_code"]][1].add(row.get("outcome_id"))
    for case in reminders.disputes:  # a 名冊 row's 項目鍵, named by the course it keys
        wanted[case["school_code"]][1].update(item_key_parts(case["item"]))
    books = read_names(connection_rows(con), wanted)
    for row in (row for rows in lists for row in rows):
        book = books[row["school_code"]]
        row["student_name"] = book.student_name(row["student_number"])
        if row.get("outcome_id"):
            row["item_label"] = book.item(row["outcome_id"])
    for case in reminders.disputes:
        case["item"] = books[case["school_code"]].item_key(case["item"])


def _complete(row: dict, deadline: dict, as_of: dt.date) -> dict:
    base = {column: None for column in REMINDER_COLUMNS}
    base.update(
        school_code=deadline["school_code"], as_of_date=as_of, deadline_kind=deadline["deadline_kind"],
        deadline_label=deadline["deadline_label"], deadline_date=deadline["deadline_date"],
        days_left=deadline["days_left"], academic_year=deadline["academic_year"], term=deadline["term"],
        audience=deadline["reminder_audience"],
    )
    base.update(row)
    return base


def _upload_rows(con, deadline: dict, policy: _SchoolPolicy, teachers: dict[str, Teacher], as_of: dt.date) -> list[dict]:
    students = _records(con, f"""
        select terms.class_code, terms.class_name, terms.homeroom_teacher_code, terms.seat_number, terms.student_number,
            count(outcomes.outcome_id) as uploaded,
            count(*) filter (where outcomes.certification_state = '{NOT_SUBMITTED}') as not_submitted,
            count(*) filter (where outcomes.certification_state = '{FAILED}') as failed,
        from marts.fct_student_terms terms
        left join marts.fct_course_outcomes outcomes
            on terms.school_code = outcomes.school_code and terms.academic_year = outcomes.academic_year
            and terms.term = outcomes.term and terms.student_number = outcomes.student_number
            and outcomes.origin_school_code is null
        where terms.school_code = ? and terms.academic_year = ? and terms.term = ? and terms.is_enrolled
        group by all
        having count(outcomes.outcome_id) = 0 or not_submitted > 0 or failed > 0
        order by terms.class_code, terms.seat_number, terms.student_number""",
        [deadline["school_code"], deadline["academic_year"], deadline["term"]])
    rows = []
    for student in students:
        notes = []
        if student["uploaded"] == 0:
            notes.append("本學期尚未上傳任何課程學習成果")
        if student["not_submitted"]:
            notes.append(f"{student['not_submitted']} 件已上傳但未送出認證")
        if student["failed"]:
            notes.append(f"{student['failed']} 件認證未通過，請修改後重新送審")
        rows.append(_homeroom_row(student, teachers, "；".join(notes)))
    return rows


def _homeroom_row(student: dict, teachers: dict[str, Teacher], detail: str) -> dict:
    code = student.get("homeroom_teacher_code")
    teacher = teachers.get(code) if code else None
    return {
        "recipient_code": code, "recipient_name": teacher.name if teacher else None,
        "recipient_role": ROLE_LABELS["homeroom"], "class_code": student["class_code"],
        "class_name": student.get("class_name"), "seat_number": student["seat_number"],
        "student_number": student["student_number"], "detail": detail,
    }


def _certification_rows(con, deadline: dict, policy: _SchoolPolicy, teachers: dict[str, Teacher], as_of: dt.date) -> list[dict]:
    outcomes = _records(con, f"""
        select outcomes.outcome_id, outcomes.class_code, outcomes.seat_number, outcomes.student_number,
            outcomes.subject_name, outcomes.course_code, outcomes.submitted_at, outcomes.certifying_teacher_code,
            coalesce(outcomes.course_grade, terms.grade) as item_grade,
        from marts.fct_course_outcomes outcomes
        left join marts.fct_student_terms terms
            on outcomes.school_code = terms.school_code and outcomes.academic_year = terms.academic_year
            and outcomes.term = terms.term and outcomes.student_number = terms.student_number
        where outcomes.school_code = ? and outcomes.academic_year = ? and outcomes.term = ?
            and outcomes.origin_school_code is null
            and outcomes.certification_state = '{PENDING}'
        order by outcomes.certifying_teacher_code, outcomes.class_code, outcomes.seat_number, outcomes.outcome_id""",
        [deadline["school_code"], deadline["academic_year"], deadline["term"]])
    rows = []
    for outcome in outcomes:
        submitted = _day(outcome["submitted_at"])
        pending_days = (as_of - submitted).days if submitted else None
        overdue = pending_days is not None and pending_days > policy.certification_days
        notes = [f"送審 {pending_days} 天" if pending_days is not None else "送審日期不明"]
        if overdue:
            notes.append(f"已超過 {policy.certification_days} 天的認證期限")
        row = {
            "class_code": outcome["class_code"], "seat_number": outcome["seat_number"],
            "student_number": outcome["student_number"], "outcome_id": outcome["outcome_id"],
            "subject_name": outcome["subject_name"] or outcome["course_code"], "pending_days": pending_days,
            "is_overdue": overdue,
        }
        row.update(_certifier(outcome, policy, teachers, as_of))
        if row["recipient_role"] == ROLE_LABELS["proxy"]:
            original = teachers.get(row["original_teacher_code"])
            status = original.employment_status if original and original.employment_status else "已離職"
            who = named(row.get("original_teacher_name"), row["original_teacher_code"])
            notes.append(f"原認證教師 {who} {status}，由您代理認證")
        row["detail"] = "；".join(notes)
        rows.append(row)
    return rows


def _certifier(outcome: dict, policy: _SchoolPolicy, teachers: dict[str, Teacher], as_of: dt.date) -> dict:
    """Who should certify this outcome on `as_of`: its teacher, or the proxy if the teacher has left."""
    code = outcome["certifying_teacher_code"]
    teacher = teachers.get(code) if code else None
    if teacher is None:
        return {"recipient_code": code, "recipient_name": None, "recipient_role": ROLE_LABELS["unknown"],
                "original_teacher_code": code}
    if not teacher.needs_proxy(as_of, policy.proxy_needed_for):
        return {"recipient_code": teacher.code, "recipient_name": teacher.name, "recipient_role": ROLE_LABELS["teacher"],
                "original_teacher_code": teacher.code, "original_teacher_name": teacher.name}
    grade = outcome.get("item_grade")
    trace = trace_proxy(teacher, teachers, policy.proxy_order, grade=int(grade) if grade is not None else None, as_of=as_of)
    choice = trace.choice
    return {
        "recipient_code": choice.teacher.code if choice else None,
        "recipient_name": choice.teacher.name if choice else None,
        "recipient_role": ROLE_LABELS["proxy"],
        "original_teacher_code": teacher.code, "original_teacher_name": teacher.name,
        "proxy_step": choice.step_label if choice else None, "proxy_chain": trace.describe(as_of),
    }


def _selection_rows(con, deadline: dict, policy: _SchoolPolicy, teachers: dict[str, Teacher], as_of: dt.date) -> list[dict]:
    students = _records(con, """
        with placed as (
            select *, bool_or(is_enrolled) over (partition by school_code, academic_year, student_number) as enrolled_in_year,
            from marts.fct_student_terms
            where school_code = ? and academic_year = ?
            qualify row_number() over (partition by school_code, academic_year, student_number order by term desc) = 1
        ),
        outcomes as (
            select student_number, count(*) filter (where is_certified) as certified,
                count(*) filter (where is_selected) as selected,
            from marts.fct_course_outcomes where school_code = ? and academic_year = ? group by 1
        ),
        performances as (
            select student_number, count(*) filter (where is_student_entered) as entered,
                count(*) filter (where is_student_entered and is_selected) as selected,
            from marts.fct_diverse_performances where school_code = ? and academic_year = ? group by 1
        )
        select placed.class_code, placed.class_name, placed.homeroom_teacher_code, placed.seat_number,
            placed.student_number,
            coalesce(outcomes.certified, 0) as outcomes_certified, coalesce(outcomes.selected, 0) as outcomes_selected,
            coalesce(performances.entered, 0) as performances_entered,
            coalesce(performances.selected, 0) as performances_selected,
        from placed
        left join outcomes using (student_number)
        left join performances using (student_number)
        where placed.enrolled_in_year
        order by placed.class_code, placed.seat_number, placed.student_number""",
        [deadline["school_code"], deadline["academic_year"]] * 3)
    rows = []
    for student in students:
        outcome_target = min(policy.outcome_cap, student["outcomes_certified"])
        diverse_target = min(policy.diverse_cap, student["performances_entered"])
        notes = []
        if student["outcomes_selected"] < outcome_target:
            notes.append(f"課程學習成果已勾選 {student['outcomes_selected']} 件（已認證 {student['outcomes_certified']} 件，"
                         f"最多可勾選 {policy.outcome_cap} 件）")
        if student["performances_selected"] < diverse_target:
            notes.append(f"多元表現已勾選 {student['performances_selected']} 件（已登錄 {student['performances_entered']} 件，"
                         f"最多可勾選 {policy.diverse_cap} 件）")
        if notes:
            rows.append(_homeroom_row(student, teachers, "；".join(notes)))
    return rows


def _diverse_entry_rows(con, deadline: dict, policy: _SchoolPolicy, teachers: dict[str, Teacher],
                        as_of: dt.date) -> list[dict]:
    students = _records(con, """
        with placed as (
            select * from marts.fct_student_terms
            where school_code = ? and academic_year = ?
            qualify row_number() over (partition by school_code, academic_year, student_number order by term desc) = 1
        ),
        performances as (
            select student_number, count(*) filter (where is_student_entered) as entered,
            from marts.fct_diverse_performances where school_code = ? and academic_year = ? group by 1
        )
        select placed.class_code, placed.class_name, placed.homeroom_teacher_code, placed.seat_number,
            placed.student_number,
        from placed
        left join performances using (student_number)
        where placed.is_enrolled and coalesce(performances.entered, 0) = 0
        order by placed.class_code, placed.seat_number, placed.student_number""",
        [deadline["school_code"], deadline["academic_year"]] * 2)
    return [_homeroom_row(student, teachers, "本學年尚未登錄任何多元表現（學生自填）") for student in students]


def proxy_assignments(con, school: str, proxy_order: tuple[str, ...], teachers: dict[str, Teacher],
                      as_of: dt.date, proxy_needed_for: tuple[str, ...] = DEFAULT_POLICY.proxy_needed_for) -> list[dict]:
    """Every outcome waiting (待認證) on a teacher who needs a proxy on `as_of`: the proxy and the chain."""
    departed = sorted(code for code, teacher in teachers.items() if teacher.needs_proxy(as_of, proxy_needed_for))
    if not departed:
        return []
    placeholders = ", ".join("?" for _ in departed)
    outcomes = _records(con, f"""
        select outcomes.outcome_id, outcomes.academic_year, outcomes.term, outcomes.class_code, outcomes.seat_number,
            outcomes.student_number, coalesce(outcomes.subject_name, outcomes.course_code) as subject_name,
            outcomes.submitted_at, outcomes.certifying_teacher_code, coalesce(outcomes.course_grade, terms.grade) as item_grade,
        from marts.fct_course_outcomes outcomes
        left join marts.fct_student_terms terms
            on outcomes.school_code = terms.school_code and outcomes.academic_year = terms.academic_year
            and outcomes.term = terms.term and outcomes.student_number = terms.student_number
        where outcomes.school_code = ? and outcomes.certification_state = '{PENDING}'
            and outcomes.origin_school_code is null
            and outcomes.certifying_teacher_code in ({placeholders})
        order by outcomes.certifying_teacher_code, outcomes.academic_year, outcomes.term, outcomes.class_code,
            outcomes.seat_number, outcomes.outcome_id""",
        [school, *departed])
    rows = []
    for outcome in outcomes:
        teacher = teachers[outcome["certifying_teacher_code"]]
        grade = outcome["item_grade"]
        trace = trace_proxy(teacher, teachers, proxy_order, grade=int(grade) if grade is not None else None, as_of=as_of)
        choice = trace.choice
        rows.append({
            "school_code": school, "as_of_date": as_of, "outcome_id": outcome["outcome_id"],
            "academic_year": outcome["academic_year"], "term": outcome["term"], "class_code": outcome["class_code"],
            "seat_number": outcome["seat_number"], "student_number": outcome["student_number"],
            "subject_name": outcome["subject_name"], "submitted_date": _day(outcome["submitted_at"]),
            "original_teacher_code": teacher.code, "original_teacher_name": teacher.name,
            "original_left_date": teacher.left_date,
            "proxy_code": choice.teacher.code if choice else None, "proxy_name": choice.teacher.name if choice else None,
            "proxy_step": choice.step_label if choice else None, "proxy_chain": trace.describe(as_of),
        })
    return rows


# --- after the submission: 名冊 deadlines, receipt confirmations and disputes --------------------------

def _submission_rows(con, school: str, as_of: dt.date, days: int) -> list[dict]:
    """名冊 whose unit deadline falls within the days ahead, or has passed while the ministry's has not:
    pipelines/ops/roster_deadlines.py's (the one definition of the deadlines, the owning unit and what
    counts as submitted)."""
    from pipelines.ops.roster_deadlines import roster_deadlines

    return [{
        "school_code": school, "academic_year": deadline.academic_year, "term": deadline.term,
        "workbook": deadline.roster_name, "owner_unit": deadline.owner_unit,
        "internal_due_date": deadline.internal_due_date, "due_date": deadline.due_date,
        "days_left": deadline.internal_days_left, "ministry_days_left": deadline.days_left,
        "submitted_date": deadline.submitted_at.date() if deadline.submitted_at else None,
        "submitted_unit": deadline.submitted_unit or deadline.submitted_by,
    } for deadline in roster_deadlines(con, as_of, schools=[school], within_days=days) if deadline.days_left >= 0]


def _receipt_rows(con, reminders: Reminders, state, teachers: dict[str, Teacher]) -> None:
    """The homeroom teachers' rows for one reconciled term: students who have not confirmed (while the
    window overlaps the days ahead) and students whose 有誤 reply is an open case; the registrar's open cases."""
    kinds = deadline_kinds()
    as_of, horizon = reminders.as_of, reminders.as_of + dt.timedelta(days=reminders.days)
    placed = _placement(con, state.school, state.academic_year, state.term)
    base = {"school_code": state.school, "academic_year": state.academic_year, "term": state.term or None,
            "reminder_audience": kinds["receipt_confirmation"]["reminder_audience"]}
    if state.window_opens.date() <= horizon and state.window_closes >= as_of:
        deadline = {**base, "deadline_kind": "receipt_confirmation",
                    "deadline_label": kinds["receipt_confirmation"]["deadline_label"],
                    "deadline_date": state.window_closes, "days_left": (state.window_closes - as_of).days}
        unanswered: dict[str, int] = {}
        for item in state.items:
            if (item["student_number"], item["workbook"], item["item_key_digest"]) not in state.newest:
                unanswered[item["student_number"]] = unanswered.get(item["student_number"], 0) + 1
        listed = False
        for student, status in sorted(state.students.items()):
            if status != "unconfirmed":
                continue
            listed = True
            detail = f"收訖明細尚有 {unanswered.get(student, 0)} 項未確認（請學生或家長於期限內回覆正確或有誤）"
            reminders.rows.append(_complete(_homeroom_row(_student(placed, student, state), teachers, detail), deadline, as_of))
        if listed:
            reminders.deadlines.append(deadline)
    for case in state.cases:
        if not case.is_open:
            continue
        due = case.due_date
        deadline = {**base, "deadline_kind": "dispute", "deadline_label": kinds["dispute"]["deadline_label"],
                    "reminder_audience": kinds["dispute"]["reminder_audience"], "deadline_date": due,
                    "days_left": (due - as_of).days}
        student = _student(placed, case.student_number, state, case.class_code)
        detail = (f"第 {case.case_id} 號申訴（{case.workbook}，回覆有誤）處理中：承辦 {case.owner_unit}，"
                  f"處理期限 {roc_date(due, era=True)}" + ("，已逾期" if as_of > due else ""))
        reminders.rows.append(_complete(_homeroom_row(student, teachers, detail), deadline, as_of))
        reminders.disputes.append({
            "school_code": state.school, "academic_year": state.academic_year, "term": state.term,
            "case_id": case.case_id, "workbook": case.workbook, "owner_unit": case.owner_unit,
            "class_code": student["class_code"], "seat_number": student["seat_number"],
            "student_number": case.student_number, "item": case.item_key_shown,
            "replied_date": case.replied_at.date(), "confirmed_by": case.confirmed_by, "is_late": case.is_late,
            "due_date": due, "days_left": (due - as_of).days, "is_overdue": as_of > due,
        })


def _placement(con, school: str, year: int, term: int) -> dict[str, dict]:
    """Each student's class, seat and homeroom teacher in that term (the year's last term for a whole-year 名冊)."""
    found = _records(con, """
        select student_number, class_code, class_name, homeroom_teacher_code, seat_number from marts.fct_student_terms
        where school_code = ? and academic_year = ?
        qualify row_number() over (partition by student_number order by (term = ?) desc, term desc) = 1""",
        [school, year, term])
    return {row["student_number"]: row for row in found}


def _student(placed: dict[str, dict], number: str, state, class_code: str | None = None) -> dict:
    row = placed.get(number)
    if row:
        return row
    seat = next((item["seat_number"] for item in state.items if item["student_number"] == number), None)
    return {"student_number": number, "class_code": class_code or state.classes.get(number), "class_name": None,
            "homeroom_teacher_code": None, "seat_number": seat}


# --- the warehouse tables the dashboard shows --------------------------------------------------------

_DDL = (
    "create schema if not exists ops",
    """create table if not exists ops.reminders (
    school_code VARCHAR, as_of_date DATE, deadline_kind VARCHAR, deadline_label VARCHAR, deadline_date DATE,
    days_left INTEGER, academic_year INTEGER, term INTEGER, audience VARCHAR, recipient_code VARCHAR,
    recipient_name VARCHAR, recipient_role VARCHAR, class_code VARCHAR, class_name VARCHAR, seat_number INTEGER,
    student_number VARCHAR, outcome_id VARCHAR, subject_name VARCHAR, detail VARCHAR, pending_days INTEGER,
    is_overdue BOOLEAN, original_teacher_code VARCHAR, original_teacher_name VARCHAR, proxy_step VARCHAR,
    proxy_chain VARCHAR, generated_at TIMESTAMP
)""",
    """create table if not exists ops.proxy_assignments (
    school_code VARCHAR, as_of_date DATE, outcome_id VARCHAR, academic_year INTEGER, term INTEGER,
    class_code VARCHAR, seat_number INTEGER, student_number VARCHAR, subject_name VARCHAR, submitted_date DATE,
    original_teacher_code VARCHAR, original_teacher_name VARCHAR, original_left_date DATE, proxy_code VARCHAR,
    proxy_name VARCHAR, proxy_step VARCHAR, proxy_chain VARCHAR, generated_at TIMESTAMP
)""",
    # added after warehouses held reminders: the students and items by name
    *(f"alter table ops.{table} add column if not exists {column} VARCHAR"
      for table in ("reminders", "proxy_assignments") for column in ("student_name", "item_label")),
)


def store_reminders(con: duckdb.DuckDBPyConnection, reminders: Reminders) -> None:
    """Replace the schools' rows in ops.reminders and ops.proxy_assignments by this run's (one transaction)."""
    generated_at = dt.datetime.now().replace(microsecond=0)
    for ddl in _DDL:
        con.execute(ddl)
    con.execute("begin transaction")
    try:
        for table, columns, rows in (("ops.reminders", REMINDER_COLUMNS, reminders.rows),
                                     ("ops.proxy_assignments", PROXY_COLUMNS, reminders.proxies)):
            for school in reminders.schools:
                con.execute(f"delete from {table} where school_code = ?", [school])
            if rows:
                placeholders = ", ".join("?" for _ in range(len(columns) + 1))
                con.executemany(f"insert into {table} ({', '.join(columns)}, generated_at) values ({placeholders})",
                                [[row.get(column) for column in columns] + [generated_at] for row in rows])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
