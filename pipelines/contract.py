"""The input contract (../shared/contract/inputs.md) as data.

One definition of every delivered file: its Chinese name and folder, its columns with their Chinese
header, the English name staging gives them, their type, whether a row without them is unusable, and
the codes a coded column may hold. The generator writes files from it, ingestion reads and validates
files with it, and the dbt staging models rename exactly these columns.

Raw tables (schema ``raw``) keep the Chinese headers as column names, typed, plus the lineage columns
in ``LINEAGE_COLUMNS``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pipelines.exchange.tables import create_exchange_tables, exchange_tables

ColumnType = Literal["text", "code", "int", "float", "date", "time", "timestamp"]

# DuckDB type of each column type in the raw tables.
DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "time": "TIME",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    header: str  # Chinese header exactly as the contract names it
    name: str  # English snake_case name used from staging on
    type: ColumnType = "text"
    required: bool = False  # a row without a value here is quarantined (missing_key)
    codes: tuple[str, ...] | None = None  # a value (normalised text) outside these is quarantined (unknown_code)
    min_value: float | None = None  # numbers outside [min_value, max_value] are quarantined (out_of_range)
    max_value: float | None = None
    codes_unless: str | None = None  # English name of a column that, when filled, makes `codes` not apply

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class FileSpec:
    kind: str  # English name: raw table raw.<kind>, dbt source('raw', '<kind>'), Dagster asset ["raw", kind]
    label: str  # the file's Chinese name: <folder>/<label>.csv or .xlsx
    folder: Literal["admin", "platform"]
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # English names of the natural key within a school
    history: bool = False  # event log: deliveries accumulate, never replace
    required_file: bool = False  # the only file a school must deliver
    # delivered only after a submission's receipt (the students' replies): not part of a term's deliveries
    after_submission: bool = False

    @property
    def table(self) -> str:
        return f"raw.{self.kind}"

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name or column.header == name:
                return column
        raise KeyError(name)


SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"


@cache
def seed_rows(seed: str) -> tuple[dict[str, str], ...]:
    """A seed's rows (seeds/<seed>.csv) as text: the one definition dbt, ingestion and the gate share."""
    with (SEEDS_DIR / f"{seed}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def seed_codes(seed: str, column: str) -> tuple[str, ...]:
    """The values of one column of a seed: the code list a coded column may hold."""
    return tuple(row[column] for row in seed_rows(seed))


TERMS = ("1", "2")
ENROLMENT_STATUSES = ("在學", "休學", "復學", "轉入", "轉出", "退學", "畢業", "重讀")
COURSE_RECORD_KINDS = ("學期", "補修", "重修", "重讀", "轉學轉科")
EMPLOYMENT_STATUSES = ("在職", "留職停薪", "離職")
CERTIFICATION_ACTIONS = ("送審", "認證通過", "認證未通過", "取消認證", "更換認證教師")
DIVERSE_CATEGORIES = (
    "幹部經歷", "競賽參與", "檢定證照", "服務學習", "彈性學習",
    "團體活動", "職場學習", "作品成果", "先修課程", "其他",
)
DIVERSE_SOURCES = ("學生自填", "學校登錄")
SELECTION_ITEM_TYPES = ("課程學習成果", "多元表現")
SELECTION_ACTIONS = ("勾選", "取消勾選")
ESSAY_TYPES = ("自傳", "學習計畫")
FLAGS = ("0", "1")

_YEAR = Column("學年度", "academic_year", "int", required=True, min_value=1, max_value=999)
_TERM = Column("學期", "term", "int", required=True, codes=TERMS)
_STUDENT = Column("學號", "student_number", "code", required=True)

FILES: tuple[FileSpec, ...] = (
    FileSpec(
        kind="students", label="學生資料", folder="admin", required_file=True,
        key=("academic_year", "term", "student_number"),
        columns=(
            _YEAR, _TERM, _STUDENT,
            Column("身分證號", "national_id", "code"),
            Column("姓名", "student_name"),
            Column("性別代碼", "gender_code", "int", codes=("1", "2")),
            Column("出生日期", "birth_date", "date"),
            Column("部別代碼", "division_code", "code"),
            Column("班別", "class_type"),
            Column("群別代碼", "cluster_code", "code"),
            Column("科班學程別代碼", "program_code", "code"),
            Column("年級", "grade", "int", min_value=1, max_value=4),
            Column("班級代碼", "class_code", "code"),
            Column("座號", "seat_number", "int", min_value=0, max_value=999),
            Column("學籍狀態", "enrolment_status", "code", required=True, codes=ENROLMENT_STATUSES),
            Column("學籍異動日期", "status_changed_date", "date"),
            # v2 (exports.md): optional, empty in old deliveries. Their codes are checked by the gate (R24),
            # not here: a student row quarantined over an optional attribute would drop the student.
            Column("特殊身分別", "special_identity_code", "code"),
            Column("原住民族別", "indigenous_people_code", "code"),
            Column("原住民身分別", "indigenous_status_code", "code"),
            Column("族語認證報考方言", "indigenous_language_dialect"),
            Column("報考年度", "indigenous_language_exam_year", "int", min_value=1, max_value=999),
            Column("族語認證有效日期", "indigenous_language_valid_until", "date"),
            Column("實驗班名稱", "experimental_class_name"),
            Column("入學方式", "admission_method_code", "code"),
        ),
    ),
    FileSpec(
        kind="classes", label="班級", folder="admin",
        key=("academic_year", "term", "class_code"),
        columns=(
            _YEAR, _TERM,
            Column("班級代碼", "class_code", "code", required=True),
            Column("班級名稱", "class_name"),
            Column("年級", "grade", "int", min_value=1, max_value=4),
            Column("導師代碼", "homeroom_teacher_code", "code"),
        ),
    ),
    FileSpec(
        kind="teachers", label="教師", folder="admin",
        key=("teacher_code",),
        columns=(
            Column("教師代碼", "teacher_code", "code", required=True),
            Column("姓名", "teacher_name"),
            Column("任教科目", "subject"),
            Column("任教年級", "grades_taught"),
            Column("領域", "domain"),
            Column("在職狀態", "employment_status", "code", codes=EMPLOYMENT_STATUSES),
            Column("離職日期", "left_date", "date"),
            Column("代理認證教師代碼", "designated_proxy_code", "code"),
            Column("職務", "duties"),
        ),
    ),
    FileSpec(
        kind="course_records", label="修課成績", folder="admin",
        key=("academic_year", "term", "student_number", "course_code", "record_kind"),
        columns=(
            _YEAR, _TERM, _STUDENT,
            Column("課程代碼", "course_code", "code", required=True),
            Column("科目名稱", "subject_name"),
            Column("開課年級", "course_grade", "int", min_value=1, max_value=4),
            Column("修課學分", "credits", "float", min_value=0, max_value=30),
            Column("修課類別", "record_kind", "code", codes=COURSE_RECORD_KINDS),
            Column("授課教師代碼", "teacher_code", "code"),
            Column("學期學業成績", "score", "float", min_value=0, max_value=100),
            Column("成績及格", "is_passed", "int", codes=FLAGS),
            Column("補考成績", "makeup_score", "float", min_value=0, max_value=100),
            Column("補考及格", "is_makeup_passed", "int", codes=FLAGS),
            Column("是否採計學分", "credit_counted_code", "int",
                   codes=seed_codes("xwalk_credit_counted_codes", "delivered_code")),
            Column("質性文字描述", "qualitative_description"),
            # v2 (exports.md), optional: the term a 補修/重修/重讀/轉學轉科 record stands for (補修 應修課,
            # 重修/重讀 原修課, 轉學轉科 對應學年度/學期), and the kind-specific codes.
            Column("原修課學年度", "origin_academic_year", "int", min_value=1, max_value=999),
            Column("原修課學期", "origin_term", "int", codes=TERMS),
            Column("補修方式", "make_up_method_code", "code", codes=seed_codes("xwalk_make_up_methods", "make_up_method_code")),
            Column("重修方式", "retake_method_code", "code", codes=seed_codes("xwalk_retake_methods", "retake_method_code")),
            Column("身分別", "transfer_identity_code", "code",
                   codes=seed_codes("xwalk_transfer_identities", "transfer_identity_code")),
        ),
    ),
    FileSpec(
        kind="cadres", label="校內幹部", folder="admin",
        key=("academic_year", "term", "student_number", "unit_name", "position"),
        columns=(
            _YEAR, _TERM, _STUDENT,
            Column("單位名稱", "unit_name", required=True),
            Column("擔任職務", "position", required=True),
            Column("幹部等級", "cadre_level", "int", codes=seed_codes("xwalk_cadre_levels", "cadre_level")),
            Column("開始日期", "start_date", "date"),
            Column("結束日期", "end_date", "date"),
        ),
    ),
    FileSpec(
        kind="counselling_sessions", label="課程諮詢", folder="admin",
        key=("session_id", "student_number"),
        columns=(
            Column("諮詢編號", "session_id", "code", required=True),
            Column("諮詢教師代碼", "counsellor_code", "code"),
            Column("日期", "session_date", "date"),
            Column("時間", "session_time", "time"),
            Column("地點", "place"),
            Column("形式", "session_format", "code", codes=("個別", "團體")),
            _STUDENT,
            Column("諮詢內容及意見", "content"),
        ),
    ),
    FileSpec(
        kind="absences", label="缺勤", folder="admin",
        key=("academic_year", "term", "student_number", "leave_type", "start_date"),
        columns=(
            _YEAR, _TERM, _STUDENT,
            # 假別 names the absence; without a 缺勤種類代碼 beside it, it must be a name the code list decodes
            Column("假別", "leave_type", "code", required=True,
                   codes=seed_codes("xwalk_absence_types", "absence_type_name"), codes_unless="absence_type_code"),
            Column("節數", "periods", "int", min_value=0, max_value=10000),
            Column("缺勤種類代碼", "absence_type_code", "code", codes=seed_codes("xwalk_absence_types", "absence_type_code")),
            Column("缺勤起始日期", "start_date", "date"),
            Column("缺勤結束日期", "end_date", "date"),
        ),
    ),
    FileSpec(
        kind="course_outcomes", label="課程學習成果", folder="platform",
        key=("outcome_id",),
        columns=(
            Column("成果編號", "outcome_id", "code", required=True),
            _STUDENT, _YEAR, _TERM,
            Column("課程代碼", "course_code", "code"),
            Column("成果名稱", "title"),
            Column("成果簡述", "summary"),
            Column("文件檔名", "document_file_name"),
            Column("文件大小", "document_bytes", "int", min_value=0),
            Column("影音檔名", "video_file_name"),
            Column("影音大小", "video_bytes", "int", min_value=0),
            Column("上傳時間", "uploaded_at", "timestamp"),
            Column("認證教師代碼", "certifying_teacher_code", "code"),
        ),
    ),
    FileSpec(
        kind="certification_events", label="認證紀錄", folder="platform", history=True,
        key=("outcome_id", "action", "teacher_code", "event_at"),
        columns=(
            Column("成果編號", "outcome_id", "code", required=True),
            Column("動作", "action", "code", required=True, codes=CERTIFICATION_ACTIONS),
            Column("教師代碼", "teacher_code", "code"),
            Column("時間", "event_at", "timestamp", required=True),
            Column("說明", "reason"),
        ),
    ),
    FileSpec(
        kind="diverse_performances", label="多元表現", folder="platform",
        key=("performance_id",),
        columns=(
            Column("表現編號", "performance_id", "code", required=True),
            _STUDENT, _YEAR,
            Column("類別", "category", "code", required=True, codes=DIVERSE_CATEGORIES),
            Column("名稱", "title"),
            Column("單位", "organiser"),
            Column("開始日期", "start_date", "date"),
            Column("結束日期", "end_date", "date"),
            Column("時數", "hours", "float", min_value=0),
            Column("等級獎項", "level_or_award"),
            Column("內容簡述", "summary"),
            Column("證明文件檔名", "document_file_name"),
            Column("證明文件大小", "document_bytes", "int", min_value=0),
            Column("影音檔名", "video_file_name"),
            Column("影音大小", "video_bytes", "int", min_value=0),
            Column("外部連結", "external_url"),
            Column("登錄來源", "entry_source", "code", required=True, codes=DIVERSE_SOURCES),
            Column("上傳時間", "uploaded_at", "timestamp"),
            # Optional per-category fields of the central layout (exports.md v2); older deliveries lack them.
            Column("學期", "activity_term", "int", codes=TERMS),
            Column("幹部等級", "cadre_level", "int", codes=seed_codes("xwalk_cadre_levels", "cadre_level")),
            Column("競賽項目", "competition_event"),
            Column("競賽等級代碼", "competition_level_code", "code",
                   codes=seed_codes("xwalk_competition_levels", "competition_level_code")),
            Column("團體參與代碼", "team_participation_code", "code",
                   codes=seed_codes("xwalk_team_participation", "team_participation_code")),
            Column("證照代碼", "certificate_code", "code", codes=seed_codes("xwalk_certificates", "certificate_code")),
            Column("分數", "certificate_score", "float", min_value=0),
            Column("分項結果", "certificate_part_results"),
            Column("證照字號", "certificate_number", "code"),
            Column("彈性學習時間類別種類代碼", "flexible_learning_type_code", "code",
                   codes=seed_codes("xwalk_flexible_learning_types", "flexible_learning_type_code")),
            Column("每週節數", "periods_per_week", "int", min_value=0, max_value=40),
            Column("開設週數", "weeks", "int", min_value=0, max_value=40),
            Column("團體活動時間類別代碼", "group_activity_type_code", "code",
                   codes=seed_codes("xwalk_group_activity_types", "group_activity_type_code")),
            Column("節數", "periods", "int", min_value=0, max_value=1000),
            Column("職場學習類別代碼", "workplace_learning_type_code", "code",
                   codes=seed_codes("xwalk_workplace_learning_types", "workplace_learning_type_code")),
            Column("計畫專案", "programme_name"),
            Column("學分數", "credits", "float", min_value=0, max_value=30),
        ),
    ),
    FileSpec(
        kind="selections", label="勾選紀錄", folder="platform", history=True,
        key=("student_number", "academic_year", "item_type", "item_id", "action", "selected_at"),
        columns=(
            _STUDENT, _YEAR,
            Column("項目類型", "item_type", "code", required=True, codes=SELECTION_ITEM_TYPES),
            Column("項目編號", "item_id", "code", required=True),
            Column("動作", "action", "code", required=True, codes=SELECTION_ACTIONS),
            Column("時間", "selected_at", "timestamp", required=True),
        ),
    ),
    FileSpec(
        kind="autobiographies", label="自傳學習計畫", folder="platform",
        key=("student_number", "essay_type"),
        columns=(
            _STUDENT,
            Column("類型", "essay_type", "code", required=True, codes=ESSAY_TYPES),
            Column("字數", "word_count", "int", min_value=0),
            Column("上傳時間", "uploaded_at", "timestamp"),
        ),
    ),
    FileSpec(
        kind="visiting_studies", label="借讀", folder="admin",
        key=("academic_year", "term", "student_number", "host_school_code", "application_start_date"),
        columns=(
            _YEAR, _TERM, _STUDENT,
            Column("借讀學校代碼", "host_school_code", "code", required=True),
            Column("群別", "host_cluster_code", "code"),
            Column("借讀科班學程別", "host_program_code", "code"),
            Column("借讀代碼", "visiting_code", "code"),
            Column("申請開始日期", "application_start_date", "date", required=True),
            Column("申請結束日期", "application_end_date", "date"),
        ),
    ),
    FileSpec(
        kind="receipt_confirmations", label="收訖確認", folder="platform", history=True, after_submission=True,
        key=("student_number", "workbook", "item_key", "confirmed_at"),
        columns=(
            _STUDENT,
            Column("名冊", "workbook", required=True),
            Column("項目鍵", "item_key", required=True),
            Column("確認結果", "result", "code", required=True, codes=seed_codes("xwalk_confirmation_results", "result")),
            Column("說明", "note"),
            Column("確認時間", "confirmed_at", "timestamp", required=True),
            # optional: a guardian may confirm for the student; empty means the student did
            Column("確認人", "confirmed_by", "code", codes=seed_codes("xwalk_confirmers", "confirmed_by")),
        ),
    ),
)

FILES_BY_KIND: dict[str, FileSpec] = {spec.kind: spec for spec in FILES}

# Lineage columns every raw table carries after the contract's own columns.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("school_code", "VARCHAR"),  # from the school's folder name
    ("source_file", "VARCHAR"),  # path relative to the source root, e.g. 999001/admin/學生資料.csv
    ("source_line", "BIGINT"),  # line in the file: header is line 1, first data row line 2 (XLSX: row)
    ("delivery_id", "VARCHAR"),  # sha256 of the delivered file's bytes
    ("loaded_at", "TIMESTAMP"),
)

