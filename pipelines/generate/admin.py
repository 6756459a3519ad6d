"""The admin system's side of one school: students over the terms, teachers, classes, course
records, cadres, counselling sessions, absences and the autobiography uploads.

Frames use the contract's English column names; columns starting with ``_`` are the generator's
own bookkeeping (person id ``_pid``, term index ``_ti``, teacher index ``_tid``...) and are never written.
Every frame is sorted on a unique key before random numbers are attached to its rows, so the
result depends on the seed only.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import polars as pl

from pipelines.contract import seed_codes
from pipelines.generate import text
from pipelines.generate.codes import course_code, unique_national_ids
from pipelines.roc import ROC_OFFSET
from pipelines.generate.plan import ENROLLED, SchoolPlan, TermWindow

# name, 2-character subject code in the course code, 領域, share of teachers
SUBJECTS: tuple[tuple[str, str, str, int], ...] = (
    ("國語文", "01", "語文", 10), ("英語文", "02", "語文", 10), ("數學", "03", "數學", 10),
    ("歷史", "04", "社會", 4), ("地理", "05", "社會", 4), ("公民與社會", "06", "社會", 4),
    ("物理", "07", "自然科學", 4), ("化學", "08", "自然科學", 4), ("生物", "09", "自然科學", 4),
    ("地球科學", "10", "自然科學", 3), ("音樂", "11", "藝術", 2), ("美術", "12", "藝術", 2),
    ("藝術生活", "13", "藝術", 2), ("生命教育", "14", "綜合活動", 2), ("生涯規劃", "15", "綜合活動", 2),
    ("家政", "16", "綜合活動", 2), ("生活科技", "17", "科技", 2), ("資訊科技", "18", "科技", 3),
    ("健康與護理", "19", "健康與體育", 2), ("體育", "20", "健康與體育", 6), ("全民國防教育", "21", "全民國防教育", 2),
    ("第二外國語文", "22", "語文", 2),
)
SUBJECT_INDEX = {name: i for i, (name, *_rest) in enumerate(SUBJECTS)}

# Required (部定必修, category 1) subjects per (grade, term); credits 4 for 國英數, else 2.
REQUIRED: dict[tuple[int, int], tuple[str, ...]] = {
    (1, 1): ("國語文", "英語文", "數學", "歷史", "物理", "體育"),
    (1, 2): ("國語文", "英語文", "數學", "地理", "化學", "體育"),
    (2, 1): ("國語文", "英語文", "數學", "公民與社會", "生物", "體育"),
    (2, 2): ("國語文", "英語文", "數學", "歷史", "地球科學", "體育"),
    (3, 1): ("國語文", "英語文", "數學", "地理", "健康與護理", "體育"),
    (3, 2): ("國語文", "英語文", "公民與社會", "生涯規劃", "全民國防教育", "體育"),
}
# name, teaching subject, category (2 校訂必修, 3 加深加廣, 4 補強性, 5 多元選修, 7 校訂選修)
ELECTIVES: tuple[tuple[str, str, str], ...] = (
    ("專題研究", "國語文", "2"), ("英文閱讀與寫作", "英語文", "3"), ("數學甲", "數學", "3"), ("數學乙", "數學", "3"),
    ("物理（加深加廣）", "物理", "3"), ("化學反應與平衡", "化學", "3"), ("生命科學探究", "生物", "3"),
    ("探究與實作", "地球科學", "3"), ("歷史學探究", "歷史", "3"), ("社會環境議題", "地理", "3"),
    ("民主政治與法律", "公民與社會", "3"), ("數學補強", "數學", "4"), ("英文補強", "英語文", "4"),
    ("程式設計入門", "資訊科技", "5"), ("影像美學", "美術", "5"), ("音樂創作", "音樂", "5"),
    ("生活中的化學", "化學", "5"), ("英語簡報實務", "英語文", "5"), ("社區踏查", "地理", "5"),
    ("創意設計與製作", "生活科技", "5"), ("閱讀與寫作", "國語文", "7"), ("第二外國語文（日語）", "第二外國語文", "7"),
    ("生命教育專題", "生命教育", "7"), ("家政生活實作", "家政", "7"), ("藝術生活實作", "藝術生活", "7"),
    ("運動科學", "體育", "7"),
)
_ATTRIBUTE = {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "7": "6", "9": "A"}
GROUP_ACTIVITY = "團體活動時間"
FLEXIBLE_LEARNING = "彈性學習時間"
ELECTIVE_POOL = 12
ATTENDING = ("在學", "復學", "轉入", "重讀", "畢業")  # statuses whose students take courses that term


def np_date(value: date) -> np.datetime64:
    return np.datetime64(value, "D")


def dates_by(keys: np.ndarray, table: dict[int, date]) -> np.ndarray:
    """``table[key]`` for every key, vectorised (datetime64[D])."""
    known = np.array(sorted(table))
    values = np.array([np_date(table[k]) for k in known], dtype="datetime64[D]")
    return values[np.searchsorted(known, keys)]


def _ts(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Timestamps (whole seconds, datetime64[us]) from days (datetime64[D]) and seconds into the day."""
    return (days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")).astype("datetime64[us]")


def random_days(rng: np.random.Generator, first: np.ndarray | date, last: np.ndarray | date, n: int) -> np.ndarray:
    """Uniform dates in [first, last] (inclusive), as datetime64[D]."""
    first_d = np.asarray(np.datetime64(first, "D") if isinstance(first, date) else first, dtype="datetime64[D]")
    last_d = np.asarray(np.datetime64(last, "D") if isinstance(last, date) else last, dtype="datetime64[D]")
    span = (last_d - first_d).astype(np.int64) + 1
    return first_d + (rng.random(n) * span).astype(np.int64).astype("timedelta64[D]")


def random_times(rng: np.random.Generator, days: np.ndarray, start_hour: int = 7, end_hour: int = 24) -> np.ndarray:
    seconds = rng.integers(start_hour * 3600, end_hour * 3600, len(days))
    return _ts(days, seconds)


@dataclass
class Admin:
    persons: pl.DataFrame
    students: pl.DataFrame
    teachers: pl.DataFrame
    classes: pl.DataFrame
    course_records: pl.DataFrame
    cadres: pl.DataFrame
    counselling_sessions: pl.DataFrame
    absences: pl.DataFrame
    autobiographies: pl.DataFrame


# ---------------------------------------------------------------------------------------------
# Students


def build_persons(plan: SchoolPlan, rng: np.random.Generator) -> pl.DataFrame:
    """Everyone who is a student of the school at some generated term, with their life events."""
    terms = plan.terms
    n_terms = len(terms)
    first_year = terms[0].academic_year
    last_year = terms[-1].academic_year
    per_grade = plan.students / 3

    cohorts = np.arange(first_year - 2, last_year + 1)
    sizes = np.maximum(1, np.round(per_grade * rng.uniform(0.93, 1.07, len(cohorts)))).astype(np.int64)
    cohort = np.repeat(cohorts, sizes)
    seq = np.concatenate([np.arange(1, size + 1) for size in sizes])
    arrival = np.full(len(cohort), -1)

    # Transfers in: a few per term (at least one, so every school has 轉學轉科 and 補修 records), into any grade.
    t_cohort, t_arrival = [], []
    for window in terms:
        k = max(1, int(rng.binomial(plan.students, 0.004)))
        grade = rng.integers(1, 4, k)
        t_cohort.append(window.academic_year - grade + 1)
        t_arrival.append(np.full(k, window.index))
    t_cohort_a = np.concatenate(t_cohort).astype(np.int64)
    t_arrival_a = np.concatenate(t_arrival).astype(np.int64)
    order = np.lexsort((t_arrival_a, t_cohort_a))
    t_cohort_a, t_arrival_a = t_cohort_a[order], t_arrival_a[order]
    size_of = dict(zip(cohorts.tolist(), sizes.tolist()))
    t_seq = np.empty(len(t_cohort_a), dtype=np.int64)
    running: dict[int, int] = {}
    for i, c in enumerate(t_cohort_a.tolist()):
        running[c] = running.get(c, 0) + 1
        t_seq[i] = size_of[c] + running[c]
    cohort = np.concatenate([cohort, t_cohort_a])
    seq = np.concatenate([seq, t_seq])
    arrival = np.concatenate([arrival, t_arrival_a])
    n = len(cohort)

    width = max(4, len(str(int(seq.max()))))
    student_number = (
        pl.Series(cohort).cast(pl.String).str.zfill(3) + pl.Series(seq).cast(pl.String).str.zfill(width)
    )
    gender = rng.integers(1, 3, n)
    national_id = unique_national_ids(rng, gender)
    names = text.chinese_names(rng, n)
    birth_base = dates_by(cohort, {int(c): date(int(c) + ROC_OFFSET - 16, 9, 2) for c in np.unique(cohort)})
    birth = birth_base + rng.integers(0, 365, n).astype("timedelta64[D]")

    # Life events, as term indexes. BIG / -BIG mean "never".
    big = 10_000
    first_ti = np.where(arrival >= 0, arrival, np.maximum(0, 2 * (cohort - first_year)))
    last_ti = np.minimum(n_terms - 1, 2 * (cohort + 2 - first_year) + 1)
    span = last_ti - first_ti + 1

    depart_ti = first_ti + (rng.random(n) * span).astype(np.int64)
    can_depart = depart_ti > arrival
    depart_ok = (rng.random(n) < 0.025) & can_depart
    if not depart_ok.any() and can_depart.any():  # every school has a student who leaves mid-term, in its latest term
        candidates = np.flatnonzero(can_depart)
        depart_ok[candidates[np.argmax(depart_ti[candidates])]] = True
    depart_ti = np.where(depart_ok, depart_ti, big)
    depart_kind = np.where(rng.random(n) < 0.6, "轉出", "退學")

    suspend_ti = first_ti + (rng.random(n) * np.maximum(span - 1, 0)).astype(np.int64)
    suspend_ok = (rng.random(n) < 0.012) & (span >= 2) & (suspend_ti + 1 < depart_ti) & (suspend_ti > arrival)
    suspend_ti = np.where(suspend_ok, suspend_ti, -big)

    years = last_year - first_year + 1
    repeat_year = np.full(n, big)
    if years > 1:
        candidate = first_year + 1 + rng.integers(0, years - 1, n)
        before = candidate - 1 - cohort + 1  # grade in the year before repeating
        start_ti = 2 * (candidate - first_year)
        can_repeat = (before >= 1) & (before <= 3) & (arrival < start_ti - 1) & (depart_ti > start_ti + 1) & (suspend_ti < 0)
        repeat_ok = (rng.random(n) < 0.008) & can_repeat
        if not repeat_ok.any() and can_repeat.any():  # every school has a 重讀 case (its 重讀成績 sheet)
            repeat_ok[np.flatnonzero(can_repeat)[0]] = True
        repeat_year = np.where(repeat_ok, candidate, big)
    early_graduate = (rng.random(n) < 0.03) & (repeat_year == big)

    return pl.DataFrame({
        "_pid": np.arange(n),
        "student_number": student_number,
        "national_id": national_id,
        "student_name": names,
        "gender_code": gender,
        "birth_date": birth,
        "_cohort": cohort,
        "_arrival_ti": arrival,
        "_depart_ti": depart_ti,
        "_depart_kind": depart_kind,
        "_suspend_ti": suspend_ti,
        "_repeat_year": repeat_year,
        "_early_graduate": early_graduate,
        "_ability": rng.normal(76, 7, n),
    })


def build_enrolment(plan: SchoolPlan, rng: np.random.Generator, persons: pl.DataFrame) -> pl.DataFrame:
    """One row per person per term they are on the register: grade, status, status date."""
    cohort = persons["_cohort"].to_numpy()
    arrival = persons["_arrival_ti"].to_numpy()
    depart_ti = persons["_depart_ti"].to_numpy()
    depart_kind = persons["_depart_kind"].to_numpy()
    suspend_ti = persons["_suspend_ti"].to_numpy()
    repeat_year = persons["_repeat_year"].to_numpy()
    early = persons["_early_graduate"].to_numpy()
    n = len(cohort)
    last_change = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    frames = []
    for window in plan.terms:
        ti, year, term = window.index, window.academic_year, window.term
        grade = year - cohort + 1 - (year >= repeat_year).astype(np.int64)
        present = (grade >= 1) & (grade <= 3) & (ti >= arrival) & (ti <= depart_ti)
        status = np.full(n, "在學", dtype=object)
        changed = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        start, closing = np_date(window.start), np_date(window.closing)
        length = int((closing - start).astype(int))

        def mark(mask: np.ndarray, label, day: np.ndarray) -> None:
            status[mask] = label if isinstance(label, str) else label[mask]
            changed[mask] = day[mask]

        if term == 1:
            mark(year == repeat_year, "重讀", np.full(n, np_date(date(year + ROC_OFFSET, 8, 1))))
        mark(early & (grade == 3) & (term == 2), "畢業", closing - rng.integers(0, 5, n).astype("timedelta64[D]"))
        mark(ti == arrival, "轉入", start + rng.integers(0, 25, n).astype("timedelta64[D]"))
        mark(ti == suspend_ti + 1, "復學", start + rng.integers(0, 5, n).astype("timedelta64[D]"))
        mark(ti == suspend_ti, "休學", start + rng.integers(0, 30, n).astype("timedelta64[D]"))
        mark(ti == depart_ti, depart_kind, start + rng.integers(10, max(11, length - 10), n).astype("timedelta64[D]"))
        last_change = np.where(np.isnat(changed), last_change, changed)
        idx = np.flatnonzero(present)
        frames.append(pl.DataFrame({
            "_pid": idx, "_ti": np.full(len(idx), ti), "academic_year": np.full(len(idx), year),
            "term": np.full(len(idx), term), "grade": grade[idx], "enrolment_status": status[idx].astype(str),
            "status_changed_date": last_change[idx],
        }))
    rows = pl.concat(frames)
    return rows.with_columns(pl.col("enrolment_status").is_in(ATTENDING).alias("_attending"))


def assign_classes(rng: np.random.Generator, enrolment: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Class (30-40 students) and seat per person and year; late arrivals get the last seats."""
    per_year = (
        enrolment.group_by("_pid", "academic_year")
        .agg(pl.col("grade").first(), pl.col("term").min().alias("_first_term"))
        .sort("academic_year", "_pid")
        .join(persons.select("_pid", "student_number"), on="_pid", how="left", maintain_order="left")
    )
    per_year = per_year.with_columns(pl.Series("_r", rng.random(per_year.height)))
    group = ["academic_year", "grade"]
    per_year = per_year.with_columns(
        pl.len().over(group).alias("_n"), pl.col("_r").rank("ordinal").over(group).alias("_rank"),
    ).with_columns(
        ((pl.col("_n") / 35).round().clip(lower_bound=1)).cast(pl.Int64).alias("_classes"),
    ).with_columns(
        ((pl.col("_rank") - 1) % pl.col("_classes")).alias("_class_index"),
    )
    per_year = per_year.sort("academic_year", "grade", "_class_index", "_first_term", "student_number")
    per_year = per_year.with_columns(
        (pl.int_range(pl.len()).over("academic_year", "grade", "_class_index") + 1).alias("seat_number"),
        (pl.col("grade") * 100 + pl.col("_class_index") + 1).cast(pl.String).alias("class_code"),
    )
    return per_year.select("_pid", "academic_year", "_class_index", "class_code", "seat_number")


def build_students(persons: pl.DataFrame, enrolment: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    students = (
        enrolment.join(classes, on=["_pid", "academic_year"], how="left")
        .join(persons.select("_pid", "student_number", "national_id", "student_name", "gender_code", "birth_date"),
              on="_pid", how="left")
        .with_columns(
            pl.lit("1").alias("division_code"), pl.lit("普通班").alias("class_type"),
            pl.lit("00").alias("cluster_code"), pl.lit("101").alias("program_code"),
        )
        .sort("_ti", "class_code", "seat_number", "student_number")
    )
    return students


# ---------------------------------------------------------------------------------------------
# Teachers


def build_teachers(plan: SchoolPlan, rng: np.random.Generator) -> pl.DataFrame:
    """Teachers with subject, domain, speed of certifying; a few leave during the last term."""
    n_subjects = len(SUBJECTS)
    n_teaching = max(n_subjects + 4, round(plan.students / 14))
    weights = np.array([s[3] for s in SUBJECTS], dtype=float)
    subject = np.concatenate([np.arange(n_subjects),
                              rng.choice(n_subjects, n_teaching - n_subjects, p=weights / weights.sum())])
    rng.shuffle(subject)
    n_past = int(rng.integers(0, 3))  # left before the generated years: no courses
    n_unpaid = int(rng.integers(0, 2))  # 留職停薪: no courses
    subject = np.concatenate([subject, rng.choice(n_subjects, n_past + n_unpaid)])
    n = len(subject)
    status = np.array(["在職"] * n_teaching + ["離職"] * n_past + ["留職停薪"] * n_unpaid, dtype=object)
    teaching = np.arange(n) < n_teaching
    left = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    first, last = plan.terms[0], plan.terms[-1]
    left[n_teaching:n_teaching + n_past] = np_date(first.start) - rng.integers(100, 900, n_past).astype("timedelta64[D]")

    # Current leavers: teach until they leave mid-way through the last term; only subjects with colleagues.
    counts = np.bincount(subject[:n_teaching], minlength=n_subjects)
    candidates = np.flatnonzero(teaching & (counts[subject] >= 2))
    n_leavers = min(len(candidates), int(rng.integers(1, 4)))
    leavers = rng.choice(candidates, n_leavers, replace=False)
    length = (last.closing - last.start).days
    status[leavers] = "離職"
    left[leavers] = np_date(last.start) + (length * rng.uniform(0.3, 0.7, n_leavers)).astype(np.int64).astype("timedelta64[D]")
    leaver = np.zeros(n, dtype=bool)
    leaver[leavers] = True

    numbers = rng.permutation(n) + 1
    codes = np.array([f"T{k:04d}" for k in numbers])
    in_service = teaching & ~leaver
    proxy = np.full(n, None, dtype=object)
    for i in range(n):
        if rng.random() < (1.0 if leaver[i] else 0.7):
            mates = np.flatnonzero(in_service & (subject == subject[i]) & (np.arange(n) != i))
            if len(mates):
                proxy[i] = codes[mates[rng.integers(len(mates))]]
    speed = rng.uniform(0.3, 8.0, n)  # mean days to certify
    return pl.DataFrame({
        "_tid": np.arange(n),
        "teacher_code": codes,
        "teacher_name": text.chinese_names(rng, n),
        "subject": [SUBJECTS[s][0] for s in subject],
        "domain": [SUBJECTS[s][2] for s in subject],
        "employment_status": status.astype(str),
        "left_date": left,
        "designated_proxy_code": pl.Series(proxy.tolist(), dtype=pl.String),
        "_subject": subject,
        "_teaching": teaching,
        "_leaver": leaver,
        "_speed": speed,
    }).sort("_tid")


def finish_teachers(rng: np.random.Generator, teachers: pl.DataFrame, classes: pl.DataFrame,
                    course_records: pl.DataFrame, last_year: int) -> pl.DataFrame:
    """任教年級 from what they taught in the last year; 職務 導師 / 專任教師 plus conveners and the chief."""
    grades = (
        course_records.filter(pl.col("academic_year") == last_year)
        .group_by("_tid").agg(pl.col("course_grade").unique().sort().cast(pl.String).str.join(",").alias("grades_taught"))
    )
    homeroom = set(classes.filter(pl.col("academic_year") == last_year)["homeroom_teacher_code"].to_list())
    teachers = teachers.join(grades, on="_tid", how="left").sort("_tid")
    in_service = teachers.filter(pl.col("_teaching") & ~pl.col("_leaver"))
    convener: set[str] = set()
    for domain in sorted(set(in_service["domain"].to_list())):
        pool = in_service.filter(pl.col("domain") == domain)["teacher_code"].to_list()
        convener.add(pool[int(rng.integers(len(pool)))])
    others = [code for code in in_service["teacher_code"].to_list() if code not in convener]
    chief = others[int(rng.integers(len(others)))] if others else None
    duties = []
    for code in teachers["teacher_code"].to_list():
        parts = ["導師" if code in homeroom else "專任教師"]
        if code in convener:
            parts.append("領域召集人")
        if code == chief:
            parts.append("教學組長")
        duties.append("、".join(parts))
    return teachers.with_columns(pl.Series("duties", duties))


def build_classes(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame,
                  teachers: pl.DataFrame) -> pl.DataFrame:
    """班級 per term; the homeroom teacher is fixed for the year."""
    classes = (
        students.group_by("_ti", "academic_year", "term", "grade", "_class_index", "class_code")
        .agg().sort("_ti", "class_code")
    )
    teaching = teachers.filter(pl.col("_teaching"))["teacher_code"].to_numpy()
    homeroom: dict[tuple[int, str], str] = {}
    for year in sorted(set(classes["academic_year"].to_list())):
        codes = sorted(set(classes.filter(pl.col("academic_year") == year)["class_code"].to_list()))
        order = rng.permutation(len(teaching))
        for i, code in enumerate(codes):
            homeroom[(year, code)] = str(teaching[order[i % len(teaching)]])
    return classes.with_columns(
        pl.struct("academic_year", "class_code").map_elements(
            lambda row: homeroom[(row["academic_year"], row["class_code"])], return_dtype=pl.String,
        ).alias("homeroom_teacher_code"),
        pl.struct("grade", "_class_index").map_elements(
            lambda row: f"{text.numeral(row['grade'])}年{text.numeral(row['_class_index'] + 1)}班",
            return_dtype=pl.String,
        ).alias("class_name"),
    )


# ---------------------------------------------------------------------------------------------
# Course records


@lru_cache(maxsize=None)
def _elective_pool(grade: int, term: int, school_code: str) -> tuple[int, ...]:
    rng = np.random.default_rng([grade, term, zlib.crc32(school_code.encode())])
    return tuple(sorted(rng.choice(len(ELECTIVES), ELECTIVE_POOL, replace=False).tolist()))


def catalogue(school_code: str, year: int, term: int, grade: int, group_activity_credit: bool) -> list[dict]:
    """The courses a grade can take in a term: 6 required, 團體活動, 彈性學習 (slots 1-8), 12 electives (11-22)."""
    plan_year = year - grade + 1  # the cohort's curriculum plan
    grade_term = (grade - 1) * 2 + term
    rows = []
    for slot, name in enumerate(REQUIRED[(grade, term)], start=1):
        rows.append(dict(slot=slot, subject_name=name, subject_key=name, category="1",
                         credits=4.0 if name in ("國語文", "英語文", "數學") else 2.0, fixed=True,
                         code=course_code(plan_year, school_code, "1", grade_term, "1", SUBJECTS[SUBJECT_INDEX[name]][1], slot)))
    ga_attribute = "D" if group_activity_credit else "0"
    rows.append(dict(slot=7, subject_name=GROUP_ACTIVITY, subject_key=GROUP_ACTIVITY, category="8",
                     credits=1.0 if group_activity_credit else 0.0, fixed=True,
                     code=course_code(plan_year, school_code, "8", grade_term, ga_attribute, "90", 7)))
    rows.append(dict(slot=8, subject_name=FLEXIBLE_LEARNING, subject_key=FLEXIBLE_LEARNING, category="9",
                     credits=0.0, fixed=True,
                     code=course_code(plan_year, school_code, "9", grade_term, "A", "91", 8)))
    for position, elective in enumerate(_elective_pool(grade, term, school_code)):
        name, subject_key, category = ELECTIVES[elective]
        rows.append(dict(slot=11 + position, subject_name=name, subject_key=subject_key, category=category,
                         credits=2.0, fixed=False,
                         code=course_code(plan_year, school_code, category, grade_term, _ATTRIBUTE[category],
                                          SUBJECTS[SUBJECT_INDEX[subject_key]][1], 11 + position)))
    for row in rows:
        row.update(academic_year=year, term=term, course_grade=grade)
    return rows


def _previous_term(year: int, term: int, grade: int) -> tuple[int, int, int] | None:
    if term == 2:
        return year, 1, grade
    if grade > 1:
        return year - 1, 2, grade - 1
    return None


def build_course_records(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame,
                         persons: pl.DataFrame, teachers: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    """修課成績: 10-14 courses per attending student and term, plus 重修 and transfer students' 補修/轉學轉科."""
    teaching = teachers.filter(pl.col("_teaching"))
    by_subject: dict[str, np.ndarray] = {
        name: teaching.filter(pl.col("subject") == name)["_tid"].to_numpy() for name, *_ in SUBJECTS
    }
    all_teaching = teaching["_tid"].to_numpy()
    tid_of_code = dict(zip(teachers["teacher_code"].to_list(), teachers["_tid"].to_list()))
    homeroom = {
        (row["academic_year"], row["grade"], row["_class_index"]): tid_of_code[row["homeroom_teacher_code"]]
        for row in classes.select("academic_year", "grade", "_class_index", "homeroom_teacher_code").unique().iter_rows(named=True)
    }
    cat_rows: list[dict] = []
    cat_index: dict[tuple[int, int, int, int], int] = {}

    def course_ids(year: int, term: int, grade: int) -> list[int]:
        key = (year, term, grade)
        if (year, term, grade, 1) not in cat_index:
            for row in catalogue(plan.code, year, term, grade, plan.group_activity_credit):
                cat_index[(year, term, grade, row["slot"])] = len(cat_rows)
                row["_course"] = len(cat_rows)
                cat_rows.append(row)
        return [cat_index[(*key, slot)] for slot in [*range(1, 9), *range(11, 11 + ELECTIVE_POOL)]]

    parts: dict[str, list[np.ndarray]] = {"_ti": [], "_pid": [], "_course": [], "_tid": [], "_repeat": []}
    attending = students.filter(pl.col("_attending")).sort("_ti", "student_number")
    for window in plan.terms:
        term_rows = attending.filter(pl.col("_ti") == window.index)
        for grade in (1, 2, 3):
            group = term_rows.filter(pl.col("grade") == grade)
            n = group.height
            if n == 0:
                continue
            ids = course_ids(window.academic_year, window.term, grade)
            pids = group["_pid"].to_numpy()
            class_index = group["_class_index"].to_numpy()
            repeat = (group["enrolment_status"] == "重讀").to_numpy()
            cols_pid, cols_course, cols_tid, cols_repeat = [], [], [], []
            for slot_pos in range(8):
                row = cat_rows[ids[slot_pos]]
                if row["subject_key"] == GROUP_ACTIVITY:
                    tid = np.array([homeroom[(window.academic_year, grade, int(k))] for k in class_index])
                elif row["subject_key"] == FLEXIBLE_LEARNING:
                    tid = all_teaching[(class_index * 7 + grade + window.term) % len(all_teaching)]
                else:
                    pool = by_subject[row["subject_key"]]
                    tid = pool[(class_index + 5 * slot_pos + 3 * grade) % len(pool)]
                cols_pid.append(pids)
                cols_course.append(np.full(n, ids[slot_pos]))
                cols_tid.append(tid)
                cols_repeat.append(repeat)
            electives = ids[8:]
            elective_tid = np.array([
                by_subject[cat_rows[c]["subject_key"]][(3 * e + grade + window.term) % len(by_subject[cat_rows[c]["subject_key"]])]
                for e, c in enumerate(electives)
            ])
            k = rng.integers(2, 7, n)
            ranks = rng.random((n, len(electives))).argsort(axis=1).argsort(axis=1)
            who, which = np.nonzero(ranks < k[:, None])
            cols_pid.append(pids[who])
            cols_course.append(np.array(electives)[which])
            cols_tid.append(elective_tid[which])
            cols_repeat.append(repeat[who])
            for name, values in (("_pid", cols_pid), ("_course", cols_course), ("_tid", cols_tid), ("_repeat", cols_repeat)):
                parts[name].append(np.concatenate(values))
            parts["_ti"].append(np.full(sum(len(v) for v in cols_pid), window.index))

    records = pl.DataFrame({name: np.concatenate(values) for name, values in parts.items()})
    records = records.with_columns(
        pl.when(pl.col("_repeat")).then(pl.lit("重讀")).otherwise(pl.lit("學期")).alias("record_kind"),
    ).drop("_repeat")

    # Transfer students: 2 轉學轉科 and 1 補修 record from the term before they arrived.
    arrivals = attending.filter(pl.col("enrolment_status") == "轉入").sort("_ti", "student_number")
    extra = {"_ti": [], "_pid": [], "_course": [], "_tid": [], "record_kind": []}
    for row in arrivals.iter_rows(named=True):
        window = plan.terms[row["_ti"]]
        previous = _previous_term(window.academic_year, window.term, row["grade"])
        if previous is None:
            continue
        ids = course_ids(*previous)
        for slot_pos, kind in ((0, "轉學轉科"), (1, "轉學轉科"), (2, "補修")):
            pool = by_subject[cat_rows[ids[slot_pos]]["subject_key"]]
            extra["_ti"].append(row["_ti"])
            extra["_pid"].append(row["_pid"])
            extra["_course"].append(ids[slot_pos])
            extra["_tid"].append(int(pool[(row["_pid"] + slot_pos) % len(pool)]))
            extra["record_kind"].append(kind)
    if extra["_ti"]:
        records = pl.concat([records, pl.DataFrame(extra, schema=records.schema)])

    catalogue_frame = pl.DataFrame(cat_rows).select(
        "_course", pl.col("code").alias("course_code"), "subject_name", "course_grade", "credits",
        "subject_key", "category",
    )
    records = (
        records.join(catalogue_frame, on="_course", how="left")
        .join(persons.select("_pid", "student_number", "_ability"), on="_pid", how="left")
        .join(teachers.select("_tid", "teacher_code"), on="_tid", how="left")
        .with_columns(
            pl.col("_ti").replace_strict({w.index: w.academic_year for w in plan.terms}, return_dtype=pl.Int64).alias("academic_year"),
            pl.col("_ti").replace_strict({w.index: w.term for w in plan.terms}, return_dtype=pl.Int64).alias("term"),
        )
        .sort("_ti", "student_number", "course_code", "record_kind")
    )
    records = _scores(rng, records)

    # 重修: about half the courses failed for good are retaken in the same term a year later.
    failed = records.filter(
        (pl.col("is_credit_counted") == 0) & (pl.col("credits") > 0) & pl.col("score").is_not_null()
        & (pl.col("record_kind") != "轉學轉科")
    ).with_columns((pl.col("_ti") + 2).alias("_retake_ti"))
    failed = failed.with_columns(pl.Series("_r", rng.random(failed.height))).filter(pl.col("_r") < 0.5)
    attending_keys = attending.select(pl.col("_ti").alias("_retake_ti"), "_pid")
    retakes = failed.join(attending_keys, on=["_retake_ti", "_pid"], how="semi").sort("_ti", "student_number", "course_code")
    if retakes.height:
        retakes = retakes.with_columns(
            pl.col("_retake_ti").alias("_ti"), pl.lit("重修").alias("record_kind"),
            (pl.col("academic_year") + 1).alias("academic_year"),
        ).drop("_retake_ti", "_r")
        retakes = _scores(rng, retakes, mean_shift=-4)
        records = pl.concat([records, retakes.select(records.columns)])
    return records.sort("_ti", "student_number", "course_code", "record_kind")


def _scores(rng: np.random.Generator, records: pl.DataFrame, mean_shift: float = 0.0) -> pl.DataFrame:
    """Scores where the course carries credits; 成績及格 = score ≥ 60; 補考 for most failures."""
    n = records.height
    ability = records["_ability"].to_numpy()
    score = np.clip(np.round(rng.normal(ability + mean_shift, 11)), 5, 100)
    graded = (records["credits"] > 0).to_numpy()
    passed = score >= 60
    makeup = np.clip(np.round(rng.normal(62, 12, n)), 0, 100)
    has_makeup = graded & ~passed & (rng.random(n) < 0.7)
    makeup_passed = makeup >= 60
    counted = graded & (passed | (has_makeup & makeup_passed))
    remarks = text.pick(text.QUALITATIVE_DESCRIPTIONS, rng, n)
    has_remark = rng.random(n) < 0.08
    return records.with_columns(
        pl.Series("score", np.where(graded, score, np.nan)).fill_nan(None),
        pl.Series("is_passed", np.where(passed, 1, 0)),
        pl.Series("makeup_score", np.where(has_makeup, makeup, np.nan)).fill_nan(None),
        pl.Series("is_makeup_passed", np.where(makeup_passed, 1, 0)),
        pl.Series("is_credit_counted", counted.astype(np.int64)),
        pl.Series("qualitative_description", remarks),
        pl.Series("_has_remark", has_remark),
        pl.Series("_graded", graded),
        pl.Series("_has_makeup", has_makeup),
    ).with_columns(
        pl.when(pl.col("_graded")).then(pl.col("is_passed")).alias("is_passed"),
        pl.when(pl.col("_has_makeup")).then(pl.col("is_makeup_passed")).alias("is_makeup_passed"),
        pl.when(pl.col("_has_remark")).then(pl.col("qualitative_description")).alias("qualitative_description"),
    ).drop("_has_remark", "_graded", "_has_makeup")


# ---------------------------------------------------------------------------------------------
# Cadres, counselling, absences, autobiographies


def build_cadres(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame,
                 classes: pl.DataFrame) -> pl.DataFrame:
    """校內幹部: 8 class cadres per class, 2 per club, the student council's officers."""
    attending = students.filter(pl.col("_attending") & pl.col("enrolment_status").is_in(ENROLLED)).sort("_ti", "student_number")
    attending = attending.join(classes.select("_ti", "class_code", "class_name"), on=["_ti", "class_code"], how="left")
    attending = attending.sort("_ti", "student_number").with_columns(pl.Series("_r", rng.random(attending.height)))
    class_rank = attending.with_columns(pl.col("_r").rank("ordinal").over("_ti", "class_code").alias("_rank"))
    class_cadres = class_rank.filter(pl.col("_rank") <= len(text.CLASS_CADRE_POSITIONS)).with_columns(
        pl.col("class_name").alias("unit_name"),
        pl.col("_rank").replace_strict(dict(enumerate(text.CLASS_CADRE_POSITIONS, 1)), return_dtype=pl.String).alias("position"),
        pl.lit(2).alias("cadre_level"),
    )
    lower = attending.filter(pl.col("grade") <= 2)
    lower = lower.with_columns(pl.Series("_q", rng.random(lower.height)))
    lower = lower.with_columns(pl.col("_q").rank("ordinal").over("_ti").alias("_rank"))
    n_club = len(text.CLUBS) * len(text.CLUB_POSITIONS)
    club_of = {r: text.CLUBS[(r - 1) // 2] for r in range(1, n_club + 1)}
    club_position = {r: text.CLUB_POSITIONS[(r - 1) % 2] for r in range(1, n_club + 1)}
    clubs = lower.filter(pl.col("_rank") <= n_club).with_columns(
        pl.col("_rank").replace_strict(club_of, return_dtype=pl.String).alias("unit_name"),
        pl.col("_rank").replace_strict(club_position, return_dtype=pl.String).alias("position"),
        pl.lit(3).alias("cadre_level"),
    )
    second = attending.filter(pl.col("grade") == 2)
    second = second.with_columns(pl.Series("_s", rng.random(second.height)))
    second = second.with_columns(pl.col("_s").rank("ordinal").over("_ti").alias("_rank"))
    council = second.filter(pl.col("_rank") <= len(text.SCHOOL_POSITIONS)).with_columns(
        pl.lit(text.SCHOOL_BODY).alias("unit_name"),
        pl.col("_rank").replace_strict(dict(enumerate(text.SCHOOL_POSITIONS, 1)), return_dtype=pl.String).alias("position"),
        pl.lit(1).alias("cadre_level"),
    )
    starts = {w.index: w.start for w in plan.terms}
    ends = {w.index: w.closing for w in plan.terms}
    columns = ["_ti", "_pid", "academic_year", "term", "student_number", "unit_name", "position", "cadre_level"]
    cadres = pl.concat([frame.select(columns) for frame in (class_cadres, clubs, council)])
    return cadres.with_columns(
        pl.col("_ti").replace_strict(starts, return_dtype=pl.Date).alias("start_date"),
        pl.col("_ti").replace_strict(ends, return_dtype=pl.Date).alias("end_date"),
    ).sort("_ti", "cadre_level", "unit_name", "position", "student_number")


def build_counselling(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame,
                      teachers: pl.DataFrame) -> pl.DataFrame:
    """課程諮詢: individual sessions for ~10% of students a term, two group sessions per grade and term."""
    in_service = teachers.filter(pl.col("_teaching") & ~pl.col("_leaver"))["teacher_code"].to_list()
    counsellors = [in_service[i] for i in rng.choice(len(in_service), min(len(in_service), int(rng.integers(4, 7))), replace=False)]
    attending = students.filter(pl.col("_attending")).sort("_ti", "student_number")
    frames = []
    for window in plan.terms:
        rows = attending.filter(pl.col("_ti") == window.index)
        length = (window.closing - window.start).days
        individual = rows.filter(pl.Series(rng.random(rows.height) < 0.10))
        k = individual.height
        frames.append(pl.DataFrame({
            "_key": np.zeros(k, dtype=np.int64), "student_number": individual["student_number"],
            "session_format": pl.Series(["個別"] * k, dtype=pl.String),
            "session_date": random_days(rng, np_date(window.start + timedelta(days=7)), np_date(window.start + timedelta(days=length - 7)), k),
            "_minute": rng.integers(8 * 6, 16 * 6, k) * 10,
            "_counsellor": rng.integers(0, len(counsellors), k),
            "_group": np.full(k, -1),
        }))
        for grade in (1, 2, 3):
            graders = rows.filter(pl.col("grade") == grade)
            class_codes = sorted(set(graders["class_code"].to_list()))
            for _ in range(2):
                if not class_codes:
                    continue
                chosen = [class_codes[i] for i in rng.choice(len(class_codes), min(len(class_codes), int(rng.integers(1, 3))), replace=False)]
                members = graders.filter(pl.col("class_code").is_in(chosen))
                m = members.height
                day = random_days(rng, np_date(window.start + timedelta(days=7)), np_date(window.start + timedelta(days=length - 7)), 1)
                frames.append(pl.DataFrame({
                    "_key": np.ones(m, dtype=np.int64), "student_number": members["student_number"],
                    "session_format": pl.Series(["團體"] * m, dtype=pl.String), "session_date": np.repeat(day, m),
                    "_minute": np.full(m, int(rng.integers(8 * 6, 16 * 6)) * 10),
                    "_counsellor": np.full(m, int(rng.integers(0, len(counsellors)))),
                    "_group": np.full(m, int(rng.integers(0, 1 << 30))),
                }))
    sessions = pl.concat(frames).with_columns(pl.int_range(pl.len()).alias("_row"))
    # One id per individual row, one per group session.
    sessions = sessions.with_columns(
        pl.when(pl.col("_group") >= 0).then(pl.col("_group").cast(pl.String)).otherwise(pl.lit("i") + pl.col("_row").cast(pl.String)).alias("_session"),
    )
    order = sessions.group_by("_session").agg(pl.col("session_date").first(), pl.col("_minute").first(), pl.col("_row").min()).sort("session_date", "_minute", "_row")
    order = order.with_columns(("CS" + (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(6)).alias("session_id"))
    sessions = sessions.join(order.select("_session", "session_id"), on="_session", how="left")
    n = sessions.height
    return sessions.with_columns(
        pl.col("_counsellor").replace_strict(dict(enumerate(counsellors)), return_dtype=pl.String).alias("counsellor_code"),
        pl.time(hour=pl.col("_minute") // 60, minute=pl.col("_minute") % 60).alias("session_time"),
        text.pick(text.COUNSELLING_PLACES, rng, n).alias("place"),
        text.pick(text.COUNSELLING_CONTENTS, rng, n).alias("content"),
    ).sort("session_id", "student_number").select(
        "session_id", "counsellor_code", "session_date", "session_time", "place", "session_format", "student_number", "content",
    )


def build_absences(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame) -> pl.DataFrame:
    """缺勤: 0-3 leave types per student and term. Most admin systems also write the central 缺勤種類代碼 and
    the first and last day; the rest deliver the older layout (假別 and the term's 節數 only)."""
    attending = students.filter(pl.col("_attending")).sort("_ti", "student_number")
    n = attending.height
    k = np.where(rng.random(n) < 0.6, rng.integers(1, 4, n), 0)
    ranks = rng.random((n, len(text.LEAVE_TYPES))).argsort(axis=1).argsort(axis=1)
    who, which = np.nonzero(ranks < k[:, None])
    rows = attending.select("_ti", "academic_year", "term", "student_number")[who]
    periods = rng.integers(1, 25, len(who))
    absences = rows.with_columns(pl.Series("leave_type", np.array(text.LEAVE_TYPES)[which]), pl.Series("periods", periods))
    if rng.random() < 0.3:
        return absences.drop("_ti").sort("academic_year", "term", "student_number", "leave_type")
    codes = dict(zip(seed_codes("xwalk_absence_types", "absence_type_name"), seed_codes("xwalk_absence_types", "absence_type_code")))
    ti = rows["_ti"].to_numpy()
    first = dates_by(ti, {w.index: w.start for w in plan.terms})
    last = dates_by(ti, {w.index: w.closing - timedelta(days=7) for w in plan.terms})
    start = random_days(rng, first, last, len(who))
    days = np.maximum(1, periods // 7)  # seven periods a school day
    return absences.with_columns(
        pl.col("leave_type").replace_strict(codes, return_dtype=pl.String).alias("absence_type_code"),
        pl.Series("start_date", start),
        pl.Series("end_date", start + (days - 1).astype("timedelta64[D]")),
    ).drop("_ti").sort("academic_year", "term", "student_number", "leave_type")


def build_autobiographies(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame) -> pl.DataFrame:
    """自傳 / 學習計畫 of students in grade 2-3 in the last year (some have none)."""
    last: TermWindow = plan.terms[-1]
    writers = (
        students.filter((pl.col("academic_year") == last.academic_year) & (pl.col("grade") >= 2) & pl.col("_attending"))
        .select("student_number").unique().sort("student_number")
    )
    n = writers.height
    frames = []
    for essay_type, share in (("自傳", 0.55), ("學習計畫", 0.45)):
        chosen = writers.filter(pl.Series(rng.random(n) < share))
        k = chosen.height
        days = random_days(rng, np_date(last.start), np_date(last.upload_deadline - timedelta(days=1)), k)
        frames.append(chosen.with_columns(
            pl.lit(essay_type).alias("essay_type"),
            pl.Series("word_count", rng.integers(300, 1600, k)),
            pl.Series("uploaded_at", random_times(rng, days)),
        ))
    return pl.concat(frames).sort("student_number", "essay_type")


def build_admin(plan: SchoolPlan, rngs: list[np.random.Generator], transfer=None) -> Admin:
    """`transfer` (pipelines.generate.transfer.Transfer): this school's end of the cross-school transfer."""
    from pipelines.generate import transfer as moves

    persons = build_persons(plan, rngs[0])
    if transfer is not None:
        persons = (moves.mark_leaver(plan, persons) if transfer.role == "out"
                   else moves.place_arrival(plan, persons, transfer.leaver))
    enrolment = build_enrolment(plan, rngs[1], persons)
    if transfer is not None and transfer.role == "in":
        enrolment = moves.date_arrival(enrolment, persons, transfer.leaver)
    seats = assign_classes(rngs[2], enrolment, persons)
    students = build_students(persons, enrolment, seats)
    teachers = build_teachers(plan, rngs[3])
    classes = build_classes(plan, rngs[4], students, teachers)
    course_records = build_course_records(plan, rngs[5], students, persons, teachers, classes)
    teachers = finish_teachers(rngs[6], teachers, classes, course_records, plan.terms[-1].academic_year)
    return Admin(
        persons=persons, students=students, teachers=teachers, classes=classes, course_records=course_records,
        cadres=build_cadres(plan, rngs[7], students, classes),
        counselling_sessions=build_counselling(plan, rngs[8], students, teachers),
        absences=build_absences(plan, rngs[9], students),
        autobiographies=build_autobiographies(plan, rngs[10], students),
    )
