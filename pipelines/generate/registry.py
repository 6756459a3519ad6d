"""What contract v2 adds to the admin system's files (exports.md v2): the students' optional attributes,
the terms a 補修/重修/重讀/轉學轉科 record stands for with their codes, 是否採計學分 as 1/2/3, and 借讀.

Runs on the admin frames after they are built, on random streams of its own, so the rows the other
builders make (and every rule's truth) stay what they were. A school in the old layout
(``SchoolPlan.legacy_layout``) delivers none of it: 是否採計學分 as 1/0, 班別 as text, the new columns empty
and no 借讀 rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.generate.admin import np_date
from pipelines.generate.codes import school_codes
from pipelines.generate.plan import SchoolPlan

# 原住民族別 → a dialect students sit the 族語認證 in (one of each people's dialects)
DIALECTS = {
    "01": ("南勢阿美語", "秀姑巒阿美語", "海岸阿美語"), "02": ("賽考利克泰雅語", "澤敖利泰雅語"), "03": ("東排灣語", "北排灣語"),
    "04": ("郡群布農語", "卓群布農語"), "05": ("南王卑南語",), "06": ("東魯凱語",), "07": ("阿里山鄒語",), "08": ("賽夏語",),
    "09": ("雅美語",), "12": ("太魯閣語",),
}
PEOPLES = tuple(DIALECTS)
PEOPLE_WEIGHTS = np.array([36, 18, 20, 12, 3, 3, 2, 2, 2, 2], dtype=float)
SPECIAL_IDENTITIES = (None, "1", "2", "3", "6")  # none, 原住民, 身心障礙, 僑生, 派外人員子女
SPECIAL_WEIGHTS = np.array([0.92, 0.04, 0.025, 0.01, 0.005])
ADMISSION_METHODS = ("1", "2", "3", "4", "8", "9")
ADMISSION_WEIGHTS = np.array([0.72, 0.08, 0.08, 0.05, 0.04, 0.03])
EXPERIMENTAL_CLASS = "雙語實驗班"
CLASS_TYPE = "1"  # 普通班 (xwalk_class_types)
CREDIT_COUNTED, CREDIT_NOT_COUNTED, CREDIT_NONE = "1", "2", "3"  # xwalk_credit_counted_codes
LEGACY_FLAGS = {CREDIT_COUNTED: "1", CREDIT_NOT_COUNTED: "0", CREDIT_NONE: "0"}
VISITING_SHARE = 0.01  # students of grade 2-3 studying at another school in a term


def add_student_attributes(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame) -> pl.DataFrame:
    """特殊身分別 … 入學方式 per person (the same every term), 班別 as a code."""
    if plan.legacy_layout:
        return students
    pids = np.sort(students["_pid"].unique().to_numpy())
    n = len(pids)
    special = np.array(SPECIAL_IDENTITIES, dtype=object)[rng.choice(len(SPECIAL_IDENTITIES), n, p=SPECIAL_WEIGHTS)]
    indigenous = special == "1"
    people = np.array(PEOPLES)[rng.choice(len(PEOPLES), n, p=PEOPLE_WEIGHTS / PEOPLE_WEIGHTS.sum())]
    dialect = np.array([DIALECTS[code][int(k) % len(DIALECTS[code])] for code, k in zip(people, rng.integers(0, 3, n))])
    certified = indigenous & (rng.random(n) < 0.6)
    exam_year = plan.terms[0].academic_year - rng.integers(0, 3, n)
    valid_until = np.array([np_date(plan.terms[-1].closing)] * n) + rng.integers(200, 1500, n).astype("timedelta64[D]")
    attributes = pl.DataFrame({
        "_pid": pids,
        "special_identity_code": pl.Series(special.tolist(), dtype=pl.String),
        "indigenous_people_code": pl.Series(np.where(indigenous, people, None).tolist(), dtype=pl.String),
        "indigenous_status_code": pl.Series(np.where(indigenous, np.where(rng.random(n) < 0.55, "1", "2"), None).tolist(),
                                            dtype=pl.String),
        "indigenous_language_dialect": pl.Series(np.where(certified, dialect, None).tolist(), dtype=pl.String),
        "indigenous_language_exam_year": pl.Series(np.where(certified, exam_year, None).tolist(), dtype=pl.Int64),
        "indigenous_language_valid_until": pl.Series(valid_until).cast(pl.Date),
        "_certified": certified,
        "admission_method_code": np.array(ADMISSION_METHODS)[rng.choice(len(ADMISSION_METHODS), n, p=ADMISSION_WEIGHTS)],
    }).with_columns(pl.when("_certified").then(pl.col("indigenous_language_valid_until")).alias("indigenous_language_valid_until"))
    # one class per grade is the school's 實驗班 when it runs one
    has_experimental = plan.index % 3 == 0
    return students.join(attributes.drop("_certified"), on="_pid", how="left", maintain_order="left").with_columns(
        pl.lit(CLASS_TYPE).alias("class_type"),
        pl.when(pl.lit(has_experimental) & pl.col("class_code").str.ends_with("01"))
        .then(pl.lit(EXPERIMENTAL_CLASS)).otherwise(None).alias("experimental_class_name"),
    )


def _origin(records: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """(origin year, origin term): 重修/重讀 the same term a year before, 補修/轉學轉科 the term before."""
    year, term = pl.col("academic_year"), pl.col("term")
    a_year_before = pl.col("record_kind").is_in(["重修", "重讀"])
    term_before = pl.col("record_kind").is_in(["補修", "轉學轉科"])
    origin_year = (pl.when(a_year_before).then(year - 1)
                   .when(term_before).then(pl.when(term == 2).then(year).otherwise(year - 1)))
    origin_term = pl.when(a_year_before).then(term).when(term_before).then(pl.when(term == 2).then(1).otherwise(2))
    return origin_year, origin_term


def add_course_record_fields(plan: SchoolPlan, rng: np.random.Generator, records: pl.DataFrame) -> pl.DataFrame:
    """是否採計學分 as the roster's code, the origin term and the kind-specific codes."""
    n = records.height
    code = (pl.when(pl.col("credits") <= 0).then(pl.lit(CREDIT_NONE))
            .when(pl.col("is_credit_counted") == 1).then(pl.lit(CREDIT_COUNTED)).otherwise(pl.lit(CREDIT_NOT_COUNTED)))
    if plan.legacy_layout:
        return records.with_columns(code.replace_strict(LEGACY_FLAGS).alias("credit_counted_code"))
    origin_year, origin_term = _origin(records)
    kind = pl.col("record_kind")
    make_up = pl.lit(pl.Series(np.array(["1", "2", "3", "4"])[rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])]))
    retake = pl.lit(pl.Series(np.array(["1", "2", "3", "4"])[rng.choice(4, n, p=[0.45, 0.35, 0.15, 0.05])]))
    identity = pl.lit(pl.Series(np.where(rng.random(n) < 0.8, "1", "2")))
    return records.with_columns(
        code.alias("credit_counted_code"),
        origin_year.cast(pl.Int64).alias("origin_academic_year"),
        origin_term.cast(pl.Int64).alias("origin_term"),
        pl.when(kind == "補修").then(make_up).alias("make_up_method_code"),
        pl.when(kind == "重修").then(retake).alias("retake_method_code"),
        pl.when(kind == "轉學轉科").then(identity).alias("transfer_identity_code"),
    )