SCHOOL_CODE_PATTERN = r"^[0-9A-Z]{6}$"

# Why a row (or a whole file) was quarantined. Stable codes; messages are built around them.
QUARANTINE_REASONS: dict[str, str] = {
    "missing_key": "必填欄位空白",
    "bad_date": "日期無法解析",
    "bad_number": "數值無法解析",
    "unknown_code": "代碼不在允許清單",
    "out_of_range": "數值超出範圍",
    "undecodable": "檔案編碼無法辨識（非 UTF-8 / Big5）",
    "missing_column": "缺少必要欄位",
    "unreadable": "檔案無法讀取",
    "missing_file": "必要檔案未提供",
    "invalid_policy": "policy.yaml 設定錯誤",
    "empty_file": "檔案是空的",
    "ragged_row": "欄位數與欄位名稱列不符",
    "bad_quotes": "引號不成對",
    "control_character": "含控制字元（如 NUL）",
    "too_long": "欄位內容過長",
    "school_refused": "學校設定錯誤，整校不建置",
}


def raw_table_ddl(spec: FileSpec) -> str:
    """CREATE TABLE statement of one raw table (contract columns, then lineage)."""
    columns = [f'"{column.header}" {column.duckdb_type}' for column in spec.columns]
    columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS]
    return f"create table if not exists {spec.table} (\n    " + ",\n    ".join(columns) + "\n)"


