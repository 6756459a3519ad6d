"""The gate's expectation suites: one function per area and grain, each built from the school's policy.

Every cap and limit comes from the `policy` argument (pipelines.policy.Policy, resolved from the
warehouse); the only numbers written here are national constants that no school policy sets (the pass
mark). dbt prepares the narrow frames (marts/gate) so that each rule is a plain expectation; an
expectation carries in its `meta` the rule it belongs to, the frame column that is the offending row's
measured value and the limit it was held to, which is how results become rows people can act on.

Map expectations skip null values, so every boolean fact a suite checks is non-null in its frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

PASS_MARK = 60  # 學期學業成績 of 60 or more is a pass (national)
# R23: the age on the school year's first day, less the years since grade 1, of a plausible student: 15 is
# the usual age entering grade 1 (grade 10); one year early and up to five late (休學, 重讀, late entry).
ENTRY_AGE_RANGE = (14, 20)

CERTIFIED = "認證通過"
PENDING = "待認證"
COURSE_OUTCOME_ITEM = "course_outcome"  # item_kind of xwalk_selection_item_types
HTTP_URL = r"^https?://\S+$"
# A transferred student's imported items (portfolio exchange import) were the sending school's term work:
# the rules that judge term work (R05, R06, R16–R18, R21, R22 on uploads and entries, R26 on uploads, R27's
# window, R28) hold only for the school's own rows; content, selection, cap and export rules hold for all.
OWN_UPLOAD = Column("is_own_upload") == True  # noqa: E712 (a GX row condition, not a Python test)
OWN_ENTRY = Column("is_own_entry") == True  # noqa: E712


def _meta(rule: str, value: str, limit: Any, check: str, *, limit_column: str | None = None) -> dict[str, Any]:
    """What an offending row reports: the frame column holding its value, and the limit (or the column
    holding a per-row limit such as a deadline)."""
    meta = {"rule": rule, "check": check, "value_column": value, "limit": limit}
    if limit_column:
        meta["limit_column"] = limit_column
    return meta


def _where(condition) -> dict[str, Any]:
    return {"row_condition": condition}


def _files(rule: str, policy) -> list[gxe.Expectation]:
    """R04's file checks (R10 reuses them): type by extension, size by bytes, per kind of file.

    A row without a document (or video) has null type and size there, which GX skips.
    """
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="document_file_type", value_set=list(policy.document_types),
            meta=_meta(rule, "document_file_type", list(policy.document_types), "document_type")),
        gxe.ExpectColumnValuesToBeBetween(
            column="document_bytes", max_value=policy.document_max_bytes,
            meta=_meta(rule, "document_bytes", policy.document_max_bytes, "document_size")),
        gxe.ExpectColumnValuesToBeInSet(
            column="video_file_type", value_set=list(policy.video_types),
            meta=_meta(rule, "video_file_type", list(policy.video_types), "video_type")),
        gxe.ExpectColumnValuesToBeBetween(
            column="video_bytes", max_value=policy.video_max_bytes,
            meta=_meta(rule, "video_bytes", policy.video_max_bytes, "video_size")),
    ]


def _suite(name: str, expectations: list[gxe.Expectation]) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=name, expectations=expectations)


# --- course outcomes -------------------------------------------------------------------------------

def _late(rule: str, days_column: str, value: str, limit_column: str, check: str, **condition) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(
        column=days_column, max_value=0, meta=_meta(rule, value, None, check, limit_column=limit_column), **condition)


def build_course_outcomes_suite(policy) -> gx.ExpectationSuite:
    """R01–R04, R06, R16, R21, R22 and R26 on fct_gate_course_outcomes (one row per uploaded outcome).

    R26 lists the outcomes R16 finds late, with the school's late_items as its check: `forfeit` leaves
    them out of the exports (pipelines/export/gating.py), `warn` only reports them.
    """
    return _suite("course_outcomes", [
        gxe.ExpectColumnValuesToBeBetween(
            column="summary_chars", min_value=1, meta=_meta("R01", "summary_chars", 1, "summary_present")),
        gxe.ExpectColumnValuesToBeBetween(
            column="summary_chars", max_value=policy.summary_max_chars,
            meta=_meta("R02", "summary_chars", policy.summary_max_chars, "summary_length")),
        gxe.ExpectColumnValuesToBeInSet(
            column="has_file", value_set=[True], meta=_meta("R03", "has_file", True, "has_file")),
        *_files("R04", policy),
        gxe.ExpectColumnValuesToBeInSet(
            column="has_course_record", value_set=[True],
            meta=_meta("R06", "course_code", "修課成績", "course_record"), **_where(OWN_UPLOAD)),
        _late("R16", "upload_days_late", "uploaded_at", "upload_deadline_date", "upload_deadline", **_where(OWN_UPLOAD)),
        gxe.ExpectColumnValuesToBeInSet(
            column="carries_credits", value_set=[True], meta=_meta("R21", "course_code", "採計學分之課程", "credits"),
            **_where(OWN_UPLOAD & (Column("has_course_record") == True))),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_on_register", value_set=[True], meta=_meta("R22", "uploaded_at", "在籍", "on_register"),
            **_where(OWN_UPLOAD)),
        _late("R26", "upload_days_late", "uploaded_at", "upload_deadline_date", f"late_upload_{policy.late_items}",
              **_where(OWN_UPLOAD)),
    ])


def build_course_outcome_uploads_suite(policy) -> gx.ExpectationSuite:
    """R05 on fct_gate_student_terms (one row per student and term)."""
    return _suite("course_outcome_uploads", [
        gxe.ExpectColumnValuesToBeBetween(
            column="course_outcome_uploads", max_value=policy.course_outcome_upload_cap_per_term,
            meta=_meta("R05", "course_outcome_uploads", policy.course_outcome_upload_cap_per_term, "upload_cap")),
    ])


# --- certification --------------------------------------------------------------------------------

def build_certification_suite(policy) -> gx.ExpectationSuite:
    """R17, R18 and R28 on fct_gate_course_outcomes, with the as-of facts the gate adds: whether the
    certifying teacher needs a proxy (a status in proxy_needed_for by as-of) and whether the 認證通過 came
    from the assigned teacher or the proxy the school's order names (pipelines/gate/frames.py)."""
    return _suite("certification", [
        gxe.ExpectColumnValuesToBeBetween(
            column="pending_days", max_value=policy.certification_days_after_upload,
            meta=_meta("R17", "pending_days", policy.certification_days_after_upload, "certification_window"),
            **_where(OWN_UPLOAD & (Column("certification_state") == PENDING))),
        gxe.ExpectColumnValuesToBeBetween(
            column="days_past_certification_deadline", max_value=0,
            meta=_meta("R17", "as_of_date", None, "certification_deadline", limit_column="certification_deadline_date"),
            **_where(OWN_UPLOAD & (Column("certification_state") == PENDING))),
        gxe.ExpectColumnValuesToBeInSet(
            column="needs_proxy", value_set=[False],
            meta=_meta("R18", "certifying_teacher_code", None, "teacher_left", limit_column="proxy_code"),
            **_where(OWN_UPLOAD & (Column("is_awaiting_certification") == True))),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_certifier_accepted", value_set=[True],
            meta=_meta("R28", "certified_by_teacher_code", None, "certifier", limit_column="certifying_teacher_code"),
            **_where(OWN_UPLOAD)),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_changed_after_certification", value_set=[False],
            meta=_meta("R28", "uploaded_at", None, "changed_after_certification", limit_column="certified_date"),
            **_where(OWN_UPLOAD)),
    ])


