"""The central layout's per-category fields of student-entered 多元表現 (exports.md v2): what a student fills in
beyond the generic columns, with codes from the seeds, each only on the category whose sheet shows it."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.contract import seed_codes
from pipelines.generate import text

# The generator's titles (text.DIVERSE_TITLES) → the code a registrar would give them, per code column.
CODES_BY_TITLE: dict[tuple[str, str], dict[str, str]] = {
    ("檢定證照", "certificate_code"): {"全民英檢": "E001", "日本語能力試驗": "J001", "電腦軟體應用技術士": "T001",
                                   "多益測驗": "E002", "中文打字檢定": "K001"},
    ("彈性學習", "flexible_learning_type_code"): {"自主學習計畫": "1", "選手培訓": "2", "充實增廣課程": "3", "學校特色活動": "5"},
    ("團體活動", "group_activity_type_code"): {"班級活動": "1", "社團活動": "2", "學生自治會活動": "3", "週會講座": "5"},
    ("職場學習", "workplace_learning_type_code"): {"企業參訪": "1", "職場見習": "2", "大學實驗室參訪": "1"},
    ("幹部經歷", "cadre_level"): {"班級幹部": "2", "社團幹部": "3", "校慶籌備委員": "1", "畢業紀念冊編輯": "1", "畢聯會幹部": "1"},
}
SCORED = ("E002",)  # tests that give a score (多益)
PART_RESULTS = ("E001", "E002", "J001")  # tests that report parts (聽力, 閱讀 …)
_NUMBERED = r"（[^（]*）$"  # the numbering distinct_titles adds


def category_fields(rng: np.random.Generator, category: np.ndarray, start: np.ndarray) -> list[pl.Expr]:
    """The per-category columns drawn at random (the codes that follow from the title: `distinct_titles`)."""
    n = len(category)

    def only(categories: tuple[str, ...], values, dtype) -> pl.Expr:
        chosen = pl.Series(np.isin(category, categories))
        return pl.when(chosen).then(pl.lit(pl.Series(values, dtype=dtype))).otherwise(None)

    month = start.astype("datetime64[M]").astype(np.int64) % 12 + 1
    term = np.where((month >= 8) | (month == 1), 1, 2)  # 學期 1 runs from August to January
    levels = np.array(seed_codes("xwalk_competition_levels", "competition_level_code"))
    teams = np.array(seed_codes("xwalk_team_participation", "team_participation_code"))
    scores = rng.integers(24, 198, n) * 5
    parts = [f"聽力 {a}／閱讀 {b}" for a, b in zip(rng.integers(60, 120, n), rng.integers(60, 120, n))]
    return [
        only(("競賽參與",), text.pick(text.COMPETITION_EVENTS, rng, n), pl.String).alias("competition_event"),
        only(("競賽參與",), levels[rng.choice(5, n, p=[0.45, 0.3, 0.1, 0.13, 0.02])], pl.String).alias("competition_level_code"),
        only(("競賽參與",), teams[(rng.random(n) < 0.3).astype(np.int64)], pl.String).alias("team_participation_code"),
        only(("檢定證照",), scores.astype(np.float64), pl.Float64).alias("certificate_score"),
        only(("檢定證照",), parts, pl.String).alias("certificate_part_results"),
        only(("檢定證照",), [f"{x:09d}" for x in rng.integers(0, 10**9, n)], pl.String).alias("certificate_number"),
        only(("彈性學習", "團體活動"), term, pl.Int64).alias("activity_term"),
        only(("彈性學習",), rng.integers(1, 5, n), pl.Int64).alias("periods_per_week"),
        only(("彈性學習",), rng.integers(6, 19, n), pl.Int64).alias("weeks"),
        only(("團體活動",), rng.integers(2, 37, n), pl.Int64).alias("periods"),
        only(("先修課程",), text.pick(text.PRECOURSE_PROGRAMMES, rng, n), pl.String).alias("programme_name"),
        only(("先修課程",), rng.integers(1, 4, n).astype(np.float64), pl.Float64).alias("credits"),
    ]


def distinct_titles(entered: pl.DataFrame) -> pl.DataFrame:
    """One student's entries of a category and year never share a name: each sheet's 項目鍵 is built on it
    (layout.py) and a clean school's keys are unique. A second one is numbered: 社區淨灘活動（二）. Then the
    codes that follow from the name."""
    repeat = pl.col("_k").rank("ordinal").over("academic_year", "student_number", "category", "title")
    numbers = {i: f"（{text.numeral(i)}）" for i in range(2, 100)}
    entered = entered.with_columns(
        pl.when(repeat > 1).then(pl.col("title") + repeat.replace_strict(numbers, default=""))
        .otherwise(pl.col("title")).alias("title"))
    base = pl.col("title").str.replace(_NUMBERED, "")
    entered = entered.with_columns(
        pl.when(pl.col("category") == category).then(base.replace_strict(codes, default=None)).alias(column)
        for (category, column), codes in CODES_BY_TITLE.items()
    ).with_columns(pl.col("cadre_level").cast(pl.Int64))
    return entered.with_columns(
        pl.when(pl.col("certificate_code").is_in(SCORED)).then("certificate_score").alias("certificate_score"),
        pl.when(pl.col("certificate_code").is_in(PART_RESULTS)).then("certificate_part_results")
        .alias("certificate_part_results"),
    )
