"""Typed dates in either calendar, and the reference day inside the latest term (formatting: tests/test_roc.py)."""

import datetime as dt

from dashboards.clock import parse_day, reference_day, term_window


def test_a_typed_date_may_be_roc_or_gregorian():
    assert parse_day("114/06/30") == parse_day("2025-06-30") == parse_day("1140630") == dt.date(2025, 6, 30)
    assert parse_day("30/06/2025") is None and parse_day("") is None


def test_the_reference_day_is_today_inside_the_latest_term_else_a_day_inside_it():
    assert term_window(113, 1) == (dt.date(2024, 8, 1), dt.date(2025, 1, 31))
    assert reference_day(dt.date(2025, 5, 2), 113, 2, dt.date(2025, 7, 12)) == (dt.date(2025, 5, 2), None)

    day, why = reference_day(dt.date(2026, 12, 3), 113, 2, dt.date(2025, 7, 12))
    assert day == dt.date(2025, 6, 28) and "114/06/28" in why
    assert reference_day(dt.date(2026, 12, 3), 113, 2, None)[0] == dt.date(2025, 7, 31)
