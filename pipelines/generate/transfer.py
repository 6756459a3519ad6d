"""A cross-school transfer (轉出 → 轉入) between two generated schools, with its ground truth.

One student of the sending school (the second-to-last school, so that with `clean_schools` ≥ 2 both ends
are clean) moves in the last generated term to the receiving school (the last school): the same 身分證號,
出生日期, name and gender at both; 轉出 with its 學籍異動日期 at the sending school, 轉入 the day after at the
receiving school. The sending school is generated first and tells the receiving school's job who moved
and what the student left there (`Leaver`); generation stays deterministic whatever the worker count.

At the sending school the student selects nothing in the transfer year: the year's selection (勾選) is made
where the student is on the register at the selection deadline. At the receiving school the student
selects, besides his own, the certified imported course outcomes and the student-entered imported
performances of the transfer year that pass the content rules, up to the caps, by their ids there
(`<sending school>:<id>`, dbt macros/imported_item_id.sql). Until the package is imported those are
selections of unknown items (R08 查無此成果 for the outcomes), which the truth of the receiving school says,
as it is computed from the deliveries alone; `_truth/transfers.csv` says what the import changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import polars as pl

from pipelines.generate.plan import SchoolPlan
from pipelines.generate.truth import _file_bad, blank, outcome_states, trimmed

NEVER = 10_000  # the persons frame's "never" term index (admin.build_persons)
OUTCOME_ITEM, PERFORMANCE_ITEM = "課程學習成果", "多元表現"
STUDENT_ENTERED = "學生自填"
TRANSFER_SCHEMA = {
    "sending_school_code": pl.String, "sending_student_number": pl.String, "receiving_school_code": pl.String,
    "receiving_student_number": pl.String, "national_id": pl.String, "birth_date": pl.Date,
    "academic_year": pl.Int64, "term": pl.Int64, "transfer_out_date": pl.Date, "transfer_in_date": pl.Date,
    "item_type": pl.String, "sending_item_id": pl.String, "receiving_item_id": pl.String,
    "academic_year_of_item": pl.Int64, "state": pl.String, "is_selected_at_receiving": pl.Boolean,
    "is_exported_at_receiving": pl.Boolean,
}


@dataclass(frozen=True)
class Leaver:
    """The student who moved, as the sending school generated him, and what he left there."""

    sending_code: str
    student_number: str
    national_id: str
    birth_date: date
    student_name: str
    gender_code: int
    cohort: int
    term_index: int
    transfer_out_date: date
    # (item id, academic year, state or entry source, passes the content rules), in id order
    outcomes: tuple[tuple[str, int, str, bool], ...]
    performances: tuple[tuple[str, int, str, bool], ...]


@dataclass(frozen=True)
class Transfer:
    """A school job's part in the transfer: `role` out (sending) or in (receiving, with the leaver)."""

    role: str
    partner_code: str
    leaver: Leaver | None = None


def pair(codes: list[str]) -> tuple[str, str] | None:
    """(sending, receiving) school codes: the last two schools; none with fewer than two."""
    return (codes[-2], codes[-1]) if len(codes) >= 2 else None


def mark_leaver(plan: SchoolPlan, persons: pl.DataFrame) -> pl.DataFrame:
    """Sending school: the first student of the cohort in grade 2 in the last year, present from grade 1 and
    with no other event, leaves (轉出) in the last term. `_transfer` marks him."""
    last = plan.terms[-1]
    quiet = ((pl.col("_cohort") == last.academic_year - 1) & (pl.col("_arrival_ti") < 0)
             & (pl.col("_depart_ti") >= NEVER) & (pl.col("_suspend_ti") < 0) & (pl.col("_repeat_year") >= NEVER)
             & ~pl.col("_early_graduate"))
    chosen = persons.filter(quiet)["_pid"].min()
    if chosen is None:
        return persons.with_columns(pl.lit(False).alias("_transfer"))
    moved = pl.col("_pid") == chosen
    return persons.with_columns(
        pl.when(moved).then(pl.lit(last.index)).otherwise(pl.col("_depart_ti")).alias("_depart_ti"),
        pl.when(moved).then(pl.lit("轉出")).otherwise(pl.col("_depart_kind")).alias("_depart_kind"),
        moved.alias("_transfer"),
    )


