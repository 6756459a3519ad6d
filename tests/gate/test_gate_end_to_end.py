"""Generated deliveries with injected violations → ingestion → dbt → `portfolio gate` → JSON, compared
with the generator's ground truth (_truth/violations.csv; its keys are documented in
pipelines/generate/truth.py): for every school, year and rule, the same number of violations naming the
same items."""

from __future__ import annotations

import json
from collections import Counter

import polars as pl
import pytest

from expectations.rules import RULES
from pipelines.gate.cli import main as gate_main

pytestmark = pytest.mark.e2e

# How the truth keys a rule's row, from a JSON row: the item key, the student number, or both.
STUDENT_KEYED = {"R05", "R07", "R11", "R12", "R13", "R14", "R23"}
RECORD_KEYED = {"R15", "R19", "R25"}  # 學號|課程代碼, 學號|<名冊>/<工作表>：<項目鍵>


def truth_key(rule_id: str, row: dict) -> str:
    if rule_id in STUDENT_KEYED:
        return row["學號"]
    if rule_id in RECORD_KEYED:
        return f"{row['學號']}|{row['key']}"
    return row["key"]


@pytest.fixture(scope="module")
def gate_json(built_sample, tmp_path_factory):
    """The gate's JSON for every school and year of the sample, at the truth's as-of date."""
    generation = json.loads((built_sample.truth / "generation.json").read_text(encoding="utf-8"))
    truth = pl.read_csv(built_sample.truth / "violations.csv",
                        schema_overrides={"school_code": pl.String, "key": pl.String})
    out = tmp_path_factory.mktemp("gate_e2e")
    results = {}
    for school in generation["school_codes"]:
        for year in range(generation["parameters"]["years"][0], generation["parameters"]["years"][1] + 1):
            path = out / f"{school}_{year}.json"
            exit_code = gate_main(["--school", school, "--year", str(year), "--as-of", generation["as_of"],
                                   "--json", str(path), "--warehouse", str(built_sample.warehouse), "--no-store"])
            document = json.loads(path.read_text(encoding="utf-8"))
            assert exit_code == (0 if document["passed"] else 1)
            results[(school, year)] = document
    return truth, results


def test_counts_per_rule_equal_the_ground_truth(gate_json):
    truth, results = gate_json
    expected = Counter((row["school_code"], row["academic_year"], row["rule_id"]) for row in truth.iter_rows(named=True))
    found = Counter({(school, year, rule["id"]): rule["violations"]
                     for (school, year), document in results.items() for rule in document["rules"]
                     if rule["violations"]})
    assert found == expected
    assert {rule_id for _, _, rule_id in expected} == {rule.id for rule in RULES}, "the sample should break every rule"


def test_the_offending_items_are_the_truths(gate_json):
    truth, results = gate_json
    expected = Counter((row["school_code"], row["academic_year"], row["rule_id"], row["key"])
                       for row in truth.iter_rows(named=True))
    found = Counter((school, year, rule["id"], truth_key(rule["id"], row))
                    for (school, year), document in results.items() for rule in document["rules"]
                    for row in rule["rows"])
    assert found == expected


def test_every_rule_is_listed_and_passed_follows_the_error_rules(gate_json):
    _, results = gate_json
    for document in results.values():
        assert [rule["id"] for rule in document["rules"]] == [rule.id for rule in RULES]
        errors = sum(rule["violations"] for rule in document["rules"] if rule["severity"] == "error")
        assert document["passed"] == (errors == 0)