# Tables ingestion writes besides the file tables. Policy values are resolved (defaults applied) so that
# dbt and the gate read every cap and window from here and nowhere else.
RAW_SUPPORT_DDL: tuple[str, ...] = (
    """create table if not exists raw.quarantine (
    school_code VARCHAR, file_kind VARCHAR, source_file VARCHAR, source_line BIGINT,
    field VARCHAR, reason VARCHAR, message VARCHAR, raw_value VARCHAR,
    delivery_id VARCHAR, loaded_at TIMESTAMP
)""",
    """create table if not exists raw.deliveries (
    school_code VARCHAR, file_kind VARCHAR, source_file VARCHAR, delivery_id VARCHAR,
    encoding VARCHAR, status VARCHAR, rows_loaded BIGINT, rows_quarantined BIGINT,
    message VARCHAR, loaded_at TIMESTAMP, rows_delivered BIGINT
)""",
    """create table if not exists raw.school_policies (
    school_code VARCHAR, course_outcome_upload_cap_per_term INTEGER,
    course_outcome_selection_cap_per_year INTEGER, diverse_upload_cap_per_year INTEGER,
    diverse_selection_cap_per_year INTEGER, summary_max_chars INTEGER, document_types VARCHAR[],
    document_max_bytes BIGINT, video_types VARCHAR[], video_max_bytes BIGINT,
    certification_days_after_upload INTEGER, retention_years INTEGER, proxy_order VARCHAR[],
    late_items VARCHAR, diverse_requires_proof BOOLEAN, proxy_needed_for VARCHAR[],
    receipt_confirmation_days INTEGER, dispute_days INTEGER,
    policy_source VARCHAR, policy_error VARCHAR, delivery_id VARCHAR, loaded_at TIMESTAMP
)""",
    """create table if not exists raw.school_terms (
    school_code VARCHAR, academic_year INTEGER, term INTEGER,
    upload_deadline DATE, certification_deadline DATE, grade INTEGER, delivery_id VARCHAR, loaded_at TIMESTAMP
)""",
    """create table if not exists raw.school_diverse_entry_deadlines (
    school_code VARCHAR, academic_year INTEGER, diverse_entry_deadline DATE,
    delivery_id VARCHAR, loaded_at TIMESTAMP
)""",
    """create table if not exists raw.school_submission_deadlines (
    school_code VARCHAR, academic_year INTEGER, term INTEGER, roster VARCHAR, due DATE, internal_due DATE,
    delivery_id VARCHAR, loaded_at TIMESTAMP
)""",
    """create table if not exists raw.school_selection_deadlines (
    school_code VARCHAR, academic_year INTEGER, selection_deadline DATE,
    delivery_id VARCHAR, loaded_at TIMESTAMP
)""",
)


