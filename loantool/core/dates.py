"""Due dates of a schedule (还款日), vectorized with numpy ``datetime64[M]`` / ``datetime64[D]``.

DOMAIN.md "Due dates": the due day is the bank's due day (银行还款日) if known, else the day of the first
due date (首期还款日) if given, else the day of the pickup date (提车日期). The first due month is the
month of the first due date if given, else the month after pickup. Period k falls in first month + (k−1)
on the due day clamped to that month's length – a Jan 31 pickup is due Feb 28/29, Mar 31, Apr 30, …:
every date is computed from the due day afresh, so a short month never makes later dates drift.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _as_day_array(values: Any) -> np.ndarray:
    """Dates (Series, Index, array, scalar) → ``datetime64[D]`` array, NaT kept."""
    if isinstance(values, pd.Series | pd.Index):
        values = values.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
    return np.asarray(values, dtype="datetime64[D]")


def day_of_month(dates: Any) -> np.ndarray:
    """Day of month (1–31) of each date as int64; NaT gives 0."""
    days = _as_day_array(dates)
    months = days.astype("datetime64[M]")
    result = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return np.where(np.isnat(days), 0, result)


def resolve_due_day(pickup_date: Any, first_due_date: Any, bank_due_day: Any) -> np.ndarray:
    """The due day of each loan: bank due day, else the day of 首期还款日, else the day of pickup.

    ``bank_due_day`` is a nullable integer Series/array (NA or 0 = not known).
    """
    pickup_day = day_of_month(pickup_date)
    first_day = day_of_month(first_due_date)
    if isinstance(bank_due_day, pd.Series | pd.Index):
        bank = bank_due_day.astype("Int64").fillna(0).to_numpy(dtype=np.int64)
    else:
        bank = np.asarray(pd.array(np.atleast_1d(bank_due_day), dtype="Int64").fillna(0), dtype=np.int64)
    return np.where(bank > 0, bank, np.where(first_day > 0, first_day, pickup_day))


def first_due_month(pickup_date: Any, first_due_date: Any) -> np.ndarray:
    """Month of 首期还款日 where given, else the month after pickup, as ``datetime64[M]``."""
    pickup = _as_day_array(pickup_date).astype("datetime64[M]")
    first = _as_day_array(first_due_date).astype("datetime64[M]")
    return np.where(np.isnat(first), pickup + np.timedelta64(1, "M"), first)


def due_dates(first_month: Any, due_day: Any, periods: Any) -> np.ndarray:
    """Due date of period ``periods`` (1-based) for loans whose first due month and due day are given.

    Element-wise with numpy broadcasting, so ``due_dates(np.datetime64("2024-02"), 31, np.arange(1, 13))``
    lists twelve dates of one loan and equal-length arrays give one date per installment row.
    Returns ``datetime64[D]``.
    """
    first = np.asarray(first_month, dtype="datetime64[M]")
    months = first + (np.asarray(periods, dtype=np.int64) - 1).astype("timedelta64[M]")
    month_start = months.astype("datetime64[D]")
    month_length = ((months + np.timedelta64(1, "M")).astype("datetime64[D]") - month_start).astype(np.int64)
    day = np.minimum(np.asarray(due_day, dtype=np.int64), month_length)
    return month_start + (day - 1).astype("timedelta64[D]")
