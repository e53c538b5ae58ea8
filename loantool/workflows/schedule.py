"""compute-schedule: repayment schedules (还款明细) from the ledger or from one set of terms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..core.loans import loan_states, schedule_inputs
from ..core.rates import RateLimits
from ..core.schedule import ScheduleInputError, build_schedules
from ..errors import CellProblem, InputError, UsageError
from ..i18n import _
from ..money import MAX_AMOUNT_FEN, MoneyError, fen_to_str, parse_rate, rate_to_str, to_fen
from ..schema import LOANS, METHODS, code_lookup
from ..values import iso_date

LOAN_INFO = ["contract_no", "customer_name", "card_no", "car_model", "dealer", "principal", "term", "method",
             "rate", "pickup_date", "due_day", "excel_row"]


@dataclass
class ScheduleResult:
    """Loans (one row each, ``LOAN_INFO`` columns) and their installments (core.schedule's columns)."""

    loans: pd.DataFrame
    installments: pd.DataFrame
    warnings: list[CellProblem] = field(default_factory=list)
    ledger_path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        by_contract = {key: group for key, group in self.installments.groupby("contract_no", sort=False)}
        schedules = []
        for loan in self.loans.itertuples(index=False):
            rows = by_contract[loan.contract_no]
            schedules.append({
                "contract_no": loan.contract_no,
                "customer_name": loan.customer_name,
                "method": loan.method,
                "principal": fen_to_str(loan.principal),
                "rate": rate_to_str(loan.rate),
                "term": int(loan.term),
                "pickup_date": iso_date(loan.pickup_date),
                "totals": {k: fen_to_str(rows[k].sum()) for k in ("principal", "interest", "fee", "payment")},
                "installments": [
                    {
                        "period": int(r.period),
                        "due_date": iso_date(r.due_date),
                        "principal": fen_to_str(r.principal),
                        "interest": fen_to_str(r.interest),
                        "fee": fen_to_str(r.fee),
                        "payment": fen_to_str(r.payment),
                        "balance": fen_to_str(r.balance),
                    }
                    for r in rows.itertuples(index=False)
                ],
            })
        return {"schedules": schedules}


def parse_method(text: str) -> str:
    method = code_lookup(METHODS).get(text.strip().lower())
    if method is None:
        raise UsageError(_("'{text}' is not a repayment method.").format(text=text),
                         _("Use annuity (等额本息), equal_principal (等额本金) or flat_fee (等本等费)."),
                         parameter="method")
    return method


def calculator(*, principal: str, rate: str, term: int, method: str, pickup: dt.date,
               first_due: dt.date | None, due_day: int | None, settings: Settings) -> ScheduleResult:
    """One schedule from terms typed on the command line (no ledger)."""
    try:
        principal_fen = to_fen(principal)
    except MoneyError as exc:
        raise UsageError(_("'{text}' is not an amount ({error}).").format(text=principal, error=exc),
                         _("Write it in yuan, e.g. 100000.00."), parameter="principal") from None
    try:
        rate_units = parse_rate(rate)
    except MoneyError as exc:
        raise UsageError(_("'{text}' is not a rate ({error}).").format(text=rate, error=exc),
                         _("Write 4.75%, 0.0475 or 4.75."), parameter="rate") from None
    if principal_fen <= 0:
        raise UsageError(_("The loan amount must be more than 0."), parameter="principal")
    if principal_fen >= MAX_AMOUNT_FEN:  # beyond what a loan (or an int64 of fen times a rate) can be
        raise UsageError(_("The loan amount {value} is far above any loan amount.").format(value=principal),
                         parameter="principal")
    too_high = RateLimits.from_settings(settings).problem(parse_method(method), rate_units)
    if too_high:
        raise UsageError(_("The rate {value}: {reason}.").format(value=rate, reason=too_high),
                         parameter="rate")
    if not 1 <= term <= 120:
        raise UsageError(_("The term {term} is outside 1–120 months.").format(term=term), parameter="term")
    if due_day is not None and not 1 <= due_day <= 31:
        raise UsageError(_("The due day {day} is not a day of the month (1–31).").format(day=due_day),
                         parameter="due_day")
    loans = pd.DataFrame({
        "contract_no": [_("trial")],  # the calculator's schedule has no contract
        "customer_name": [""],
        "card_no": [None],
        "car_model": [None],
        "dealer": [None],
        "principal": [principal_fen],
        "term": [term],
        "method": [parse_method(method)],
        "rate": [rate_units],
        "pickup_date": [pd.Timestamp(pickup)],
        "first_due_date": [pd.Timestamp(first_due) if first_due else pd.NaT],
        "due_day": pd.array([due_day], dtype="Int64"),
        "excel_row": [None],
    })
    try:
        installments = build_schedules(loans, residue=settings.schedule.residue)
    except ScheduleInputError as exc:
        reasons = "; ".join(reason for _contract, reason in exc.problems)
        raise UsageError(_("These terms give no valid schedule: {reasons}.").format(reasons=reasons),
                         _("Check the loan amount, the rate and the term.")) from None
    return ScheduleResult(loans=loans[LOAN_INFO], installments=installments)


def from_ledger(ledger: Any, *, contracts: list[str], pending: bool, settings: Settings,
                as_of: Any = None) -> ScheduleResult:
    """Schedules for the named contracts, or for every loan not settled or written off on ``as_of``
    (default today) whose 还款明细已出 is not 是."""
    loans = ledger.loans.frame
    if contracts:
        wanted = [c.strip() for c in contracts]
        known = set(loans["contract_no"])
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise UsageError(_("Contract {contracts} not found in {file}.").format(
                                 contracts=", ".join(unknown), file=ledger.path.name),
                             _("Check the 合同编号 (sheet 贷款台账)."))
        loans = loans[loans["contract_no"].isin(wanted)]
    elif pending:
        issued = loans["schedule_issued"].fillna(False) if "schedule_issued" in loans else False
        states = loan_states(loans, as_of if as_of is not None else pd.Timestamp.today())
        loans = loans[~issued & ~states["settled"] & ~states["written_off"]]
    else:
        raise UsageError(_("Name the contracts, or ask for every pending loan (还款明细已出 not 是)."),
                         parameter="pending")
    return schedules_for(ledger, loans, settings)


def schedules_for(ledger: Any, loans: pd.DataFrame, settings: Settings) -> ScheduleResult:
    """Installments of the given ledger loans (rows of ``ledger.loans.frame``), every problem at once.

    The one way any workflow turns ledger loans into installments (reconciliation, arrears, settlement
    and imports all start here).
    """
    rates = ledger.rates.frame if ledger.rates is not None else None
    terms, problems = schedule_inputs(loans, rates, default_method=settings.schedule.default_method,
                                      limits=RateLimits.from_settings(settings))
    if problems:
        read = ledger.loans
        raise InputError(
            _("Cannot compute schedules: {count} problem(s) in {file}.").format(count=len(problems),
                                                                               file=read.path.name),
            [CellProblem(str(read.path), read.sheet, int(loans.at[label, "excel_row"]),
                         read.headers.get(key, LOANS.field(key).header), value, reason, "schedule-input")
             for label, key, value, reason in problems],
            _("Correct these cells in the ledger and run again."),
        )
    try:
        installments = build_schedules(terms, residue=settings.schedule.residue) if len(terms) else _empty()
    except ScheduleInputError as exc:
        read = ledger.loans
        rows = dict(zip(loans["contract_no"], loans["excel_row"], strict=False))
        raise InputError(
            _("Cannot compute schedules: {count} loan(s) in {file} give no valid schedule.").format(
                count=len(exc.problems), file=read.path.name),
            [CellProblem(str(read.path), read.sheet, int(rows[contract]) if contract in rows else None,
                         read.headers.get("contract_no", "合同编号"), contract, reason, "schedule-input")
             for contract, reason in exc.problems],
            _("Correct these loans' terms in the ledger and run again."),
        ) from None
    info = loans.assign(method=terms["method"], rate=terms["rate"], term=terms["term"],
                        due_day=terms["due_day"])
    for column in LOAN_INFO:
        if column not in info:
            info[column] = None
    return ScheduleResult(loans=info[LOAN_INFO].reset_index(drop=True), installments=installments,
                          warnings=_warnings_for(ledger, loans), ledger_path=ledger.path)


def _warnings_for(ledger: Any, loans: pd.DataFrame) -> list[CellProblem]:
    """The checks on entry that concern these loans' rows (核对验证数据 before a schedule is printed)."""
    rows = set(loans["excel_row"].dropna().astype(int)) if "excel_row" in loans else set()
    return [w for w in ledger.loans.warnings if w.row is None or w.row in rows]


def _empty() -> pd.DataFrame:
    numbers = ("period", "principal", "interest", "fee", "payment", "balance")
    frame = pd.DataFrame({c: pd.Series(dtype="int64") for c in numbers})
    return frame.assign(contract_no=pd.Series(dtype=object), due_date=pd.Series(dtype="datetime64[ns]"))
