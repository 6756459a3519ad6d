"""Ground truth for one school, computed from the final frames (what ingestion will load).

The truth is not a log of what was injected: it evaluates the counts and every rule of rules.md on
the generated data, so natural cases (pending outcomes of a departed teacher, a backlog at
``as_of``) are in it as well as injected ones. Values are read the way ingestion reads them: text
trimmed of spaces (full-width ones too), ``""`` missing.

States and selections
    An outcome's state is the meaning of its latest event other than 更換認證教師 (送審 → 待認證,
    認證通過, 認證未通過, 取消認證 → 已取消); no such event → 未送審. An item is selected when its
    latest 勾選紀錄 action is 勾選. Both are taken at ``as_of`` (every event is earlier).

violations.csv: one row per (school_code, academic_year, term, rule_id, key), no duplicates.
``term`` is the item's term for outcome, event and course-record grains, the term for R14, and 0
for year-grain rules (R07, R08, R10, R11, R12, R13, R20).

=====  ====  ==================================================================================
rule   term  key
=====  ====  ==================================================================================
R01    item  成果編號 — 成果簡述 missing or blank after trimming
R02    item  成果編號 — trimmed 成果簡述 longer than summary_max_chars
R03    item  成果編號 — neither 文件檔名 nor 影音檔名
R04    item  成果編號 — document/video extension (after the last dot, case-insensitive) not allowed, or size over the limit
R05    term  學號 — more than course_outcome_upload_cap_per_term rows in 課程學習成果 for the student and term
R06    item  成果編號 — no 修課成績 row with the same (學號, 學年度, 學期, 課程代碼)
R07    0     學號 — more than course_outcome_selection_cap_per_year outcomes currently selected in the year
R08    0     成果編號 (項目編號) — currently selected outcome whose state is not 認證通過
R09    item  成果編號 — the outcome has a 認證未通過 event with a missing/blank 說明 (one row per outcome)
R10    0     表現編號 — blank or too long 內容簡述, bad file type/size, or 外部連結 not starting http:// or https://
R11    0     學號 — more than diverse_upload_cap_per_year 學生自填 performances in the year
R12    0     學號 — more than diverse_selection_cap_per_year 學生自填 performances currently selected
R13    0     學號 — some 學生資料 row of the student in that year has an invalid 身分證號
R14    term  學號 — among enrolled rows (在學/復學/轉入/重讀) of the term, shares its 身分證號 with another row,
                or its 學號 appears on more than one row (that 學號 once)
R15    item  ``學號|課程代碼`` — 課程代碼 not 23 characters with position 17 in 1-9/A-F and 19 in 0-6/A-I
R16    item  成果編號 — date of 上傳時間 after the term's upload_deadline (only schools whose policy.yaml has terms)
R17    item  成果編號 — state 待認證 and (as_of − date of its latest 送審 > certification_days_after_upload days,
                or as_of after the term's certification_deadline when the policy has one)
R18    item  成果編號 — state 未送審/待認證/認證未通過 and the current certifying teacher (the latest
                更換認證教師 event's teacher, else 認證教師代碼) is 離職
R19    item  ``學號|課程代碼`` — 學期學業成績 and 成績及格 both present and (score ≥ 60) ≠ (成績及格 = 1)
R20    0     項目編號 — a 勾選 event dated after the year's selection deadline (only schools whose
                policy.yaml has selection_deadlines)
R21    item  成果編號 — its 修課成績 row's 課程代碼 has category 8/9 (no credits) and an attribute other than D,
             or that row's 是否採計學分 is 3 不適用 (a course without credits)
R22    item  成果編號 — the student's 學生資料 row of that term is not listed (a 轉出/退學/畢業 dated before the
                term) or is 休學/轉出/退學 with the upload after its 學籍異動日期, or there is no row; 0 —
                表現編號 (upload) and 項目編號 of an item selected now (selection) by the student's latest listed
                row of the year (generate/register.py, the warehouse's one definition)
R23    0     學號 — the year's latest 學生資料 row has no 出生日期, or (age on 1 August − (年級 − 1)) outside 14-20
R26    item  成果編號 of R16; 0 — 項目編號 of an item selected now whose latest 勾選 is after the deadline
R27    0     表現編號 — 學生自填, uploaded after the year's diverse-entry deadline (only with policy.yaml)
R28    item  成果編號 — state 認證通過 and its latest 認證通過 given by a teacher other than the current
                certifying teacher, or 上傳時間 after that 認證通過
R24    row   群別代碼：（身分證號） — a 學生資料 row whose 群別代碼 is not in xwalk_clusters (the one list the
             generator breaks: inject.code_defects, on an enrolled row exported once); key as the gate's
             exported-codes frame makes it (pipelines/gate/exported.py)
R25    term  ``學號|<名冊>/<工作表>：<項目鍵>`` — the 學號 has an exported row whose student (身分證號 + 出生日期)
             and 項目鍵 another row of the sheet and term shares, on 學生資料 (an R14 pair with one 出生日期;
             ``學生資料名冊/學生資料：（身分證號）``, the ID masked) and 缺勤紀錄 (the injected re-entry:
             inject.absence_defects); keys as the gate's exported-rows frame (pipelines/gate/exported.py) shows them
=====  ====  ==================================================================================
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.contract import seed_codes, seed_rows
from pipelines.export.layout import KEY_JOINER, WORKBOOKS_BY_NAME, WHOLE_YEAR
from pipelines.generate.codes import valid_course_codes, valid_national_ids
from pipelines.roc import ROC_OFFSET
from pipelines.generate.plan import ENROLLED, SchoolPlan
from pipelines.generate.register import listed, on_register, register_rows

TRIM = " \t\r\n\f\v\u3000\u00a0\ufeff"
NO_CREDIT_CATEGORIES = ("8", "9")  # 團體活動時間, 彈性學習時間 (R21) unless the attribute is D
CREDIT_GRANTING_ATTRIBUTE = "D"
WITHOUT_CREDITS = [row["delivered_code"] for row in seed_rows("xwalk_credit_counted_codes")
                   if row["is_course_without_credits"] == "true"]
ENTRY_AGES = (14, 20)  # R23
_STUDENT_SHEET = WORKBOOKS_BY_NAME["學生資料名冊"].sheets[0]
R24_CLUSTER_KEY = (next(header for header, column in _STUDENT_SHEET.columns if column == "cluster_code") + "："
                   + KEY_JOINER.join(f"（{header}）" for header in _STUDENT_SHEET.key_headers))
STATE_OF_ACTION = {"送審": "待認證", "認證通過": "認證通過", "認證未通過": "認證未通過", "取消認證": "已取消"}
TERM_METRICS = (
    "students", "students_enrolled", "course_records", "outcomes_uploaded", "outcomes_certified",
    "outcomes_pending", "outcomes_failed", "outcomes_cancelled", "outcomes_not_submitted",
    "cadre_rows", "absence_rows",
)
# 學生自填多元表現名冊 rows per sheet: the selected student-entered entries of each 類別 (by its English name)
_CATEGORY_EN = dict(zip(seed_codes("xwalk_diverse_categories", "category"), seed_codes("xwalk_diverse_categories", "category_en")))
SHEET_METRICS = tuple(f"performances_selected_{name}" for name in _CATEGORY_EN.values())
YEAR_METRICS = ("outcomes_selected", "performances_student_entered", "performances_school_registered",
                "performances_selected", *SHEET_METRICS)
# Rows the export models hold per 名冊 sheet (before caps and gate exclusions, which the manifest lists):
# metric `sheet_rows:<sheet>`, per term for the term rosters and under term 0 for the whole-year ones.
SHEET_METRIC = "sheet_rows:"
TERM_SHEETS = ("學生資料名冊", "學生成績名冊")
YEAR_SHEETS = ("學生課程學習成果名冊",)
TERM_METRICS += tuple(SHEET_METRIC + sheet.name for book in TERM_SHEETS for sheet in WORKBOOKS_BY_NAME[book].sheets)
YEAR_METRICS += tuple(SHEET_METRIC + sheet.name for book in YEAR_SHEETS for sheet in WORKBOOKS_BY_NAME[book].sheets)
REGISTER_SHEET, VISITING_SHEET = (sheet.name for sheet in WORKBOOKS_BY_NAME["學生資料名冊"].sheets)
REGISTER_KEY = (f"學生資料名冊/{REGISTER_SHEET}："
                + KEY_JOINER.join(f"（{header}）" for header in _STUDENT_SHEET.key_headers))  # the ID is never shown
ABSENCE_SHEET = "缺勤紀錄名冊/" + WORKBOOKS_BY_NAME["缺勤紀錄名冊"].sheets[0].name
REGULAR_OUTCOME_SHEET = WORKBOOKS_BY_NAME["學生課程學習成果名冊"].sheets[0].name
VISITING_OUTCOME_SHEET = WORKBOOKS_BY_NAME["學生課程學習成果名冊"].sheets[-1].name
_STATE_METRIC = {"認證通過": "outcomes_certified", "待認證": "outcomes_pending", "認證未通過": "outcomes_failed",
                 "已取消": "outcomes_cancelled", "未送審": "outcomes_not_submitted"}
VIOLATION_SCHEMA = {"school_code": pl.String, "academic_year": pl.Int64, "term": pl.Int64, "rule_id": pl.String,
                    "key": pl.String}
COUNT_SCHEMA = {"school_code": pl.String, "academic_year": pl.Int64, "term": pl.Int64, "metric": pl.String,
                "value": pl.Int64}


def trimmed(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars(TRIM)


def blank(column: str) -> pl.Expr:
    return pl.col(column).is_null() | (trimmed(column) == "")


def _extension(column: str) -> pl.Expr:
    name = trimmed(column)
    return pl.when(name.str.contains(r"\.")).then(name.str.extract(r"\.([^.]*)$").str.to_lowercase()).otherwise(pl.lit(""))


def _file_bad(name: str, size: str, types: tuple[str, ...], limit: int) -> pl.Expr:
    return ~blank(name) & (~_extension(name).is_in(list(types)) | (pl.col(size).fill_null(0) > limit))


def outcome_states(events: pl.DataFrame) -> pl.DataFrame:
    """outcome_id, state, submitted_at (latest 送審), teacher_code of the latest 更換認證教師 (if any)."""
    ordered = events.sort("event_at", "outcome_id")
    decisive = (
        ordered.filter(pl.col("action") != "更換認證教師")
        .group_by("outcome_id")
        .agg(pl.col("action").last(), pl.col("event_at").filter(pl.col("action") == "送審").max().alias("submitted_at"))
        .with_columns(pl.col("action").replace_strict(STATE_OF_ACTION, return_dtype=pl.String).alias("state"))
    )
    changed = (
        ordered.filter(pl.col("action") == "更換認證教師").group_by("outcome_id")
        .agg(pl.col("teacher_code").last().alias("changed_teacher_code"))
    )
    return decisive.join(changed, on="outcome_id", how="full", coalesce=True).select(
        "outcome_id", "state", "submitted_at", "changed_teacher_code",
    ).sort("outcome_id")


def current_selections(selections: pl.DataFrame) -> pl.DataFrame:
    """Items whose latest action is 勾選, with the year and student of that latest action."""
    return (
        selections.sort("selected_at", "item_id")
        .group_by("item_type", "item_id")
        .agg(pl.col("action").last(), pl.col("academic_year").last(), pl.col("student_number").last())
        .filter(pl.col("action") == "勾選")
        .drop("action")
        .sort("item_type", "item_id")
    )


def compute_truth(plan: SchoolPlan, frames: dict[str, pl.DataFrame], as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(expected_counts, violations) for one school."""
    students = frames["students"]
    records = frames["course_records"]
    outcomes = frames["course_outcomes"]
    events = frames["certification_events"]
    performances = frames["diverse_performances"]
    selections = frames["selections"]
    teachers = frames["teachers"]
    limits = plan.limits

    states = outcome_states(events)
    outcomes_s = outcomes.join(states, on="outcome_id", how="left").with_columns(pl.col("state").fill_null("未送審"))
    selected = current_selections(selections)
    selected_outcomes = selected.filter(pl.col("item_type") == "課程學習成果").join(
        outcomes_s.select(pl.col("outcome_id").alias("item_id"), "state"), on="item_id", how="left",
    ).with_columns(pl.col("state").fill_null("未送審"))
    selected_entered = selected.filter(pl.col("item_type") == "多元表現").join(
        performances.filter(pl.col("entry_source") == "學生自填").select(pl.col("performance_id").alias("item_id")),
        on="item_id", how="semi",
    )

    violations: list[pl.DataFrame] = []

    def add(rule: str, frame: pl.DataFrame, key: pl.Expr, term: pl.Expr | None = None) -> None:
        violations.append(frame.select(
            pl.col("academic_year").cast(pl.Int64),
            (term if term is not None else pl.lit(0)).cast(pl.Int64).alias("term"),
            pl.lit(rule).alias("rule_id"),
            key.cast(pl.String).alias("key"),
        ))

    outcome_key, outcome_term = pl.col("outcome_id"), pl.col("term")
    add("R01", outcomes.filter(blank("summary")), outcome_key, outcome_term)
    add("R02", outcomes.filter(trimmed("summary").str.len_chars() > limits.summary_max_chars), outcome_key, outcome_term)
    add("R03", outcomes.filter(blank("document_file_name") & blank("video_file_name")), outcome_key, outcome_term)
    add("R04", outcomes.filter(
        _file_bad("document_file_name", "document_bytes", limits.document_types, limits.document_max_bytes)
        | _file_bad("video_file_name", "video_bytes", limits.video_types, limits.video_max_bytes)
    ), outcome_key, outcome_term)
    over_cap = outcomes.group_by("academic_year", "term", "student_number").agg(pl.len().alias("n")).filter(
        pl.col("n") > limits.course_outcome_upload_cap_per_term)
    add("R05", over_cap, pl.col("student_number"), pl.col("term"))
    taken = records.select("student_number", "academic_year", "term", "course_code").unique()
    add("R06", outcomes.join(taken, on=["student_number", "academic_year", "term", "course_code"], how="anti"),
        outcome_key, outcome_term)
    add("R07", selected_outcomes.group_by("academic_year", "student_number").agg(pl.len().alias("n")).filter(
        pl.col("n") > limits.course_outcome_selection_cap_per_year), pl.col("student_number"))
    add("R08", selected_outcomes.filter(pl.col("state") != "認證通過"), pl.col("item_id"))
    failed_blank = events.filter((pl.col("action") == "認證未通過") & blank("reason")).select("outcome_id").unique()
    add("R09", outcomes.join(failed_blank, on="outcome_id", how="semi"), outcome_key, outcome_term)
    add("R10", performances.filter(
        blank("summary") | (trimmed("summary").str.len_chars() > limits.summary_max_chars)
        | _file_bad("document_file_name", "document_bytes", limits.document_types, limits.document_max_bytes)
        | _file_bad("video_file_name", "video_bytes", limits.video_types, limits.video_max_bytes)
        | (~blank("external_url") & ~trimmed("external_url").str.contains(r"^https?://"))
    ), pl.col("performance_id"))
    add("R11", performances.filter(pl.col("entry_source") == "學生自填").group_by("academic_year", "student_number")
        .agg(pl.len().alias("n")).filter(pl.col("n") > limits.diverse_upload_cap_per_year), pl.col("student_number"))
    add("R12", selected_entered.group_by("academic_year", "student_number").agg(pl.len().alias("n")).filter(
        pl.col("n") > limits.diverse_selection_cap_per_year), pl.col("student_number"))
    invalid_id = students.filter(pl.Series(~valid_national_ids(students["national_id"])))
    add("R13", invalid_id, pl.col("student_number"))
    enrolled = students.filter(pl.col("enrolment_status").is_in(ENROLLED))
    shared_id = enrolled.filter(pl.len().over("academic_year", "term", "national_id") > 1)
    shared_number = enrolled.filter(pl.len().over("academic_year", "term", "student_number") > 1)
    add("R14", pl.concat([shared_id, shared_number]), pl.col("student_number"), pl.col("term"))
    record_key = pl.concat_str([pl.col("student_number"), pl.lit("|"), pl.col("course_code")])
    add("R15", records.filter(pl.Series(~valid_course_codes(records["course_code"]))), record_key, pl.col("term"))

    windows = pl.DataFrame({
        "academic_year": [w.academic_year for w in plan.terms], "term": [w.term for w in plan.terms],
        "upload_deadline": [w.upload_deadline for w in plan.terms],
        "certification_deadline": [w.certification_deadline for w in plan.terms],
    })
    if plan.deadlines_in_policy:
        late = outcomes.join(windows, on=["academic_year", "term"], how="left").filter(
            pl.col("uploaded_at").dt.date() > pl.col("upload_deadline"))
        add("R16", late, outcome_key, outcome_term)
    pending = outcomes_s.filter(pl.col("state") == "待認證").join(windows, on=["academic_year", "term"], how="left")
    backlog = (pl.lit(as_of) - pl.col("submitted_at").dt.date()).dt.total_days() > limits.certification_days_after_upload
    if plan.deadlines_in_policy:
        backlog = backlog | (pl.lit(as_of) > pl.col("certification_deadline"))
    add("R17", pending.filter(backlog), outcome_key, outcome_term)
    departed = teachers.filter(pl.col("employment_status") == "離職").select("teacher_code")
    uncertified = outcomes_s.filter(pl.col("state").is_in(["未送審", "待認證", "認證未通過"])).with_columns(
        pl.coalesce("changed_teacher_code", "certifying_teacher_code").alias("teacher_code"))
    add("R18", uncertified.join(departed, on="teacher_code", how="semi"), outcome_key, outcome_term)
    add("R19", records.filter(
        pl.col("score").is_not_null() & pl.col("is_passed").is_not_null()
        & ((pl.col("score") >= 60) != (pl.col("is_passed") == 1))
    ), record_key, pl.col("term"))
    if plan.deadlines_in_policy:
        deadlines = pl.DataFrame({"academic_year": list(plan.years),
                                  "selection_deadline": [w.selection_deadline for w in plan.years.values()]})
        late_selection = selections.filter(pl.col("action") == "勾選").join(deadlines, on="academic_year", how="left").filter(
            pl.col("selected_at").dt.date() > pl.col("selection_deadline"))
        add("R20", late_selection, pl.col("item_id"))

    _v2_rules(plan, frames, outcomes_s, selections, add, windows)

    violation_frame = (
        pl.concat([*violations, _repeated_keys(students, frames["absences"])])
        .with_columns(pl.lit(plan.code).alias("school_code"))
        .select(list(VIOLATION_SCHEMA))
        .unique()
        .sort("academic_year", "term", "rule_id", "key")
    )
    counts = _counts(plan, students, records, outcomes_s, performances, selected_outcomes, selected_entered,
                     frames["cadres"], frames["absences"])
    sheets = _sheet_counts(students, records, outcomes_s, selected_outcomes, frames["visiting_studies"])
    counts = (counts.join(sheets, on=["academic_year", "term", "metric"], how="left")
              .with_columns(pl.coalesce("sheet_value", "value").alias("value")).drop("sheet_value"))
    return counts, violation_frame


