"""Cell values → typed columns, one kind of ``schema.KINDS`` at a time, with a reason for every bad cell.

A column is factorized first (:class:`Column`: integer codes into its distinct values), each distinct
value is coerced once, and the result is spread back over the rows with numpy. A payments sheet of
400,000 rows holds a few hundred dates, a few thousand amounts and three payment types, so the Python
work is per distinct value, not per cell. A column whose values are all different (流水号) is not
hashed at all: its "distinct values" are its cells.

Identifiers stay text. A card or ID number that reached the file as a number has already lost its last
digits (a spreadsheet keeps 15 significant digits): that is an error, never "repaired".
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..dayparse import BLANK_WORDS, DateError, parse_day
from ..i18n import N_, _
from ..money import MoneyError, parse_rate, yuan_to_fen_exact


class CoerceError(ValueError):
    """A cell that is not a value of its kind; the message is the reason shown to the user."""


STORED_AS_NUMBER = N_("stored as a number, its last digits may be lost; format the column as text and "
                      "re-enter")
TOTAL_WORDS = ("人民币合计", "合计", "总计", "小计")

_FLOAT_EXACT = 1e15  # at and above this a spreadsheet number may have lost digits
_WS = re.compile(r"\s+")
_PLAIN_ID = re.compile(r"[0-9A-Za-z_\-/.*#]+")
_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?[eE][+-]\d+")  # Excel writes 6.22202E+18
_PLAIN_AMOUNT = re.compile(r"(-?)(\d{1,13})(?:\.(\d{1,2}))?")
_WHOLE = re.compile(r"(?:每月)?([+-]?\d+)(?:\.0+)?(?:期|个月|月|日|号|天|年)?")


# ----------------------------------------------------------------------------------------------- columns


class _Flag:
    """A TRUE/FALSE cell kept apart from 1 and 0 while factorizing (``True == 1`` in Python)."""

    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Flag) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("flag", self.value))


_TYPE_OF = np.frompyfunc(type, 1, 1)
_IS_SPACE = np.frompyfunc(str.isspace, 1, 1)
_DISTINCT_MIN_ROWS = 20_000  # below this, hashing a column costs next to nothing
_DISTINCT_SAMPLE = 1_000


def types_of(values: np.ndarray) -> np.ndarray:
    """``type`` of each value of an object array (one pass in C when all share one type)."""
    if not len(values):
        return np.empty(0, dtype=object)
    kinds = set(map(type, values.tolist()))
    if len(kinds) == 1:
        return np.full(len(values), kinds.pop(), dtype=object)
    return _TYPE_OF(values)


@dataclass
class Column:
    """The cells of one column as ``codes`` (−1 = empty cell) into ``uniques``.

    ``uniques`` are the column's distinct values – or, for a long column whose values look all
    different (a sample of them has no repeat: 流水号), simply its cells, as hashing them would buy
    nothing. Every step works per entry of ``uniques`` and spreads the result over the rows, so both
    forms give the same results."""

    codes: np.ndarray
    uniques: np.ndarray
    _types: np.ndarray | None = None  # type of each unique value, computed once
    _blank: np.ndarray | None = None  # per unique value: empty or only spaces
    _has_empty: bool | None = None  # whether a code is −1, worked out once
    _strings: np.ndarray | None = None  # positions of the unique values that are text, computed once
    alnum: bool = False  # known from where the values came: every text is ASCII letters and digits only

    @classmethod
    def of(cls, values: Sequence[Any] | np.ndarray) -> Column:
        if isinstance(values, np.ndarray) and values.dtype == object:
            cells = values
        else:
            cells = np.empty(len(values), dtype=object)
            cells[:] = list(values)
        if _looks_distinct(cells):
            return cls._of_cells(cells)
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        if _may_hide_flags(uniques):
            # TRUE may have merged with 1 (and FALSE with 0): factorize again with the flags kept apart
            flags = np.flatnonzero(np.equal(_TYPE_OF(cells), bool))
            if len(flags):
                cells = cells.copy()
                cells[flags] = [_Flag(v) for v in cells[flags]]
                codes, uniques = pd.factorize(cells, use_na_sentinel=True)
                uniques = [u.value if isinstance(u, _Flag) else u for u in uniques]
        plain = np.empty(len(uniques), dtype=object)
        plain[:] = list(uniques)
        return cls(np.asarray(codes, dtype=np.intp), plain)

    @classmethod
    def _of_cells(cls, cells: np.ndarray) -> Column:
        """Each cell its own entry; empty cells (None, NaN – what factorize leaves out) are −1."""
        missing = pd.isna(cells)
        codes = np.arange(len(cells), dtype=np.intp)
        codes[missing] = -1
        uniques = np.array(cells, dtype=object, copy=True)
        uniques[missing] = ""  # never looked up through a code; blank, so never coerced either
        return cls(codes, uniques)

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, selector: np.ndarray) -> Column:
        return Column(self.codes[selector], self.uniques, self._types, self._blank, _strings=self._strings,
                      alnum=self.alnum)

    def value(self, position: int) -> Any:
        code = self.codes[position]
        return None if code < 0 else self.uniques[code]

    def values(self) -> list[Any]:
        return [self.value(i) for i in range(len(self))]

    def has_empty(self) -> bool:
        """Whether a row holds no value at all (its code is −1)."""
        if self._has_empty is None:
            self._has_empty = bool(len(self.codes)) and bool(self.codes.min() < 0)
        return self._has_empty

    def per_row(self, per_unique: np.ndarray, empty: Any) -> np.ndarray:
        """Spread a per-distinct-value array over the rows; ``empty`` where the cell is empty."""
        if not self.has_empty():
            return per_unique[self.codes]
        extended = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
        extended[:-1] = per_unique
        extended[-1] = empty
        return extended[np.where(self.codes < 0, len(per_unique), self.codes)]

    def types(self) -> np.ndarray:
        if self._types is None:
            self._types = types_of(self.uniques)
        return self._types

    def string_positions(self) -> np.ndarray:
        """Positions (ascending) of the unique values that are ``str``."""
        if self._strings is None:
            self._strings = np.flatnonzero(np.equal(self.types(), str))
        return self._strings

    def blank_unique(self) -> np.ndarray:
        if self._blank is None:
            blank = np.zeros(len(self.uniques), dtype=bool)
            strings = self.string_positions()
            if len(strings):
                text = self.uniques[strings]
                blank[strings] = (text == "") | _IS_SPACE(text).astype(bool)
            self._blank = blank  # None and NaN never reach the uniques: they are factorize's −1
        return self._blank

    def blank(self) -> np.ndarray:
        """Rows whose cell is empty or only spaces."""
        blank = self.blank_unique()
        if not self.has_empty() and not blank.any():  # (no gather for a column without a blank cell)
            return np.zeros(len(self.codes), dtype=bool)
        return self.per_row(blank, True)

    def total_label(self) -> np.ndarray:
        """Rows whose cell starts with a total label (合计, 总计, 人民币合计, 小计)."""
        flags = np.zeros(len(self.uniques), dtype=bool)
        strings = self.string_positions()
        # a label's first character is one of 人合总小: only values holding one are looked at
        if len(strings) and _TOTAL_CHARS.search("".join(self.uniques[strings].tolist())):
            flags[strings] = np.fromiter(map(is_total_label, self.uniques[strings].tolist()), dtype=bool,
                                         count=len(strings))
        if not flags.any():
            return np.zeros(len(self.codes), dtype=bool)
        return self.per_row(flags, False)


def _looks_distinct(cells: np.ndarray) -> bool:
    """A long column in which a sample spread over it has no value twice."""
    if len(cells) < _DISTINCT_MIN_ROWS:
        return False
    sample = cells[:: len(cells) // _DISTINCT_SAMPLE].tolist()
    try:
        return len(set(sample)) == len(sample)
    except TypeError:  # an unhashable cell: let factorize say so
        return False


def _may_hide_flags(uniques: np.ndarray) -> bool:
    if not len(uniques):
        return False
    types = types_of(uniques)
    if np.equal(types, bool).any():
        return True
    numbers = uniques[np.equal(types, float) | np.equal(types, int)]
    return bool(((numbers == 0) | (numbers == 1)).any())


def is_blank(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        return not value or (value[0].isspace() and not value.strip())
    if kind is float:
        return value != value  # NaN
    return value is None


_TOTAL_FIRST = frozenset(word[0] for word in TOTAL_WORDS)
_TOTAL_CHARS = re.compile(f"[{''.join(sorted(_TOTAL_FIRST))}]")


def is_total_label(value: Any) -> bool:
    if type(value) is not str:
        return False
    text = value.lstrip()
    if not text or text[0] not in _TOTAL_FIRST:
        return False
    return _WS.sub("", text).startswith(TOTAL_WORDS)


# the words that open a footer under a table (DOMAIN.md "Bank files"): notes and sign-off lines, with
# their colon (备注：…, 制表人：张三, 审核：), or a total label (合计 …, is_total_label)
_FOOTER = re.compile(
    r"(?:备注|附注|注|说明|注意|特别说明|制表人?|制表日期|填表人?|填报人?|填报日期|审核人?|复核人?|审批人?|批准人?|"
    r"经办人?|负责人|主管|会计|出纳|记账|签字|签章|盖章|打印人|打印时间|打印日期|导出时间|导出日期|日期|"
    r"notes?|remarks?|preparedby|checkedby|reviewedby|approvedby|printedon|printedby|date)[:：]",
    re.IGNORECASE)


def is_footer_label(value: Any) -> bool:
    """Whether a cell opens a footer: 备注：…, 制表人：…, 审核：…, 合计 … (text only)."""
    if type(value) is not str:
        return False
    text = _WS.sub("", unicodedata.normalize("NFKC", value))
    return bool(_FOOTER.match(text)) or is_total_label(text) or text.lower() in ("total", "total:")


# --------------------------------------------------------------------------------------------- scalars


def _text_of(value: Any) -> str:
    """A cell as the user sees it: ``12345.0`` → ``"12345"``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < _FLOAT_EXACT:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if value is True or value is False:
        return "TRUE" if value else "FALSE"
    return str(value)


