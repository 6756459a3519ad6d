"""Dagster definitions: ingestion → dbt → gate → publish, partitioned by school, run in one process
(DuckDB allows a single writer). Which job a build runs, and for which partition: pipelines/runs.py."""

from __future__ import annotations

import dagster as dg
from pipelines.dbt.project import dbt_executable, dbt_project, ensure_manifest
from pipelines.identity import install_masking
from pipelines.resources import PortfolioResource
from pipelines.partitions import BUILD_JOB, NATIONAL_JOB, SCHOOL_BUILD_JOB, WRITER_TAGS
from pipelines.runs import JobsOf
from pipelines.settings import Settings


def build_definitions(settings: Settings, **portfolio_overrides) -> dg.Definitions:
    install_masking()  # Dagster's and dbt's log lines pass through the one ID mask
    ensure_manifest()
    from pipelines.dbt.assets import PortfolioDbtCliResource, dbt_models, dbt_seeds, national_keys, unscoped_keys  # reads the manifest
    from pipelines.gate.assets import GATE_ASSETS, GATE_CHECKS
    from pipelines.ingest.assets import INGEST_ASSETS
    from pipelines.publish.assets import PUBLISH_ASSETS
    from pipelines.export.assets import EXPORT_ASSETS, EXPORT_JOB, EXPORT_SELECTION
    from pipelines.ops.jobs import OPS_JOBS
    from pipelines.ops.schedules import OPS_SCHEDULES
    from pipelines.ops.sensors import OPS_SENSORS

    # A build refreshes everything, the gate's stored results included, and evaluates the blocking gate
    # check, whose failure in a build is a warning (pipelines/gate/assets.py): it guards what is submitted
    # (exports), not the warehouse.
    build_selection = dg.AssetSelection.all() - dg.AssetSelection.assets(*EXPORT_ASSETS)  # exports run in EXPORT_JOB
    # A school's partition: the per-school models only, and no dbt tests (pipelines/ops/scoped.py); the
    # seeds, the national models and the tests wait for the national refresh.
    school_selection = (build_selection - dg.AssetSelection.assets(*unscoped_keys())).without_checks() \
        | dg.AssetSelection.checks(*GATE_CHECKS)
    # what one-school builds leave behind: the national marts and every dbt test, on the live warehouse
    national_selection = dg.AssetSelection.assets(*national_keys()) | dg.AssetSelection.checks_for_assets(dbt_models)
    build_jobs = JobsOf()  # the delivery job runs school_build from these same definitions (pipelines/runs.py)
    build_jobs.definitions = dg.Definitions(
        assets=[*INGEST_ASSETS, dbt_seeds, dbt_models, *GATE_ASSETS, *PUBLISH_ASSETS, *EXPORT_ASSETS],
        asset_checks=GATE_CHECKS,
        jobs=[dg.define_asset_job(BUILD_JOB, selection=build_selection, tags=WRITER_TAGS,
                                  description="Full build: every school, every model and dbt test (one run over every school's partition)."),
              dg.define_asset_job(SCHOOL_BUILD_JOB, selection=school_selection, tags=WRITER_TAGS,
                                  description="One school's build: a run of its partition of the same assets."),
              dg.define_asset_job(NATIONAL_JOB, selection=national_selection, tags=WRITER_TAGS,
                                  description="National marts (fct_national_*) and the full dbt test suite."),
              dg.define_asset_job(EXPORT_JOB, selection=EXPORT_SELECTION), *OPS_JOBS],
        sensors=OPS_SENSORS,  # a changed delivery starts that school's build (pipelines/ops)
        schedules=OPS_SCHEDULES,  # nightly gate per school, nightly national refresh, weekday reminder lists
        resources={
            "portfolio": PortfolioResource.from_settings(settings, **portfolio_overrides),
            "dbt": PortfolioDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
            "build_jobs": dg.ResourceDefinition.hardcoded_resource(build_jobs),
        },
        executor=dg.in_process_executor,
    )
    return build_jobs.definitions


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev` loads; settings come from PORTFOLIO_* variables when the location loads."""
    return build_definitions(Settings.resolve())
