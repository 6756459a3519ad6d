"""The portfolio platform's side of one school: course outcomes, certification events, diverse
performances and selections.

Rule violations that change *how many* rows there are (R05 over-cap uploads, R11 over-cap
performances, R07/R08/R12/R20 selections) are made here, where the rows are made; violations of a
single field live in ``inject``. The choices that would make a rule ambiguous are avoided on purpose
(see ``pipelines.generate.truth`` for the conventions): over-cap students never have a cancelled
outcome, a departed teacher's outcomes are either certified or pending, late items never push a
student over a cap, and so on.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.contract import seed_codes
from pipelines.generate import diverse, text
from pipelines.generate.admin import dates_by, np_date, random_days, random_times
from pipelines.generate.plan import SchoolPlan
from pipelines.roc import ROC_OFFSET

DAY = 86_400
HOUR = 3_600

# Certification scenarios: the events an outcome gets, as (action, who acts, gap before it).
# who: 0 the teacher asked in 課程學習成果, 1 the teacher it was moved to by 更換認證教師.
NONE, PENDING, PASS, FAIL, FAIL_PASS, FAIL_PENDING, CANCEL, CHANGE_PASS, CHANGE_PENDING = range(9)
SCENARIOS: dict[int, tuple[tuple[str, int, str], ...]] = {
    NONE: (),
    PENDING: (("送審", 0, "submit"),),
    PASS: (("送審", 0, "submit"), ("認證通過", 0, "decide")),
    FAIL: (("送審", 0, "submit"), ("認證未通過", 0, "decide")),
    FAIL_PASS: (("送審", 0, "submit"), ("認證未通過", 0, "decide"), ("送審", 0, "resubmit"), ("認證通過", 0, "decide")),
    FAIL_PENDING: (("送審", 0, "submit"), ("認證未通過", 0, "decide"), ("送審", 0, "resubmit")),
    CANCEL: (("送審", 0, "submit"), ("取消認證", 0, "cancel")),
    CHANGE_PASS: (("送審", 0, "submit"), ("更換認證教師", 1, "change"), ("認證通過", 1, "decide")),
    CHANGE_PENDING: (("送審", 0, "submit"), ("更換認證教師", 1, "change")),
}
OUTCOME_COLUMNS = (
    "outcome_id", "student_number", "academic_year", "term", "course_code", "title", "summary",
    "document_file_name", "document_bytes", "video_file_name", "video_bytes", "uploaded_at", "certifying_teacher_code",
)


def _ext_choice(rng: np.random.Generator, options: tuple[str, ...], n: int) -> pl.Series:
    return pl.Series(np.array(options)[rng.integers(0, len(options), n)])


def _sizes(rng: np.random.Generator, n: int, median: float, low: int, high: int) -> np.ndarray:
    size = np.exp(rng.normal(np.log(median), 0.9, n)).astype(np.int64)
    size = np.clip(size, low, high)
    return np.where(rng.random(n) < 0.005, high, size)  # a few exactly at the limit (still valid)


def build_outcomes(plan: SchoolPlan, rng: np.random.Generator, course_records: pl.DataFrame) -> pl.DataFrame:
    """課程學習成果: none, a few or up to the cap per student and term, each for a course taken that term.

    A share ``error_rate / 2`` of uploading student-terms upload cap + 1..3 instead (R05), using some
    courses twice.
    """
    cap = plan.limits.course_outcome_upload_cap_per_term
    eligible = course_records.filter(
        (pl.col("credits") > 0) & pl.col("record_kind").is_in(["學期", "補修", "重修", "重讀"])
    ).select("_ti", "_pid", "_tid", "student_number", "academic_year", "term", "course_code", "subject_name", "record_kind")
    eligible = eligible.sort("_ti", "student_number", "course_code", "record_kind")
    per_student = eligible.group_by("_ti", "_pid").agg(pl.len().alias("_n_eligible")).sort("_ti", "_pid")
    m = per_student.height
    n_eligible = per_student["_n_eligible"].to_numpy()
    wanted = np.where(rng.random(m) < 0.25, 0, rng.integers(1, cap + 1, m))
    wanted = np.where((wanted > 0) & (rng.random(m) < 0.12), cap, wanted)
    wanted = np.minimum(wanted, n_eligible)
    over = (wanted > 0) & (rng.random(m) < plan.error_rate / 2)
    wanted = np.where(over, np.minimum(cap + rng.integers(1, 4, m), 2 * n_eligible), wanted)
    over &= wanted > cap
    per_student = per_student.with_columns(pl.Series("_wanted", wanted), pl.Series("_over", over))

    doubled = eligible.join(per_student.filter(pl.col("_over")).select("_ti", "_pid"), on=["_ti", "_pid"], how="semi")
    pool = pl.concat([eligible.with_columns(pl.lit(0).alias("_copy")), doubled.with_columns(pl.lit(1).alias("_copy"))])
    pool = pool.sort("_ti", "student_number", "_copy", "course_code", "record_kind")
    pool = pool.with_columns(pl.Series("_r", rng.random(pool.height)))
    pool = pool.with_columns(pl.col("_r").rank("ordinal").over("_ti", "_pid").alias("_rank"))
    outcomes = (
        pool.join(per_student.select("_ti", "_pid", "_wanted", "_over"), on=["_ti", "_pid"], how="left")
        .filter(pl.col("_rank") <= pl.col("_wanted"))
        .sort("_ti", "student_number", "_rank")
    )
    n = outcomes.height
    outcomes = outcomes.with_columns(("CO-" + (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(7)).alias("outcome_id"))

    titles = outcomes["subject_name"] + text.pick(text.TITLE_SUFFIXES, rng, n)
    has_document = rng.random(n) < 0.9
    has_video = (rng.random(n) < 0.12) | ~has_document
    named_by_title = rng.random(n) < 0.5
    doc_ext = _ext_choice(rng, ("pdf", "pdf", "pdf", "pdf", "pdf", "jpg", "png", "PDF", "JPG"), n)
    video_ext = _ext_choice(rng, ("mp4", "mp4", "mp4", "mp3", "MP4"), n)
    serial = outcomes["outcome_id"].str.slice(3)
    stem = pl.select(
        pl.when(pl.lit(pl.Series(named_by_title))).then(pl.lit(titles))
        .otherwise(pl.concat_str([pl.lit(outcomes["student_number"]), pl.lit("_"), pl.lit(serial)]))
    ).to_series()
    # a student's second outcome of one course and term named by the same title gets its own file name: the
    # platform keeps one file per name, and the outcome sheets' 項目鍵 holds the file names (R25)
    again = outcomes.select("student_number", "academic_year", "term", "course_code").with_columns(stem.alias("_stem")).select(
        pl.int_range(pl.len()).over("student_number", "academic_year", "term", "course_code", "_stem")).to_series()
    stem = pl.select(pl.when(pl.lit(again) > 0).then(pl.concat_str([pl.lit(stem), pl.lit("_"), (pl.lit(again) + 1).cast(pl.String)]))
                     .otherwise(pl.lit(stem))).to_series()
    doc_name = pl.select(pl.concat_str([pl.lit(stem), pl.lit("."), pl.lit(doc_ext)])).to_series()
    video_name = pl.select(pl.concat_str([pl.lit(stem), pl.lit("."), pl.lit(video_ext)])).to_series()
    limits = plan.limits
    doc_bytes = _sizes(rng, n, 800_000, 20_000, limits.document_max_bytes)
    video_bytes = _sizes(rng, n, 5_000_000, 300_000, limits.video_max_bytes)

    ti = outcomes["_ti"].to_numpy()
    first = np.array([np_date(w.start) for w in plan.terms])[ti]
    last = np.array([np_date(w.upload_deadline - timedelta(days=1)) for w in plan.terms])[ti]
    uploaded = random_times(rng, random_days(rng, first, last, n))

    return outcomes.with_columns(
        titles.alias("title"),
        text.pick(text.summary_bank(), rng, n).alias("summary"),
        pl.Series("_has_document", has_document),
        pl.Series("_has_video", has_video),
        pl.Series("uploaded_at", uploaded),
        pl.lit(False).alias("_late"),
    ).with_columns(
        pl.when("_has_document").then(pl.lit(doc_name)).alias("document_file_name"),
        pl.when("_has_document").then(pl.lit(pl.Series(doc_bytes))).alias("document_bytes"),
        pl.when("_has_video").then(pl.lit(video_name)).alias("video_file_name"),
        pl.when("_has_video").then(pl.lit(pl.Series(video_bytes))).alias("video_bytes"),
    ).drop("_has_document", "_has_video", "_copy", "_r", "_wanted")


def attach_teachers(outcomes: pl.DataFrame, teachers: pl.DataFrame) -> pl.DataFrame:
    """認證教師代碼: the course's teacher."""
    return outcomes.join(
        teachers.select("_tid", pl.col("teacher_code").alias("certifying_teacher_code"), "_leaver", "_speed", "_subject"),
        on="_tid", how="left",
    ).sort("outcome_id")


