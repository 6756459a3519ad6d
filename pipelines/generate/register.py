"""在籍 (R22) in the generator: one predicate that both trims the generated items and lets the truth judge
them, so a school without injected defects never has an item dated after a leaver's 學籍異動日期 and the
truth counts exactly what is left (the gate's definition: dbt macros/on_register.sql, from the same seed).

A term's items (course outcomes) are judged by the student's 學生資料 row of that term; a year's items
(diverse performances, selections) by the latest row of that year, as the gate's models do.
"""

from __future__ import annotations

import polars as pl

from pipelines.contract import seed_rows

ON_REGISTER = tuple(row["enrolment_status"] for row in seed_rows("xwalk_enrolment_statuses")
                    if row["is_on_register_for_term"] == "true")  # hold the whole term; others until their change date
TERM_KEY = ("academic_year", "term", "student_number")
YEAR_KEY = ("academic_year", "student_number")


def on_register(at: str) -> pl.Expr:
    """True when the item dated `at` was made while its student was on the register (null: no row)."""
    return pl.col("enrolment_status").is_in(list(ON_REGISTER)) | (
        pl.col("status_changed_date").is_not_null() & (pl.col(at).dt.date() <= pl.col("status_changed_date")))


def register_rows(students: pl.DataFrame, *, per_term: bool) -> pl.DataFrame:
    """Each student's status row per term (per_term) or the latest one per year, for joining to items."""
    rows = students.unique(subset=list(TERM_KEY), keep="last", maintain_order=True)
    if not per_term:
        rows = rows.sort("term").unique(subset=list(YEAR_KEY), keep="last", maintain_order=True)
    return rows.select(*(TERM_KEY if per_term else YEAR_KEY), "enrolment_status", "status_changed_date")


def keep_on_register(items: pl.DataFrame, students: pl.DataFrame, at: str, *, per_term: bool,
                     spare: int = 0) -> pl.DataFrame:
    """The items made while their student was on the register, plus the first `spare` made after (R22
    injected: a school with errors keeps one, so the gate's R22 is exercised). An item without a 學生資料
    row is kept: that is another rule's business, and the truth still judges it."""
    rows = register_rows(students, per_term=per_term)
    key = list(TERM_KEY if per_term else YEAR_KEY)
    joined = items.join(rows, on=key, how="left", maintain_order="left")
    keep = on_register(at) | pl.col("enrolment_status").is_null()
    spared = (~keep).cum_sum() <= spare  # the first `spare` off-register items, in the items' order
    return joined.filter(keep | spared).drop("enrolment_status", "status_changed_date")