def build_failed_certifications_suite(policy) -> gx.ExpectationSuite:
    """R09 on fct_gate_failed_certifications (one row per outcome with a 認證未通過 event)."""
    return _suite("failed_certifications", [
        gxe.ExpectColumnValuesToBeInSet(
            column="has_reason", value_set=[True], meta=_meta("R09", "events_without_reason", 0, "failure_reason")),
    ])


# --- selections -----------------------------------------------------------------------------------

def build_selections_suite(policy) -> gx.ExpectationSuite:
    """R08, R20, R22 and R26 on fct_gate_selections (one row per item ever selected, with whether it is
    selected now). R22 and R26 concern items selected now: an un-selected item is not submitted."""
    return _suite("selections", [
        gxe.ExpectColumnValuesToBeInSet(
            column="certification_state", value_set=[CERTIFIED],
            meta=_meta("R08", "certification_state", CERTIFIED, "selected_certified"),
            **_where((Column("item_kind") == COURSE_OUTCOME_ITEM) & (Column("is_selected") == True))),
        _late("R20", "selection_days_late", "selected_at", "selection_deadline_date", "selection_deadline"),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_on_register", value_set=[True], meta=_meta("R22", "selected_at", "在籍", "on_register"),
            **_where(Column("is_selected") == True)),
        _late("R26", "selection_days_late", "selected_at", "selection_deadline_date",
              f"late_selection_{policy.late_items}", **_where(Column("is_selected") == True)),
    ])


