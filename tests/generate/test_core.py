"""generate(): layout, determinism, formats, truth files."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

from expectations.rules import RULES
from pipelines.contract import FILES, QUARANTINE_REASONS, SCHOOL_CODE_PATTERN
from pipelines.generate import GenerationSummary, generate
from pipelines.generate.truth import TERM_METRICS, YEAR_METRICS

from .conftest import DIRTY
from .contract_reader import decode, generation_of, normalise_header, read_cells, truth_csv

LABELS = {spec.folder: set() for spec in FILES}
for _spec in FILES:
    LABELS[_spec.folder].add(_spec.label)
EXTRA_HEADERS = {"備註", "匯出時間", "資料來源"}


def _schools(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name != "_truth")


def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout_matches_the_contract(dirty_run):
    generation = generation_of(dirty_run)
    schools = _schools(dirty_run)
    assert [p.name for p in schools] == sorted(generation["school_codes"])
    assert len(set(generation["school_codes"])) == DIRTY["schools"]
    for school in schools:
        assert re.fullmatch(SCHOOL_CODE_PATTERN, school.name)
        assert {p.name for p in school.iterdir()} <= {"admin", "platform", "policy.yaml"}
        for folder in ("admin", "platform"):
            for path in (school / folder).iterdir():
                assert path.suffix in (".csv", ".xlsx"), path
                assert path.stem in LABELS[folder], path
        assert (school / "admin" / "學生資料.csv").exists() or (school / "admin" / "學生資料.xlsx").exists()


def test_headers_are_the_contract_headers(dirty_run):
    for school in _schools(dirty_run):
        for spec in (spec for spec in FILES if not spec.after_submission):  # replies come after a receipt
            path = next((school / spec.folder / f"{spec.label}.{ext}" for ext in ("csv", "xlsx")
                         if (school / spec.folder / f"{spec.label}.{ext}").exists()), None)
            assert path is not None, (school.name, spec.label)
            cells = read_cells(path)
            if cells is None:  # the one undecodable file
                continue
            headers = [normalise_header(h) for h in cells[0]]
            assert set(spec.headers) <= set(headers), (path, set(spec.headers) - set(headers))
            assert set(headers) - set(spec.headers) <= EXTRA_HEADERS, path


def test_some_schools_have_no_policy_and_caps_differ(dirty_run):
    generation = generation_of(dirty_run)
    with_policy = [s for s in generation["schools"] if s["policy_yaml"]]
    assert 0 < len(with_policy) < len(generation["schools"])
    assert {s["course_outcome_upload_cap_per_term"] for s in with_policy} == {3, 6}  # 9 from the 6th school on
    for school in generation["schools"]:
        assert (dirty_run / school["school_code"] / "policy.yaml").exists() == school["policy_yaml"]


def test_generated_policies_load_with_the_policy_module(dirty_run):
    from pipelines.policy import load_policy

    for school in generation_of(dirty_run)["schools"]:
        if not school["policy_yaml"]:
            continue
        policy = load_policy(dirty_run / school["school_code"] / "policy.yaml")
        assert policy.course_outcome_upload_cap_per_term == school["course_outcome_upload_cap_per_term"]
        assert policy.certification_days_after_upload == school["certification_days_after_upload"]
        assert {(t.academic_year, t.term) for t in policy.terms} == {(112, 1), (112, 2), (113, 1), (113, 2)}
        assert set(policy.selection_deadlines) == {112, 113}


def test_same_seed_same_bytes(tmp_path):
    args = {**DIRTY, "schools": 4, "students_per_school": 40}
    generate(tmp_path / "a", workers=1, **args)
    generate(tmp_path / "b", workers=2, **args)  # process count does not matter
    first, second = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert first == second
    generate(tmp_path / "c", workers=1, **{**args, "seed": args["seed"] + 1})
    assert _digest(tmp_path / "c") != first


def test_regenerating_replaces_the_previous_output(tmp_path):
    generate(tmp_path, schools=3, students_per_school=20, seed=1, workers=1)
    summary = generate(tmp_path, schools=2, students_per_school=20, seed=1, workers=1)
    assert sorted(p.name for p in _schools(tmp_path)) == sorted(summary.school_codes)


def test_summary(tmp_path):
    lines: list[str] = []
    summary = generate(tmp_path, schools=2, students_per_school=30, seed=2, progress=lines.append, workers=1)
    assert isinstance(summary, GenerationSummary)
    assert len(summary.school_codes) == 2 and summary.rows_written > 0 and summary.seconds > 0
    assert summary.files_written == sum(1 for p in tmp_path.rglob("*") if p.is_file())
    assert any(summary.school_codes[0] in line for line in lines)


def test_encodings_and_xlsx_vary(dirty_run):
    seen = set()
    for path in dirty_run.rglob("*"):
        if path.suffix == ".xlsx":
            seen.add("xlsx")
        elif path.suffix == ".csv":
            decoded = decode(path.read_bytes())
            seen.add(decoded[1] if decoded else "undecodable")
    assert {"utf-8", "utf-8-sig", "cp950", "xlsx", "undecodable"} <= seen


def test_dates_times_and_noise_vary(dirty_run):
    text = ""
    for path in dirty_run.rglob("*.csv"):
        decoded = decode(path.read_bytes())
        if decoded:
            text += decoded[0]
    assert re.search(r"\n[^\n]*\b20\d\d-\d\d-\d\d\b", text)  # ISO
    assert re.search(r"\b11[23]/\d\d/\d\d\b", text)  # ROC with slashes
    assert re.search(r",11[234](0[1-9]|1[0-2])\d\d,", text)  # ROC compact
    assert "下午" in text or "上午" in text
    assert re.search(r"[０-９]", text)  # full-width digits in some code
    assert "\u3000" in text


def test_clean_run_has_no_quarantine_and_no_error_violations(clean_run):
    assert truth_csv(clean_run, "quarantine.csv").height == 0
    violations = truth_csv(clean_run, "violations.csv")
    # every error rule, R22 included: a leaver's items stop at the 學籍異動日期 (generate/register.py)
    errors = violations.filter(pl.col("rule_id").is_in([rule.id for rule in RULES if rule.severity == "error"]))
    assert errors.height == 0, errors.head()
    assert {"R17", "R18"} <= set(violations["rule_id"])  # natural warnings exist


def test_dirty_run_has_every_rule_and_reason(dirty_run):
    violations = truth_csv(dirty_run, "violations.csv")
    assert set(violations["rule_id"]) == {f"R{i:02d}" for i in range(1, 29)}
    quarantine = truth_csv(dirty_run, "quarantine.csv")
    assert set(quarantine["reason"]) == {"missing_key", "bad_date", "bad_number", "unknown_code", "out_of_range",
                                         "undecodable"}


def test_truth_files_are_well_formed(dirty_run):
    generation = generation_of(dirty_run)
    codes = set(generation["school_codes"])
    assert generation["parameters"] == {**DIRTY, "years": list(DIRTY["years"]), "clean_schools": 0}
    assert generation["as_of"] == "2025-08-31"

    quarantine = truth_csv(dirty_run, "quarantine.csv")
    assert quarantine.columns == ["school_code", "source_file", "source_line", "field", "reason"]
    assert set(quarantine["school_code"]) <= codes
    assert set(quarantine["reason"]) <= set(QUARANTINE_REASONS)
    for row in quarantine.iter_rows(named=True):
        assert row["source_file"].startswith(row["school_code"] + "/")
        assert (dirty_run / row["source_file"]).is_file()
        if row["reason"] == "undecodable":
            assert row["source_line"] is None and row["field"] is None
        else:
            assert int(row["source_line"]) >= 2 and row["field"]
    assert quarantine.filter(pl.col("reason") == "undecodable").height == 1
    assert not quarantine.select("source_file", "source_line").is_duplicated().any()

    counts = truth_csv(dirty_run, "expected_counts.csv").with_columns(pl.col("value").cast(pl.Int64))
    assert counts.columns == ["school_code", "academic_year", "term", "metric", "value"]
    expected_rows = len(codes) * 2 * (2 * len(TERM_METRICS) + len(YEAR_METRICS))
    assert counts.height == expected_rows
    assert not counts.select("school_code", "academic_year", "term", "metric").is_duplicated().any()
    assert (counts["value"] >= 0).all()

    violations = truth_csv(dirty_run, "violations.csv")
    assert violations.columns == ["school_code", "academic_year", "term", "rule_id", "key"]
    assert not violations.is_duplicated().any()
    assert set(violations["school_code"]) <= codes
    year_grain = {"R07", "R08", "R10", "R11", "R12", "R13", "R20", "R23", "R27"}
    both = {"R22", "R26"}  # an outcome (its term) or a performance / selection (year grain)
    for rule, term in violations.select("rule_id", "term").unique().iter_rows():
        assert rule in both or (term == "0") == (rule in year_grain), (rule, term)


def test_counts_are_consistent(dirty_run):
    counts = truth_csv(dirty_run, "expected_counts.csv").with_columns(pl.col("value").cast(pl.Int64))
    wide = counts.filter(pl.col("term") != "0").pivot("metric", index=["school_code", "academic_year", "term"], values="value")
    states = wide.select(pl.sum_horizontal("outcomes_certified", "outcomes_pending", "outcomes_failed",
                                           "outcomes_cancelled", "outcomes_not_submitted"))
    assert (states.to_series() == wide["outcomes_uploaded"]).all()
    assert (wide["students_enrolled"] <= wide["students"]).all()
    # 10-14 courses per student and term, plus a few retakes
    ratio = wide["course_records"] / wide["students"]
    assert ((ratio > 9) & (ratio < 14)).all()


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, schools=0, students_per_school=10)
    with pytest.raises(ValueError):
        generate(tmp_path, schools=1, students_per_school=10, error_rate=1.5)
    with pytest.raises(ValueError):
        generate(tmp_path, schools=1, students_per_school=10, years=(113, 112))


def test_generation_json_lists_files(dirty_run):
    generation = json.loads((dirty_run / "_truth" / "generation.json").read_text(encoding="utf-8"))
    for school in generation["schools"]:
        assert set(school["files"]) == {spec.label for spec in FILES if not spec.after_submission}


def test_clean_schools_get_no_injected_errors(tmp_path):
    summary = generate(tmp_path, schools=3, students_per_school=20, seed=5, error_rate=0.3, clean_schools=1)
    clean_code = summary.school_codes[-1]
    error_rules = {f"R{number:02d}" for number in range(1, 16)}
    violations = truth_csv(tmp_path, "violations.csv")
    quarantine = truth_csv(tmp_path, "quarantine.csv")
    # the transferred student's selections of items his exchange package has not brought yet (transfer.py)
    not_imported = truth_csv(tmp_path, "transfers.csv").filter(pl.col("is_selected_at_receiving") == "true")["receiving_item_id"].to_list()
    assert not violations.filter((pl.col("school_code") == clean_code) & pl.col("rule_id").is_in(error_rules)
                                 & ~((pl.col("rule_id") == "R08") & pl.col("key").is_in(not_imported))).height
    assert not quarantine.filter(pl.col("school_code") == clean_code).height
    assert quarantine.filter(pl.col("school_code") != clean_code).height, "the other schools still get errors"
