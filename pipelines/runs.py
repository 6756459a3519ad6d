"""Builds as runs of the Dagster graph: which job, which partition, and what wraps the run.

The graph (pipelines/definitions.py) is partitioned by school: every asset a build writes per school
(ingestion, the dbt models, the gate, publishing) has the dynamic partitions ``schools``, one per
學校代碼, added whenever a build or the delivery sensor sees the school's folder.

- A one-school build is a run of job ``school_build`` for that school's partition: the same assets, the
  per-school dbt models only (the partition's school reaches dbt as PORTFOLIO_SCOPED_SCHOOLS,
  dbt_project/macros/school_scope.sql), no dbt tests, the gate's blocking check. It runs on the live
  warehouse under the warehouse lock and an undo journal (``scoped.in_place``), which puts the school's
  rows back when the run fails. Several schools: one partition run each, inside one undo journal. The
  guard belongs to the run itself (pipelines/run_guard.py, entered by the resource ``portfolio``), so a
  run launched from the UI, ``dagster job launch`` or a backfill has it too; ``build()`` holds it around
  its runs instead (to keep one journal for several schools), and its runs do not take it again.
- A full build is one run of ``build_warehouse`` over every school's partition (a partition range from
  the first school to the last): every asset over every school, dbt's ``build --full-refresh`` with
  every test, in one dbt invocation (a run per partition would pay dbt's fixed cost and the national
  models once per school; the assets read a range over every partition as "every school", so folders
  that are no school's are recorded too). It runs on a copy swapped in only on success
  (``backup.safe_build``). Not an unpartitioned run: Dagster 1.13 cannot run partitioned assets that
  depend on each other without a partition or a range.
- The national refresh is a run of ``national_refresh`` over every partition, likewise.

Plain orchestration over a set of job definitions: pipelines/build.py passes the Definitions it built,
the delivery job in pipelines/ops/jobs.py its resource ``build_jobs`` (``JobsOf`` its own definitions), so
neither imports the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

import dagster as dg

from pipelines.partitions import BUILD_JOB, NATIONAL_JOB, SCHOOL_BUILD_JOB, SCHOOL_TAG, add_school_partitions, every_partition
from pipelines.run_guard import guard_held
from pipelines.settings import Settings

log = logging.getLogger(__name__)

# Dagster's own console logging is for the UI; on the command line our progress lines and the summary
# (which lists rejected files) say enough.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}

class Jobs(Protocol):
    """Where the build's jobs are looked up by name: a RepositoryDefinition, or `JobsOf`."""

    def get_job(self, name: str) -> dg.JobDefinition: ...


class JobsOf:
    """The jobs of the Definitions that hold this object (as the resource ``build_jobs``), once they exist:
    how the delivery job runs the school's partition of ``school_build`` from the same definitions."""

    def __init__(self) -> None:
        self.definitions: dg.Definitions | None = None

    def get_job(self, name: str) -> dg.JobDefinition:
        if self.definitions is None:
            raise RuntimeError("JobsOf: the definitions are not built yet")
        return self.definitions.resolve_job_def(name)


def run_job(jobs: Jobs, instance: dg.DagsterInstance, settings: Settings, job_name: str, *,
            partition_key: str | None = None, selection: list[dg.AssetKey] | None = None,
            print_progress: bool = False) -> bool:
    """Execute one job in this process as a run of `instance`, its resource pointed at `settings`; only the
    `selection` of its assets when given (a school's run of ``school_build``: ``school_selection``).
    """
    from pipelines.resources import PortfolioResource

    settings.export_to_environment()
    tags = {SCHOOL_TAG: partition_key} if partition_key else every_partition(instance)
    job = jobs.get_job(job_name)
    if selection is not None:  # the job's checks of those assets (its blocking gate check), not every dbt test
        job = job.get_subset(asset_selection=set(selection), asset_check_selection={
            check for check in job.asset_layer.asset_graph.asset_check_keys if check.asset_key in selection})
    result = job.execute_in_process(
        run_config=QUIET, instance=instance, partition_key=partition_key, tags=tags, raise_on_error=False,
        resources={"portfolio": PortfolioResource.from_settings(settings, print_progress=print_progress)})
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data:
                log.error("步驟失敗 %s: %s", event.step_key, event.step_failure_data.error.message.strip())
    return result.success


