"""Ingestion into DuckDB: the public API the Dagster assets and the CLI call.

One file kind at a time, for every school folder (``ingest_file_kind``), and the schools' policy.yaml
(``ingest_policies``). A file's changes are never half written: they commit together with the files
before it, a few hundred thousand rows at a time (``_Commits``); an error rolls back the files since the
last commit, which a re-run ingests again (raw.deliveries rolls back with them).

What happens to a school's file of one kind (``FileResult.status``):

- ``loaded``: parsed; valid rows inserted, failing rows in raw.quarantine.
  Snapshot files (history=False) replace the school's earlier rows of that kind and all of that
  kind's earlier quarantine rows. Event files (history=True: 認證紀錄, 勾選紀錄) only add rows whose
  natural key (spec.key) the school does not have yet, and quarantine rows not recorded yet (same
  field, reason, value and row key), so cumulative and incremental exports both work.
- ``unchanged``: the bytes are those of the school's last delivery of that kind (loaded or
  rejected): nothing is written anywhere, so re-running on the same folder changes no table.
- ``rejected``: the file cannot load at all (undecodable, missing required column, broken workbook,
  both a .csv and an .xlsx delivered). The school's earlier rows stay; one file-level quarantine row
  (source_line null) says why.
- ``refused``: the school's policy.yaml is invalid (policies.policy_refusal): nothing of the school
  loads until it is fixed; earlier rows stay, a file-level ``school_refused`` quarantine row says why.
- ``missing``: no file. Earlier rows stay as they were (an absent file is "nothing delivered").
  For the one required file (學生資料) a file-level quarantine row ``missing_file`` is written, once.

raw.deliveries gets one row per attempt that wrote something: ``loaded`` and ``rejected`` files, and
``missing`` for the required file; never for ``unchanged`` (nor for optional files that are absent).
Its latest row per school and kind is what ``unchanged`` compares with. File-level quarantine rows
describe the latest attempt only: each new attempt of that kind replaces them.

A .csv and an .xlsx of the same kind in one folder are both refused rather than one picked: the
contract promises never to guess silently, and nothing in the folder says which one is current.

Every loaded delivery is accounted for: raw.deliveries.rows_delivered (non-blank records after the
header) = rows loaded + rows quarantined (+ for event files, rows an earlier delivery already loaded).
A parse that breaks this is refused whole rather than loaded with rows missing.

loaded_at is UTC, one value per file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import FILES, LINEAGE_COLUMNS, QUARANTINE_REASONS, FileSpec, create_raw_schema
from pipelines.ingest.decoding import FileRejected
from pipelines.ingest.layout import delivered_files, discover_schools
from pipelines.ingest.parallel import ParseJob, Rejection, parse_all
from pipelines.ingest.policies import ingest_policies, policy_refusal
from pipelines.ingest.store import FileResult, log_delivery, registered, transaction, write_quarantine_row
from pipelines.ingest.validate import ParsedFile

__all__ = ["FileResult", "discover_schools", "ingest_file_kind", "ingest_policies"]

# DuckDB folds its write-ahead log into the file every 16 MB by default: appending file after file, that is
# a checkpoint every few files. One per 512 MB: the writer ~10 % faster (100 schools of the national
# benchmark alone, 83–89 s → 74–77 s; nationally 2 %, where the parsing workers set the pace), the same
# peak memory (1 GB let uncheckpointed rows raise it by a third). BENCHMARKS.md, run 10.
WAL_CHECKPOINT = "512MB"

# Files' changes commit together until this many rows are pending. DuckDB writes a transaction's rows to the
# write-ahead log uncompressed and copies them into the file at the next checkpoint; once a transaction adds a
# whole row group (122,880 rows) to a table, it writes them compressed into the file straight away. One commit
# per file (a school's course records are ~60,000 rows) wrote every row twice: 100 national schools took
# 72.8 s, the writer 56 s of CPU (21 s in the kernel); with ~20 files per commit 64.5 s and 41 s.
COMMIT_ROWS = 500_000

# The part of a quarantine message after the location (see validate._detail): how an event file's
# quarantined row is recognised again in a later, cumulative delivery.
_DETAIL_SQL = "substr({message}, strpos({message}, '：') + 1)"


def ingest_file_kind(
    con: duckdb.DuckDBPyConnection, source_root: Path, spec: FileSpec, schools: list[str] | None = None
) -> list[FileResult]:
    """Ingest one file kind for every school (or only ``schools``); one FileResult per school.

    Files are parsed in worker processes (pipelines/ingest/parallel.py) and written here, one school at a
    time in school order, while the next files are parsed.
    """
    create_raw_schema(con)
    con.execute(f"set wal_autocheckpoint = '{WAL_CHECKPOINT}'")  # for this database instance, not stored in the file
    schools = discover_schools(source_root) if schools is None else schools
    last = last_deliveries(con, spec.kind)
    prepared = [_prepare_school_file(con, source_root, spec, school, last.get(school)) for school in schools]
    to_parse = [item for item in prepared if isinstance(item, _ToParse)]
    parsed = iter(parse_all(ParseJob(item.path, spec.kind, item.source_file) for item in to_parse))
    results = []
    with _Commits(con) as commits:
        for item in prepared:
            if isinstance(item, FileResult):
                results.append(item)
                continue
            outcome = next(parsed)
            if isinstance(outcome, Rejection):
                results.append(item.attempt.reject(item.source_file, item.delivery_id, outcome.encoding,
                                                   outcome.exception(), commits))
            else:
                results.append(item.attempt.load(item.source_file, item.delivery_id, outcome, commits))
    return results


class _Commits:
    """One transaction for the changes of consecutive files, committed every COMMIT_ROWS rows and at the end;
    on any error (or interruption) the files since the last commit roll back, whole."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.open, self.pending = con, False, 0

    def __enter__(self) -> _Commits:
        return self

    def __exit__(self, error_type, error, traceback) -> None:  # noqa: ANN001
        if error_type is None:
            self.commit()
        elif self.open:
            self.open = False
            self.con.rollback()

    @contextmanager
    def change(self, rows: int = 0) -> Iterator[None]:
        """One file's changes (`rows` rows written)."""
        if not self.open:
            self.con.begin()
            self.open, self.pending = True, 0
        try:
            yield
        except BaseException:
            self.open = False
            self.con.rollback()
            raise
        self.pending += rows
        if self.pending >= COMMIT_ROWS:
            self.commit()

    def commit(self) -> None:
        if self.open:
            self.open = False
            self.con.commit()


