"""Money and rates: yuan ↔ integer fen, and half-up rounding. The only place that rounds.

Inside the core every amount is an integer number of fen (int64) and every rate is an integer number
of 1e-8 (``RATE_SCALE``), so 3.88 % is ``3_880_000``. Rounding is 四舍五入: half away from zero, done in
integer arithmetic, never with float rounding.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .i18n import _

if TYPE_CHECKING:  # numpy stays out of start-up
    import numpy as np

FEN = Decimal("0.01")
RATE_SCALE = 10**8  # a rate is held to 8 decimal places of a fraction (0.000001 %)
MAX_AMOUNT_FEN = 10**15  # 10 trillion yuan: no amount in a loan's books comes near it


class MoneyError(ValueError):
    """A value that is not an amount or a rate; the message says why, in words a user understands."""


# ---------------------------------------------------------------------------------------------- scalars


def _clean_text(text: str) -> str:
    """Full-width digits and signs to ASCII, thousands separators and currency marks removed."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.replace("\t", "").replace(" ", "")
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    text = text.strip("'")
    for mark in ("¥", "￥", "RMB", "CNY", "人民币", "元"):
        text = text.replace(mark, "")
    return text.replace(",", "")


def to_decimal(value: Any) -> Decimal:
    """An amount as an exact Decimal of yuan.

    A float is read through its shortest repr, so 0.1 + 0.2 style noise from Excel (1234.5 stored as
    1234.4999999999998 never happens for values typed by a person, but 0.0388 stays 0.0388).
    """
    if isinstance(value, bool):
        raise MoneyError(_("a TRUE/FALSE value, not an amount"))
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise MoneyError(_("not a finite number"))
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = _clean_text(value)
        negative = text.startswith("(") and text.endswith(")")
        if negative:
            text = text[1:-1]
        if not text:
            raise MoneyError(_("empty"))
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(_("not an amount")) from None
        if negative:
            result = -result
    else:
        raise MoneyError(_("not an amount"))
    if not result.is_finite():
        raise MoneyError(_("not a finite number"))
    return result


def _bounded(amount: Decimal) -> Decimal:
    if abs(amount) * 100 >= MAX_AMOUNT_FEN:
        raise MoneyError(_("far above any amount"))
    return amount


def to_fen(value: Any) -> int:
    """Yuan (number or text such as ``¥1,234.50``) → integer fen, rounding half up at the fen."""
    return int(_bounded(to_decimal(value)).quantize(FEN, rounding=ROUND_HALF_UP) * 100)


def yuan_to_fen_exact(value: Any) -> int:
    """Like :func:`to_fen` but refuses an amount with fractions of a fen (input checking)."""
    amount = _bounded(to_decimal(value))
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError(_("has more than two decimals (fractions of a fen)"))
    return int(fen)


def fen_to_decimal(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(FEN)


def fen_to_str(fen: int) -> str:
    """Integer fen → ``"1234.50"``: exactly two decimals, no separators (the JSON form)."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def fen_to_display(fen: int) -> str:
    """Integer fen → ``"1,234.50"`` for people."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def div_round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero, in exact integer arithmetic."""
    if denominator == 0:
        raise ZeroDivisionError("division by zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    sign = -1 if numerator < 0 else 1
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return sign * q


def round_fraction(value: Fraction) -> int:
    return div_round_half_up(value.numerator, value.denominator)


# ------------------------------------------------------------------------------------------------ rates


MAX_RATE = Decimal(10)  # 1000 %: no rate of any kind is above it (the settable limits are far below)


def parse_rate(value: Any) -> int:
    """A rate as integer units of 1e-8: ``0.0475``, ``"4.75%"`` and a bare ``4.75`` all mean 4.75 %.

    A bare number above 1 is a percentage; a bare 1 is refused (1 % or 100 %? – write it with %). The
    rate is exact in decimal (a binary float is read through its shortest repr) and held to 8 decimal
    places; more places than that are refused rather than silently rounded. Whether a rate is
    plausible for its loan is decided where the method is known (core.rates.RateLimits).
    """
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
        percent = text.endswith("%")
        text = text.rstrip("%")
        if not text:
            raise MoneyError(_("empty"))
        try:
            rate = Decimal(text)
        except InvalidOperation:
            raise MoneyError(_("not a rate")) from None
    else:
        percent = False
        try:
            rate = to_decimal(value)
        except MoneyError:
            raise MoneyError(_("not a rate")) from None
    if not rate.is_finite():
        raise MoneyError(_("not a rate"))
    if rate < 0:
        raise MoneyError(_("a rate cannot be negative"))
    if not percent:
        if rate == 1:
            raise MoneyError(_("a bare 1 may mean 1 % or 100 %; write 1% (or 100%)"))
        if rate > 1:
            rate /= 100
    else:
        rate /= 100
    if rate > MAX_RATE:
        raise MoneyError(_("far above any rate"))
    scaled = rate * RATE_SCALE
    if scaled != scaled.to_integral_value():
        # Excel arithmetic such as =5%/12*12 leaves noise in the 17th digit; a person never types 9+ places.
        if abs(scaled - scaled.to_integral_value(rounding=ROUND_HALF_UP)) > Decimal("0.0001"):
            raise MoneyError(_("has more than 8 decimal places"))
        scaled = scaled.to_integral_value(rounding=ROUND_HALF_UP)
    return int(scaled)


def percent_text(value: float | int) -> str:
    """A number shown with a percentage format as the percentage it shows: 0.0475 → ``"4.75%"``,
    1.5 → ``"150%"`` (exact in decimal, through the float's shortest repr)."""
    percent = (to_decimal(value) * 100).normalize()
    return f"{format(percent, 'f')}%"


def rate_to_str(rate_units: int) -> str:
    """Rate units → ``"4.75%"`` (as few decimals as needed)."""
    percent = Decimal(int(rate_units)) / (RATE_SCALE // 100)
    text = format(percent.normalize(), "f")
    return f"{text}%"


def rate_to_decimal(rate_units: int) -> Decimal:
    return Decimal(int(rate_units)) / RATE_SCALE


# ------------------------------------------------------------------------------------------- vectorized


def div_round_half_up_array(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """Element-wise ``numerator / denominator`` rounded half away from zero, exact in int64.

    The caller keeps ``2 * |numerator|`` inside int64 (amounts in fen times rates in 1e-8 units do,
    up to about 460 million yuan at a 100 % rate).
    """
    import numpy as np

    num = np.asarray(numerator, dtype=np.int64)
    den = np.asarray(denominator, dtype=np.int64)
    if np.any(den <= 0):
        raise ZeroDivisionError("denominators must be positive")
    magnitude = np.abs(num)
    # |n|/d rounds up exactly when its remainder is at least half of d, i.e. when |n| + floor(d/2)
    # reaches the next multiple of d: one floor division, which numpy does fast for a scalar d.
    q = np.asarray((magnitude + den // 2) // den)
    negative = num < 0
    if negative.any():
        np.negative(q, out=q, where=negative)
    return q
