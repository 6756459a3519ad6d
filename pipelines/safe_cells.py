"""The one rule for every cell we write to an xlsx or CSV file: text stays text, and fits.

Spreadsheets run text that starts with = + - @ (and, in a CSV, a leading tab or carriage return) as a
formula: a 成果名稱 such as `=HYPERLINK("http://x","y")` would become a live link in a registrar's
Excel. So:

- xlsx: text is written as a string cell (`write_string`), never through xlsxwriter's guessing `write`
  and never as a formula; the workbook is opened with its string-to-formula/URL/number guessing off.
  A string cell is inert in Excel and LibreOffice and keeps the text exactly.
- CSV: a text value starting with one of `FORMULA_TRIGGERS` gets a leading `'` (OWASP's advice; Excel
  hides it), since a CSV has no way to say "this is text".
- Either: a text over Excel's 32,767 characters is refused with `CellTooLong`, naming the sheet, the row
  and the column (Excel would cut it silently).

Numbers stay numbers: -1 written as a number is not a formula.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


class CellTooLong(ValueError):
    """A text longer than one spreadsheet cell holds."""


def check_length(text: str, *, sheet: str, row: int, column: str) -> str:
    """`text`, or CellTooLong naming where it was going (row counted as people count, from 1)."""
    if len(text) > MAX_CELL_CHARS:
        raise CellTooLong(
            f"「{sheet}」第 {row} 列「{column}」欄有 {len(text):,} 個字元，超過試算表單一儲存格上限 "
            f"{MAX_CELL_CHARS:,} 字元，無法寫入；請縮短內容後再產生"
        )
    return text


def inert_csv_text(text: str) -> str:
    """A text value as a CSV cell no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_rows(rows: Iterable[Sequence[Any]], *, name: str, headers: Sequence[str]) -> Iterable[list[Any]]:
    """Data rows for csv.writer (the header row is row 1): every text made inert and its length checked."""
    for number, row in enumerate(rows, start=2):
        yield [
            inert_csv_text(check_length(value, sheet=name, row=number, column=header))
            if isinstance(value, str) else value
            for header, value in zip(headers, row, strict=True)
        ]


def new_workbook(target: Any) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook (a path or a binary buffer) that never guesses a formula, URL or number."""
    return xlsxwriter.Workbook(target if not hasattr(target, "__fspath__") else str(target),
                               {**_WORKBOOK_OPTIONS, "in_memory": not hasattr(target, "__fspath__")})


def write_cell(worksheet: Worksheet, row: int, column: int, value: Any, cell_format=None, *,
               header: str | None = None) -> None:
    """One cell (row and column from 0, as xlsxwriter counts): text as a string, numbers as numbers,
    booleans as 是/否, dates as ISO text, None as an empty cell."""
    if value is None or isinstance(value, numbers.Real) and math.isnan(value):
        worksheet.write_blank(row, column, None, cell_format)
    elif isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy's bool is no bool
        worksheet.write_string(row, column, "是" if value else "否", cell_format)
    elif isinstance(value, numbers.Real):  # numpy's numbers too
        worksheet.write_number(row, column, value, cell_format)
    else:
        text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
        check_length(text, sheet=worksheet.name, row=row + 1,
                     column=header or xl_col_to_name(column))
        worksheet.write_string(row, column, text, cell_format)


def write_row(worksheet: Worksheet, row: int, column: int, values: Sequence[Any], cell_format=None, *,
              headers: Sequence[str] | None = None) -> None:
    """`write_cell` for each value from `column` on; `headers` name the columns in a refusal."""
    for offset, value in enumerate(values):
        header = headers[offset] if headers is not None and offset < len(headers) else None
        write_cell(worksheet, row, column + offset, value, cell_format, header=header)
