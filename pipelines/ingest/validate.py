"""From a table of strings to typed contract rows and quarantine rows, all in polars expressions.

A row loads only if every field passes; otherwise it yields one quarantine row per failing field,
with the first reason that applies: missing_key (a required field is empty), bad_date / bad_number
(present but unparsable), unknown_code (not in Column.codes), out_of_range (outside min/max).
Before those: too_long (longer than an xlsx cell can hold, so it could never be exported) and
control_character (a NUL or other C0 control, which no typed-in value has). Dates outside
dates.plausible_dates are out_of_range (13/9/1 is 1924, not 2024). Business rules (ID checksum,
course-code shape, summary length) are not checked here: such rows load and the gate reports them.

Records that could not be split into the header's fields (decoding.RawTable.malformed) are
quarantined whole, field empty. Records with nothing in any cell (blank lines, a trailing ",,,,")
are skipped, not quarantined: there is nothing in them to lose. Every other record is counted in
``rows_delivered`` and ends up either in ``rows`` or, once, in ``rows_quarantined``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines.identity import mask_national_id, mask_national_ids_expr
from pipelines.contract import QUARANTINE_REASONS, Column, FileSpec
from pipelines.ingest.dates import parse_date, parse_time, parse_timestamp, plausible_dates
from pipelines.ingest.decoding import FileRejected, RawTable, read_csv_cells, read_xlsx_cells
from pipelines.ingest.normalize import clean_value, normalise_header, with_full_width
from pipelines.roc import ROC_OFFSET, roc_date

MAX_FIELD_CHARS = 32_767  # an xlsx cell's limit: a longer value could never reach the central workbooks
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # C0 controls but tab and line breaks
_SHOWN_CHARS = 60  # of a too-long value, in its message
_INT = r"^[+-]?\d+(?:\.0+)?$"  # calamine or a spreadsheet may write 3 as 3.0
_FLOAT = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_PERSONAL_COLUMNS = {"national_id"}  # never written whole anywhere, quarantine included

QUARANTINE_SCHEMA = {
    "source_line": pl.Int64, "field": pl.String, "reason": pl.String, "message": pl.String, "raw_value": pl.String,
}


@dataclass(frozen=True)
class ParsedFile:
    rows: pl.DataFrame  # contract headers, typed, in contract order, then source_line
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    rows_quarantined: int  # records (not fields) that did not load
    encoding: str
    rows_delivered: int = 0  # non-blank records after the header: rows.height + rows_quarantined
    notes: tuple[str, ...] = ()  # for the delivery's message (decoding.RawTable.notes)


def parse_file(data: bytes, spec: FileSpec, source_file: str) -> ParsedFile:
    """Read, normalise and validate one delivered file (CSV, or XLSX by its name); FileRejected when it cannot load."""
    if source_file.lower().endswith(".xlsx"):
        table = read_xlsx_cells(data, source_file)
    else:
        table = read_csv_cells(data, source_file)
    try:
        return validate_table(table, spec, source_file)
    except FileRejected as rejected:
        rejected.encoding = table.encoding
        rejected.message += "".join(f"（{note}）" for note in table.notes)  # the header may be on another sheet
        raise


def validate_table(table: RawTable, spec: FileSpec, source_file: str) -> ParsedFile:
    positions = _header_positions(table.cells, spec, source_file)
    records = table.cells.slice(1)
    to_fold = with_full_width(records, [positions[c.header] for c in spec.columns if c.type != "text" and c.header in positions])
    extra = [name for name in records.columns if name != "source_line" and name not in positions.values()]
    # one lazy plan, collected once by the in-memory engine: eager steps each materialise the whole frame (7 %
    # slower), and the engine polars picks by default for a lazy plan streams it (12 % slower than eager)
    cleaned = records.lazy().with_columns(
        (clean_value(pl.col(positions[column.header]), fold=positions[column.header] in to_fold)
         if column.header in positions else pl.lit(None, pl.String)).alias(column.header)
        for column in spec.columns
    ).filter(
        pl.any_horizontal(
            *(pl.col(column.header).is_not_null() for column in spec.columns),
            *(pl.col(name).str.strip_chars().str.len_chars() > 0 for name in extra),
        )
    )
    reasons = {_reason(i): reason for i, column in enumerate(spec.columns)
               if (reason := _failure(pl.col(column.header), pl.col(_value(i)), column, spec, table.control_characters))
               is not None}
    is_bad = pl.any_horizontal(pl.col(name).is_not_null() for name in reasons) if reasons else pl.lit(False)
    checked = cleaned.with_columns(
        _parsed(pl.col(column.header), column).alias(_value(i)) for i, column in enumerate(spec.columns)
    ).with_columns(**reasons).with_columns(is_bad.alias(_BAD)).collect(engine="in-memory")

    rows = checked.filter(~pl.col(_BAD)).select(
        *(pl.col(_value(i)).alias(column.header) for i, column in enumerate(spec.columns)), "source_line"
    )
    bad = checked.filter(pl.col(_BAD))
    quarantine = pl.concat([_quarantine_rows(bad, spec, positions, source_file),
                            _malformed_rows(table.malformed, source_file)]).sort("source_line", maintain_order=True)
    quarantined = bad.height + table.malformed.height
    return ParsedFile(rows=rows, quarantine=quarantine, rows_quarantined=quarantined, encoding=table.encoding,
                      rows_delivered=checked.height + table.malformed.height, notes=table.notes)


def _malformed_rows(malformed: pl.DataFrame, source_file: str) -> pl.DataFrame:
    """Records that did not split into the header's fields: one quarantine row each, no field."""
    message = pl.concat_str(pl.lit(f"{source_file} 第 "), pl.col("source_line").cast(pl.String), pl.lit(" 行："),
                            pl.col("detail"))
    return malformed.select(
        "source_line", pl.lit(None, pl.String).alias("field"), "reason",
        mask_ids(message).alias("message"), mask_ids(pl.col("raw_value")).alias("raw_value"),
    )