def shown(value: Any) -> str | None:
    """A cell as the user sees it, for messages: ``-4290000.0`` → ``"-4290000"``, a date as
    ``2024-03-22``, text as written; None for an empty cell."""
    if value is None or (type(value) is float and value != value):
        return None
    return value if type(value) is str else _text_of(value)


def _unwrap(text: str) -> str:
    """Strip the ways spreadsheets force text: ``="…"`` and a leading apostrophe."""
    if text.startswith('="') and text.endswith('"') and len(text) >= 3:
        text = text[2:-1]
    return text.lstrip("'‘’`")


def to_text(value: Any) -> str | None:
    """Free text, stripped; a ``="…"`` wrapper (a bank export's way to force text) is removed."""
    if value is None:
        return None
    if type(value) is str:
        text = value.strip()
        if text.startswith('="') and text.endswith('"') and len(text) >= 3:
            text = text[2:-1].strip()
        return text or None
    if isinstance(value, float) and not math.isfinite(value):
        raise CoerceError(_("not a finite number"))
    return _text_of(value).strip() or None


def to_identifier(value: Any, kind: str = "contract") -> str | None:
    """Contract, ID, card or phone number as text: spaces, tabs, ``="…"`` and apostrophes removed."""
    if value is None:
        return None
    if type(value) is str:
        text = value
        if not _PLAIN_ID.fullmatch(text):
            text = _unwrap(_WS.sub("", unicodedata.normalize("NFKC", text)))
            if _SCIENTIFIC.fullmatch(text):
                raise CoerceError(_("shown in scientific notation: {reason}").format(
                    reason=_(STORED_AS_NUMBER)))
        if kind == "id_no":
            text = text.upper()
        return text or None
    if value is True or value is False:
        raise CoerceError(_("a TRUE/FALSE value, not a number or code"))
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or abs(value) >= _FLOAT_EXACT:
            raise CoerceError(_(STORED_AS_NUMBER))
        if isinstance(value, float) and not value.is_integer():
            raise CoerceError(_("a number with decimals, not a number or code; format the column as text"))
        return str(int(value))
    if isinstance(value, (date, time, timedelta)):
        raise CoerceError(_("a date or time, not a number or code"))
    return to_text(value)


