"""From a delivered file's bytes to a table of strings with the line each record starts on.

CSV encodings (inputs.md): UTF-8, UTF-8 with BOM, Big5 (read as cp950, Microsoft's superset, which
is what Windows admin systems write). UTF-8 is tried first and strictly: Big5 text is almost never
valid UTF-8, while UTF-8 text often decodes as (wrong) cp950. A file that is neither is rejected
whole; charset-normalizer only names a likely encoding in the message, it never decides.

XLSX: the first sheet, header in row 1, every cell read as text by calamine (polars ``read_excel``).
Leading empty rows are kept so that line numbers are sheet row numbers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import charset_normalizer
import polars as pl

_UTF8_BOM = b"\xef\xbb\xbf"


class FileRejected(Exception):
    """The whole file is refused; nothing of it loads. ``reason`` is a contract.QUARANTINE_REASONS key."""

    def __init__(self, reason: str, message: str, field: str | None = None, encoding: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field  # the Chinese header at fault, if one is
        self.encoding = encoding  # as far as it was detected


@dataclass(frozen=True)
class RawTable:
    """Every record as strings: columns ``c0, c1, …`` in file order, plus ``source_line``; row 0 is the header."""

    cells: pl.DataFrame
    encoding: str  # utf-8 | utf-8-sig | cp950 | xlsx


def decode_text(data: bytes, name: str) -> tuple[bytes, str]:
    """UTF-8 bytes of a delivered text file and the encoding it came in; FileRejected when neither fits."""
    if data.startswith(_UTF8_BOM):
        body = data[len(_UTF8_BOM):]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _undecodable(body, name, error) from None
        return body, "utf-8-sig"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError as utf8_error:
        first_error = utf8_error
    try:
        return data.decode("cp950").encode("utf-8"), "cp950"
    except UnicodeDecodeError:
        raise _undecodable(data, name, first_error) from None


def _undecodable(data: bytes, name: str, error: UnicodeDecodeError) -> FileRejected:
    line = data[: error.start].count(b"\n") + 1
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    guess = f"，看起來像 {best.encoding}" if best is not None else ""
    return FileRejected(
        "undecodable",
        f"{name}：不是 UTF-8 也不是 Big5 (cp950) 編碼（第 {line} 行有無法解碼的位元組 "
        f"0x{data[error.start]:02X}{guess}），整個檔案不載入；請以 UTF-8 或 Big5 重新匯出。"
        f" / not UTF-8 or Big5: file rejected.",
    )


def read_csv_cells(data: bytes, name: str) -> RawTable:
    """Decode and split a CSV; ``source_line`` is the physical line a record starts on (header = 1)."""
    text, encoding = decode_text(data, name)
    try:
        cells = pl.read_csv(
            io.BytesIO(text), has_header=False, infer_schema=False, truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as error:
        raise FileRejected("unreadable", f"{name}：CSV 格式無法解析（{error}），整個檔案不載入。", encoding=encoding) from None
    cells = cells.rename({old: f"c{i}" for i, old in enumerate(cells.columns)})
    return RawTable(cells.with_columns(_record_start_lines(cells, text)), encoding)


def _record_start_lines(cells: pl.DataFrame, text: bytes) -> pl.Expr:
    # polars keeps blank lines as empty records, so records and lines differ only where a quoted
    # field holds line breaks; count those only when the totals say there are some.
    physical_lines = text.count(b"\n") + (0 if not text or text.endswith(b"\n") else 1)
    if physical_lines == cells.height:
        return pl.int_range(1, cells.height + 1, dtype=pl.Int64).alias("source_line")
    spanned = 1 + pl.sum_horizontal(
        pl.col(column).str.count_matches("\n", literal=True).fill_null(0) for column in cells.columns
    ).cast(pl.Int64)
    return (spanned.cum_sum() - spanned + 1).alias("source_line")


def read_xlsx_cells(data: bytes, name: str) -> RawTable:
    """First sheet of a workbook, every cell as text; ``source_line`` is the sheet row number."""
    try:
        cells = pl.read_excel(
            io.BytesIO(data), engine="calamine", sheet_id=1, has_header=False,
            read_options={"header_row": None, "skip_rows": 0, "dtypes": "string"},
            drop_empty_rows=False, drop_empty_cols=False, raise_if_empty=False,
        )
    except Exception as error:  # calamine raises its own (non-polars) errors on a broken workbook
        detail = " ".join(str(error).split())
        raise FileRejected("unreadable", f"{name}：Excel 檔無法讀取（{detail}），整個檔案不載入。", encoding="xlsx") from None
    cells = cells.rename({old: f"c{i}" for i, old in enumerate(cells.columns)})
    return RawTable(cells.with_columns(pl.int_range(1, cells.height + 1, dtype=pl.Int64).alias("source_line")), "xlsx")
