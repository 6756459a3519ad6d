"""`portfolio refresh-national`: the national marts and every dbt test, recorded in the project's Dagster instance."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb

from pipelines.cli import main


def test_refresh_national_materializes_the_national_marts_and_runs_every_dbt_test(built_sample, tmp_path, dagster_home):
    from pipelines.partitions import NATIONAL_JOB

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_sample.warehouse, warehouse)
    unique_school = dg.AssetCheckKey(dg.AssetKey(["marts", "dim_schools"]), "unique_dim_schools_school_code")

    assert main(["refresh-national", "--warehouse", str(warehouse)]) == 0
    with duckdb.connect(str(warehouse)) as con:  # a broken mart: the full test suite must notice
        con.execute("insert into marts.dim_schools select * from marts.dim_schools limit 1")
    assert main(["refresh-national", "--warehouse", str(warehouse)]) == 1

    with dg.DagsterInstance.get() as instance:
        broken, clean = instance.get_runs()
        assert (clean.job_name, clean.status) == (NATIONAL_JOB, dg.DagsterRunStatus.SUCCESS)
        assert (broken.job_name, broken.status) == (NATIONAL_JOB, dg.DagsterRunStatus.FAILURE)
        national = instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_national_term_counts"]))
        assert national is not None and national.run_id == broken.run_id  # the tables are rebuilt before tests fail
        history = instance.event_log_storage.get_asset_check_execution_history(unique_school, limit=5)
        assert [record.run_id for record in history] == [broken.run_id, clean.run_id]
        assert [record.status.value for record in history] == ["FAILED", "SUCCEEDED"]