@cache
def _raw_schema_expected() -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The raw tables create_raw_schema makes, and the columns it adds to tables made before they existed."""
    tables = {spec.kind for spec in FILES} | set(exchange_tables())
    tables |= {re.search(r"create table if not exists raw\.(\w+)", ddl).group(1) for ddl in RAW_SUPPORT_DDL}
    columns = {(spec.kind, column.header) for spec in FILES for column in spec.columns} | {("deliveries", "rows_delivered")}
    return frozenset(tables), frozenset(columns)


def _raw_columns(con) -> set[tuple[str, str]]:
    return set(con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'raw'").fetchall())


def create_raw_schema(con) -> None:
    """Create schema raw and every raw table if missing (idempotent). A raw table made before the contract
    grew a column gets it, empty for the rows already loaded (their deliveries never had it): a warehouse
    keeps its raw tables across builds, and ingestion inserts by name.

    Every writing connection calls it: when the catalog already has every table and column, one catalog
    query is all it costs (the ~40 statements, each its own transaction, took ~20 ms on the national
    warehouse, a dozen times in a school's re-check)."""
    present = _raw_columns(con)
    tables, columns = _raw_schema_expected()
    if tables <= {table for table, _ in present} and columns <= present:
        return
    con.execute("create schema if not exists raw")
    for spec in FILES:
        con.execute(raw_table_ddl(spec))
    present = _raw_columns(con)
    for spec in FILES:
        for column in spec.columns:
            if (spec.kind, column.header) not in present:
                con.execute(f'alter table {spec.table} add column "{column.header}" {column.duckdb_type}')
    for ddl in RAW_SUPPORT_DDL:
        con.execute(ddl)
    # added after warehouses were built: rows_delivered = rows_loaded + rows_quarantined (+ rows already loaded)
    con.execute("alter table raw.deliveries add column if not exists rows_delivered BIGINT")
    create_exchange_tables(con)  # imported transfer packages: dbt reads them like the deliveries
