from datetime import date, datetime, time

import polars as pl
import pytest

from pipelines.ingest.dates import parse_date, parse_date_value, parse_time, parse_timestamp


def _parse(parser, text: str):
    return pl.select(parser(pl.lit(text, dtype=pl.String))).item()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-09-01", date(2024, 9, 1)),
        ("2024/9/1", date(2024, 9, 1)),
        ("20240901", date(2024, 9, 1)),
        ("113/09/01", date(2024, 9, 1)),
        ("93/2/29", date(2004, 2, 29)),
        ("1130901", date(2024, 9, 1)),
        ("0930115", date(2004, 1, 15)),
        ("990101", date(2010, 1, 1)),
        ("2024-09-01 00:00:00", date(2024, 9, 1)),  # an Excel date cell as calamine renders it
        ("113/09/01 下午 01:05:00", date(2024, 9, 1)),
    ],
)
def test_parse_date_reads_iso_and_roc_forms(text, expected):
    assert _parse(parse_date, text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "113/13/01", "113-09-01", "12/31/2024", "0901", "民國113年9月1日", "45536"])
def test_parse_date_gives_null_for_other_text(text):
    assert _parse(parse_date, text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13:05", time(13, 5)),
        ("13:05:09", time(13, 5, 9)),
        ("下午 01:05:00", time(13, 5)),
        ("下午12:10", time(12, 10)),
        ("上午 12:30:00", time(0, 30)),
        ("上午 09:15", time(9, 15)),
        ("01:05 PM", time(13, 5)),
        ("13:05:00.250", time(13, 5)),
        ("1899-12-31 13:05:00", time(13, 5)),  # an Excel time cell as calamine renders it
    ],
)
def test_parse_time_reads_24_hour_and_chinese_meridiem(text, expected):
    assert _parse(parse_time, text) == expected


@pytest.mark.parametrize("text", ["25:00", "13:61", "下午 13:05", "1305", "2024-09-01 13:05"])
def test_parse_time_gives_null_for_other_text(text):
    assert _parse(parse_time, text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-09-01T13:05:00", datetime(2024, 9, 1, 13, 5)),
        ("2024-09-01 13:05", datetime(2024, 9, 1, 13, 5)),
        ("113/09/01 下午 01:05:00", datetime(2024, 9, 1, 13, 5)),
        ("1130901 上午 08:00", datetime(2024, 9, 1, 8, 0)),
        ("113/09/01", datetime(2024, 9, 1)),
    ],
)
def test_parse_timestamp_reads_a_date_and_an_optional_time(text, expected):
    assert _parse(parse_timestamp, text) == expected


@pytest.mark.parametrize("text", ["2024-09-01 25:00", "2024-09-01 下午", "2024-09-01T13:05:00Z", "113/02/30 13:05"])
def test_parse_timestamp_gives_null_when_either_part_is_bad(text):
    assert _parse(parse_timestamp, text) is None


def test_parse_date_value_parses_one_string():
    assert parse_date_value(" 114/08/15 ") == date(2025, 8, 15)
    assert parse_date_value("next friday") is None