def _roc_text(column: str) -> pl.Expr:
    """A date as the export models write it: ROC YYY/MM/DD (three-digit year), null stays null."""
    date = pl.col(column)
    return pl.format("{}/{}/{}", (date.dt.year() - ROC_OFFSET).cast(pl.String).str.zfill(3),
                     date.dt.month().cast(pl.String).str.zfill(2), date.dt.day().cast(pl.String).str.zfill(2))


def _repeated_keys(students: pl.DataFrame, absences: pl.DataFrame) -> pl.DataFrame:
    """R25: each 學號 with a row of a sheet whose student and 項目鍵 another row of that sheet and term shares,
    keyed `學號|<名冊>/<工作表>：<項目鍵>` as the gate shows it (the student's own key masked; one violation
    per term, 學號 and key, so a 學號's two rows with one key are one). Modelled on the two sheets whose keys
    the generator can repeat: 學生資料 (two listed rows sharing a 身分證號 and 出生日期, an R14 pair) and
    缺勤紀錄 (inject.absence_defects). Every other sheet's key is unique by its file's raw key or by the
    generator's naming (a second entry of one name is numbered, a second file of one title too)."""
    term = ["academic_year", "term"]
    registry = students.unique(subset=[*term, "student_number"], keep="last", maintain_order=True).filter(listed())
    shared_id = (registry.filter(pl.col("national_id").is_not_null())
                 .filter(pl.len().over(*term, "national_id", pl.col("birth_date").cast(pl.String).fill_null("")) > 1)
                 .with_columns(pl.lit(REGISTER_KEY).alias("key")))
    codes = dict(zip(seed_codes("xwalk_absence_types", "absence_type_name"), seed_codes("xwalk_absence_types", "absence_type_code")))
    code = (pl.col("absence_type_code") if "absence_type_code" in absences.columns else pl.lit(None, dtype=pl.String))
    start = _roc_text("start_date") if "start_date" in absences.columns else pl.lit(None, dtype=pl.String)
    absence_keys = absences.with_columns(
        (pl.lit(ABSENCE_SHEET + "：") + code.fill_null(pl.col("leave_type").replace_strict(codes, default=None))
         + KEY_JOINER + start.fill_null("")).alias("key"))
    repeated = absence_keys.filter(pl.len().over(*term, "student_number", "key") > 1)
    return pl.concat([frame.select(pl.col("academic_year").cast(pl.Int64), pl.col("term").cast(pl.Int64),
                                   pl.lit("R25").alias("rule_id"), (pl.col("student_number") + "|" + pl.col("key")).alias("key"))
                      for frame in (shared_id, repeated)])


