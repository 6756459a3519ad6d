"""One calendar for people: ROC dates, Asia/Taipei times, the school terms, and the reference day.

- Dates read `114/06/30` (民國); times `114/06/30 09:30` in Asia/Taipei, whatever the machine's zone
  (pipelines.roc, the one definition the pipelines' reports use too).
- A typed date may be ROC or Gregorian (`114/06/30`, `1140630`, `2025-06-30`): the data files' rule
  (pipelines.ingest.dates), so a person and a delivery are read alike.
- Term 1 of 學年度 Y runs from 1 August of Y+1911 to 31 January; term 2 from 1 February to 31 July.
- The reference day (基準日) that days left and days waiting count from is today while today lies in the
  data's latest term; otherwise (a demo, or data of a past term) a day inside that term: two weeks
  before its upload deadline, when deadlines still lie ahead, so the pages show work to do.
"""

from __future__ import annotations

import datetime as dt

from pipelines.roc import ROC_OFFSET, TAIPEI, roc_date, roc_datetime, taipei

__all__ = ["roc_date", "roc_datetime", "taipei", "today", "parse_day", "term_window", "reference_day"]

BEFORE_DEADLINE = dt.timedelta(days=14)
MACHINE_ZONE = None  # naive_zone of stamps taken with the machine's clock (the gate's checked_at)


def today() -> dt.date:
    return dt.datetime.now(TAIPEI).date()


def parse_day(text: str | None) -> dt.date | None:
    """A date a person typed, ROC or Gregorian; None when it is neither."""
    from pipelines.ingest.dates import parse_date_value

    return parse_date_value(text) if text and text.strip() else None


def term_window(year: int, term: int) -> tuple[dt.date, dt.date]:
    first = year + ROC_OFFSET
    if term == 1:
        return dt.date(first, 8, 1), dt.date(first + 1, 1, 31)
    return dt.date(first + 1, 2, 1), dt.date(first + 1, 7, 31)


def reference_day(on: dt.date, year: int, term: int, upload_deadline: dt.date | None) -> tuple[dt.date, str | None]:
    """The reference day for the latest term (year, term) when today is `on`, and why it is not today."""
    start, end = term_window(year, term)
    if start <= on <= end:
        return on, None
    day = min(max(upload_deadline - BEFORE_DEADLINE, start), end) if upload_deadline else end
    why = (f"今天不在資料最新的 {year} 學年度第 {term} 學期內，改以學期中的 {roc_date(day)}"
           f"{'（上傳截止前 14 天）' if upload_deadline else '（學期最後一天）'}為基準日")
    return day, why
