"""Taiwan national IDs and resident certificates: the one definition of their format and checksum.

A 身分證號 is personal data. The gate checks it with `is_valid_national_id` and compares IDs through
`national_id_digest`, so no whole ID travels further. Anything a person reads shows it masked by the one
rule here, A12****789: `mask_national_id` for a value, `mask_national_ids_in_text` for free text
(messages, logs, audit, quarantine), `mask_national_ids_expr` for a polars column and
`mask_national_id_sql` for DuckDB. The dbt macro mask_national_id reads the same two numbers from
dbt_project.yml's vars, which is where they are defined.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
import sys
import traceback
from pathlib import Path

import polars as pl
import yaml

# Letter → two-digit number, as the Ministry of the Interior assigns them (I, O, W, X, Y, Z out of order).
LETTER_NUMBERS: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}

NATIONAL_ID = re.compile(r"[A-Z][12][0-9]{8}")  # citizen: second character is the sex (1 male, 2 female)
OLD_RESIDENT_CERTIFICATE = re.compile(r"[A-Z][A-D][0-9]{8}")  # before 2021: second character a letter
NEW_RESIDENT_CERTIFICATE = re.compile(r"[A-Z][89][0-9]{8}")  # from 2021: same shape as a citizen's ID

_DIGIT_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1, 1)  # second character and the eight digits after it

def national_id_kind(value: str | None) -> str | None:
    """'national_id', 'old_resident_certificate', 'new_resident_certificate', or None when the shape is wrong."""
    if value is None:
        return None
    if NATIONAL_ID.fullmatch(value):
        return "national_id"
    if NEW_RESIDENT_CERTIFICATE.fullmatch(value):
        return "new_resident_certificate"
    if OLD_RESIDENT_CERTIFICATE.fullmatch(value):
        return "old_resident_certificate"
    return None


def is_valid_national_id(value: str | None) -> bool:
    """True when `value` is a citizen ID or resident certificate (old or new) with a correct checksum."""
    kind = national_id_kind(value)
    if kind is None:
        return False
    letter = LETTER_NUMBERS[value[0]]
    if kind == "old_resident_certificate":
        # The old certificate's second letter counts by the units digit of its own number (A=10 → 0).
        digits = [LETTER_NUMBERS[value[1]] % 10, *map(int, value[2:])]
    else:
        digits = [int(character) for character in value[1:]]
    total = letter // 10 + (letter % 10) * 9 + sum(digit * weight for digit, weight in zip(digits, _DIGIT_WEIGHTS))
    return total % 10 == 0


def national_id_digest(value: str | None) -> str | None:
    """A stable stand-in for comparing IDs (duplicates) without carrying the ID itself around."""
    if value is None:
        return None
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


# Anything shaped like an ID or certificate, valid or not, typed in either case: a wrong checksum is
# still somebody's ID with a typo. Neighbouring letters or digits mean it is part of a longer code.
_ID_SHAPE = r"([A-Za-z][0-9A-Da-d][0-9]{{{keep}}})[0-9]{{{hidden}}}([0-9]{{{suffix}}})"
_DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project" / "dbt_project.yml"


@functools.cache
def mask_visible() -> tuple[int, int]:
    """(prefix, suffix): how many characters a masked ID shows at each end (dbt_project.yml vars)."""
    variables = yaml.safe_load(_DBT_PROJECT.read_text(encoding="utf-8"))["vars"]
    return int(variables["national_id_visible_prefix"]), int(variables["national_id_visible_suffix"])


def mask_national_id(value: str | None) -> str | None:
    """A123456789 -> A12****789: the ID as people may see it."""
    if value is None:
        return None
    prefix, suffix = mask_visible()
    return value[:prefix] + "*" * max(len(value) - prefix - suffix, 0) + value[len(value) - suffix:]


def _shape(prefix: int, suffix: int) -> str:
    # the pattern's first group keeps the letter, the second character and what the prefix shows after them
    return _ID_SHAPE.format(keep=prefix - 2, hidden=10 - prefix - suffix, suffix=suffix)


@functools.cache
def _text_pattern() -> re.Pattern[str]:
    return re.compile(r"(?<![0-9A-Za-z])" + _shape(*mask_visible()) + r"(?![0-9A-Za-z])")


def mask_national_ids_in_text(text: str) -> str:
    """Every ID-shaped token in free text masked as `mask_national_id` masks a value."""
    prefix, suffix = mask_visible()
    stars = "*" * (10 - prefix - suffix)
    return _text_pattern().sub(lambda match: f"{match[1]}{stars}{match[2]}", text)


def mask_national_ids_expr(text: pl.Expr) -> pl.Expr:
    """`mask_national_ids_in_text` for a polars string column."""
    prefix, suffix = mask_visible()
    # Rust's regex has no look-around: the neighbours are matched as groups, and a separator shared by
    # two IDs ("A1…,B2…") is consumed by the first, so a second pass catches the second.
    pattern = r"(^|[^0-9A-Za-z])" + _shape(prefix, suffix) + r"($|[^0-9A-Za-z])"
    replacement = "${1}${2}" + "*" * (10 - prefix - suffix) + "${3}${4}"
    return text.str.replace_all(pattern, replacement).str.replace_all(pattern, replacement)


def mask_national_id_sql(column: str) -> str:
    """DuckDB expression masking a column of IDs as `mask_national_id` does (dbt's macro writes the same)."""
    prefix, suffix = mask_visible()
    return (f"case when {column} is not null then left({column}, {prefix}) || "
            f"repeat('*', greatest(length({column}) - {prefix + suffix}, 0)) || "
            f"right({column}, {suffix}) end")


_MASKING_INSTALLED = False


def install_masking() -> None:
    """From now on, every log record and every uncaught exception this process reports shows IDs masked.

    Libraries (dbt, Dagster, DuckDB's errors) may quote a value they were given; this is the one place
    where their messages pass through the rule too. Idempotent.
    """
    global _MASKING_INSTALLED
    if _MASKING_INSTALLED:
        return
    _MASKING_INSTALLED = True
    make_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            record.msg, record.args = mask_national_ids_in_text(record.getMessage()), None
        except Exception:  # a message that cannot be formatted is logging's own error to report
            pass
        return record

    logging.setLogRecordFactory(masked_record)

    def masked_exception(kind, error, trace) -> None:
        lines = traceback.format_exception(kind, error, trace)
        sys.stderr.write(mask_national_ids_in_text("".join(lines)))

    sys.excepthook = masked_exception


class _MaskingStream:
    """A text stream whose every write passes through the one ID mask (what a command prints itself)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(mask_national_ids_in_text(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def masked_output():
    """While inside, what this process prints (stdout and stderr: messages a command catches and prints
    itself, quoting a library's error) shows IDs masked; the streams are put back afterwards."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (stream if isinstance(stream, _MaskingStream) else _MaskingStream(stream) for stream in saved)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
