"""A build run guards itself, however it is started (pipelines/run_guard.py). Launched as the UI launches it,
without build(), a ``school_build`` partition run takes the warehouse lock, refuses a warehouse that needs a
full build, and puts the school's rows back when a step fails; a ``build_warehouse`` run builds on a copy
that replaces the live warehouse only when every step succeeded. That build() takes the lock once for
itself and its runs: tests/test_build.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.dbt.assets import dbt_seeds
from pipelines.definitions import build_definitions
from pipelines.gate.assets import GATE_KEY
from pipelines.ops.files import failed_path, list_snapshots, working_path
from pipelines.ops.scoped import STATE_SCHEMA, STATE_TABLE
from pipelines.ops.undo import undo_dir
from pipelines.partitions import BUILD_JOB, SCHOOL_BUILD_JOB, SCHOOLS, every_partition
from pipelines.settings import Settings


@pytest.fixture
def live(built_sample, tmp_path, monkeypatch) -> Settings:
    """A copy of the session's built warehouse and its deliveries, the PORTFOLIO_* variables pointing at them
    as `dagster dev` has them."""
    shutil.copytree(built_sample.source, tmp_path / "source", ignore=shutil.ignore_patterns("_truth"))
    shutil.copyfile(built_sample.warehouse, tmp_path / "warehouse.duckdb")
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb", source=tmp_path / "source")
    for name in ("PORTFOLIO_WAREHOUSE", "PORTFOLIO_SOURCE"):  # the run points them at this warehouse: put back after
        monkeypatch.setenv(name, os.environ.get(name, ""))
    settings.export_to_environment()
    return settings


def first_school(settings: Settings) -> str:
    return sorted(path.name for path in settings.source.iterdir() if path.is_dir())[0]


def launch(settings: Settings, school: str | None) -> tuple[dg.ExecuteInProcessResult, dg.DagsterInstance]:
    """The school's partition run of ``school_build`` as the launchpad starts it, or with no school a run of
    ``build_warehouse`` over every partition: no build() around it."""
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(SCHOOLS.name, sorted(path.name for path in settings.source.iterdir()))
    definitions = build_definitions(settings)
    if school is None:
        return definitions.resolve_job_def(BUILD_JOB).execute_in_process(
            instance=instance, tags=every_partition(instance), raise_on_error=False), instance
    job = definitions.resolve_job_def(SCHOOL_BUILD_JOB)
    return job.execute_in_process(partition_key=school, instance=instance, raise_on_error=False), instance


def rows(warehouse: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by 1, 2").fetchall()
        return {f"{schema}.{table}": sorted(map(repr, con.execute(f'select * from "{schema}"."{table}"').fetchall()))
                for schema, table in tables}


def fail_on_teachers(monkeypatch) -> None:
    """Ingesting the teachers' file fails, after other files were written."""
    import pipelines.ingest.assets as ingest_assets

    real_ingest = ingest_assets.ingest_file_kind

    def ingest_then_fail_on_teachers(con, source_root, spec, schools=None):
        results = real_ingest(con, source_root, spec, schools=schools)
        if spec.kind == "teachers":
            raise OSError("disk full")
        return results

    monkeypatch.setattr(ingest_assets, "ingest_file_kind", ingest_then_fail_on_teachers)


def test_a_launched_school_run_rebuilds_what_its_delivery_reaches_and_reports_the_rest_as_kept(live):
    """The launchpad runs the whole job; the dbt step finds what changed after ingestion (pipelines/dbt/changes.py)."""
    school = first_school(live)
    classes = next((live.source / school / "admin").glob("班級.*"))
    classes.write_bytes(classes.read_bytes() + (b"\n" if classes.suffix == ".csv" else b""))  # a newer delivery
    result, _ = launch(live, school)

    assert result.success
    reported = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        rebuilt = materialization.metadata.get("rebuilt")
        reported[tuple(materialization.asset_key.path)] = rebuilt.value if rebuilt is not None else None
    assert reported[("marts", "dim_classes")] is True  # downstream of raw.classes
    assert reported[("staging", "stg_platform__course_outcomes")] is False  # reads raw.course_outcomes only
    assert reported[("gate", "rule_results")] is None and reported[("published", "warehouse")] is None
    with duckdb.connect(str(live.warehouse), read_only=True) as con:  # what it was built from, for the next run
        assert con.execute("select count(*) from build.school_inputs where school_code = ?", [school]).fetchall()[0][0]