def _blank_word(value: Any) -> str | None:
    """The cleaned text of a string cell, or None when it means "empty" (blank, ``-``, ``/`` …)."""
    text = unicodedata.normalize("NFKC", value).strip()
    return None if not text or text in BLANK_WORDS else text


def to_amount(value: Any) -> int | None:
    """Yuan → integer fen, exactly: ``1234.5``, ``"¥1,234.50"``, ``"1,234.50元"``, full-width digits."""
    if value is None:
        return None
    kind = type(value)
    if kind is float:
        if not math.isfinite(value) or abs(value) >= 1e13:
            raise CoerceError(_("not a usable amount"))
        fen = round(value * 100)
        if fen / 100 != value:  # the nearest double to fen/100 is value only if value has ≤ 2 decimals
            raise CoerceError(_("has more than two decimals (fractions of a fen)"))
        return int(fen)
    if kind is int:
        return value * 100
    if kind is str:
        match = _PLAIN_AMOUNT.fullmatch(value)
        if match:
            sign, whole, cents = match.groups()
            fen = int(whole) * 100 + int((cents or "0").ljust(2, "0"))
            return -fen if sign else fen
        text = _blank_word(value)
        if text is None:
            return None
        try:
            return yuan_to_fen_exact(text)
        except MoneyError as exc:
            raise CoerceError(str(exc)) from None
    if value is True or value is False:
        raise CoerceError(_("a TRUE/FALSE value, not an amount"))
    raise CoerceError(_("a {what}, not an amount").format(what=_what(value)))


