"""Where deliveries sit under the source root (inputs.md, "Layout")."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.contract import SCHOOL_CODE_PATTERN

DELIVERED_SUFFIXES = (".csv", ".xlsx")
POLICY_FILE = "policy.yaml"


def discover_schools(source_root: Path) -> list[str]:
    """The school folders under the source root (6-character codes), sorted; anything else is ignored."""
    if not source_root.is_dir():
        return []
    return sorted(path.name for path in source_root.iterdir() if path.is_dir() and re.fullmatch(SCHOOL_CODE_PATTERN, path.name))


def delivered_files(folder: Path, label: str) -> list[Path]:
    """``<label>.csv`` and/or ``<label>.xlsx`` in a school's folder (suffix case ignored), CSV first."""
    if not folder.is_dir():
        return []
    found = [path for path in folder.iterdir() if path.is_file() and path.stem == label and path.suffix.lower() in DELIVERED_SUFFIXES]
    return sorted(found, key=lambda path: DELIVERED_SUFFIXES.index(path.suffix.lower()))
