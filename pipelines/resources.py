"""The Dagster resource that carries the settings into assets."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.settings import Settings
from pipelines.warehouse import connect

log = logging.getLogger(__name__)

PROGRESS_LINES_PER_MESSAGE = 100


class PortfolioResource(dg.ConfigurableResource):
    """Paths and limits of one deployment; `schools` narrows an unpartitioned run to some schools (empty: all).

    A run of a school's partition is about that school whatever `schools` says (``run_schools``).
    """

    warehouse: str
    source: str
    duckdb_memory: str = "4GB"
    schools: list[str] = []
    print_progress: bool = False  # the CLI asks for one line per stage in its log (stderr)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> PortfolioResource:
        return cls(
            warehouse=str(settings.warehouse),
            source=str(settings.source),
            duckdb_memory=settings.duckdb_memory,
            **overrides,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[PortfolioResource]:
        """Once around a whole run (the in-process executor): a build's guard (pipelines/run_guard.py). A full
        build launched outside build() works on a copy of the warehouse: the run gets this resource pointed at it."""
        from pipelines.run_guard import build_guard

        with build_guard(context, self.settings) as settings:
            moved = settings.warehouse != self.warehouse_path
            yield self.model_copy(update={"warehouse": str(settings.warehouse)}) if moved else self

    @property
    def settings(self) -> Settings:
        """The deployment's settings with this resource's paths and memory limit (what runs and ops work with)."""
        return dataclasses.replace(Settings.resolve(warehouse=self.warehouse, source=self.source),
                                   duckdb_memory=self.duckdb_memory)

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse)

    @property
    def source_path(self) -> Path:
        return Path(self.source)

    @property
    def school_filter(self) -> list[str] | None:
        return list(self.schools) or None

    def run_schools(self, context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> list[str] | None:
        """The schools this run is about: its partition's school, the schools of a run over some partitions,
        else `schools`; None means every school (an unpartitioned run, or a run over every partition)."""
        from pipelines.partitions import run_partitions

        partitions = run_partitions(context.run, context.instance)
        return self.school_filter if partitions is None else partitions

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(self.warehouse_path, read_only=read_only, memory_limit=self.duckdb_memory) as con:
            yield con

    def progress(self, context: dg.AssetExecutionContext) -> Callable[[str], None]:
        def report(line: str) -> None:
            context.log.info(line)
            if self.print_progress:
                log.info(line)

        return report

    @contextmanager
    def progress_lines(self, context: dg.AssetExecutionContext, every: int = PROGRESS_LINES_PER_MESSAGE
                       ) -> Iterator[Callable[[str], None]]:
        """`progress` for a line per school: the command line gets each line as it comes, Dagster's log
        `every` lines to a message (each message is an event in the instance's database, ~3 ms: the nation's
        1,000 gate lines and 1,500 export lines were 7 s of a build)."""
        pending: list[str] = []

        def flush() -> None:
            if pending:
                context.log.info("\n".join(pending))
                pending.clear()

        def report(line: str) -> None:
            if self.print_progress:
                log.info(line)
            pending.append(line)
            if len(pending) >= every:
                flush()

        try:
            yield report
        finally:
            flush()
