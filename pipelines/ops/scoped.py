"""School-scoped builds in place: a registrar's re-check in seconds instead of a national rebuild.

A full build copies the warehouse, rebuilds every model over every school and swaps the copy in
(pipelines/ops/backup.py, ``safe_build``). For ``portfolio build --school X`` (and the per-school
Dagster jobs) that costs what a national build costs. Everything a one-school build writes is keyed by
``school_code`` (raw tables, the incremental dbt models, the gate's results), so instead:

1. under the warehouse lock, X's rows of every such table are saved to Parquet beside the warehouse
   (``<name>.undo/``), and only then a journal naming them is written (atomically; pipelines/ops/undo.py);
2. the build runs on the live file: ingestion replaces X's files, dbt deletes and re-appends X's rows of
   the incremental models downstream of what changed (dbt_project/macros/school_scope.sql,
   pipelines/dbt/changes.py), the gate stores X's result, publishing replaces X's rows in the dashboards' copy;
3. success: earlier purges are applied again and the audit table synced, then the journal is removed.
   Failure, or a process killed at any point: the journal is still there, and X's rows are put back from
   the Parquet files (now, or by the next build or restore that takes the lock), in one transaction.

Other schools' rows are never touched, so nothing but X can change. A scoped build is only possible
when the live warehouse was last fully built from the same dbt project (``build.state`` holds a digest of
the project's files): after a change to the models, or on a fresh warehouse, the build is a full one.
"""

from __future__ import annotations

import logging
import contextlib
import datetime as dt
import hashlib
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.ops.undo import JOURNAL, recover, save_school_rows, undo_dir
from pipelines.settings import DBT_PROJECT_DIR, Settings

log = logging.getLogger(__name__)

Announce = Callable[[str], None]

STATE_SCHEMA, STATE_TABLE = "build", "state"
# the schemas a scoped build writes; every table in them that has school_code is saved for undo
_PROJECT_FILES = ("dbt_project.yml", "models", "macros", "../seeds")


