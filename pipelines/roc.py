"""Dates and times as people here read them: ROC (民國) dates and Asia/Taipei times, whatever the
machine's zone. The one definition for pipelines (messages, reports, generated files) and dashboards.

- Dates read `114/06/30` (year zero-padded to three digits, as the school systems print it), or
  `民國 114/06/30` where a sentence needs the era; times `114/06/30 09:30` in Asia/Taipei.
- Parsing what a person or a delivery typed is pipelines.ingest.dates.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ROC_OFFSET = 1911  # 民國 1 = 1912
TAIPEI = ZoneInfo("Asia/Taipei")
MISSING = "—"


def _missing(value) -> bool:
    if value is None:
        return True
    if type(value) in (str, dt.date, dt.datetime):
        return False
    import pandas as pd  # a data frame's values (NaT is a datetime too); pandas loads only when one comes by

    return bool(pd.isna(value))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    import pandas as pd

    return pd.Timestamp(value).date()


def roc_date(value, *, era: bool = False) -> str:
    """2025-06-30 → '114/06/30' ('民國 114/06/30' with `era`); missing → '—'."""
    if _missing(value):
        return MISSING
    day = _as_date(value)
    text = f"{day.year - ROC_OFFSET:03d}/{day.month:02d}/{day.day:02d}"
    return f"民國 {text}" if era else text


def taipei(value, *, naive_zone: dt.tzinfo | None = TAIPEI) -> dt.datetime | None:
    """A timestamp in Asia/Taipei. A naive one is taken to be in `naive_zone`: Taipei for what the export
    step records, the machine's own zone (None) for what was stamped with the machine's clock."""
    if _missing(value):
        return None
    if type(value) is dt.datetime:
        stamp = value
    else:  # a pandas Timestamp (its astimezone() needs a zone), a numpy datetime, an ISO string
        import pandas as pd

        stamp = pd.Timestamp(value).to_pydatetime()
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=naive_zone) if naive_zone is not None else stamp.astimezone()
    return stamp.astimezone(TAIPEI)


def roc_datetime(value, *, naive_zone: dt.tzinfo | None = TAIPEI, era: bool = False) -> str:
    """'114/06/30 09:30' in Asia/Taipei ('民國 …' with `era`); missing → '—'."""
    stamp = taipei(value, naive_zone=naive_zone)
    return MISSING if stamp is None else f"{roc_date(stamp.date(), era=era)} {stamp:%H:%M}"
