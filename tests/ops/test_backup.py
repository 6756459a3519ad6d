"""Builds on a copy swapped in atomically; snapshots kept, pruned and restored."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.ops.audit import read_audit, record_audit
from pipelines.ops.backup import find_snapshot, restore_snapshot, safe_build, take_snapshot
from pipelines.ops.files import failed_path, list_snapshots, working_path
from pipelines.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def settings_for(tmp_path: Path, keep: int = 5) -> Settings:
    settings = Settings.resolve(warehouse=tmp_path / "data" / "warehouse.duckdb", source=tmp_path / "source")
    return dataclasses.replace(settings, backups_keep=keep)


def write_value(warehouse: Path, value: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.state as select ? as value", [value])


def read_value(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select value from marts.state").fetchall()[0][0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def building(value: str, *, succeed: bool = True, seen: list | None = None):
    """A stand-in for the Dagster job: writes `value` into the warehouse it is given."""
    def build(settings: Settings) -> bool:
        if seen is not None:
            seen.append(settings.warehouse)
        write_value(settings.warehouse, value)
        if succeed == "raise":
            raise RuntimeError("dbt step failed")
        return succeed
    return build


@pytest.fixture()
def live(tmp_path) -> Settings:
    settings = settings_for(tmp_path)
    settings.warehouse.parent.mkdir(parents=True)
    write_value(settings.warehouse, "v1")
    return settings


def test_a_successful_build_replaces_the_warehouse_and_keeps_the_old_one(live):
    seen = []
    assert safe_build(live, building("v2", seen=seen))
    assert seen == [working_path(live.warehouse)]  # the build never wrote the live file
    assert read_value(live.warehouse) == "v2"
    [snapshot] = list_snapshots(live)
    assert snapshot.label == "build" and read_value(snapshot.path) == "v1"
    assert not working_path(live.warehouse).exists()


def test_the_first_build_creates_the_warehouse_without_a_snapshot(tmp_path):
    settings = settings_for(tmp_path)
    assert safe_build(settings, building("v1"))
    assert read_value(settings.warehouse) == "v1" and list_snapshots(settings) == []


@pytest.mark.parametrize("outcome", [False, "raise"], ids=["step-failed", "step-raised"])
def test_a_failed_build_leaves_the_warehouse_exactly_as_it_was(live, outcome):
    before = digest(live.warehouse)
    assert safe_build(live, building("half-built", succeed=outcome)) is False
    assert digest(live.warehouse) == before and read_value(live.warehouse) == "v1"
    assert read_value(failed_path(live.warehouse)) == "half-built"  # kept for a look
    assert list_snapshots(live) == []


KILLED_BUILD = textwrap.dedent("""
    import sys, time, duckdb
    from pipelines.ops.backup import safe_build
    from pipelines.settings import Settings

    def build(settings):
        with duckdb.connect(str(settings.warehouse)) as con:
            con.execute("create or replace table marts.state as select 'half-built' as value")
            con.execute("create table marts.big as select range as n from range(2000000)")
            print("WRITING", flush=True)
            time.sleep(600)  # killed here, mid-write, with the copy open
        return True

    safe_build(Settings.resolve(warehouse=sys.argv[1], source=sys.argv[2]), build)
""")


def test_a_build_killed_halfway_leaves_the_last_good_warehouse(live):
    before = digest(live.warehouse)
    process = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(live.warehouse), str(live.source)],
                               cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert process.stdout.readline().strip() == "WRITING"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert digest(live.warehouse) == before and read_value(live.warehouse) == "v1"
    assert working_path(live.warehouse).exists()  # the killed build's copy

    assert safe_build(live, building("v2"))  # the lock died with the process; the next build goes ahead
    assert read_value(live.warehouse) == "v2" and not working_path(live.warehouse).exists()


def test_what_other_writers_changed_during_the_build_is_kept(live):
    with duckdb.connect(str(live.warehouse)) as con:
        con.execute("create schema gate")
        con.execute("create table gate.runs as select 'run-1' as run_id")

    def build(settings: Settings) -> bool:
        with duckdb.connect(str(settings.warehouse)) as con:  # the build's own gate run
            con.execute("insert into gate.runs values ('run-build')")
            con.execute("create or replace table marts.state as select 'v2' as value")
        with duckdb.connect(str(live.warehouse)) as con:  # meanwhile `portfolio gate` and `remind` write live
            con.execute("insert into gate.runs values ('run-cli')")
            con.execute("create schema ops")
            con.execute("create table ops.reminders as select 'list' as kind")
        return True

    assert safe_build(live, build)
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        assert sorted(con.execute("select run_id from gate.runs").fetchall()) == [("run-1",), ("run-build",), ("run-cli",)]
        assert con.execute("select kind from ops.reminders").fetchall() == [("list",)]
        assert con.execute("select value from marts.state").fetchall() == [("v2",)]


def test_the_audit_table_is_refreshed_from_the_log_at_every_build(live):
    record_audit(live, "export", school="990001")
    assert safe_build(live, building("v2"))
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        actions = sorted(row[0] for row in con.execute("select action from audit.events").fetchall())
    assert actions == ["build", "export"]


def test_only_the_last_n_snapshots_are_kept(tmp_path):
    settings = settings_for(tmp_path, keep=2)
    for value in ("v1", "v2", "v3", "v4"):
        assert safe_build(settings, building(value))
    assert [read_value(snapshot.path) for snapshot in list_snapshots(settings)] == ["v2", "v3"]


def test_restore_puts_a_snapshot_back_and_keeps_the_replaced_warehouse(live):
    assert safe_build(live, building("v2"))
    [first] = list_snapshots(live)
    saved = restore_snapshot(live, first)
    assert read_value(live.warehouse) == "v1"
    assert read_value(saved) == "v2" and "restore" in saved.name
    assert find_snapshot(live, "latest").path == saved


def test_restore_refuses_a_file_that_is_not_a_database(live):
    manual = take_snapshot(live, "manual")
    manual.write_bytes(b"not a database")
    with pytest.raises(ValueError):
        restore_snapshot(live, find_snapshot(live, manual.name))
    assert read_value(live.warehouse) == "v1"


def reporting(succeed: bool):
    """A build whose gate step writes a report where the build's settings say."""
    def build(settings: Settings) -> bool:
        write_value(settings.warehouse, "v2")
        report = settings.gate_reports_dir / "111111" / "113" / "gate.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text('{"passed": true}')
        return succeed
    return build


@pytest.mark.parametrize("succeed", [True, False])
def test_gate_reports_go_live_with_the_build_and_never_from_a_failed_one(live, succeed):
    assert safe_build(live, reporting(succeed)) is succeed
    assert (live.gate_reports_dir / "111111" / "113" / "gate.json").exists() is succeed
    assert not live.pending_gate_reports_dir.exists()


def test_a_snapshot_is_audited_and_a_killed_copy_is_never_a_snapshot(live, monkeypatch):
    path = take_snapshot(live, "manual")
    [event] = read_audit(live, action="backup")
    assert event["details"]["snapshot"] == path.name

    import shutil

    def killed(source, target):
        Path(target).write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "copyfile", killed)
    with pytest.raises(KeyboardInterrupt):
        take_snapshot(live, "manual")
    assert list_snapshots(live) == [find_snapshot(live, path.name)]
