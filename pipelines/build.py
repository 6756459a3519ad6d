"""Run the Dagster graph headlessly, in this process, as runs of the project's Dagster instance.

`portfolio build`, `portfolio demo` and `portfolio refresh-national` execute the same jobs the UI shows
(pipelines/definitions.py) and record them in the instance under $DAGSTER_HOME, so the UI lists every
run, materialization and check evaluation they made. Without DAGSTER_HOME (tests, a bare checkout) the
runs go to an ephemeral instance and are forgotten.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.definitions import BUILD_JOB, NATIONAL_JOB, build_definitions
from pipelines.ops.jobs import SCHOOL_TAG
from pipelines.settings import Settings

# Dagster's own console logging is for the UI; on the command line our progress lines and the summary
# (which lists rejected files) say enough.
_QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}

# Runs that write the warehouse (tag portfolio/warehouse=writer) queue and go one at a time when the
# daemon launches them: DuckDB has one writer (pipelines/ops/jobs.py).
INSTANCE_CONFIG = """\
telemetry:
  enabled: false
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
    """Ingest every delivery (or only `schools`) and build the dbt models; True when every step succeeded.

    A full build runs on a copy of the warehouse that replaces it only when every step succeeded; the
    replaced file is kept in backups/ (pipelines/ops/backup.py). A build of some schools rebuilds only
    their rows, in place, and puts them back if it does not succeed (pipelines/ops/scoped.py) — unless
    the warehouse was never fully built by the current dbt project, then it is a full build. Either way a
    failed or killed build leaves the warehouse as it was.
    """
    from pipelines.ops import scoped
    from pipelines.ops.backup import safe_build, warehouse_lock

    announce = print if print_progress else None
    schools = list(schools or [])
    if schools:
        with warehouse_lock(settings.warehouse, announce):  # build_in_place and safe_build undo a killed scoped build
            reason = scoped.why_not_scoped(settings)
            if reason is None:
                return scoped.build_in_place(settings, lambda live: _run_job(live, schools, print_progress, scoped=True),
                                             schools, announce=announce)
        if announce:
            announce(f"  完整建置（{reason}）")
    return safe_build(settings, lambda work: _run_job(work, schools, print_progress),
                      announce=announce, schools=schools or None)


def refresh_national(settings: Settings, *, print_progress: bool = False) -> bool:
    """Rebuild the national marts (fct_national_*) and run every dbt test on the live warehouse.

    One-school builds leave both to full builds; this brings them up to date without rebuilding every
    school. The dbt asset takes the warehouse lock for the run (pipelines/dbt/assets.py). A warehouse that
    a one-school build could not use either (never fully built, or built by other models) gets a full build.
    """
    from pipelines.ops import scoped

    reason = scoped.why_not_scoped(settings)
    if reason is not None:
        if print_progress:
            print(f"  完整建置（{reason}）", flush=True)
        return run_build(settings, print_progress=print_progress)
    return _run_job(settings, [], print_progress, job_name=NATIONAL_JOB)


def _run_job(settings: Settings, schools: list[str] | None, print_progress: bool, *, scoped: bool = False,
             job_name: str = BUILD_JOB) -> bool:
    settings.export_to_environment()
    schools = list(schools or [])
    definitions = build_definitions(settings, schools=schools, scoped_dbt=scoped, print_progress=print_progress)
    tags = {SCHOOL_TAG: ",".join(schools)} if schools else {}
    with project_instance() as instance:
        result = definitions.resolve_job_def(job_name).execute_in_process(
            run_config=_QUIET, instance=instance, tags=tags, raise_on_error=False)
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data:
                print(f"步驟失敗 {event.step_key}: {event.step_failure_data.error.message.strip()}", flush=True)
    return result.success
