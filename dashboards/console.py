"""Terminal output: columns that line up when the text mixes Chinese (two cells wide) and ASCII."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, cells: int) -> str:
    """`text` followed by spaces up to `cells` terminal cells."""
    return text + " " * max(cells - width(text), 0)
