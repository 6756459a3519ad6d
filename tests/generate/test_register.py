from __future__ import annotations

from datetime import date, datetime

import polars as pl

from pipelines.generate.register import keep_on_register

STUDENTS = pl.DataFrame({
    "academic_year": [113, 113, 113], "term": [1, 2, 2], "student_number": ["A", "A", "B"],
    "enrolment_status": ["在學", "轉出", "畢業"],
    "status_changed_date": [None, date(2025, 3, 10), date(2025, 1, 20)],
})


def items(*rows: tuple[str, int, datetime]) -> pl.DataFrame:
    return pl.DataFrame({"item_id": [f"I{index}" for index in range(len(rows))],
                         "student_number": [row[0] for row in rows], "academic_year": [113] * len(rows),
                         "term": [row[1] for row in rows], "uploaded_at": [row[2] for row in rows]})


def test_a_leavers_items_stop_at_the_change_date_and_a_graduate_of_an_earlier_term_is_off_the_register():
    # the warehouse's one definition (int_student_terms_classified): 113-2 starts on 2025-02-01, so B's 畢業
    # dated 2025-01-20 is not on 113-2's register; A's 轉出 is, until its 學籍異動日期
    frame = items(("A", 2, datetime(2025, 3, 10, 16)), ("A", 2, datetime(2025, 3, 11, 9)),
                  ("B", 2, datetime(2025, 2, 1, 9)), ("A", 1, datetime(2024, 12, 1, 9)))
    kept = keep_on_register(frame, STUDENTS, "uploaded_at", per_term=True)
    assert kept["item_id"].to_list() == ["I0", "I3"]
    assert kept.columns == frame.columns


def test_a_year_item_is_judged_by_the_latest_row_and_spare_keeps_the_first_off_register_item():
    frame = items(("A", 1, datetime(2024, 10, 1, 9)), ("A", 1, datetime(2025, 4, 1, 9)),
                  ("A", 1, datetime(2025, 5, 1, 9)), ("C", 1, datetime(2025, 5, 1, 9)))
    assert keep_on_register(frame, STUDENTS, "uploaded_at", per_term=False)["item_id"].to_list() == ["I0", "I3"]
    spared = keep_on_register(frame, STUDENTS, "uploaded_at", per_term=False, spare=1)
    assert spared["item_id"].to_list() == ["I0", "I1", "I3"]