def school_selection(job: dg.JobDefinition, settings: Settings, school: str) -> list[dg.AssetKey] | None:
    """The assets of `job` a build of `school` needs: all but the raw tables its ingestion leaves as they are
    (the same file as last time, pipelines/ingest/preview.py) and the per-school dbt models that no change of
    the school reaches (pipelines/dbt/changes.py), so that the run neither runs nor reports them (each asset
    a run reports costs Dagster two events and its checks). None (the whole job) when that cannot be
    foreseen; the steps then find out themselves, and the dbt step reports the models it keeps as kept.
    A file that changes after this look waits for the next build, as one that arrives during ingestion."""
    import duckdb

    from pipelines.dbt.assets import foreseen_models
    from pipelines.ingest.assets import INGESTED_KEYS, LOG_KEYS

    try:
        models, rebuilt, ingested = foreseen_models(settings, school)
    except (duckdb.Error, OSError) as error:
        log.warning("無法預先判斷 %s 需重建的模型（%s），整個工作照常執行", school, error)
        return None
    raw = {*INGESTED_KEYS, *LOG_KEYS}

    def needed(key: dg.AssetKey) -> bool:
        if key in models:
            return key in rebuilt
        if key in raw:
            return ".".join(key.path) in ingested
        return True

    return [key for key in job.asset_layer.selected_asset_keys if needed(key)]


def written_tables(selections: Iterable[list[dg.AssetKey] | None]) -> set[str] | None:
    """The warehouse tables ("schema.table") runs of these selections may write: their raw tables and dbt
    models (whose asset keys are schema and name), besides what every run writes (pipelines/ops/undo.py
    EVERY_RUN_WRITES). None when a run has no selection: it may write any."""
    tables: set[str] = set()
    for selection in selections:
        if selection is None:
            return None
        tables |= {".".join(key.path) for key in selection if len(key.path) == 2}
    return tables


def build(jobs: Jobs, instance: dg.DagsterInstance, settings: Settings, *, schools: list[str] | None = None,
          print_progress: bool = False) -> bool:
    """Ingest every delivery (or only `schools`) and build the dbt models; True when every step succeeded.

    A full build runs on a copy of the warehouse that replaces it only when every step succeeded; the
    replaced file is kept in backups/ (pipelines/ops/backup.py). A build of some schools rebuilds only
    their rows, in place, one partition run per school, and puts them back if one does not succeed
    (pipelines/ops/scoped.py) — unless the warehouse was never fully built by the current dbt project,
    then it is a full build. Either way a failed or killed build leaves the warehouse as it was.
    """
    from pipelines.ingest.layout import discover_schools
    from pipelines.ops import scoped
    from pipelines.ops.backup import safe_build
    from pipelines.ops.files import warehouse_lock

    announce: Callable[[str], None] | None = print if print_progress else None
    schools = list(dict.fromkeys(schools or []))
    add_school_partitions(instance, [*discover_schools(settings.source), *schools])
    if schools:
        # the guard of the runs, held once for every school: one undo journal (the runs' own build_guard stands aside)
        with warehouse_lock(settings.warehouse, announce), guard_held(settings.warehouse):
            reason = scoped.why_not_scoped(settings)
            if reason is None:
                job = jobs.get_job(SCHOOL_BUILD_JOB)
                selections: dict[str, list[dg.AssetKey] | None] = {}

                def foresee() -> set[str] | None:
                    """Each school's run's assets, and so the tables the runs will write (the undo journal's)."""
                    selections.update({school: school_selection(job, settings, school) for school in schools})
                    return written_tables(selections.values())

                def each_school(live: Settings) -> bool:
                    return all(run_job(jobs, instance, live, SCHOOL_BUILD_JOB, partition_key=school,
                                       selection=selections.get(school), print_progress=print_progress)
                               for school in schools)

                return scoped.build_in_place(settings, each_school, schools, announce=announce, foresee=foresee)
        if announce:
            announce(f"  完整建置（{reason}）")
    if not every_partition(instance):  # Dagster runs the partitioned graph over partitions: no school, no run
        log.error("來源資料夾 %s 下沒有學校資料夾，沒有可建置的學校", settings.source)
        return False

    def build_copy(work: Settings) -> bool:
        with guard_held(work.warehouse):  # build() made the copy: the run's own guard stands aside
            return run_job(jobs, instance, work, BUILD_JOB, print_progress=print_progress)

    return safe_build(settings, build_copy, announce=announce, schools=schools or None)


def refresh_national(jobs: Jobs, instance: dg.DagsterInstance, settings: Settings, *,
                     print_progress: bool = False) -> bool:
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
        return build(jobs, instance, settings, print_progress=print_progress)
    add_school_partitions(instance, _built_schools(settings))  # a run over every partition needs them
    return run_job(jobs, instance, settings, NATIONAL_JOB, print_progress=print_progress)


def _built_schools(settings: Settings) -> list[str]:
    """The schools the warehouse holds (the national refresh may run where no source folder is at hand)."""
    import duckdb

    from pipelines.warehouse import connect

    try:
        with connect(settings.warehouse, read_only=True, memory_limit=settings.duckdb_memory) as con:
            return [row[0] for row in con.execute(
                "select distinct school_code from raw.school_policies order by 1").fetchall()]
    except duckdb.Error:
        return []
