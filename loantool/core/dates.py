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
        values = pd.to_datetime(values).to_numpy()
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
    if np.ndim(bank_due_day) == 0:
        bank_due_day = [bank_due_day]
    bank = pd.Series(bank_due_day, dtype="Int64").fillna(0).to_numpy(dtype=np.int64)
    return np.where(bank > 0, bank, np.where(first_day > 0, first_day, pickup_day))


def first_due_month(pickup_date: Any, first_due_date: Any) -> np.ndarray:
    """Month of 首期还款日 where given, else the month after pickup, as ``datetime64[M]``."""
    pickup = _as_day_array(pickup_date).astype("datetime64[M]")
    first = _as_day_array(first_due_date).astype("datetime64[M]")
    return np.where(np.isnat(first), pickup + np.timedelta64(1, "M"), first)


def due_dates(first_month: Any, due_day: Any, periods: Any) -> np.ndarray:
    """Due date of period ``periods`` (1-based) for loans whose first due month and due day are given.

    Element-wise with numpy broadcasting, so ``due_dates(np.datetime64("2024-02"), 31, np.arange(1, 13))``
    lists twelve dates of one loan and equal-length arrays give one date per installment row. A NaT first
    month gives NaT. Returns ``datetime64[D]``.
    """
    first, day, period = np.broadcast_arrays(
        np.asarray(first_month, dtype="datetime64[M]"),
        np.asarray(due_day, dtype=np.int64),
        np.asarray(periods, dtype=np.int64),
    )
    missing = np.isnat(first)
    months = first.astype(np.int64) + period - 1  # months since 1970-01
    if missing.any():
        months = np.where(missing, 0, months)
    if months.size == 0:
        return np.empty(months.shape, dtype="datetime64[D]")
    # Calendar conversions are slow per element, so look month starts up in a small table instead.
    lowest = int(months.min())
    table = np.arange(lowest, int(months.max()) + 2).astype("datetime64[M]").astype("datetime64[D]")
    table = table.astype(np.int64)
    where = months - lowest
    start = table[where]
    length = table[where + 1] - start
    result = (start + np.minimum(day, length) - 1).astype("datetime64[D]")
    if missing.any():
        result[missing] = np.datetime64("NaT")
    return result


def due_date_table(first_month: Any, due_day: Any, longest: int, unit: str = "D"
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Due dates of periods 1..``longest`` for every distinct (first month, due day) pair of the loans.

    Returns ``(table, pair_of_loan)``: ``table[pair_of_loan[i], k − 1]`` is the due date of period k of
    loan i as int64 counts of ``unit`` since 1970 (view them as ``datetime64[unit]``). Loans share few
    such pairs, so a schedule of millions of rows costs one small calendar computation and a lookup
    per row. ``first_month`` must not hold NaT.
    """
    first = np.asarray(first_month, dtype="datetime64[M]").astype(np.int64)
    day = np.asarray(due_day, dtype=np.int64)
    pairs, pair_of_loan = np.unique(first * 32 + day, return_inverse=True)
    table = due_dates((pairs // 32).astype("datetime64[M]")[:, None], (pairs % 32)[:, None],
                      np.arange(1, longest + 1)[None, :])
    return table.astype(f"datetime64[{unit}]").view(np.int64), pair_of_loan.ravel()
