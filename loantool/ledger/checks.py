"""Checks on entry (核对验证数据): what the desk checks before a schedule is printed.

Each finding names the cell and is a warning – the number may be odd but real (a UnionPay card that
fails the Luhn check exists) – except a contract number used twice, which is an error: every other
command keys on it. Nothing is ever corrected here. The checks run over whole columns with numpy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CellProblem
from ..i18n import _

# (row label, field key, cell value, reason, code) → a CellProblem naming file, sheet, row and column
ProblemAt = Callable[[Any, str, Any, str, str], CellProblem]

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
EARLIEST_PICKUP = date(2000, 1, 1)


def _digits(strings: list[str], width: int) -> np.ndarray:
    """Equal-length ASCII strings → an (n, width) array of their characters' codes."""
    joined = "".join(strings).encode("ascii")
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(strings), width)


def id_checksum_ok(ids: list[str]) -> np.ndarray:
    """GB 11643 check character of 18-character ID numbers (17 digits, then a digit or X)."""
    if not ids:
        return np.zeros(0, dtype=bool)
    chars = _digits(ids, 18)
    total = (chars[:, :17].astype(np.int64) - 48) @ _ID_WEIGHTS
    return _ID_CHECK[total % 11] == chars[:, 17]


def luhn_ok(numbers: list[str]) -> np.ndarray:
    """The Luhn check digit of card numbers, all of the same length."""
    if not numbers:
        return np.zeros(0, dtype=bool)
    digits = _digits(numbers, len(numbers[0])).astype(np.int64) - 48
    from_right = digits[:, ::-1].copy()
    doubled = from_right[:, 1::2] * 2
    from_right[:, 1::2] = np.where(doubled > 9, doubled - 9, doubled)
    return from_right.sum(axis=1) % 10 == 0


# digits are ASCII digits here: another script's digits (٦٢٢٢ …) make a number not well formed, never a
# crash of the check-digit arithmetic; these two match a whole column of numbers as the desk types them
_PLAIN_CARDS = re.compile(r"[0-9]{16,19}(?:\n[0-9]{16,19})*")
_PLAIN_PHONES = re.compile(r"1[0-9]{10}(?:\n1[0-9]{10})*")


def _all_plain(values: list[str], pattern: re.Pattern[str]) -> bool:
    """Whether every value is matched whole by ``pattern`` (written for the values joined by newlines):
    one pass of the regex engine instead of one call per value. A value holding a newline itself makes
    the count of lines wrong, and the answer no."""
    if not values:
        return True
    joined = "\n".join(values)
    return joined.count("\n") == len(values) - 1 and pattern.fullmatch(joined) is not None


def _text_cells(frame: pd.DataFrame, key: str) -> pd.Series:
    if key not in frame:
        return pd.Series([], dtype=object)
    return frame[key].dropna().astype(str)


def check_id_numbers(frame: pd.DataFrame, problem_at: ProblemAt) -> list[CellProblem]:
    found: list[CellProblem] = []
    ids = _text_cells(frame, "id_no")
    long_form = ids.str.fullmatch(r"[0-9]{17}[0-9X]")
    old_form = ids.str.fullmatch(r"[0-9]{15}")
    for label in ids.index[~(long_form | old_form)]:
        found.append(problem_at(label, "id_no", ids[label],
                                _("an ID number has 18 characters (17 digits, then a digit or X)"),
                                "id-number"))
    candidates = ids[long_form]
    bad_sum = candidates.index[~id_checksum_ok(candidates.tolist())]
    for label in bad_sum:
        found.append(problem_at(label, "id_no", ids[label],
                                _("the check character (GB 11643) does not match; check the ID number"),
                                "id-number"))
    births = pd.concat([candidates.str[6:14], "19" + ids[old_form].str[6:12]])
    unreal = pd.to_datetime(births, format="%Y%m%d", errors="coerce").isna()
    for label in births.index[unreal.to_numpy()]:
        if label not in bad_sum:
            found.append(problem_at(label, "id_no", ids[label],
                                    _("the birth date inside the ID number is not a real date"), "id-number"))
    return found


def check_cards(frame: pd.DataFrame, problem_at: ProblemAt) -> list[CellProblem]:
    found: list[CellProblem] = []
    cards = _text_cells(frame, "card_no")
    good = cards
    if not _all_plain(cards.tolist(), _PLAIN_CARDS):  # (else: none masked, all well formed)
        masked = cards.str.contains("*", regex=False)
        well_formed = cards.str.fullmatch(r"[0-9]{16,19}")
        for label in cards.index[masked]:
            found.append(problem_at(label, "card_no", cards[label],
                                    _("the card number is masked; enter the full number"), "card-number"))
        for label in cards.index[~masked & ~well_formed]:
            found.append(problem_at(label, "card_no", cards[label],
                                    _("a bank card number has 16–19 digits"), "card-number"))
        good = cards[well_formed]
    numbers = good.tolist()
    lengths = np.fromiter(map(len, numbers), dtype=np.int64, count=len(numbers))
    for length in np.unique(lengths).tolist():
        same = np.flatnonzero(lengths == length)
        for label in good.index[same[~luhn_ok([numbers[i] for i in same.tolist()])]]:
            found.append(problem_at(label, "card_no", cards[label],
                                    _("fails the card's check digit (Luhn); check the number (a few UnionPay "
                                      "cards do fail it)"), "card-number"))
    return found


