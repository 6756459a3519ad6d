"""store_package: only a school that registered the student as 轉入 takes the package; re-import replaces."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.exchange.export import ExchangeError, collect_package
from pipelines.exchange.importer import store_package
from tests.ops.schools_fixture import IDS, SCHOOL_A, SCHOOL_B


@pytest.fixture
def warehouse(exchange_sample, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(exchange_sample.settings.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        yield con


def test_the_receiving_school_stores_the_history_under_its_own_student_number(warehouse):
    package = collect_package(warehouse, SCHOOL_A, "A02")
    result = store_package(warehouse, SCHOOL_B, package)
    assert result.receiving_student_number == "B0002"
    assert warehouse.execute("select student_number, sending_school_code, outcome_id, certification_state "
                             "from raw.exchange_course_outcomes").fetchall() == [("B0002", SCHOOL_A, "CO-A9", "認證通過")]


def test_importing_the_same_package_again_replaces_its_rows(warehouse):
    package = collect_package(warehouse, SCHOOL_A, "A02")
    store_package(warehouse, SCHOOL_B, package)
    store_package(warehouse, SCHOOL_B, package)
    assert warehouse.execute("select count(*) from raw.exchange_certification_events").fetchall() == [(2,)]
    assert warehouse.execute("select count(*) from raw.exchange_packages").fetchall() == [(1,)]


def test_a_school_without_the_student_as_transfer_in_refuses_with_the_id_masked(warehouse):
    package = collect_package(warehouse, SCHOOL_A, "A01")  # S01 never went to B
    with pytest.raises(ExchangeError, match="沒有身分證號 .* 的轉入學籍") as refused:
        store_package(warehouse, SCHOOL_B, package)
    assert IDS["S01"] not in str(refused.value)
    assert warehouse.execute("select count(*) from raw.exchange_packages").fetchall() == [(0,)]


def test_a_different_birth_date_is_refused(warehouse):
    package = collect_package(warehouse, SCHOOL_A, "A02")
    other = type(package)(**{**package.__dict__, "birth_date": "2008-05-02"})
    with pytest.raises(ExchangeError, match="出生日期.*不符"):
        store_package(warehouse, SCHOOL_B, other)


def test_the_student_at_the_receiving_school_must_be_registered_as_transfer_in(warehouse):
    package = collect_package(warehouse, SCHOOL_A, "A02")
    warehouse.execute("update marts.fct_student_terms set enrolment_status = '在學' where student_number = 'B0002'")
    with pytest.raises(ExchangeError, match="轉入學籍"):
        store_package(warehouse, SCHOOL_B, package)
