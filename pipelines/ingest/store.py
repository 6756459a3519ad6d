"""DuckDB writing shared by file and policy ingestion, and the result type both return."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl


@dataclass(frozen=True)
class FileResult:
    school_code: str
    file_kind: str
    source_file: str | None  # relative to the source root; None when nothing was delivered
    status: str  # loaded | unchanged | rejected | refused | missing | unknown
    rows_loaded: int = 0  # rows inserted by this run (event files: new rows only)
    rows_quarantined: int = 0  # records of this delivery that did not load
    encoding: str | None = None  # utf-8 | utf-8-sig | cp950 | xlsx
    message: str = ""
    seconds: float = 0.0


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[str]:
    con.register(name, frame.to_arrow())
    try:
        yield name
    finally:
        con.unregister(name)


def write_quarantine_row(con: duckdb.DuckDBPyConnection, school: str, file_kind: str, source_file: str | None,
                         field: str | None, reason: str, message: str, delivery_id: str | None,
                         loaded_at: datetime) -> None:
    """One file-level quarantine row (no line, no value)."""
    con.execute(
        "insert into raw.quarantine (school_code, file_kind, source_file, source_line, field, reason, message, "
        "raw_value, delivery_id, loaded_at) values (?, ?, ?, null, ?, ?, ?, null, ?, ?)",
        [school, file_kind, source_file, field, reason, message, delivery_id, loaded_at],
    )


def log_delivery(con: duckdb.DuckDBPyConnection, school: str, file_kind: str, source_file: str | None,
                 delivery_id: str | None, encoding: str | None, status: str, rows_loaded: int,
                 rows_quarantined: int, message: str, loaded_at: datetime, rows_delivered: int | None = None) -> None:
    """One attempt; rows_delivered only when the file was parsed (loaded), null when it never got that far."""
    con.execute(
        "insert into raw.deliveries (school_code, file_kind, source_file, delivery_id, encoding, status, "
        "rows_loaded, rows_quarantined, message, loaded_at, rows_delivered) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [school, file_kind, source_file, delivery_id, encoding, status, rows_loaded, rows_quarantined, message, loaded_at,
         rows_delivered],
    )
