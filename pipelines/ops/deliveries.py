"""Which schools delivered something new: what the Dagster sensor asks every minute.

Cheap first: a school's *fingerprint* is a hash of the names, sizes and modification times of its
delivered files (admin/, platform/, policy.yaml), read with ``stat`` only. The sensor's cursor keeps the
last fingerprint of every school. Only when a fingerprint differs from the cursor (or the school is new
to the cursor) are the files read and their sha256 compared with what the warehouse last ingested
(``raw.deliveries``, ``raw.school_policies``), with the same checksum ingestion uses: a folder that was
merely touched, or copied again unchanged, or already built by ``portfolio build``, starts no run.

A school whose comparison could not be made (the warehouse is busy being written) keeps its old cursor
entry, so the next tick tries again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.contract import FILES, FileSpec
from pipelines.ingest.layout import POLICY_FILE, delivered_files, discover_schools

DELIVERY_FOLDERS = ("admin", "platform")


def school_fingerprint(source_root: Path, school: str) -> str:
    """Hash of (path, size, mtime) of the school's delivered files; changes when any file does."""
    folder = source_root / school
    entries = []
    candidates = [folder / POLICY_FILE]
    for name in DELIVERY_FOLDERS:
        sub = folder / name
        if sub.is_dir():
            candidates.extend(sorted(sub.iterdir()))
    for path in candidates:
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file():
            entries.append(f"{path.relative_to(folder)}\t{stat.st_size}\t{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode("utf-8")).hexdigest()[:32]


def delivery_id(files: list[Path]) -> str:
    """The checksum ingestion records for a delivery (pipelines/ingest/load.py): sha256 of the bytes, or for
    several files of one kind the sha256 of their sha256 digests."""
    contents = [path.read_bytes() for path in files]
    if len(contents) == 1:
        return hashlib.sha256(contents[0]).hexdigest()
    return hashlib.sha256(b"".join(hashlib.sha256(data).digest() for data in contents)).hexdigest()


def _latest_deliveries(con: duckdb.DuckDBPyConnection, school: str) -> dict[str, tuple[str | None, str]]:
    rows = con.execute(
        "select file_kind, arg_max(delivery_id, loaded_at), arg_max(status, loaded_at) "
        "from raw.deliveries where school_code = ? group by 1",
        [school],
    ).fetchall()
    return {kind: (delivery, status) for kind, delivery, status in rows}


def _file_is_current(spec: FileSpec, files: list[Path], last: tuple[str | None, str] | None) -> bool:
    if not files:  # nothing delivered changes nothing, except the required file's first "missing"
        return not spec.required_file or (last is not None and last[1] == "missing")
    return last is not None and last[1] in ("loaded", "rejected") and last[0] == delivery_id(files)


def school_is_current(con: duckdb.DuckDBPyConnection, source_root: Path, school: str) -> bool:
    """The warehouse already holds exactly what the school's folder delivers now."""
    last = _latest_deliveries(con, school)
    folder = source_root / school
    for spec in FILES:
        if not _file_is_current(spec, delivered_files(folder / spec.folder, spec.label), last.get(spec.kind)):
            return False
    policy = folder / POLICY_FILE
    stored = con.execute("select any_value(delivery_id), count(*) from raw.school_policies where school_code = ?",
                         [school]).fetchall()[0]
    if stored[1] == 0:
        return False
    return stored[0] == (hashlib.sha256(policy.read_bytes()).hexdigest() if policy.is_file() else None)


@dataclass
class DeliveryChanges:
    changed: dict[str, str] = field(default_factory=dict)  # school → fingerprint: run these
    cursor: dict[str, str] = field(default_factory=dict)  # the cursor to store after requesting the runs
    schools: list[str] = field(default_factory=list)  # every school folder found
    undecided: list[str] = field(default_factory=list)  # could not be compared now (warehouse busy)


def detect_changes(source_root: Path, cursor: dict[str, str], warehouse: Path | None) -> DeliveryChanges:
    """The schools whose deliveries differ from both the cursor and the warehouse."""
    result = DeliveryChanges(schools=discover_schools(source_root))
    suspects = {}
    for school in result.schools:
        fingerprint = school_fingerprint(source_root, school)
        if cursor.get(school) == fingerprint:
            result.cursor[school] = fingerprint
        else:
            suspects[school] = fingerprint
    if not suspects:
        return result
    if warehouse is None or not warehouse.is_file():
        result.changed.update(suspects)
        result.cursor.update(suspects)
        return result
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:  # a writer holds it: decide next time
        result.undecided = sorted(suspects)
        result.cursor.update({school: cursor[school] for school in suspects if school in cursor})
        return result
    try:
        has_raw = con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                              "and table_name in ('deliveries', 'school_policies')").fetchall()[0][0] == 2
        for school, fingerprint in suspects.items():
            try:
                current = has_raw and school_is_current(con, source_root, school)
            except OSError:  # a file vanished while we read it: it is being delivered right now
                result.undecided.append(school)
                if school in cursor:
                    result.cursor[school] = cursor[school]
                continue
            if not current:
                result.changed[school] = fingerprint
            result.cursor[school] = fingerprint
    finally:
        con.close()
    return result


def load_cursor(text: str | None) -> dict[str, str]:
    """The sensor's cursor; anything unreadable counts as empty (every school is looked at once more)."""
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def dump_cursor(cursor: dict[str, str]) -> str:
    return json.dumps(dict(sorted(cursor.items())), separators=(",", ":"))
