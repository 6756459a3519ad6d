"""Warehouse snapshots, and builds that never leave a half-built warehouse behind.

A build works on a copy: ``safe_build`` copies the live warehouse to ``<name>.building.duckdb`` beside
it, runs the build against the copy, and only when every step succeeded swaps it in with one atomic
rename. The file it replaces becomes the newest snapshot in ``backups/`` (a hard link, so no second copy
of the data is written). A build that fails, or is killed halfway, never touches the live file: a
failed copy is kept as ``<name>.failed.duckdb`` for diagnosis, a killed one is removed by the next build.

Around that:

- one build at a time per warehouse: an exclusive ``flock`` on ``<name>.lock`` (released by the kernel
  when a process dies, so a killed build never leaves it stuck); purge and restore take it too;
- the copy is taken while holding a read-only DuckDB connection on the live file, so no writer can be
  half-way through a checkpoint while the bytes are copied; the swap holds one as well;
- other writers may still use the live file during a build (``portfolio gate`` stores its results, ``remind``
  its lists): tables outside the build's own schemas that changed in the live file while the build ran
  are carried over into the new file before the swap (rows added on both sides are both kept);
- ``audit.events`` is rewritten from the audit log, and earlier purges are applied again to whatever a
  newer delivery (or a restored snapshot) brought back (pipelines/ops/purge.py), before the swap;
- the build's publish step writes the dashboards' copy from the working file; it replaces the
  published copy at the swap, so dashboards never see a build that did not go live;
- the last ``Settings.backups_keep`` snapshots are kept (PORTFOLIO_BACKUPS_KEEP, default 5).

Plain Python (no Dagster): pipelines/build.py wraps the Dagster job in ``safe_build`` for full builds;
a build of some schools rebuilds only their rows in place instead (pipelines/ops/scoped.py), and every
``safe_build`` first undoes such a build that did not finish.
"""

from __future__ import annotations

import logging
import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from pipelines.ops.files import (
    Announce, Snapshot, WarehouseBusy, copy_database, copy_whole, failed_path, is_openable, list_snapshots,
    read_guard, remove_database, retrying, sql_path, wal_path, warehouse_lock, working_path,
)
from pipelines.settings import Settings

log = logging.getLogger(__name__)

# Schemas a build writes from the deliveries (ingestion and dbt). Everything else in the warehouse
# belongs to other writers and survives a build.
BUILD_SCHEMAS = frozenset({"raw", "staging", "intermediate", "marts", "seeds", "exports", "build"})
DERIVED_SCHEMAS = frozenset({"audit"})  # rebuilt from the audit log, never carried over
_SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog"})


# --- snapshots -------------------------------------------------------------------------------------

def _new_snapshot_path(settings: Settings, label: str) -> Path:
    settings.backups_dir.mkdir(parents=True, exist_ok=True)
    while True:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = settings.backups_dir / f"{settings.warehouse.stem}-{stamp}-{label}.duckdb"
        if not path.exists():
            return path


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard link when the file system allows it (instant, no extra space), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        copy_whole(source, target)


def take_snapshot(settings: Settings, label: str = "manual") -> Path | None:
    """Copy the live warehouse into backups/ now; None when there is no warehouse yet."""
    from pipelines.ops.audit import record_audit

    if not settings.warehouse.is_file():
        return None
    with warehouse_lock(settings.warehouse):  # recovery (which takes it) must not take our copy for a leftover
        target = _new_snapshot_path(settings, label)
        copy_database(settings.warehouse, target)
        pruned = prune_snapshots(settings)
    record_audit(settings, "backup", details={"snapshot": target.name, "label": label,
                                              "pruned": [path.name for path in pruned]})
    return target


def prune_snapshots(settings: Settings) -> list[Path]:
    """Delete all but the newest `backups_keep` snapshots; the deleted paths."""
    snapshots = list_snapshots(settings)
    doomed = snapshots[: max(len(snapshots) - settings.backups_keep, 0)]
    for snapshot in doomed:
        remove_database(snapshot.path)
    return [snapshot.path for snapshot in doomed]


def find_snapshot(settings: Settings, name: str) -> Snapshot | None:
    """A snapshot by file name, by unique prefix of its time stamp part, or "latest"."""
    snapshots = list_snapshots(settings)
    if name == "latest":
        return snapshots[-1] if snapshots else None
    exact = [snapshot for snapshot in snapshots if snapshot.name in (name, f"{name}.duckdb")]
    if exact:
        return exact[0]
    partial = [snapshot for snapshot in snapshots if name in snapshot.name]
    return partial[0] if len(partial) == 1 else None