def build_visiting_studies(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame) -> pl.DataFrame:
    """借讀: a few attending grade 2-3 students a term study at another school, applied for the whole term."""
    columns = ["academic_year", "term", "student_number", "host_school_code", "host_cluster_code", "host_program_code",
               "visiting_code", "application_start_date", "application_end_date"]
    if plan.legacy_layout:
        return pl.DataFrame(schema={**{name: pl.String for name in columns}, "academic_year": pl.Int64, "term": pl.Int64,
                                    "application_start_date": pl.Date, "application_end_date": pl.Date})
    hosts = [code for code in school_codes(40) if code != plan.code]
    candidates = students.filter(pl.col("_attending") & (pl.col("grade") >= 2)).sort("_ti", "student_number")
    chosen = candidates.filter(pl.Series(rng.random(candidates.height) < VISITING_SHARE))
    k = chosen.height
    starts = np.array([np_date(plan.terms[ti].start) for ti in chosen["_ti"].to_list()], dtype="datetime64[D]")
    ends = np.array([np_date(plan.terms[ti].closing) for ti in chosen["_ti"].to_list()], dtype="datetime64[D]")
    return chosen.with_columns(
        pl.Series("host_school_code", np.array(hosts)[rng.integers(0, len(hosts), k)], dtype=pl.String),
        pl.lit("00").alias("host_cluster_code"),
        pl.lit("101").alias("host_program_code"),
        pl.Series("visiting_code", rng.choice(["1", "2"], k, p=[0.8, 0.2]), dtype=pl.String),
        pl.Series("application_start_date", starts - np.timedelta64(7, "D")).cast(pl.Date),
        pl.Series("application_end_date", ends).cast(pl.Date),
    ).select("_ti", "_pid", *columns)
