"""dbt models as Dagster assets; dbt tests become asset checks.

The seeds (``dbt_seeds``) are the same for every school and not partitioned; the models (``dbt_models``)
are partitioned by school. Three ways to run the models (dbt_project/macros/school_scope.sql):

- a full build: `dbt build --full-refresh` of the seeds and their own tests, then of every model and
  every other test;
- a school's build (a run of the school's partition, pipelines/runs.py: `portfolio build --school` when
  pipelines/ops/scoped.py finds it safe, and the delivery sensor): `dbt run`, in this process
  (pipelines/dbt/in_process.py), of the per-school models downstream of a source whose rows of the
  school changed (pipelines/dbt/changes.py), with the partition's school in the environment variable
  PORTFOLIO_SCOPED_SCHOOLS, so each model replaces just that school's rows; the other selected models are
  reported as kept. The tests and the national models wait for the next full build or national refresh;
  the gate, which runs next, is the school's check;
- the national refresh (job ``national_refresh``, `portfolio refresh-national`, a nightly schedule):
  `dbt build` of the national models (tag ``national``) and every dbt test, on the live warehouse under
  the warehouse lock. Those models are plain tables that dbt replaces whole, so a failure leaves the last
  good table in place.
"""


import contextlib
import functools
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging import version

from pipelines.dbt.project import dbt_project
from pipelines.resources import PortfolioResource
from pipelines.partitions import NATIONAL_JOB, SCHOOLS

log = logging.getLogger(__name__)

# dbt folder → Dagster asset group
_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts", "exports": "exports"}


class PortfolioTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        for part in fqn[1:]:
            if part in _GROUPS:
                return _GROUPS[part]
        return super().get_group_name(dbt_resource_props)


SCOPE_VARIABLE = "PORTFOLIO_SCOPED_SCHOOLS"  # read by dbt_project/macros/school_scope.sql


NATIONAL_TAG = "national"  # dbt_project.yml: models that compare schools, rebuilt whole


def dbt_args(*, national: bool = False, seeds: bool = False) -> list[str]:
    """The dbt command of a full build (models and data tests), of the seeds, or of the national refresh; a
    one-school build runs dbt in this process (pipelines/dbt/in_process.py)."""
    if seeds:
        # the seeds and their own tests; a test from a model to a seed runs with the models, after both
        return ["build", "--full-refresh", "--indirect-selection", "cautious", "--exclude", "resource_type:unit_test"]
    if national:
        # the national models and every data test; the tests of the other models read their tables as they are
        return ["build", "--select", f"tag:{NATIONAL_TAG} resource_type:test", "--exclude", "resource_type:unit_test"]
    # dbt's unit tests check the SQL, not the data: the test suite runs them (tests/dbt), builds do not
    return ["build", "--full-refresh", "--exclude", "resource_type:unit_test"]


class PortfolioDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two costs per invocation that buy us nothing (~3.5 s of a
    one-school build): asking the dbt executable for its version in a subprocess (it is the dbt-core
    installed beside us), and loading the project into a dbt adapter in this process, which
    dagster-dbt uses only to fetch row counts and column metadata, neither of which we request."""

    @property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ANN001, ANN202 - dagster-dbt's private hook
        return None


def scoped_schools(context: dg.AssetExecutionContext) -> list[str]:
    """The school of the run's partition (empty in an unpartitioned run: every school)."""
    return [context.partition_key] if context.has_partition_key else []


def target_root() -> Path:
    """dbt's target folder (DbtProject.target_path is relative to the project)."""
    return Path(dbt_project.project_dir) / dbt_project.target_path


def _parse_cache(warehouse: str) -> Path:
    return target_root() / "partial_parse" / (hashlib.sha256(warehouse.encode()).hexdigest()[:16] + ".msgpack")


