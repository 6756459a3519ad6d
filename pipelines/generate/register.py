"""在籍 (R22) in the generator: one predicate that both trims the generated items and lets the truth judge
them, so a school without injected defects never has an item made off the register and the truth counts
exactly what is left. It mirrors the warehouse's one definition (dbt int_student_terms_classified, read by
the 學生資料 roster and by R22 through macros/on_register.sql), from the same seed columns:

- listed (is_on_register): every 學生資料 row except a leaver's (is_leaver) dated before the term's first day;
- on_register_until: the 學籍異動日期 of a status that ends attendance (ends_attendance), else null.

A term's items (course outcomes) are judged by the student's row of that term; a year's items (diverse
performances, selections) by the latest listed row of that year, as the gate's models do.
"""

from __future__ import annotations

import polars as pl

from pipelines.contract import seed_rows
from pipelines.roc import ROC_OFFSET

_STATUSES = seed_rows("xwalk_enrolment_statuses")
LEAVERS = tuple(row["enrolment_status"] for row in _STATUSES if row["is_leaver"] == "true")
ENDING_ATTENDANCE = tuple(row["enrolment_status"] for row in _STATUSES if row["ends_attendance"] == "true")
TERM_KEY = ("academic_year", "term", "student_number")
YEAR_KEY = ("academic_year", "student_number")


def term_start(year: pl.Expr, term: pl.Expr) -> pl.Expr:
    """August 1 (term 1) or February 1 (term 2) of the 學年度: dbt's term_start_date."""
    gregorian = year + ROC_OFFSET
    return pl.when(term == 1).then(pl.date(gregorian, 8, 1)).otherwise(pl.date(gregorian + 1, 2, 1))


def listed() -> pl.Expr:
    """is_on_register: the 學生資料 row is on its term's register (the roster lists it)."""
    left_before = (pl.col("enrolment_status").is_in(list(LEAVERS))
                   & (pl.col("status_changed_date") < term_start(pl.col("academic_year"), pl.col("term"))))
    return ~left_before.fill_null(False)


def on_register_until() -> pl.Expr:
    """The last day on the register (休學, 轉出, 退學 with a 學籍異動日期), else null = through the term."""
    return pl.when(pl.col("enrolment_status").is_in(list(ENDING_ATTENDANCE))).then(pl.col("status_changed_date"))


def on_register(at: str) -> pl.Expr:
    """True when the item dated `at` was made while its student was on the register (null: no row), over the
    columns register_rows gives."""
    return pl.col("is_on_register") & (
        pl.col("on_register_until").is_null() | (pl.col(at).dt.date() <= pl.col("on_register_until")))


def register_rows(students: pl.DataFrame, *, per_term: bool) -> pl.DataFrame:
    """Each student's 在籍 per term (per_term) or per year from the latest listed row (a student with rows
    but none listed that year: the latest row, not listed), for joining to items."""
    rows = (students.unique(subset=list(TERM_KEY), keep="last", maintain_order=True)
            .with_columns(listed().alias("is_on_register"), on_register_until().alias("on_register_until")))
    if not per_term:
        rows = rows.sort("is_on_register", "term").unique(subset=list(YEAR_KEY), keep="last", maintain_order=True)
    return rows.select(*(TERM_KEY if per_term else YEAR_KEY), "is_on_register", "on_register_until")


def keep_on_register(items: pl.DataFrame, students: pl.DataFrame, at: str, *, per_term: bool,
                     spare: int = 0) -> pl.DataFrame:
    """The items made while their student was on the register, plus the first `spare` made after (R22
    injected: a school with errors keeps one, so the gate's R22 is exercised). An item without a 學生資料
    row is kept: that is another rule's business, and the truth still judges it."""
    rows = register_rows(students, per_term=per_term)
    key = list(TERM_KEY if per_term else YEAR_KEY)
    joined = items.join(rows, on=key, how="left", maintain_order="left")
    keep = on_register(at) | pl.col("is_on_register").is_null()
    spared = (~keep).cum_sum() <= spare  # the first `spare` off-register items, in the items' order
    return joined.filter(keep | spared).drop("is_on_register", "on_register_until")
