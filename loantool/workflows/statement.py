"""statement: the customer statement (客户对账单) of one contract as of a day.

Read-only: the ledger is read without the lock and never written; the statement workbook goes to ``out``
(default reports/客户对账单_<合同编号>_<YYYYMMDD>.xlsx; statement_… in English). Every installment (due, paid,
unpaid, penalty with its days), every 还款记录 row of the contract dated ≤ D with how a customer payment was
allocated (core.statement), the company's advances and their repayment, the totals, and the settlement
quote at D – the settle command's own quote (workflows.settle.compute_quotes), not a second computation.
So the statement agrees to the fen with settle and with overdue-report for the same D (a test checks
every sample loan).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Settings
from ..core.allocation import CUSTOMER_PAYMENT_TYPES, day_numbers
from ..core.statement import payment_allocations
from ..errors import UsageError
from ..i18n import N_, _
from ..ledger.read import Ledger, load_ledger
from ..money import fen_to_str
from ..reports.labels import report_name
from ..values import as_date, iso_date, text_or_none
from .common import report_target, require_ledger
from .settle import SettlementQuote, compute_quotes, request_problems

TOTAL_KEYS = ("scheduled", "paid", "due_unpaid", "overdue_amount", "penalty", "not_yet_due", "customer_paid",
              "credit", "outstanding_principal", "advances", "advances_repaid", "unrecovered_advances")


@dataclass
class Statement:
    """One contract's statement as of ``as_of`` (money in fen). ``installments``: the settle quote's rows
    (allocation detail, penalty, penalty_days …); ``payments``: the 还款记录 rows dated ≤ D, each customer
    payment with its ``allocations`` [(period, charge, principal)] and ``credit``."""

    contract_no: str
    as_of: dt.date
    quote: SettlementQuote
    installments: pd.DataFrame
    payments: list[dict[str, Any]]
    totals: dict[str, int]
    ledger_path: Path
    report_path: Path | None = None
    grace_days: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def customer_name(self) -> str | None:
        return self.quote.customer_name

    def to_dict(self) -> dict[str, Any]:
        """The --json document (DESIGN.md "statement")."""
        return {
            "contract_no": self.contract_no,
            "customer_name": self.customer_name,
            "as_of": self.as_of.isoformat(),
            "status": self.quote.status,
            "installments": [
                {"period": int(r.period), "due_date": iso_date(r.due_date),
                 "principal": fen_to_str(r.principal), "charge": fen_to_str(r.charge),
                 "payment": fen_to_str(r.amount_due), "paid": fen_to_str(r.paid),
                 "paid_charge": fen_to_str(r.paid_charge), "paid_principal": fen_to_str(r.paid_principal),
                 "unpaid": fen_to_str(r.unpaid), "paid_on": iso_date(r.fully_paid_on),
                 "overdue": bool(r.overdue),
                 "penalty": fen_to_str(r.penalty), "penalty_days": int(r.penalty_days)}
                for r in self.installments.itertuples(index=False)],
            "payments": [
                {"date": iso_date(p["date"]), "amount": fen_to_str(p["amount"]), "type": p["type"],
                 "bank_ref": p["bank_ref"], "note": p["note"],
                 "allocations": [{"period": a, "charge": fen_to_str(c), "principal": fen_to_str(q)}
                                 for a, c, q in p["allocations"]],
                 "credit": fen_to_str(p["credit"]) if p["counts"] else None}
                for p in self.payments],
            "totals": {k: fen_to_str(v) for k, v in self.totals.items()},
            "settlement": self.quote.to_dict(),
            "ledger": str(self.ledger_path),
            "report": str(self.report_path) if self.report_path else None,
        }


def _payments(ledger: Ledger, contract: str, as_of: dt.date, quote_rows: pd.DataFrame
              ) -> list[dict[str, Any]]:
    """The contract's 还款记录 rows dated ≤ D in allocation order, with each customer payment's shares."""
    frame = ledger.payments.frame
    mine = frame[(frame["contract_no"] == contract) & (day_numbers(frame["paid_on"]) <= _day(as_of))]
    mine = mine.assign(_day=day_numbers(mine["paid_on"])).sort_values("_day", kind="stable")
    counts = mine["payment_type"].isin(CUSTOMER_PAYMENT_TYPES).to_numpy(dtype=bool)
    amounts = mine["amount"].to_numpy(dtype=np.int64)
    shares = payment_allocations(quote_rows.sort_values("period"), amounts[counts])
    credit = shares.attrs["credit"]
    by_payment: dict[int, list[tuple[int, int, int]]] = {}
    for r in shares.itertuples(index=False):
        by_payment.setdefault(int(r.payment), []).append((int(r.period), int(r.charge), int(r.principal)))
    out, k = [], 0
    for row, customer in zip(mine.to_dict("records"), counts, strict=True):
        item = {"date": as_date(row["paid_on"]), "amount": int(row["amount"]), "type": row["payment_type"],
                "bank_ref": text_or_none(row.get("bank_ref")), "note": text_or_none(row.get("note")),
                "counts": bool(customer), "allocations": [], "credit": 0, "excel_row": int(row["excel_row"])}
        if customer:
            item["allocations"] = by_payment.get(k, [])
            item["credit"] = int(credit[k])
            k += 1
        out.append(item)
    return out


def _day(day: dt.date) -> int:
    return int(np.datetime64(day, "D").view(np.int64))


def _totals(quote: SettlementQuote, rows: pd.DataFrame, payments: list[dict[str, Any]]) -> dict[str, int]:
    due = (rows["settle_on"] >= rows["due_date"]).to_numpy(dtype=bool)
    advanced = sum(p["amount"] for p in payments if p["type"] == "company_advance")
    repaid = sum(p["amount"] for p in payments if p["type"] == "advance_repaid")
    customer = sum(p["amount"] for p in payments if p["counts"])
    paid = int(rows["paid"].sum())
    principal = int(quote.loan["principal"])
    totals = {
        "scheduled": int(rows["amount_due"].sum()),
        "paid": paid,
        "due_unpaid": int(rows["unpaid"][due].sum()),  # settle's 到期未还: due on or before D
        "overdue_amount": int(rows["unpaid"][rows["overdue"]].sum()),  # overdue-report's 逾期金额
        "penalty": int(rows["penalty"].sum()),
        "not_yet_due": int(rows["unpaid"][~due].sum()),
        "customer_paid": customer,
        "credit": customer - paid,
        "outstanding_principal": principal - int(rows["paid_principal"].sum()),
        "advances": advanced,
        "advances_repaid": repaid,
        "unrecovered_advances": advanced - repaid,
    }
    return {k: totals[k] for k in TOTAL_KEYS}


def build_statements(ledger: Ledger, settings: Settings, contracts: list[str], as_of: dt.date
                     ) -> list[Statement]:
    """Statements of ``contracts`` as of ``as_of`` from one read ledger (quotes computed together)."""
    requests = pd.DataFrame({"contract_no": [c.strip() for c in contracts],
                             "settle_on": [as_of] * len(contracts)})
    problems = request_problems(ledger, requests, date_name=N_("the statement date"))
    if problems:
        where = _("{file} sheet {sheet}").format(file=ledger.path.name, sheet=ledger.loans.sheet)
        raise UsageError(_("{reason} ({where}).").format(reason=problems[0].reason, where=where),
                         _("Check the 合同编号 (sheet 贷款台账) and the date of the statement."))
    statements = []
    for quote in compute_quotes(ledger, requests, settings):
        rows = quote.installments
        payments = _payments(ledger, quote.contract_no, as_of, rows)
        statements.append(Statement(quote.contract_no, as_of, quote, rows, payments,
                                    _totals(quote, rows, payments), ledger.path,
                                    grace_days=settings.arrears.grace_days))
    return statements


def default_statement_path(settings: Settings, contract: str, as_of: dt.date) -> Path:
    name = report_name("statement", subject=contract, day=as_of)
    return settings.resolve(settings.morning.reports_dir) / name


def statement(settings: Settings, ledger_path: Path, as_of: dt.date, *, contract: str,
              out: Path | None = None) -> Statement:
    """Read the ledger (read-only), build the statement of ``contract`` as of ``as_of`` and write it."""
    from ..reports.statement import write_statement

    ledger_path = Path(ledger_path)
    contract = (contract or "").strip()
    if not contract:
        raise UsageError(_("Name the contract (合同编号) whose statement to print."))
    target = report_target(out, default_statement_path(settings, contract, as_of), ledger_path)
    ledger = load_ledger(require_ledger(ledger_path), settings, as_of=as_of)
    result = build_statements(ledger, settings, [contract], as_of)[0]
    result.report_path = write_statement(result, target, settings.company.name)
    return result
