"""Keeping the finance ledger's 贷款台账 current from customer service's table (客服信息表).

Pure: two frames in, a plan out. Customer service owns the contact details; finance owns the money.

- A contract in the table and not in the ledger is a new loan: its row is added with every field the
  table has (the loan terms customer service entered, checked by the desk before a schedule is printed),
  status 在贷 and 还款明细已出 否.
- For a contract in both, only the contact fields are taken – 手机号 (most often), 银行卡号, 客户姓名 (a
  corrected spelling), 身份证号, 保证人, 保证人电话 – each change reported old → new. An empty cell in the
  table never blanks the ledger, and a masked card (``6222****1234``) never replaces a full one.
- Fields only finance owns (贷款金额, rates, the bank's dates and amounts, 状态 …) are never taken for an
  existing loan.
- A contract listed twice in the table with different values is a conflict: reported, nothing applied for
  it. A contract listed twice in the ledger is not touched either.
- A new row is never one the ledger's own reader would refuse (DOMAIN.md "Checks on entry"): its terms
  must give a schedule – 期数 1–120, 贷款金额 > 0, a rate of its own or in 利率表 for its car model or
  product and term, a pickup date (:func:`new_loan_problems`). Such a row is bad: the caller refuses
  the table, or with skip-bad leaves the row out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..i18n import _
from ..values import is_missing
from .loans import schedule_inputs
from .matching import column_getter, norm_card, norm_id
from .schedule import ScheduleInputError, build_schedules

CONTACT_FIELDS = ("customer_name", "id_no", "phone", "card_no", "guarantor", "guarantor_phone")


@dataclass(frozen=True)
class FieldChange:
    contract_no: str
    loan: Hashable  # ledger frame label
    source: Hashable  # customer-table frame label
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class NewLoan:
    contract_no: str
    source: Hashable
    cells: dict[str, Any]  # field key → value (frame kinds: str, fen int, rate units, Timestamp, code)


@dataclass(frozen=True)
class SourceConflict:
    contract_no: str
    field: str
    variants: tuple[str, ...]  # the different values the table gives
    sources: tuple[Hashable, ...]


@dataclass(frozen=True)
class Skipped:
    contract_no: str
    source: Hashable
    field: str | None
    value: Any
    reason: str


@dataclass
class SyncPlan:
    new_loans: list[NewLoan] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    conflicts: list[SourceConflict] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # contracts in both with nothing to change

    @property
    def changed_contracts(self) -> list[str]:
        return list(dict.fromkeys(c.contract_no for c in self.changes))


def _missing(value: Any) -> bool:
    """Missing, or text of blanks only (an empty customer-service cell never overwrites the ledger)."""
    return is_missing(value) or (isinstance(value, str) and not value.strip())


def _digits(value: Any) -> str | None:
    text = unicodedata.normalize("NFKC", str(value))
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits or None


def _plain(value: Any) -> str | None:
    return " ".join(unicodedata.normalize("NFKC", str(value)).split()) or None


NORMALISE = {
    "id_no": norm_id,
    "card_no": norm_card,
    "phone": _digits,
    "guarantor_phone": _digits,
    "guarantor": _plain,
}


def contact_value(field_key: str, value: Any) -> str | None:
    """A contact field in the form compared and written: names without stray spaces, IDs upper-case,
    card and phone numbers as digits only."""
    if _missing(value):
        return None
    if field_key == "customer_name":
        return " ".join(unicodedata.normalize("NFKC", str(value)).split()) or None
    return NORMALISE[field_key](value)


def _comparable(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFKC", value).split())
    if hasattr(value, "item"):
        return value.item()
    return value


def plan_sync(customers: pd.DataFrame, loans: pd.DataFrame) -> SyncPlan:
    """What the customer table changes in the ledger (see the module text for the rules)."""
    plan = SyncPlan()
    source, ledger = column_getter(customers), column_getter(loans)
    fields = [c for c in customers.columns if c != "excel_row"]
    contract_of = {label: _plain(v) for label, v in customers["contract_no"].items() if not _missing(v)}
    groups: dict[str, list[Hashable]] = {}
    for label, contract in contract_of.items():
        groups.setdefault(contract, []).append(label)
    ledger_rows: dict[str, list[Hashable]] = {}
    for label, value in loans["contract_no"].items():
        if not _missing(value):
            ledger_rows.setdefault(_plain(value), []).append(label)

    for contract, labels in groups.items():
        if _source_conflicts(source, contract, labels, fields, plan):
            continue
        first = labels[0]
        rows = ledger_rows.get(contract, [])
        if not rows:
            plan.new_loans.append(_new_loan(source, contract, first, fields))
            continue
        if len(rows) > 1:
            reason = _("contract {contract} appears {count} times in the ledger: fix that first").format(
                contract=contract, count=len(rows))
            plan.skipped.append(Skipped(contract, first, None, None, reason))
            continue
        before = len(plan.changes)
        _contact_changes(source, ledger, set(customers.columns), set(loans.columns), contract, first, rows[0],
                         plan)
        if len(plan.changes) == before:
            plan.unchanged.append(contract)
    return plan


def _source_conflicts(source: Any, contract: str, labels: list[Hashable], fields: list[str],
                      plan: SyncPlan) -> bool:
    if len(labels) < 2:
        return False
    conflicted = False
    for key in fields:
        values = [_comparable(source(key, label)) for label in labels]
        distinct = list(dict.fromkeys(v for v in values if v is not None))
        if len(distinct) > 1:
            conflicted = True
            shown = tuple(str(v) for v in distinct)
            plan.conflicts.append(SourceConflict(contract, key, shown, tuple(labels)))
    return conflicted


def _new_loan(source: Any, contract: str, label: Hashable, fields: list[str]) -> NewLoan:
    cells: dict[str, Any] = {}
    for key in fields:
        value = source(key, label)
        if _missing(value):
            continue
        cells[key] = contact_value(key, value) if key in CONTACT_FIELDS else value
    cells["contract_no"] = contract
    cells["status"] = "active"
    cells["schedule_issued"] = False
    return NewLoan(contract, label, cells)


def _contact_changes(source: Any, ledger: Any, source_columns: set[str], ledger_columns: set[str],
                     contract: str, label: Hashable, loan: Hashable, plan: SyncPlan) -> None:
    for key in CONTACT_FIELDS:
        if key not in source_columns:
            continue
        raw_new = source(key, label)
        raw_old = ledger(key, loan) if key in ledger_columns else None
        if isinstance(raw_new, str) and raw_new == raw_old:
            continue  # the same text: nothing to normalise (most rows, most days)
        new = contact_value(key, raw_new)
        if new is None:
            continue  # an empty cell in the table never blanks the ledger
        if key not in ledger_columns:
            plan.skipped.append(Skipped(contract, label, key, new,
                                        _("the ledger has no column for it: add the header to take it")))
            continue
        if contact_value(key, raw_old) == new:
            continue
        if key == "card_no" and "*" in new:
            plan.skipped.append(Skipped(contract, label, key, new,
                                        _("a masked card number is never written over the ledger's card")))
            continue
        old_value = None if _missing(raw_old) else raw_old  # reported as the ledger holds it
        plan.changes.append(FieldChange(contract, loan, label, key, old_value, new))


# the columns of a new loan the schedule needs, and their frame types (as the ledger reader gives them)
_TERMS = {"contract_no": object, "principal": "Int64", "term": "Int64", "annual_rate": "Int64",
          "method": object, "pickup_date": "datetime64[ns]", "first_due_date": "datetime64[ns]",
          "car_model": object, "product": object}


def new_loan_problems(new_loans: list[NewLoan], rates: pd.DataFrame | None, *, default_method: str
                      ) -> list[tuple[Hashable, str, Any, str]]:
    """(customer-table label, field key, value, reason) for every new row whose terms give no schedule –
    the rows every later command would refuse once written (see the module text)."""
    if not new_loans:
        return []
    labels = [n.source for n in new_loans]
    frame = pd.DataFrame([n.cells for n in new_loans], index=labels)
    for key, dtype in _TERMS.items():
        frame[key] = frame[key].astype(dtype) if key in frame else pd.Series(None, index=labels).astype(dtype)
    terms, problems = schedule_inputs(frame, rates, default_method=default_method)
    found = list(problems)
    bad = {label for label, *_ in found}
    missing_pickup = frame["pickup_date"].isna()
    for label in frame.index[missing_pickup]:
        if label not in bad:
            found.append((label, "pickup_date", None, _("提车日期 is empty: a schedule starts from it")))
            bad.add(label)
    usable = terms.loc[[label for label in labels if label not in bad]]
    if len(usable):
        try:
            build_schedules(usable)
        except ScheduleInputError as exc:
            label_of = dict(zip(usable["contract_no"], usable.index, strict=True))
            found += [(label_of[contract], "contract_no", contract, reason)
                      for contract, reason in exc.problems if contract in label_of]
    order = {label: i for i, label in enumerate(labels)}
    return sorted(found, key=lambda p: order[p[0]])
