"""What the ops subcommands share: dates, --actor (--warehouse is every subcommand's: pipelines/cli_args.py). Cheap to import."""

from __future__ import annotations

import argparse
import datetime as dt


def parse_date(text: str) -> dt.date:
    """ISO (2025-08-31) or ROC (114/08/31, 1140831)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    from pipelines.ingest.dates import parse_date_value

    parsed = parse_date_value(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"日期應為 2025-08-31 或 114/08/31 的形式，收到 {text!r}")
    return parsed


def add_actor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--actor", metavar="NAME",
                        help="who is doing this, for the audit log (default $PORTFOLIO_ACTOR or the OS user)")
