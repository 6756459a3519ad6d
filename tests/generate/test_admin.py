"""The admin system's generated registry (pipelines/generate/admin.py): the cases the v2 rosters must show."""

import polars as pl

from pipelines.generate.plan import plan_school
from pipelines.generate.school import build_frames


def test_even_a_small_school_has_a_student_leaving_mid_term_a_repeater_and_transfers():
    plan = plan_school(1, "013301", 60, (112, 113), 11, 0.0, False)
    frames = build_frames(plan)
    leavers = frames["students"].filter(pl.col("enrolment_status").is_in(["轉出", "退學"]))
    assert leavers.height >= 1
    for row in leavers.iter_rows(named=True):
        term = plan.terms[row["_ti"]]
        assert term.start <= row["status_changed_date"] <= term.closing
    kinds = set(frames["course_records"]["record_kind"].to_list())
    assert {"重讀", "轉學轉科", "補修"} <= kinds
