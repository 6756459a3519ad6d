"""`portfolio refresh-national`: the national marts and every dbt test, recorded in the project's Dagster instance."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from pipelines.cli import main


@pytest.mark.e2e
def test_refresh_national_materializes_the_national_marts_and_runs_every_dbt_test(built_sample, tmp_path, dagster_home):
    """One refresh on a warehouse with a broken mart: the national tables are rebuilt, every dbt test is
    evaluated, the broken one fails the run (exit 1) and every other one passes."""
    from pipelines.definitions import build_definitions
    from pipelines.partitions import NATIONAL_JOB
    from pipelines.settings import Settings

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_sample.warehouse, warehouse)
    unique_school = dg.AssetCheckKey(dg.AssetKey(["marts", "dim_schools"]), "unique_dim_schools_school_code")
    with duckdb.connect(str(warehouse)) as con:  # a broken mart: the full test suite must notice
        con.execute("insert into marts.dim_schools select * from marts.dim_schools limit 1")

    assert main(["refresh-national", "--warehouse", str(warehouse)]) == 1

    every_test = build_definitions(Settings.resolve(warehouse=warehouse)).resolve_job_def(NATIONAL_JOB) \
        .asset_layer.asset_graph.asset_check_keys
    with dg.DagsterInstance.get() as instance:
        [run] = instance.get_runs()
        assert (run.job_name, run.status) == (NATIONAL_JOB, dg.DagsterRunStatus.FAILURE)
        national = instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_national_term_counts"]))
        assert national is not None and national.run_id == run.run_id  # the tables are rebuilt before tests fail
        evaluations = [record.event_log_entry.dagster_event.event_specific_data for record in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000).records]
    assert {evaluation.asset_check_key for evaluation in evaluations} == set(every_test) and len(every_test) > 400
    errors = [evaluation.asset_check_key for evaluation in evaluations
              if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR]
    assert errors == [unique_school]  # the sample's injected errors only warn (severity warn tests)
