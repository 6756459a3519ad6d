"""Parsing delivered files in worker processes while the main process writes to DuckDB.

Decoding and validating a file (validate.parse_file) is CPU work in polars that holds one core: threads
do not help (the GIL is held for much of it), processes do. DuckDB allows one writer, so the workers
only parse and hand back their frames (as Arrow tables, `_Shipped`); the caller writes them in order,
while the next files are being parsed. One pool serves every file kind of a run (spawning a worker costs about a second of imports);
a call with only a few files parses them in this process instead, so a one-school build pays nothing.

``PORTFOLIO_INGEST_WORKERS`` sets the number of worker processes (default: the number of CPUs, at most 4;
1 turns the pool off).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from pipelines.contract import FILES_BY_KIND
from pipelines.ingest.decoding import FileRejected
from pipelines.ingest.validate import ParsedFile, parse_file
from pipelines.processes import main_script_hidden, worker_count

MIN_FILES_FOR_POOL = 4  # fewer files than this are parsed in this process
IN_FLIGHT_PER_WORKER = 2  # parsed files waiting to be written stay few, so memory stays flat

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


@dataclass(frozen=True)
class ParseJob:
    path: Path
    kind: str  # contract FileSpec.kind
    source_file: str  # as quarantine messages name it


@dataclass(frozen=True)
class Rejection:
    """A FileRejected, as it crosses the process boundary (the exception itself does not pickle)."""

    reason: str
    message: str
    field: str | None
    encoding: str | None

    def exception(self) -> FileRejected:
        return FileRejected(self.reason, self.message, self.field, self.encoding)


@dataclass(frozen=True)
class _Shipped:
    """A worker's ParsedFile with its frames as Arrow tables: a school's course records pickle in ~7 ms so,
    ~27 ms as polars frames (and unpickle in 1 ms, not 4), on both sides of the pipe for every file."""

    parsed: ParsedFile

    @classmethod
    def pack(cls, parsed: ParsedFile) -> _Shipped:
        return cls(replace(parsed, rows=parsed.rows.to_arrow(), quarantine=parsed.quarantine.to_arrow()))

    def unpack(self) -> ParsedFile:
        return replace(self.parsed, rows=pl.from_arrow(self.parsed.rows), quarantine=pl.from_arrow(self.parsed.quarantine))


def workers() -> int:
    return worker_count("PORTFOLIO_INGEST_WORKERS")


def _parse(job: ParseJob) -> ParsedFile | Rejection:
    try:
        return parse_file(job.path.read_bytes(), FILES_BY_KIND[job.kind], job.source_file)
    except FileRejected as rejected:
        return Rejection(rejected.reason, rejected.message, rejected.field, rejected.encoding)


def _parse_in_worker(job: ParseJob) -> _Shipped | Rejection:
    outcome = _parse(job)
    return _Shipped.pack(outcome) if isinstance(outcome, ParsedFile) else outcome


def _get_pool(size: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size != size:
        shutdown()
        # spawn, not fork: polars' thread pool and open DuckDB connections do not survive a fork.
        # One polars thread per worker: the parallelism is across files.
        saved = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = "1"
        try:
            with main_script_hidden():
                _pool = ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("spawn"))
                # start the workers now, while __main__ is hidden
                for future in [_pool.submit(os.getpid) for _ in range(size)]:
                    future.result()
        finally:
            if saved is None:
                os.environ.pop("POLARS_MAX_THREADS", None)
            else:
                os.environ["POLARS_MAX_THREADS"] = saved
        _pool_size = size
    return _pool


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown)


def parse_all(jobs: Iterable[ParseJob]) -> Iterator[ParsedFile | Rejection]:
    """Each job's ParsedFile (or Rejection), in the order of `jobs`; parsing runs ahead of the consumer."""
    jobs = list(jobs)
    size = workers()
    if size <= 1 or len(jobs) < MIN_FILES_FOR_POOL:
        for job in jobs:
            yield _parse(job)
        return
    pool = _get_pool(size)
    pending: deque[Future] = deque()
    queue = iter(jobs)
    for job in queue:
        pending.append(pool.submit(_parse_in_worker, job))
        if len(pending) >= size * IN_FLIGHT_PER_WORKER:
            break
    while pending:
        result = pending.popleft().result()
        following = next(queue, None)
        if following is not None:
            pending.append(pool.submit(_parse_in_worker, following))
        yield result.unpack() if isinstance(result, _Shipped) else result
