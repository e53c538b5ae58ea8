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


def slip_problems(slips: pd.DataFrame) -> list[tuple[Hashable, str, Any, str]]:
    """Slip values that cannot be right, as ``(label, field, value, reason)``: the row is refused whole."""
    problems: list[tuple[Hashable, str, Any, str]] = []
    for label in slips.index:
        day = value_of("bank_due_day", slips.at[label, "bank_due_day"]) if "bank_due_day" in slips else None
        if day is not None and not 1 <= day <= 31:
            problems.append((label, "bank_due_day", day, "还款日 must be a day of the month, 1–31"))
        amount = value_of("bank_monthly_amount", slips.at[label, "bank_monthly_amount"]) \
            if "bank_monthly_amount" in slips else None
        if amount is not None and amount <= 0:
            problems.append((label, "bank_monthly_amount", amount, "月还金额 must be more than 0"))
    return problems


def plan_disbursements(slips: pd.DataFrame, loans: pd.DataFrame, matches: list[SlipMatch], *,
                       overwrite: bool = False) -> list[CellChange]:
    """Every ledger cell the matched slips speak about, with what to do with it."""
    changes: list[CellChange] = []
    for match in matches:
        for field in DISBURSEMENT_FIELDS:
            if field not in slips.columns:
                continue
            new = value_of(field, slips.at[match.slip, field])
            if new is None:
                continue  # the slip is silent: the ledger keeps what it has
            old = value_of(field, loans.at[match.loan, field]) if field in loans.columns else None
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
            bank = value_of(field, slips.at[match.slip, field])
            ours = value_of(field, loans.at[match.loan, field])
            if bank is not None and ours is not None and bank != ours:
                found.append(Discrepancy(match.slip, match.loan, match.contract_no, field, bank, ours,
                                         bank - ours))

    checked = [m for m in matches if "bank_monthly_amount" in slips.columns
               and value_of("bank_monthly_amount", slips.at[m.slip, "bank_monthly_amount"]) is not None]
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
        bank = value_of("bank_monthly_amount", slips.at[match.slip, "bank_monthly_amount"])
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
            value = slips.at[match.slip, field]
            if value_of(field, value) is not None:
                subset.at[match.loan, field] = value
    terms, problems = schedule_inputs(subset, rates, default_method=default_method, limits=limits)
    bad = {}
    for label, _key, _value, reason in problems:
        bad.setdefault(label, reason)
    for match in checked:
        if match.loan in bad:
            not_checked.append(NotChecked(match.slip, match.loan, match.contract_no,
                                          f"our schedule cannot be computed: {bad[match.loan]}"))
    return terms.drop(index=list(bad))


def _build(terms: pd.DataFrame, residue: str, checked: list[SlipMatch], not_checked: list[NotChecked]
           ) -> pd.DataFrame:
    try:
        return build_schedules(terms, residue=residue)
    except ScheduleInputError as error:
        refused = {str(contract): reason for contract, reason in error.problems}
        for match in checked:
            if match.contract_no in refused:
                reason = f"our schedule cannot be computed: {refused[match.contract_no]}"
                not_checked.append(NotChecked(match.slip, match.loan, match.contract_no, reason))
        return build_schedules(terms[~terms["contract_no"].astype(str).isin(refused)], residue=residue)
