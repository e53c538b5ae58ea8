"""Cell values as they come out of frames: one idea of "empty" (None, NaN, NaT, pd.NA) for everyone."""

from __future__ import annotations

import datetime as dt
from typing import Any


def is_missing(value: Any) -> bool:
    """None, NaN, NaT and pd.NA are missing; an empty string is not (it is text the user wrote)."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(value != value)  # NaN and NaT compare unequal to themselves
    except (TypeError, ValueError):  # pd.NA refuses to be a bool
        return True


def text_or_none(value: Any) -> str | None:
    return None if is_missing(value) else str(value)


def text_or_blank(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, pandas/numpy timestamp or ISO text; None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    import pandas as pd

    return pd.Timestamp(value).date()


def iso_date(value: Any) -> str | None:
    day = as_date(value)
    return None if day is None else day.isoformat()
