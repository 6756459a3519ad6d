"""Identifiers: national IDs (against pipelines.identity), course codes, school codes."""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from pipelines.contract import SCHOOL_CODE_PATTERN
from pipelines.generate.codes import (
    corrupt_national_ids, course_code, malform_course_code, school_codes, unique_national_ids,
    valid_course_codes, valid_national_ids,
)
from pipelines.identity import is_valid_national_id


def test_generated_ids_are_valid_unique_and_mixed():
    rng = np.random.default_rng(0)
    ids = unique_national_ids(rng, rng.integers(1, 3, 5000))
    assert len(set(ids)) == len(ids)
    assert all(is_valid_national_id(value) for value in ids)
    assert valid_national_ids(pl.Series(ids)).all()
    seconds = {value[1] for value in ids}
    assert {"1", "2", "8", "9"} <= seconds and seconds & set("ABCD")


def test_vectorised_check_agrees_with_identity_module():
    rng = np.random.default_rng(1)
    ids = unique_national_ids(rng, rng.integers(1, 3, 500))
    samples = list(ids) + list(corrupt_national_ids(rng, ids)) + ["", "A12345678", "a123456789", "A1234567890", None]
    vector = valid_national_ids(pl.Series(samples, dtype=pl.String))
    assert list(vector) == [is_valid_national_id(v) for v in samples]


def test_corrupted_ids_are_invalid():
    rng = np.random.default_rng(2)
    ids = unique_national_ids(rng, rng.integers(1, 3, 1000))
    assert not valid_national_ids(pl.Series(corrupt_national_ids(rng, ids))).any()


def test_course_codes():
    code = course_code(112, "013301", "8", 3, "D", "90", 7)
    assert len(code) == 23 and code[16] == "8" and code[18] == "D"
    assert valid_course_codes(pl.Series([code])).all()
    broken = [malform_course_code(code, which) for which in range(12)]
    assert not valid_course_codes(pl.Series(broken)).any()
    other = course_code(112, "013301", "8", 3, "D", "90", 8)
    assert {malform_course_code(code, w) for w in range(12)}.isdisjoint({malform_course_code(other, w) for w in range(12)})


def test_school_codes_unique_realistic_and_prefix_stable():
    codes = school_codes(600)
    assert len(set(codes)) == 600
    assert all(re.fullmatch(SCHOOL_CODE_PATTERN, code) for code in codes)
    assert school_codes(10) == codes[:10]
