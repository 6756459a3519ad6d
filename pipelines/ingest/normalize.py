"""Text clean-up before parsing: trimming, full-width folding, missing-value sentinels, headers.

Choices the contract leaves open:

- Trimmed from both ends of every header and value: ASCII whitespace, the ideographic space U+3000,
  the no-break space, a stray BOM and zero-width spaces/joiners (pasted from web pages, invisible).
- Full-width ASCII (U+FF01-FF5E, ``０-９``, ``Ａ-Ｚ``, ``－``, ``／``, ``：``) and U+3000 are folded to
  ASCII in headers and in every non-free-text column (code, int, float, date, time, timestamp).
  Free text (``text`` columns: names, 成果簡述, …) keeps its characters: a full-width letter there is
  the student's writing, and folding it would change the character count the gate checks.
- A whole value of ``""``, ``-1`` or ``NULL`` is missing in *every* column, free text included: the
  extracts that write ``-1`` for "no value" write it in text columns too, and a 簡述 that reads
  ``-1`` is an empty one (the gate then reports it as missing, which is what it is). ``NULL`` is
  matched case-sensitively; ``null`` in a name stays.
"""

from __future__ import annotations

import polars as pl

_TRIMMED = " \t\r\n\f\v\u3000\u00a0\ufeff\u200b\u200c\u200d\u2060"
_FULL_WIDTH = [chr(code) for code in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALF_WIDTH = [chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)] + [" "]
_FOLD_TABLE = str.maketrans(dict(zip(_FULL_WIDTH, _HALF_WIDTH)))
_ANY_FULL_WIDTH = "[\uff01-\uff5e\u3000]"
MISSING_SENTINELS = ("", "-1", "NULL")


def fold_width(text: pl.Expr) -> pl.Expr:
    """Full-width ASCII and the ideographic space to their ASCII forms."""
    return text.str.replace_many(_FULL_WIDTH, _HALF_WIDTH)


def with_full_width(cells: pl.DataFrame, columns: list[str]) -> set[str]:
    """Which of these columns hold any full-width character: only those pay for folding."""
    if not columns:
        return set()
    found = cells.select(pl.col(name).str.contains(_ANY_FULL_WIDTH).any() for name in columns).row(0)
    return {name for name, has_full_width in zip(columns, found) if has_full_width}


def clean_value(text: pl.Expr, *, fold: bool) -> pl.Expr:
    """A raw cell as the parsers and the raw table see it: folded (if asked), trimmed, sentinels null.

    Only non-free-text columns are folded (see the module docstring).
    """
    if fold:
        text = fold_width(text)
    text = text.str.strip_chars(_TRIMMED)
    return pl.when(text.is_in(MISSING_SENTINELS)).then(None).otherwise(text)


def normalise_header(header: str | None) -> str:
    """A header cell as matched against the contract's Chinese names."""
    if header is None:
        return ""
    return header.translate(_FOLD_TABLE).strip(_TRIMMED)