def assign_scenarios(plan: SchoolPlan, rng: np.random.Generator, outcomes: pl.DataFrame,
                     teachers: pl.DataFrame) -> pl.DataFrame:
    """What happens to each outcome on the platform (see SCENARIOS); columns _scenario and _new_tid."""
    n = outcomes.height
    speed = outcomes["_speed"].to_numpy()
    pending = 0.003 + 0.006 * speed  # slow teachers leave more pending
    shares = [(NONE, np.full(n, 0.07)), (PENDING, pending), (FAIL, np.full(n, 0.03)), (FAIL_PASS, np.full(n, 0.04)),
              (FAIL_PENDING, np.full(n, 0.01)), (CANCEL, np.full(n, 0.03)), (CHANGE_PASS, np.full(n, 0.015)),
              (CHANGE_PENDING, np.full(n, 0.005))]
    u = rng.random(n)
    scenario = np.full(n, PASS)
    edge = np.zeros(n)
    chosen = np.zeros(n, dtype=bool)
    for code, share in shares:
        edge = edge + share
        hit = ~chosen & (u < edge)
        scenario[hit] = code
        chosen |= hit
    over = outcomes["_over"].to_numpy()
    # An over-cap student's outcomes are all submitted and none cancelled: R05 reads the same
    # whether a gate counts every row or only live submissions.
    scenario = np.where(over & np.isin(scenario, (CANCEL, NONE)), PASS, scenario)
    scenario = np.where(outcomes["_late"].to_numpy(), NONE, scenario)  # late items are lost for the term
    leaver = outcomes["_leaver"].to_numpy()
    last_ti = plan.terms[-1].index
    ti = outcomes["_ti"].to_numpy()
    scenario = np.where(leaver, np.where(ti < last_ti, PASS, PENDING), scenario)  # R18 stays unambiguous

    # 更換認證教師: to an in-service colleague of the same subject (any in-service teacher if none).
    in_service = teachers.filter(pl.col("_teaching") & ~pl.col("_leaver"))
    service_tid = in_service["_tid"].to_numpy()
    service_subject = in_service["_subject"].to_numpy()
    tid = outcomes["_tid"].to_numpy()
    subject = outcomes["_subject"].to_numpy()
    new_tid = np.full(n, -1)
    for i in np.flatnonzero(np.isin(scenario, (CHANGE_PASS, CHANGE_PENDING))):
        mates = service_tid[(service_subject == subject[i]) & (service_tid != tid[i])]
        if len(mates) == 0:
            mates = service_tid[service_tid != tid[i]]
        new_tid[i] = mates[rng.integers(len(mates))]
    return outcomes.with_columns(pl.Series("_scenario", scenario), pl.Series("_new_tid", new_tid))


