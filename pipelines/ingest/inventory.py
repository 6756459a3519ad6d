"""Files and folders under the source root that the contract does not know, stored in raw.deliveries.

Each one gets a row with file_kind ``unknown`` and status ``unknown`` (not read) or ``refused`` (a link out
of the source root), its name and why (layout.unrecognised); the build summary lists them. The rows
describe the source root as it is now: a new scan replaces the rows of what it scanned, and writes
nothing when nothing changed (re-running on the same folder changes no table). The dbt models leave
them out (stg_ingest__deliveries): they are no school's data, and what sits at the root is no school's.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import create_raw_schema
from pipelines.ingest.layout import Unrecognised, inside, unrecognised
from pipelines.ingest.store import log_delivery, transaction
from pipelines.ingest.validate import mask_ids

FILE_KIND = "unknown"


def record_unrecognised(con: duckdb.DuckDBPyConnection, source_root: Path,
                        schools: list[str] | None = None) -> list[Unrecognised]:
    """Scan the root (or only ``schools``' folders) and store what it does not know; returns it."""
    create_raw_schema(con)
    found, changed = _scan(con, source_root, schools)
    if not changed:
        return found
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with transaction(con):
        if schools is None:
            con.execute("delete from raw.deliveries where file_kind = ?", [FILE_KIND])
        else:
            con.execute("delete from raw.deliveries where file_kind = ? and list_contains(?, school_code)",
                        [FILE_KIND, schools])
        for item in found:
            log_delivery(con, item.school_code, FILE_KIND, item.source_file, _checksum(source_root, item), None,
                         item.status, 0, 0, item.message, loaded_at)
    return found


def unrecognised_to_record(con: duckdb.DuckDBPyConnection, source_root: Path, schools: list[str] | None = None) -> bool:
    """Whether `record_unrecognised` would write anything now (nothing is written here)."""
    return _scan(con, source_root, schools)[1]


def _scan(con: duckdb.DuckDBPyConnection, source_root: Path,
          schools: list[str] | None) -> tuple[list[Unrecognised], bool]:
    """What the contract does not know under the root (or `schools`' folders), and whether it differs from
    what raw.deliveries holds."""
    found = [dataclasses.replace(item, message=_masked(item.message)) for item in unrecognised(source_root, schools)]
    current = sorted((item.school_code, item.source_file, item.status, item.message) for item in found)
    return found, _stored(con, schools) != current


def _masked(message: str) -> str:
    # a file name can be a national ID (學生資料_A123456789.csv); the message is shown, the path only stored
    return pl.select(mask_ids(pl.lit(message, dtype=pl.String))).item()


def _stored(con: duckdb.DuckDBPyConnection, schools: list[str] | None) -> list[tuple]:
    rows = con.execute(
        "select school_code, source_file, status, message from raw.deliveries where file_kind = ? order by all",
        [FILE_KIND],
    ).fetchall()
    if schools is None:
        return rows
    return [row for row in rows if row[0] in schools]


def _checksum(source_root: Path, item: Unrecognised) -> str | None:
    """sha256 of a regular file inside the root (what was there, for the record); None otherwise."""
    path = source_root / item.source_file
    if item.status != "unknown" or not path.is_file() or not inside(path, source_root):
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

