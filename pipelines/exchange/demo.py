"""`make demo`'s transfer: the generated cross-school transfer (pipelines/generate/transfer.py) moved for real.

The sending school exports the student's package and the receiving school imports it with the same
commands a registrar runs (`portfolio exchange export|import`, audited at both ends), then the receiving
school alone is rebuilt (a one-school build: seconds), so that its gate and exports see the student's
items. One line then says what moved, read from the receiving school's marts.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from pipelines.settings import Settings

TRANSFERS_TRUTH = ("_truth", "transfers.csv")  # written by pipelines.generate beside the deliveries


@dataclass(frozen=True)
class Moved:
    sending_school: str
    sending_student: str
    receiving_school: str
    receiving_student: str


def generated_transfer(settings: Settings) -> Moved | None:
    """Who the generator moved between two of the demo's schools (none: no transfer was generated)."""
    path = settings.source.joinpath(*TRANSFERS_TRUTH)
    if not path.is_file():
        return None
    rows = pl.read_csv(path, infer_schema_length=0)
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    return Moved(row["sending_school_code"], row["sending_student_number"], row["receiving_school_code"],
                 row["receiving_student_number"])


def _exchange(settings: Settings, **arguments) -> int:
    from pipelines.exchange.cli import run

    return run(argparse.Namespace(warehouse=settings.warehouse, out=None, **arguments))


def run_transfer(settings: Settings, build: Callable[[Settings, list[str]], bool]) -> str | None:
    """Export, import and rebuild the receiving school; the line saying what moved, or None when there is no
    generated transfer or a step failed (its own message is printed)."""
    moved = generated_transfer(settings)
    if moved is None:
        return None
    if _exchange(settings, exchange_action="export", school=moved.sending_school, student=moved.sending_student):
        return None
    # where `exchange export` wrote it (pipelines/exchange/export.py package_path)
    package = next(settings.exchange_dir.joinpath(moved.sending_school).glob(
        f"{moved.sending_school}_{moved.sending_student}_*.zip"))
    if _exchange(settings, exchange_action="import", school=moved.receiving_school, package=package):
        return None
    if not build(settings, [moved.receiving_school]):
        return None
    return describe(settings, moved)


def describe(settings: Settings, moved: Moved) -> str:
    """One line: who moved where and when, what the package brought and what the receiving school sends of it."""
    from pipelines.roc import roc_date
    from pipelines.warehouse import connect

    with connect(settings.warehouse, read_only=True) as con:
        dates = dict(con.execute(
            "select school_code, max(status_changed_date) from marts.fct_student_terms "
            "where (school_code = ? and student_number = ?) or (school_code = ? and student_number = ?) group by 1",
            [moved.sending_school, moved.sending_student, moved.receiving_school, moved.receiving_student]).fetchall())
        outcomes, certified, selected_outcomes = con.execute(
            "select count(*), count(*) filter (where is_certified), count(*) filter (where is_selected) "
            "from marts.fct_course_outcomes where school_code = ? and student_number = ? and origin_school_code = ?",
            [moved.receiving_school, moved.receiving_student, moved.sending_school]).fetchall()[0]
        performances, selected_performances = con.execute(
            "select count(*), count(*) filter (where is_selected) from marts.fct_diverse_performances "
            "where school_code = ? and student_number = ? and origin_school_code = ?",
            [moved.receiving_school, moved.receiving_student, moved.sending_school]).fetchall()[0]

    def when(school: str) -> str:
        value = dates.get(school)
        return roc_date(value, era=True) if isinstance(value, dt.date) else "日期不明"

    return (f"轉學：學號 {moved.sending_student} 於 {when(moved.sending_school)} 自 {moved.sending_school} 轉出，"
            f"{when(moved.receiving_school)} 轉入 {moved.receiving_school}（學號 {moved.receiving_student}）；"
            f"交換包帶來課程學習成果 {outcomes} 件（認證通過 {certified}）、多元表現 {performances} 件，"
            f"學生在 {moved.receiving_school} 勾選其中 {selected_outcomes + selected_performances} 件，"
            f"由 {moved.receiving_school} 的全學年名冊送出")
