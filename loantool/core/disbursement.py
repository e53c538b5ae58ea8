"""What a matched disbursement slip (放款单) changes in the ledger, and how its figures compare with ours.

Pure: frames and matches in, cell changes and discrepancies out (no file access).

The slip gives four ledger cells: 放款日期 ``disbursed_on``, 银行还款日 ``bank_due_day``, 银行月还金额
``bank_monthly_amount`` and, where the slip has one, 首期还款日 ``first_due_date``. A cell already holding
the slip's value is left alone; an empty cell is filled; a cell holding a *different* value is a conflict
– listed, never overwritten unless the desk asks for it (``overwrite``). That makes a second import of the
same slip a no-op.

The cross-check recomputes our schedule for the loan with the bank's due day (and the slip's first due
date) under the same rules, and compares the bank's monthly amount with our first installment's payment
– for 等额本息 that is the regular payment (only the last one carries the residue); for 等本等费 and
等额本金 it is the first installment, as the bank quotes it. A difference above the tolerance is a
discrepancy, listed with both figures. 放款金额 against 贷款金额 and the slip's 期数 against ours are
compared exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..i18n import _
from ..money import fen_to_str
from ..values import is_missing
from .loans import schedule_inputs
from .matching import SlipMatch
from .rates import RateLimits
from .schedule import ScheduleInputError, build_schedules

# slip field → ledger field it is written to (the same keys in schema.SLIPS and schema.LOANS)
DISBURSEMENT_FIELDS = ("disbursed_on", "bank_due_day", "bank_monthly_amount", "first_due_date")
DATE_FIELDS = frozenset({"disbursed_on", "first_due_date"})
AMOUNT_FIELDS = frozenset({"bank_monthly_amount", "principal"})

UPDATE, UNCHANGED, CONFLICT = "update", "unchanged", "conflict"


@dataclass(frozen=True)
class CellChange:
    """One ledger cell a slip speaks about. ``old``/``new``: date, int (fen or day) or None."""

    slip: Hashable
    loan: Hashable
    contract_no: str
    field: str
    old: Any
    new: Any
    status: str  # update / unchanged / conflict
    overwritten: bool = False  # an update that replaces a different existing value (--overwrite)


@dataclass(frozen=True)
class Discrepancy:
    """A slip figure that differs from ours: both figures and bank − ours (fen, or months for term)."""

    slip: Hashable
    loan: Hashable
    contract_no: str
    field: str  # bank_monthly_amount, principal or term
    bank: int
    ours: int
    difference: int
    period: int | None = None  # our installment compared (bank_monthly_amount)


@dataclass(frozen=True)
class NotChecked:
    slip: Hashable
    loan: Hashable
    contract_no: str
    reason: str


def value_of(field: str, value: Any) -> Any:
    """A frame value as a plain comparable: date, int, or None for an empty cell."""
    if is_missing(value):
        return None
    if field in DATE_FIELDS:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return pd.Timestamp(value).date()
    return int(value)


Problem = tuple[Hashable, str, Any, str]


def slip_problems(slips: pd.DataFrame, as_of: dt.date | None = None) -> list[Problem]:
    """Slip values that cannot be right, as ``(label, field, value, reason)``: the row is refused whole –
    a 还款日 outside 1–31, a 月还金额 or 放款金额 ≤ 0, a 放款日期 after ``as_of`` (the run's day).
    Amounts are shown in yuan, as the slip writes them."""
    problems: list[Problem] = []
    for label in slips.index:
        day = value_of("bank_due_day", slips.loc[label, "bank_due_day"]) if "bank_due_day" in slips else None
        if day is not None and not 1 <= day <= 31:
            problems.append((label, "bank_due_day", day, _("还款日 must be a day of the month, 1–31")))
        for field, reason in (("principal", _("放款金额 must be more than 0")),
                              ("bank_monthly_amount", _("月还金额 must be more than 0"))):
            amount = value_of(field, slips.loc[label, field]) if field in slips else None
            if amount is not None and amount <= 0:
                problems.append((label, field, fen_to_str(amount), reason))
        disbursed = (value_of("disbursed_on", slips.loc[label, "disbursed_on"]) if "disbursed_on" in slips
                     else None)
        if disbursed is not None and as_of is not None and disbursed > as_of:
            problems.append((label, "disbursed_on", disbursed.isoformat(),
                             _("放款日期 is after the day of this run ({day}): a disbursement cannot be "
                               "in the future").format(day=as_of.isoformat())))
    return problems


def _years_later(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (Feb 29 → Feb 28)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def disbursement_problems(slips: pd.DataFrame, loans: pd.DataFrame, matches: list[SlipMatch]
                          ) -> list[Problem]:
    """Matched slip rows whose 放款日期 lies more than a year from their loan's 提车日期: refused like a
    bad cell (``(slip label, field, value, reason)``), never written into the ledger."""
    if "disbursed_on" not in slips.columns or "pickup_date" not in loans.columns:
        return []
    problems: list[Problem] = []
    for match in matches:
        disbursed = value_of("disbursed_on", slips.loc[match.slip, "disbursed_on"])
        pickup = value_of("first_due_date", loans.loc[match.loan, "pickup_date"])  # a date field
        if disbursed is None or pickup is None:
            continue
        if not _years_later(pickup, -1) <= disbursed <= _years_later(pickup, 1):
            problems.append((match.slip, "disbursed_on", disbursed.isoformat(),
                             _("放款日期 is more than a year from the pickup date of {contract} (提车日期 "
                               "{day}): check the date").format(contract=match.contract_no,
                                                                day=pickup.isoformat())))
    return problems


def plan_disbursements(slips: pd.DataFrame, loans: pd.DataFrame, matches: list[SlipMatch], *,
                       overwrite: bool = False) -> list[CellChange]:
    """Every ledger cell the matched slips speak about, with what to do with it."""
    changes: list[CellChange] = []
    for match in matches:
        for field in DISBURSEMENT_FIELDS:
            if field not in slips.columns:
                continue
            new = value_of(field, slips.loc[match.slip, field])
            if new is None:
                continue  # the slip is silent: the ledger keeps what it has
            old = value_of(field, loans.loc[match.loan, field]) if field in loans.columns else None
            if old == new:
                status, overwritten = UNCHANGED, False
            elif old is None:
                status, overwritten = UPDATE, False
            elif overwrite:
                status, overwritten = UPDATE, True
            else:
                status, overwritten = CONFLICT, False
            changes.append(CellChange(match.slip, match.loan, match.contract_no, field, old, new, status,
                                      overwritten))
    return changes


def loan_outcomes(matches: list[SlipMatch], changes: list[CellChange]) -> dict[Hashable, str]:
    """Per matched loan: ``update`` if any cell changes, else ``conflict`` if any cell conflicts, else
    ``unchanged``."""
    outcome = {match.loan: UNCHANGED for match in matches}
    for change in changes:
        if change.status == UPDATE:
            outcome[change.loan] = UPDATE
        elif change.status == CONFLICT and outcome[change.loan] != UPDATE:
            outcome[change.loan] = CONFLICT
    return outcome


def cross_check(slips: pd.DataFrame, loans: pd.DataFrame, rates: pd.DataFrame | None,
                matches: list[SlipMatch], *, tolerance_fen: int, default_method: str, residue: str,
                limits: RateLimits | None = None) -> tuple[list[Discrepancy], list[NotChecked]]:
    """Compare each matched slip's 月还金额, 放款金额 and 期数 with the ledger and our own schedule."""
    found: list[Discrepancy] = []
    for match in matches:
        for field in ("principal", "term"):
            if field not in slips.columns or field not in loans.columns:
                continue
            bank = value_of(field, slips.loc[match.slip, field])
            ours = value_of(field, loans.loc[match.loan, field])
            if bank is not None and ours is not None and bank != ours:
                found.append(Discrepancy(match.slip, match.loan, match.contract_no, field, bank, ours,
                                         bank - ours))

    checked = [m for m in matches if "bank_monthly_amount" in slips.columns
               and value_of("bank_monthly_amount", slips.loc[m.slip, "bank_monthly_amount"]) is not None]
    not_checked: list[NotChecked] = []
    if not checked:
        return found, not_checked
    terms = _terms_with_bank_dates(slips, loans, rates, checked, default_method, not_checked, limits)
    installments = _build(terms, residue, checked, not_checked)
    first = installments[installments["period"] == 1].set_index("contract_no")["payment"]
    skipped = {n.loan for n in not_checked}
    for match in checked:
        if match.loan in skipped:
            continue
        bank = value_of("bank_monthly_amount", slips.loc[match.slip, "bank_monthly_amount"])
        ours = int(first[match.contract_no])
        if abs(bank - ours) > tolerance_fen:
            found.append(Discrepancy(match.slip, match.loan, match.contract_no, "bank_monthly_amount",
                                     bank, ours, bank - ours, period=1))
    return found, not_checked


def _terms_with_bank_dates(slips: pd.DataFrame, loans: pd.DataFrame, rates: pd.DataFrame | None,
                           checked: list[SlipMatch], default_method: str, not_checked: list[NotChecked],
                           limits: RateLimits | None = None) -> pd.DataFrame:
    """Schedule inputs of the checked loans, with the slip's due day and first due date where given."""
    subset = loans.loc[[m.loan for m in checked]].copy()
    for field in ("bank_due_day", "first_due_date"):
        if field not in subset.columns:
            empty = pd.array([pd.NA] * len(subset), dtype="Int64") if field == "bank_due_day" else pd.NaT
            subset[field] = empty
        if field not in slips.columns:
            continue
        for match in checked:
            value = slips.loc[match.slip, field]
            if value_of(field, value) is not None:
                subset.loc[match.loan, field] = value
    terms, problems = schedule_inputs(subset, rates, default_method=default_method, limits=limits)
    bad = {}
    for label, _key, _value, reason in problems:
        bad.setdefault(label, reason)
    for match in checked:
        if match.loan in bad:
            not_checked.append(NotChecked(match.slip, match.loan, match.contract_no,
                                          _("our schedule cannot be computed: {reason}").format(
                                              reason=bad[match.loan])))
    return terms.drop(index=list(bad))


def _build(terms: pd.DataFrame, residue: str, checked: list[SlipMatch], not_checked: list[NotChecked]
           ) -> pd.DataFrame:
    try:
        return build_schedules(terms, residue=residue)
    except ScheduleInputError as error:
        refused = {str(contract): reason for contract, reason in error.problems}
        for match in checked:
            if match.contract_no in refused:
                reason = _("our schedule cannot be computed: {reason}").format(
                    reason=refused[match.contract_no])
                not_checked.append(NotChecked(match.slip, match.loan, match.contract_no, reason))
        return build_schedules(terms[~terms["contract_no"].astype(str).isin(refused)], residue=residue)
