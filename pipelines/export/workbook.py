"""Writing a 名冊 workbook exactly as exports.md lays it out, and reading one back.

- Sheet 1 `封面`: 學校代碼, 學年度, 學期 and their values; then the record sheets in the layout's order,
  header in row 1, data from row 2, columns in the contract's order.
- Text is written as text (xlsxwriter's write_string, cells formatted `@`), so codes keep their leading
  zeros and a date stays `113/09/01`; numbers as numbers; a missing value as an empty cell.
- The bytes depend only on the content (the document's creation date is fixed), so an export whose
  content did not change has the same sha256: that is how a re-export recognises a submission that
  needs no re-submission.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.export.layout import COVER_HEADERS, COVER_SHEET, Sheet, Workbook

_FIXED_CREATED = dt.datetime(2000, 1, 1)


def write_workbook(path: Path, workbook: Workbook, school: str, year: int, term: int,
                   rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Write one workbook from its export model's rows; returns rows per written sheet (封面 not counted)."""
    import xlsxwriter

    by_sheet: dict[str, list[dict[str, Any]]] = {sheet.name: [] for sheet in workbook.sheets}
    for row in rows:
        name = row[workbook.sheet_column] if workbook.sheet_column else workbook.sheets[0].name
        by_sheet.setdefault(name, []).append(row)
    unknown = set(by_sheet) - {sheet.name for sheet in workbook.sheets}
    if unknown:
        raise ValueError(f"{workbook.model}: rows for sheets not in the layout: {sorted(unknown)}")

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    try:
        book.set_properties({"created": _FIXED_CREATED})
        text = book.add_format({"num_format": "@"})
        header = book.add_format({"num_format": "@", "bold": True})
        cover = book.add_worksheet(COVER_SHEET)
        for column, (title, value) in enumerate(zip(COVER_HEADERS, (school, year, term))):
            cover.write_string(0, column, title, header)
            _write(cover, 1, column, value, text)
        counts: dict[str, int] = {}
        for sheet in workbook.sheets:
            sheet_rows = by_sheet[sheet.name]
            if not sheet_rows and not sheet.always:
                continue
            worksheet = book.add_worksheet(sheet.name)
            for column, title in enumerate(sheet.headers):
                worksheet.write_string(0, column, title, header)
                worksheet.set_column(column, column, max(10, 2 * len(title) + 2))
            worksheet.freeze_panes(1, 0)
            for number, row in enumerate(sheet_rows, start=1):
                for column, name in enumerate(sheet.model_columns):
                    _write(worksheet, number, column, row.get(name), text)
            counts[sheet.name] = len(sheet_rows)
    finally:
        book.close()
    return counts


def _write(worksheet, row: int, column: int, value: Any, text_format) -> None:
    if value is None:
        return  # an empty cell
    if isinstance(value, bool):
        worksheet.write_string(row, column, "1" if value else "0", text_format)
    elif isinstance(value, int):
        worksheet.write_number(row, column, value)
    elif isinstance(value, float):
        worksheet.write_number(row, column, int(value) if value.is_integer() else value)
    else:
        worksheet.write_string(row, column, str(value), text_format)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class SheetRow:
    workbook: str
    sheet: str
    row: int  # sheet row number (header = 1)
    values: dict[str, Any]  # by header

    @property
    def national_id(self) -> str | None:
        value = self.values.get("身分證號")
        return None if value is None else str(value)


class WorkbookMismatch(Exception):
    """A workbook does not have the layout's sheets or headers (a file changed by hand, or not ours)."""


def read_rows(path: Path, workbook: Workbook) -> Iterator[SheetRow]:
    """Every data row of a written workbook, by header, checking sheets and headers against the layout."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = book.sheetnames
        if not names or names[0] != COVER_SHEET:
            raise WorkbookMismatch(f"{path.name}：第一個工作表應為「{COVER_SHEET}」，實為「{names[0] if names else '無'}」")
        for name in names[1:]:
            try:
                sheet: Sheet = workbook.sheet(name)
            except StopIteration:
                raise WorkbookMismatch(f"{path.name}：工作表「{name}」不在 {workbook.name} 的格式中") from None
            rows = book[name].iter_rows(values_only=True)
            headers = tuple(next(rows, ()) or ())
            if headers[: len(sheet.headers)] != sheet.headers:
                raise WorkbookMismatch(f"{path.name}／{name}：標題列與格式不符")
            for number, values in enumerate(rows, start=2):
                if values is None or all(value is None for value in values):
                    continue
                yield SheetRow(workbook.name, name, number, dict(zip(sheet.headers, values)))
    finally:
        book.close()
