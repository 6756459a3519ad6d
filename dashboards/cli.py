"""`portfolio dashboard`: start the Streamlit dashboards on 127.0.0.1.

The app reads the published copy (pipelines/publish); when there is none yet but a warehouse exists,
it is published first. Hooked into pipelines/cli.py with `add_parser(subparsers)` and `run(args)`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_PORT = 8501


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port 應為數字，收到 {text!r}") from None
    if not 1024 <= value <= 65535:
        raise argparse.ArgumentTypeError("--port 應介於 1024 與 65535 之間")
    return value


def _date(text: str) -> dt.date:
    from dashboards.clock import parse_day

    day = parse_day(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"--as-of 應為日期（民國 114/02/01 或西元 2025-02-01），收到 {text!r}")
    return day


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "dashboard", help="start the Streamlit dashboards on http://127.0.0.1:PORT",
        description="Start the dashboards (全國總覽, 學校, 班級, 教師認證, 檢核結果, 提交與收訖) on 127.0.0.1. "
        "They read the published read-only copy of the marts that every build refreshes, so they keep "
        "working while a build runs. Accounts come from the users file (portfolio users).",
    )
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--warehouse", type=Path,
                        help="DuckDB 倉儲檔 (warehouse file); default $PORTFOLIO_WAREHOUSE or data/warehouse.duckdb; "
                        "the published copy is published/ beside it")
    parser.add_argument("--published", type=Path, help="read this published copy instead")
    parser.add_argument("--users", type=Path, help="users file; default $PORTFOLIO_USERS or data/users.json")
    parser.add_argument("--as-of", type=_date, metavar="DATE",
                        help="reference day for days left / days waiting, ROC or Gregorian (default: today, or a day "
                        "inside the data's latest term when today is outside it)")
    return parser


def command_line(port: int) -> list[str]:
    """The Streamlit invocation: local only, headless, no telemetry, no file watching."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address=127.0.0.1", f"--server.port={port}", "--server.headless=true",
        "--server.fileWatcherType=none", "--server.runOnSave=false", "--browser.gatherUsageStats=false",
        "--client.toolbarMode=minimal", "--theme.base=light", "--theme.primaryColor=#2f6f9f",
    ]


def run(args: argparse.Namespace) -> int:
    from dashboards.config import DashboardConfig
    from dashboards.users import UsersFileError, list_users
    from pipelines.settings import Settings

    settings = Settings.resolve(warehouse=args.warehouse)
    config = DashboardConfig.resolve(published=args.published or settings.published, users=args.users, as_of=args.as_of)
    if not config.published.is_file():
        if args.published or not settings.warehouse.is_file():
            print(f"找不到已發布的資料 {config.published}：請先執行 portfolio build（或 make demo）", file=sys.stderr)
            return 2
        from pipelines.publish import publish

        try:
            print(f"發布儀表板資料 {settings.warehouse} → {publish(settings)}", flush=True)
        except Exception as error:  # e.g. a build holds the warehouse right now
            print(f"無法發布儀表板資料：{error}", file=sys.stderr)
            return 1
    try:
        accounts = list_users(config.users)
    except UsersFileError as error:
        print(str(error), file=sys.stderr)
        return 2
    if not accounts:
        print(f"警告：帳號檔 {config.users} 沒有任何帳號，無法登入；請先執行 portfolio users add", file=sys.stderr)
    print(f"儀表板 http://127.0.0.1:{args.port}  （資料 {config.published}，帳號 {len(accounts)} 個；Ctrl-C 結束）",
          flush=True)
    environment = config.environment(dict(os.environ), fixed_as_of=args.as_of is not None)
    environment.setdefault("DO_NOT_TRACK", "1")
    os.execvpe(sys.executable, command_line(args.port), environment)
    return 0  # not reached: the process is now Streamlit
