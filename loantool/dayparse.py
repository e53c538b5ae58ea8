"""One reading of a typed date, for cells and for options alike (日期的写法).

``2024-03-22``, ``2024/3/22``, ``2024.3.22``, ``2024年3月22日``, ``20240322`` and ``2025/12/03  14:06:51``
(the date part), Excel day numbers, and date / datetime objects. A date outside the years 1900–2199 is a
typing error (the frames hold datetime64[ns]). The ledger reader (``ledger/coerce.to_date``) and the
command-line options (``cli.parse_date_option``) both read dates here, so ``--as-of 2026年11月30日``
means what the same text means in a cell. Light: no pandas, so options and loantool.toml are read fast.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from .i18n import _

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (serials above 60 skip Excel's fake 1900-02-29)
MAX_SERIAL = 2958465  # 9999-12-31
BLANK_WORDS = frozenset({"-", "--", "—", "——", "/", "n/a", "N/A", "无"})  # what a sheet shows for "no date"
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T)\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")


class DateError(ValueError):
    """Not a date; the message is the reason shown to the user."""


def parse_day(value: Any) -> date | None:
    """The date a cell or an option holds; None when it is empty (blank, ``-``, ``无`` …)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if not text or text in BLANK_WORDS:
            return None
        if text.startswith('="') and text.endswith('"') and len(text) >= 3:
            text = text[2:-1]
        text = text.lstrip("'‘’`").strip()
        match = _DATE.fullmatch(text) or _DATE_DIGITS.fullmatch(text)
        if not match:
            raise DateError(_("not a date (write it as 2024-03-22)"))
        return _calendar_date(*(int(g) for g in match.groups()[:3]))
    if value is True or value is False or not isinstance(value, (int, float)):
        raise DateError(_("not a date"))
    if not math.isfinite(value):
        raise DateError(_("not a date"))
    if float(value).is_integer() and 19000101 <= value <= 29991231:
        digits = int(value)
        return _calendar_date(digits // 10000, digits // 100 % 100, digits % 100)
    if 1 <= value <= MAX_SERIAL:
        days = int(value)
        return _in_range(EXCEL_EPOCH + timedelta(days=days if days > 60 else days + 1))
    raise DateError(_("a number that is not a date"))


def _calendar_date(year: int, month: int, day: int) -> date:
    try:
        day_ = date(year, month, day)
    except ValueError:
        shown = f"{year}-{month:02d}-{day:02d}"
        raise DateError(_("{day} is not a calendar date").format(day=shown)) from None
    return _in_range(day_)


def _in_range(day: date) -> date:
    if not 1900 <= day.year <= 2199:
        raise DateError(_("{day} is outside the years 1900–2199").format(day=day.isoformat()))
    return day
