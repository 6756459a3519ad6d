"""`portfolio refresh-national`: the national marts and every dbt test, after one-school builds."""

from __future__ import annotations

import argparse
import time

from pipelines.cli_args import add_warehouse


def add_parser(subparsers) -> argparse.ArgumentParser:
    refresh = subparsers.add_parser(
        "refresh-national", help="rebuild the national marts (fct_national_*) and run every dbt test",
        description="`portfolio build --school` rebuilds one school's rows and leaves the models that compare "
        "schools (fct_national_*) and the dbt tests to full builds. This runs them on the live warehouse, under "
        "the warehouse lock, as the Dagster job national_refresh (the nightly schedule runs the same); with "
        "$DAGSTER_HOME set the run is recorded in that Dagster instance. A warehouse never fully built by the "
        "current dbt models gets a full build instead.",
    )
    add_warehouse(refresh)
    return refresh


def run(args: argparse.Namespace) -> int:
    from pipelines.build import refresh_national
    from pipelines.settings import Settings

    settings = Settings.resolve(warehouse=args.warehouse)
    print(f"全國比對模型與 dbt 測試 {settings.warehouse}", flush=True)
    started = time.perf_counter()
    ok = refresh_national(settings, print_progress=True)
    print(f"{'完成' if ok else '失敗'}，共 {time.perf_counter() - started:.1f}s", flush=True)
    return 0 if ok else 1
