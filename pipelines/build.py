"""Run the Dagster graph headlessly, in this process, as runs of the project's Dagster instance.

`portfolio build` (a full build, or with --school a run of each school's partition), `portfolio demo`
and `portfolio refresh-national` execute the same jobs the UI shows (pipelines/definitions.py,
pipelines/runs.py) and record them in the instance under $DAGSTER_HOME, so the UI lists every run,
materialization and check evaluation they made. Without DAGSTER_HOME (tests, a bare checkout) the runs
go to an ephemeral instance and are forgotten.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines import runs
from pipelines.definitions import build_definitions
from pipelines.settings import Settings

# Runs that write the warehouse (tag portfolio/warehouse=writer) queue and go one at a time when the
# daemon launches them: DuckDB has one writer (pipelines/ops/jobs.py). The storage is Dagster's SQLite
# storage in its usual place under DAGSTER_HOME, writing each asset's events over many schools in one
# batch (pipelines/event_storage.py).
INSTANCE_CONFIG = """\
telemetry:
  enabled: false
storage:
  custom:
    module: pipelines.event_storage
    class: BatchedSqliteStorage
    config:
      base_dir:
        env: DAGSTER_HOME
run_queue:
  max_concurrent_runs: 4
  tag_concurrency_limits:
    - key: portfolio/warehouse
      value: writer
      limit: 1
"""


def write_instance_config(home: Path, *, replace: bool = False) -> Path:
    """DAGSTER_HOME/dagster.yaml (the Makefile and the CLI both write it from here)."""
    config = home / "dagster.yaml"
    if replace or not config.exists():
        home.mkdir(parents=True, exist_ok=True)
        config.write_text(INSTANCE_CONFIG, encoding="utf-8")
    return config


@contextlib.contextmanager
def project_instance() -> Iterator[dg.DagsterInstance]:
    """The instance runs are recorded in: $DAGSTER_HOME's when set, else an ephemeral one."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance
        return
    home_path = Path(home).resolve()  # Dagster refuses a relative DAGSTER_HOME
    os.environ["DAGSTER_HOME"] = str(home_path)
    write_instance_config(home_path)
    with dg.DagsterInstance.get() as instance:
        yield instance


def run_build(settings: Settings, *, schools: list[str] | None = None, print_progress: bool = False) -> bool:
    """A full build, or a build of `schools` (one partition run each), as runs of the project's instance.

    What each does and how a failure is undone: pipelines/runs.py ``build``.
    """
    definitions = build_definitions(settings, print_progress=print_progress)
    with project_instance() as instance:
        return runs.build(definitions.get_repository_def(), instance, settings, schools=schools,
                          print_progress=print_progress)


def refresh_national(settings: Settings, *, print_progress: bool = False) -> bool:
    """The national marts (fct_national_*) and every dbt test on the live warehouse (pipelines/runs.py)."""
    definitions = build_definitions(settings, print_progress=print_progress)
    with project_instance() as instance:
        return runs.refresh_national(definitions.get_repository_def(), instance, settings,
                                     print_progress=print_progress)