def place_arrival(plan: SchoolPlan, persons: pl.DataFrame, leaver: Leaver) -> pl.DataFrame:
    """Receiving school: one of the last term's arrivals (轉入) becomes the leaver: his identity and cohort,
    no other event. `_transfer` marks him."""
    arrivals = persons.filter(pl.col("_arrival_ti") == leaver.term_index)
    same_cohort = arrivals.filter(pl.col("_cohort") == leaver.cohort)
    chosen = (same_cohort if same_cohort.height else arrivals)["_pid"].min()
    if chosen is None:
        return persons.with_columns(pl.lit(False).alias("_transfer"))
    moved = pl.col("_pid") == chosen
    values = {"national_id": leaver.national_id, "birth_date": leaver.birth_date, "student_name": leaver.student_name,
              "gender_code": leaver.gender_code, "_cohort": leaver.cohort, "_depart_ti": NEVER, "_suspend_ti": -NEVER,
              "_repeat_year": NEVER, "_early_graduate": False}
    return persons.with_columns(
        *(pl.when(moved).then(pl.lit(value, dtype=persons.schema[name])).otherwise(pl.col(name)).alias(name)
          for name, value in values.items()),
        moved.alias("_transfer"),
    )


def date_arrival(enrolment: pl.DataFrame, persons: pl.DataFrame, leaver: Leaver) -> pl.DataFrame:
    """Receiving school: the 轉入 is registered the day after the sending school's 轉出."""
    pid = _transfer_pid(persons)
    if pid is None:
        return enrolment
    arrival = (pl.col("_pid") == pid) & (pl.col("_ti") == leaver.term_index)
    return enrolment.with_columns(
        pl.when(arrival).then(pl.lit(leaver.transfer_out_date + timedelta(days=1))).otherwise(pl.col("status_changed_date"))
        .alias("status_changed_date"))


