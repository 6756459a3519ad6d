"""collect_package: a student's history at the sending school, from the exchange sample's marts."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.exchange.export import ExchangeError, collect_package
from tests.ops.schools_fixture import IDS, SCHOOL_A


@pytest.fixture(scope="module")
def package(exchange_sample):
    with duckdb.connect(str(exchange_sample.settings.warehouse), read_only=True) as con:
        return collect_package(con, SCHOOL_A, "A02")


def test_the_key_is_the_national_id_and_birth_date_and_rows_do_not_repeat_it(package):
    assert (package.national_id, package.birth_date) == (IDS["S02"], "2008-05-01")
    assert [(row["term"], row["enrolment_status"]) for row in package.sections["student"]] == [(1, "在學"), (2, "轉出")]
    assert all("national_id" not in row for row in package.sections["student"])


def test_outcomes_carry_their_certification_state_and_event_history(package):
    [outcome] = package.sections["course_outcomes"]
    assert (outcome["outcome_id"], outcome["certification_state"]) == ("CO-A9", "認證通過")
    assert [(event["outcome_id"], event["action"]) for event in package.sections["certification_events"]] == [
        ("CO-A9", "送審"), ("CO-A9", "認證通過")]
    assert outcome["submitted_in"] == []  # nothing submitted in the sample


def test_performances_cadres_and_files_are_the_students_own(package):
    assert [row["performance_id"] for row in package.sections["diverse_performances"]] == ["DP-A9"]
    assert [row["position"] for row in package.sections["cadres"]] == ["班長"]
    assert {(row["record_id"], row["file_name"], row["bytes"]) for row in package.sections["files"]} == {
        ("CO-A9", "reading.pdf", 2048), ("DP-A9", "proof.pdf", 1000)}


def test_an_unknown_student_is_refused(exchange_sample):
    with duckdb.connect(str(exchange_sample.settings.warehouse), read_only=True) as con:
        with pytest.raises(ExchangeError, match="沒有學號 A99"):
            collect_package(con, SCHOOL_A, "A99")
