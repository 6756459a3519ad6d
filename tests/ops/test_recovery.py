"""Recovery before use: a killed one-school build is undone and stale partial copies go, before anyone reads."""

from __future__ import annotations

import os

import duckdb

from pipelines.cli import main
from pipelines.ops import undo
from pipelines.ops.audit import read_audit
from pipelines.ops.files import partial_path, warehouse_lock, working_path
from pipelines.ops.recovery import recover_before_use
from tests.ops.test_scoped import contents, make_warehouse, rewrite_school, settings_for


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def leftovers(settings):
    """What killed processes leave: a build's copy, half a snapshot, a publication, pending gate reports."""
    settings.backups_dir.mkdir(parents=True)
    settings.published.parent.mkdir(parents=True)
    (settings.pending_gate_reports_dir / "111111" / "113").mkdir(parents=True)
    (settings.pending_gate_reports_dir / "111111" / "113" / "gate.json").write_text("{}")
    stale = [working_path(settings.warehouse), partial_path(settings.backups_dir / "warehouse-20260101-000000-000000-manual.duckdb"),
             settings.published.with_name(f".warehouse.duckdb.{_dead_pid()}.tmp")]
    for path in stale:
        path.write_bytes(b"half")
    running = settings.published.with_name(f".warehouse.duckdb.{os.getpid()}.tmp")  # a publication under way
    running.write_bytes(b"being written")
    return [*stale, settings.pending_gate_reports_dir], running


def test_a_killed_one_school_build_is_undone_and_leftovers_removed_and_audited(tmp_path):
    settings = settings_for(tmp_path)
    make_warehouse(settings)
    before = contents(settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        undo.save_school_rows(con, "warehouse", undo.undo_dir(settings.warehouse), ["111111"])
    rewrite_school("111111")(settings)  # killed before it finished
    stale, running = leftovers(settings)

    done = recover_before_use(settings)

    after = contents(settings.warehouse)
    after.pop("marts.created_by_build")
    assert after == before
    assert "undo:111111" in done
    assert [path for path in stale if path.exists()] == []
    assert running.exists()
    [event] = read_audit(settings, action="recover")
    assert event["details"]["done"] == done
    assert recover_before_use(settings) == []  # nothing left


def test_nothing_is_touched_while_a_build_holds_the_lock(tmp_path):
    settings = settings_for(tmp_path)
    make_warehouse(settings)
    stale, _ = leftovers(settings)
    with warehouse_lock(settings.warehouse):
        assert recover_before_use(settings) == []
    assert all(path.exists() for path in stale)


def test_every_command_on_the_warehouse_recovers_first(tmp_path, capsys):
    settings = settings_for(tmp_path)
    make_warehouse(settings)
    stale, _ = leftovers(settings)
    assert main(["backup", "list", "--warehouse", str(settings.warehouse)]) == 0
    assert [path for path in stale if path.exists()] == []
    assert "已清理中斷作業的殘留" in capsys.readouterr().err
