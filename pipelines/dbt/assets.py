"""dbt models as Dagster assets; dbt tests become asset checks."""


import contextlib
import io
import os
import sys
import shutil
import time
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.dbt.project import dbt_project
from pipelines.resources import PortfolioResource

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


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=PortfolioTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, portfolio: PortfolioResource):
    os.environ["PORTFOLIO_WAREHOUSE"] = portfolio.warehouse  # profiles.yml reads it; dbt is a subprocess
    os.environ["PORTFOLIO_DUCKDB_MEMORY"] = portfolio.duckdb_memory
    started = time.perf_counter()
    target_path = dbt_project.target_path / "runs" / context.run.run_id
    models = checks = failed_checks = 0
    # dagster-dbt echoes every dbt log line to stdout; on the command line keep it for errors only.
    dbt_log = io.StringIO()
    events = dbt.cli(["build"], context=context, target_path=target_path).stream()
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
    except Exception:
        if portfolio.print_progress:
            failures = [line for line in dbt_log.getvalue().splitlines() if "ERROR" in line or "FAIL" in line]
            print("\n".join(failures[-40:]), file=sys.stderr, flush=True)
        raise
    finally:
        shutil.rmtree(target_path, ignore_errors=True)  # ~3 MB of artefacts per run otherwise
    portfolio.progress(context)(
        f"  dbt build  {models} 個模型  {checks} 項測試（未通過 {failed_checks}）  {time.perf_counter() - started:6.1f}s"
    )
