"""Read the generated files back as the contract says and recompute the truth: it must match _truth/.

This is what makes the truth exact: quarantined lines are the lines a contract-following reader
rejects (and no other line), and counts and violations recomputed from the rows that load
(with the policy taken from policy.yaml, not from the generator) equal the files.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.generate.codes import valid_course_codes, valid_national_ids
from pipelines.generate.truth import compute_truth

from .contract_reader import generation_of, policy_plan, read_delivery, truth_csv


@pytest.fixture(scope="module")
def dirty_loaded(dirty_run):
    return read_delivery(dirty_run)


@pytest.fixture(scope="module")
def clean_loaded(clean_run):
    return read_delivery(clean_run)


def _quarantine_rows(root) -> set[tuple]:
    frame = truth_csv(root, "quarantine.csv")
    return {(r["school_code"], r["source_file"], int(r["source_line"]) if r["source_line"] else None, r["field"], r["reason"])
            for r in frame.iter_rows(named=True)}


def _recompute(root, loaded) -> tuple[pl.DataFrame, pl.DataFrame]:
    generation = generation_of(root)
    as_of = date.fromisoformat(generation["as_of"])
    counts, violations = [], []
    for school in generation["school_codes"]:
        frames = {kind: frame.filter(pl.col("school_code") == school).drop("school_code")
                  for kind, frame in loaded.frames.items()}
        c, v = compute_truth(policy_plan(root, school, generation), frames, as_of)
        counts.append(c)
        violations.append(v)
    return pl.concat(counts), pl.concat(violations)


def _as_text(frame: pl.DataFrame) -> set[tuple]:
    return set(frame.select(pl.all().cast(pl.String)).iter_rows())


@pytest.mark.parametrize("run", ["clean", "dirty"])
def test_quarantine_truth_is_exactly_what_the_reader_rejects(run, request):
    root = request.getfixturevalue(f"{run}_run")
    loaded = request.getfixturevalue(f"{run}_loaded")
    assert set(loaded.quarantine) == _quarantine_rows(root)
    assert len(loaded.quarantine) == len(set(loaded.quarantine))


@pytest.mark.parametrize("run", ["clean", "dirty"])
def test_counts_and_violations_recomputed_from_the_files(run, request):
    root = request.getfixturevalue(f"{run}_run")
    counts, violations = _recompute(root, request.getfixturevalue(f"{run}_loaded"))
    assert _as_text(counts) == _as_text(truth_csv(root, "expected_counts.csv"))
    expected = _as_text(truth_csv(root, "violations.csv"))
    got = _as_text(violations)
    assert got - expected == set() and expected - got == set()


def test_national_ids_valid_except_injected(dirty_loaded, dirty_run):
    students = dirty_loaded.frames["students"]
    invalid = students.filter(pl.Series(~valid_national_ids(students["national_id"])))
    assert invalid.height > 0
    found = set(invalid.select("school_code", pl.col("academic_year").cast(pl.String), "student_number").iter_rows())
    r13 = truth_csv(dirty_run, "violations.csv").filter(pl.col("rule_id") == "R13")
    assert found == set(r13.select("school_code", "academic_year", "key").iter_rows())


def test_course_codes_valid_except_injected(dirty_loaded, dirty_run):
    records = dirty_loaded.frames["course_records"]
    invalid = records.filter(pl.Series(~valid_course_codes(records["course_code"])))
    assert invalid.height > 0
    found = set(invalid.select("school_code", pl.concat_str(["student_number", pl.lit("|"), "course_code"])).iter_rows())
    r15 = truth_csv(dirty_run, "violations.csv").filter(pl.col("rule_id") == "R15")
    assert found == set(r15.select("school_code", "key").iter_rows())


def test_clean_files_are_all_valid(clean_loaded):
    assert valid_national_ids(clean_loaded.frames["students"]["national_id"]).all()
    assert valid_course_codes(clean_loaded.frames["course_records"]["course_code"]).all()


def test_course_codes_and_credits_agree(clean_loaded):
    records = clean_loaded.frames["course_records"].with_columns(
        pl.col("course_code").str.slice(16, 1).alias("category"), pl.col("course_code").str.slice(18, 1).alias("attribute"))
    no_credit = records.filter(pl.col("category").is_in(["8", "9"]) & (pl.col("attribute") != "D"))
    assert no_credit.height > 0 and (no_credit["credits"] == 0).all()
    graded = records.filter(pl.col("score").is_not_null())
    assert ((graded["score"] >= 60).cast(pl.Int64) == graded["is_passed"]).all()
    per_term = records.filter(pl.col("record_kind") == "學期").group_by("school_code", "academic_year", "term", "student_number").len()
    assert per_term["len"].min() >= 10 and per_term["len"].max() <= 14
    assert {"補修", "重修"} <= set(records["record_kind"])


def test_outcomes_realistic(clean_loaded, clean_run):
    outcomes = clean_loaded.frames["course_outcomes"]
    records = clean_loaded.frames["course_records"]
    assert outcomes.join(records, on=["school_code", "student_number", "academic_year", "term", "course_code"], how="anti").height == 0
    assert (outcomes["summary"].str.strip_chars().str.len_chars() <= 100).all()
    generation = generation_of(clean_run)
    caps = {s["school_code"]: s["course_outcome_upload_cap_per_term"] for s in generation["schools"]}
    per = outcomes.group_by("school_code", "academic_year", "term", "student_number").len()
    assert all(row["len"] <= caps[row["school_code"]] for row in per.iter_rows(named=True))
    events = clean_loaded.frames["certification_events"]
    assert set(events["action"]) == {"送審", "認證通過", "認證未通過", "取消認證", "更換認證教師"}
    assert events.filter((pl.col("action") == "認證未通過") & pl.col("reason").is_null()).height == 0


def test_students_realistic(clean_loaded):
    students = clean_loaded.frames["students"]
    statuses = set(students["enrolment_status"])
    assert {"在學", "轉入"} <= statuses
    assert students["national_id"].str.contains(r"^[A-Z][89]").any()  # new resident certificates
    teachers = clean_loaded.frames["teachers"]
    assert (teachers["employment_status"] == "離職").any()
    assert teachers["duties"].str.contains("領域召集人").any() and teachers["duties"].str.contains("教學組長").any()
    selections = clean_loaded.frames["selections"]
    assert {"勾選", "取消勾選"} == set(selections["action"])
    performances = clean_loaded.frames["diverse_performances"]
    assert len(set(performances["category"])) == 10
    assert {"學生自填", "學校登錄"} == set(performances["entry_source"])
    sessions = clean_loaded.frames["counselling_sessions"]
    assert {"個別", "團體"} == set(sessions["session_format"])
