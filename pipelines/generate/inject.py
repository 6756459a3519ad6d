"""Rule violations made by changing a field of rows that still load (the gate reports them later).

Each function picks its rows from ``error_rate`` and returns the changed frame; the truth is
computed afterwards from the final frames (``truth.py``), so nothing here has to keep score.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.contract import seed_codes
from pipelines.generate import text
from pipelines.generate.admin import np_date, random_times
from pipelines.generate.plan import ENROLLED
from pipelines.generate.codes import corrupt_national_ids, make_national_ids, malform_course_code, valid_national_ids
from pipelines.generate.plan import SchoolPlan

_BLANK_SUMMARIES = ("", "   ", "\u3000", "\u3000\u3000", None)
_BAD_DOCUMENT_EXTENSIONS = ("docx", "gif", "heic", "zip", "odt")
_BAD_VIDEO_EXTENSIONS = ("avi", "mov", "wmv")
_BAD_URLS = ("www.example.com/portfolio", "ftp://files.example.com/work.pdf", "youtube.com/watch?v=abc123",
             "file:///C:/作品/成果.pdf")
_OUTCOME_RULES = ("R01", "R02", "R03", "R04", "R06", "R16")
UNKNOWN_CLUSTER_CODE = "99"  # no 群別 has it (xwalk_clusters: 00-15)
RE_ENTERED = "（補登）"  # R25: a school's own 假別 name for an absence entered again


def _set(frame: pl.DataFrame, column: str, mask: np.ndarray, values) -> pl.DataFrame:
    """frame[column] = values where mask (values: a Series/array as long as the frame, or a scalar)."""
    if not mask.any():
        return frame
    dtype = frame.schema[column]
    if isinstance(values, (np.ndarray, list)):
        values = pl.Series(values, dtype=dtype, strict=False)
    new = pl.when(pl.lit(pl.Series(mask))).then(pl.lit(values, dtype=dtype) if not isinstance(values, pl.Series) else pl.lit(values))
    return frame.with_columns(new.otherwise(pl.col(column)).cast(dtype).alias(column))


def outcome_defects(plan: SchoolPlan, rng: np.random.Generator, outcomes: pl.DataFrame) -> pl.DataFrame:
    """One defect on a share error_rate/2 of outcomes: R01 blank summary, R02 101+ characters, R03 no file,
    R04 bad type or oversize, R06 a course not taken, R16 uploaded 1-10 days after the upload deadline.

    R16 only on outcomes whose student is within the cap and whose teacher has not left (so the late
    item changes neither R05 nor R18 whichever way a gate treats late items).
    """
    n = outcomes.height
    rate = plan.error_rate
    if rate <= 0 or n == 0:
        return outcomes
    u = rng.random(n)
    slot = np.where(u < rate / 2, (u / (rate / 2) * len(_OUTCOME_RULES)).astype(np.int64), -1)
    rule = np.array([_OUTCOME_RULES[s] if s >= 0 else "" for s in slot])
    limits = plan.limits

    blank = np.array(_BLANK_SUMMARIES, dtype=object)[rng.integers(0, len(_BLANK_SUMMARIES), n)]
    outcomes = _set(outcomes, "summary", rule == "R01", list(blank))
    outcomes = _set(outcomes, "summary", rule == "R02", text.pick(text.long_summary_bank(), rng, n))
    no_file = rule == "R03"
    for column in ("document_file_name", "document_bytes", "video_file_name", "video_bytes"):
        outcomes = _set(outcomes, column, no_file, None)

    variant = rng.integers(0, 4, n)
    r04 = rule == "R04"
    stem = pl.Series(outcomes["outcome_id"].str.slice(3))
    bad_doc = pl.select(pl.concat_str([pl.lit("成果"), pl.lit(stem), pl.lit("."),
                                       pl.lit(text.pick(_BAD_DOCUMENT_EXTENSIONS, rng, n))])).to_series()
    bad_video = pl.select(pl.concat_str([pl.lit("影片"), pl.lit(stem), pl.lit("."),
                                         pl.lit(text.pick(_BAD_VIDEO_EXTENSIONS, rng, n))])).to_series()
    outcomes = _set(outcomes, "document_file_name", r04 & (variant == 0), bad_doc)
    outcomes = _set(outcomes, "document_bytes", r04 & (variant == 0), rng.integers(10_000, 2_000_000, n))
    outcomes = _set(outcomes, "document_file_name", r04 & (variant == 1), pl.select(pl.concat_str([pl.lit("成果"), pl.lit(stem), pl.lit(".pdf")])).to_series())
    outcomes = _set(outcomes, "document_bytes", r04 & (variant == 1), limits.document_max_bytes + rng.integers(1, 4_000_000, n))
    outcomes = _set(outcomes, "video_file_name", r04 & (variant == 2), bad_video)
    outcomes = _set(outcomes, "video_bytes", r04 & (variant == 2), rng.integers(300_000, 5_000_000, n))
    outcomes = _set(outcomes, "video_file_name", r04 & (variant == 3), pl.select(pl.concat_str([pl.lit("影片"), pl.lit(stem), pl.lit(".mp4")])).to_series())
    outcomes = _set(outcomes, "video_bytes", r04 & (variant == 3), limits.video_max_bytes + rng.integers(1, 10_000_000, n))

    # R06: sequence 99 is never a real course.
    outcomes = _set(outcomes, "course_code", rule == "R06", outcomes["course_code"].str.slice(0, 21) + "99")

    late = (rule == "R16") & ~outcomes["_over"].to_numpy() & ~outcomes["_leaver"].to_numpy()
    deadline = np.array([np_date(w.upload_deadline) for w in plan.terms])[outcomes["_ti"].to_numpy()]
    late_at = random_times(rng, deadline + rng.integers(1, 11, n).astype("timedelta64[D]"))
    outcomes = _set(outcomes, "uploaded_at", late, late_at)
    return outcomes.with_columns(pl.Series("_late", late))


def event_defects(plan: SchoolPlan, rng: np.random.Generator, events: pl.DataFrame) -> pl.DataFrame:
    """R09: some 認證未通過 events lose their 說明 (empty, blank or missing). R28: some 認證通過 events are
    given by another teacher of the school's events (the next code in order: never the one asked)."""
    rate = plan.error_rate
    if rate <= 0:
        return events
    n = events.height
    hit = (events["action"] == "認證未通過").to_numpy() & (rng.random(n) < min(1.0, rate * 2.5))
    blank = np.array(("", "\u3000", "  ", None), dtype=object)[rng.integers(0, 4, n)]
    events = _set(events, "reason", hit, list(blank))
    codes = sorted(code for code in set(events["teacher_code"].drop_nulls().to_list()))
    if len(codes) < 2:
        return events
    other = {code: codes[(position + 1) % len(codes)] for position, code in enumerate(codes)}
    passed = (events["action"] == "認證通過").to_numpy() & (rng.random(n) < rate / 10)
    return _set(events, "teacher_code", passed, events["teacher_code"].replace_strict(other, default=None).to_numpy())


