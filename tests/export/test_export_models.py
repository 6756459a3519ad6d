"""dbt's export models (exports/central) in the built sample: what the writer relies on."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.export.layout import EXPORT_SCHEMA, WORKBOOKS


@pytest.fixture(scope="module")
def con(built_sample):
    connection = duckdb.connect(str(built_sample.warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.mark.parametrize("workbook", WORKBOOKS, ids=lambda workbook: workbook.model)
def test_every_sheet_column_comes_from_the_model(con, workbook):
    columns = {row[0] for row in con.execute(f"describe {EXPORT_SCHEMA}.{workbook.model}").fetchall()}
    needed = {column for sheet in workbook.sheets for column in sheet.model_columns}
    needed |= {"school_code", "academic_year", "term", "student_number", "class_code", "seat_number", "item_key"}
    assert needed <= columns
    if workbook.sheet_column:
        sheets = {row[0] for row in con.execute(f"select distinct {workbook.sheet_column} from {EXPORT_SCHEMA}.{workbook.model}").fetchall()}
        assert sheets <= {sheet.name for sheet in workbook.sheets}


@pytest.mark.parametrize("model, cap", [
    ("export_central__course_outcomes", "course_outcome_selection_cap_per_year"),
    ("export_central__diverse_performances", "diverse_selection_cap_per_year"),
])
def test_beyond_the_selection_cap_are_the_items_selected_last(con, model, cap):
    students = con.execute(f"""
        select
            exports.school_code, exports.academic_year, exports.student_number,
            max(selected_at) filter (where is_within_selection_cap) as last_kept,
            min(selected_at) filter (where not is_within_selection_cap) as first_left_out,
            count(*) filter (where is_within_selection_cap) as kept,
            any_value(schools.{cap}) as cap
        from {EXPORT_SCHEMA}.{model} as exports
        inner join marts.dim_schools as schools on exports.school_code = schools.school_code
        group by all
        having count(*) filter (where not is_within_selection_cap) > 0
    """).fetchall()
    assert students, "the sample should have a student over a selection cap"
    for school, _, student, last_kept, first_left_out, kept, limit in students:
        assert kept == limit and last_kept <= first_left_out, (school, student)
