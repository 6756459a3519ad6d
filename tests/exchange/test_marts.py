"""The receiving school's marts, gate frames and export models see a transferred student's imported items.

One import at B of S02's package from A (tests/exchange/conftest.py), one dbt build of what the gate and
the exports read; each test reads one part of the result.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.exchange.export import collect_package
from pipelines.exchange.importer import store_package
from tests.exchange.conftest import schools
from tests.ops.conftest import run_dbt
from tests.ops.schools_fixture import SCHOOL_A, SCHOOL_B

MODELS = ["+fct_gate_course_outcomes", "+fct_gate_selections", "+fct_gate_diverse_performances", "+fct_gate_student_terms",
          "+fct_gate_student_years", "+fct_student_completion", "+export_central__course_outcomes",
          "+export_central__diverse_performances"]
OUTCOME, PERFORMANCE = f"{SCHOOL_A}:CO-A9", f"{SCHOOL_A}:DP-A9"


@pytest.fixture(scope="module")
def imported(exchange_sample, tmp_path_factory):
    """The sample's warehouse after B imported S02's package and rebuilt; a read-only connection to it."""
    scratch = tmp_path_factory.mktemp("exchange_marts")
    warehouse = scratch / "warehouse.duckdb"
    shutil.copyfile(exchange_sample.settings.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        store_package(con, SCHOOL_B, collect_package(con, SCHOOL_A, "A02"))
    completed = run_dbt(warehouse, scratch, MODELS)
    assert completed.returncode == 0, completed.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


def test_an_imported_outcome_is_the_students_record_with_its_origin_and_state(imported):
    rows = imported.execute(
        "select school_code, student_number, origin_school_code, academic_year, term, certification_state, "
        "is_certified, is_selected, class_code from marts.fct_course_outcomes where origin_school_code is not null"
    ).fetchall()
    assert rows == [(SCHOOL_B, "B0002", SCHOOL_A, 113, 1, "認證通過", True, True, "201")]
    # the sending school's own rows are untouched: CO-A9 is still A's own outcome there
    assert imported.execute("select origin_school_code from marts.fct_course_outcomes "
                            "where school_code = ? and outcome_id = 'CO-A9'", [SCHOOL_A]).fetchall() == [(None,)]


def test_the_gate_sees_the_selected_imported_items_as_not_the_schools_own_term_work(imported):
    outcomes = imported.execute("select item_key, is_own_upload from marts.fct_gate_course_outcomes "
                                "where school_code = ? and student_number = 'B0002'", [SCHOOL_B]).fetchall()
    assert outcomes == [(OUTCOME, False)]
    entries = imported.execute("select item_key, is_own_entry from marts.fct_gate_diverse_performances "
                               "where school_code = ? and student_number = 'B0002'", [SCHOOL_B]).fetchall()
    assert entries == [(PERFORMANCE, False)]
    selections = imported.execute("select item_key, certification_state, is_on_register from marts.fct_gate_selections "
                                  "where school_code = ? order by item_key", [SCHOOL_B]).fetchall()
    assert selections == [(OUTCOME, "認證通過", True), (PERFORMANCE, None, True)]


def test_caps_count_imported_items_in_the_year_and_r05_only_own_uploads(imported):
    years = imported.execute("select selected_course_outcomes, student_entered_performances, "
                             "selected_student_entered_performances from marts.fct_gate_student_years "
                             "where school_code = ? and student_number = 'B0002'", [SCHOOL_B]).fetchall()
    assert years == [(1, 1, 1)]
    assert imported.execute("select count(*) from marts.fct_gate_student_terms where school_code = ?",
                            [SCHOOL_B]).fetchall() == [(0,)]
    assert imported.execute("select sum(outcomes_uploaded) from marts.fct_student_completion where school_code = ?",
                            [SCHOOL_B]).fetchall() == [(0,)]


def test_the_whole_year_roster_carries_the_selected_imported_items(imported):
    outcomes = imported.execute("select student_number, item_id, national_id, is_within_upload_cap "
                                "from exports.export_central__course_outcomes where school_code = ?",
                                [SCHOOL_B]).fetchall()
    assert outcomes == [("B0002", OUTCOME, schools.IDS["S02"], True)]
    entries = imported.execute("select student_number, item_id from exports.export_central__diverse_performances "
                               "where school_code = ?", [SCHOOL_B]).fetchall()
    assert entries == [("B0002", PERFORMANCE)]
