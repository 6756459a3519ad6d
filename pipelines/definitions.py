"""Dagster definitions: ingestion → dbt, run in one process (DuckDB allows a single writer)."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.dbt.project import dbt_executable, dbt_project, ensure_manifest
from pipelines.resources import PortfolioResource
from pipelines.settings import Settings

BUILD_JOB = "build_warehouse"


def build_definitions(settings: Settings, **portfolio_overrides) -> dg.Definitions:
    ensure_manifest()
    from pipelines.dbt.assets import dbt_models  # reads the manifest at import
    from pipelines.gate.assets import GATE_ASSETS, GATE_CHECKS
    from pipelines.ingest.assets import INGEST_ASSETS

    # The build refreshes everything, the gate's stored results included, whatever the gate says; the
    # blocking gate check guards what is submitted (exports), not the warehouse.
    build_selection = dg.AssetSelection.all() - dg.AssetSelection.checks(*GATE_CHECKS)
    return dg.Definitions(
        assets=[*INGEST_ASSETS, dbt_models, *GATE_ASSETS],
        asset_checks=GATE_CHECKS,
        jobs=[dg.define_asset_job(BUILD_JOB, selection=build_selection)],
        resources={
            "portfolio": PortfolioResource.from_settings(settings, **portfolio_overrides),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        },
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev` loads; settings come from PORTFOLIO_* variables when the location loads."""
    return build_definitions(Settings.resolve())
