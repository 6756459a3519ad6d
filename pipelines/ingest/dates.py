"""Dates and times as the school systems write them, parsed with polars expressions.

Accepted (inputs.md), after normalisation (full-width folded, trimmed, sentinels already null):

- dates: ISO ``2024-09-01`` (also ``2024/09/01``, ``20240901``), ROC with slashes ``113/09/01``,
  ROC compact ``1130901`` (``990101`` for years before 100); ROC year + 1911 = Gregorian year.
- times: ``13:05``, ``13:05:00``, ``下午 01:05:00`` / ``上午 …`` (also ``01:05 PM``); fractions of a
  second are accepted and dropped. With 上午/下午 the hour must be 0-12.
- timestamps: a date, then optionally a space or ``T`` and a time (``2024-09-01T13:05:00``).

Anything else parses to null; the caller turns "present but null after parsing" into ``bad_date``.
A Gregorian year must have 4 digits and a ROC year 2 or 3, so no form can be read as another.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.roc import ROC_OFFSET

_DATE = (
    r"(?:(?P<iso_y>\d{4})[-/](?P<iso_m>\d{1,2})[-/](?P<iso_d>\d{1,2})"
    r"|(?P<roc_y>\d{2,3})/(?P<roc_m>\d{1,2})/(?P<roc_d>\d{1,2})"
    r"|(?P<rocc_y>\d{2,3})(?P<rocc_m>\d{2})(?P<rocc_d>\d{2})"
    r"|(?P<isoc_y>\d{4})(?P<isoc_m>\d{2})(?P<isoc_d>\d{2}))"
)
_TIME = (
    r"(?P<meridiem>上午|下午)?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"(?:\s*(?P<ampm>[AaPp][Mm]))?"
)
_TIMESTAMP_PATTERN = rf"^{_DATE}(?:[ T]+{_TIME})?$"
# Excel stores a time-of-day as a fraction of a day; calamine renders such a cell on Excel's day zero.
_TIME_PATTERN = rf"^(?:1899-12-3[01][ T]+)?{_TIME}$"

# The parsers below extract the regex groups once into a struct and compute from its fields
# (pl.field inside struct.with_fields): referring to the extract_groups expression once per field
# would run the regex once per field.


def _int(field: str) -> pl.Expr:
    return pl.field(field).cast(pl.Int32)


def _date_from_groups() -> pl.Expr:
    year = pl.coalesce(
        _int("iso_y"), _int("isoc_y"), _int("roc_y") + ROC_OFFSET, _int("rocc_y") + ROC_OFFSET,
    )
    month = pl.coalesce(*(_int(f"{form}_m") for form in ("iso", "isoc", "roc", "rocc")))
    day = pl.coalesce(*(_int(f"{form}_d") for form in ("iso", "isoc", "roc", "rocc")))
    # Through text, because pl.date() raises on 2024-02-30 where to_date(strict=False) gives null.
    text = pl.concat_str(
        year.cast(pl.String).str.zfill(4), month.cast(pl.String).str.zfill(2), day.cast(pl.String).str.zfill(2),
        separator="-",
    )
    return text.str.to_date("%Y-%m-%d", strict=False)


def _time_from_groups() -> pl.Expr:
    hour = _int("hour")
    meridiem = pl.coalesce(
        pl.field("meridiem"), pl.field("ampm").str.to_uppercase().replace({"AM": "上午", "PM": "下午"}),
    )
    hour24 = (
        pl.when(meridiem.is_null()).then(hour)
        .when(hour > 12).then(None)  # 下午 13:00 is not a time anyone meant
        .when(meridiem == "上午").then(hour % 12)
        .otherwise(hour % 12 + 12)
    )
    text = pl.concat_str(
        hour24.cast(pl.String).str.zfill(2), pl.field("minute"), pl.field("second").fill_null("00"), separator=":",
    )
    return text.str.to_time("%H:%M:%S", strict=False)


def parse_timestamp(text: pl.Expr) -> pl.Expr:
    """Datetime from a normalised string: a date and an optional time (midnight when absent)."""
    return (
        text.str.extract_groups(_TIMESTAMP_PATTERN)
        .struct.with_fields(_date_from_groups().alias("_date"), _time_from_groups().alias("_time"))
        .struct.with_fields(
            # a time that is there must be valid
            pl.when(pl.field("hour").is_not_null() & pl.field("_time").is_null()).then(None)
            .otherwise(pl.field("_date").dt.combine(pl.field("_time").fill_null(pl.time(0, 0, 0))))
            .alias("_timestamp")
        )
        .struct.field("_timestamp")
    )


def parse_date(text: pl.Expr) -> pl.Expr:
    """Date from a normalised string; a trailing time (an Excel date cell carries 00:00:00) is dropped."""
    return parse_timestamp(text).dt.date()


def parse_time(text: pl.Expr) -> pl.Expr:
    """Time of day from a normalised string."""
    return text.str.extract_groups(_TIME_PATTERN).struct.with_fields(_time_from_groups().alias("_time")).struct.field("_time")


def parse_date_value(text: str) -> date | None:
    """One date (policy.yaml): the same forms as the data files, None when it is none of them."""
    return pl.select(parse_date(pl.lit(text.strip(), dtype=pl.String))).item()


# What a date in these files can plausibly be; outside it the value was misread, most often a 2-digit
# ROC year (13/9/1 is 民國 13 年 = 1924) or a typo. 學習歷程 began in 108 學年度; 1990 (民國 79) leaves room
# for old 學籍 and 教師 records. Birth dates go back further for adult learners (進修部). A later school
# year than 2099 (民國 188) is a typo.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2099, 12, 31)
EARLIEST_BY_COLUMN = {"birth_date": date(1930, 1, 1)}


def plausible_dates(column_name: str) -> tuple[date, date]:
    """Inclusive range of dates a column (English name) may hold."""
    return EARLIEST_BY_COLUMN.get(column_name, EARLIEST_DATE), LATEST_DATE
