"""Fixtures for the ingestion tests: an in-memory warehouse and a source root to deliver files into."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.contract import create_raw_schema

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def con():
    connection = duckdb.connect()
    create_raw_schema(connection)
    yield connection
    connection.close()


@pytest.fixture
def source(tmp_path) -> Path:
    root = tmp_path / "source"
    root.mkdir()
    return root


@pytest.fixture
def deliver(source) -> Callable[[str, bytes | str], Path]:
    """Write one file under the source root (text as UTF-8); returns its path."""

    def write(relative: str, content: bytes | str) -> Path:
        path = source / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


def xlsx_bytes(tmp_path: Path, rows: list[list[object]], *, blank_rows: tuple[int, ...] = ()) -> bytes:
    """A one-sheet workbook: ``rows`` from row 1, with the given 1-based sheet rows left empty."""
    path = tmp_path / "book.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("名冊")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet_row = 0
    for row in rows:
        while sheet_row + 1 in blank_rows:
            sheet_row += 1
        for column, value in enumerate(row):
            if hasattr(value, "year"):
                sheet.write_datetime(sheet_row, column, value, date_format)
            elif value is not None:
                sheet.write(sheet_row, column, value)
        sheet_row += 1
    workbook.close()
    return path.read_bytes()
