"""stg_exchange__course_outcomes: an imported outcome is the receiving school's, under its 學號, with its origin.

The view is built with the exchange sample (conftest.py); it reads raw.exchange_* when queried."""

from __future__ import annotations

import shutil

import duckdb

from pipelines.exchange.export import collect_package
from pipelines.exchange.importer import store_package
from pipelines.settings import Settings
from tests.ops.schools_fixture import SCHOOL_A, SCHOOL_B


def test_an_imported_outcome_shows_under_the_receiving_school_and_student(exchange_sample, tmp_path):
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb")
    shutil.copyfile(exchange_sample.settings.warehouse, settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        store_package(con, SCHOOL_B, collect_package(con, SCHOOL_A, "A02"))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("select school_code, student_number, origin_school_code, outcome_id, "
                           "origin_certification_state from staging.stg_exchange__course_outcomes").fetchall()
    assert rows == [(SCHOOL_B, "B0002", SCHOOL_A, f"{SCHOOL_A}:CO-A9", "認證通過")]
