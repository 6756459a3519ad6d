"""Identifiers: school codes, national IDs (with checksum), 108-curriculum course codes.

The checks here are vectorised twins of ``pipelines.identity`` (national IDs) and of rule R15
(course codes); tests/generate/test_codes.py holds them to the scalar definitions.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.identity import LETTER_NUMBERS

# County/city part of real school codes (first two characters) and the school-type character.
_COUNTIES = (
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18",
    "19", "20", "21", "30", "33", "38", "40", "41", "42", "45", "50", "52", "53", "55", "58", "61", "63", "64",
    "66", "67", "71", "72",
)
_SCHOOL_TYPES = "0134A5BC"


def school_codes(count: int) -> list[str]:
    """``count`` distinct codes like ``013301`` or ``63A302`` (county + type + number).

    Independent of the generation seed and prefix-stable: asking for more schools keeps the first ones.
    """
    rng = np.random.default_rng(108)
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:
        county = _COUNTIES[rng.integers(len(_COUNTIES))]
        kind = _SCHOOL_TYPES[rng.integers(len(_SCHOOL_TYPES))]
        code = f"{county}{kind}{int(rng.integers(1, 1000)):03d}"
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


# ---------------------------------------------------------------------------------------------
# National IDs

_LETTER_VALUE = np.zeros(128, dtype=np.int64)
for _letter, _number in LETTER_NUMBERS.items():
    _LETTER_VALUE[ord(_letter)] = _number
# Household-registration letters, weighted roughly like where students live.
_ID_LETTER_WEIGHTS = {
    "A": 12, "B": 11, "C": 2, "D": 8, "E": 12, "F": 17, "G": 2, "H": 9, "I": 1, "J": 2, "K": 3, "L": 3,
    "M": 2, "N": 5, "O": 2, "P": 3, "Q": 2, "R": 3, "S": 5, "T": 4, "U": 2, "V": 1, "W": 1, "X": 1, "Y": 1, "Z": 1,
}
_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 1, 1])
ID_PATTERN = r"^[A-Z][1289A-D][0-9]{8}$"


def _check_digit(letter: np.ndarray, second: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """Check digit for letter codes (ASCII), second-character values (0-9) and the 7 middle digits."""
    number = _LETTER_VALUE[letter]
    total = number // 10 + (number % 10) * 9 + second * 8 + digits @ _WEIGHTS[1:8]
    return (10 - total % 10) % 10


def make_national_ids(rng: np.random.Generator, gender: np.ndarray) -> np.ndarray:
    """One ID per person (``gender`` 1/2): mostly citizens, ~2% new and ~1% old resident certificates."""
    n = len(gender)
    letters = np.array([ord(c) for c in _ID_LETTER_WEIGHTS], dtype=np.int64)
    weights = np.array(list(_ID_LETTER_WEIGHTS.values()), dtype=float)
    letter = letters[rng.choice(len(letters), size=n, p=weights / weights.sum())]
    kind = rng.random(n)
    male = gender == 1
    # Second character: citizen 1/2; new certificate 8/9; old certificate A/C (male) or B/D (female).
    second_char = np.where(male, ord("1"), ord("2"))
    second_char = np.where(kind > 0.97, np.where(male, ord("8"), ord("9")), second_char)
    old = (kind > 0.96) & (kind <= 0.97)
    old_letter = np.where(male, rng.choice([ord("A"), ord("C")], n), rng.choice([ord("B"), ord("D")], n))
    second_char = np.where(old, old_letter, second_char)
    second_value = np.where(old, _LETTER_VALUE[second_char] % 10, second_char - ord("0"))
    digits = rng.integers(0, 10, size=(n, 7))
    check = _check_digit(letter, second_value, digits)
    matrix = np.column_stack([letter, second_char, digits + ord("0"), check + ord("0")]).astype(np.uint8)
    return matrix.view("S10").ravel().astype("U10")


def unique_national_ids(rng: np.random.Generator, gender: np.ndarray) -> np.ndarray:
    """Like ``make_national_ids`` but no two people share an ID."""
    ids = make_national_ids(rng, gender)
    while True:
        _, first = np.unique(ids, return_index=True)
        duplicate = np.ones(len(ids), dtype=bool)
        duplicate[first] = False
        if not duplicate.any():
            return ids
        ids[duplicate] = make_national_ids(rng, gender[duplicate])


def valid_national_ids(values: pl.Series) -> np.ndarray:
    """Boolean array: format and checksum hold (citizen ID or old/new resident certificate)."""
    shaped = values.fill_null("").str.contains(ID_PATTERN).to_numpy()
    valid = np.zeros(len(values), dtype=bool)
    if not shaped.any():
        return valid
    text = "".join(values.filter(pl.Series(shaped)).to_list()).encode("ascii")
    matrix = np.frombuffer(text, dtype=np.uint8).reshape(-1, 10).astype(np.int64)
    second = matrix[:, 1]
    second_value = np.where(second >= ord("A"), _LETTER_VALUE[second] % 10, second - ord("0"))
    check = _check_digit(matrix[:, 0], second_value, matrix[:, 2:9] - ord("0"))
    valid[shaped] = check == matrix[:, 9] - ord("0")
    return valid


def corrupt_national_ids(rng: np.random.Generator, ids: np.ndarray) -> np.ndarray:
    """Invalid versions: mostly a wrong check digit, sometimes an impossible second character."""
    out = []
    for value in ids:
        if rng.random() < 0.8:
            out.append(value[:9] + str((int(value[9]) + int(rng.integers(1, 10))) % 10))
        else:
            out.append(value[0] + "3" + value[2:])
    return np.array(out, dtype="U10")


# ---------------------------------------------------------------------------------------------
# Course codes: 23 characters; position 17 the category, position 19 the subject attribute.

COURSE_CODE_PATTERN = r"^.{16}[1-9A-F].[0-6A-I].{4}$"


def course_code(plan_year: int, school_code: str, category: str, grade_term: int, attribute: str,
                subject: str, sequence: int) -> str:
    """``plan_year`` (3) + school (6) + 部別 1 + 班別 1 + 科別 101 + 0 + 1, category, grade-term, attribute,
    subject (2), sequence (2)."""
    code = f"{plan_year:03d}{school_code}11101{'0'}1{category}{grade_term}{attribute}{subject}{sequence:02d}"
    assert len(code) == 23, code
    return code


def valid_course_codes(values: pl.Series) -> np.ndarray:
    return values.fill_null("").str.contains(COURSE_CODE_PATTERN).to_numpy()


def malform_course_code(code: str, which: int) -> str:
    """One defect, chosen by ``which``: too short, too long, bad category, bad attribute.

    Distinct valid codes stay distinct (the short form drops the *first* character).
    """
    variant, choice = which % 4, (which // 4) % 3
    if variant == 0:
        return code[1:]
    if variant == 1:
        return code + "0"
    if variant == 2:
        return code[:16] + "GZ0"[choice] + code[17:]
    return code[:18] + "7JZ"[choice] + code[19:]
