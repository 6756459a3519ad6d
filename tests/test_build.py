"""`run_build` on the real graph: a step failing halfway leaves the last good warehouse in place."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

import duckdb

import pipelines.ops.files as files
from pipelines.ops.files import failed_path
from pipelines.settings import Settings


def test_a_build_failing_halfway_leaves_the_previous_warehouse_usable(built_sample, tmp_path, monkeypatch):
    import pipelines.ingest.assets as ingest_assets
    from pipelines.build import run_build

    shutil.copytree(built_sample.source, tmp_path / "source")
    shutil.copyfile(built_sample.warehouse, tmp_path / "warehouse.duckdb")
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb", source=tmp_path / "source")
    school = sorted(path.name for path in settings.source.iterdir() if path.name != "_truth")[0]
    classes = next((settings.source / school / "admin").glob("班級.*"))
    classes.write_bytes(classes.read_bytes() + (b"\n" if classes.suffix == ".csv" else b""))  # a newer delivery
    before = hashlib.sha256(settings.warehouse.read_bytes()).hexdigest()

    real_ingest = ingest_assets.ingest_file_kind

    def ingest_then_fail_on_teachers(con, source_root, spec, schools=None):
        results = real_ingest(con, source_root, spec, schools=schools)
        if spec.kind == "teachers":
            raise OSError("disk full")  # the injected failure, after other files were written
        return results

    monkeypatch.setattr(ingest_assets, "ingest_file_kind", ingest_then_fail_on_teachers)
    for name in ("PORTFOLIO_WAREHOUSE", "PORTFOLIO_SOURCE"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    assert run_build(settings) is False

    assert hashlib.sha256(settings.warehouse.read_bytes()).hexdigest() == before
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:  # still opens, still answers
        assert con.execute("select count(*) from marts.dim_students").fetchall()[0][0] > 0
    with duckdb.connect(str(failed_path(settings.warehouse)), read_only=True) as con:  # it did get halfway
        newer = con.execute("select count(*) from raw.deliveries where school_code = ? and file_kind = 'classes'",
                            [school]).fetchall()[0][0]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        older = con.execute("select count(*) from raw.deliveries where school_code = ? and file_kind = 'classes'",
                            [school]).fetchall()[0][0]
    assert newer == older + 1


def test_a_real_build_killed_during_dbt_leaves_the_previous_warehouse_usable(built_sample, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from pipelines.ops.files import working_path

    shutil.copytree(built_sample.source, tmp_path / "source")
    shutil.copyfile(built_sample.warehouse, tmp_path / "warehouse.duckdb")
    warehouse = tmp_path / "warehouse.duckdb"
    school = sorted(path.name for path in (tmp_path / "source").iterdir() if path.name != "_truth")[0]
    classes = next((tmp_path / "source" / school / "admin").glob("班級.*"))
    classes.write_bytes(classes.read_bytes() + (b"\n" if classes.suffix == ".csv" else b""))  # a newer delivery
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()

    portfolio = Path(sys.executable).with_name("portfolio")
    build = subprocess.Popen(
        [str(portfolio), "build", "--source", str(tmp_path / "source"), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        for line in build.stdout:  # ingestion has finished once the quarantine total is printed: dbt is next
            if "隔離合計" in line:
                break
        time.sleep(3)  # well inside dbt build, which runs in its own subprocess
        assert build.poll() is None, "the build finished before it could be killed"
        assert working_path(warehouse).exists(), "the build should be working on its copy"
        os.killpg(build.pid, signal.SIGKILL)  # the whole process tree, dbt included
    finally:
        build.wait(timeout=30)

    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_school_completion").fetchall()[0][0] > 0


def test_a_one_school_build_is_a_run_of_its_partition_after_the_full_build_in_the_project_instance(
        built_sample, tmp_path, monkeypatch, dagster_home):
    """The full build is the session's sample build (from no warehouse, with DAGSTER_HOME set: tests/conftest.py);
    a one-school build on a copy of its warehouse, with a copy of its instance, follows it."""
    import dagster as dg

    from pipelines.build import run_build
    from pipelines.gate.assets import GATE_CHECKS
    from pipelines.partitions import BUILD_JOB, SCHOOL_BUILD_JOB, SCHOOL_TAG, SCHOOLS

    shutil.copytree(built_sample.source, tmp_path / "source")
    shutil.copyfile(built_sample.warehouse, tmp_path / "warehouse.duckdb")
    shutil.copytree(built_sample.dagster_home, dagster_home)
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb", source=tmp_path / "source")
    school = sorted(path.name for path in settings.source.iterdir() if path.name != "_truth")[0]
    for name in ("PORTFOLIO_WAREHOUSE", "PORTFOLIO_SOURCE"):
        monkeypatch.setenv(name, os.environ.get(name, ""))

    assert (built_sample.dagster_home / "dagster.yaml").exists()  # the full build wrote the instance's configuration
    monkeypatch.setattr(files, "warehouse_lock", lock_once(taken := []))
    assert run_build(settings, schools=[school])
    assert taken == [settings.warehouse]  # build() holds the guard of its runs: they do not take the lock again

    with dg.DagsterInstance.get() as instance:
        latest, full = instance.get_runs()  # newest first
        assert latest.status == full.status == dg.DagsterRunStatus.SUCCESS
        assert (latest.job_name, latest.tags.get("dagster/partition")) == (SCHOOL_BUILD_JOB, school)
        assert latest.tags.get(SCHOOL_TAG) == school and SCHOOL_TAG not in full.tags
        assert full.job_name == BUILD_JOB and "dagster/partition" not in full.tags  # one run over every school
        assert school in instance.get_dynamic_partitions(SCHOOLS.name)  # the build saw its folder
        [check_key] = [key for check in GATE_CHECKS for key in check.check_keys]
        evaluated = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=5)
        assert {record.run_id for record in evaluated} == {latest.run_id, full.run_id}
        # the folder is as the full build saw it: the run selects no raw table and no dbt model; the gate and
        # publishing run
        materialized = {record.event_log_entry.dagster_event.asset_key.path[0] for record in
                        instance.get_records_for_run(latest.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records}
        assert materialized == {"gate", "published"}


def lock_once(taken: list[Path]):
    """The warehouse lock, failing instead of taking it a second time: it is not re-entrant (a flock on a new
    descriptor blocks even in the same process), so a second acquisition would hang the build."""
    real_lock = files.warehouse_lock

    @contextlib.contextmanager
    def lock(live: Path, announce=None, *, wait: bool = True):
        assert not taken, "the warehouse lock was taken a second time"
        taken.append(live)
        with real_lock(live, announce, wait=wait) as held:
            yield held

    return lock


def test_without_dagster_home_runs_go_to_an_ephemeral_instance(monkeypatch):
    from pipelines.build import project_instance

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with project_instance() as instance:
        assert instance.is_ephemeral
