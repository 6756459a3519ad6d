"""A transfer between two generated schools, end to end, against the generator's truth (_truth/transfers.csv).

On a copy of the session's built sample: the receiving school's gate before the import (the student's
selections of items not yet imported: R08 查無此成果), then what `make demo` does (pipelines/exchange/demo.py):
`portfolio exchange export` at the sending school, `portfolio exchange import` at the receiving school, a
one-school build; then the receiving school's gate, marts and whole-year export (what a registrar does);
the national marts count the student once per term.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.build import run_build
from pipelines.cli import main
from pipelines.exchange.demo import run_transfer
from pipelines.gate.cli import main as gate_main
from pipelines.ops.audit import read_audit
from pipelines.settings import Settings
from tests.gate.test_gate_end_to_end import truth_key

pytestmark = pytest.mark.e2e
OUTCOMES = "課程學習成果"


def _gate(settings: Settings, school: str, year: str, as_of: str, path) -> Counter:
    gate_main(["--school", school, "--year", year, "--as-of", as_of, "--json", str(path),
               "--warehouse", str(settings.warehouse), "--no-store"])
    document = json.loads(path.read_text(encoding="utf-8"))
    return Counter((rule["id"], truth_key(rule["id"], row)) for rule in document["rules"] for row in rule["rows"])


@pytest.fixture(scope="module")
def transfer(built_sample, tmp_path_factory):
    truth = pl.read_csv(built_sample.truth / "transfers.csv", infer_schema_length=0)
    person = truth.row(0, named=True)
    as_of = json.loads((built_sample.truth / "generation.json").read_text(encoding="utf-8"))["as_of"]
    root = tmp_path_factory.mktemp("transfer_e2e")
    shutil.copytree(built_sample.source, root / "source")
    shutil.copyfile(built_sample.warehouse, root / "warehouse.duckdb")
    settings = Settings.resolve(warehouse=root / "warehouse.duckdb", source=root / "source")
    receiving, year = person["receiving_school_code"], person["academic_year"]
    before = _gate(settings, receiving, year, as_of, root / "before.json")

    moved = run_transfer(settings, lambda settings, schools: run_build(settings, schools=schools))
    assert moved is not None
    after = _gate(settings, receiving, year, as_of, root / "after.json")
    main(["export", "--school", receiving, "--year", year, "--term", "0", "--allow-partial",
          "--out", str(root / "exports"), "--as-of", as_of, "--warehouse", str(settings.warehouse)])
    return truth, settings, before, after, root / "exports" / receiving / f"{year}_0", moved


def test_the_demo_says_what_moved_and_both_ends_are_audited(transfer):
    truth, settings, *_, moved = transfer
    person = truth.row(0, named=True)
    outcomes = truth.filter(pl.col("item_type") == OUTCOMES)
    selected = truth.filter(pl.col("is_selected_at_receiving") == "true").height
    assert (f"自 {person['sending_school_code']} 轉出" in moved and f"轉入 {person['receiving_school_code']}" in moved
            and f"課程學習成果 {outcomes.height} 件" in moved and f"多元表現 {truth.height - outcomes.height} 件" in moved
            and f"勾選其中 {selected} 件" in moved)
    assert person["national_id"] not in moved
    actions = [(event["action"], event["school_code"]) for event in read_audit(settings)
               if event["action"].startswith("exchange_")]
    assert actions == [("exchange_export", person["sending_school_code"]),
                       ("exchange_import", person["receiving_school_code"])]


def test_before_the_import_the_gate_finds_the_selected_items_missing_and_after_it_only_that_changed(
        built_sample, transfer):
    truth, _, before, after, *_ = transfer
    person = truth.row(0, named=True)
    violations = pl.read_csv(built_sample.truth / "violations.csv", infer_schema_length=0).filter(
        (pl.col("school_code") == person["receiving_school_code"]) & (pl.col("academic_year") == person["academic_year"]))
    assert before == Counter(violations.select("rule_id", "key").iter_rows())
    missing = {("R08", row["receiving_item_id"]) for row in truth.iter_rows(named=True)
               if row["item_type"] == OUTCOMES and row["is_selected_at_receiving"] == "true"}
    assert missing and missing <= set(before)
    assert after == before - Counter(missing)


def test_the_receiving_schools_marts_hold_the_students_items_with_their_origin_and_state(transfer):
    truth, settings, *_ = transfer
    person = truth.row(0, named=True)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        outcomes = con.execute(
            "select outcome_id, origin_school_code, student_number, certification_state, is_selected "
            "from marts.fct_course_outcomes where school_code = ? and origin_school_code is not null order by 1",
            [person["receiving_school_code"]]).fetchall()
    expected = [(row["receiving_item_id"], row["sending_school_code"], row["receiving_student_number"], row["state"],
                 row["is_selected_at_receiving"] == "true")
                for row in truth.sort("receiving_item_id").iter_rows(named=True) if row["item_type"] == OUTCOMES]
    assert outcomes == expected


def test_the_whole_year_roster_carries_the_imported_items_the_student_selected(transfer):
    truth, _, _, _, folder, _ = transfer
    person = truth.row(0, named=True)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    excluded = {entry["key"] for entry in manifest["excluded"]}
    exported = {row["receiving_item_id"] for row in truth.iter_rows(named=True)
                if row["is_exported_at_receiving"] == "true"}
    assert exported and not exported & excluded
    rows = Counter()
    for path in folder.glob("*.xlsx"):
        workbook = openpyxl.load_workbook(path, read_only=True)
        for sheet in workbook.worksheets[1:]:
            cells = list(sheet.iter_rows(values_only=True))
            position = cells[0].index("身分證號")
            rows[path.stem.split("_")[-1]] += sum(1 for row in cells[1:] if row[position] == person["national_id"])
    imported_outcomes = sum(1 for row in truth.iter_rows(named=True)
                            if row["is_exported_at_receiving"] == "true" and row["item_type"] == OUTCOMES)
    assert rows["學生課程學習成果名冊"] >= imported_outcomes
    assert rows["學生自填多元表現名冊"] >= len(exported) - imported_outcomes


def test_the_national_marts_count_the_student_once_at_the_school_holding_him(transfer):
    truth, settings, *_ = transfer
    person = truth.row(0, named=True)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        terms = con.execute(
            "select academic_year, term, school_code, is_counted, schools_on_record from marts.fct_national_student_terms "
            "where national_id = ? order by academic_year, term", [person["national_id"]]).fetchall()
    year, term = int(person["academic_year"]), int(person["term"])
    moved = [row for row in terms if (row[0], row[1]) == (year, term)]
    assert moved == [(year, term, person["receiving_school_code"], True, 2)]
    assert all(school == person["sending_school_code"] for y, t, school, *_ in terms if (y, t) < (year, term))
