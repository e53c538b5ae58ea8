"""Cell references and cell values as worksheet XML writes them (单元格地址与取值的写法).

Numbers go in as their exact decimal text (Decimal("1234.50") → "1234.5", never float noise, never more
than Excel's 15 significant digits), dates as Excel day numbers in the workbook's date system, text
XML-escaped with OOXML's ``_xHHHH_`` escapes for characters XML cannot carry.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

from ..i18n import _

CellValue = str | int | Decimal | dt.date | bool | None

MAX_ROW = 1_048_576
MAX_COL = 16_384
_EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number; more would be silently lost
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_ESCAPED_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INVALID_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# anything escape_text changes or refuses; most text has none of it and is returned as it is
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_DAY_ZERO = dt.date(1899, 12, 30)  # day 0 of the 1900 system, counting Excel's fictitious 1900-02-29
_EPOCH_1904 = dt.date(1904, 1, 1)


# ---------------------------------------------------------------------------------------- references


def col_letters(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def col_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def parse_ref(ref: str) -> tuple[int, int]:
    """``"AB12"`` → (12, 28)."""
    match = _CELL_REF.match(ref.strip().upper())
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(match.group(2)), col_number(match.group(1))


def cell_ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def parse_range(text: str) -> tuple[int, int, int, int]:
    """``"A1:D10"`` (or one cell) → (first row, first col, last row, last col)."""
    first, _, last = text.partition(":")
    r1, c1 = parse_ref(first)
    r2, c2 = parse_ref(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def format_range(r1: int, c1: int, r2: int, c2: int) -> str:
    first, last = cell_ref(r1, c1), cell_ref(r2, c2)
    return first if first == last else f"{first}:{last}"


# ------------------------------------------------------------------------------------------- values


def excel_serial(value: dt.date, date1904: bool = False) -> Fraction:
    """A date (or datetime) as Excel's day number, exactly (1900 system with its fake 1900-02-29)."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if date1904:
        days = (day - _EPOCH_1904).days
    elif day >= dt.date(1900, 3, 1):
        days = (day - _DAY_ZERO).days
    else:
        days = (day - dt.date(1899, 12, 31)).days
    if days < 0 or (not date1904 and days < 1):
        raise ValueError(_("{value} is before the first date Excel can hold").format(value=value))
    serial = Fraction(days)
    if isinstance(value, dt.datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        serial += Fraction(seconds * 1_000_000 + value.microsecond, 86_400_000_000)
    return serial


def number_text(value: int | Decimal) -> str:
    """The exact decimal text of a number for ``<v>``: Decimal("1234.50") → "1234.5", no float noise."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(_("{value} is not a finite number").format(value=value))
    if number == 0:
        return "0"
    number = number.normalize()
    if len(number.as_tuple().digits) > _EXCEL_DIGITS:
        raise ValueError(
            _("{value} has more than {digits} significant digits; Excel would lose the tail (write "
              "identifiers as text)").format(value=value, digits=_EXCEL_DIGITS)
        )
    return format(number, "f")


def serial_text(serial: Fraction) -> str:
    if serial.denominator == 1:
        return str(serial.numerator)
    return repr(float(serial))  # the shortest text that reads back as the same double


def escape_text(text: str) -> str:
    """Text for an XML text node, with OOXML's ``_xHHHH_`` escapes for what XML cannot carry."""
    if not _SPECIAL.search(text):
        return text
    if _INVALID_XML.search(text):
        raise ValueError(_("{text} holds characters that cannot be stored in a workbook").format(
            text=repr(text)))
    text = _ESCAPED_LOOKALIKE.sub(r"_x005F_\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def unescape_text(text: str) -> str:
    text = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&#13;", "\r")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def check_value(value: object) -> None:
    """Refuse what the writer cannot store exactly, before anything is written."""
    if value is None or isinstance(value, (str, bool, dt.date)):
        if isinstance(value, str):
            escape_text(value)
        return
    if isinstance(value, (int, Decimal)):
        number_text(value)
        return
    raise TypeError(  # a programming error (the writer's callers convert their values), not for the desk
        f"cannot write {type(value).__name__} {value!r} to the ledger (use str, int, Decimal, date or bool)"
    )
