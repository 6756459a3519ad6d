"""Wall time and peak memory of the whole process tree, stage by stage.

psutil is not a dependency, so the sampler reads /proc itself: every `interval` seconds it sums the
resident set size (VmRSS) of this process and every descendant (dbt runs as a subprocess, the floor
and ingestion use worker processes). A stage's peak is the highest sum seen while it ran; the kernel's
own high-water marks (``getrusage``: RUSAGE_SELF, and RUSAGE_CHILDREN for finished children) are kept
beside it as a check on what sampling can miss between two samples.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    """parent pid → child pids, from /proc/<pid>/stat."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: the ppid is the 2nd field after ')'
        ppid = int(stat[stat.rindex(b")") + 2:].split(b" ", 2)[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss(root: int | None = None) -> int:
    """Bytes resident in `root` (default: this process) and all its descendants now."""
    root = root or os.getpid()
    tree = _children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except OSError:
            pass
        stack.extend(tree.get(pid, ()))
    return total


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    peak_rss: int = 0  # bytes, sampled over the process tree
    rows: int | None = None  # what the stage processed, for rows per second
    status: str = "ok"  # ok | failed | not available
    note: str = ""
    details: dict = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None


class Sampler:
    """A background thread sampling the process tree's RSS; `stage()` measures one stage."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self._peak = 0
        self.root: int | None = None  # whose process tree is sampled (None: this process's)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.stages: list[Stage] = []

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = tree_rss(self.root)
            with self._lock:
                self._peak = max(self._peak, rss)
            self._stop.wait(self.interval)

    def _reset(self) -> None:
        with self._lock:
            self._peak = tree_rss(self.root)

    def _read(self) -> int:
        with self._lock:
            return max(self._peak, tree_rss(self.root))

    @contextmanager
    def stage(self, name: str, rows: int | None = None, *, root: int | None = None) -> Iterator[Stage]:
        """Time the block and record the process tree's peak RSS while it runs: this process's tree, or
        `root`'s for a stage that runs in a worker process of its own (the idle harness is not the stage's)."""
        stage = Stage(name, rows=rows)
        release_memory()  # what earlier stages freed is not this stage's
        self.root = root
        self._reset()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        started = time.perf_counter()
        try:
            yield stage
        except Exception as error:
            stage.status, stage.note = "failed", f"{type(error).__name__}: {error}"[:300]
        finally:
            stage.seconds = time.perf_counter() - started
            children_after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
            # a child that finished during the stage and outgrew every sample (RUSAGE_CHILDREN only rises)
            child_peak = children_after if children_after > children_before else 0
            stage.peak_rss = max(self._read(), child_peak)
            self.root = None
            self.stages.append(stage)


def release_memory() -> None:
    """Collect garbage and hand freed heap back to the OS (glibc keeps it otherwise, and RSS with it)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def directory_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file()) if path.exists() else 0
