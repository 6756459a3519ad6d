"""After the receipt: the students' confirmations (收訖確認) and the disputes their 有誤 replies open.

The window opens when a term's first receipt is reconciled (`portfolio reconcile`) and closes
`receipt_confirmation_days` (the school's policy) later, on that Asia/Taipei date inclusive. Students (or a
guardian, 確認人 家長) reply per item in platform/收訖確認.csv, which ingestion loads like any event file. A
reply belongs to the term its 名冊 names when named as the file is (`113_1_學生成績名冊`), else to the term
whose window opened last before it; the newest reply per item decides. A reply after the close is still counted, and flagged late.

A student is listed with the items of the latest reconciliation that reached the central database or were
rejected (收訖, 退件). The student is `disputed` when the newest reply to any of them is 有誤, `confirmed`
when every one has a reply and all are 正確, else `unconfirmed`.

Each 有誤 reply to an item with no open case opens a case (submissions.disputes), owned by the unit that
submits that roster (seeds/xwalk_roster_owner_units.csv), due `dispute_days` after the reply. A case ends
when a later revision, submitted after the reply, carries the item changed or no longer carries it (it was
corrected), or when the school answers it with a reason (`portfolio receipts answer`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.contract import seed_rows
from pipelines.export.layout import roster_units, workbook_name_of
from pipelines.identity import mask_national_ids_in_text, national_id_digest

ASKED_OUTCOMES = ("received", "rejected")  # what students are asked to confirm: what the ministry answered


class ConfirmationError(Exception):
    """Nothing to confirm yet (no receipt reconciled for that school, year and term)."""


def _now() -> dt.datetime:
    from pipelines.export.submission import now_taipei

    return now_taipei().replace(tzinfo=None)  # the warehouse keeps Asia/Taipei wall-clock times


def _seed_flags(seed: str, key: str, flag: str) -> frozenset[str]:
    return frozenset(row[key] for row in seed_rows(seed) if row[flag] == "true")


@dataclass
class Case:
    case_id: int
    student_number: str
    class_code: str | None
    workbook: str
    item_key_shown: str | None
    owner_unit: str
    due_date: dt.date
    replied_at: dt.datetime
    is_late: bool
    confirmed_by: str | None
    end: str | None = None  # 更正提交 第 N 版 / 回覆：<reason>; None while open
    sheet: str | None = None

    @property
    def is_open(self) -> bool:
        return self.end is None


@dataclass
class ConfirmationState:
    school: str
    academic_year: int
    term: int
    window_opens: dt.datetime
    window_closes: dt.date
    students: dict[str, str] = field(default_factory=dict)  # 學號 → confirmed | disputed | unconfirmed
    classes: dict[str, str | None] = field(default_factory=dict)  # 學號 → class code
    late_replies: int = 0
    guardian_replies: int = 0
    unmatched_replies: int = 0  # replies naming no item the students were asked about
    items: list[dict[str, Any]] = field(default_factory=list)  # what each student is asked to confirm
    newest: dict[tuple, dict[str, Any]] = field(default_factory=dict)  # (學號, 名冊, 項目鍵 digest) → newest reply
    cases: list[Case] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(value == state for value in self.students.values())

    def summary(self) -> dict[str, Any]:
        return {
            "students": len(self.students), "confirmed": self.count("confirmed"), "disputed": self.count("disputed"),
            "unconfirmed": self.count("unconfirmed"), "open_disputes": sum(case.is_open for case in self.cases),
            "window_closes": self.window_closes.isoformat(),
        }


def policy_days(con, school: str) -> tuple[int, int]:
    from pipelines.policy import DEFAULT_POLICY
    from pipelines.warehouse import table_exists

    if table_exists(con, "raw", "school_policies"):
        found = con.execute("""select receipt_confirmation_days, dispute_days from raw.school_policies
                               where school_code = ? order by loaded_at desc limit 1""", [school]).fetchall()
        if found and found[0][0] is not None:
            return int(found[0][0]), int(found[0][1])
    return DEFAULT_POLICY.receipt_confirmation_days, DEFAULT_POLICY.dispute_days


def _replies(con, school: str, year: int, term: int, opens: dt.datetime,
             next_opens: dt.datetime | None) -> list[dict[str, Any]]:
    from pipelines.export.store import records
    from pipelines.warehouse import table_exists

    if not table_exists(con, "raw", "receipt_confirmations"):
        return []
    rows = records(con, """
        select distinct "學號" as student_number, "名冊" as workbook, "項目鍵" as item_key, "確認結果" as result,
               "說明" as note, "確認時間" as confirmed_at, "確認人" as confirmed_by
        from raw.receipt_confirmations where school_code = ? and "確認時間" >= ?""", [school, opens])
    kept = []
    for row in rows:
        named = re.match(r"\s*(\d{2,3})_([0-2])_", row["workbook"])
        if named:  # 名冊 as the file is named says its term: that decides, whatever the time
            if (int(named[1]), int(named[2])) != (year, term):
                continue
        elif next_opens is not None and row["confirmed_at"] >= next_opens:
            continue
        row["workbook"] = workbook_name_of(row["workbook"])
        row["item_key_digest"] = national_id_digest(row["item_key"])
        kept.append(row)
    return sorted(kept, key=lambda row: row["confirmed_at"])


def evaluate(warehouse: Path, school: str, year: int, term: int) -> ConfirmationState:
    """The term's confirmation state; new cases are recorded in the warehouse."""
    from pipelines.export.store import SCHEMA, create_submissions_schema, records
    from pipelines.warehouse import connect

    with connect(warehouse) as con:
        create_submissions_schema(con)
        windows = con.execute(f"""select academic_year, term, min(reconciled_at) from {SCHEMA}.reconciliations
                                  where school_code = ? group by all order by 3""", [school]).fetchall()
        opens = next((start for y, t, start in windows if (y, t) == (year, term)), None)
        if opens is None:
            raise ConfirmationError(f"{school} {year}_{term}：尚未匯入收訖明細（先 portfolio reconcile），確認期間尚未開始")
        next_opens = min((start for _, _, start in windows if start > opens), default=None)
        confirmation_days, dispute_days = policy_days(con, school)
        state = ConfirmationState(school, year, term, opens, opens.date() + dt.timedelta(days=confirmation_days))
        [(reconciliation_id,)] = con.execute(f"""select reconciliation_id from {SCHEMA}.reconciliations
            where school_code = ? and academic_year = ? and term = ?
            order by reconciled_at desc, reconciliation_id desc limit 1""", [school, year, term]).fetchall()
        items = records(con, f"""
            select reconciled.student_number, reconciled.class_code, reconciled.seat_number, reconciled.workbook,
                   reconciled.sheet, reconciled.item_key_shown, reconciled.outcome, reconciled.reason,
                   submitted.item_key_digest, submitted.revision
            from {SCHEMA}.reconciliation_items as reconciled
            inner join {SCHEMA}.items as submitted
                on submitted.submission_id = reconciled.submission_id and submitted.workbook = reconciled.workbook
                and submitted.sheet = reconciled.sheet and submitted.sheet_row = reconciled.sheet_row
            where reconciled.reconciliation_id = ? and reconciled.outcome in ({", ".join("?" * len(ASKED_OUTCOMES))})
                and reconciled.student_number is not null""", [reconciliation_id, *ASKED_OUTCOMES])
        replies = _replies(con, school, year, term, opens, next_opens)
        _judge(state, items, replies)
        _record_cases(con, state, items, replies, dispute_days)
        _close_cases(con, state)
        _store_state(con, state)
    return state


