"""A purged student's rows, wherever they are, and the tombstones that keep him out after the purge.

``purge_database`` finds (or deletes) every row that names a student (school and student number, his
course outcomes, his national ID, a quarantined value that is one of those) in any attached database.
The purge (pipelines/ops/purge.py) uses it to remove leavers; its audit events are the tombstones
(``purged_keys``): builds and restores (``reapply_purges``) and the dashboards' copy
(``drop_purged_from_copy``) remove again a purged student whom a newer delivery or an older snapshot
brought back. Sits on the audit log only, so the features that consult the tombstones (builds, restores,
publishing, the purge itself) never import each other.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable

import duckdb

from pipelines.ops.files import transaction
from pipelines.settings import Settings

_STUDENT_COLUMNS = ("student_number", "學號")


_OUTCOME_COLUMNS = ("outcome_id", "成果編號")


_NATIONAL_ID_COLUMNS = ("national_id", "身分證號")


_SKIP_SCHEMAS = ("audit", "information_schema", "pg_catalog")


def load_keys(con: duckdb.DuckDBPyConnection, students: Iterable[tuple[str, str]],
               national_ids: dict[str, set[str]], outcome_ids: dict[str, set[str]]) -> None:
    """Temp tables the deletes join on (they live in this connection only)."""
    con.execute("create or replace temp table purge_students (school_code varchar, student_number varchar)")
    con.execute("create or replace temp table purge_outcomes (school_code varchar, outcome_id varchar)")
    con.execute("create or replace temp table purge_ids (school_code varchar, national_id varchar)")
    con.execute("create or replace temp table purge_values (school_code varchar, raw_value varchar)")
    students = list(students)
    if students:
        con.executemany("insert into purge_students values (?, ?)", students)
        con.executemany("insert into purge_values values (?, ?)", students)
    ids = [(school, value) for school, values in national_ids.items() for value in values]
    if ids:
        con.executemany("insert into purge_ids values (?, ?)", ids)
        con.executemany("insert into purge_values values (?, ?)", ids)
    outcomes = [(school, value) for school, values in outcome_ids.items() for value in values]
    if outcomes:
        con.executemany("insert into purge_outcomes values (?, ?)", outcomes)


def collect_student_keys(con: duckdb.DuckDBPyConnection, database: str, students: list[tuple[str, str]]
                          ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """National IDs and course-outcome ids of the students, from whatever tables hold them."""
    con.execute("create or replace temp table purge_students (school_code varchar, student_number varchar)")
    if students:
        con.executemany("insert into purge_students values (?, ?)", students)
    national_ids: dict[str, set[str]] = defaultdict(set)
    outcome_ids: dict[str, set[str]] = defaultdict(set)
    for schema, table, columns in _tables(con, database):
        student = _first(columns, _STUDENT_COLUMNS)
        if "school_code" not in columns or student is None:
            continue
        for wanted, into in ((_first(columns, _NATIONAL_ID_COLUMNS), national_ids), (_first(columns, _OUTCOME_COLUMNS), outcome_ids)):
            if wanted is None:
                continue
            for school, value in con.execute(
                f'select distinct t.school_code, t."{wanted}" from "{database}"."{schema}"."{table}" t '
                f'join purge_students p on t.school_code = p.school_code and t."{student}" = p.student_number '
                f'where t."{wanted}" is not null'
            ).fetchall():
                into[school].add(str(value))
    return dict(national_ids), dict(outcome_ids)


def _first(columns: Iterable[str], names: tuple[str, ...]) -> str | None:
    columns = set(columns)
    return next((name for name in names if name in columns), None)


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str, list[str]]]:
    rows = con.execute(
        """select t.schema_name, t.table_name, list(c.column_name order by c.column_index)
           from duckdb_tables() t join duckdb_columns() c
             on c.database_name = t.database_name and c.schema_name = t.schema_name and c.table_name = t.table_name
           where t.database_name = ? and not t.temporary
           group by all order by 1, 2""",
        [database],
    ).fetchall()
    return [(schema, table, columns) for schema, table, columns in rows if schema not in _SKIP_SCHEMAS]


def _matching(schema: str, table: str, columns: list[str]) -> str | None:
    """The join condition that finds a purged student's rows in this table, or None."""
    if "school_code" not in columns:
        return None
    student = _first(columns, _STUDENT_COLUMNS)
    if student:
        return f'exists (select 1 from purge_students p where p.school_code = t.school_code and p.student_number = t."{student}")'
    outcome = _first(columns, _OUTCOME_COLUMNS)
    if outcome:
        return f'exists (select 1 from purge_outcomes p where p.school_code = t.school_code and p.outcome_id = t."{outcome}")'
    national_id = _first(columns, _NATIONAL_ID_COLUMNS)
    if national_id:
        return f'exists (select 1 from purge_ids p where p.school_code = t.school_code and p.national_id = t."{national_id}")'
    if "raw_value" in columns:  # raw.quarantine: a refused value that is the student number or ID itself
        return "exists (select 1 from purge_values p where p.school_code = t.school_code and p.raw_value = t.raw_value)"
    return None