def to_rate(value: Any) -> int | None:
    """A rate in 1e-8 units (money.parse_rate): ``0.0475``, ``"4.75%"`` and ``4.75`` are all 4.75 %."""
    if value is None:
        return None
    if type(value) is str:
        text = _blank_word(value)
        if text is None:
            return None
        value = _unwrap(text)
    elif value is True or value is False or not isinstance(value, (int, float)):
        raise CoerceError(_("a {what}, not a rate").format(what=_what(value)))
    try:
        return parse_rate(value)
    except MoneyError as exc:
        raise CoerceError(str(exc)) from None


def to_whole(value: Any) -> int | None:
    """A whole number: ``36``, ``36.0``, ``"36期"``, ``"每月15日"``, ``"3年"``."""
    if value is None:
        return None
    if type(value) is str:
        text = _blank_word(value)
        if text is None:
            return None
        match = _WHOLE.fullmatch(_WS.sub("", _unwrap(text)))
        if not match:
            raise CoerceError(_("not a whole number"))
        return int(match.group(1))
    if value is True or value is False or not isinstance(value, (int, float)):
        raise CoerceError(_("a {what}, not a whole number").format(what=_what(value)))
    if isinstance(value, float) and not value.is_integer():
        raise CoerceError(_("not a whole number"))
    return int(value)


def to_date(value: Any) -> date | None:
    """A date cell, read as every date is (:func:`dayparse.parse_day`): Excel serials, dates and
    datetimes, ``2024-03-22``, ``2024/3/22``, ``2024年3月22日``, ``20240322`` …"""
    if value is True or value is False or not isinstance(value, (str, date, int, float, type(None))):
        raise CoerceError(_("a {what}, not a date").format(what=_what(value)))  # TRUE, a time of day …
    try:
        return parse_day(value)
    except DateError as exc:
        raise CoerceError(str(exc)) from None


def _what(value: Any) -> str:
    if isinstance(value, datetime | date):
        return _("date")
    if isinstance(value, time):
        return _("time of day")
    if isinstance(value, timedelta):
        return _("duration")
    if value is True or value is False:
        return _("TRUE/FALSE value")
    if isinstance(value, (int, float)):
        return _("number")
    return type(value).__name__


