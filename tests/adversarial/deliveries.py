"""Building blocks of the bad deliveries: a small 學生資料 file and ways to spoil it.

Three students, seven columns (the four required ones and three that can go wrong). Line 1 is the
header, students S001-S003 are lines 2-4 unless a case says otherwise.
"""

from __future__ import annotations

import hashlib
import io

import xlsxwriter

HEADER = ["學年度", "學期", "學號", "身分證號", "姓名", "出生日期", "學籍狀態"]
ROWS = [
    ["113", "1", "S001", "A123456789", "王小明", "95/03/02", "在學"],
    ["113", "1", "S002", "B223456782", "陳美麗", "95/07/15", "在學"],
    ["113", "1", "S003", "C123456781", "林志豪", "94/12/01", "休學"],
]


def lines(*records: list[str] | str) -> list[str]:
    return [record if isinstance(record, str) else ",".join(record) for record in records]


def csv_bytes(*records: list[str] | str, newline: str = "\n", encoding: str = "utf-8") -> bytes:
    """A CSV of these records (each a list of fields or a ready line), every line ended by ``newline``."""
    return "".join(line + newline for line in lines(*records)).encode(encoding)


def students(**changes: str) -> bytes:
    """The three students, with ``S002_姓名="…"``-style changes (student, then header) applied."""
    rows = [list(row) for row in ROWS]
    for key, value in changes.items():
        student, header = key.split("_", 1)
        rows[int(student[1:]) - 1][HEADER.index(header)] = value
    return csv_bytes(HEADER, *rows)


def with_row(line: int, replacement: str, *, encoding: str = "utf-8") -> bytes:
    """The three students with physical line ``line`` replaced by ``replacement`` (as written)."""
    records = lines(HEADER, *ROWS)
    records[line - 1] = replacement
    return "".join(record + "\n" for record in records).encode(encoding)


def mixed(encodings: list[str]) -> bytes:
    """Header and students, each line in its own encoding (header first)."""
    records = lines(HEADER, *ROWS)
    return b"".join((record + "\n").encode(encoding) for record, encoding in zip(records, encodings, strict=True))


def noise(size: int) -> bytes:
    """Deterministic bytes that are no text encoding."""
    out, seed = b"", b"noise"
    while len(out) < size:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return out[:size]


def xlsx(*sheets: tuple[str, list[list[object]]], merged_title: str | None = None) -> bytes:
    """A workbook with these (name, rows) sheets; ``merged_title`` puts a merged title row above the first sheet's rows."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for index, (name, rows) in enumerate(sheets):
        sheet = workbook.add_worksheet(name)
        offset = 0
        if merged_title and index == 0:
            sheet.merge_range(0, 0, 0, len(rows[0]) - 1, merged_title)
            offset = 1
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r + offset, c, str(value))
    workbook.close()
    return buffer.getvalue()
