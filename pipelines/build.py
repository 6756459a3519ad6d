"""Run the whole Dagster graph headlessly, in this process (what `portfolio build` does)."""

from __future__ import annotations

from pipelines.definitions import BUILD_JOB, build_definitions
from pipelines.settings import Settings

# Dagster's own console logging is for the UI; on the command line our progress lines and the summary
# (which lists rejected files) say enough.
_QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


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


def _run_job(settings: Settings, schools: list[str] | None, print_progress: bool, *, scoped: bool = False) -> bool:
    settings.export_to_environment()
    definitions = build_definitions(settings, schools=list(schools or []), scoped_dbt=scoped, print_progress=print_progress)
    result = definitions.resolve_job_def(BUILD_JOB).execute_in_process(run_config=_QUIET, raise_on_error=False)
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data:
                print(f"步驟失敗 {event.step_key}: {event.step_failure_data.error.message.strip()}", flush=True)
    return result.success