def code_reader(codes: dict[str, tuple[str, ...]], what: str) -> Callable[[Any], str | None]:
    """A coercer from the schema's code words (Chinese or English, any case) to the English code."""
    lookup = {_WS.sub("", unicodedata.normalize("NFKC", word)).lower(): code
              for word, code in schema.code_lookup(codes).items()}
    choices = ", ".join(f"{words[0]} ({code})" for code, words in codes.items())

    def read(value: Any) -> str | None:
        if value is None:
            return None
        text = _WS.sub("", unicodedata.normalize("NFKC", _text_of(value))).lower()
        if not text:
            return None
        try:
            return lookup[text]
        except KeyError:
            raise CoerceError(_("not a known {what}; use one of {choices}").format(
                what=_(what), choices=choices)) from None

    return read


_YESNO = {_WS.sub("", word).lower(): answer for answer, words in ((True, schema.YES), (False, schema.NO))
          for word in words}


def to_yesno(value: Any) -> bool:
    if value is None:
        return False
    if value is True or value is False:
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _WS.sub("", unicodedata.normalize("NFKC", str(value))).lower()
    try:
        return _YESNO[text]
    except KeyError:
        raise CoerceError(_("not yes or no; write 是 or 否")) from None


def status_key(value: Any) -> str:
    """A status as compared (schema.status_word), a ``="…"`` wrapper removed."""
    return schema.status_word(_unwrap(unicodedata.normalize("NFKC", _text_of(value)).strip()))


@dataclass(frozen=True)
class StatusWords:
    """What a bank statement's 状态 says (DOMAIN.md "Bank files"): ``ok`` only when the deduction
    succeeded, ``failed`` for every status that pays nothing; any other word is not guessed.

    Order: the configured unpaid words, the configured paid words, a status holding a not-paid marker
    (失败, 余额不足, 撤销 …), the known words of schema.DEDUCTION_STATUSES; else unknown."""

    paid: frozenset[str] = frozenset()
    unpaid: frozenset[str] = frozenset()

    @classmethod
    def of(cls, paid: Sequence[str] = (), unpaid: Sequence[str] = ()) -> StatusWords:
        return cls(frozenset(map(status_key, paid)) - {""}, frozenset(map(status_key, unpaid)) - {""})

    @classmethod
    def from_settings(cls, settings: Any) -> StatusWords:
        bank = getattr(settings, "bank", None)
        return cls.of(getattr(bank, "paid_statuses", ()), getattr(bank, "unpaid_statuses", ()))

    def classify(self, value: Any) -> str | None:
        """``ok``, ``failed``, or None for a status the tool does not know (and for an empty one)."""
        key = status_key(value)
        if not key:
            return None
        if key in self.unpaid:
            return "failed"
        if key in self.paid:
            return "ok"
        return schema.built_in_deduction_status(key)

    def read(self, value: Any) -> str | None:
        """The coercer of a status cell: an unknown status is a bad cell, never a guess."""
        if value is None or not status_key(value):
            return None
        code = self.classify(value)
        if code is None:
            raise CoerceError(_("not a status the tool knows; if it means the deduction succeeded, list it "
                                "under [bank] paid_statuses in loantool.toml, otherwise under [bank] "
                                "unpaid_statuses"))
        return code


BUILT_IN_STATUSES = StatusWords()


def to_deduction_status(value: Any) -> str | None:
    """A bank statement's 状态 by the built-in words (:class:`StatusWords`; the reader adds the
    configured ones): ``ok``, ``failed``; an unknown status raises :class:`CoerceError`."""
    return BUILT_IN_STATUSES.read(value)


# ------------------------------------------------------------------------------------------ dispatcher

Problem = tuple[int, Any, str]  # (row position, cell value, reason)


def _identifier_of(kind: str) -> Callable[[Any], str | None]:
    return lambda value: to_identifier(value, kind)


