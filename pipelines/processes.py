"""Worker processes for the work that holds one core in Python: parsing delivered files, the gate's
validation, writing workbooks, generating sample schools.

Spawned, not forked: polars' thread pool and open DuckDB connections do not survive a fork. Each kind of
work has its own environment variable for the number of workers (default: one per CPU, at most 4; 1 turns
the pool off).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

MAX_WORKERS = 4


def worker_count(variable: str) -> int:
    """The number of worker processes `variable` asks for, else one per CPU (at most MAX_WORKERS)."""
    configured = os.environ.get(variable, "").strip()
    if configured.isdigit() and int(configured) >= 1:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


@contextmanager
def main_script_hidden() -> Iterator[None]:
    """Spawned workers re-import a ``__main__`` that is a file; they need nothing from it, so hide it."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


@contextmanager
def spawned_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` spawned processes, gone when the block ends."""
    with main_script_hidden(), ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool
