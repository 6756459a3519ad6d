import datetime as dt

import pandas as pd

from pipelines.roc import roc_date, roc_datetime


def test_dates_read_roc_with_a_three_digit_year_and_the_era_where_a_sentence_needs_it():
    assert roc_date(dt.date(2025, 6, 30)) == "114/06/30"
    assert roc_date(dt.date(1990, 1, 1), era=True) == "民國 079/01/01"
    assert roc_date(pd.Timestamp("2025-02-03 23:00")) == "114/02/03"
    assert roc_date(None) == roc_date(pd.NaT) == "—"


def test_times_read_in_taipei_whatever_zone_they_were_stamped_in():
    assert roc_datetime(dt.datetime(2025, 6, 30, 9, 30)) == "114/06/30 09:30"  # recorded in Taipei already
    assert roc_datetime(dt.datetime(2025, 6, 30, 20, 0), naive_zone=dt.timezone.utc) == "114/07/01 04:00"
    assert roc_datetime(dt.datetime(2025, 6, 30, 20, 0, tzinfo=dt.timezone.utc), era=True) == "民國 114/07/01 04:00"
    assert roc_datetime(pd.Timestamp("2025-06-30 20:00"), naive_zone=None) == roc_datetime(
        dt.datetime(2025, 6, 30, 20, 0).astimezone())  # the machine's clock: its own zone
    assert roc_datetime(None) == "—"