def seed_partial_parse(warehouse: str, target_path: Path) -> None:
    """Start the run from the partial-parse state the last run on this warehouse path left.

    dbt re-parses the whole project (~3 s) when the profile's path differs from the last parse, and
    dagster-dbt gives every run a fresh target folder seeded from target/partial_parse.msgpack; full builds
    (on the copy) and school-scoped builds (on the live file) use different paths, so each keeps its own.
    """
    cache = _parse_cache(warehouse)
    if cache.exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache, target_path / "partial_parse.msgpack")


def keep_partial_parse(warehouse: str, target_path: Path) -> None:
    fresh, cache = target_path / "partial_parse.msgpack", _parse_cache(warehouse)
    if fresh.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        staged = cache.with_name(f".{cache.name}.{os.getpid()}")
        shutil.copyfile(fresh, staged)
        os.replace(staged, cache)


def _manifest() -> dict[str, Any]:
    """target/manifest.json, read again only when dbt rewrote it (reading it is a tenth of a second)."""
    stat = dbt_project.manifest_path.stat()
    return _read_manifest(str(dbt_project.manifest_path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2)
def _read_manifest(path: str, mtime_ns: int, size: int) -> dict[str, Any]:  # noqa: ARG001 - the cache's key
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _manifest_keys(wanted) -> list[dg.AssetKey]:
    translator = PortfolioTranslator()
    return [translator.get_asset_key(node) for node in _manifest()["nodes"].values() if wanted(node)]


def _per_school(node: Mapping[str, Any]) -> bool:
    """A model a one-school build rebuilds: incremental per school, or a view (not a national table)."""
    return node["resource_type"] == "model" and node["config"].get("materialized") != "table"


def national_keys() -> list[dg.AssetKey]:
    """The models that compare schools (tag `national`): what the national refresh rebuilds."""
    return _manifest_keys(lambda node: node["resource_type"] == "model" and NATIONAL_TAG in node.get("tags", []))


def is_national_refresh(context: dg.AssetExecutionContext) -> bool:
    return context.run.job_name == NATIONAL_JOB


def _keyed_events(context: dg.AssetExecutionContext, dbt: DbtCliResource, args: list[str], target_path: Path):
    """dbt's events for a command that names its own selection, as this step's results.

    Given the run's context, dagster-dbt names every selected model and test on dbt's command line, and
    past 200 names runs dbt in a temporary copy of the project, where the seeds folder beside it
    (`../seeds`) is missing. So the national refresh selects by tag, and dbt's events are matched to the
    run's assets and checks by key.
    """
    invocation = dbt.cli(args, manifest=dbt_project.manifest_path, dagster_dbt_translator=PortfolioTranslator(),
                         target_path=target_path)
    for event in invocation.stream():
        if isinstance(event, dg.AssetMaterialization) and event.asset_key in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=event.asset_key, metadata=event.metadata)
        elif isinstance(event, dg.AssetCheckEvaluation) and \
                dg.AssetCheckKey(event.asset_key, event.check_name) in context.selected_asset_check_keys:
            yield dg.AssetCheckResult(asset_key=event.asset_key, check_name=event.check_name, passed=event.passed,
                                      severity=event.severity, metadata=event.metadata)


def unscoped_keys() -> list[dg.AssetKey]:
    """What a school-scoped build leaves to full builds: seeds and the national (plain table) models.

    It keeps the staging views: through them the per-school models depend on the ingestion assets, so
    Dagster runs ingestion first.
    """
    return _manifest_keys(lambda node: node["resource_type"] in ("seed", "model") and not _per_school(node))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=PortfolioTranslator(),
            select="resource_type:seed")
def dbt_seeds(context: dg.AssetExecutionContext, dbt: DbtCliResource, portfolio: PortfolioResource):
    """The seeds (code lists, crosswalks, the school directory): the same for every school, so not partitioned.
    A full build over 500 schools recorded each of the 41 seeds for every school: 20,500 of its events."""
    yield from _run_dbt(context, dbt, portfolio, seeds=True)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=PortfolioTranslator(),
            partitions_def=SCHOOLS, exclude="resource_type:seed")
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, portfolio: PortfolioResource):
    if not is_national_refresh(context):  # builds hold the warehouse lock around the whole run (pipelines/runs.py)
        yield from _run_dbt(context, dbt, portfolio)
        return
    from pipelines.ops.files import warehouse_lock
    from pipelines.ops.recovery import recover_locked

    settings = portfolio.settings
    with warehouse_lock(settings.warehouse, portfolio.progress(context)):  # runs from the UI or the schedule too
        recover_locked(settings, portfolio.progress(context))
        yield from _run_dbt(context, dbt, portfolio, national=True)


