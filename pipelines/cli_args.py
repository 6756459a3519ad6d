"""Argument types shared by the `portfolio` subcommands (kept apart from pipelines/cli.py, which every
subcommand module would otherwise import back)."""

from __future__ import annotations

import argparse


def school_code(text: str) -> str:
    """--school: a code exactly as a school folder is named, so the path it selects stays inside the source root."""
    from pipelines.ingest.layout import is_school_code

    if not is_school_code(text):
        raise argparse.ArgumentTypeError(f"學校代碼應為 6 碼半形大寫英數字（例如 013301），收到 {text!r}")
    return text