def restore_snapshot(settings: Settings, snapshot: Snapshot, announce: Announce | None = None) -> Path | None:
    """Make `snapshot` the live warehouse; the current one is snapshotted first (label "restore").

    Returns that new snapshot of the replaced warehouse (None if there was none). Refuses a file that
    does not open as a DuckDB database; the live file is only ever replaced by one atomic rename.
    """
    from pipelines.ops.audit import sync_audit_table
    from pipelines.ops.tombstones import reapply_purges

    if not is_openable(snapshot.path):
        raise ValueError(f"{snapshot.name} 無法以 DuckDB 開啟，不能還原")
    live = settings.warehouse
    with warehouse_lock(live, announce):
        from pipelines.ops.recovery import recover_locked

        recover_locked(settings, announce)  # a one-school build that did not finish: the snapshot saved before it is whole
        staged = live.with_name(f"{live.stem}.restoring{live.suffix or '.duckdb'}")
        copy_database(snapshot.path, staged)
        with duckdb.connect(str(staged)) as con:  # the log may have grown since the snapshot
            reapply_purges(con, settings, database=con.execute("select current_database()").fetchall()[0][0])
            sync_audit_table(con, settings)
        saved = _swap_in(settings, staged, label="restore")
    prune_snapshots(settings)
    return saved


def _swap_in(settings: Settings, new_file: Path, *, label: str) -> Path | None:
    """Replace the live warehouse by `new_file` atomically; the old one becomes a snapshot."""
    live = settings.warehouse
    saved = None
    if live.exists():
        with read_guard(live):  # no writer can slip in between the link and the rename
            saved = _new_snapshot_path(settings, label)
            _link_or_copy(live, saved)
            if wal_path(live).exists():
                shutil.copyfile(wal_path(live), wal_path(saved))
            os.replace(new_file, live)
            with contextlib.suppress(FileNotFoundError):
                wal_path(live).unlink()  # belonged to the old file, now kept with the snapshot
    else:
        os.replace(new_file, live)
    return saved


# --- safe builds -----------------------------------------------------------------------------------

def _side_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? and not temporary",
        [database],
    ).fetchall()
    skip = BUILD_SCHEMAS | DERIVED_SCHEMAS | _SYSTEM_SCHEMAS
    return sorted((schema, table) for schema, table in rows if schema not in skip)