def project_digest(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """sha256 over the dbt project's models, macros, seeds and configuration: what the tables were built by."""
    digest = hashlib.sha256()
    for entry in _PROJECT_FILES:
        root = (project_dir / entry).resolve()
        files = [root] if root.is_file() else sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
        for file in files:
            digest.update(str(file.relative_to(project_dir.resolve().parent)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def record_full_build(con: duckdb.DuckDBPyConnection, database: str, sources: Iterable[str] = ()) -> None:
    """After a full build: the project the warehouse's tables were built from (scoped builds check it), and
    the fingerprints of the dbt `sources` (schema.table) every school's models were built from
    (pipelines/dbt/changes.py: what a one-school build need not rebuild)."""
    from pipelines.dbt.changes import record_fingerprints

    con.execute(f'create schema if not exists "{database}".{STATE_SCHEMA}')
    con.execute(f'create or replace table "{database}".{STATE_SCHEMA}.{STATE_TABLE} as '
                "select ? as dbt_project_digest, ?::timestamp as full_build_at",
                [project_digest(), dt.datetime.now().replace(microsecond=0)])
    record_fingerprints(con, database, sources)


def why_not_scoped(settings: Settings) -> str | None:
    """None when a school-scoped build can run on the live warehouse; otherwise why a full one is needed."""
    if not settings.warehouse.exists():
        return "倉儲尚未建立"
    try:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            found = con.execute("select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                                [STATE_SCHEMA, STATE_TABLE]).fetchall()[0][0]
            if not found:
                return "倉儲沒有完整建置的紀錄"
            digest = con.execute(f"select dbt_project_digest from {STATE_SCHEMA}.{STATE_TABLE}").fetchall()[0][0]
    except duckdb.Error as error:
        return f"無法讀取倉儲（{error}）"
    if digest != project_digest():
        return "dbt 模型自上次完整建置後有變更"
    return None


class ScopedBuildRefused(RuntimeError):
    """A one-school build that cannot run on this warehouse (``why_not_scoped``): a full build is needed."""


def refusal(schools: list[str], reason: str) -> str:
    return f"無法只建置 {'、'.join(schools)}：{reason}。請先執行完整建置：portfolio build"


@dataclass
class Attempt:
    """What the build inside `in_place` says of itself (``succeeded``); after the block, whether it stands."""
    succeeded: bool = False


def build_in_place(settings: Settings, build: Callable[[Settings], bool], schools: list[str], *,
                   announce: Announce | None = None, foresee: Callable[[], set[str] | None] | None = None) -> bool:
    """Run a school-scoped `build` on the live warehouse, undoing the schools' rows if it does not succeed.

    The caller holds the warehouse lock and has checked `why_not_scoped` (``guarded`` does both). `foresee`,
    asked once an unfinished earlier build is undone: the tables the build will write (None: any).
    """
    with in_place(settings, schools, announce=announce, foresee=foresee) as attempt:
        attempt.succeeded = bool(build(settings))
    return attempt.succeeded


@contextlib.contextmanager
def guarded(settings: Settings, schools: list[str], succeeded: Callable[[], bool], *,
            announce: Announce | None = None) -> Iterator[None]:
    """The whole guard of a one-school build that nobody guards yet (a run launched from the Dagster UI):
    the warehouse lock (waiting for the holder), the refusal when a full build is needed, and `in_place`,
    asked `succeeded()` once the block is done (the block cannot tell: a failed step does not raise)."""
    from pipelines.ops.files import warehouse_lock

    with warehouse_lock(settings.warehouse, announce):
        reason = why_not_scoped(settings)
        if reason is not None:
            raise ScopedBuildRefused(refusal(schools, reason))
        with in_place(settings, schools, announce=announce) as attempt:
            yield
            attempt.succeeded = succeeded()


@contextlib.contextmanager
def in_place(settings: Settings, schools: list[str], *, announce: Announce | None = None,
             foresee: Callable[[], set[str] | None] | None = None) -> Iterator[Attempt]:
    """The block rebuilds `schools` on the live warehouse; their rows are put back unless it sets
    ``succeeded`` (an exception in it counts as failure: logged, or re-raised when it is an interruption).

    The caller holds the warehouse lock and has checked `why_not_scoped`; an earlier scoped build that
    did not finish is undone first. The undo journal saves the schools' rows of the tables `foresee()`
    names (every school-keyed table without it, or when it says None).
    """
    from pipelines.ops.audit import record_audit, sync_audit_table
    from pipelines.ops.tombstones import reapply_purges
    from pipelines.ops.recovery import discard_pending_reports, promote_pending_reports, recover_locked

    say = announce or (lambda line: None)
    recover_locked(settings, announce)
    written = foresee() if foresee is not None else None
    folder = undo_dir(settings.warehouse)
    with duckdb.connect(str(settings.warehouse), config={"memory_limit": settings.duckdb_memory}) as con:
        database = con.execute("select current_database()").fetchall()[0][0]
        save_school_rows(con, database, folder, schools, written)
    say(f"  單校建置 {'、'.join(schools)}：只重建這些學校的資料（其餘學校不變；失敗時自動復原）")
    attempt = Attempt()
    interrupted: BaseException | None = None
    try:
        yield attempt
    except BaseException as error:  # noqa: BLE001 - whatever happened, the schools' rows are put back
        attempt.succeeded, interrupted = False, error
    finally:
        settings.export_to_environment()
    ok = attempt.succeeded
    if ok:
        record_audit(settings, "build", details={"schools": schools, "in_place": True, "succeeded": True})
        try:
            with duckdb.connect(str(settings.warehouse), config={"memory_limit": settings.duckdb_memory}) as con:
                reapplied = reapply_purges(con, settings, database=database)
                sync_audit_table(con, settings, database=database)
                con.execute("checkpoint")
        except BaseException as error:  # noqa: BLE001
            ok, interrupted = False, error
        else:
            if reapplied:
                say(f"  重新套用先前的清除：{reapplied} 位已清除的學生資料再次出現於交付檔，已移除")
    if not ok:
        attempt.succeeded = False
        recover(settings)
        discard_pending_reports(settings)
        record_audit(settings, "build", details={"schools": schools, "in_place": True, "succeeded": False})
        say(f"  建置失敗：{'、'.join(schools)} 的資料已復原為建置前的版本，其他學校未受影響")
        if interrupted is not None and not isinstance(interrupted, Exception):
            raise interrupted
        if interrupted is not None:
            log.error("建置中斷：%s: %s", type(interrupted).__name__, interrupted)
        return
    with contextlib.suppress(FileNotFoundError):
        (folder / JOURNAL).unlink()  # from here on the build stands
    shutil.rmtree(folder, ignore_errors=True)
    promote_pending_reports(settings)
