"""R24's registry: every registered code list is a seed column, and the exported-codes frame catches a
value outside it (one case per list, on a DuckDB holding only that export model and the seeds)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.contract import seed_codes
from pipelines.export.layout import WORKBOOKS
from pipelines.gate.exported import CODE_LISTS, SEED_SCHEMA, _key_parts, exported_codes_sql

UNKNOWN = "??"
V2_LISTS = {"cluster_code", "host_cluster_code", "program_code", "division_code", "class_type", "special_identity_code",
            "indigenous_people_code", "indigenous_status_code", "admission_method_code", "credit_counted_code",
            "make_up_method_code", "retake_method_code", "transfer_identity_code", "cadre_level", "absence_type_code",
            "competition_level_code", "team_participation_code", "certificate_code", "flexible_learning_type_code",
            "group_activity_type_code", "workplace_learning_type_code"}


def test_every_v2_code_column_is_registered():
    assert V2_LISTS <= {code_list.column for code_list in CODE_LISTS}


def _warehouse(model: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"create schema {SEED_SCHEMA}")
    for seed, column in {(code_list.seed, code_list.seed_column) for code_list in CODE_LISTS}:
        con.execute(f"create table {SEED_SCHEMA}.{seed} as select unnest(?::varchar[]) as {column}",
                    [list(seed_codes(seed, column))])
    workbook = next(workbook for workbook in WORKBOOKS if workbook.model == model)
    columns = {"school_code", "academic_year", "term", "student_number", "class_code", "seat_number",
               *(column for column, _ in _key_parts(workbook.sheets[0])),
               *(code_list.column for code_list in CODE_LISTS if code_list.model == model)}
    con.execute("create schema exports")
    con.execute(f"create table exports.{model} ({', '.join(f'{column} varchar' for column in sorted(columns))})")
    return con


@pytest.mark.parametrize("code_list", CODE_LISTS, ids=lambda code_list: f"{code_list.model}.{code_list.column}")
def test_a_registered_list_knows_its_codes_and_catches_an_unknown_one(code_list):
    known = seed_codes(code_list.seed, code_list.seed_column)
    assert known, f"{code_list.seed}.{code_list.seed_column} is empty"
    con = _warehouse(code_list.model)
    for student, value in (("S1", known[0]), ("S2", UNKNOWN)):
        con.execute(f"insert into exports.{code_list.model} (school_code, student_number, {code_list.column}) "
                    "values ('999001', ?, ?)", [student, value])
    found = con.execute(f"select student_number, is_known_code from ({exported_codes_sql(con)}) "
                        "where code_list = ? and code = any(?) order by student_number",
                        [code_list.seed, [known[0], UNKNOWN]]).fetchall()
    # another list of the model may share the seed (群別 and 借讀's 群別): its column is empty here
    assert found == [("S1", True), ("S2", False)]
