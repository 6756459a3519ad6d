"""The warehouse's files, beneath every feature that replaces or rewrites them (builds, snapshots,
restores, one-school builds and their undo, purges, recovery): the lock, opening a file another process
may be writing (retry, then ``WarehouseBusy``), consistent copies, removal with the WAL, the names of
the working, failed, partial and snapshot files, and a transaction.

Plain Python over DuckDB and the file system; it imports nothing else of the project but the settings,
so every feature module sits on it and none needs another's private helpers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.settings import WORKING_COPY_MARK, Settings

PARTIAL_SUFFIX = ".partial"  # a copy being written (partial_path); one left behind is removed by recovery


_LOCK_RETRIES = 30  # x 1 s: how long to wait for a writer (gate, remind) to let go of the live file


_SNAPSHOT_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}-\d{6})-(?P<label>[a-z_]+)\.duckdb$")


Announce = Callable[[str], None]


class WarehouseBusy(RuntimeError):
    """Another process keeps the warehouse file locked."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    created: dt.datetime
    label: str  # why it was taken: build, restore, manual

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def working_path(live: Path) -> Path:
    return live.with_name(f"{live.stem}{WORKING_COPY_MARK}{live.suffix or '.duckdb'}")


def failed_path(live: Path) -> Path:
    return live.with_name(f"{live.stem}.failed{live.suffix or '.duckdb'}")


def scratch_files(live: Path) -> list[Path]:
    """Leftovers of builds beside the warehouse (a copy being built, the last failed one), with WALs."""
    files = [working_path(live), failed_path(live)]
    return [path for file in files for path in (file, wal_path(file)) if path.exists()]


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def remove_database(path: Path) -> None:
    for file in (path, wal_path(path)):
        with contextlib.suppress(FileNotFoundError):
            file.unlink()


@contextlib.contextmanager
def warehouse_lock(live: Path, announce: Announce | None = None, *, wait: bool = True) -> Iterator[bool]:
    """Exclusive lock for whatever replaces or rewrites the warehouse file (build, purge, restore).

    Yields True once held; with wait=False it yields False at once when somebody else holds it.
    """
    live.parent.mkdir(parents=True, exist_ok=True)
    with open(live.with_name(live.name + ".lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if announce:
                announce(f"  等待另一個建置／清除／還原結束（{live.name}.lock）…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_lock_error(error: Exception) -> bool:
    return "lock" in str(error).lower()


def retrying(open_it: Callable[[], duckdb.DuckDBPyConnection], what: Path) -> duckdb.DuckDBPyConnection:
    for attempt in range(_LOCK_RETRIES):
        try:
            return open_it()
        except duckdb.Error as error:
            if not is_lock_error(error) or attempt == _LOCK_RETRIES - 1:
                if is_lock_error(error):
                    raise WarehouseBusy(f"{what} 正被其他程式寫入，請稍後再試（{error}）") from error
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


@contextlib.contextmanager
def read_guard(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection held open: while it is, no other process can write the file."""
    con = retrying(lambda: duckdb.connect(str(path), read_only=True), path)
    try:
        yield con
    finally:
        con.close()


def partial_path(path: Path) -> Path:
    """Where a copy is written before it is renamed to `path`: a killed copy is never taken for a whole one."""
    return path.with_name(f".{path.name}{PARTIAL_SUFFIX}")


def copy_whole(source: Path, target: Path) -> None:
    partial = partial_path(target)
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def copy_database(source: Path, target: Path) -> None:
    """A consistent byte copy of a DuckDB file (and its WAL, if a crash left one)."""
    remove_database(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with read_guard(source):
        if wal_path(source).exists():
            copy_whole(wal_path(source), wal_path(target))
        copy_whole(source, target)


def is_openable(path: Path) -> bool:
    """The file is a DuckDB database that opens and answers a query."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("select count(*) from information_schema.tables").fetchall()
        return True
    except Exception:
        return False


def list_snapshots(settings: Settings) -> list[Snapshot]:
    """The warehouse's snapshots, oldest first."""
    folder = settings.backups_dir
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _SNAPSHOT_NAME.match(path.name)
        if match and match["stem"] == settings.warehouse.stem and path.is_file():
            created = dt.datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S-%f")
            found.append(Snapshot(path=path, created=created, label=match["label"]))
    return sorted(found, key=lambda snapshot: snapshot.created)


def sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything inside commits together, or (on any error or interruption) not at all."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