def evaluate_all(warehouse: Path, schools: list[str] | None = None) -> list[ConfirmationState]:
    """Evaluate every term with a reconciled receipt (of `schools`, default all): what a build does before
    publishing, so that replies it loaded open their cases and reach the dashboards."""
    from pipelines.export.store import SCHEMA
    from pipelines.warehouse import connect, table_exists

    with connect(warehouse, read_only=True) as con:
        if not table_exists(con, SCHEMA, "reconciliations"):
            return []
        terms = con.execute(f"select distinct school_code, academic_year, term from {SCHEMA}.reconciliations "
                            "order by all").fetchall()
    return [evaluate(warehouse, school, year, term) for school, year, term in terms if not schools or school in schools]


def _store_state(con, state: ConfirmationState) -> None:
    """The evaluation as the dashboards read it (submissions.confirmation_*), replacing the term's earlier one."""
    from pipelines.export.store import SCHEMA, append

    key = {"school_code": state.school, "academic_year": state.academic_year, "term": state.term}
    seats = {item["student_number"]: item["seat_number"] for item in state.items}
    open_per_student: dict[str, int] = defaultdict(int)
    for case in state.cases:
        open_per_student[case.student_number] += case.is_open
    summary = state.summary()
    con.execute("begin transaction")
    for table in ("confirmation_terms", "confirmation_students", "confirmation_cases"):
        con.execute(f"delete from {SCHEMA}.{table} where school_code = ? and academic_year = ? and term = ?",
                    [state.school, state.academic_year, state.term])
    append(con, "confirmation_terms", [{
        **key, **{name: summary[name] for name in ("students", "confirmed", "disputed", "unconfirmed", "open_disputes")},
        "window_opens": state.window_opens, "window_closes": state.window_closes,
        "closed_disputes": len(state.cases) - summary["open_disputes"], "late_replies": state.late_replies,
        "guardian_replies": state.guardian_replies, "evaluated_at": _now(),
    }])
    append(con, "confirmation_students", [{
        **key, "student_number": number, "class_code": state.classes.get(number), "seat_number": seats.get(number),
        "state": value, "open_disputes": open_per_student.get(number, 0),
    } for number, value in sorted(state.students.items())])
    append(con, "confirmation_cases", [{
        **key, "case_id": case.case_id, "student_number": case.student_number, "class_code": case.class_code,
        "seat_number": seats.get(case.student_number), "workbook": case.workbook, "sheet": case.sheet,
        "item_key_shown": case.item_key_shown, "replied_at": case.replied_at, "confirmed_by": case.confirmed_by,
        "is_late": case.is_late, "owner_unit": case.owner_unit, "due_date": case.due_date, "is_open": case.is_open,
        "ended": case.end,
    } for case in state.cases])
    con.execute("commit")