def _fingerprint(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> tuple:
    name = f'"{database}"."{schema}"."{table}"'
    return tuple(con.execute(f"select count(*), coalesce(sum(hash(t)), 0)::varchar from {name} t").fetchall()[0])


def side_fingerprints(path: Path) -> dict[tuple[str, str], tuple]:
    """(count, content hash) of every table outside the build's schemas: what the build started from."""
    with duckdb.connect() as con:
        con.execute(f"attach '{sql_path(path)}' as base (read_only)")
        return {key: _fingerprint(con, "base", *key) for key in _side_tables(con, "base")}


def carry_over_side_tables(con: duckdb.DuckDBPyConnection, base: dict[tuple[str, str], tuple],
                           announce: Announce | None = None) -> list[str]:
    """Bring into `work` what other writers changed in `live` while the build ran; the tables carried.

    A side table changed only in live is copied whole; changed on both sides (the build's gate asset and
    `portfolio gate` both append runs), the live rows the build lacks are added.
    """
    carried = []
    work_tables = set(_side_tables(con, "work"))
    for schema, table in _side_tables(con, "live"):
        live_print = _fingerprint(con, "live", schema, table)
        if base.get((schema, table)) == live_print:
            continue  # nobody touched it during the build
        live_name, work_name = f'live."{schema}"."{table}"', f'work."{schema}"."{table}"'
        con.execute(f'create schema if not exists work."{schema}"')
        work_changed = (schema, table) in work_tables and _fingerprint(con, "work", schema, table) != base.get((schema, table))
        if (schema, table) not in work_tables or not work_changed:
            con.execute(f"create or replace table {work_name} as select * from {live_name}")
        else:
            try:
                con.execute(f"insert into {work_name} by name select * from {live_name} except select * from {work_name}")
            except duckdb.Error as error:  # the two versions differ in shape: keep the build's, say so
                if announce:
                    announce(f"  警告：{schema}.{table} 在建置期間被其他程式修改且欄位不同，保留建置版本（{error}）")
                continue
        carried.append(f"{schema}.{table}")
    return carried


def _published_by(settings: Settings, work: Path) -> Path:
    """Where the build's publish step (pipelines/publish) wrote the dashboards' copy of the working file."""
    return settings.published.with_name(work.name)


def _promote_published(settings: Settings, work: Path) -> None:
    """The copy published from the working file becomes the dashboards' copy when the warehouse does."""
    staged = _published_by(settings, work)
    if staged.exists():
        os.replace(staged, settings.published)


def _discard_published(settings: Settings, work: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        _published_by(settings, work).unlink()
    from pipelines.ops.recovery import discard_pending_reports

    discard_pending_reports(settings)


def _audit_build(settings: Settings, schools: list[str] | None, *, succeeded: bool) -> None:
    from pipelines.ops.audit import record_audit

    try:
        record_audit(settings, "build", details={"schools": schools or "all", "succeeded": succeeded})
    except OSError as error:  # the log is a record, not a precondition of the build
        log.warning("警告：未能寫入稽核紀錄（%s）", error)


def _finalize(settings: Settings, work: Path, base: dict, announce: Announce | None) -> tuple[list[str], int]:
    """Before the swap: other writers' tables, earlier purges and the audit table into the new file."""
    from pipelines.ops.audit import sync_audit_table
    from pipelines.ops.tombstones import reapply_purges

    with duckdb.connect() as con:
        con.execute(f"attach '{sql_path(work)}' as work")
        carried = []
        if settings.warehouse.exists():
            retrying(lambda: con.execute(f"attach '{sql_path(settings.warehouse)}' as live (read_only)"), settings.warehouse)
            carried = carry_over_side_tables(con, base, announce)
            con.execute("detach live")
        reapplied = reapply_purges(con, settings, database="work")
        sync_audit_table(con, settings, database="work")
        con.execute("checkpoint work")
        con.execute("detach work")
    return carried, reapplied


def safe_build(settings: Settings, build: Callable[[Settings], bool], *, announce: Announce | None = None,
               schools: list[str] | None = None) -> bool:
    """Run `build` on a copy of the warehouse and swap the copy in only if it returns True.

    `build` gets the same settings with `warehouse` pointing at the copy. The live warehouse is left
    exactly as it was when `build` fails, raises, or the process is killed.
    """
    try:
        with on_copy(settings, announce=announce, schools=schools) as attempt:
            attempt.succeeded = bool(build(attempt.settings))
    except WarehouseBusy as busy:
        log.error("建置未開始：%s", busy)
        return False
    return attempt.stands


@dataclass
class CopyAttempt:
    """A build on a copy (``on_copy``): the settings it runs with, what it says of itself, whether it stood."""

    settings: Settings  # the warehouse is the copy
    succeeded: bool = False  # set by the block: every step succeeded
    stands: bool = False  # set by on_copy: the copy replaced the live warehouse


@contextlib.contextmanager
def on_copy(settings: Settings, *, announce: Announce | None = None,
            schools: list[str] | None = None) -> Iterator[CopyAttempt]:
    """The block builds on a copy of the warehouse (``attempt.settings``), under the warehouse lock; the copy
    replaces the live file only when the block sets ``succeeded``. When it does not, raises, or the process
    is killed, the live warehouse stays exactly as it was (an interruption is re-raised after cleaning up,
    an exception logged). WarehouseBusy before the block when the live file cannot be copied."""
    from pipelines.ops.recovery import recover_locked

    say = announce or (lambda line: None)
    live, work = settings.warehouse, working_path(settings.warehouse)
    with warehouse_lock(live, announce):
        recover_locked(settings, announce)  # a killed build's copy, reports and publication; a scoped build's rows
        base: dict = {}
        if live.exists():
            copy_database(live, work)
            base = side_fingerprints(work)
            say(f"  在副本上建置 {work.name}（完成後才取代 {live.name}）")
        attempt = CopyAttempt(replace(settings, warehouse=work))
        interrupted: BaseException | None = None
        try:
            yield attempt
        except BaseException as error:  # noqa: BLE001 - whatever happened, the live file stays as it was
            attempt.succeeded, interrupted = False, error
        finally:
            settings.export_to_environment()  # the build pointed PORTFOLIO_WAREHOUSE at the copy
        if not attempt.succeeded:
            _discard_published(settings, work)
            failed = failed_path(live)
            if work.exists():
                remove_database(failed)
                os.replace(work, failed)
                if wal_path(work).exists():
                    os.replace(wal_path(work), wal_path(failed))
            say(f"  建置失敗：{live.name} 維持建置前的版本；失敗的副本留在 {failed.name} 供檢查")
            _audit_build(settings, schools, succeeded=False)
            if interrupted is not None and not isinstance(interrupted, Exception):
                raise interrupted  # Ctrl-C, SystemExit: after cleaning up, let it through
            if interrupted is not None:
                log.error("建置中斷：%s: %s", type(interrupted).__name__, interrupted)
            return

        _audit_build(settings, schools, succeeded=True)  # before _finalize, so audit.events includes it
        try:
            carried, reapplied = _finalize(settings, work, base, announce)
            saved = _swap_in(settings, work, label="build")
        except WarehouseBusy as busy:  # the build is done but the live file stayed locked: keep the result
            remove_database(failed_path(live))
            os.replace(work, failed_path(live))
            _discard_published(settings, work)
            log.error("建置完成但無法替換倉儲：%s；新版本留在 %s", busy, failed_path(live).name)
            _audit_build(settings, schools, succeeded=False)
            return
        if carried:
            say(f"  保留建置期間其他程式寫入的資料表：{'、'.join(carried)}")
        if reapplied:
            say(f"  重新套用先前的清除：{reapplied} 位已清除的學生資料再次出現於交付檔，已移除")
        _promote_published(settings, work)
        from pipelines.ops.recovery import promote_pending_reports

        promote_pending_reports(settings)
        pruned = prune_snapshots(settings)
        if saved:
            say(f"  已更新 {live.name}；建置前的版本保存為 backups/{saved.name}"
                + (f"（刪除較舊備份 {len(pruned)} 份）" if pruned else ""))
        attempt.stands = True
