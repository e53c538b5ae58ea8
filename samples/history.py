"""About 18 months of repayment history (还款记录) that follows the schedules to the fen.

Most customers are deducted on the due date; some pay a few days late; some pay part and the rest
later; a few stop paying for months (the company advances some of the missed installments the day
after the due date, 公司垫款, and one customer later repays an advance, 客户还垫款); a few settle early
(提前结清, with a 结清记录 row). Only payments dated up to HISTORY_END are recorded – November's
deductions arrive in the bank statement.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from .book import FLAT, HISTORY_END, SAMPLE_AS_OF

# months of the first installment each "stopper" misses: DPD at SAMPLE_AS_OF spans every class
STOP_MONTHS = ((2025, 6), (2025, 9), (2025, 11), (2026, 1), (2026, 2), (2026, 4), (2026, 6),
               (2026, 8), (2026, 9), (2026, 10), (2026, 10))
WRITTEN_OFF = ((2025, 6), dt.date(2026, 9, 30))  # the oldest stopper was written off (核销)
ADVANCE_REPAID = (2026, 4)  # this stopper later repays one advance
BEHAVIOUR_COUNTS = (("late", 20), ("chronic_late", 2), ("advanced", 10), ("partial", 8), ("short_tiny", 1))
N_SETTLED_EARLY = 5
PREPARED_BY, APPROVED_BY = "周敏", "陈建国"
_TYPE_ORDER = {"customer_paid": 0, "company_advance": 1, "advance_repaid": 2}

Installment = dict[str, Any]


@dataclass
class History:
    payments: list[dict[str, Any]] = field(default_factory=list)
    settlements: list[dict[str, Any]] = field(default_factory=list)
    behaviour: dict[str, str] = field(default_factory=dict)  # contract → how the customer behaves


class _Recorder:
    def __init__(self, rng: random.Random, history: History):
        self.rng = rng
        self.history = history
        self.refs: dict[str, None] = {}

    def ref(self, on: dt.date) -> str:
        while True:
            ref = f"{on:%Y%m%d}{self.rng.randrange(10**8):08d}"
            if ref not in self.refs:
                self.refs[ref] = None
                return ref

    def add(self, contract: str, on: dt.date, fen: int, kind: str, note: str | None = None) -> None:
        if on > HISTORY_END or fen <= 0:
            return  # not happened yet as far as the ledger knows
        ref = None if kind == "advance_repaid" else self.ref(on)
        self.history.payments.append({
            "contract_no": contract, "paid_on": on, "amount": fen, "payment_type": kind,
            "bank_ref": ref, "note": note,
        })


def _due_by_end(rows: list[Installment]) -> list[Installment]:
    return [r for r in rows if r["due_date"] <= HISTORY_END]


def _period_in(rows: list[Installment], year: int, month: int) -> int | None:
    for r in rows:
        if (r["due_date"].year, r["due_date"].month) == (year, month):
            return r["period"]
    return None


def _days(on: dt.date, n: int) -> dt.date:
    return on + dt.timedelta(days=n)


def _assign(rng: random.Random, booked: list[dict[str, Any]], inst: dict[str, list[Installment]],
            history: History) -> tuple[dict[str, int], dict[str, tuple[int, dt.date]]]:
    """Pick who misbehaves. Returns the stoppers' first missed period and the early settlements."""
    behaviour = history.behaviour
    for loan in booked:
        behaviour[loan["contract_no"]] = "on_time"

    def free() -> list[dict[str, Any]]:
        return [loan for loan in booked if behaviour[loan["contract_no"]] == "on_time"]

    stop_period: dict[str, int] = {}
    for year, month in STOP_MONTHS:
        candidates = [(loan, p) for loan in free()
                      if (p := _period_in(inst[loan["contract_no"]], year, month)) is not None and p >= 2]
        loan, period = rng.choice(candidates)
        behaviour[loan["contract_no"]] = "stopper"
        stop_period[loan["contract_no"]] = period
        if (year, month) == WRITTEN_OFF[0]:
            loan["status"], loan["written_off_on"] = "written_off", WRITTEN_OFF[1]
        if (year, month) == ADVANCE_REPAID:
            behaviour[loan["contract_no"]] = "stopper_repaid"

    for name, count in BEHAVIOUR_COUNTS:
        pool = [loan for loan in free() if len(_due_by_end(inst[loan["contract_no"]])) >= 6]
        for loan in rng.sample(pool, count):
            behaviour[loan["contract_no"]] = name

    settle: dict[str, tuple[int, dt.date]] = {}
    pool = [loan for loan in free()
            if len([r for r in inst[loan["contract_no"]] if r["due_date"] < dt.date(2026, 9, 1)]) >= 4
            and loan["term"] >= 24]
    for loan in rng.sample(pool, N_SETTLED_EARLY):
        rows = inst[loan["contract_no"]]
        last = len([r for r in rows if r["due_date"] < dt.date(2026, 9, 1)])
        k = rng.randint(3, last)
        settle[loan["contract_no"]] = (k, _days(rows[k - 1]["due_date"], rng.randint(5, 20)))
        behaviour[loan["contract_no"]] = "settled_early"
    return stop_period, settle


