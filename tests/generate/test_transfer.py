"""The cross-school transfer (pipelines/generate/transfer.py), read back from the files as the contract says."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from .contract_reader import read_delivery, truth_csv


@pytest.fixture(scope="module")
def moved(dirty_run):
    truth = truth_csv(dirty_run, "transfers.csv")
    return truth, read_delivery(dirty_run).frames


def test_one_student_moves_between_the_last_two_schools_with_one_identity(dirty_run, moved):
    truth, frames = moved
    codes = sorted(p.name for p in dirty_run.iterdir() if p.is_dir() and not p.name.startswith("_"))
    who = truth.select("sending_school_code", "sending_student_number", "receiving_school_code",
                       "receiving_student_number", "national_id", "birth_date", "transfer_out_date",
                       "transfer_in_date").unique()
    assert who.height == 1
    person = who.row(0, named=True)
    assert {person["sending_school_code"], person["receiving_school_code"]} <= set(codes)
    students = frames["students"]
    out_rows = students.filter((pl.col("school_code") == person["sending_school_code"])
                               & (pl.col("student_number") == person["sending_student_number"])).sort("academic_year", "term")
    in_rows = students.filter((pl.col("school_code") == person["receiving_school_code"])
                              & (pl.col("student_number") == person["receiving_student_number"])).sort("academic_year", "term")
    out_date, in_date = (date.fromisoformat(person[name]) for name in ("transfer_out_date", "transfer_in_date"))
    last_out, first_in = out_rows.row(-1, named=True), in_rows.row(0, named=True)
    assert (last_out["enrolment_status"], last_out["status_changed_date"]) == ("轉出", out_date)
    assert (first_in["enrolment_status"], first_in["status_changed_date"]) == ("轉入", in_date)
    assert in_date == out_date + timedelta(days=1)
    assert (last_out["academic_year"], last_out["term"]) == (first_in["academic_year"], first_in["term"])
    for rows in (out_rows, in_rows):
        assert set(rows["national_id"]) == {person["national_id"]}
        assert set(rows["birth_date"]) == {date.fromisoformat(person["birth_date"])}


def test_the_student_selects_the_years_items_where_he_is_at_the_deadline(moved):
    truth, frames = moved
    person = truth.row(0, named=True)
    selections = frames["selections"].filter(pl.col("action") == "勾選")
    year = int(person["academic_year"])
    at_sending = selections.filter((pl.col("school_code") == person["sending_school_code"])
                                   & (pl.col("student_number") == person["sending_student_number"])
                                   & (pl.col("academic_year") == year))
    assert at_sending.height == 0
    at_receiving = set(selections.filter((pl.col("school_code") == person["receiving_school_code"])
                                         & (pl.col("student_number") == person["receiving_student_number"]))["item_id"])
    expected = set(truth.filter(pl.col("is_selected_at_receiving") == "true")["receiving_item_id"])
    assert expected and expected <= at_receiving
    assert all(item.startswith(person["sending_school_code"] + ":") for item in expected)
    # every item the package carries is the sending school's: outcomes and performances of the student there
    outcomes = frames["course_outcomes"].filter((pl.col("school_code") == person["sending_school_code"])
                                                & (pl.col("student_number") == person["sending_student_number"]))
    carried = set(truth.filter(pl.col("item_type") == "課程學習成果")["sending_item_id"])
    assert carried == set(outcomes["outcome_id"])