def test_a_launched_run_whose_step_fails_leaves_the_schools_rows_as_they_were(live, monkeypatch):
    school = first_school(live)
    classes = next((live.source / school / "admin").glob("班級.*"))
    classes.write_bytes(classes.read_bytes() + (b"\n" if classes.suffix == ".csv" else b""))  # a newer delivery
    before = rows(live.warehouse)
    fail_on_teachers(monkeypatch)
    result, _ = launch(live, school)

    assert not result.success
    assert any(event.is_step_failure for event in result.all_events)
    assert rows(live.warehouse) == before
    assert not undo_dir(live.warehouse).exists()


def test_a_launched_run_on_a_warehouse_never_fully_built_is_refused_with_the_way_out(live):
    with duckdb.connect(str(live.warehouse)) as con:
        con.execute(f"drop table {STATE_SCHEMA}.{STATE_TABLE}")
    before = rows(live.warehouse)

    result, _ = launch(live, first_school(live))

    assert not result.success
    failure = next(event for event in result.all_events if event.event_type == dg.DagsterEventType.RUN_FAILURE)
    assert "倉儲沒有完整建置的紀錄" in str(failure.event_specific_data)
    assert "請先執行完整建置：portfolio build" in str(failure.event_specific_data)
    assert not any(event.is_step_start for event in result.all_events)
    assert rows(live.warehouse) == before


def test_a_launched_run_waits_for_the_process_holding_the_warehouse_lock(live, tmp_path):
    released = tmp_path / "released"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time\n"
        "handle = open(sys.argv[1], 'a+')\n"
        "fcntl.flock(handle, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(3)\n"
        "open(sys.argv[2], 'w').write(repr(time.time()))\n"), f"{live.warehouse}.lock", str(released)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result, instance = launch(live, first_school(live))
    finally:
        holder.wait(timeout=30)

    assert result.success
    started = [entry.timestamp for entry in instance.all_logs(result.run_id, of_type=dg.DagsterEventType.STEP_START)]
    assert started and min(started) >= float(released.read_text())
    assert not undo_dir(live.warehouse).exists()  # the journal of a run that stands is gone



@pytest.mark.e2e
def test_a_launched_full_build_whose_step_fails_leaves_the_warehouse_as_it_was(live, monkeypatch):
    before = rows(live.warehouse)
    fail_on_teachers(monkeypatch)

    result, _ = launch(live, None)

    assert not result.success
    assert rows(live.warehouse) == before
    assert failed_path(live.warehouse).exists() and not working_path(live.warehouse).exists()


@pytest.mark.e2e
def test_a_launched_full_build_replaces_the_warehouse_when_every_step_succeeds(live):
    with duckdb.connect(str(live.warehouse)) as con:
        con.execute("delete from marts.fct_school_completion")  # what the build will make again

    result, instance = launch(live, None)

    assert result.success
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_school_completion").fetchall()[0][0] > 0
    assert not working_path(live.warehouse).exists()
    assert [snapshot for snapshot in list_snapshots(live) if snapshot.label == "build"]
    # each school's partition shows the build; Dagster planned it with one event per asset, not per school
    schools = instance.get_dynamic_partitions(SCHOOLS.name)
    materialized = [entry.dagster_event for entry in instance.all_logs(
        result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)]
    gate = [event.partition for event in materialized if event.asset_key == GATE_KEY]
    assert len(schools) > 1 and sorted(gate) == sorted(schools)
    seeds = [event.partition for event in materialized if event.asset_key in dbt_seeds.keys]  # the same for every school
    assert seeds and len(seeds) == len(dbt_seeds.keys) and set(seeds) == {None}
    planned = [entry.dagster_event.asset_key for entry in instance.all_logs(
        result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)]
    assert GATE_KEY in planned and len(planned) == len(set(planned))
