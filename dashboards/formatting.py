"""Numbers, dates and tables for people: percentages, thousands separators, ROC dates, downloads."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import streamlit as st

from pipelines.identity import mask_national_ids_in_text
from pipelines.safe_cells import csv_rows, new_workbook, write_row
from pipelines.roc import roc_date  # noqa: F401  (the pages' one ROC date)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def percent(value, digits: int = 1) -> str:
    """0.7345 → '73.5%'; missing → '—'."""
    return "—" if _missing(value) else f"{value * 100:.{digits}f}%"


def number(value) -> str:
    """12345 → '12,345'; missing → '—'."""
    if _missing(value):
        return "—"
    return f"{value:,.0f}" if isinstance(value, float) else f"{int(value):,}"


def days_left(days) -> str:
    if _missing(days):
        return "—"
    days = int(days)
    if days > 0:
        return f"剩 {days} 天"
    if days == 0:
        return "今天截止"
    return f"已逾 {-days} 天"


def term_label(year: int, term: int) -> str:
    return f"{year} 學年度第 {term} 學期"


def short_term(year: int, term: int) -> str:
    return f"{year}-{term}"


# column configs shared by the pages' tables
def count_column(label: str, help: str | None = None):
    return st.column_config.NumberColumn(label, format="localized", help=help)


def rate_column(label: str, help: str | None = None):
    """A rate stored as a percentage (0–100): a bar with one decimal."""
    return st.column_config.ProgressColumn(label, format="%.1f%%", min_value=0, max_value=100, help=help)


def as_percentages(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Rates (fractions) → percentages for rate_column."""
    frame = frame.copy()
    for column in columns:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce") * 100
    return frame


def _rows(frame: pd.DataFrame) -> list[list]:
    """The frame's rows as plain values, missing ones as None; an ID typed into any text masked."""
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    return [[mask_national_ids_in_text(value) if isinstance(value, str) else value for value in row] for row in rows]


def to_csv_bytes(frame: pd.DataFrame, name: str = "下載") -> bytes:
    """UTF-8 with a BOM so that Excel opens the Chinese headers correctly; no cell runs as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # \r\n: a carriage return inside a value is then quoted too
    headers = [str(column) for column in frame.columns]
    writer.writerow(headers)
    writer.writerows(csv_rows(_rows(frame), name=name, headers=headers))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    worksheet = workbook.add_worksheet(sheet[:31])
    headers = [str(column) for column in frame.columns]
    write_row(worksheet, 0, 0, headers, workbook.add_format({"bold": True}))
    for number, row in enumerate(_rows(frame), start=1):
        write_row(worksheet, number, 0, row, headers=headers)
    worksheet.freeze_panes(1, 0)
    for position, column in enumerate(frame.columns):
        width = max([len(str(column)) * 2] + [len(str(value)) for value in frame[column].head(200)])
        worksheet.set_column(position, position, min(max(width + 2, 8), 40))
    workbook.close()
    return buffer.getvalue()
