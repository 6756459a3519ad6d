"""The undo journal of a one-school build: the schools' rows saved before it, put back if it fails.

Under the warehouse lock, the schools' rows of every school-keyed table (``SCOPED_SCHEMAS``) are saved to
Parquet beside the warehouse (``<name>.undo/``), and only then a journal naming them is written
(atomically). While the journal exists the build has not stood: ``recover`` (called by the build on
failure, and by whatever next takes the lock, pipelines/ops/recovery.py) puts those rows back in one
transaction and refreshes them in the dashboards' copy. The build itself: pipelines/ops/scoped.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.ops.files import sql_path, transaction
from pipelines.settings import Settings

Announce = Callable[[str], None]

# build: the fingerprints of the inputs each school's models were built from (pipelines/dbt/changes.py)
SCOPED_SCHEMAS = ("raw", "staging", "intermediate", "marts", "exports", "gate", "build")
# what every one-school run writes, whichever assets it selects: the gate's stored results and the fingerprints
EVERY_RUN_WRITES = ("gate", "build")


JOURNAL = "journal.json"


def undo_dir(live: Path) -> Path:
    return live.with_name(f"{live.stem}.undo")



def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _in_list(schools: list[str]) -> str:
    return ", ".join("'" + school.replace("'", "''") + "'" for school in schools)


@dataclass(frozen=True)
class Journal:
    schools: list[str]
    tables: dict[str, str]  # "schema.table" → Parquet file name in the undo folder
    started_at: str
    untouched: tuple[str, ...] = ()  # "schema.table" the build was not going to write: not saved, left alone

    @classmethod
    def read(cls, folder: Path) -> Journal | None:
        path = folder / JOURNAL
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(schools=list(data["schools"]), tables=dict(data["tables"]), started_at=data["started_at"],
                   untouched=tuple(data.get("untouched", ())))

    def write(self, folder: Path) -> None:
        temporary = folder / f".{JOURNAL}.tmp"
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump({"schools": self.schools, "tables": self.tables, "started_at": self.started_at,
                       "untouched": list(self.untouched)}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / JOURNAL)


def _school_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "select t.schema_name, t.table_name from duckdb_tables() t join duckdb_columns() c "
        "on c.database_name = t.database_name and c.schema_name = t.schema_name and c.table_name = t.table_name "
        "where t.database_name = ? and not t.temporary and c.column_name = 'school_code' "
        f"and t.schema_name in ({_in_list(list(SCOPED_SCHEMAS))}) order by 1, 2",
        [database],
    ).fetchall()
    return [(schema, table) for schema, table in rows]


# Tables saved at once: each copy is a few milliseconds of reading and most of its time opening and finishing
# a Parquet file, so two at a time halve the ~90 copies of a one-school build (1.3 s → 0.7 s nationally).
SAVE_THREADS = 2


def save_school_rows(con: duckdb.DuckDBPyConnection, database: str, folder: Path, schools: list[str],
                     written: set[str] | None = None) -> Journal:
    """Write the schools' rows of every school-keyed table to Parquet, then the journal that names them.

    `written`: the tables ("schema.table") the build will write, when its runs' assets say so
    (pipelines/runs.py); the others are not saved, and the journal names them as untouched. A one-school
    re-check writes a third of the ~90 tables, and the others were half of its journal's time."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    tables = _school_tables(con, database)
    untouched = set() if written is None else {f"{schema}.{table}" for schema, table in tables
                                               if schema not in EVERY_RUN_WRITES and f"{schema}.{table}" not in written}
    saves = [(schema, table, f"{number:03d}.parquet") for number, (schema, table) in enumerate(tables)
             if f"{schema}.{table}" not in untouched]
    local, cursors = threading.local(), []

    def save(item: tuple[str, str, str]) -> None:
        schema, table, name = item
        if not hasattr(local, "cursor"):  # a connection runs one query at a time: one per thread
            local.cursor = con.cursor()
            cursors.append(local.cursor)
        local.cursor.execute(f"copy (select * from {_quote(database)}.{_quote(schema)}.{_quote(table)} "
                             f"where school_code in ({_in_list(schools)})) to '{sql_path(folder / name)}' (format parquet)")

    try:
        with ThreadPoolExecutor(SAVE_THREADS) as pool:
            list(pool.map(save, saves))  # raises the first failure
    finally:
        for cursor in cursors:
            cursor.close()
    saved = {f"{schema}.{table}": name for schema, table, name in saves}
    journal = Journal(schools=list(schools), tables=saved, started_at=dt.datetime.now().isoformat(timespec="seconds"),
                      untouched=tuple(sorted(untouched)))
    journal.write(folder)
    return journal


def restore_school_rows(con: duckdb.DuckDBPyConnection, database: str, folder: Path, journal: Journal) -> int:
    """Put the journal's schools' rows back as they were saved, in one transaction; tables restored."""
    schools = _in_list(journal.schools)
    with transaction(con):
        for schema, table in _school_tables(con, database):
            if f"{schema}.{table}" in journal.untouched:
                continue
            name = journal.tables.get(f"{schema}.{table}")
            target = f"{_quote(database)}.{_quote(schema)}.{_quote(table)}"
            con.execute(f"delete from {target} where school_code in ({schools})")
            if name is not None:  # a table the build created has no saved rows: the schools' rows go
                con.execute(f"insert into {target} by name select * from read_parquet('{sql_path(folder / name)}')")
    return len(journal.tables)


def recover(settings: Settings, announce: Announce | None = None) -> list[str]:
    """Undo a scoped build that did not finish (failed, or killed); the schools restored. Call under the lock."""
    folder = undo_dir(settings.warehouse)
    journal = Journal.read(folder)
    if journal is None:
        shutil.rmtree(folder, ignore_errors=True)  # killed before the journal: nothing was changed yet
        return []
    with duckdb.connect(str(settings.warehouse), config={"memory_limit": settings.duckdb_memory}) as con:
        restore_school_rows(con, con.execute("select current_database()").fetchall()[0][0], folder, journal)
        con.execute("checkpoint")
    if settings.published.exists():  # the dashboards' copy may already show the undone rows
        from pipelines.publish import publish_schools

        publish_schools(settings.warehouse, settings.published, journal.schools, memory_limit=settings.duckdb_memory)
    shutil.rmtree(folder, ignore_errors=True)
    if announce:
        announce(f"  已復原未完成的單校建置（{'、'.join(journal.schools)}，始於 {journal.started_at}）")
    return journal.schools
