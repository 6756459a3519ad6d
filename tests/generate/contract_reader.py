"""A small, independent reader of the input contract (inputs.md), for the generator's tests.

It follows the contract literally (decode UTF-8 / BOM / cp950 strictly, trim and fold headers and
values, ``""``/``-1``/``NULL`` missing, parse dates and numbers, check required columns, codes and
ranges) and shares no code with the generator's renderer, so reading the files back and recomputing
the truth checks that the files say what ``_truth/`` says.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import yaml

from pipelines.contract import FILES, Column, FileSpec
from pipelines.generate.plan import Limits

TRIM = " \t\r\n\f\v\u3000\u00a0\ufeff"
FOLD = str.maketrans({**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}, "\u3000": " "})
MISSING = ("", "-1", "NULL")
_DATE = re.compile(r"(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{2,3})/(\d{1,2})/(\d{1,2})|(\d{2,3})(\d{2})(\d{2}))")
_TIME = re.compile(r"(上午|下午)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?\d+(?:\.\d+)?")


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) or None when neither UTF-8 nor cp950 decodes the bytes strictly."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    for encoding in ("utf-8", "cp950"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    g = match.groups()
    if g[0]:
        y, m, d = int(g[0]), int(g[1]), int(g[2])
    elif g[3]:
        y, m, d = int(g[3]) + 1911, int(g[4]), int(g[5])
    else:
        y, m, d = int(g[6]) + 1911, int(g[7]), int(g[8])
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    match = _TIME.fullmatch(text)
    if not match:
        return None
    meridiem, hour, minute, second = match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4) or 0)
    if meridiem:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if meridiem == "下午" else 0)
    try:
        return time(hour, minute, second)
    except ValueError:
        return None


def parse_timestamp(text: str) -> datetime | None:
    day_part, _, time_part = text.partition(" ")
    day = parse_date(day_part)
    if day is None:
        return None
    if not time_part:
        return datetime.combine(day, time())
    moment = parse_time(time_part.strip())
    return None if moment is None else datetime.combine(day, moment)


def read_cells(path: Path) -> tuple[list[str], list[list[str | None]]] | None:
    """Header and rows as text; None when the file cannot be decoded."""
    if path.suffix == ".xlsx":
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
        return list(frame.columns), [list(row) for row in frame.iter_rows()]
    decoded = decode(path.read_bytes())
    if decoded is None:
        return None
    rows = list(csv.reader(io.StringIO(decoded[0], newline="")))
    return rows[0], [[cell for cell in row] for row in rows[1:]]


def normalise_header(header: str) -> str:
    return header.translate(FOLD).strip(TRIM)


def clean(value: str | None, column: Column) -> str | None:
    if value is None:
        return None
    if column.type != "text":
        value = value.translate(FOLD)
    value = value.strip(TRIM)
    return None if value in MISSING else value


def convert(value: str | None, column: Column):
    """(typed value, reason or None)."""
    if value is None:
        return None, ("missing_key" if column.required else None)
    parsed = value
    if column.type == "int":
        if not _INT.fullmatch(value):
            return None, "bad_number"
        parsed = int(value)
    elif column.type == "float":
        if not _FLOAT.fullmatch(value):
            return None, "bad_number"
        parsed = float(value)
    elif column.type == "date":
        parsed = parse_date(value)
    elif column.type == "timestamp":
        parsed = parse_timestamp(value)
    elif column.type == "time":
        parsed = parse_time(value)
    if parsed is None:
        return None, "bad_date"
    if column.codes is not None and str(parsed if column.type == "int" else value) not in column.codes:
        return None, "unknown_code"
    if column.type in ("int", "float"):
        if (column.min_value is not None and parsed < column.min_value) or (
                column.max_value is not None and parsed > column.max_value):
            return None, "out_of_range"
    return parsed, None


_POLARS = {"text": pl.String, "code": pl.String, "int": pl.Int64, "float": pl.Float64, "date": pl.Date,
           "time": pl.Time, "timestamp": pl.Datetime("us")}


@dataclass
class Loaded:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    quarantine: list[tuple] = field(default_factory=list)  # (school, file, line, field, reason)
    encodings: dict[str, str] = field(default_factory=dict)  # relative file → utf-8 | utf-8-sig | cp950 | xlsx
    headers: dict[str, list[str]] = field(default_factory=dict)  # relative file → normalised headers


def read_file(spec: FileSpec, path: Path, root: Path, school: str, loaded: Loaded) -> pl.DataFrame:
    relative = path.relative_to(root).as_posix()
    cells = read_cells(path)
    if cells is None:
        loaded.quarantine.append((school, relative, None, None, "undecodable"))
        return pl.DataFrame(schema={c.name: _POLARS[c.type] for c in spec.columns})
    if path.suffix == ".xlsx":
        loaded.encodings[relative] = "xlsx"
    else:
        loaded.encodings[relative] = decode(path.read_bytes())[1]
    header, rows = cells
    names = [normalise_header(h) for h in header]
    loaded.headers[relative] = names
    position = {name: i for i, name in enumerate(names)}
    values: dict[str, list] = {c.name: [] for c in spec.columns}
    for line, row in enumerate(rows, start=2):
        typed, problems = {}, []
        for column in spec.columns:
            raw = row[position[column.header]] if column.header in position else None
            value, reason = convert(clean(raw, column), column)
            if reason == "unknown_code" and column.codes_unless:  # a name outside the list, with its code beside it
                other = spec.column(column.codes_unless)
                if clean(row[position[other.header]] if other.header in position else None, other) is not None:
                    value, reason = clean(raw, column), None
            typed[column.name] = value
            if reason:
                problems.append((column.header, reason))
        if problems:
            assert len(problems) == 1, f"{relative}:{line} has several defects {problems}"
            loaded.quarantine.append((school, relative, line, *problems[0]))
            continue
        for name, value in typed.items():
            values[name].append(value)
    return pl.DataFrame(values, schema={c.name: _POLARS[c.type] for c in spec.columns})


def read_delivery(root: Path) -> Loaded:
    """Every school folder under root, read the way the contract says."""
    loaded = Loaded()
    for school_dir in sorted(p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"[0-9A-Z]{6}", p.name)):
        for spec in FILES:
            candidates = [school_dir / spec.folder / f"{spec.label}.{ext}" for ext in ("csv", "xlsx")]
            present = [p for p in candidates if p.exists()]
            assert len(present) <= 1
            if not present:
                continue
            frame = read_file(spec, present[0], root, school_dir.name, loaded)
            frame = frame.with_columns(pl.lit(school_dir.name).alias("school_code"))
            loaded.frames.setdefault(spec.kind, []).append(frame)
    loaded.frames = {kind: pl.concat(parts) for kind, parts in loaded.frames.items()}
    return loaded


def policy_plan(root: Path, school: str, generation: dict) -> SimpleNamespace:
    """What compute_truth needs about a school, from its policy.yaml (national defaults without one)."""
    first, last = generation["parameters"]["years"]
    path = root / school / "policy.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}

    def as_date(value) -> date:
        return value if isinstance(value, date) else parse_date(str(value))

    limit_keys = set(Limits.__dataclass_fields__)
    limits = Limits(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in document.items() if k in limit_keys})
    windows = {(t["academic_year"], t["term"]): t for t in document.get("terms", [])}
    terms = []
    for year in range(first, last + 1):
        for term in (1, 2):
            window = windows.get((year, term), {})
            terms.append(SimpleNamespace(
                academic_year=year, term=term,
                upload_deadline=as_date(window["upload_deadline"]) if window else None,
                certification_deadline=as_date(window["certification_deadline"]) if window else None,
            ))
    deadlines = document.get("selection_deadlines", {})
    entry = document.get("diverse_entry_deadlines", {})
    years = {year: SimpleNamespace(selection_deadline=as_date(deadlines[year]) if year in deadlines else None,
                                   diverse_entry_deadline=as_date(entry[year]) if year in entry else None)
             for year in range(first, last + 1)}
    return SimpleNamespace(code=school, limits=limits, terms=terms, years=years,
                           deadlines_in_policy="terms" in document)


def generation_of(root: Path) -> dict:
    return json.loads((root / "_truth" / "generation.json").read_text(encoding="utf-8"))


def truth_csv(root: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(root / "_truth" / name, infer_schema_length=0)
