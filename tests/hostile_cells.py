"""Text a spreadsheet would run as a formula, and a text no cell holds: every writer is tested with them."""

from __future__ import annotations

import csv
import io

import openpyxl

FORMULA_LIKE = ('=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1")
TOO_LONG = "長" * 40_000


def inert_in_xlsx(path_or_bytes) -> bool:
    """No cell of the workbook is a formula, and each FORMULA_LIKE value is in it as text."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    book = openpyxl.load_workbook(source)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    # xlsxwriter stores a carriage return as OOXML's escape _x000D_, which openpyxl leaves as it is
    return (not any(cell.data_type == "f" for cell in cells)
            and all(value in texts or value.replace("\r", "_x000D_") in texts for value in FORMULA_LIKE))


def csv_cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row}


def inert_in_csv(text: str) -> bool:
    """Each FORMULA_LIKE value is in the CSV, led by the quote that keeps it text, and none bare."""
    cells = csv_cells(text)
    return all("'" + value in cells and value not in cells for value in FORMULA_LIKE)
