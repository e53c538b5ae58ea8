"""values.py: one idea of an empty cell."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from loantool.values import as_date, is_missing, iso_date, text_or_blank, text_or_none


@pytest.mark.parametrize("value", [None, float("nan"), pd.NaT, pd.NA, np.datetime64("NaT"), np.nan])
def test_missing_values(value):
    assert is_missing(value) and text_or_none(value) is None and text_or_blank(value) == ""
    assert as_date(value) is None and iso_date(value) is None


@pytest.mark.parametrize("value", ["", " ", 0, 0.0, False, "HT001"])
def test_present_values_including_empty_text(value):
    assert not is_missing(value)
    assert text_or_none(value) == str(value)


@pytest.mark.parametrize("value", [dt.date(2024, 2, 29), dt.datetime(2024, 2, 29, 13, 5),
                                   pd.Timestamp("2024-02-29"), np.datetime64("2024-02-29"), "2024-02-29"])
def test_dates_of_every_kind(value):
    assert as_date(value) == dt.date(2024, 2, 29)
    assert iso_date(value) == "2024-02-29"
