"""The generator's per-category 多元表現 fields (pipelines/generate/diverse.py)."""

from datetime import date

import numpy as np
import polars as pl

from pipelines.contract import FILES_BY_KIND
from pipelines.generate.diverse import category_fields, distinct_titles

SPEC = FILES_BY_KIND["diverse_performances"]
CATEGORIES = np.array(["競賽參與", "檢定證照", "檢定證照", "彈性學習", "團體活動", "職場學習", "幹部經歷", "先修課程", "其他"])
TITLES = ["科學展覽", "多益測驗", "多益測驗", "選手培訓", "社團活動", "職場見習", "班級幹部", "大學先修課程：微積分", "讀書會"]


def _entries() -> pl.DataFrame:
    n = len(CATEGORIES)
    start = np.array([np.datetime64(date(2024, 9, 1) if i % 2 else date(2025, 3, 1), "D") for i in range(n)])
    frame = pl.DataFrame({"academic_year": [113] * n, "student_number": ["S1"] * n, "category": CATEGORIES,
                          "title": TITLES, "_k": list(range(n))})
    return distinct_titles(frame.with_columns(category_fields(np.random.default_rng(1), CATEGORIES, start)))


def test_codes_follow_the_title_and_are_in_their_seeds():
    entries = _entries()
    for column in ("competition_level_code", "team_participation_code", "certificate_code", "flexible_learning_type_code",
                   "group_activity_type_code", "workplace_learning_type_code"):
        values = entries.get_column(column).drop_nulls().to_list()
        assert values and set(values) <= set(SPEC.column(column).codes), column
    rows = {row["title"]: row for row in entries.iter_rows(named=True)}
    assert rows["多益測驗"]["certificate_code"] == "E002" and rows["多益測驗"]["certificate_score"] is not None
    assert rows["選手培訓"]["flexible_learning_type_code"] == "2" and rows["選手培訓"]["activity_term"] == 1
    assert rows["班級幹部"]["cadre_level"] == 2 and rows["社團活動"]["group_activity_type_code"] == "2"


def test_each_field_is_only_on_the_category_whose_sheet_shows_it():
    rows = {row["category"]: row for row in _entries().iter_rows(named=True)}
    assert rows["其他"]["competition_level_code"] is None and rows["其他"]["activity_term"] is None
    assert rows["職場學習"]["certificate_code"] is None and rows["檢定證照"]["workplace_learning_type_code"] is None
    assert rows["競賽參與"]["certificate_number"] is None and rows["先修課程"]["programme_name"]


def test_a_students_second_entry_of_one_name_is_numbered_and_keeps_its_code():
    entries = _entries().filter(pl.col("category") == "檢定證照")
    assert entries.get_column("title").to_list() == ["多益測驗", "多益測驗（二）"]
    assert entries.get_column("certificate_code").to_list() == ["E002", "E002"]