def last_deliveries(con: duckdb.DuckDBPyConnection, file_kind: str) -> dict[str, tuple[str | None, str]]:
    """school → (delivery_id, status) of its latest logged delivery of this kind."""
    rows = con.execute(
        "select school_code, arg_max(delivery_id, loaded_at), arg_max(status, loaded_at) "
        "from raw.deliveries where file_kind = ? group by school_code",
        [file_kind],
    ).fetchall()
    return {school: (delivery_id, status) for school, delivery_id, status in rows}


@dataclass(frozen=True)
class _ToParse:
    attempt: _Attempt
    path: Path
    source_file: str
    delivery_id: str


@dataclass(frozen=True)
class _Delivered:
    """A school's file of one kind as it sits in its folder (no file: ``files`` is empty)."""
    files: list[Path]
    source_file: str | None = None
    delivery_id: str | None = None
    refusal: str | None = None  # the school's policy.yaml is invalid


def _delivered(source_root: Path, spec: FileSpec, school: str) -> _Delivered:
    files = delivered_files(source_root / school / spec.folder, spec.label)
    if not files:
        return _Delivered(files)
    digests = [_sha256(path) for path in files]
    return _Delivered(files, " + ".join(f"{school}/{spec.folder}/{path.name}" for path in files),
                      hashlib.sha256(b"".join(digests)).hexdigest() if len(files) > 1 else digests[0].hex(),
                      policy_refusal(source_root, school))


def _writes_nothing(spec: FileSpec, delivered: _Delivered, last: tuple[str | None, str] | None) -> bool:
    """Whether ingesting `delivered` leaves every table as it is: the same delivery as the last one (loaded,
    rejected, or refused again), or an absent optional file, or a required one already recorded missing."""
    if not delivered.files:
        return not spec.required_file or (last is not None and last[1] == "missing")
    if delivered.refusal is not None:
        return last == (delivered.delivery_id, "refused")
    return last is not None and last[0] == delivered.delivery_id and last[1] in ("loaded", "rejected")