def check_phones(frame: pd.DataFrame, problem_at: ProblemAt, key: str = "phone") -> list[CellProblem]:
    phones = _text_cells(frame, key)
    if _all_plain(phones.tolist(), _PLAIN_PHONES):  # 11 digits starting with 1, all of them
        return []
    national = phones.str.replace(r"^(?:\+?86|0086)", "", regex=True).str.replace("-", "", regex=False)
    bad = ~national.str.fullmatch(r"1[0-9]{10}")
    reason = _("a mobile number has 11 digits starting with 1")
    return [problem_at(label, key, phones[label], reason, "phone") for label in phones.index[bad]]


def check_loan_terms(frame: pd.DataFrame, problem_at: ProblemAt, today: date) -> list[CellProblem]:
    found: list[CellProblem] = []
    if "principal" in frame:
        principal = frame["principal"]
        for label in frame.index[(principal <= 0).fillna(False).to_numpy(dtype=bool)]:
            found.append(problem_at(label, "principal", _yuan(principal[label]),
                                    _("the loan amount must be more than 0"), "principal"))
    if "term" in frame:
        term = frame["term"]
        for label in frame.index[term.isna().to_numpy(dtype=bool)]:
            found.append(problem_at(label, "term", None,
                                    _("no term: enter 期数 in months (or 贷款年限 in years)"), "term"))
        outside = ((term < 1) | (term > 120)).fillna(False).to_numpy(dtype=bool)
        for label in frame.index[outside]:
            found.append(problem_at(label, "term", int(term[label]), _("the term must be 1–120 months"),
                                    "term"))
    if "pickup_date" in frame:
        pickup = frame["pickup_date"]
        future = (pickup > pd.Timestamp(today)).to_numpy(dtype=bool)
        early = (pickup < pd.Timestamp(EARLIEST_PICKUP)).to_numpy(dtype=bool)
        for label in frame.index[future]:
            found.append(problem_at(label, "pickup_date", pickup[label].date().isoformat(),
                                    _("the pickup date is after today ({today})").format(
                                        today=today.isoformat()), "pickup-date"))
        for label in frame.index[early]:
            found.append(problem_at(label, "pickup_date", pickup[label].date().isoformat(),
                                    _("the pickup date is before 2000"), "pickup-date"))
    return found


FIRST_DUE_WARN_DAYS = 62  # a first due date further than this after the pickup is probably a typing slip


def check_first_due(frame: pd.DataFrame, problem_at: ProblemAt) -> list[CellProblem]:
    """A 首期还款日 more than 62 days after the 提车日期: a warning (one before it is an error, raised
    where the schedule is computed – core.loans.schedule_inputs)."""
    if "first_due_date" not in frame or "pickup_date" not in frame:
        return []
    first_due, pickup = pd.to_datetime(frame["first_due_date"]), pd.to_datetime(frame["pickup_date"])
    late = ((first_due - pickup).dt.days > FIRST_DUE_WARN_DAYS).to_numpy(dtype=bool)
    return [problem_at(label, "first_due_date", first_due[label].date().isoformat(),
                       _("the first due date is {days} days after the pickup date ({pickup}); more than "
                         "{limit} is unusual: check both dates").format(
                           days=int((first_due[label] - pickup[label]).days),
                           pickup=pickup[label].date().isoformat(), limit=FIRST_DUE_WARN_DAYS),
                       "first-due-date")
            for label in frame.index[late]]


def _yuan(fen: Any) -> str:
    from ..money import fen_to_str

    return fen_to_str(int(fen))


def check_loans(frame: pd.DataFrame, problem_at: ProblemAt, today: date) -> list[CellProblem]:
    """Every entry-check warning for the loans of the ledger, in row order."""
    found = (
        check_id_numbers(frame, problem_at)
        + check_cards(frame, problem_at)
        + check_phones(frame, problem_at, "phone")
        + check_phones(frame, problem_at, "guarantor_phone")
        + check_loan_terms(frame, problem_at, today)
        + check_first_due(frame, problem_at)
    )
    return sorted(found, key=lambda p: (p.row or 0, p.column or ""))


def duplicate_contracts(frame: pd.DataFrame, problem_at: ProblemAt) -> list[CellProblem]:
    """Errors: every row whose contract number another row also uses."""
    if "contract_no" not in frame or frame.empty:
        return []
    numbers = frame["contract_no"].dropna()
    repeated = numbers[numbers.duplicated(keep=False)]
    found: list[CellProblem] = []
    rows = frame["excel_row"] if "excel_row" in frame else pd.Series(frame.index, index=frame.index)
    for number, group in repeated.groupby(repeated, sort=False):
        where = ", ".join(str(int(rows[label])) for label in group.index)
        for label in group.index:
            found.append(problem_at(label, "contract_no", number,
                                    _("contract number used on more than one row (rows {rows}); each loan "
                                      "needs its own").format(rows=where), "duplicate-contract"))
    return sorted(found, key=lambda p: p.row or 0)
