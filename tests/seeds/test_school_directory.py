"""The school directory: real 學校代碼 format, county and type as the code crosswalks decode them, a name
for every school the generator produces."""

import csv
import re
from pathlib import Path

from pipelines.generate.codes import school_codes

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SCHOOL_CODE = re.compile(r"^\d{2}[0-9A-Z]\d{3}$")  # 縣市 (2) + 公私立別 (1) + 流水號 (3)


def rows(name: str) -> list[dict]:
    with (SEEDS / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_school_has_a_real_code_a_unique_name_and_the_county_and_type_its_code_says():
    directory = rows("xwalk_school_directory.csv")
    counties = {row["county_code"]: row["county_name"] for row in rows("xwalk_school_code_counties.csv")}
    types = {row["school_type_code"]: row for row in rows("xwalk_school_code_types.csv")}

    assert all(SCHOOL_CODE.match(row["school_code"]) for row in directory)
    assert len({row["school_code"] for row in directory}) == len({row["school_name"] for row in directory}) == len(directory)
    mismatched = [row["school_code"] for row in directory
                  if (row["county_name"], row["school_type_name"], row["is_public"])
                  != (counties.get(row["school_code"][:2]), types[row["school_code"][2]]["school_type_name"],
                      types[row["school_code"][2]]["is_public"])]
    assert not mismatched


def test_every_generated_school_is_in_the_directory():
    listed = {row["school_code"] for row in rows("xwalk_school_directory.csv")}

    assert set(school_codes(600)) <= listed