def build_events(plan: SchoolPlan, rng: np.random.Generator, outcomes: pl.DataFrame,
                 teachers: pl.DataFrame) -> pl.DataFrame:
    """認證紀錄 from the scenarios. Every event falls before the term's certification deadline and
    events of one outcome are at least minutes apart (so a minute-precision export keeps their order)."""
    speed_of = teachers.sort("_tid")["_speed"].to_numpy()
    code_of = teachers.sort("_tid")["teacher_code"].to_numpy()
    frames = []
    for code, steps in SCENARIOS.items():
        rows = outcomes.filter(pl.col("_scenario") == code)
        k = rows.height
        if k == 0 or not steps:
            continue
        uploaded = rows["uploaded_at"].to_numpy().astype("datetime64[s]")
        deadline = np.array([np_date(w.certification_deadline) for w in plan.terms])[rows["_ti"].to_numpy()].astype("datetime64[s]")
        tids = np.column_stack([rows["_tid"].to_numpy(), rows["_new_tid"].to_numpy()])
        gaps = np.zeros((k, len(steps)))
        for j, (_action, who, gap) in enumerate(steps):
            if gap == "submit":
                gaps[:, j] = rng.uniform(600, 1.5 * DAY, k)
            elif gap == "decide":
                gaps[:, j] = np.maximum(HOUR, rng.exponential(speed_of[tids[:, who]] * DAY))
            elif gap == "resubmit":
                gaps[:, j] = rng.uniform(0.5 * DAY, 5 * DAY, k)
            elif gap == "change":
                gaps[:, j] = rng.uniform(0.5 * DAY, 3 * DAY, k)
            else:  # cancel
                gaps[:, j] = rng.uniform(0.3 * DAY, 4 * DAY, k)
        offsets = np.cumsum(gaps, axis=1)
        available = (deadline - uploaded).astype(np.int64) - HOUR
        factor = np.minimum(1.0, available / offsets[:, -1])
        offsets = np.floor(offsets * factor[:, None]).astype(np.int64)
        # At least two minutes between events of one outcome (the 1-hour slack above absorbs this).
        offsets[:, 0] = np.maximum(offsets[:, 0], 60)
        for j in range(1, len(steps)):
            offsets[:, j] = np.maximum(offsets[:, j], offsets[:, j - 1] + 120)
        for j, (action, who, _gap) in enumerate(steps):
            reason = None
            if action == "認證未通過":
                reason = text.pick(text.FAIL_REASONS, rng, k)
            elif action == "更換認證教師":
                reason = text.pick(text.CHANGE_REASONS, rng, k).replace("", None)
            frames.append(pl.DataFrame({
                "outcome_id": rows["outcome_id"],
                "action": [action] * k,
                "teacher_code": code_of[tids[:, who]],
                "event_at": (uploaded + offsets[:, j].astype("timedelta64[s]")).astype("datetime64[us]"),
                "reason": reason if reason is not None else pl.Series([None] * k, dtype=pl.String),
                "_ti": rows["_ti"],
                "_step": np.full(k, j),
            }))
    events = pl.concat(frames)
    return events.sort("event_at", "outcome_id", "_step")