SCALARS: dict[str, Callable[[Any], Any]] = {
    "text": to_text,
    "contract": _identifier_of("contract"),
    "id_no": _identifier_of("id_no"),
    "card": _identifier_of("card"),
    "phone": _identifier_of("phone"),
    "date": to_date,
    "amount": to_amount,
    "rate": to_rate,
    "int": to_whole,
    "term_years": to_whole,
    "method": code_reader(schema.METHODS, N_("repayment method")),
    "status": code_reader(schema.STATUSES, N_("loan status")),
    "yesno": to_yesno,
    "grade": code_reader(schema.GRADES, N_("risk grade")),
    "payment_type": code_reader(schema.PAYMENT_TYPES, N_("payment type")),
    "deduction_status": to_deduction_status,
    "channel": code_reader(schema.CHANNELS, N_("collection channel (方式)")),
    "party": code_reader(schema.PARTIES, N_("contact party (对象)")),
}
_INTEGER_KINDS = {"amount", "rate", "int", "term_years"}
_EPOCH = date(1970, 1, 1)


def coerce_value(kind: str, value: Any) -> Any:
    """One cell (``None`` or blank text is empty); raises :class:`CoerceError` with the reason."""
    if value is not None and type(value) is str and not value.strip():
        value = None
    return SCALARS[kind](value)


def coerce_column(kind: str, column: Column, *, required: bool = False,
                  scalar: Callable[[Any], Any] | None = None, empty_reason: str | None = None
                  ) -> tuple[Any, list[Problem]]:
    """A column of cells → a typed array (object ``str``/None, ``datetime64[ns]``, ``Int64`` or
    ``boolean``) and every bad cell as ``(position, value, reason)``.

    Plain values (numbers of yuan, identifiers without spaces, clean text) are taken in bulk with
    numpy; the rest go one distinct value at a time through the scalar coercer of their kind (or
    ``scalar``, for a coercer that depends on the settings). ``empty_reason`` replaces the generic
    reason of an empty cell in a required column.
    """
    uniques = column.uniques
    results = np.empty(len(uniques), dtype=object)  # None: the cell is empty
    todo = ~column.blank_unique()
    fast = _FAST.get(kind)
    if fast is not None and todo.any():
        todo &= ~fast(kind, column, todo, results)
    reasons: dict[int, str] = {}
    scalar = scalar or SCALARS[kind]
    for i in np.flatnonzero(todo).tolist():
        try:
            results[i] = scalar(uniques[i])
        except CoerceError as exc:
            reasons[i] = str(exc)
    return _assemble(kind, column, results), _problems(column, results, reasons, required, empty_reason)


def _fast_amount(kind: str, column: Column, todo: np.ndarray, results: np.ndarray) -> np.ndarray:
    """Floats of yuan with at most two decimals, all at once (same test as :func:`to_amount`)."""
    uniques = column.uniques
    done = np.zeros(len(uniques), dtype=bool)
    index = np.flatnonzero(todo & np.equal(column.types(), float))
    if len(index):
        yuan = uniques[index].astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            fen = np.round(yuan * 100)
            exact = np.isfinite(yuan) & (np.abs(yuan) < 1e13) & (fen / 100 == yuan)
        results[index[exact]] = fen[exact].astype(np.int64).tolist()
        done[index[exact]] = True
    return done


_IS_ASCII = np.frompyfunc(str.isascii, 1, 1)
_IS_ALNUM = np.frompyfunc(str.isalnum, 1, 1)
_UPPER = np.frompyfunc(str.upper, 1, 1)
_STRIP = np.frompyfunc(str.strip, 1, 1)
_STARTS = np.frompyfunc(str.startswith, 2, 1)


def _fast_identifier(kind: str, column: Column, todo: np.ndarray, results: np.ndarray) -> np.ndarray:
    """Identifiers of ASCII letters and digits only (most of them): taken as they are."""
    uniques = column.uniques
    done = np.zeros(len(uniques), dtype=bool)
    strings = column.string_positions()
    index = strings[todo[strings]]
    if len(index):
        # (a long column of distinct 流水号, every value to do: no copies of it)
        text = uniques if len(index) == len(uniques) else uniques[index]
        if column.alnum or _joined_alnum(text):
            plain = index
        else:
            plain = index[_IS_ASCII(text).astype(bool) & _IS_ALNUM(text).astype(bool)]
        if kind == "id_no":
            results[plain] = _UPPER(uniques[plain])
        else:
            results[plain] = uniques if len(plain) == len(uniques) else uniques[plain]
        done[plain] = True
    return done


