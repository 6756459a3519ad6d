"""Dagster definitions: ingestion → dbt, run in one process (DuckDB allows a single writer)."""

from __future__ import annotations

import dagster as dg
from pipelines.dbt.project import dbt_executable, dbt_project, ensure_manifest
from pipelines.identity import install_masking
from pipelines.resources import PortfolioResource
from pipelines.settings import Settings

BUILD_JOB = "build_warehouse"
NATIONAL_JOB = "national_refresh"


def build_definitions(settings: Settings, **portfolio_overrides) -> dg.Definitions:
    install_masking()  # Dagster's and dbt's log lines pass through the one ID mask
    ensure_manifest()
    from pipelines.dbt.assets import PortfolioDbtCliResource, dbt_models, national_keys, unscoped_keys  # reads the manifest
    from pipelines.gate.assets import GATE_ASSETS, GATE_CHECKS
    from pipelines.ingest.assets import INGEST_ASSETS
    from pipelines.publish.assets import PUBLISH_ASSETS
    from pipelines.export.assets import EXPORT_ASSETS, EXPORT_JOB, EXPORT_SELECTION
    from pipelines.ops.jobs import OPS_JOBS, WRITER_TAGS
    from pipelines.ops.schedules import OPS_SCHEDULES
    from pipelines.ops.sensors import OPS_SENSORS

    # The build refreshes everything, the gate's stored results included, and evaluates the blocking gate
    # check, whose failure in a build is a warning (pipelines/gate/assets.py): it guards what is submitted
    # (exports), not the warehouse.
    build_selection = dg.AssetSelection.all() - dg.AssetSelection.assets(*EXPORT_ASSETS)  # exports run in EXPORT_JOB
    if portfolio_overrides.get("scoped_dbt"):
        # a school-scoped build runs the per-school models only, and no dbt tests (pipelines/ops/scoped.py):
        # those wait for the national refresh
        build_selection = (build_selection - dg.AssetSelection.assets(*unscoped_keys())).without_checks() \
            | dg.AssetSelection.checks(*GATE_CHECKS)
    # what one-school builds leave behind: the national marts and every dbt test, on the live warehouse
    national_selection = dg.AssetSelection.assets(*national_keys()) | dg.AssetSelection.checks_for_assets(dbt_models)
    return dg.Definitions(
        assets=[*INGEST_ASSETS, dbt_models, *GATE_ASSETS, *PUBLISH_ASSETS, *EXPORT_ASSETS],
        asset_checks=GATE_CHECKS,
        jobs=[dg.define_asset_job(BUILD_JOB, selection=build_selection),
              dg.define_asset_job(NATIONAL_JOB, selection=national_selection, tags=WRITER_TAGS,
                                  description="National marts (fct_national_*) and the full dbt test suite."),
              dg.define_asset_job(EXPORT_JOB, selection=EXPORT_SELECTION), *OPS_JOBS],
        sensors=OPS_SENSORS,  # a changed delivery starts that school's build (pipelines/ops)
        schedules=OPS_SCHEDULES,  # nightly gate per school, nightly national refresh, weekday reminder lists
        resources={
            "portfolio": PortfolioResource.from_settings(settings, **portfolio_overrides),
            "dbt": PortfolioDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        },
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev` loads; settings come from PORTFOLIO_* variables when the location loads."""
    return build_definitions(Settings.resolve())