def _sheet_counts(students: pl.DataFrame, records: pl.DataFrame, outcomes_s: pl.DataFrame,
                  selected_outcomes: pl.DataFrame, visiting: pl.DataFrame) -> pl.DataFrame:
    """academic_year, term, metric, sheet_value: the rows of each sheet the export models should hold."""
    kinds = {row["record_kind"]: row for row in seed_rows("xwalk_course_record_kinds")}
    term = ["academic_year", "term"]
    registry = students.unique(subset=[*term, "student_number"], keep="last", maintain_order=True)
    parts = [
        registry.filter(listed()).with_columns(pl.lit(REGISTER_SHEET).alias("sheet")),
        visiting.with_columns(pl.lit(VISITING_SHEET).alias("sheet")),
        records.filter(pl.col("record_kind").is_in(list(kinds))).with_columns(
            pl.col("record_kind").replace_strict({kind: row["export_sheet_name"] for kind, row in kinds.items()}).alias("sheet")),
    ]
    order = {kind: int(row["sort_order"]) for kind, row in kinds.items()}
    first_kind = (records.filter(pl.col("record_kind").is_in(list(kinds)))
                  .with_columns(pl.col("record_kind").replace_strict(order, return_dtype=pl.Int64).alias("_order"))
                  .sort("_order").group_by("student_number", "academic_year", "term", "course_code")
                  .agg(pl.col("record_kind").first()))
    visiting_terms = visiting.select("student_number", "academic_year", "term").unique().with_columns(pl.lit(True).alias("_visiting"))
    candidates = (
        outcomes_s.join(selected_outcomes.select(pl.col("item_id").alias("outcome_id")), on="outcome_id", how="semi")
        .filter(pl.col("state") == "認證通過")
        .join(first_kind, on=["student_number", "academic_year", "term", "course_code"], how="left")
        .join(visiting_terms, on=["student_number", "academic_year", "term"], how="left")
        .with_columns(
            pl.when(pl.col("_visiting")).then(pl.lit(VISITING_OUTCOME_SHEET))
            .otherwise(pl.col("record_kind").replace_strict(
                {kind: row["outcome_sheet_name"] for kind, row in kinds.items()}, default=REGULAR_OUTCOME_SHEET)).alias("sheet"),
            pl.lit(WHOLE_YEAR).alias("term"))
    )
    frames = [part.group_by("academic_year", "term", "sheet").agg(pl.len().alias("sheet_value")) for part in (*parts, candidates)]
    return pl.concat([frame.select(pl.col("academic_year").cast(pl.Int64), pl.col("term").cast(pl.Int64),
                                   (pl.lit(SHEET_METRIC) + pl.col("sheet")).alias("metric"),
                                   pl.col("sheet_value").cast(pl.Int64)) for frame in frames])