def _joined_alnum(text: np.ndarray) -> bool:
    """Whether every one of these texts (none empty) is ASCII letters and digits only: then so is all of
    them joined – one pass in C (bytes.isalnum is str.isalnum for ASCII, 10× faster)."""
    joined = "".join(text.tolist())
    return joined.isascii() and joined.encode("ascii").isalnum()


def _fast_text(kind: str, column: Column, todo: np.ndarray, results: np.ndarray) -> np.ndarray:
    """Text without surrounding spaces and without a ``="…"`` wrapper: taken as it is."""
    uniques = column.uniques
    done = np.zeros(len(uniques), dtype=bool)
    strings = column.string_positions()
    index = strings[todo[strings]]
    if len(index):
        text = uniques[index]
        clean = index[(_STRIP(text) == text) & ~_STARTS(text, '="').astype(bool)]
        results[clean] = uniques[clean]
        done[clean] = True
    return done


_FAST = {
    "amount": _fast_amount,
    "text": _fast_text,
    "contract": _fast_identifier,
    "id_no": _fast_identifier,
    "card": _fast_identifier,
    "phone": _fast_identifier,
}


def _problems(column: Column, results: np.ndarray, reasons: dict[int, str], required: bool,
              empty_reason: str | None = None) -> list[Problem]:
    bad_unique = np.zeros(len(results), dtype=bool)
    bad_unique[list(reasons)] = True
    problems: list[Problem] = []
    if reasons:
        for position in np.flatnonzero(column.per_row(bad_unique, False)).tolist():
            code = column.codes[position]
            problems.append((position, column.uniques[code], reasons[int(code)]))
    if required:
        empty_unique = np.equal(results, None).astype(bool) & ~bad_unique if len(results) else bad_unique
        if not empty_unique.any() and not column.has_empty():
            return problems  # no empty cell: nothing to spread over the rows
        for position in np.flatnonzero(column.per_row(empty_unique, True)).tolist():
            value = column.value(position)
            shown = None if is_blank(value) else value
            problems.append((position, shown, empty_reason or _("empty, but this column is required")))
        problems.sort(key=lambda p: p[0])
    return problems


def _assemble(kind: str, column: Column, results: np.ndarray) -> Any:
    if kind in _INTEGER_KINDS or kind == "deduction_status":
        empty = np.equal(results, None).astype(bool) if len(results) else np.zeros(0, dtype=bool)
    if kind in _INTEGER_KINDS:
        values = np.where(empty, 0, results).astype(np.int64)
        return pd.arrays.IntegerArray(column.per_row(values, 0), column.per_row(empty, True))
    if kind == "date":
        days = np.fromiter(
            ((r - _EPOCH).days if r is not None else np.iinfo(np.int64).min for r in results.tolist()),
            dtype=np.int64, count=len(results),
        ).view("datetime64[D]")
        return column.per_row(days, np.datetime64("NaT", "D")).astype("datetime64[ns]")
    if kind == "yesno":
        values = results.astype(bool)  # empty (None) is 否
        return pd.arrays.BooleanArray(column.per_row(values, False), np.zeros(len(column), dtype=bool))
    if kind == "deduction_status":
        # an empty or unknown status (a bad cell, kept only by read_table_with_problems) never pays
        results = np.where(empty, "failed", results).astype(object)
        return column.per_row(results, "failed")
    return column.per_row(results, None)


def coerce_values(kind: str, values: Sequence[Any], *, required: bool = False
                  ) -> tuple[pd.Series, list[Problem]]:
    """Convenience for callers with a plain list of cells (the reader uses :func:`coerce_column`)."""
    array, problems = coerce_column(kind, Column.of(list(values)), required=required)
    return as_series(array), problems


def as_series(array: Any, index: Any = None) -> pd.Series:
    """A typed array as a Series; text stays Python ``str``/None (object), never pandas' string dtype."""
    if isinstance(array, np.ndarray) and array.dtype == object:
        return pd.Series(array, index=index, dtype=object)
    return pd.Series(array, index=index)