def performance_defects(plan: SchoolPlan, rng: np.random.Generator, performances: pl.DataFrame) -> pl.DataFrame:
    """R10 on a share error_rate/2 of student-entered performances: blank or long summary, bad file type,
    oversize document or video, a link that is not http(s). R27: a share error_rate/10 of them entered
    1-10 days after the year's diverse-entry deadline."""
    rate = plan.error_rate
    n = performances.height
    if rate <= 0 or n == 0:
        return performances
    entered = (performances["entry_source"] == "學生自填").to_numpy()
    u = rng.random(n)
    kind = np.where(entered & (u < rate / 2), (u / (rate / 2) * 6).astype(np.int64), -1)
    limits = plan.limits
    blank = np.array(_BLANK_SUMMARIES, dtype=object)[rng.integers(0, len(_BLANK_SUMMARIES), n)]
    performances = _set(performances, "summary", kind == 0, list(blank))
    performances = _set(performances, "summary", kind == 1, text.pick(text.long_summary_bank(), rng, n))
    ids = performances["performance_id"].str.slice(3)
    bad_doc = pl.select(pl.concat_str([pl.lit("證明"), pl.lit(ids), pl.lit("."), pl.lit(text.pick(_BAD_DOCUMENT_EXTENSIONS, rng, n))])).to_series()
    performances = _set(performances, "document_file_name", kind == 2, bad_doc)
    performances = _set(performances, "document_bytes", kind == 2, rng.integers(10_000, 1_000_000, n))
    performances = _set(performances, "document_file_name", kind == 3, pl.select(pl.concat_str([pl.lit("證明"), pl.lit(ids), pl.lit(".jpg")])).to_series())
    performances = _set(performances, "document_bytes", kind == 3, limits.document_max_bytes + rng.integers(1, 3_000_000, n))
    performances = _set(performances, "video_file_name", kind == 4, pl.select(pl.concat_str([pl.lit("影片"), pl.lit(ids), pl.lit(".mp4")])).to_series())
    performances = _set(performances, "video_bytes", kind == 4, limits.video_max_bytes + rng.integers(1, 5_000_000, n))
    performances = _set(performances, "external_url", kind == 5, text.pick(_BAD_URLS, rng, n))
    late = entered & (rng.random(n) < rate / 10)
    deadline = np.array([np_date(plan.years[year].diverse_entry_deadline) if year in plan.years else np.datetime64("NaT")
                         for year in performances["academic_year"].to_list()], dtype="datetime64[D]")
    late_at = random_times(rng, deadline + rng.integers(1, 11, n).astype("timedelta64[D]"))
    return _set(performances, "uploaded_at", late, late_at)


