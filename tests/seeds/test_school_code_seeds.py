"""The school-code crosswalks cover every code the generator produces (county: characters 1-2, type: 3)."""

import csv
from pathlib import Path

from pipelines.generate.codes import school_codes

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def codes(name: str, column: str) -> set[str]:
    with (SEEDS / name).open(encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def test_every_generated_school_code_has_a_county_and_a_school_type():
    generated = school_codes(600)

    assert {code[:2] for code in generated} <= codes("xwalk_school_code_counties.csv", "county_code")
    assert {code[2] for code in generated} <= codes("xwalk_school_code_types.csv", "school_type_code")