def purge_database(con: duckdb.DuckDBPyConnection, database: str, *, apply: bool) -> dict[str, int]:
    """Count (apply=False) or delete the purge_* keys' rows in every table of `database`; rows per table."""
    counts = {}
    tables = [(schema, table, _matching(schema, table, columns)) for schema, table, columns in _tables(con, database)]
    with transaction(con) if apply else contextlib.nullcontext():
        for schema, table, condition in tables:
            if condition is None:
                continue
            name = f'"{database}"."{schema}"."{table}"'
            verb = "delete from" if apply else "select count(*) from"
            found = con.execute(f"{verb} {name} t where {condition}").fetchall()
            rows = found[0][0] if found else 0
            if rows:
                counts[f"{schema}.{table}"] = rows
    return counts


def purged_keys(settings_or_log) -> list[dict]:
    """(school, student number, last term) of every student an earlier purge removed, from the audit log:
    the tombstones that builds, restores and publications consult."""
    from pipelines.ops.audit import read_audit

    keys = []
    for event in read_audit(settings_or_log, action="purge"):
        for key in (event.get("details") or {}).get("students") or []:
            if isinstance(key, dict) and key.get("school") and key.get("student_number"):
                keys.append(key)
    return keys


def reapply_purges(con: duckdb.DuckDBPyConnection, settings: Settings, *, database: str) -> int:
    """Remove again purged students that a newer delivery brought back into `database`; how many."""
    back = returned_students(con, settings, database=database)
    if not back:
        return 0
    national_ids, outcome_ids = collect_student_keys(con, database, back)
    load_keys(con, back, national_ids, outcome_ids)
    purge_database(con, database, apply=True)
    return len(back)


def drop_purged_from_copy(con: duckdb.DuckDBPyConnection, settings_or_log, *, source: str, target: str) -> int:
    """The tombstones, for a copy made from `source` (the dashboards' publication): the students an
    earlier purge removed and `source` holds again are left out of `target` too; how many."""
    back = returned_students(con, settings_or_log, database=source)
    if not back:
        return 0
    national_ids, outcome_ids = collect_student_keys(con, source, back)
    load_keys(con, back, national_ids, outcome_ids)
    purge_database(con, target, apply=True)
    return len(back)


def returned_students(con: duckdb.DuckDBPyConnection, settings_or_log, *, database: str) -> list[tuple[str, str]]:
    """(school, student number) of purged students whom `database`'s raw.students lists again.

    Only a student whose rows in raw.students end at or before the term he was purged after: a student
    number reused for somebody newer (or a student who really came back) is left alone.
    """
    keys = purged_keys(settings_or_log)
    has_students = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = 'raw' and table_name = 'students'",
        [database],
    ).fetchall()[0][0]
    if not keys or not has_students:
        return []
    con.execute("create or replace temp table purged_keys (school_code varchar, student_number varchar, last_year int, last_term int)")
    rows = []
    for key in keys:
        year, _, term = str(key.get("last_term") or "").partition("-")
        if year.isdigit() and term.isdigit():
            rows.append((key["school"], key["student_number"], int(year), int(term)))
    if not rows:
        return []
    con.execute("begin transaction")
    con.executemany("insert into purged_keys values (?, ?, ?, ?)", rows)
    con.execute("commit")
    return con.execute(
        f"""select students.school_code, students."學號"
            from "{database}".raw.students students
            join purged_keys keys on students.school_code = keys.school_code and students."學號" = keys.student_number
            group by all
            having max(students."學年度" * 10 + students."學期") <= max(keys.last_year * 10 + keys.last_term)"""
    ).fetchall()