def student_defects(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame) -> pl.DataFrame:
    """R13: some students' IDs made invalid (in every row); R14: in some terms an enrolled student is
    given a classmate's ID, or an extra enrolled row reuses someone's 學號 (with its own valid ID)."""
    rate = plan.error_rate
    if rate <= 0:
        return students
    students = students.with_columns(pl.int_range(pl.len()).alias("_row"))
    pids = np.array(sorted(set(students["_pid"].to_list())))
    bad_pids = pids[rng.random(len(pids)) < rate / 4]
    if len(bad_pids):
        originals = students.filter(pl.col("_pid").is_in(bad_pids)).group_by("_pid").agg(pl.col("national_id").first()).sort("_pid")
        corrupted = corrupt_national_ids(rng, originals["national_id"].to_numpy())
        mapping = dict(zip(originals["_pid"].to_list(), corrupted.tolist()))
        students = students.with_columns(
            pl.col("_pid").replace_strict(mapping, default=None, return_dtype=pl.String).fill_null(pl.col("national_id")).alias("national_id"),
        )

    taken = set(students["national_id"].to_list())
    extra_rows = []
    for window in plan.terms:
        enrolled = students.filter((pl.col("_ti") == window.index) & pl.col("enrolment_status").is_in(ENROLLED)).sort("_row")
        m = enrolled.height
        if m < 4:
            continue
        pairs = int(rng.binomial(m, rate / 20))
        if pairs:
            chosen = rng.choice(m, 2 * pairs, replace=False)
            donors, takers = chosen[:pairs], chosen[pairs:]
            mapping = dict(zip(enrolled["_row"].gather(takers).to_list(), enrolled["national_id"].gather(donors).to_list()))
            students = students.with_columns(
                pl.col("_row").replace_strict(mapping, default=None, return_dtype=pl.String).fill_null(pl.col("national_id")).alias("national_id"),
            )
        copies = int(rng.binomial(m, rate / 20))
        if copies:
            base = enrolled[rng.choice(m, copies, replace=False).tolist()]
            gender = base["gender_code"].to_numpy()
            new_ids = make_national_ids(rng, gender)
            while any(i in taken for i in new_ids):
                new_ids = make_national_ids(rng, gender)
            taken.update(new_ids.tolist())
            max_seat = students.filter(pl.col("_ti") == window.index).group_by("class_code").agg(pl.col("seat_number").max().alias("_max"))
            extra_rows.append(base.join(max_seat, on="class_code", how="left").sort("_row").with_columns(
                pl.Series("national_id", new_ids),
                text.chinese_names(rng, copies).alias("student_name"),
                (pl.col("_max") + 1 + pl.int_range(pl.len()).over("class_code")).alias("seat_number"),
                pl.lit("在學").alias("enrolment_status"),
                pl.lit(None, dtype=pl.Date).alias("status_changed_date"),
                pl.lit(-1, dtype=pl.Int64).alias("_pid"),
                pl.lit(True).alias("_attending"),
            ).drop("_max"))
    if extra_rows:
        students = pl.concat([students, *[e.select(students.columns) for e in extra_rows]], how="vertical_relaxed")
    # R23: a few students lose their 出生日期 in every row (a date the admin system never had)
    no_birth = pids[rng.random(len(pids)) < rate / 4]
    students = students.with_columns(
        pl.when(pl.col("_pid").is_in(no_birth)).then(None).otherwise(pl.col("birth_date")).alias("birth_date"))
    return students.sort("_ti", "class_code", "seat_number", "student_number").drop("_row")


def code_defects(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame) -> pl.DataFrame:
    """R24: one 學生資料 row gets a 群別代碼 no code list has (ingestion does not check 學生資料 codes; the
    gate's R24 does, on the exported rows). The row is enrolled, with a 學號 and a valid 身分證號 of its
    own that term, so it is exported once whatever the other defects did."""
    if plan.error_rate <= 0 or students.height == 0:
        return students
    own = (pl.len().over("_ti", "student_number") == 1) & (pl.len().over("_ti", "national_id") == 1)
    candidates = np.flatnonzero(students.select(own & pl.col("enrolment_status").is_in(ENROLLED)).to_series().to_numpy()
                                & valid_national_ids(students["national_id"]))
    if len(candidates) == 0:
        return students
    chosen = np.zeros(students.height, dtype=bool)
    chosen[candidates[int(rng.integers(len(candidates)))]] = True
    return _set(students, "cluster_code", chosen, UNKNOWN_CLUSTER_CODE)