# ---------------------------------------------------------------------------------------------
# Diverse performances

_CATEGORY_WEIGHTS = {
    "幹部經歷": 0.06, "競賽參與": 0.15, "檢定證照": 0.12, "服務學習": 0.18, "彈性學習": 0.10,
    "團體活動": 0.12, "職場學習": 0.04, "作品成果": 0.12, "先修課程": 0.03, "其他": 0.08,
}
_HOURS_CATEGORIES = ("服務學習", "彈性學習", "團體活動", "職場學習", "先修課程")
_URLS = ("https://www.youtube.com/watch?v=", "https://drive.google.com/file/d/", "http://portfolio.example.tw/work/")


def build_performances(plan: SchoolPlan, rng: np.random.Generator, students: pl.DataFrame,
                       cadres: pl.DataFrame) -> pl.DataFrame:
    """多元表現: student-entered ones (0-30 a year; R11 injections 31-35) and school-registered cadre
    and competition records."""
    cap = plan.limits.diverse_upload_cap_per_year
    members = (
        students.filter(pl.col("_attending")).group_by("academic_year", "_pid", "student_number").agg()
        .sort("academic_year", "student_number")
    )
    m = members.height
    count = np.where(rng.random(m) < 0.35, 0, np.clip(1 + rng.poisson(7, m), 1, cap))
    count = np.where((count > 0) & (rng.random(m) < 0.01), cap, count)
    over = (count > 0) & (rng.random(m) < plan.error_rate / 4)
    count = np.where(over, cap + rng.integers(1, 6, m), count)
    who = np.repeat(np.arange(m), count)
    n = len(who)
    entered = members[who]
    categories = list(_CATEGORY_WEIGHTS)
    weights = np.array(list(_CATEGORY_WEIGHTS.values()))
    category_index = rng.choice(len(categories), n, p=weights / weights.sum())
    category = np.array(categories)[category_index]
    flat_titles = [t for c in categories for t in text.DIVERSE_TITLES[c]]
    size = np.array([len(text.DIVERSE_TITLES[c]) for c in categories])
    offset = np.concatenate([[0], np.cumsum(size)[:-1]])
    title_index = offset[category_index] + (rng.random(n) * size[category_index]).astype(np.int64)
    year = entered["academic_year"].to_numpy()
    school_years = range(plan.terms[0].academic_year, plan.terms[-1].academic_year + 1)
    first = dates_by(year, {y: date(y + ROC_OFFSET, 8, 20) for y in school_years})
    last = dates_by(year, {y: date(y + 1912, 6, 10) for y in school_years})
    start = random_days(rng, first, last, n)
    end = start + rng.integers(0, 21, n).astype("timedelta64[D]")
    uploaded = random_times(rng, end + rng.integers(0, 15, n).astype("timedelta64[D]"))
    hours = np.where(np.isin(category, _HOURS_CATEGORIES), np.round(rng.uniform(1, 40, n) * 2) / 2, np.nan)
    award = text.pick(text.COMPETITION_AWARDS, rng, n)
    level = text.pick(text.CERTIFICATE_LEVELS, rng, n)
    has_document = rng.random(n) < 0.55
    has_video = rng.random(n) < 0.05
    has_url = rng.random(n) < 0.06
    url = pl.select(pl.concat_str([
        pl.lit(text.pick(_URLS, rng, n)), pl.lit(pl.Series(rng.integers(10**7, 10**8, n)).cast(pl.String)),
    ])).to_series()
    student_entered = entered.select("academic_year", "_pid", "student_number").with_columns(
        pl.Series("category", category),
        pl.Series(flat_titles).gather(title_index).alias("title"),
        text.pick(text.DIVERSE_ORGANISERS, rng, n).alias("organiser"),
        pl.Series("start_date", start), pl.Series("end_date", end),
        pl.Series("hours", hours).fill_nan(None),
        pl.when(pl.Series(category) == "競賽參與").then(pl.lit(award))
        .when(pl.Series(category) == "檢定證照").then(pl.lit(level)).alias("level_or_award"),
        text.pick(text.summary_bank(), rng, n).alias("summary"),
        pl.when(pl.lit(pl.Series(has_document))).then(
            pl.concat_str([pl.lit("proof_"), pl.int_range(pl.len()).cast(pl.String), pl.lit("."),
                           pl.lit(_ext_choice(rng, ("pdf", "pdf", "jpg", "png", "PDF"), n))])
        ).alias("document_file_name"),
        pl.when(pl.lit(pl.Series(has_document))).then(pl.lit(pl.Series(_sizes(rng, n, 600_000, 10_000, plan.limits.document_max_bytes)))).alias("document_bytes"),
        pl.when(pl.lit(pl.Series(has_video))).then(
            pl.concat_str([pl.lit("video_"), pl.int_range(pl.len()).cast(pl.String), pl.lit("."),
                           pl.lit(_ext_choice(rng, ("mp4", "mp4", "mp3"), n))])
        ).alias("video_file_name"),
        pl.when(pl.lit(pl.Series(has_video))).then(pl.lit(pl.Series(_sizes(rng, n, 4_000_000, 200_000, plan.limits.video_max_bytes)))).alias("video_bytes"),
        pl.when(pl.lit(pl.Series(has_url))).then(pl.lit(url)).alias("external_url"),
        pl.lit("學生自填").alias("entry_source"),
        pl.Series("uploaded_at", uploaded),
        pl.Series("_over", np.repeat(over, count)),
        pl.int_range(pl.len()).alias("_k"),
    ).with_columns(diverse.category_fields(rng, category, start))
    student_entered = diverse.distinct_titles(student_entered)

    # School-registered: one cadre record per student, unit and position in the year; a few competitions.
    cadre_rows = (
        cadres.group_by("academic_year", "_pid", "student_number", "unit_name", "position", "cadre_level")
        .agg(pl.col("start_date").min(), pl.col("end_date").max())
        .sort("academic_year", "student_number", "unit_name", "position")
    )
    level_names = {1: "校級", 2: "班級", 3: "社團"}
    from_cadres = cadre_rows.select(
        "academic_year", "_pid", "student_number",
        pl.lit("幹部經歷").alias("category"),
        pl.concat_str(["unit_name", "position"]).alias("title"),
        pl.lit("本校學務處").alias("organiser"),
        "start_date", "end_date",
        pl.lit(None, dtype=pl.Float64).alias("hours"),
        pl.col("cadre_level").replace_strict(level_names, return_dtype=pl.String).alias("level_or_award"),
        pl.concat_str([pl.lit("擔任"), "unit_name", "position", pl.lit("，協助推動相關事務。")]).alias("summary"),
        "cadre_level",
    ).with_columns(pl.Series("uploaded_at", random_times(rng, cadre_rows["end_date"].to_numpy().astype("datetime64[D]") + 3, 9, 17)))
    competitors = members.filter(pl.Series(rng.random(m) < 0.04))
    c = competitors.height
    contest = text.pick(text.DIVERSE_TITLES["競賽參與"], rng, c)
    c_year = competitors["academic_year"].to_numpy() + ROC_OFFSET
    c_start = random_days(rng, dates_by(c_year, {y + ROC_OFFSET: date(y + ROC_OFFSET, 10, 1) for y in school_years}),
                          dates_by(c_year, {y + ROC_OFFSET: date(y + ROC_OFFSET + 1, 5, 31) for y in school_years}), c)
    from_contests = competitors.select("academic_year", "_pid", "student_number").with_columns(
        pl.lit("競賽參與").alias("category"), contest.alias("title"), pl.lit("教育部").alias("organiser"),
        pl.Series("start_date", c_start), pl.Series("end_date", c_start + 1),
        pl.lit(None, dtype=pl.Float64).alias("hours"),
        text.pick(text.COMPETITION_AWARDS, rng, c).alias("level_or_award"),
        pl.concat_str([pl.lit("代表學校參加"), pl.lit(contest), pl.lit("。")]).alias("summary"),
        text.pick(text.COMPETITION_EVENTS, rng, c).alias("competition_event"),
        pl.lit(pl.Series(np.array(seed_codes("xwalk_competition_levels", "competition_level_code"))[rng.integers(1, 4, c)]))
        .alias("competition_level_code"),
        pl.Series("uploaded_at", random_times(rng, c_start + 10, 9, 17)),
    )
    school = pl.concat([from_cadres, from_contests], how="diagonal_relaxed").with_columns(
        pl.lit(None, dtype=pl.String).alias("document_file_name"), pl.lit(None, dtype=pl.Int64).alias("document_bytes"),
        pl.lit(None, dtype=pl.String).alias("video_file_name"), pl.lit(None, dtype=pl.Int64).alias("video_bytes"),
        pl.lit(None, dtype=pl.String).alias("external_url"), pl.lit("學校登錄").alias("entry_source"),
        pl.lit(False).alias("_over"), pl.int_range(pl.len()).alias("_k"),
    )
    school = school.with_columns(pl.lit(None, dtype).alias(name) for name, dtype in student_entered.schema.items()
                                 if name not in school.columns)
    performances = pl.concat([student_entered, school.select(student_entered.columns)], how="vertical_relaxed")
    performances = performances.sort("academic_year", "student_number", "entry_source", "_k")
    return performances.with_columns(
        ("DP-" + (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(7)).alias("performance_id"),
    ).drop("_k")


# ---------------------------------------------------------------------------------------------
# Selections


def _selection_events(rng: np.random.Generator, items: pl.DataFrame, plan: SchoolPlan) -> pl.DataFrame:
    """Events for items with a _pattern: 1 勾選; 2 勾選, 取消勾選; 3 勾選, 取消勾選, 勾選.

    Times fall between the selection window's start and 2 days before its deadline, at least an hour apart.
    """
    n = items.height
    year = items["academic_year"].to_numpy()
    start = dates_by(year, {y: w.selection_start for y, w in plan.years.items()})
    latest = dates_by(year, {y: w.selection_deadline - timedelta(days=4) for y, w in plan.years.items()})
    base = random_times(rng, random_days(rng, start, latest, n), 7, 23).astype("datetime64[s]")
    pattern = items["_pattern"].to_numpy()
    frames = []
    time = base
    for step, action in enumerate(("勾選", "取消勾選", "勾選")):
        if step:
            time = time + rng.integers(HOUR, DAY, n).astype("timedelta64[s]")
        mask = pattern > step
        frames.append(items.filter(pl.Series(mask)).select("student_number", "academic_year", "item_type", "item_id", "_pid").with_columns(
            pl.lit(action).alias("action"), pl.Series("selected_at", time[mask].astype("datetime64[us]")),
        ))
    return pl.concat(frames)


def _extra_events(rng: np.random.Generator, items: pl.DataFrame, plan: SchoolPlan, *, late: bool) -> pl.DataFrame:
    """One 勾選 per item: on the day before the deadline, or 1-5 days after it (R20)."""
    n = items.height
    year = items["academic_year"].to_numpy()
    deadline = dates_by(year, {y: w.selection_deadline for y, w in plan.years.items()})
    day = deadline + (rng.integers(1, 6, n) if late else np.full(n, -1)).astype("timedelta64[D]")
    return items.select("student_number", "academic_year", "item_type", "item_id", "_pid").with_columns(
        pl.lit("勾選").alias("action"), pl.Series("selected_at", random_times(rng, day, 8, 20)),
    )


def _rank_randomly(rng: np.random.Generator, items: pl.DataFrame, group: list[str]) -> pl.DataFrame:
    """A random order (_rank from 1) within each group."""
    items = items.with_columns(pl.Series("_r", rng.random(items.height)))
    return items.with_columns(pl.col("_r").rank("ordinal").over(group).alias("_rank"))


def build_selections(plan: SchoolPlan, rng: np.random.Generator, outcomes: pl.DataFrame, states: pl.DataFrame,
                     performances: pl.DataFrame) -> pl.DataFrame:
    """勾選紀錄: certified outcomes (≤ 6) and student-entered performances (≤ 10) per student and year,
    with some un-selections; school-registered performances selected too (they never count).

    Injected (share from error_rate): R07 7-9 certified outcomes; R08 one uncertified outcome;
    R12 11-13 student-entered performances; R20 one more item 1-5 days after the deadline.
    Each student-year gets at most one of these, and never one that could read two ways.
    """
    rate = plan.error_rate
    limits = plan.limits
    group = ["academic_year", "student_number"]

    # ---- course outcomes
    outcome_items = (
        outcomes.select("outcome_id", "student_number", "academic_year", "_pid")
        .join(states.select("outcome_id", "state"), on="outcome_id", how="left")
        .with_columns(pl.col("state").fill_null("未送審"), pl.lit("課程學習成果").alias("item_type"),
                      pl.col("outcome_id").alias("item_id"))
        .sort("academic_year", "student_number", "outcome_id")
    )
    certified = outcome_items.filter(pl.col("state") == "認證通過")
    per = certified.group_by(group).agg(pl.len().alias("_n")).sort(group)
    uncertified_students = outcome_items.filter(pl.col("state") != "認證通過").group_by(group).agg(pl.len().alias("_u"))
    per = per.join(uncertified_students, on=group, how="full", coalesce=True).with_columns(
        pl.col("_n").fill_null(0), pl.col("_u").fill_null(0),
    ).sort(group)
    g = per.height
    n_cert = per["_n"].to_numpy()
    cap = limits.course_outcome_selection_cap_per_year
    k = np.where(rng.random(g) < 0.3, 0, np.minimum(n_cert, np.where(rng.random(g) < 0.4, cap, rng.integers(1, cap + 1, g))))
    u = rng.random(g)
    r07 = (n_cert > cap) & (u < rate)
    r08 = ~r07 & (k < cap) & (per["_u"].to_numpy() > 0) & (u >= rate) & (u < 1.5 * rate)
    r20 = ~r07 & ~r08 & (k < cap) & (n_cert > k) & (u >= 1.5 * rate) & (u < 2 * rate)
    target07 = np.where(r07, np.minimum(n_cert, cap + rng.integers(1, 4, g)), 0)
    per = per.with_columns(pl.Series("_k", k), pl.Series("_r07", r07), pl.Series("_t07", target07),
                           pl.Series("_r08", r08), pl.Series("_r20", r20))
    ranked = _rank_randomly(rng, certified, group).join(per.select(*group, "_k", "_r07", "_t07", "_r20"), on=group, how="left")
    ranked = ranked.sort("academic_year", "student_number", "outcome_id")
    churn = rng.random(ranked.height)
    ranked = ranked.with_columns(
        pl.when(pl.col("_rank") <= pl.col("_k"))
        .then(pl.when(pl.Series(churn < 0.05)).then(3).otherwise(1))
        .when((pl.col("_rank") == pl.col("_k") + 1) & pl.Series(churn < 0.15)).then(2)
        .otherwise(0).alias("_pattern"),
    )
    frames = [_selection_events(rng, ranked.filter(pl.col("_pattern") > 0), plan)]
    frames.append(_extra_events(rng, ranked.filter(pl.col("_r07") & (pl.col("_rank") > pl.col("_k")) & (pl.col("_rank") <= pl.col("_t07"))), plan, late=False))
    frames.append(_extra_events(rng, ranked.filter(pl.col("_r20") & (pl.col("_rank") == pl.col("_k") + 1)), plan, late=True))
    uncertified = outcome_items.filter(pl.col("state") != "認證通過").join(per.filter(pl.col("_r08")).select(group), on=group, how="semi")
    uncertified = uncertified.sort("academic_year", "student_number", "outcome_id").with_columns(pl.Series("_r", rng.random(uncertified.height)))
    uncertified = uncertified.filter(pl.col("_r").rank("ordinal").over(group) == 1)
    frames.append(_extra_events(rng, uncertified, plan, late=False))

    # ---- diverse performances (student-entered count; school-registered selected on the side)
    entered = performances.filter(pl.col("entry_source") == "學生自填").select(
        "performance_id", "student_number", "academic_year", "_pid",
    ).with_columns(pl.lit("多元表現").alias("item_type"), pl.col("performance_id").alias("item_id")).sort(
        "academic_year", "student_number", "performance_id")
    p_per = entered.group_by(group).agg(pl.len().alias("_n")).sort(group)
    h = p_per.height
    n_entered = p_per["_n"].to_numpy()
    p_cap = limits.diverse_selection_cap_per_year
    pk = np.where(rng.random(h) < 0.35, 0, np.minimum(n_entered, rng.integers(1, p_cap + 1, h)))
    pu = rng.random(h)
    r12 = (n_entered > p_cap) & (pu < 2 * rate)
    p20 = ~r12 & (pk < p_cap) & (n_entered > pk) & (pu >= 2 * rate) & (pu < 2.5 * rate)
    target12 = np.where(r12, np.minimum(n_entered, p_cap + rng.integers(1, 4, h)), 0)
    p_per = p_per.with_columns(pl.Series("_k", pk), pl.Series("_r12", r12), pl.Series("_t12", target12), pl.Series("_r20", p20))
    p_ranked = _rank_randomly(rng, entered, group).join(p_per.select(*group, "_k", "_r12", "_t12", "_r20"), on=group, how="left")
    p_ranked = p_ranked.sort("academic_year", "student_number", "performance_id")
    churn = rng.random(p_ranked.height)
    p_ranked = p_ranked.with_columns(
        pl.when(pl.col("_rank") <= pl.col("_k"))
        .then(pl.when(pl.Series(churn < 0.05)).then(3).otherwise(1))
        .when((pl.col("_rank") == pl.col("_k") + 1) & pl.Series(churn < 0.15)).then(2)
        .otherwise(0).alias("_pattern"),
    )
    frames.append(_selection_events(rng, p_ranked.filter(pl.col("_pattern") > 0), plan))
    frames.append(_extra_events(rng, p_ranked.filter(pl.col("_r12") & (pl.col("_rank") > pl.col("_k")) & (pl.col("_rank") <= pl.col("_t12"))), plan, late=False))
    frames.append(_extra_events(rng, p_ranked.filter(pl.col("_r20") & (pl.col("_rank") == pl.col("_k") + 1)), plan, late=True))

    registered = performances.filter(pl.col("entry_source") == "學校登錄").select(
        "performance_id", "student_number", "academic_year", "_pid",
    ).with_columns(pl.lit("多元表現").alias("item_type"), pl.col("performance_id").alias("item_id")).sort("performance_id")
    who = registered.select(group).unique().sort(group)
    who = who.filter(pl.Series(rng.random(who.height) < 0.3))
    registered = registered.join(who, on=group, how="semi").sort("performance_id").with_columns(pl.lit(1).alias("_pattern"))
    frames.append(_selection_events(rng, registered, plan))

    selections = pl.concat([f.select("student_number", "academic_year", "item_type", "item_id", "action", "selected_at", "_pid") for f in frames])
    return selections.sort("selected_at", "item_id", "action")
