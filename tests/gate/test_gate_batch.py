"""run_gates (pipelines/gate/batch.py), the one gate, gives for many school-years at once exactly what the
suites give validated one school-year at a time on its whole frames (expectations.runner.validate_frames)."""

from __future__ import annotations

import pytest

from pipelines.gate.core import GateResult, UnknownSchoolOrYear, available_years, run_gates
from tests.gate import warehouse_fixture as fx


def run_gate(warehouse, school, year, term, as_of) -> GateResult:
    """The reference: one school-year's frames, its policy's suites, no aggregation."""
    from expectations.runner import read_frames, validate_frames
    from pipelines.gate.core import _classes, read_policy
    from pipelines.gate.frames import prepare_frames

    policy, policy_error = read_policy(warehouse, school)
    gate_frames = read_frames(warehouse, school, year, term)
    results = validate_frames(prepare_frames(gate_frames, policy, as_of), policy)
    return GateResult(school=school, academic_year=year, term=term, as_of=as_of, results=tuple(results),
                      policy_error=policy_error, classes=_classes(gate_frames.classes, term))


def _same(single, batch):
    assert (single.school, single.academic_year, single.term, single.as_of) == \
        (batch.school, batch.academic_year, batch.term, batch.as_of)
    assert [result.id for result in single.results] == [result.id for result in batch.results]
    for one, many in zip(single.results, batch.results):
        assert one.rows == many.rows, one.id  # every offending row, its values, limits, proxies, in order
    assert single.classes == batch.classes and single.policy_error == batch.policy_error


@pytest.mark.parametrize("as_of", [fx.AS_OF, fx.BEFORE_T002_LEFT])
def test_planted_rows_as_of_any_day(gate_warehouse, as_of):
    targets = [(school, year) for school, years in available_years(gate_warehouse).items() for year in years]
    batch = run_gates(gate_warehouse, targets, None, as_of)
    assert len(batch) == len(targets) >= 2
    for result in batch:
        _same(run_gate(gate_warehouse, result.school, result.academic_year, None, as_of), result)


def test_a_term(gate_warehouse):
    (batch,) = run_gates(gate_warehouse, [(fx.SCHOOL, fx.YEAR)], 2, fx.AS_OF)
    _same(run_gate(gate_warehouse, fx.SCHOOL, fx.YEAR, 2, fx.AS_OF), batch)


def test_generated_schools_with_injected_errors(built_sample):
    as_of = fx.AS_OF  # any fixed day: R17/R18 depend on it, and both paths get the same
    batch = run_gates(built_sample.warehouse, None, None, as_of)
    assert sum(result.errors for result in batch) > 0
    for result in batch:
        _same(run_gate(built_sample.warehouse, result.school, result.academic_year, None, as_of), result)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_passes_of_schools_give_the_results_of_one(built_sample, monkeypatch, workers):
    """School by school, in this process or in worker processes: the same results, names and order."""
    import pipelines.gate.core as core

    monkeypatch.setenv("PORTFOLIO_GATE_WORKERS", "1")
    one_pass = run_gates(built_sample.warehouse, None, None, fx.AS_OF)
    monkeypatch.setattr(core, "SCHOOLS_PER_PASS", 1)
    monkeypatch.setenv("PORTFOLIO_GATE_WORKERS", workers)
    school_by_school = run_gates(built_sample.warehouse, None, None, fx.AS_OF)
    assert len({result.school for result in one_pass}) >= 2
    assert [(result.school, result.academic_year) for result in school_by_school] == \
        [(result.school, result.academic_year) for result in one_pass]
    for single, batch in zip(school_by_school, one_pass):
        _same(single, batch)
        assert single.names == batch.names


def test_unknown_school_or_year(gate_warehouse):
    with pytest.raises(UnknownSchoolOrYear):
        run_gates(gate_warehouse, [(fx.SCHOOL, fx.YEAR), ("000000", fx.YEAR)], None, fx.AS_OF)


def test_a_value_class_falls_among_the_bounds_as_its_values_do():
    import duckdb

    from pipelines.gate.batch import value_class_sql

    bounds = [0, 1, 100]
    values = [-7, -0.5, 0, 0.25, 1, 2, 57.5, 99, 100, 100.5, 4_000_000, None]
    con = duckdb.connect()
    classes = con.execute(f"select v, {value_class_sql('v', bounds)} from unnest(?) t(v)", [values]).fetchall()
    for original, shown in classes:
        if original is None:
            assert shown is None
            continue
        for bound in bounds:
            assert (original > bound) - (original < bound) == (shown > bound) - (shown < bound), (original, shown, bound)
    assert len({shown for _, shown in classes}) == 2 * len(bounds) + 2  # below, on, between each, above, null


def test_only_columns_held_to_constant_bounds_alone_are_classed():
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    from pipelines.gate.batch import _SuiteRun

    suite = gx.ExpectationSuite(name="classes", expectations=[
        gxe.ExpectColumnValuesToBeBetween(column="summary_chars", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="summary_chars", max_value=100),
        gxe.ExpectColumnValuesToBeBetween(column="days_late", max_value=0, row_condition=Column("is_own") == True),  # noqa: E712
        gxe.ExpectColumnValuesToBeBetween(column="is_own", max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="bytes", max_value=10),
        gxe.ExpectColumnValuesToBeInSet(column="bytes", value_set=[1, 2]),
    ])
    assert _SuiteRun(spec=None, suite=suite, schools=[]).value_classes == {"summary_chars": [1, 100], "days_late": [0]}
