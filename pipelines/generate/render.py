"""Typed frames → delivered files, exactly as the input contract allows them to look.

A file's look comes from its ``FileFormat`` (encoding or XLSX, date and timestamp forms, the token
for missing values, column order, an extra column, padded headers, full-width codes). None of
that changes a value once ingestion has normalised it.

Malformed rows are *extra* rows: a copy of a clean row with one field broken (a bad date, a number
that is not one, a missing key, a code outside the contract's list, a number out of range), inserted
at random positions. Their file, line and field are the quarantine truth. What a field may be broken
into comes from ``pipelines.contract`` itself (required columns, types, codes, ranges).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl
import xlsxwriter

from pipelines.contract import Column, FileSpec
from pipelines.roc import ROC_OFFSET
from pipelines.generate.plan import FileFormat

_FULL_WIDTH_FROM = [*"0123456789", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
_FULL_WIDTH_TO = [chr(ord(c) + 0xFEE0) for c in _FULL_WIDTH_FROM]
_MISSING = ("", "\u3000", "NULL", "-1")
_BAD_DATES = ("113/13/45", "abc", "2024-02-30", "1131345", "113/02/30", "99/99/99")
_BAD_TIMESTAMPS = ("113/13/45 10:00:00", "abc", "2024-02-30 08:00", "113/02/30 下午 01:00:00", "2024-09-01 25:61")
_BAD_NUMBERS = ("abc", "十二", "12a", "#N/A")
_WRONG_LABELS: dict[str, tuple[str, ...]] = {
    "enrolment_status": ("在校", "肄業"), "record_kind": ("暑修", "先修"), "employment_status": ("退休", "代理"),
    "category": ("社團活動", "志工"), "entry_source": ("教師登錄",), "item_type": ("自傳", "學習計畫"),
    "essay_type": ("讀書計畫",), "session_format": ("線上", "電話"),
    "leave_type": ("公差假", "遲到"), "absence_type_code": ("13", "99"), "competition_level_code": ("7", "A"),
    "certificate_code": ("Z999",), "flexible_learning_type_code": ("6",), "workplace_learning_type_code": ("9",),
}
_WRONG_ACTIONS = {"certification_events": ("核准", "退回"), "selections": ("選取", "刪除")}
_EXTRA_COLUMNS = ("備註", "匯出時間", "資料來源")
XLSX_CREATED = datetime(2025, 1, 1)


@dataclass
class RenderedFile:
    data: bytes
    extension: str  # csv | xlsx
    rows: int  # data rows written, malformed ones included
    quarantine: list[tuple[int, str, str]]  # (line, field header, reason)


# ---------------------------------------------------------------------------------------------
# Values as text


def _roc_year(expr: pl.Expr) -> pl.Expr:
    return (expr.dt.year() - ROC_OFFSET).cast(pl.String)


def _date_text(expr: pl.Expr, style: str) -> pl.Expr:
    if style == "iso":
        return expr.dt.strftime("%Y-%m-%d")
    if style == "roc":
        return pl.concat_str([_roc_year(expr), expr.dt.strftime("/%m/%d")])
    return pl.concat_str([_roc_year(expr).str.zfill(3), expr.dt.strftime("%m%d")])


def _timestamp_text(expr: pl.Expr, style: str) -> pl.Expr:
    if style == "iso_minutes":
        return expr.dt.strftime("%Y-%m-%d %H:%M")
    roc = _date_text(expr, "roc")
    if style == "roc_seconds":
        return pl.concat_str([roc, expr.dt.strftime(" %H:%M:%S")])
    meridiem = pl.when(expr.dt.hour() < 12).then(pl.lit(" 上午 ")).otherwise(pl.lit(" 下午 "))
    return pl.concat_str([roc, meridiem, expr.dt.strftime("%I:%M:%S")])


def _number_text(expr: pl.Expr) -> pl.Expr:
    whole = expr == expr.round(0)
    return pl.when(whole).then(expr.cast(pl.Int64).cast(pl.String)).otherwise(expr.round(2).cast(pl.String))


def as_text(frame: pl.DataFrame, spec: FileSpec, fmt: FileFormat) -> pl.DataFrame:
    """Every contract column as a string column named by its Chinese header."""
    exprs = []
    for column in spec.columns:
        if column.name not in frame.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(column.header))
            continue
        expr = pl.col(column.name)
        if column.type == "int":
            expr = expr.cast(pl.Int64).cast(pl.String)
        elif column.type == "float":
            expr = _number_text(expr.cast(pl.Float64))
        elif column.type == "date":
            expr = _date_text(expr, fmt.date_style)
        elif column.type == "timestamp":
            expr = _timestamp_text(expr, fmt.timestamp_style)
        elif column.type == "time":
            expr = expr.dt.strftime("%H:%M" if fmt.time_style == "hm" else "%H:%M:%S")
        else:
            expr = expr.cast(pl.String)
        exprs.append(expr.alias(column.header))
    return frame.select(exprs)


def add_noise(cells: pl.DataFrame, spec: FileSpec, rng: np.random.Generator) -> pl.DataFrame:
    """Full-width digits/letters in a few codes, surrounding (full-width) spaces on a few values."""
    n = cells.height
    exprs = []
    for column in spec.columns:
        expr = pl.col(column.header)
        if column.type == "code" and column.codes is None:
            wide = pl.lit(pl.Series(rng.random(n) < 0.02))
            expr = pl.when(wide).then(expr.str.replace_many(_FULL_WIDTH_FROM, _FULL_WIDTH_TO)).otherwise(expr)
        if column.type in ("code", "text"):
            pad = rng.integers(0, 4, n)
            padded = pl.lit(pl.Series(rng.random(n) < 0.01))
            left = pl.lit(pl.Series(np.array(["", " ", "\u3000", "  "])[pad]))
            right = pl.lit(pl.Series(np.array([" ", "\u3000", "", " "])[pad]))
            expr = pl.when(padded).then(pl.concat_str([left, expr, right])).otherwise(expr)
        exprs.append(expr.alias(column.header))
    return cells.select(exprs)


# ---------------------------------------------------------------------------------------------
# Malformed rows


def defect_options(spec: FileSpec) -> list[tuple[Column, str, tuple[str, ...]]]:
    """(column, reason, values that break it) for every way a row of this file can be quarantined."""
    options: list[tuple[Column, str, tuple[str, ...]]] = []
    for column in spec.columns:
        if column.required:
            options.append((column, "missing_key", _MISSING))
        if column.type == "date":
            options.append((column, "bad_date", _BAD_DATES))
        elif column.type == "timestamp":
            options.append((column, "bad_date", _BAD_TIMESTAMPS))
        if column.codes is not None:
            if column.type == "int":
                wrong = tuple(v for v in ("3", "4", "5", "9") if v not in column.codes)
            else:
                wrong = _WRONG_ACTIONS.get(spec.kind, ()) if column.name == "action" else _WRONG_LABELS.get(column.name, ())
            if wrong:
                options.append((column, "unknown_code", wrong))
        elif column.type in ("int", "float"):
            options.append((column, "bad_number", _BAD_NUMBERS))
            if column.max_value is not None:
                options.append((column, "out_of_range", (str(int(column.max_value) + 1), str(int(column.max_value) * 2 + 7))))
            elif column.min_value is not None:
                options.append((column, "out_of_range", (str(int(column.min_value) - 5),)))
    return options


def _malformed_rows(cells: pl.DataFrame, spec: FileSpec, rng: np.random.Generator, count: int
                    ) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    options = defect_options(spec)
    base = cells[rng.integers(0, cells.height, count).tolist()]
    choice = rng.integers(0, len(options), count)
    defects: list[tuple[str, str]] = []
    columns = {header: base[header].to_list() for header in base.columns}
    for i, option in enumerate(choice):
        column, reason, values = options[option]
        columns[column.header][i] = values[int(rng.integers(len(values)))]
        if reason == "unknown_code" and column.codes_unless is not None:  # else the other column vouches for it
            columns[spec.column(column.codes_unless).header][i] = None
        defects.append((column.header, reason))
    return pl.DataFrame(columns, schema=cells.schema), defects


# ---------------------------------------------------------------------------------------------
# Files


def render(spec: FileSpec, frame: pl.DataFrame, fmt: FileFormat, rng: np.random.Generator,
           error_rate: float) -> RenderedFile:
    cells = as_text(frame, spec, fmt)
    if fmt.value_noise:
        cells = add_noise(cells, spec, rng)
    quarantine: list[tuple[int, str, str]] = []
    n = cells.height
    malformed = int(rng.binomial(n, error_rate / 2)) if error_rate > 0 and n else 0
    if malformed:
        extra, defects = _malformed_rows(cells, spec, rng, malformed)
        total = n + malformed
        slots = np.sort(rng.choice(total, malformed, replace=False))
        order = np.empty(total, dtype=np.int64)
        is_extra = np.zeros(total, dtype=bool)
        is_extra[slots] = True
        order[~is_extra] = np.arange(n)
        order[is_extra] = n + np.arange(malformed)
        cells = pl.concat([cells, extra])[order.tolist()]
        quarantine = [(int(slot) + 2, header, reason) for slot, (header, reason) in zip(slots, defects)]

    headers = list(cells.columns)
    if fmt.shuffle_columns:
        headers = [headers[i] for i in rng.permutation(len(headers))]
    cells = cells.select(headers)
    if fmt.extra_column:
        name = _EXTRA_COLUMNS[int(rng.integers(len(_EXTRA_COLUMNS)))]
        value = {"備註": None, "匯出時間": "2025/08/20 10:00", "資料來源": "校務行政系統"}[name]
        position = int(rng.integers(0, len(headers) + 1))
        cells = cells.insert_column(position, pl.Series(name, [value] * cells.height, dtype=pl.String))
    if fmt.header_noise:
        renamed = {}
        for header in rng.choice(spec.headers, min(2, len(spec.headers)), replace=False):
            pad = int(rng.integers(0, 3))
            renamed[str(header)] = [f" {header}", f"{header} ", f"{header}\u3000"][pad]
        cells = cells.rename(renamed)

    if fmt.container == "xlsx":
        return RenderedFile(_xlsx(cells, spec.label), "xlsx", cells.height, quarantine)
    body = cells.write_csv(None, null_value=fmt.null_token, line_terminator=fmt.line_terminator)
    return RenderedFile(body.encode(fmt.encoding), "csv", cells.height, quarantine)


def _xlsx(cells: pl.DataFrame, sheet: str) -> bytes:
    """All cells as text (codes keep leading zeros); missing values as empty cells."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    workbook.set_properties({"created": XLSX_CREATED, "author": "校務行政系統"})
    worksheet = workbook.add_worksheet(sheet)
    worksheet.write_row(0, 0, cells.columns)
    for r, row in enumerate(cells.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is not None:
                worksheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


def undecodable_bytes(rng: np.random.Generator, size: int = 4096) -> bytes:
    """Bytes that are neither UTF-8 nor cp950 (a Latin-1 header, then 0xFF-laden noise)."""
    head = "Schüler;Jahr;Fehlzeiten;Bemerkung\n".encode("latin-1")
    noise = rng.integers(0x80, 0x100, size, dtype=np.uint8)
    noise[::7] = 0xFF
    data = head + noise.tobytes()
    for encoding in ("utf-8", "cp950"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        raise AssertionError(f"undecodable bytes decoded as {encoding}")
    return data
