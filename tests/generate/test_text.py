"""Word banks: cp950-encodable (Big5 files), summary lengths."""

from __future__ import annotations

import numpy as np

from pipelines.generate import text


def test_every_bank_string_encodes_in_cp950():
    for value in text.all_bank_text():
        value.encode("cp950")


def test_summary_lengths():
    lengths = text.summary_bank().str.len_chars()
    assert lengths.max() == 100 and lengths.min() >= 10
    long = text.long_summary_bank().str.len_chars()
    assert long.min() >= 101


def test_names():
    names = text.chinese_names(np.random.default_rng(0), 1000)
    assert names.str.len_chars().is_between(2, 3).all()
    assert names.n_unique() > 900
