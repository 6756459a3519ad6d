"""The whole pipeline on generated data with injected errors, checked against the generator's truth."""

from __future__ import annotations

import csv
from collections import Counter

import duckdb
import pytest

from pipelines.cli import main
from pipelines.export.layout import WORKBOOKS_BY_NAME
from pipelines.generate.truth import SHEET_METRIC, TERM_SHEETS, YEAR_SHEETS
from pipelines.contract import seed_codes

pytestmark = pytest.mark.e2e

# Each truth metric, as the warehouse answers it: (school, year, term) → value.
MART_METRICS = {
    "students": "select school_code, academic_year, term, count(*) from marts.fct_student_terms group by all",
    "students_enrolled": """select school_code, academic_year, term, count(*) from marts.fct_student_terms
                            where is_enrolled group by all""",
    "course_records": "select school_code, academic_year, term, count(*) from marts.fct_course_records group by all",
    "outcomes_uploaded": "select school_code, academic_year, term, count(*) from marts.fct_course_outcomes group by all",
    **{
        metric: f"""select school_code, academic_year, term, count(*) from marts.fct_course_outcomes
                    where certification_state = '{state}' group by all"""
        for metric, state in {
            "outcomes_certified": "認證通過",
            "outcomes_pending": "待認證",
            "outcomes_failed": "認證未通過",
            "outcomes_cancelled": "已取消",
            "outcomes_not_submitted": "未送審",
        }.items()
    },
    "outcomes_selected": """select school_code, academic_year, 0, count(*) from marts.fct_course_outcomes
                            where is_selected group by all""",
    "performances_student_entered": """select school_code, academic_year, 0, count(*)
                                       from marts.fct_diverse_performances where is_student_entered group by all""",
    "performances_school_registered": """select school_code, academic_year, 0, count(*)
                                         from marts.fct_diverse_performances where not is_student_entered group by all""",
    "performances_selected": """select school_code, academic_year, 0, count(*) from marts.fct_diverse_performances
                                where is_student_entered and is_selected group by all""",
    # every row of each 名冊 sheet the export models hold (exports.md v2), before caps and gate exclusions
    **{
        SHEET_METRIC + sheet.name: f"""select school_code, academic_year, term, count(*)
                                       from exports.{WORKBOOKS_BY_NAME[book].model}
                                       where {WORKBOOKS_BY_NAME[book].sheet_column} = '{sheet.name}' group by all"""
        for book in (*TERM_SHEETS, *YEAR_SHEETS) for sheet in WORKBOOKS_BY_NAME[book].sheets
    },
    # the rows of the 名冊 sheets (exports.md v2), as the export models hold them before the gate's exclusions
    "cadre_rows": "select school_code, academic_year, term, count(*) from exports.export_central__cadres group by all",
    "absence_rows": "select school_code, academic_year, term, count(*) from exports.export_central__absences group by all",
    **{
        f"performances_selected_{category_en}": f"""
            select exports.school_code, exports.academic_year, 0, count(*)
            from exports.export_central__diverse_performances as exports
            inner join seeds.xwalk_diverse_categories as categories on exports.category = categories.category
            where categories.category_en = '{category_en}' group by all"""
        for category_en in seed_codes("xwalk_diverse_categories", "category_en")
    },
}


def read_truth(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def warehouse_values(con, metric):
    return {(school, int(year), int(term)): value for school, year, term, value in con.execute(MART_METRICS[metric]).fetchall()}


def test_quarantine_holds_exactly_the_rows_the_generator_broke(built_sample):
    expected = Counter(
        (row["school_code"], row["source_file"], int(row["source_line"]) if row["source_line"] else None,
         row["field"] or None, row["reason"])
        for row in read_truth(built_sample.truth / "quarantine.csv")
    )
    with duckdb.connect(str(built_sample.warehouse), read_only=True) as con:
        found = Counter(con.execute(
            "select school_code, source_file, source_line, field_name, reason from marts.fct_quarantine"
        ).fetchall())
    assert expected, "the sample should contain injected malformed rows"
    assert found == expected


def test_marts_count_what_the_generator_wrote(built_sample):
    truth = read_truth(built_sample.truth / "expected_counts.csv")
    assert {row["metric"] for row in truth} == set(MART_METRICS)
    mismatches = []
    with duckdb.connect(str(built_sample.warehouse), read_only=True) as con:
        for metric in MART_METRICS:
            found = warehouse_values(con, metric)
            for row in (row for row in truth if row["metric"] == metric):
                key = (row["school_code"], int(row["academic_year"]), int(row["term"]))
                if found.get(key, 0) != int(row["value"]):
                    mismatches.append((metric, key, int(row["value"]), found.get(key, 0)))
    assert mismatches == []


def test_school_completion_agrees_with_the_truth(built_sample):
    truth = {
        (row["school_code"], int(row["academic_year"]), int(row["term"]), row["metric"]): int(row["value"])
        for row in read_truth(built_sample.truth / "expected_counts.csv")
    }
    with duckdb.connect(str(built_sample.warehouse), read_only=True) as con:
        rows = con.execute(
            """select school_code, academic_year, term, students_enrolled,
                      outcomes_uploaded + outcomes_from_students_not_enrolled
               from marts.fct_school_completion"""
        ).fetchall()
    assert rows
    for school, year, term, enrolled, uploaded in rows:
        assert enrolled == truth[(school, year, term, "students_enrolled")]
        assert uploaded == truth.get((school, year, term, "outcomes_uploaded"), 0)


def test_rebuilding_the_same_deliveries_changes_nothing(built_sample, capsys):
    def snapshot():
        with duckdb.connect(str(built_sample.warehouse), read_only=True) as con:
            tables = con.execute(
                """select table_schema || '.' || table_name from information_schema.tables
                   where table_schema in ('raw', 'marts') and table_type = 'BASE TABLE' order by 1"""
            ).fetchall()
            return {
                table: con.execute(f"select count(*), sum(hash(columns(*))) from {table}").fetchall()
                for (table,) in tables
            }

    before = snapshot()
    assert main(["build", "--source", str(built_sample.source), "--warehouse", str(built_sample.warehouse)]) == 0
    output = capsys.readouterr().out
    assert "建置完成" in output and "倉儲摘要" in output and "各校最新學期完成度" in output
    assert snapshot() == before
