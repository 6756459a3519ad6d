"""Exports and receipt reconciliation in Dagster, downstream of the gate and its blocking check.

- ``exports/central_workbooks``: every school's 名冊 folders (terms 1, 2 and the whole year) of its latest
  academic year (or the configured one) under <warehouse dir>/exports, as `portfolio export --all` writes
  them. It depends on gate/rule_results, whose blocking check `gate_passes` keeps it from running while
  any school fails the gate (then export the passing schools, or a partial export, from the command line).
  Submitted folders are never rewritten; an unchanged export of a submitted folder writes nothing.
- ``exports/receipt_reconciliations``: the latest submission of every school, year and term whose receipt
  is under the source root (<school>/receipts/收訖明細_<學年度>_<學期>.csv) and not yet reconciled (same
  bytes, same submission) reconciled into submissions.reconciliation_items, with the per-class lists
  under <warehouse dir>/reports/receipts.

Neither is part of the build job: they run in the `export_submissions` job (gate → check → exports →
reconciliation) or when materialized from the UI.
"""


import datetime as dt

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from pipelines.dbt.assets import dbt_models
from pipelines.export.layout import WORKBOOKS
from pipelines.gate.assets import GATE_KEY
from pipelines.resources import PortfolioResource

EXPORT_GROUP = "submissions"
EXPORTS_KEY = dg.AssetKey(["exports", "central_workbooks"])
RECONCILIATIONS_KEY = dg.AssetKey(["exports", "receipt_reconciliations"])
EXPORT_JOB = "export_submissions"


def _settings(portfolio: PortfolioResource):
    """The run's settings, after settling what a killed process left (never waits for a running build)."""
    from pipelines.ops.recovery import recover_before_use

    settings = portfolio.settings
    recover_before_use(settings)
    return settings


class ExportConfig(dg.Config):
    out: str | None = None  # default: exports/ beside the warehouse
    academic_year: int | None = None  # default: each school's latest year on record
    allow_partial: bool = False
    as_of: str | None = None  # ISO date for the gate's deadline warnings; default today


@dg.asset(
    key=EXPORTS_KEY,
    group_name=EXPORT_GROUP,
    deps=[GATE_KEY, *(get_asset_key_for_model([dbt_models], workbook.model) for workbook in WORKBOOKS)],
    kinds={"excel"},
    description="The central-database 名冊 workbooks and manifest.json per school, term and whole year "
    "(exports.md), under exports/ beside the warehouse; waits for the blocking gate check.",
)
def central_workbooks(context: dg.AssetExecutionContext, config: ExportConfig, portfolio: PortfolioResource) -> dg.MaterializeResult:
    from pathlib import Path

    from pipelines.export.core import BLOCKED, export_all, status_line

    settings = _settings(portfolio)
    out = Path(config.out) if config.out else settings.exports_dir
    with portfolio.progress_lines(context) as say:
        outcomes = export_all(settings, out, year=config.academic_year, allow_partial=config.allow_partial,
                              as_of=dt.date.fromisoformat(config.as_of) if config.as_of else None,
                              schools=portfolio.school_filter, stored_gate=True,
                              progress=lambda outcome: say("  " + status_line(outcome)))
    return dg.MaterializeResult(metadata={
        "out": dg.MetadataValue.path(str(out)),
        "folders_written": sum(outcome.status == "written" for outcome in outcomes),
        "folders_unchanged": sum(outcome.status == "unchanged" for outcome in outcomes),
        "folders_blocked": sum(outcome.status == BLOCKED for outcome in outcomes),
        "folders": dg.MetadataValue.md("| school | folder | status | rows |\n|---|---|---|---|\n" + "\n".join(
            f"| {outcome.school} | {outcome.label} | {outcome.status} | {sum(outcome.rows.values())} |" for outcome in outcomes)),
    })


@dg.asset(
    key=RECONCILIATIONS_KEY,
    group_name=EXPORT_GROUP,
    deps=[EXPORTS_KEY],
    kinds={"duckdb"},
    description="Each submission's receipt (收訖明細) compared with what was submitted: received, rejected, missing, "
    "unexpected, in submissions.reconciliation_items and one list per class under reports/receipts/.",
)
def receipt_reconciliations(context: dg.AssetExecutionContext, portfolio: PortfolioResource) -> dg.MaterializeResult:
    from pipelines.export.layout import receipt_path
    from pipelines.export.reconcile import ReconcileError, already_reconciled, reconcile
    from pipelines.export.submission import recorded_submissions

    settings = _settings(portfolio)
    wanted = set(portfolio.school_filter or [])
    latest = {}
    for submission in recorded_submissions(settings.warehouse):
        if not wanted or submission.school in wanted:
            latest[(submission.school, submission.year, submission.term)] = submission  # ordered by revision
    totals = {"received": 0, "rejected": 0, "missing": 0, "unexpected": 0}
    reconciled = 0
    for (school, year, term), submission in sorted(latest.items()):
        receipt = receipt_path(settings.source, school, year, term)
        if not receipt.is_file() or already_reconciled(settings.warehouse, submission.submission_id, receipt):
            continue
        try:
            result = reconcile(settings, school, year, term, reports=settings.receipt_reports_dir)
        except ReconcileError as error:
            context.log.warning(str(error))
            continue
        reconciled += 1
        for outcome in totals:
            totals[outcome] += result.count(outcome)
        portfolio.progress(context)(
            f"  收訖核對 {school} {year}_{term}  " + "  ".join(f"{outcome} {result.count(outcome)}" for outcome in totals))
    return dg.MaterializeResult(metadata={"receipts_reconciled": reconciled, **totals})


EXPORT_ASSETS = [central_workbooks, receipt_reconciliations]
# the gate (and with it its blocking check), then the exports it allows, then the receipts
EXPORT_SELECTION = dg.AssetSelection.assets(GATE_KEY, EXPORTS_KEY, RECONCILIATIONS_KEY)