_BAD = "__bad"  # some field of the record fails


def _value(i: int) -> str:
    return f"__value_{i}"


def _reason(i: int) -> str:
    return f"__reason_{i}"


def _header_positions(cells: pl.DataFrame, spec: FileSpec, source_file: str) -> dict[str, str]:
    """Contract header → the cells column holding it; FileRejected on a missing required or doubled column."""
    cell_columns = [name for name in cells.columns if name != "source_line"]
    header_row = cells.select(cell_columns).row(0) if cells.height else ()
    positions: dict[str, str] = {}
    for cell_column, header in zip(cell_columns, header_row):
        header = normalise_header(header)
        if header not in spec.headers:
            continue  # extra columns are ignored
        if header in positions:
            raise FileRejected("unreadable", f"{source_file}：欄位「{header}」出現兩次，無法判斷該用哪一欄，整個檔案不載入。", header)
        positions[header] = cell_column
    missing = [column.header for column in spec.columns if column.required and column.header not in positions]
    if missing:
        raise FileRejected(
            "missing_column",
            f"{source_file}：缺少必要欄位「{'」「'.join(missing)}」{_header_hint(cells, cell_columns, header_row, spec)}，"
            f"整個檔案不載入。 / missing required column(s): file rejected.",
            missing[0],
        )
    return positions


def _header_hint(cells: pl.DataFrame, cell_columns: list[str], header_row: tuple, spec: FileSpec) -> str:
    """Why the headers were not found, when the file shows it: another delimiter, or headers further down."""
    named = [normalise_header(header) for header in header_row if normalise_header(header)]
    if len(named) == 1:
        for delimiter, shown in ((";", "分號 ;"), ("\t", "Tab"), ("|", "直線 |")):
            if sum(part.strip() in spec.headers for part in named[0].split(delimiter)) >= 2:
                return f"（第 1 行以{shown}分隔，本系統只收逗號分隔的 CSV）"
    if cells.height > 1:
        second = {normalise_header(header) for header in cells.select(cell_columns).row(1)}
        if len(second & set(spec.headers)) >= 2:
            return "（欄位名稱似乎在第 2 列：第 1 列可能是合併儲存格的標題或空白列，請刪除該列）"
    return "" if named else "（第 1 行沒有欄位名稱）"


def _parsed(text: pl.Expr, column: Column) -> pl.Expr:
    if column.type == "int":
        return pl.when(text.str.contains(_INT)).then(text.str.replace(r"\.0+$", "")).cast(pl.Int64, strict=False)
    if column.type == "float":
        return pl.when(text.str.contains(_FLOAT)).then(text).cast(pl.Float64, strict=False)
    if column.type == "date":
        return parse_date(text)
    if column.type == "time":
        return parse_time(text)
    if column.type == "timestamp":
        return parse_timestamp(text)
    return text


def _failure(text: pl.Expr, value: pl.Expr, column: Column, spec: FileSpec,
             control_characters: bool = True) -> pl.Expr | None:
    """The first reason this field fails, or null; None when the column has nothing to check.
    ``control_characters``: whether the file may hold any (decoding.RawTable)."""
    checks: list[tuple[pl.Expr, str]] = [(text.str.len_chars() > MAX_FIELD_CHARS, "too_long")]
    if control_characters:
        checks.append((text.str.contains(_CONTROL), "control_character"))
    if column.required:
        checks.append((text.is_null(), "missing_key"))
    if column.type in ("int", "float"):
        checks.append((text.is_not_null() & value.is_null(), "bad_number"))
    elif column.type in ("date", "time", "timestamp"):
        checks.append((text.is_not_null() & value.is_null(), "bad_date"))
    if column.codes is not None:
        as_code = value.cast(pl.String) if column.type == "int" else text
        unknown = value.is_not_null() & ~as_code.is_in(column.codes)
        if column.codes_unless is not None:
            unknown = unknown & pl.col(spec.column(column.codes_unless).header).is_null()
        checks.append((unknown, "unknown_code"))
    if column.min_value is not None:
        checks.append((value < column.min_value, "out_of_range"))
    if column.max_value is not None:
        checks.append((value > column.max_value, "out_of_range"))
    if column.type in ("date", "timestamp"):
        earliest, latest = plausible_dates(column.name)
        day = value if column.type == "date" else value.dt.date()
        checks.append(((day < earliest) | (day > latest), "out_of_range"))
    chain = pl.when(checks[0][0]).then(pl.lit(checks[0][1]))
    for condition, reason in checks[1:]:
        chain = chain.when(condition).then(pl.lit(reason))
    return chain.otherwise(None)


