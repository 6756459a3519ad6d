"""Taiwan national IDs and resident certificates: the one definition of their format and checksum.

A 身分證號 is personal data. The gate checks it with `is_valid_national_id` and compares IDs through
`national_id_digest`, so no whole ID travels further; reports show the warehouse's masked column
(dbt macro mask_national_id).
"""

from __future__ import annotations

import hashlib
import re

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