def simulate(loans: list[dict[str, Any]], inst: dict[str, list[Installment]], rng: random.Random) -> History:
    """Payments, settlements and the loans' status fields, all deterministic from ``rng``."""
    history = History()
    rec = _Recorder(rng, history)
    booked = [loan for loan in loans if not loan["_new"]]
    stop_period, settle = _assign(rng, booked, inst, history)

    for loan in booked:
        contract = loan["contract_no"]
        rows = inst[contract]
        due = _due_by_end(rows)
        kind = history.behaviour[contract]
        special: set[int] = set()
        if kind == "late":
            special = set(rng.sample([r["period"] for r in due], rng.randint(1, 3)))
        elif kind == "advanced":
            special = set(rng.sample([r["period"] for r in due[:-1]], rng.randint(2, 4)))
        elif kind in ("partial", "short_tiny"):
            special = {rng.choice(due)["period"]}
        for r in due:
            p, on, amount = r["period"], r["due_date"], r["payment"]
            if kind.startswith("stopper") and p >= stop_period[contract]:
                continue
            if kind == "settled_early" and p > settle[contract][0]:
                break
            if kind == "chronic_late" or (kind == "late" and p in special):
                delay = rng.randint(2, 6) if kind == "chronic_late" else rng.randint(1, 10)
                rec.add(contract, _days(on, delay), amount, "customer_paid")
            elif kind == "advanced" and p in special:
                rec.add(contract, _days(on, 1), amount, "company_advance", "客户未按时还款，公司垫付")
                rec.add(contract, _days(on, rng.randint(5, 25)), amount, "advance_repaid", "客户转账归还垫款")
            elif kind == "partial" and p in special:
                part = amount * rng.randint(40, 90) // 100 // 100 * 100  # whole yuan, less than due
                rec.add(contract, on, part, "customer_paid", "部分扣款")
                rec.add(contract, _days(on, rng.randint(3, 20)), amount - part, "customer_paid", "补足欠款")
            elif kind == "short_tiny" and p in special:
                rec.add(contract, on, amount - 3, "customer_paid", "卡内余额不足，少扣0.03元")
            else:
                rec.add(contract, on, amount, "customer_paid")
        if kind.startswith("stopper"):
            _stopper_aftermath(rng, rec, loan, rows, stop_period[contract], kind)
        if kind == "settled_early":
            _settle_early(rec, history, loan, rows, *settle[contract])
        _grade(rng, loan, kind)

    paid_by: dict[str, list[dict[str, Any]]] = {}
    for p in history.payments:
        if p["payment_type"] in ("customer_paid", "advance_repaid"):
            paid_by.setdefault(p["contract_no"], []).append(p)
    for loan in booked:
        _matured(loan, inst[loan["contract_no"]], paid_by.get(loan["contract_no"], []))
    history.payments.sort(key=lambda r: (r["paid_on"], r["contract_no"], _TYPE_ORDER[r["payment_type"]]))
    return history


def _stopper_aftermath(rng: random.Random, rec: _Recorder, loan: dict[str, Any], rows: list[Installment],
                       first_missed: int, kind: str) -> None:
    """The company advances some missed installments; the desk gets collection notices signed."""
    missed = [r for r in _due_by_end(rows) if r["period"] >= first_missed]
    contract = loan["contract_no"]
    for r in missed[: rng.randint(1, 3)]:
        rec.add(contract, _days(r["due_date"], 1), r["payment"], "company_advance", "客户未还款，公司垫付")
    if kind == "stopper_repaid":
        r = missed[0]
        rec.add(contract, _days(r["due_date"], 45), r["payment"], "advance_repaid", "客户转账归还垫款")
    first_due = missed[0]["due_date"]
    signed = _days(first_due, 25)
    if signed <= HISTORY_END and loan["status"] == "active":
        while _days(signed, 90) <= HISTORY_END and rng.random() < 0.7:
            signed = _days(signed, 90)  # the quarterly written notice (催收函) signed again
        loan["last_notice_signed"] = signed


def _settle_early(rec: _Recorder, history: History, loan: dict[str, Any], rows: list[Installment],
                  last_paid: int, on: dt.date) -> None:
    """提前结清 after installment ``last_paid``: the quote of DOMAIN.md with nothing overdue."""
    after = rows[last_paid:]
    remaining = sum(r["principal"] for r in after)
    if loan["method"] == FLAT:
        current = sum(r["fee"] for r in after)  # card style: the fees of every remaining installment
    else:
        current = after[0]["interest"]  # loan style, full current-period interest, no settlement fee
    total = remaining + current
    rec.add(loan["contract_no"], on, total, "customer_paid", "提前结清")
    history.settlements.append({
        "contract_no": loan["contract_no"], "settled_on": on, "due_amount": 0, "penalty": 0,
        "remaining_principal": remaining, "current_interest": current, "settlement_fee": 0,
        "fixed_fees": 0, "unrecovered_advances": 0, "total": total, "to_bank": total, "to_company": 0,
        "prepared_by": PREPARED_BY, "approved_by": APPROVED_BY,
    })
    loan["status"], loan["settled_on"] = "settled", on


def _matured(loan: dict[str, Any], rows: list[Installment], paid: list[dict[str, Any]]) -> None:
    """A loan whose every installment fell due and was paid in full is 结清 on its last payment."""
    if loan["status"] != "active" or rows[-1]["due_date"] > HISTORY_END:
        return
    if sum(p["amount"] for p in paid) == sum(r["payment"] for r in rows):
        loan["status"], loan["settled_on"] = "settled", max(p["paid_on"] for p in paid)


def _grade(rng: random.Random, loan: dict[str, Any], kind: str) -> None:
    """风险等级 and 上次检查日期 (the inspection cadence depends on the grade)."""
    if kind.startswith("stopper"):
        grade, since = "poor", (10, 75)
    elif kind in ("on_time", "settled_early"):
        grade, since = ("good", (20, 120)) if rng.random() < 0.85 else ("fair", (5, 45))
    else:
        grade, since = "fair", (5, 45)
    loan["risk_grade"] = grade
    inspected = SAMPLE_AS_OF - dt.timedelta(days=rng.randint(*since))
    if loan["status"] == "active" and loan["disbursed_on"] and inspected > loan["disbursed_on"]:
        loan["last_inspection"] = inspected

