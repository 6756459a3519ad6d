"""Splitting CSV text into records when polars cannot be trusted to: every field counted, nothing shifted.

polars pads a short record with nulls and truncates (or refuses) a long one, and reads an unclosed
quote to the end of the file. Here each record keeps the line it starts on and its own field count,
and a record that does not fit the header is set aside whole (``malformed``), with why:

- ``ragged_row``: a record with fewer or more fields than the header. Extra *empty* fields at the end
  (``a,b,c,``) lose nothing and are dropped; anything else would be shifted or cut, so it is refused.
- ``bad_quotes``: a quote opened and never closed (which would swallow every later line), or text
  after a closing quote. Only the record where it starts is refused; reading goes on at the next line.
- ``undecodable``: a line the decoder could not read in the file's encoding (decoding.decode_csv_text).

Blank records (no field with anything but spaces) are skipped: there is nothing in them to lose.
"""

from __future__ import annotations

import csv
import io
import itertools

import polars as pl

# A field may be as long as the file: the limit on what loads is validate.MAX_FIELD_CHARS, with a message.
csv.field_size_limit(1 << 30)

MALFORMED_SCHEMA = {"source_line": pl.Int64, "reason": pl.String, "detail": pl.String, "raw_value": pl.String}
_RAW_SHOWN = 200  # characters of a refused line kept as its raw_value

_QUOTE_PROBLEMS = {
    "unexpected end of data": "引號未閉合（到檔案結尾都沒有結束的引號）",
    "expected after": "結束引號後面還有文字（引號不成對）",
}


def split_records(text: str, bad_lines: dict[int, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(cells, malformed): cells as in decoding.RawTable (header first), malformed as MALFORMED_SCHEMA."""
    lines = io.StringIO(text, newline="").readlines()
    records = list(_records(lines))
    good: list[tuple[int, list[str]]] = []
    malformed: list[tuple[int, str, str, str]] = []
    width: int | None = None

    def raw(first_line: int, last_line: int) -> str:
        return "".join(lines[first_line - 1:last_line]).rstrip("\r\n")[:_RAW_SHOWN]

    for first_line, last_line, fields, problem in records:
        undecodable = bad_lines and next((bad_lines[n] for n in range(first_line, last_line + 1) if n in bad_lines), None)
        if undecodable:
            malformed.append((first_line, "undecodable", undecodable, raw(first_line, last_line)))
        elif problem is not None:
            malformed.append((first_line, "bad_quotes", problem, raw(first_line, last_line)))
        elif all(not value.strip() for value in fields):
            continue
        elif width is None:
            width = _field_count(fields, 0)  # a header's trailing empty cells (``a,b,c,``) name no column
            good.append((first_line, fields[:width]))
        elif (count := _field_count(fields, width)) != width:
            malformed.append((first_line, "ragged_row", f"欄位數 {count}，應為 {width}（與欄位名稱列不符，可能錯位）",
                              raw(first_line, last_line)))
        else:
            good.append((first_line, fields[:width]))
    if width is None:
        return pl.DataFrame(schema={"source_line": pl.Int64}), pl.DataFrame(malformed, schema=MALFORMED_SCHEMA, orient="row")
    columns = list(zip(*(fields for _, fields in good))) if good else [()] * width
    cells = pl.DataFrame(
        {f"c{i}": pl.Series([value or None for value in column], dtype=pl.String) for i, column in enumerate(columns)}
    ).with_columns(pl.Series("source_line", [line for line, _ in good], dtype=pl.Int64))
    return cells, pl.DataFrame(malformed, schema=MALFORMED_SCHEMA, orient="row")


def _field_count(fields: list[str], width: int) -> int:
    """Fields that carry anything: trailing empty fields beyond the header's width do not count."""
    count = len(fields)
    while count > width and not fields[count - 1].strip():
        count -= 1
    return count


def _records(lines: list[str]):
    """(first line, last line, fields, problem) per record; after a quoting error, reading restarts one line on."""
    start = 0
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), strict=True)
        consumed = 0
        try:
            for fields in reader:
                yield start + consumed + 1, start + reader.line_num, fields, None
                consumed = reader.line_num
            return
        except csv.Error as error:
            problem = next((text for key, text in _QUOTE_PROBLEMS.items() if key in str(error)), f"CSV 格式錯誤（{error}）")
            yield start + consumed + 1, start + consumed + 1, [], problem
            start += consumed + 1