def build_selection_counts_suite(policy) -> gx.ExpectationSuite:
    """R07 and R12 on fct_gate_student_years (one row per student and year)."""
    return _suite("selection_counts", [
        gxe.ExpectColumnValuesToBeBetween(
            column="selected_course_outcomes", max_value=policy.course_outcome_selection_cap_per_year,
            meta=_meta("R07", "selected_course_outcomes", policy.course_outcome_selection_cap_per_year,
                       "course_outcome_selection_cap")),
        gxe.ExpectColumnValuesToBeBetween(
            column="selected_student_entered_performances", max_value=policy.diverse_selection_cap_per_year,
            meta=_meta("R12", "selected_student_entered_performances", policy.diverse_selection_cap_per_year,
                       "diverse_selection_cap")),
    ])


# --- diverse performances -------------------------------------------------------------------------

def build_diverse_performances_suite(policy) -> gx.ExpectationSuite:
    """R10, R22 and R27 on fct_gate_diverse_performances (one row per entry).

    R27's proof check exists only when the school's diverse_requires_proof says so; its window check always
    (without a diverse_entry_deadlines entry for the year, entry_days_late is null and nothing is late).
    """
    proof = [gxe.ExpectColumnValuesToBeInSet(
        column="has_proof", value_set=[True], meta=_meta("R27", "has_proof", "證明文件或外部連結", "proof"),
        **_where(Column("is_student_entered") == True))] if policy.diverse_requires_proof else []
    return _suite("diverse_performances", [
        gxe.ExpectColumnValuesToBeBetween(
            column="summary_chars", min_value=1, meta=_meta("R10", "summary_chars", 1, "summary_present")),
        gxe.ExpectColumnValuesToBeBetween(
            column="summary_chars", max_value=policy.summary_max_chars,
            meta=_meta("R10", "summary_chars", policy.summary_max_chars, "summary_length")),
        *_files("R10", policy),
        gxe.ExpectColumnValuesToMatchRegex(
            column="external_url", regex=HTTP_URL, meta=_meta("R10", "external_url", "http(s) URL", "external_url")),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_on_register", value_set=[True], meta=_meta("R22", "uploaded_at", "在籍", "on_register"),
            **_where(OWN_ENTRY)),
        _late("R27", "entry_days_late", "uploaded_at", "diverse_entry_deadline_date", "entry_deadline",
              **_where(OWN_ENTRY & (Column("is_student_entered") == True))),
        *proof,
    ])


def build_diverse_uploads_suite(policy) -> gx.ExpectationSuite:
    """R11 on fct_gate_student_years: school-registered (學校登錄) entries are not counted there."""
    return _suite("diverse_uploads", [
        gxe.ExpectColumnValuesToBeBetween(
            column="student_entered_performances", max_value=policy.diverse_upload_cap_per_year,
            meta=_meta("R11", "student_entered_performances", policy.diverse_upload_cap_per_year, "diverse_upload_cap")),
    ])


# --- identities and course records ----------------------------------------------------------------

def build_national_ids_suite(policy) -> gx.ExpectationSuite:
    """R13 and R23 on fct_gate_students (one row per student, year and national ID on record).

    The runner replaces the national ID by its validity, a masked form and a digest before validating,
    so no whole ID reaches GX or its results.
    """
    return _suite("national_ids", [
        gxe.ExpectColumnValuesToBeInSet(
            column="is_national_id_valid", value_set=[True],
            meta=_meta("R13", "national_id_masked", "身分證號／居留證號格式與檢查碼", "national_id")),
        gxe.ExpectColumnValuesToBeInSet(
            column="has_birth_date", value_set=[True], meta=_meta("R23", "birth_date", "出生日期", "birth_date_present")),
        gxe.ExpectColumnValuesToBeBetween(
            column="entry_age", min_value=ENTRY_AGE_RANGE[0], max_value=ENTRY_AGE_RANGE[1],
            meta=_meta("R23", "birth_date", list(ENTRY_AGE_RANGE), "birth_date_grade")),
    ])