def _judge(state: ConfirmationState, items: list[dict[str, Any]], replies: list[dict[str, Any]]) -> None:
    disputing = _seed_flags("xwalk_confirmation_results", "result", "is_dispute")
    guardians = _seed_flags("xwalk_confirmers", "confirmed_by", "is_guardian")
    asked: dict[str, set[tuple]] = defaultdict(set)
    for item in items:
        asked[item["student_number"]].add((item["workbook"], item["item_key_digest"]))
        state.classes[item["student_number"]] = item["class_code"]
    newest: dict[tuple, dict[str, Any]] = {}
    for reply in replies:
        item = (reply["workbook"], reply["item_key_digest"])
        if item not in asked.get(reply["student_number"], ()):
            state.unmatched_replies += 1
            continue
        state.late_replies += reply["confirmed_at"].date() > state.window_closes
        state.guardian_replies += reply["confirmed_by"] in guardians
        newest[(reply["student_number"], *item)] = reply  # replies come oldest first
    state.items, state.newest = items, newest
    for student, student_items in asked.items():
        results = [newest.get((student, *item)) for item in student_items]
        if any(reply and reply["result"] in disputing for reply in results):
            state.students[student] = "disputed"
        elif all(results):
            state.students[student] = "confirmed"
        else:
            state.students[student] = "unconfirmed"


def _record_cases(con, state: ConfirmationState, items: list[dict[str, Any]], replies: list[dict[str, Any]],
                  dispute_days: int) -> None:
    """Open a case for each 有誤 reply to an item that has no open case at that moment."""
    from pipelines.export.store import SCHEMA, append, records

    disputing = _seed_flags("xwalk_confirmation_results", "result", "is_dispute")
    by_item = {(item["student_number"], item["workbook"], item["item_key_digest"]): item for item in items}
    known = records(con, f"""select * from {SCHEMA}.disputes where school_code = ? and academic_year = ? and term = ?
                             order by case_id""", [state.school, state.academic_year, state.term])
    recorded = {(case["student_number"], case["workbook"], case["item_key_digest"], case["replied_at"]) for case in known}
    next_id = con.execute(f"select coalesce(max(case_id), 0) + 1 from {SCHEMA}.disputes").fetchall()[0][0]
    units, new = roster_units(), []
    for reply in replies:
        key = (reply["student_number"], reply["workbook"], reply["item_key_digest"])
        item = by_item.get(key)
        if item is None or reply["result"] not in disputing or (*key, reply["confirmed_at"]) in recorded:
            continue
        earlier = [case for case in known + new if (case["student_number"], case["workbook"], case["item_key_digest"]) == key]
        if earlier and not _ended_before(con, earlier[-1], reply["confirmed_at"]):
            continue
        new.append({
            "case_id": next_id, "school_code": state.school, "academic_year": state.academic_year, "term": state.term,
            "revision": item["revision"], "student_number": key[0], "class_code": item["class_code"],
            "seat_number": item["seat_number"], "workbook": key[1], "sheet": item["sheet"],
            "item_key_shown": item["item_key_shown"], "item_key_digest": key[2],
            "note": mask_national_ids_in_text(reply["note"] or ""), "replied_at": reply["confirmed_at"],
            "confirmed_by": reply["confirmed_by"], "is_late": reply["confirmed_at"].date() > state.window_closes,
            "owner_unit": units.get(key[1], ""), "due_date": reply["confirmed_at"].date() + dt.timedelta(days=dispute_days),
            "opened_at": _now(),
        })
        next_id += 1
    append(con, "disputes", new)


