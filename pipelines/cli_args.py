"""What the `portfolio` subcommands share: exit codes, argument types (a school code, a date), options, and the
built warehouse they act on (kept apart from pipelines/cli.py, which every subcommand module would otherwise import back)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2


def school_code(text: str) -> str:
    """--school: a code exactly as a school folder is named, so the path it selects stays inside the source root."""
    from pipelines.ingest.layout import is_school_code

    if not is_school_code(text):
        raise argparse.ArgumentTypeError(f"學校代碼應為 6 碼半形大寫英數字（例如 013301），收到 {text!r}")
    return text


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