def build_enrolments_suite(policy) -> gx.ExpectationSuite:
    """R14 on fct_gate_identities (one row per enrolled 學生資料 row as delivered)."""
    return _suite("enrolments", [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["academic_year", "term", "national_id_digest"], ignore_row_if="any_value_is_missing",
            meta=_meta("R14", "national_id_masked", "同學期不得重複", "unique_national_id")),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["academic_year", "term", "student_number"], ignore_row_if="any_value_is_missing",
            meta=_meta("R14", "student_number", "同學期不得重複", "unique_student_number")),
    ])


def build_course_records_suite(policy) -> gx.ExpectationSuite:
    """R15 and R19 on fct_gate_course_records (one row per course record)."""
    return _suite("course_records", [
        gxe.ExpectColumnValuesToBeInSet(
            column="is_course_code_valid", value_set=[True],
            meta=_meta("R15", "course_code", "23 碼；第17碼課程類別、第19碼科目屬性須為有效代碼", "course_code")),
        gxe.ExpectColumnValuesToBeBetween(
            column="score", min_value=PASS_MARK, meta=_meta("R19", "score", PASS_MARK, "passed_but_below"),
            **_where(Column("is_passed") == True)),
        gxe.ExpectColumnValuesToBeBetween(
            column="score", max_value=PASS_MARK, strict_max=True,
            meta=_meta("R19", "score", PASS_MARK, "failed_but_above"), **_where(Column("is_passed") == False)),
    ])


# --- exported rows (frames built from the export models: pipelines/gate/exported.py) -----------------

def build_exported_codes_suite(policy) -> gx.ExpectationSuite:
    """R24 on fct_gate_exported_codes (one row per exported row and registered code column)."""
    return _suite("exported_codes", [
        gxe.ExpectColumnValuesToBeInSet(
            column="is_known_code", value_set=[True], meta=_meta("R24", "code", None, "code_list", limit_column="code_list")),
    ])


def build_exported_rows_suite(policy) -> gx.ExpectationSuite:
    """R25 on fct_gate_exported_rows (one row per exported row that may share its key): no two rows of a sheet
    share a student and 項目鍵."""
    return _suite("exported_rows", [
        gxe.ExpectColumnValuesToBeBetween(
            column="rows_sharing_key", max_value=1, meta=_meta("R25", "rows_sharing_key", 1, "unique_item_key")),
    ])


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    area: str
    frame: str  # the narrow model it validates (marts.<frame>)
    build: Callable[[Any], gx.ExpectationSuite]


SUITES: tuple[SuiteSpec, ...] = (
    SuiteSpec("course_outcomes", "course_outcomes", "fct_gate_course_outcomes", build_course_outcomes_suite),
    SuiteSpec("course_outcome_uploads", "course_outcomes", "fct_gate_student_terms", build_course_outcome_uploads_suite),
    SuiteSpec("certification", "certification", "fct_gate_course_outcomes", build_certification_suite),
    SuiteSpec("failed_certifications", "certification", "fct_gate_failed_certifications", build_failed_certifications_suite),
    SuiteSpec("selections", "selections", "fct_gate_selections", build_selections_suite),
    SuiteSpec("selection_counts", "selections", "fct_gate_student_years", build_selection_counts_suite),
    SuiteSpec("diverse_performances", "diverse_performances", "fct_gate_diverse_performances", build_diverse_performances_suite),
    SuiteSpec("diverse_uploads", "diverse_performances", "fct_gate_student_years", build_diverse_uploads_suite),
    SuiteSpec("national_ids", "identities", "fct_gate_students", build_national_ids_suite),
    SuiteSpec("enrolments", "identities", "fct_gate_identities", build_enrolments_suite),
    SuiteSpec("course_records", "identities", "fct_gate_course_records", build_course_records_suite),
    SuiteSpec("exported_codes", "identities", "fct_gate_exported_codes", build_exported_codes_suite),
    SuiteSpec("exported_rows", "identities", "fct_gate_exported_rows", build_exported_rows_suite),
)