def files_to_ingest(con: duckdb.DuckDBPyConnection, source_root: Path, school: str) -> list[FileSpec]:
    """The file kinds whose ingestion would write something for `school` now (nothing is written here)."""
    return [spec for spec in FILES
            if not _writes_nothing(spec, _delivered(source_root, spec, school), last_deliveries(con, spec.kind).get(school))]


def _prepare_school_file(
    con: duckdb.DuckDBPyConnection, source_root: Path, spec: FileSpec, school: str, last: tuple[str | None, str] | None
) -> FileResult | _ToParse:
    """What a school's file of this kind needs: a final result now (missing, unchanged, refused), or parsing."""
    started = time.perf_counter()
    attempt = _Attempt(con, spec, school, started)
    delivered = _delivered(source_root, spec, school)
    if not delivered.files:
        return attempt.missing(last)
    source_file, delivery_id = delivered.source_file, delivered.delivery_id
    if delivered.refusal is not None:
        if _writes_nothing(spec, delivered, last):
            return attempt.result(source_file, "refused", message=delivered.refusal)
        return attempt.refuse(source_file, delivery_id, delivered.refusal)
    if _writes_nothing(spec, delivered, last):
        return attempt.result(source_file, "unchanged", message=f"與上次交付相同（上次：{last[1]}），未重新匯入。")
    if len(delivered.files) > 1:
        return attempt.reject(source_file, delivery_id, None, FileRejected(
            "unreadable",
            f"{source_file}：同一資料夾同時有 CSV 與 XLSX 版本的「{spec.label}」，無法判斷以哪一個為準，"
            f"兩者都不載入；請只保留一個。 / both CSV and XLSX delivered: both rejected.",
        ))
    return _ToParse(attempt, delivered.files[0], source_file, delivery_id)


def _sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


