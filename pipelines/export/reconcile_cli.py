"""`portfolio reconcile`: the ministry's 收訖明細 against what was submitted.

Exit 0 when every submitted row was received, 1 when some were rejected, missing or unexpected (the
lists tell whom to tell), 2 for bad usage or nothing to reconcile.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.cli_args import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, add_warehouse, built_settings
from pipelines.export.cli import add_target


def add_parser(subparsers) -> argparse.ArgumentParser:
    reconcile = subparsers.add_parser(
        "reconcile", help="compare the ministry's receipt (收訖明細) with the submission",
        description="Read <source>/<學校代碼>/receipts/收訖明細_<學年度>_<學期>.csv (UTF-8 or Big5) and compare it "
        "with the latest submission of that school, year and term: rows received, rejected (with the ministry's "
        "reason), submitted but missing from the receipt, and in the receipt but never sent. Results go to the "
        "warehouse (submissions.reconciliations, submissions.reconciliation_items) and to one CSV per class "
        "for students to confirm.",
    )
    add_target(reconcile, term_required=True)
    reconcile.add_argument("--source", type=Path, help="delivery root with the receipts; default $PORTFOLIO_SOURCE or data/source")
    reconcile.add_argument("--receipt", type=Path, metavar="CSV", help="this receipt file instead of the one under --source")
    reconcile.add_argument("--reports", type=Path, metavar="DIR",
                           help="where the per-class lists go (default <warehouse dir>/reports/receipts/<學校代碼>/<資料夾>/)")
    reconcile.add_argument("--no-store", action="store_true", help="do not record the result in the warehouse")
    add_warehouse(reconcile)
    return reconcile


def run(args: argparse.Namespace) -> int:
    settings = built_settings(args.warehouse, source=args.source)
    if settings is None:
        return EXIT_USAGE

    from pipelines.export.reconcile import OUTCOME_LABELS, ReconcileError, reconcile

    try:
        result = reconcile(settings, args.school, args.year, args.term,
                           receipt_file=args.receipt, reports=args.reports, store=not args.no_store)
    except ReconcileError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    if not args.no_store:
        from pipelines.publish import refresh_submissions

        refresh_submissions(settings)  # the dashboards show the receipt now, not after the next build
    print(f"{result.school}  {result.academic_year}_{result.term}（第 {result.revision} 版提交）  收訖明細 {result.receipt.path}"
          f"（{result.receipt.encoding}）")
    print("  " + "  ".join(f"{OUTCOME_LABELS[outcome]} {result.count(outcome):,}" for outcome in OUTCOME_LABELS))
    for reason, count in result.rejection_reasons.items():
        print(f"  退件原因：{reason}  {count} 列")
    for problem in result.receipt.problems:
        print(f"  無法核對：{problem}")
    for warning in result.warnings:
        print(f"  警告：{warning}")
    if result.class_lists:
        print(f"  各班核對清單 {len(result.class_lists)} 份：{result.class_lists[0].parent}")
    problems = result.count("rejected") + result.count("missing") + result.count("unexpected") + len(result.receipt.problems)
    return EXIT_BLOCKED if problems else EXIT_OK
