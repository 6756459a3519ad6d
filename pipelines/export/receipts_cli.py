"""`portfolio receipts simulate`: write the ministry's receipt for a submitted folder (sample data, demos, tests).

Exit 0 when the receipt was written, 1 when there is no submitted folder to answer, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.cli_args import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, add_warehouse
from pipelines.export.cli import add_out, add_target


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError("比率應介於 0 與 0.5 之間")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    receipts = subparsers.add_parser(
        "receipts", help="the ministry's receipts (收訖明細): simulate one; the students' confirmations and disputes",
        description="Receipts come back from the central database after a submission; `simulate` writes a "
        "realistic one for sample data: mostly 收訖, some 退件 with reasons, a few rows missing, a few never sent.",
    )
    actions = receipts.add_subparsers(dest="receipts_command", required=True, metavar="ACTION")
    simulate = actions.add_parser(
        "simulate", help="write <source>/<學校代碼>/receipts/收訖明細_<學年度>_<學期>.csv for the latest submission",
        description="Read the latest submitted folder of the school, year and term under --out and write the "
        "receipt the ministry would send back, deterministic for a seed.",
    )
    add_target(simulate, term_required=True)
    add_out(simulate)
    simulate.add_argument("--source", type=Path, help="delivery root to write into; default $PORTFOLIO_SOURCE or data/source")
    simulate.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    simulate.add_argument("--reject-rate", type=_rate, default=0.04, help="share of rows rejected (default 0.04)")
    simulate.add_argument("--missing-rate", type=_rate, default=0.02, help="share of rows missing (default 0.02)")
    simulate.add_argument("--unexpected", type=int, default=2, help="rows we never sent (default 2)")
    simulate.add_argument("--encoding", choices=("utf-8", "utf-8-sig", "big5"), default="utf-8",
                          help="the receipt's encoding (default utf-8)")
    add_warehouse(simulate)
    from pipelines.export.confirmations_cli import add_parsers

    add_parsers(actions)
    return receipts


def run(args: argparse.Namespace) -> int:
    from pipelines.export import confirmations_cli

    if args.receipts_command == "status":
        return confirmations_cli.run_status(args)
    if args.receipts_command == "answer":
        return confirmations_cli.run_answer(args)
    if args.receipts_command == "forms":
        return confirmations_cli.run_forms(args)
    from pipelines.export.layout import receipt_path
    from pipelines.export.submission import plan_target
    from pipelines.generate.receipts import simulate_receipt
    from pipelines.settings import Settings

    settings = Settings.resolve(warehouse=args.warehouse, source=args.source)
    submitted = plan_target(args.out or settings.exports_dir, settings.warehouse, args.school, args.year, args.term).latest_submitted
    if submitted is None or not submitted.folder_path.is_dir():
        print(f"{args.school} {args.year}_{args.term}：沒有已提交的資料夾（先 portfolio export，再 portfolio submit）",
              file=sys.stderr)
        return EXIT_BLOCKED
    path = receipt_path(settings.source, args.school, args.year, args.term)
    try:
        simulation = simulate_receipt(submitted.folder_path, path, seed=args.seed, reject_rate=args.reject_rate,
                                      missing_rate=args.missing_rate, unexpected=args.unexpected, encoding=args.encoding)
    except (OSError, ValueError) as error:
        print(f"無法產生收訖明細：{error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"收訖明細 {simulation.path}（依 {submitted.folder_path.name}）：收訖 {simulation.received:,}、退件 "
          f"{simulation.rejected:,}、未列入 {simulation.missing:,}、非本次提交 {simulation.unexpected:,}")
    return EXIT_OK