def _quarantine_rows(bad: pl.DataFrame, spec: FileSpec, positions: dict[str, str], source_file: str) -> pl.DataFrame:
    if bad.height == 0:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    key_text = pl.concat_str(
        [pl.lit(f"{spec.column(name).header}=") + pl.col(spec.column(name).header).str.slice(0, _SHOWN_CHARS).fill_null("空白")
         for name in spec.key],
        separator="、",
    )
    parts = []
    for i, column in enumerate(spec.columns):
        if _reason(i) not in bad.columns:
            continue
        raw = pl.col(positions[column.header]) if column.header in positions else pl.lit(None, pl.String)
        shown = pl.col(column.header)
        if column.name in _PERSONAL_COLUMNS:
            raw, shown = _mask_whole(raw), _mask_whole(shown)
        parts.append(
            bad.filter(pl.col(_reason(i)).is_not_null()).select(
                "source_line",
                pl.lit(i).alias("position"),
                pl.lit(column.header).alias("field"),
                pl.col(_reason(i)).alias("reason"),
                _detail(column, spec, pl.col(_reason(i)), shown, key_text, pl.col(_value(i))).alias("detail"),
                raw.alias("raw_value"),
            )
        )
    quarantine = pl.concat(parts).sort("source_line", "position")
    message = pl.concat_str(
        pl.lit(f"{source_file} 第 "), pl.col("source_line").cast(pl.String), pl.lit(" 行："), pl.col("detail"),
    )
    return quarantine.select(
        "source_line", "field", "reason",
        mask_ids(message).alias("message"),
        mask_ids(pl.col("raw_value")).str.replace_all("\x00", "\\x00", literal=True).alias("raw_value"),
    )


def _detail(column: Column, spec: FileSpec, reason: pl.Expr, value: pl.Expr, key_text: pl.Expr,
            parsed: pl.Expr | None = None) -> pl.Expr:
    """The line-independent part of a message: field, reason, value, limit and the row's key.

    It is also how an event file's quarantined row is recognised when a later delivery repeats it
    (load.py compares messages after the first '：').
    """
    reason_text = reason.replace_strict(QUARANTINE_REASONS, return_dtype=pl.String)
    limit = pl.lit("")
    if column.codes is not None:
        alternative = f"；或另填「{spec.column(column.codes_unless).header}」" if column.codes_unless else ""
        limit = pl.when(reason == "unknown_code").then(pl.lit(f"（允許：{'、'.join(column.codes)}{alternative}）")).otherwise(limit)
    if column.min_value is not None or column.max_value is not None:
        bounds = f"{_number(column.min_value)}–{_number(column.max_value)}"
        limit = pl.when(reason == "out_of_range").then(pl.lit(f"（允許 {bounds}）")).otherwise(limit)
    if column.type in ("date", "timestamp"):
        earliest, latest = plausible_dates(column.name)
        read_as = parsed.dt.year() - ROC_OFFSET if parsed is not None else None
        read = pl.when(read_as > 0).then(pl.concat_str(pl.lit("讀作民國 "), read_as.cast(pl.String), pl.lit(" 年 = 西元 ")))
        read = read.otherwise(pl.lit("讀作西元 "))
        limit = pl.when(reason == "out_of_range").then(pl.concat_str(
            pl.lit("（"), read, parsed.dt.year().cast(pl.String),
            pl.lit(f" 年，不合理；允許 {roc_date(earliest, era=True)}–{roc_date(latest, era=True)}）"),
        )).otherwise(limit)
    limit = pl.when(reason == "too_long").then(pl.lit(f"（上限 {MAX_FIELD_CHARS:,} 字）")).otherwise(limit)
    long_value = pl.concat_str(value.str.slice(0, _SHOWN_CHARS), pl.lit("…（共 "),
                               value.str.len_chars().cast(pl.String), pl.lit(" 字）"))
    value = pl.when(value.str.len_chars() > _SHOWN_CHARS * 2).then(long_value).otherwise(value)
    value = value.str.replace_all(_CONTROL, "�")
    shown = pl.when(value.is_not_null()).then(pl.lit("，值 '") + value + pl.lit("'")).otherwise(pl.lit(""))
    return pl.concat_str(pl.lit(f"欄位「{column.header}」"), reason_text, shown, limit, pl.lit("；"), key_text)


def _number(limit: float | None) -> str:
    return "" if limit is None else f"{limit:g}"


def _mask_whole(text: pl.Expr) -> pl.Expr:
    return text.map_elements(mask_national_id, return_dtype=pl.String)


def mask_ids(text: pl.Expr) -> pl.Expr:
    """Mask anything shaped like a national ID (letter + 9 characters) in free text."""
    return mask_national_ids_expr(text)
