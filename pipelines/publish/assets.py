"""Publishing in Dagster: every build ends by refreshing the dashboards' read-only copy."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from pipelines.dbt.assets import dbt_models
from pipelines.gate.assets import GATE_KEY
from pipelines.publish import DASHBOARD_TABLES, EXTRA_TABLES
from pipelines.resources import PortfolioResource
from pipelines.partitions import SCHOOLS

PUBLISH_KEY = dg.AssetKey(["published", "warehouse"])


@dg.asset(
    key=PUBLISH_KEY,
    group_name="publish",
    partitions_def=SCHOOLS,
    deps=[*(get_asset_key_for_model([dbt_models], model)
            for model in [*DASHBOARD_TABLES, *(table for _, table in EXTRA_TABLES)]), GATE_KEY],
    kinds={"duckdb"},
    description="Read-only copy of the marts, the gate results and the submissions that the Streamlit dashboards "
    "read (published/ beside the warehouse), replaced atomically so that dashboards keep working during a build.",
)
def published_warehouse(context: dg.AssetExecutionContext, portfolio: PortfolioResource) -> dg.MaterializeResult:
    from pipelines.publish import publish_schools, publish_warehouse

    settings = portfolio.settings
    from pipelines.export.confirmations import evaluate_all

    schools = [context.partition_key] if context.has_partition_key else None  # a school's build: only its rows
    # replies this build loaded open their dispute cases and count, before the dashboards' copy is made
    evaluate_all(settings.warehouse, schools)
    if schools:
        publication = publish_schools(settings.warehouse, settings.published, schools,
                                      memory_limit=settings.duckdb_memory)
    else:
        publication = publish_warehouse(settings.warehouse, settings.published, memory_limit=settings.duckdb_memory)
    portfolio.progress(context)(
        f"  發布儀表板資料 {publication.tables} 個資料表  {publication.rows:,} 列  {publication.seconds:6.1f}s"
    )
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(publication.path)),
        "tables": publication.tables,
        "rows": publication.rows,
    })


PUBLISH_ASSETS = [published_warehouse]
