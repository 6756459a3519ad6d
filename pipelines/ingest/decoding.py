"""From a delivered file's bytes to a table of strings with the line each record starts on.

CSV encodings (inputs.md): UTF-8, UTF-8 with BOM, Big5 (read as cp950, Microsoft's superset, which
is what Windows admin systems write). UTF-8 is tried first and strictly: Big5 text is almost never
valid UTF-8, while UTF-8 text often decodes as (wrong) cp950. When the whole file is neither, it is
decoded line by line (``decode_csv_text``): the encoding most lines are in is the file's, and a line
in the other one (a file pasted together from two exports) or in neither (Big5-HKSCS or 造字 bytes
outside cp950) is quarantined by line rather than read as mojibake. A file with no such majority,
or UTF-16 (BOM, or NUL bytes in every other position), is rejected whole; charset-normalizer only
names a likely encoding in the message, it never decides.

XLSX: the first sheet, header in row 1, every cell read as text by calamine (polars ``read_excel``).
Leading empty rows are kept so that line numbers are sheet row numbers. Other sheets are named in
``RawTable.notes`` (the delivery's message), never read.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import charset_normalizer
import fastexcel
import polars as pl

from pipelines.ingest.records import MALFORMED_SCHEMA, split_records

_UTF8_BOM = b"\xef\xbb\xbf"
# Every byte but the C0 controls validate.py refuses (tab and line breaks allowed) and DEL. In UTF-8 and in cp950
# a byte below 0x80 is always that ASCII character, so a file without these bytes has no such character.
_NOT_CONTROL = bytes(byte for byte in range(256) if not (byte < 0x20 and byte not in b"\t\n\r" or byte == 0x7F))
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


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
    """Every record as strings: columns ``c0, c1, …`` in file order, plus ``source_line``; row 0 is the header.

    ``malformed`` holds the records that could not be split into the header's fields (records.py); they
    are not in ``cells``. ``notes`` are remarks for the delivery's message (sheets not read).
    """

    cells: pl.DataFrame
    encoding: str  # utf-8 | utf-8-sig | cp950 | xlsx
    malformed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=MALFORMED_SCHEMA))
    notes: tuple[str, ...] = ()
    # False when no value can hold a C0 control character (a CSV with no such byte): validation skips that check
    control_characters: bool = True


def decode_text(data: bytes, name: str) -> tuple[bytes, str]:
    """UTF-8 bytes of a delivered text file and the encoding it came in; FileRejected when neither fits."""
    _refuse_utf16(data, name)
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


def decode_csv_text(data: bytes, name: str) -> tuple[bytes, str, dict[int, str]]:
    """UTF-8 bytes, encoding and {line: why it was not decoded} of a delivered CSV; FileRejected when no
    encoding fits. A UTF-8 file's own bytes come back as they are (no decoding to text and back).

    Lines in the dict are decoded as well as they can be (so the records still split) but must not load.
    """
    try:
        utf8, encoding = decode_text(data, name)
        if encoding != "cp950" or not _has_utf8_lines(data):
            return utf8, encoding, {}
    except FileRejected as rejected:
        if rejected.reason != "undecodable" or _is_utf16(data):
            raise
        text, encoding, bad_lines = _decode_by_line(data, name, rejected)
        return text.encode("utf-8"), encoding, bad_lines
    text, encoding, bad_lines = _decode_by_line(data, name, None)
    return text.encode("utf-8"), encoding, bad_lines


# A line that is valid UTF-8 (as Python's strict decoder sees it: no overlong forms, no surrogates) and not
# ASCII: one regular-expression pass over the file, ~3× faster than decoding each line in turn.
_ASCII_BYTE = rb"[\x00-\x09\x0b-\x7f]"
_UTF8_MULTIBYTE = (rb"(?:[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                   rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                   rb"|\xf4[\x80-\x8f][\x80-\xbf]{2})")
_UTF8_LINE = re.compile(rb"^" + _ASCII_BYTE + rb"*+" + _UTF8_MULTIBYTE
                        + rb"(?:" + _ASCII_BYTE + rb"|" + _UTF8_MULTIBYTE + rb")*+$", re.MULTILINE)


def _has_utf8_lines(data: bytes) -> bool:
    """Whether a file that decodes as cp950 has lines that are UTF-8 (which cp950 reads as mojibake)."""
    return _UTF8_LINE.search(data) is not None


def _line_encoding(line: bytes) -> str | None:
    if line.isascii():
        return "ascii"
    for encoding in ("utf-8", "cp950"):
        try:
            line.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return None


_ENCODING_NAMES = {"utf-8": "UTF-8", "cp950": "Big5"}


def _decode_by_line(data: bytes, name: str, neither: FileRejected | None) -> tuple[str, str, dict[int, str]]:
    """Decoded line by line (see the module docstring); ``neither`` is the error when no line fits at all."""
    body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    lines = body.split(b"\n")
    kinds = [_line_encoding(line) for line in lines]
    utf8, big5 = kinds.count("utf-8"), kinds.count("cp950")
    encoding = "utf-8" if utf8 >= big5 else "cp950"
    bad = {number: kind for number, kind in enumerate(kinds, start=1) if kind not in ("ascii", encoding)}
    if len(bad) * 2 >= utf8 + big5 + kinds.count(None):  # no majority: nothing says which encoding is right
        if utf8 and big5 or neither is None:
            raise FileRejected(
                "undecodable", f"{name}：同一檔案混用 UTF-8（{utf8} 行）與 Big5（{big5} 行）編碼，無法判斷以哪一個為準，"
                               f"整個檔案不載入；請以同一編碼重新匯出。 / mixed UTF-8 and Big5: file rejected.")
        raise neither
    problems = {}
    for number, kind in bad.items():
        if kind is None:
            line = lines[number - 1]
            position = _first_undecodable(line, encoding)
            problems[number] = (f"有無法以 {_ENCODING_NAMES[encoding]} 解碼的位元組 0x{line[position]:02X}"
                                f"（可能是 Big5-HKSCS 字或造字），此列不載入；請以 UTF-8 重新匯出")
        else:
            problems[number] = (f"此行為 {_ENCODING_NAMES[kind]} 編碼，與檔案其他部分（{_ENCODING_NAMES[encoding]}）"
                                f"不同，此列不載入；請整個檔案以同一編碼重新匯出")
    text = "\n".join(
        line.decode(kinds[i] if kinds[i] in ("utf-8", "cp950") else encoding, errors="replace")
        for i, line in enumerate(lines)
    )
    if data.startswith(_UTF8_BOM) and encoding == "utf-8":
        encoding = "utf-8-sig"
    return text, encoding, problems


def _first_undecodable(line: bytes, encoding: str) -> int:
    try:
        line.decode(encoding)
    except UnicodeDecodeError as error:
        return error.start
    return 0


def _is_utf16(data: bytes) -> bool:
    # UTF-16 text of ASCII headers and digits has a NUL in every other byte; a stray NUL in a CSV does not.
    return data.startswith(_UTF16_BOMS) or data.count(b"\x00") * 4 > len(data) > 0


def _refuse_utf16(data: bytes, name: str) -> None:
    if _is_utf16(data):
        best = charset_normalizer.from_bytes(data[:200_000]).best()
        guess = f"（看起來像 {best.encoding}）" if best is not None else ""
        raise FileRejected(
            "undecodable",
            f"{name}：檔案是 UTF-16 編碼{guess}，整個檔案不載入；請以 UTF-8 或 Big5 重新匯出。 / UTF-16: file rejected.",
        )


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
    if not data.strip(b" \t\r\n\x00") or data.strip() == _UTF8_BOM:
        raise FileRejected("empty_file", f"{name}：檔案是空的（沒有欄位名稱列），整個檔案不載入。 / empty file.")
    utf8, encoding, bad_lines = decode_csv_text(data, name)
    cells = None if bad_lines else _read_exactly(utf8)
    if cells is None:
        cells, malformed = split_records(utf8.decode("utf-8"), bad_lines)
        if malformed.height and (cells.height == 0 or malformed["source_line"][0] < cells["source_line"][0]):
            # the header itself is broken: any later record read as the header would mislabel every column
            first = malformed.row(0, named=True)
            raise FileRejected(
                "undecodable" if first["reason"] == "undecodable" else "unreadable",
                f"{name}：第 {first['source_line']} 行（欄位名稱列）{first['detail']}，整個檔案不載入。",
                encoding=encoding)
        return RawTable(cells, encoding, malformed, control_characters=_has_control_bytes(data))
    return RawTable(cells, encoding, control_characters=_has_control_bytes(data))


def _has_control_bytes(data: bytes) -> bool:
    return bool(data.translate(None, _NOT_CONTROL))  # ~1 ms for 5 MB; a regular expression takes 9


def _read_exactly(raw: bytes) -> pl.DataFrame | None:
    """polars' reading of the CSV when it is provably every record's own fields; None when it may not be.

    polars pads a short record with nulls, reads a lone CR as part of a value and refuses a long record
    or a broken quote. So: no lone CR or NUL, a strict read, and then a count: the commas outside
    values must be exactly (header's fields - 1) per record, which only holds if no record is short
    (a blank line counts as short: records.split_records skips it). Otherwise records.split_records
    reads it, slower, record by record.
    """
    if b"\x00" in raw or raw.count(b"\r") != raw.count(b"\r\n"):  # a NUL, or a CR not before a line feed
        return None
    try:
        cells = pl.read_csv(io.BytesIO(raw), has_header=False, infer_schema=False, raise_if_empty=False,
                            truncate_ragged_lines=False)
    except pl.exceptions.PolarsError:
        return None
    in_values = cells.select(
        pl.sum_horizontal(pl.col(column).str.count_matches(",", literal=True).fill_null(0) for column in cells.columns).sum()
    ).item() if cells.height else 0
    if raw.count(b",") - in_values != cells.height * (cells.width - 1):
        return None
    cells = cells.rename({old: f"c{i}" for i, old in enumerate(cells.columns)})
    return cells.with_columns(_record_start_lines(cells, raw))


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
    if not data:
        raise FileRejected("empty_file", f"{name}：檔案是空的（0 位元組），整個檔案不載入。 / empty file.", encoding="xlsx")
    try:
        cells = pl.read_excel(
            io.BytesIO(data), engine="calamine", sheet_id=1, has_header=False,
            read_options={"header_row": None, "skip_rows": 0, "dtypes": "string"},
            drop_empty_rows=False, drop_empty_cols=False, raise_if_empty=False,
        )
        sheets = fastexcel.read_excel(data).sheet_names
    except Exception as error:  # calamine raises its own (non-polars) errors on a broken workbook
        detail = " ".join(str(error).split())
        raise FileRejected("unreadable", f"{name}：Excel 檔無法讀取（{detail}），整個檔案不載入。", encoding="xlsx") from None
    cells = cells.rename({old: f"c{i}" for i, old in enumerate(cells.columns)})
    notes = (f"只讀第一個工作表「{sheets[0]}」；另有工作表「{'」「'.join(sheets[1:])}」未讀取",) if len(sheets) > 1 else ()
    return RawTable(cells.with_columns(pl.int_range(1, cells.height + 1, dtype=pl.Int64).alias("source_line")),
                    "xlsx", notes=notes)
