"""stg_exchange__course_outcomes: an imported outcome is the receiving school's, under its 學號, with its origin."""

from __future__ import annotations

import shutil

import duckdb

from pipelines.exchange.export import collect_package
from pipelines.exchange.importer import store_package
from pipelines.settings import Settings
from tests.ops.conftest import run_dbt
from tests.ops.schools_fixture import SCHOOL_A, SCHOOL_B


def test_an_imported_outcome_shows_under_the_receiving_school_and_student(exchange_sample, tmp_path):
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb")
    shutil.copyfile(exchange_sample.settings.warehouse, settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        store_package(con, SCHOOL_B, collect_package(con, SCHOOL_A, "A02"))
    completed = run_dbt(settings.warehouse, tmp_path, ["stg_exchange__course_outcomes"])
    assert completed.returncode == 0, completed.stdout[-3000:]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("select school_code, student_number, origin_school_code, outcome_id, "
                           "origin_certification_state from staging.stg_exchange__course_outcomes").fetchall()
    assert rows == [(SCHOOL_B, "B0002", SCHOOL_A, f"{SCHOOL_A}:CO-A9", "認證通過")]