def _v2_rules(plan: SchoolPlan, frames: dict[str, pl.DataFrame], outcomes_s: pl.DataFrame, selections: pl.DataFrame,
              add, windows: pl.DataFrame) -> None:
    """R21-R23 and R26-R28 (contract v2), as their rows above say."""
    students, records, events = frames["students"], frames["course_records"], frames["certification_events"]
    performances = frames["diverse_performances"]
    outcome_key, outcome_term = pl.col("outcome_id"), pl.col("term")
    code = pl.col("course_code")
    no_credit = code.str.slice(16, 1).is_in(list(NO_CREDIT_CATEGORIES)) & (code.str.slice(18, 1) != CREDIT_GRANTING_ATTRIBUTE)
    course = ["student_number", "academic_year", "term", "course_code"]
    # 是否採計學分 3 (不適用): the school says the course has no credits (xwalk_credit_counted_codes)
    said = records.group_by(course).agg(pl.col("credit_counted_code").cast(pl.String).is_in(WITHOUT_CREDITS).any().alias("_without"))
    matched = outcomes_s.join(said, on=course, how="inner")
    add("R21", matched.filter(no_credit | pl.col("_without")), outcome_key, outcome_term)

    placed = outcomes_s.join(register_rows(students, per_term=True), on=["academic_year", "term", "student_number"], how="left")
    add("R22", placed.filter(~on_register("uploaded_at").fill_null(False)), outcome_key, outcome_term)
    year_rows = register_rows(students, per_term=False)
    entries = performances.join(year_rows, on=["academic_year", "student_number"], how="left")
    add("R22", entries.filter(~on_register("uploaded_at").fill_null(False)), pl.col("performance_id"))
    latest_selection = (selections.sort("selected_at", "item_id").group_by("item_type", "item_id")
                        .agg(pl.col("action").last(), pl.col("academic_year").last(), pl.col("student_number").last(),
                             pl.col("selected_at").filter(pl.col("action") == "勾選").last())
                        .filter(pl.col("action") == "勾選"))
    chosen = latest_selection.join(year_rows, on=["academic_year", "student_number"], how="left")
    add("R22", chosen.filter(~on_register("selected_at").fill_null(False)), pl.col("item_id"))

    rows = students.unique(subset=["academic_year", "term", "student_number"], keep="last", maintain_order=True)
    latest = rows.sort("term").unique(subset=["academic_year", "student_number"], keep="last", maintain_order=True)
    start = pl.date(pl.col("academic_year") + ROC_OFFSET, 8, 1)
    age = (start.dt.year() - pl.col("birth_date").dt.year()
           - pl.when((start.dt.month() * 100 + start.dt.day()) < (pl.col("birth_date").dt.month() * 100
                                                                    + pl.col("birth_date").dt.day())).then(1).otherwise(0))
    entry_age = age - (pl.col("grade") - 1)
    clusters = list(seed_codes("xwalk_clusters", "cluster_code"))
    add("R24", students.filter(~pl.col("cluster_code").is_in(clusters)), pl.lit(R24_CLUSTER_KEY), pl.col("term"))
    add("R23", latest.filter(pl.col("birth_date").is_null() | ~entry_age.is_between(*ENTRY_AGES)), pl.col("student_number"))

    if plan.deadlines_in_policy:
        late = outcomes_s.join(windows, on=["academic_year", "term"], how="left").filter(
            pl.col("uploaded_at").dt.date() > pl.col("upload_deadline"))
        add("R26", late, outcome_key, outcome_term)
        deadlines = pl.DataFrame({"academic_year": list(plan.years),
                                  "selection_deadline": [w.selection_deadline for w in plan.years.values()],
                                  "diverse_entry_deadline": [w.diverse_entry_deadline for w in plan.years.values()]})
        add("R26", latest_selection.join(deadlines, on="academic_year", how="left").filter(
            pl.col("selected_at").dt.date() > pl.col("selection_deadline")), pl.col("item_id"))
        add("R27", performances.filter(pl.col("entry_source") == "學生自填").join(deadlines, on="academic_year", how="left")
            .filter(pl.col("uploaded_at").dt.date() > pl.col("diverse_entry_deadline")), pl.col("performance_id"))

    passes = (events.filter(pl.col("action") == "認證通過").sort("event_at", "outcome_id").group_by("outcome_id")
              .agg(pl.col("teacher_code").last().alias("certified_by"), pl.col("event_at").last().alias("certified_at")))
    certified = outcomes_s.filter(pl.col("state") == "認證通過").join(passes, on="outcome_id", how="left").with_columns(
        pl.coalesce("changed_teacher_code", "certifying_teacher_code").alias("teacher_code"))
    add("R28", certified.filter((pl.col("certified_by") != pl.col("teacher_code"))
                                | (pl.col("uploaded_at") > pl.col("certified_at"))), outcome_key, outcome_term)