def keep_identity(students: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """The moved student's rows keep his real 身分證號 and 出生日期 whatever defects were injected: the
    receiving school must be able to match the package (another student's defects stay)."""
    pid = _transfer_pid(persons)
    if pid is None:
        return students
    person = persons.filter(pl.col("_pid") == pid).row(0, named=True)
    mine = pl.col("_pid") == pid
    return students.with_columns(
        pl.when(mine).then(pl.lit(person["national_id"])).otherwise(pl.col("national_id")).alias("national_id"),
        pl.when(mine).then(pl.lit(person["birth_date"], dtype=students.schema["birth_date"]))
        .otherwise(pl.col("birth_date")).alias("birth_date"),
    )


def drop_leavers_selections(selections: pl.DataFrame, persons: pl.DataFrame, year: int) -> pl.DataFrame:
    """Sending school: the student who moved selects nothing in the transfer year here."""
    pid = _transfer_pid(persons)
    if pid is None:
        return selections
    return selections.filter(~((pl.col("_pid") == pid) & (pl.col("academic_year") == year)))


def describe_leaver(plan: SchoolPlan, persons: pl.DataFrame, frames: dict[str, pl.DataFrame]) -> Leaver | None:
    """Sending school, after generation: who moved, when, and his items (with whether each passes the content
    rules the receiving school's gate holds a sent item to: R01–R04, R10)."""
    pid = _transfer_pid(persons)
    if pid is None:
        return None
    person = persons.filter(pl.col("_pid") == pid).row(0, named=True)
    last = plan.terms[-1]
    row = frames["students"].filter((pl.col("_pid") == pid) & (pl.col("_ti") == last.index)).row(0, named=True)
    limits = plan.limits
    files_ok = ~(_file_bad("document_file_name", "document_bytes", limits.document_types, limits.document_max_bytes)
                 | _file_bad("video_file_name", "video_bytes", limits.video_types, limits.video_max_bytes))
    summary_ok = ~blank("summary") & (trimmed("summary").str.len_chars() <= limits.summary_max_chars)
    outcomes = (frames["course_outcomes"].filter(pl.col("_pid") == pid)
                .join(outcome_states(frames["certification_events"]), on="outcome_id", how="left")
                .with_columns(pl.col("state").fill_null("未送審"),
                              (summary_ok & files_ok & ~(blank("document_file_name") & blank("video_file_name")))
                              .fill_null(False).alias("_ok"))
                .sort("outcome_id"))
    url_ok = blank("external_url") | trimmed("external_url").str.contains(r"^https?://")
    performances = (frames["diverse_performances"].filter(pl.col("student_number") == person["student_number"])
                    .with_columns((summary_ok & files_ok & url_ok).fill_null(False).alias("_ok")).sort("performance_id"))
    return Leaver(
        sending_code=plan.code, student_number=person["student_number"], national_id=person["national_id"],
        birth_date=person["birth_date"], student_name=person["student_name"], gender_code=int(person["gender_code"]),
        cohort=int(person["_cohort"]), term_index=last.index, transfer_out_date=row["status_changed_date"],
        outcomes=tuple(outcomes.select("outcome_id", "academic_year", "state", "_ok").iter_rows()),
        performances=tuple(performances.select("performance_id", "academic_year", "entry_source", "_ok").iter_rows()),
    )


def imported_selections(plan: SchoolPlan, rng: np.random.Generator, selections: pl.DataFrame,
                        persons: pl.DataFrame, leaver: Leaver) -> pl.DataFrame:
    """Receiving school: the student's 勾選 of his imported items (module docstring), the day before the
    transfer year's selection deadline, within the caps counted with his own selections."""
    pid = _transfer_pid(persons)
    if pid is None:
        return selections
    year = plan.terms[-1].academic_year
    student_number = persons.filter(pl.col("_pid") == pid)["student_number"][0]
    own = selections.filter((pl.col("_pid") == pid) & (pl.col("academic_year") == year))
    rows = []
    for item_type, items, wanted, cap in (
        (OUTCOME_ITEM, leaver.outcomes, "認證通過", plan.limits.course_outcome_selection_cap_per_year),
        (PERFORMANCE_ITEM, leaver.performances, STUDENT_ENTERED, plan.limits.diverse_selection_cap_per_year),
    ):
        taken = own.filter(pl.col("item_type") == item_type)["item_id"].n_unique()
        chosen = [item_id for item_id, item_year, kind, ok in items if item_year == year and kind == wanted and ok]
        rows.extend((item_type, f"{leaver.sending_code}:{item_id}") for item_id in chosen[:max(0, cap - taken)])
    if not rows:
        return selections
    deadline = plan.years[year].selection_deadline - timedelta(days=1)
    hours = rng.integers(8, 20, len(rows))
    added = pl.DataFrame({
        "student_number": [student_number] * len(rows), "academic_year": [year] * len(rows),
        "item_type": [item_type for item_type, _ in rows], "item_id": [item_id for _, item_id in rows],
        "action": ["勾選"] * len(rows),
        "selected_at": [datetime.combine(deadline, time(int(hour))) for hour in hours],
        "_pid": [pid] * len(rows),
    }, schema=selections.schema)
    return pl.concat([selections, added]).sort("selected_at", "item_id", "action")


def transfer_truth(leaver: Leaver, receiving_code: str, frames: dict[str, pl.DataFrame],
                   persons: pl.DataFrame) -> pl.DataFrame:
    """_truth/transfers.csv: one row per item the package carries, with what the receiving school should see
    after importing it: selected there, and exported in its whole-year roster (selected, certified or
    student-entered, passing the content rules)."""
    pid = _transfer_pid(persons)
    if pid is None:
        return pl.DataFrame(schema=TRANSFER_SCHEMA)
    student = frames["students"].filter(pl.col("_pid") == pid).sort("_ti").row(-1, named=True)
    selected = set(frames["selections"].filter((pl.col("_pid") == pid) & (pl.col("action") == "勾選"))["item_id"])
    year, term = student["academic_year"], student["term"]
    rows = []
    for item_type, items, exportable in ((OUTCOME_ITEM, leaver.outcomes, "認證通過"),
                                         (PERFORMANCE_ITEM, leaver.performances, STUDENT_ENTERED)):
        for item_id, item_year, kind, ok in items:
            receiving_id = f"{leaver.sending_code}:{item_id}"
            is_selected = receiving_id in selected
            rows.append((leaver.sending_code, leaver.student_number, receiving_code, student["student_number"],
                         leaver.national_id, leaver.birth_date, year, term, leaver.transfer_out_date,
                         student["status_changed_date"], item_type, item_id, receiving_id, item_year, kind,
                         is_selected, is_selected and kind == exportable and ok))
    return pl.DataFrame(rows, schema=TRANSFER_SCHEMA, orient="row")


def _transfer_pid(persons: pl.DataFrame) -> int | None:
    if "_transfer" not in persons.columns:
        return None
    moved = persons.filter(pl.col("_transfer"))["_pid"]
    return int(moved[0]) if len(moved) else None