def course_record_defects(plan: SchoolPlan, rng: np.random.Generator, records: pl.DataFrame,
                          outcomes: pl.DataFrame) -> pl.DataFrame:
    """R15: a malformed 課程代碼 on records no outcome refers to (so R06 is untouched);
    R19: 成績及格 flipped on a graded record."""
    rate = plan.error_rate
    if rate <= 0:
        return records
    n = records.height
    referenced = records.join(
        outcomes.select("student_number", "academic_year", "term", "course_code").unique(),
        on=["student_number", "academic_year", "term", "course_code"], how="semi",
    ).select("_ti", "_pid", "course_code", "record_kind").with_columns(pl.lit(True).alias("_referenced"))
    records = records.join(referenced, on=["_ti", "_pid", "course_code", "record_kind"], how="left").with_columns(
        pl.col("_referenced").fill_null(False)).sort("_ti", "student_number", "course_code", "record_kind")
    malformed = ~records["_referenced"].to_numpy() & (rng.random(n) < rate / 10)
    which = rng.integers(0, 12, n)
    hits = np.flatnonzero(malformed)
    codes = records["course_code"].to_numpy().astype(object)
    codes[hits] = [malform_course_code(codes[i], int(which[i])) for i in hits]
    records = records.with_columns(pl.Series("course_code", codes.tolist(), dtype=pl.String)).drop("_referenced")
    flip = records["score"].is_not_null().to_numpy() & (rng.random(n) < rate / 10)
    return _set(records, "is_passed", flip, (1 - records["is_passed"].fill_null(0)).to_numpy())



def credit_defects(plan: SchoolPlan, rng: np.random.Generator, records: pl.DataFrame,
                   outcomes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """R21: a few outcomes and the 修課成績 rows they match move to a course without credits (category 8,
    團體活動時間; attribute 0), the two codes still equal, so R06 holds and R15 sees a valid code."""
    rate = plan.error_rate
    if rate <= 0 or outcomes.height == 0:
        return records, outcomes
    on = ["student_number", "academic_year", "term", "course_code"]
    matched = outcomes.join(records.select(on).unique(), on=on, how="semi")["outcome_id"]
    hit = set(matched.filter(pl.Series(rng.random(matched.len()) < rate / 10)).to_list())
    no_credit = pl.col("course_code").str.slice(0, 16) + "8" + pl.col("course_code").str.slice(17, 1) + "0" \
        + pl.col("course_code").str.slice(19)
    chosen = outcomes.filter(pl.col("outcome_id").is_in(hit)).select(on).unique().with_columns(no_credit.alias("_code"))
    outcomes = outcomes.join(chosen, on=on, how="left", maintain_order="left").with_columns(
        pl.coalesce("_code", "course_code").alias("course_code")).drop("_code")
    records = records.join(chosen, on=on, how="left", maintain_order="left").with_columns(
        pl.coalesce("_code", "course_code").alias("course_code")).drop("_code")
    return records, outcomes


def absence_defects(plan: SchoolPlan, rng: np.random.Generator, absences: pl.DataFrame) -> pl.DataFrame:
    """R25: one absence of a school with errors is delivered twice: entered again under a 假別 name of the
    school's own (its name + （補登）) with the 缺勤種類代碼 of the first (a school's own name needs the code,
    inputs.md) and the same first day. Both rows load (the raw key has the 假別), and the 缺勤紀錄 sheet holds
    the student's 項目鍵 (缺勤種類代碼+缺勤起始日期; `<code>+` without dates) twice."""
    if plan.error_rate <= 0 or absences.height == 0:
        return absences
    codes = dict(zip(seed_codes("xwalk_absence_types", "absence_type_name"), seed_codes("xwalk_absence_types", "absence_type_code")))
    original = absences[int(rng.integers(absences.height))]
    delivered = original["absence_type_code"][0] if "absence_type_code" in original.columns else None
    again = original.with_columns(
        (pl.col("leave_type") + RE_ENTERED).alias("leave_type"),
        pl.lit(delivered or codes[original["leave_type"][0]], dtype=pl.String).alias("absence_type_code"),
    )
    return (pl.concat([absences, again], how="diagonal_relaxed")
            .sort("academic_year", "term", "student_number", "leave_type"))
