"""What the ops subcommands share: --actor (dates and --warehouse are every subcommand's: pipelines/cli_args.py). Cheap to import."""

from __future__ import annotations

import argparse


def add_actor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--actor", metavar="NAME",
                        help="who is doing this, for the audit log (default $PORTFOLIO_ACTOR or the OS user)")