class _Attempt:
    """Writes the outcome of one school's file of one kind."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: FileSpec, school: str, started: float):
        self.con, self.spec, self.school, self.started = con, spec, school, started
        self.loaded_at = datetime.now(UTC).replace(tzinfo=None)

    def result(self, source_file: str | None, status: str, **fields) -> FileResult:
        return FileResult(self.school, self.spec.kind, source_file, status,
                          seconds=time.perf_counter() - self.started, **fields)

    def missing(self, last: tuple[str | None, str] | None) -> FileResult:
        expected = f"{self.school}/{self.spec.folder}/{self.spec.label}.csv 或 .xlsx"
        if not self.spec.required_file:
            return self.result(None, "missing", message=f"未提供 {expected}（非必要檔案）。")
        message = f"必要檔案 {expected} 未提供。 / required file not delivered."
        if not _writes_nothing(self.spec, _Delivered([]), last):
            with transaction(self.con):
                self._replace_file_level_quarantine(None, "missing_file", None, message, None)
                self._log(None, None, None, "missing", 0, 0, message)
        return self.result(None, "missing", message=message)

    def reject(self, source_file: str, delivery_id: str, encoding: str | None, rejected: FileRejected,
               commits: _Commits | None = None) -> FileResult:
        with commits.change() if commits is not None else transaction(self.con):
            self._replace_file_level_quarantine(source_file, rejected.reason, rejected.field, rejected.message, delivery_id)
            self._log(source_file, delivery_id, encoding, "rejected", 0, 0, rejected.message)
        return self.result(source_file, "rejected", encoding=encoding, message=rejected.message)

    def refuse(self, source_file: str, delivery_id: str, refusal: str) -> FileResult:
        message = f"{source_file}：未載入，因為 {refusal}。"
        with transaction(self.con):
            self._replace_file_level_quarantine(source_file, "school_refused", None, message, delivery_id)
            self._log(source_file, delivery_id, None, "refused", 0, 0, message)
        return self.result(source_file, "refused", message=message)

    def load(self, source_file: str, delivery_id: str, parsed: ParsedFile, commits: _Commits) -> FileResult:
        if parsed.rows_delivered != parsed.rows.height + parsed.rows_quarantined:
            return self.reject(source_file, delivery_id, parsed.encoding, commits=commits, rejected=FileRejected(
                "unreadable",
                f"{source_file}：內部檢查失敗（交付 {parsed.rows_delivered:,} 列 ≠ 可載入 {parsed.rows.height:,} 列 + "
                f"隔離 {parsed.rows_quarantined:,} 列），為免遺失資料整個檔案不載入；請通報系統管理者。",
            ))
        lineage = {"school_code": self.school, "source_file": source_file, "delivery_id": delivery_id,
                   "loaded_at": self.loaded_at}
        rows = parsed.rows.with_columns(pl.lit(value).alias(name) for name, value in lineage.items()).select(
            *self.spec.headers, *(name for name, _ in LINEAGE_COLUMNS)
        )
        quarantine = parsed.quarantine.with_columns(
            pl.lit(self.school).alias("school_code"), pl.lit(self.spec.kind).alias("file_kind"),
            pl.lit(source_file).alias("source_file"), pl.lit(delivery_id).alias("delivery_id"),
            pl.lit(self.loaded_at).alias("loaded_at"),
        )
        table = self.spec.table
        with commits.change(rows.height + quarantine.height), registered(self.con, "ingest_rows", rows), \
                registered(self.con, "ingest_quarantine", quarantine):
            if self.spec.history:
                inserted = self._append_new_events()
            else:
                self.con.execute(f"delete from {table} where school_code = ?", [self.school])
                self.con.execute("delete from raw.quarantine where school_code = ? and file_kind = ?",
                                 [self.school, self.spec.kind])
                self.con.execute(f"insert into {table} by name select * from ingest_rows")
                self.con.execute("insert into raw.quarantine by name select * from ingest_quarantine")
                inserted = rows.height
            message = f"交付 {parsed.rows_delivered:,} 列：載入 {inserted:,} 列，隔離 {parsed.rows_quarantined:,} 列。"
            if self.spec.history and inserted < rows.height:
                message = (f"交付 {parsed.rows_delivered:,} 列：新增 {inserted:,} 列（另 {rows.height - inserted:,} 列"
                           f"先前已載入），隔離 {parsed.rows_quarantined:,} 列。")
            message += "".join(f"{note}。" for note in parsed.notes)
            self._log(source_file, delivery_id, parsed.encoding, "loaded", inserted, parsed.rows_quarantined, message,
                      parsed.rows_delivered)
        return self.result(source_file, "loaded", rows_loaded=inserted, rows_quarantined=parsed.rows_quarantined,
                           encoding=parsed.encoding, message=message)

    def _append_new_events(self) -> int:
        """Insert the delivery's rows and quarantine rows the school does not have yet; rows inserted."""
        table = self.spec.table
        same_key = " and ".join(
            f'existing."{self.spec.column(name).header}" is not distinct from new."{self.spec.column(name).header}"'
            for name in self.spec.key
        )
        # The school filter is a constant so that DuckDB can skip other schools' row groups.
        inserted = self.con.execute(
            f"insert into {table} by name select new.* from ingest_rows new where not exists ("
            f"select 1 from {table} existing where existing.school_code = ? and {same_key})",
            [self.school],
        ).fetchall()[0][0]
        self.con.execute(
            "delete from raw.quarantine where school_code = ? and file_kind = ? and source_line is null",
            [self.school, self.spec.kind],
        )
        self.con.execute(
            "insert into raw.quarantine by name select new.* from ingest_quarantine new where not exists ("
            "select 1 from raw.quarantine existing where existing.school_code = ? and existing.file_kind = ? "
            "and existing.source_line is not null and existing.field = new.field and existing.reason = new.reason "
            "and existing.raw_value is not distinct from new.raw_value "
            f"and {_DETAIL_SQL.format(message='existing.message')} = {_DETAIL_SQL.format(message='new.message')})",
            [self.school, self.spec.kind],
        )
        return inserted

    def _replace_file_level_quarantine(
        self, source_file: str | None, reason: str, field: str | None, message: str, delivery_id: str | None
    ) -> None:
        assert reason in QUARANTINE_REASONS, reason
        self.con.execute(
            "delete from raw.quarantine where school_code = ? and file_kind = ? and source_line is null",
            [self.school, self.spec.kind],
        )
        write_quarantine_row(self.con, self.school, self.spec.kind, source_file, field, reason, message,
                             delivery_id, self.loaded_at)

    def _log(self, source_file: str | None, delivery_id: str | None, encoding: str | None, status: str,
             rows_loaded: int, rows_quarantined: int, message: str, rows_delivered: int | None = None) -> None:
        log_delivery(self.con, self.school, self.spec.kind, source_file, delivery_id, encoding, status,
                     rows_loaded, rows_quarantined, message, self.loaded_at, rows_delivered)