def _counts(plan: SchoolPlan, students: pl.DataFrame, records: pl.DataFrame, outcomes_s: pl.DataFrame,
            performances: pl.DataFrame, selected_outcomes: pl.DataFrame, selected_entered: pl.DataFrame,
            cadres: pl.DataFrame, absences: pl.DataFrame) -> pl.DataFrame:
    values: dict[tuple[int, int, str], int] = {}
    for window in plan.terms:
        for metric in TERM_METRICS:
            values[(window.academic_year, window.term, metric)] = 0
    for year in plan.years:
        for metric in YEAR_METRICS:
            values[(year, 0, metric)] = 0

    def tally(frame: pl.DataFrame, by: list[str], metric: str | pl.Expr) -> None:
        grouped = frame.group_by(by).agg(pl.len().alias("n"))
        for row in grouped.iter_rows(named=True):
            name = metric if isinstance(metric, str) else None
            key = (row["academic_year"], row.get("term", 0), name or row["metric"])
            if key in values:
                values[key] += row["n"]

    term = ["academic_year", "term"]
    # The registry has one row per 學號 and term: a 學號 delivered twice (an R14 case) is one student.
    registry = students.unique(subset=[*term, "student_number"], keep="last", maintain_order=True)
    tally(registry, term, "students")
    tally(registry.filter(pl.col("enrolment_status").is_in(ENROLLED)), term, "students_enrolled")
    tally(records, term, "course_records")
    tally(outcomes_s, term, "outcomes_uploaded")
    tally(outcomes_s.with_columns(pl.col("state").replace_strict(_STATE_METRIC).alias("metric")), [*term, "metric"], pl.lit(0))
    # outcomes the school holds that are selected: a selection naming no outcome of the school (a transferred
    # student's item not imported yet, pipelines/generate/transfer.py) is R08's, not a selected outcome
    tally(selected_outcomes.join(outcomes_s.select(pl.col("outcome_id").alias("item_id")), on="item_id", how="semi"),
          ["academic_year"], "outcomes_selected")
    tally(performances.filter(pl.col("entry_source") == "學生自填"), ["academic_year"], "performances_student_entered")
    tally(performances.filter(pl.col("entry_source") == "學校登錄"), ["academic_year"], "performances_school_registered")
    tally(selected_entered, ["academic_year"], "performances_selected")
    # the term rosters hold every delivered row (uncapped); a sheet of the whole-year roster its category's selected
    tally(cadres, term, "cadre_rows")
    tally(absences, term, "absence_rows")
    by_sheet = selected_entered.join(performances.select(pl.col("performance_id").alias("item_id"), "category"), on="item_id")
    tally(by_sheet.with_columns(("performances_selected_" + pl.col("category").replace_strict(_CATEGORY_EN)).alias("metric")),
          ["academic_year", "metric"], pl.lit(0))
    return pl.DataFrame(
        [{"school_code": plan.code, "academic_year": y, "term": t, "metric": m, "value": v} for (y, t, m), v in values.items()],
        schema=COUNT_SCHEMA,
    ).sort("academic_year", "term", "metric")
