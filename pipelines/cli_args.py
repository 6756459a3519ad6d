"""What the `portfolio` subcommands share: exit codes, argument types and options, and the built warehouse they
act on (kept apart from pipelines/cli.py, which every subcommand module would otherwise import back)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2


def school_code(text: str) -> str:
    """--school: a code exactly as a school folder is named, so the path it selects stays inside the source root."""
    from pipelines.ingest.layout import is_school_code

    if not is_school_code(text):
        raise argparse.ArgumentTypeError(f"學校代碼應為 6 碼半形大寫英數字（例如 013301），收到 {text!r}")
    return text


def add_school(parser: argparse.ArgumentParser, help_text: str = "學校代碼") -> None:
    """A required --school CODE (school_code)."""
    parser.add_argument("--school", metavar="CODE", type=school_code, required=True, help=help_text)


def add_warehouse(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", type=Path,
                        help="DuckDB 倉儲檔 (warehouse file); default $PORTFOLIO_WAREHOUSE or data/warehouse.duckdb")


def built_settings(warehouse: Path | None, **paths):
    """The settings (pipelines/settings.py) for --warehouse and the other `paths` given; None, with the reason
    on stderr, when that warehouse was never built."""
    from pipelines.settings import Settings

    settings = Settings.resolve(warehouse=warehouse, **paths)
    if not settings.warehouse.is_file():
        print(f"找不到倉儲檔 {settings.warehouse}：請先執行 portfolio build", file=sys.stderr)
        return None
    return settings