def _resolution(con, case: dict[str, Any]) -> tuple[str, dt.datetime] | None:
    """How and when a case ended: the school's answer, or the first later revision that corrected the item."""
    from pipelines.export.store import SCHEMA

    answer = con.execute(f"""select reason, answered_at from {SCHEMA}.dispute_answers where case_id = ?
                             order by answered_at limit 1""", [case["case_id"]]).fetchall()
    ends = [(f"回覆：{answer[0][0]}", answer[0][1])] if answer else []
    disputed_rows = con.execute(f"""
        select row_digest from {SCHEMA}.items
        where school_code = ? and academic_year = ? and term = ? and revision = ?
            and student_number = ? and workbook = ? and item_key_digest = ?""",
        [case["school_code"], case["academic_year"], case["term"], case["revision"], case["student_number"],
         case["workbook"], case["item_key_digest"]]).fetchall()
    later = con.execute(f"""
        select submissions.revision, submissions.submitted_at,
               list(items.row_digest) filter (where items.student_number = ? and items.workbook = ?
                                               and items.item_key_digest = ?) as rows
        from {SCHEMA}.submissions as submissions
        left join {SCHEMA}.items as items on items.submission_id = submissions.submission_id
        where submissions.school_code = ? and submissions.academic_year = ? and submissions.term = ?
            and submissions.revision > ? and submissions.submitted_at > ?
        group by all order by submissions.revision""",
        [case["student_number"], case["workbook"], case["item_key_digest"], case["school_code"], case["academic_year"],
         case["term"], case["revision"], case["replied_at"]]).fetchall()
    before = sorted((row for (row,) in disputed_rows), key=str)
    for revision, submitted_at, rows in later:
        if None not in before and sorted(row for row in rows or [] if row) != before:
            ends.append((f"更正提交 第 {revision} 版", submitted_at))
            break
    return min(ends, key=lambda end: end[1]) if ends else None


def _ended_before(con, case: dict[str, Any], moment: dt.datetime) -> bool:
    end = _resolution(con, case)
    return end is not None and end[1] <= moment


def _close_cases(con, state: ConfirmationState) -> None:
    from pipelines.export.store import SCHEMA, records

    for case in records(con, f"""select * from {SCHEMA}.disputes where school_code = ? and academic_year = ? and term = ?
                                 order by case_id""", [state.school, state.academic_year, state.term]):
        end = _resolution(con, case)
        state.cases.append(Case(
            case["case_id"], case["student_number"], case["class_code"], case["workbook"], case["item_key_shown"],
            case["owner_unit"], case["due_date"], case["replied_at"], case["is_late"], case["confirmed_by"],
            end[0] if end else None, case["sheet"],
        ))


def answer_case(warehouse: Path, case_id: int, reason: str, answered_by: str) -> dict[str, Any]:
    """Record the school's answer to one case; the case's row, or a ConfirmationError when there is none."""
    from pipelines.export.store import SCHEMA, append, create_submissions_schema, records
    from pipelines.warehouse import connect

    reason = mask_national_ids_in_text(reason.strip())
    if not reason:
        raise ConfirmationError("回覆必須說明理由")
    with connect(warehouse) as con:
        create_submissions_schema(con)
        found = records(con, f"select * from {SCHEMA}.disputes where case_id = ?", [case_id])
        if not found:
            raise ConfirmationError(f"沒有第 {case_id} 號申訴案件")
        append(con, "dispute_answers", [{"case_id": case_id, "reason": reason,
                                         "answered_at": _now(), "answered_by": answered_by}])
    return found[0]
