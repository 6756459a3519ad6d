"""Recovery before use: what a killed process left beside the warehouse is undone before anybody reads it.

A one-school build killed halfway leaves the live warehouse with that school's rows half rebuilt and its
undo journal beside it (pipelines/ops/scoped.py); a killed full build, restore, purge, snapshot or
publication leaves a partial copy. ``recover_before_use`` is the one entry point that settles all of
it; the CLI calls it before every command that reads or writes the warehouse (pipelines/cli.py), and
build, purge and restore do the same under the lock they already hold.

It never waits: when a build, purge or restore holds the warehouse lock, what lies beside the warehouse
is that process's work in hand, not a leftover, and it is left alone.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from pipelines.settings import Settings

Announce = Callable[[str], None]

_PUBLISHING = re.compile(r"^\..+\.(?P<pid>\d+)\.tmp(\.wal)?$")  # pipelines/publish's staged copy: .<name>.<pid>.tmp


def recover_before_use(settings: Settings, announce: Announce | None = None) -> list[str]:
    """Undo a killed one-school build and remove stale partial copies; what was done (empty: nothing)."""
    from pipelines.ops.files import warehouse_lock

    if not settings.warehouse.exists():
        return []
    with warehouse_lock(settings.warehouse, wait=False) as held:
        if not held:
            return []
        return recover_locked(settings, announce)


def recover_locked(settings: Settings, announce: Announce | None = None) -> list[str]:
    """`recover_before_use` for a caller that holds the warehouse lock already; audited when it did anything."""
    from pipelines.ops.audit import record_audit
    from pipelines.ops.undo import recover

    done = [f"undo:{school}" for school in recover(settings, announce)]
    for path in stale_files(settings):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        done.append(f"removed:{path.name}")
    if done:
        record_audit(settings, "recover", details={"done": done})
        if announce:
            announce(f"  已清理中斷作業的殘留：{'、'.join(done)}")
    return done


def promote_pending_reports(settings: Settings) -> None:
    """A build's gate reports (written to Settings.pending_gate_reports_dir) go live when the build stands."""
    pending = settings.pending_gate_reports_dir
    if not pending.is_dir():
        return
    for path in sorted(pending.rglob("*")):
        if path.is_file():
            target = settings.gate_reports_dir / path.relative_to(pending)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    shutil.rmtree(pending, ignore_errors=True)


def discard_pending_reports(settings: Settings) -> None:
    """A build that did not stand: its gate reports never go live."""
    shutil.rmtree(settings.pending_gate_reports_dir, ignore_errors=True)


def stale_files(settings: Settings) -> list[Path]:
    """Partial copies and pending reports of processes that no longer run (call under the warehouse lock)."""
    from pipelines.ops.files import PARTIAL_SUFFIX, working_path

    live = settings.warehouse
    found = [working_path(live), live.with_name(f"{live.stem}.restoring{live.suffix or '.duckdb'}"),
             settings.pending_gate_reports_dir]
    found += [path.with_name(path.name + ".wal") for path in found[:2]]
    for folder in (live.parent, settings.backups_dir, settings.published.parent):
        if folder.is_dir():
            found += [path for path in folder.iterdir() if path.name.endswith((PARTIAL_SUFFIX, ".purging"))]
            found += [path for path in folder.iterdir() if _orphaned_publication(path)]
    return [path for path in dict.fromkeys(found) if path.exists()]


def _orphaned_publication(path: Path) -> bool:
    """A publication's staged copy whose process is gone (a running one may be writing it without the lock)."""
    match = _PUBLISHING.match(path.name)
    if match is None:
        return False
    try:
        os.kill(int(match["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
