"""R24 and R25 judge the rows the exports would write: two gate frames built from the export models.

They are not dbt models because what they check is defined in Python, once: the sheets and their 項目鍵
(pipelines/export/layout.py WORKBOOKS) and which exported column holds a code of which code list
(CODE_LISTS below). A new sheet is checked by R25 as soon as layout.py has it; a new code list is one
line in CODE_LISTS. The gate creates both frames as temporary relations on its (read-only) connection, and
the per-school and the batched gate read them like any marts.fct_gate_* model.

- fct_gate_exported_rows: one row per export row that may share its key with another: `rows_sharing_key`
  counts the rows of the same sheet, school, year, term and student (身分證號 and 出生日期, the central
  database's key; 學號 when the ID is missing) with the same 項目鍵 (R25: at most 1). The other rows, whose
  key no other row has, pass R25 and are left out.
- fct_gate_exported_codes: one row per export row and registered code column holding a value;
  `is_known_code` says whether the seed's code list has it (R24).

A warehouse without the export models (not built yet) gives empty frames: the exports that would be
checked do not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from pipelines.export.layout import EXPORT_SCHEMA, KEY_JOINER, STUDENT_KEY_COLUMNS, WORKBOOKS, Sheet, Workbook

SEED_SCHEMA = "seeds"
ROWS_FRAME = "fct_gate_exported_rows"
CODES_FRAME = "fct_gate_exported_codes"
FRAMES = (ROWS_FRAME, CODES_FRAME)


@dataclass(frozen=True)
class CodeList:
    model: str  # the export model (a Workbook's model)
    column: str  # its column holding the code
    seed: str  # the seed holding the code list
    seed_column: str  # the seed's column of codes
    label: str | None = None  # the Chinese name a report uses, when the column is no sheet header (類別 → sheet)


# Which exported column is checked against which code list (R24). To add one: put the list in seeds/
# (xwalk_<name>.csv, described in seeds/_seeds.yml) and add a line here.
_STUDENTS, _RECORDS, _OUTCOMES = "export_central__students", "export_central__course_records", "export_central__course_outcomes"
_CADRES, _ABSENCES, _DIVERSE = "export_central__cadres", "export_central__absences", "export_central__diverse_performances"
CODE_LISTS: tuple[CodeList, ...] = (
    CodeList(_STUDENTS, "enrolment_status", "xwalk_enrolment_statuses", "enrolment_status"),
    CodeList(_STUDENTS, "cluster_code", "xwalk_clusters", "cluster_code"),
    CodeList(_STUDENTS, "host_cluster_code", "xwalk_clusters", "cluster_code"),
    CodeList(_STUDENTS, "program_code", "xwalk_programs", "program_code"),
    CodeList(_STUDENTS, "host_program_code", "xwalk_programs", "program_code"),
    CodeList(_STUDENTS, "division_code", "xwalk_divisions", "division_code"),
    CodeList(_STUDENTS, "class_type", "xwalk_class_types", "class_type_code"),
    CodeList(_STUDENTS, "special_identity_code", "xwalk_special_identities", "special_identity_code"),
    CodeList(_STUDENTS, "indigenous_people_code", "xwalk_indigenous_peoples", "indigenous_people_code"),
    CodeList(_STUDENTS, "indigenous_status_code", "xwalk_indigenous_statuses", "indigenous_status_code"),
    CodeList(_STUDENTS, "admission_method_code", "xwalk_admission_methods", "admission_method_code"),
    CodeList(_RECORDS, "credit_counted_code", "xwalk_credit_counted_codes", "export_code"),
    CodeList(_RECORDS, "make_up_method_code", "xwalk_make_up_methods", "make_up_method_code"),
    CodeList(_RECORDS, "transfer_identity_code", "xwalk_transfer_identities", "transfer_identity_code"),
    CodeList(_OUTCOMES, "make_up_method_code", "xwalk_make_up_methods", "make_up_method_code"),
    CodeList(_OUTCOMES, "retake_method_code", "xwalk_retake_methods", "retake_method_code"),
    CodeList(_CADRES, "cadre_level", "xwalk_cadre_levels", "cadre_level"),
    CodeList(_ABSENCES, "absence_type_code", "xwalk_absence_types", "absence_type_code"),
    CodeList(_DIVERSE, "category", "xwalk_diverse_categories", "category", label="類別"),
    CodeList(_DIVERSE, "cadre_level", "xwalk_cadre_levels", "cadre_level"),
    CodeList(_DIVERSE, "competition_level_code", "xwalk_competition_levels", "competition_level_code"),
    CodeList(_DIVERSE, "team_participation_code", "xwalk_team_participation", "team_participation_code"),
    CodeList(_DIVERSE, "certificate_code", "xwalk_certificates", "certificate_code"),
    CodeList(_DIVERSE, "flexible_learning_type_code", "xwalk_flexible_learning_types", "flexible_learning_type_code"),
    CodeList(_DIVERSE, "group_activity_type_code", "xwalk_group_activity_types", "group_activity_type_code"),
    CodeList(_DIVERSE, "workplace_learning_type_code", "xwalk_workplace_learning_types", "workplace_learning_type_code"),
)

_STUDENT_KEY_HEADERS = {header for header, _ in STUDENT_KEY_COLUMNS}
_COMMON = ("school_code", "academic_year", "term", "student_number", "class_code", "seat_number")
_EMPTY_ROWS = ("select null::varchar as school_code, null::integer as academic_year, null::integer as term, "
               "null::varchar as student_number, null::varchar as class_code, null::integer as seat_number, "
               "null::varchar as sheet_name, null::varchar as item_key, null::bigint as rows_sharing_key where false")
_EMPTY_CODES = ("select null::varchar as school_code, null::integer as academic_year, null::integer as term, "
                "null::varchar as student_number, null::varchar as class_code, null::integer as seat_number, "
                "null::varchar as item_key, null::varchar as code, null::varchar as code_list, "
                "null::boolean as is_known_code where false")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _catalog(con) -> dict[tuple[str, str], set[str]]:
    """(schema, table) → its columns, for the export models and the seeds: one catalog read (a read per table
    was 3 ms each, ~60 of them in every gate run)."""
    catalog: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where schema_name in (?, ?)",
            [EXPORT_SCHEMA, SEED_SCHEMA]).fetchall():
        catalog.setdefault((schema, table), set()).add(column)
    return catalog


def _text(column: str) -> str:
    table, _, name = column.rpartition(".")
    return f"coalesce(cast({table + '.' if table else ''}{_quote(name)} as varchar), '')"


def _sheet_rows(workbook: Workbook, sheet: Sheet, columns: set[str], targets: str | None,
                schools: Sequence[str]) -> str:
    key, shown = _keys(sheet)
    seat = "seat_number" if "seat_number" in columns else "null::integer"
    conditions = [f"{_quote(workbook.sheet_column)} = '{sheet.name}'"] if workbook.sheet_column else []
    where = "where " + " and ".join([*conditions, _in_targets("", targets, schools)])
    student = ("coalesce(national_id || '|' || coalesce(cast(birth_date_roc as varchar), ''), 'no-id|' || student_number)")
    return (f"select school_code, academic_year, term, student_number, class_code, {seat} as seat_number, "
            f"'{workbook.name}/{sheet.name}' as sheet_name, {key} as raw_key, {shown} as shown_key, {student} as student_key "
            f"from {EXPORT_SCHEMA}.{workbook.model} {where}")


def _key_parts(sheet: Sheet) -> tuple[tuple[str, str | None], ...]:
    """Per key header of the sheet: (its row column, the text a report shows instead, if any). The
    student's own key stays out of what is shown (a whole 身分證號 is never printed; the row names the
    student by 學號, class and seat)."""
    by_header = dict((*STUDENT_KEY_COLUMNS, *sheet.columns))
    return tuple((by_header[header], f"（{header}）" if header in _STUDENT_KEY_HEADERS else None)
                 for header in sheet.key_headers)


def _keys(sheet: Sheet, prefix: str = "") -> tuple[str, str]:
    """The 項目鍵 as SQL (Sheet.item_key's), and what a report shows of it."""
    joiner = f" || '{KEY_JOINER}' || "
    parts = _key_parts(sheet)
    key = joiner.join(_text(prefix + column) for column, _ in parts)
    shown = joiner.join(f"'{text}'" if text else _text(prefix + column) for column, text in parts)
    return key, shown


def _shown_expr(sheet: Sheet) -> pl.Expr:
    """`_keys`' shown key on a polars frame of export rows (text as the SQL casts it, null as '')."""
    return pl.concat_str([pl.lit(text) if text else pl.col(column).cast(pl.String).fill_null("")
                          for column, text in _key_parts(sheet)], separator=KEY_JOINER)


def row_item_keys(frame: pl.DataFrame, model: str) -> list[pl.Series]:
    """The item keys R25 and R24 name each row of an export model by, as the two frames make them (null
    where a row has none): R25's (workbook/sheet：key), then one per code list registered on the model
    (header：key, where the row holds a code). A partial export leaves out the rows they name."""
    workbook = next((workbook for workbook in WORKBOOKS if workbook.model == model), None)
    if workbook is None:
        return []
    needed = {column for sheet in workbook.sheets for column, text in _key_parts(sheet) if not text}
    if not needed <= set(frame.columns):
        return []
    keys = []
    for sheet in workbook.sheets:
        here = pl.col(workbook.sheet_column) == sheet.name if workbook.sheet_column in frame.columns else pl.lit(True)
        keys.append(frame.select(pl.when(here).then(pl.lit(f"{workbook.name}/{sheet.name}：") + _shown_expr(sheet))).to_series())
    first = workbook.sheets[0]
    for code_list in CODE_LISTS:
        if code_list.model == model and code_list.column in frame.columns:
            header = _header(workbook, code_list)
            keys.append(frame.select(pl.when(pl.col(code_list.column).is_not_null())
                                     .then(pl.lit(f"{header}：") + _shown_expr(first))).to_series())
    return [key.alias(f"_export_key{index}") for index, key in enumerate(keys)]


def _header(workbook: Workbook, code_list: CodeList) -> str:
    return next((header for sheet in workbook.sheets for header, column in sheet.columns if column == code_list.column),
                code_list.label or code_list.column)


def _in_targets(prefix: str, targets: str | None, schools: Sequence[str] = ()) -> str:
    """The condition that keeps an export model's rows of the school-years in the relation `targets`, on each
    model before anything joins or counts over it: a one-school gate reads that school's rows, not the nation's.
    `schools` (those of `targets`) are written in as literals too: DuckDB skips other schools' row groups for
    a constant list, not for a join."""
    if targets is None:
        return "true"
    listed = ", ".join("'" + school.replace("'", "''") + "'" for school in schools)
    return ((f"{prefix}school_code in ({listed}) and " if listed else "") +
            f"({prefix}school_code, {prefix}academic_year) in (select school_code, academic_year from {targets})")


def exported_rows_sql(con, targets: str | None = None, schools: Sequence[str] = ()) -> str:
    parts, catalog = [], _catalog(con)
    for workbook in WORKBOOKS:
        columns = catalog.get((EXPORT_SCHEMA, workbook.model))
        if columns is None:
            continue
        parts += [_sheet_rows(workbook, sheet, columns, targets, schools) for sheet in workbook.sheets]
    if not parts:
        return _EMPTY_ROWS
    rows = " union all ".join(parts)
    # Only the rows whose key's hash another row has can share their key: those rows, each with the exact
    # count (a window over the key itself). A row whose hash is its own passes R25 whatever else it holds,
    # and the nation has 40 M of them against ~1,000 that repeat.
    key = "school_code, academic_year, term, sheet_name, student_key, raw_key"
    shown = f"{', '.join(_COMMON)}, sheet_name, sheet_name || '：' || shown_key as item_key"
    return (f"with keyed as not materialized (select *, hash({key}) as key_hash from ({rows})), "
            "repeated as (select key_hash from keyed group by key_hash having count(*) > 1) "
            f"select {shown}, count(*) over (partition by {key}) as rows_sharing_key "
            "from keyed semi join repeated using (key_hash)")


def exported_codes_sql(con, targets: str | None = None, schools: Sequence[str] = ()) -> str:
    parts, catalog = [], _catalog(con)
    workbooks = {workbook.model: workbook for workbook in WORKBOOKS}
    for code_list in CODE_LISTS:
        columns = catalog.get((EXPORT_SCHEMA, code_list.model))
        if columns is None or (SEED_SCHEMA, code_list.seed) not in catalog:
            continue
        workbook = workbooks[code_list.model]
        header = _header(workbook, code_list)
        _, shown = _keys(workbook.sheets[0], "rows.")  # a workbook's sheets share their key headers
        seat = "rows.seat_number" if "seat_number" in columns else "null::integer"
        value = f"cast(rows.{_quote(code_list.column)} as varchar)"
        parts.append(
            f"select rows.school_code, rows.academic_year, rows.term, rows.student_number, rows.class_code, "
            f"{seat} as seat_number, '{header}：' || {shown} as item_key, {value} as code, "
            f"'{code_list.seed}' as code_list, exists (select 1 from {SEED_SCHEMA}.{code_list.seed} codes "
            f"where cast(codes.{_quote(code_list.seed_column)} as varchar) = {value}) as is_known_code "
            f"from {EXPORT_SCHEMA}.{code_list.model} rows where rows.{_quote(code_list.column)} is not null "
            f"and {_in_targets('rows.', targets, schools)}"
        )
    return " union all ".join(parts) if parts else _EMPTY_CODES


def create_exported_views(con, targets: str | None = None) -> None:
    """The two frames on `con` (temporary objects, allowed on a read-only connection); with `targets` (a
    relation of school_code, academic_year) only those school-years' rows. The filter sits on each export
    model, below R25's count per key and R24's code-list lookups, which no later filter passes: without it
    every read of a frame reads, counts and looks up the whole nation's rows. R25's frame, the few rows
    whose key may be shared, is a temporary table: counting the keys of every exported row is the costly
    part (14 s for the nation's 40 M), done once rather than on each of the gate's reads."""
    schools = [row[0] for row in con.execute(f"select distinct school_code from {targets} order by 1").fetchall()] \
        if targets is not None else []
    con.execute(f"create or replace temp table {ROWS_FRAME} as {exported_rows_sql(con, targets, schools)}")
    con.execute(f"create or replace temp view {CODES_FRAME} as {exported_codes_sql(con, targets, schools)}")


def frame_relation(frame: str, gate_schema: str) -> str:
    """Where a gate frame is read from: the temporary relations above, or the dbt model in the gate's schema."""
    return f"temp.main.{frame}" if frame in FRAMES else f"{gate_schema}.{frame}"
