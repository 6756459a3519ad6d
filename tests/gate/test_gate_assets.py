"""The gate in Dagster: results stored for dashboards, and a blocking check that names failing schools."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.gate import warehouse_fixture as fx


@pytest.fixture(scope="module")
def gate_definitions():
    from pipelines.dbt.project import ensure_manifest

    ensure_manifest()
    from pipelines.gate.assets import GATE_ASSETS, GATE_CHECKS

    return GATE_ASSETS, GATE_CHECKS


def materialize(gate_definitions, warehouse, schools=()):
    import dagster as dg

    from pipelines.resources import PortfolioResource

    assets, checks = gate_definitions
    return dg.materialize(
        [*assets, *checks],
        resources={"portfolio": PortfolioResource(warehouse=str(warehouse), source=str(warehouse.parent), schools=list(schools))},
        run_config={"ops": {"gate__rule_results": {"config": {"as_of": fx.AS_OF.isoformat()}}}},
        raise_on_error=False,
    )


def test_gate_asset_depends_on_the_gate_models(gate_definitions):
    [asset], _ = gate_definitions
    deps = {key.path[-1] for key in asset.asset_deps[asset.key]}
    assert {"fct_gate_course_outcomes", "fct_gate_identities", "dim_teachers"} <= deps


def test_failing_school_fails_the_blocking_check_and_results_are_stored(gate_definitions, gate_warehouse, tmp_path):
    warehouse = shutil.copy(gate_warehouse, tmp_path / "warehouse.duckdb")
    result = materialize(gate_definitions, warehouse)
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.blocking
    assert f"{fx.SCHOOL}/{fx.YEAR}" in evaluation.description and fx.CLEAN_SCHOOL not in evaluation.description
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select school_code, passed from gate.runs order by 1").fetchall() == [
            (fx.SCHOOL, False), (fx.CLEAN_SCHOOL, True)]
    assert (tmp_path / "reports" / "gate" / fx.SCHOOL / str(fx.YEAR) / "gate.html").is_file()


def test_the_check_passes_when_the_run_s_schools_pass(gate_definitions, gate_warehouse, tmp_path):
    warehouse = shutil.copy(gate_warehouse, tmp_path / "warehouse.duckdb")
    result = materialize(gate_definitions, warehouse, schools=[fx.CLEAN_SCHOOL])
    assert result.success
    assert result.get_asset_check_evaluations()[0].passed