def dbt_key(name: str) -> dg.AssetKey:
    """The asset key of the dbt model or seed called `name` (each is in one of the two dbt asset definitions)."""
    from dagster_dbt import get_asset_key_for_model

    seeds = {node["name"] for node in _manifest()["nodes"].values() if node["resource_type"] == "seed"}
    return get_asset_key_for_model([dbt_seeds if name in seeds else dbt_models], name)


def _per_school_models() -> tuple[Any, dict[str, dict[str, Any]], dict[str, dg.AssetKey]]:
    """The project's lineage (pipelines/dbt/changes.py), its models and their asset keys."""
    from pipelines.dbt.changes import Lineage

    manifest = _manifest()
    translator = PortfolioTranslator()
    models = {key: node for key, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    return Lineage.from_manifest(manifest), models, {key: translator.get_asset_key(node) for key, node in models.items()}


def _school_plan(context: dg.AssetExecutionContext, portfolio: PortfolioResource, school: str):
    """The one-school run's plan (pipelines/dbt/changes.py), each model's name and asset key."""
    from pipelines.dbt.changes import plan_school_run

    lineage, models, asset_keys = _per_school_models()
    selected = [key for key, asset_key in asset_keys.items() if asset_key in context.selected_asset_keys]
    with portfolio.connect() as con:
        plan = plan_school_run(con, con.execute("select current_database()").fetchall()[0][0], lineage, school,
                               selected, [key for key, node in models.items() if _per_school(node)])
    return plan, {key: node["name"] for key, node in models.items()}, asset_keys, lineage.order


def foreseen_models(settings, school: str) -> tuple[set[dg.AssetKey], set[dg.AssetKey], set[str]]:
    """(every per-school model, those a build of `school` will rebuild, the raw tables its ingestion will
    write): the models downstream of a source whose rows of the school changed since its last build, or
    that ingesting its folder now will change (pipelines/ingest/preview.py). Read-only; the run itself
    decides again (``_school_plan``, and ingestion file by file)."""
    from pipelines.dbt.changes import changed_tables, downstream_of
    from pipelines.ingest.preview import tables_to_change
    from pipelines.warehouse import connect

    lineage, models, asset_keys = _per_school_models()
    with connect(settings.warehouse, read_only=True, memory_limit=settings.duckdb_memory) as con:
        database = con.execute("select current_database()").fetchall()[0][0]
        ingested = tables_to_change(con, settings.source, school)
        tables = changed_tables(con, database, lineage, school) | ingested
    rebuilt = downstream_of(lineage, tables)
    per_school = {key: asset_keys[key] for key, node in models.items() if _per_school(node)}
    return set(per_school.values()), {asset_key for key, asset_key in per_school.items() if key in rebuilt}, ingested


def _school_events(plan, names: Mapping[str, str], asset_keys: Mapping[str, dg.AssetKey], order: Iterable[str],
                   warehouse: str, target_path: Path):
    """The plan's models run by dbt in this process (pipelines/dbt/in_process.py), reported in dependency order."""
    from pipelines.dbt.in_process import run_models

    built = {run.unique_id: run for run in run_models([names[key] for key in plan.to_run], warehouse, target_path)}
    for key in order:
        if key in built:
            yield dg.MaterializeResult(asset_key=asset_keys[key], metadata={
                "rebuilt": True, "execution_seconds": round(built[key].seconds, 3)})


def _run_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, portfolio: PortfolioResource, *,
             national: bool = False, seeds: bool = False):
    schools = [] if national or seeds else scoped_schools(context)
    os.environ["PORTFOLIO_WAREHOUSE"] = portfolio.warehouse  # profiles.yml reads it; dbt is a subprocess
    os.environ["PORTFOLIO_DUCKDB_MEMORY"] = portfolio.duckdb_memory
    # macros/school_scope.sql reads the scope; put back afterwards, so that nothing this process starts later
    # (another run, a dbt call of its own) inherits this run's schools
    scope_before = os.environ.get(SCOPE_VARIABLE)
    os.environ[SCOPE_VARIABLE] = ",".join(schools)
    started = time.perf_counter()
    target_path = target_root() / "runs" / context.run.run_id
    models = checks = failed_checks = 0
    # dagster-dbt echoes every dbt log line to stdout; on the command line keep it for errors only.
    dbt_log = io.StringIO()
    seed_partial_parse(portfolio.warehouse, target_path)
    plan = names = asset_keys = None
    if national:
        events = _keyed_events(context, dbt, dbt_args(national=True), target_path)
    elif schools:
        (school,) = schools  # a run of one school's partition
        plan, names, asset_keys, order = _school_plan(context, portfolio, school)
        yield from _kept_results(plan, asset_keys)  # never downstream of a model that runs: yielded first
        events = _school_events(plan, names, asset_keys, order, portfolio.warehouse, target_path) \
            if plan.to_run else iter(())
    else:
        events = dbt.cli(dbt_args(seeds=seeds), context=context, target_path=target_path).stream()
    try:
        while True:
            with contextlib.redirect_stdout(dbt_log) if portfolio.print_progress else contextlib.nullcontext():
                event = next(events, None)
            if event is None:
                break
            if isinstance(event, dg.Output | dg.MaterializeResult):
                models += 1
            elif isinstance(event, dg.AssetCheckResult):
                checks += 1
                failed_checks += not event.passed
            yield event
        keep_partial_parse(portfolio.warehouse, target_path)
    except Exception:
        if portfolio.print_progress:
            failures = [line for line in dbt_log.getvalue().splitlines() if "ERROR" in line or "FAIL" in line]
            log.error("dbt：\n%s", "\n".join(failures[-40:]))
        raise
    finally:
        shutil.rmtree(target_path, ignore_errors=True)  # ~3 MB of artefacts per run otherwise
        if scope_before is None:
            os.environ.pop(SCOPE_VARIABLE, None)
        else:
            os.environ[SCOPE_VARIABLE] = scope_before
    if plan is not None:
        from pipelines.dbt.changes import replace_school_fingerprints

        with portfolio.connect() as con:  # the school's models are built from these inputs now
            replace_school_fingerprints(con, con.execute("select current_database()").fetchall()[0][0], plan.school,
                                        plan.fingerprints)
    if not schools and not national and not seeds and not context.is_subset:
        from pipelines.dbt.changes import Lineage
        from pipelines.ops.scoped import record_full_build

        with portfolio.connect() as con:  # every model rebuilt by this project: scoped builds may follow
            record_full_build(con, con.execute("select current_database()").fetchall()[0][0],
                              Lineage.from_manifest(_manifest()).tables.values())
    if plan is not None:
        command = f"run（僅 {'、'.join(schools)}；{len(plan.kept)} 個模型的輸入未變，沿用）"
    else:
        command = "build（全國比對模型與全部測試）" if national else "build（代碼表 seeds）" if seeds else "build"
    portfolio.progress(context)(
        f"  dbt {command}  {models} 個模型  {checks} 項測試（未通過 {failed_checks}）  {time.perf_counter() - started:6.1f}s"
    )


def _kept_results(plan, asset_keys: Mapping[str, dg.AssetKey]):
    """The selected models a one-school run does not need to run (no input of the school changed since its
    last build): their rows of the school stand, and each is still reported so that the gate and
    publishing downstream run."""
    for key in plan.kept:
        yield dg.MaterializeResult(asset_key=asset_keys[key], metadata={
            "rebuilt": False, "why": "no input of the school changed since its last build: its rows stand"})
