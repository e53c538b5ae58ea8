"""Early settlement quotes (提前结清试算), vectorized over many loans, each with its own settlement date.

DOMAIN.md, "Early settlement quote at date D", is the contract. For a loan settled on day D:

- ``due_amount`` (到期未还) = the unpaid parts of every installment due on or before D – settling on a due
  date includes that day's installment. Unpaid is what the customer's payments (客户还款 and 客户还垫款
  dated ≤ D, allocated oldest first, charge before principal: core.allocation) have not covered.
  Nothing below the arrears tolerance is forgiven here: every fen still owed is quoted.
- ``penalty`` (罚息) = for each installment overdue at D, round(unpaid × daily rate × (D − due date)), the
  same rule and rounding as the overdue-report (core.arrears): overdue means due date + grace < D and
  unpaid above the tolerance.
- ``remaining_principal`` (剩余本金) = the unpaid principal of the installments due after D (a customer
  who paid ahead has less). The *current period* is the first installment due after D.
- ``current_interest`` (当期利息/费用), by the loan's style (``SettlementRules.style`` per method):
  * card style (信用卡分期式, flat_fee's default): every unpaid charge (fee; interest if a loan method is
    set to card style) of the installments due after D. Charges already paid are not refunded.
  * loan style (贷款式, annuity / equal principal): the current period's unpaid charge, by
    ``current_period``: ``full`` = the scheduled charge minus what was paid of it; ``none`` = 0;
    ``accrued`` = max(0, A − paid), where A = round(I × (D − S) / (E − S)) half up, I the current
    period's scheduled charge (interest + fee), E its due date and S the previous installment's due
    date (the pickup date for period 1); D − S is clipped to [0, E − S], and E − S ≤ 0 (a first due
    date on or before pickup) counts the whole period. Interest already paid is never refunded, and
    the interest of the periods after the current one is not charged (``not_charged`` shows it).
- ``settlement_fee`` (提前结清手续费) = round(fee rate × remaining principal), loan style only.
- ``fixed_fees`` (固定费用) = the sum of the named fixed fees of loantool.toml, for every loan.
- ``total`` = due_amount + penalty + remaining_principal + current_interest + settlement_fee + fixed_fees.

Who receives what (total = to_bank + to_company, exactly):
- ``unrecovered_advances`` (未收回垫款) U = 公司垫款 − 客户还垫款 dated ≤ D (unclipped, as in arrears). The
  company's advances paid the bank for installments the customer still owes, so that much of the amount
  due is the company's; a negative U (the customer repaid the company more than it advanced) is money
  the company holds for the bank, and it moves to the bank's side in the same way.
- ``to_company`` = U + penalty + fixed_fees + (settlement_fee when ``fee_to`` is "company", the default).
- ``to_bank`` = (due_amount − U) + remaining_principal + current_interest + (settlement_fee when
  ``fee_to`` is "bank"): principal and the bank's interest / fees.
Flags, never hidden: ``advances_exceed_due`` (U > due_amount: the bank's share of the amount due would be
negative, e.g. the customer paid the bank after an advance), ``negative_advances`` (U < 0) and
``credit`` > 0 (payments beyond the whole schedule; neither refunded nor offset by the quote).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import N_, _
from ..money import RATE_SCALE, div_round_half_up_array, parse_rate, to_fen
from ..schema import LOAN_STATE_LABELS
from ..settings import (
    SETTLEMENT_STYLES,
    ArrearsSettings,
    Settings,
    SettlementSettings,
)
from .allocation import (
    NAT_DAY,
    PaymentRows,
    allocate,
    day_numbers,
    days_to_dates,
    payment_rows,
    segment_reduce,
    segment_sum,
)
from .arrears import penalty_fen  # the overdue-report's penalty arithmetic, shared so the numbers agree

# a loan's state in words (the same messages as reports/labels.py STATE_NAMES); the ledger's own word
# (LOAN_STATE_LABELS) is the value of the 状态 cell a problem points at
STATE_WORDS = {"not_yet": N_("not yet on the books"), "active": N_("active"), "settled": N_("settled"),
               "written_off": N_("written off")}

STYLES = SETTLEMENT_STYLES
PARTS = ("due", "current", "later")  # an installment due on/before D, the first one after D, the rest
AMOUNT_COLUMNS = ("due_amount", "penalty", "remaining_principal", "current_interest", "settlement_fee",
                  "fixed_fees")  # the parts of the total, in the order the quote lists them
_NEVER = np.iinfo(np.int64).max


_SETTLEMENT, _ARREARS = SettlementSettings(), ArrearsSettings()


@dataclass(frozen=True)
class SettlementRules:
    """The settable rules (loantool.toml [settlement] and the penalty rules of [arrears]); the values
    are checked where the settings are read (config.validate), not here."""

    # the defaults are config.py's (DOMAIN.md's), never restated here
    style: dict[str, str] = field(default_factory=lambda: dict(_SETTLEMENT.style))
    current_period: str = _SETTLEMENT.current_period
    fee_rate_units: int = parse_rate(_SETTLEMENT.fee_rate)  # 1e-8 units (money.RATE_SCALE)
    fee_to: str = _SETTLEMENT.fee_to
    fixed_fees: tuple[tuple[str, int], ...] = ()  # (name, fen), in the config's order
    grace_days: int = _ARREARS.grace_days
    tolerance_fen: int = _ARREARS.tolerance_fen
    penalty_rate_units: int = _ARREARS.penalty_rate_units  # 0.05 % a day

    @property
    def fixed_fee_total(self) -> int:
        return sum(amount for _name, amount in self.fixed_fees)

    @classmethod
    def from_settings(cls, settings: Settings) -> SettlementRules:
        s, a = settings.settlement, settings.arrears
        return cls(style=dict(s.style), current_period=s.current_period,
                   fee_rate_units=parse_rate(s.fee_rate), fee_to=s.fee_to,
                   fixed_fees=tuple((name, to_fen(v)) for name, v in s.fixed_fees.items()),
                   grace_days=a.grace_days, tolerance_fen=a.tolerance_fen,
                   penalty_rate_units=a.penalty_rate_units)


@dataclass
class SettlementQuotes:
    """``quotes``: one row per loan, in the order of the loans frame: contract_no, settle_on, method,
    style, the ``AMOUNT_COLUMNS``, total, unrecovered_advances, to_bank, to_company, bank_due (the bank's
    share of due_amount = due_amount − U), due_principal, due_charge, due_periods (installments due ≤ D
    with something unpaid), overdue_periods, current_period (0 when every installment is due by D),
    current_due_date, period_start, days_elapsed, days_in_period, customer_paid, credit and the flags
    advances_exceed_due, negative_advances. Money in fen (int64).

    ``installments``: the allocation detail (core.allocation.Allocation) of the quoted loans plus
    settle_on, part (``PARTS``), unpaid_charge, unpaid_principal, overdue, penalty_days, penalty,
    quoted_principal, quoted_charge (what of each installment the quote collects) and not_charged (the
    unpaid charge the style does not collect: unearned interest of a loan-style payoff).
    """

    quotes: pd.DataFrame
    installments: pd.DataFrame
    rules: SettlementRules


def _loan_days(loans: pd.DataFrame, column: str) -> np.ndarray:
    days = day_numbers(loans[column]) if column in loans else np.full(len(loans), NAT_DAY, dtype=np.int64)
    if np.any(days == NAT_DAY):
        missing = loans.loc[days == NAT_DAY, "contract_no"].astype(str).tolist()
        raise ValueError(f"loans: {column} is empty for {', '.join(missing[:10])}")
    return days


def _payments_up_to(payments: pd.DataFrame, contracts: pd.Index, settle_day: np.ndarray) -> PaymentRows:
    """The 还款记录 rows of the quoted loans dated on or before each loan's own settlement day."""
    rows = payment_rows(payments, int(settle_day.max()))
    code = contracts.get_indexer(rows.contract_no)
    keep = code >= 0
    keep[keep] = rows.day[keep] <= settle_day[code[keep]]
    return PaymentRows(rows.contract_no[keep], rows.day[keep], rows.amount[keep], rows.kind[keep])


def _advances(rows: PaymentRows, contracts: pd.Index) -> np.ndarray:
    out = np.zeros(len(contracts), dtype=np.int64)
    for kind, sign in (("company_advance", 1), ("advance_repaid", -1)):
        chosen = rows.of(kind)
        np.add.at(out, contracts.get_indexer(chosen.contract_no), sign * chosen.amount)
    return out


def quote_settlements(loans: pd.DataFrame, installments: pd.DataFrame, payments: pd.DataFrame, *,
                      rules: SettlementRules | None = None) -> SettlementQuotes:
    """Settlement quotes for ``loans`` (columns contract_no (unique), method, pickup_date, settle_on).

    ``installments``: core.schedule.build_schedules output (every installment of each loan; rows of
    other contracts are ignored). ``payments``: the 还款记录 frame (contract_no, paid_on, amount,
    payment_type); each loan counts only its rows dated on or before its own settle_on.
    """
    rules = rules or SettlementRules()
    if loans["contract_no"].isna().any() or loans["contract_no"].duplicated().any():
        raise ValueError("loans: every contract_no must be present and unique")
    contracts = pd.Index(loans["contract_no"].to_numpy(dtype=object))
    n = len(contracts)
    methods = loans["method"].to_numpy(dtype=object)
    unknown = sorted({str(m) for m in methods if m not in rules.style})
    if unknown:
        raise ValueError(f"no settlement style for method(s) {', '.join(unknown)}")
    is_card = np.array([rules.style[m] == "card" for m in methods], dtype=bool)
    if n == 0:
        return _empty(rules)
    settle_day = _loan_days(loans, "settle_on")
    pickup_day = _loan_days(loans, "pickup_date")

    rows = _payments_up_to(payments, contracts, settle_day)
    as_of = np.datetime64(int(settle_day.max()), "D")
    alloc = allocate(installments, rows, as_of=as_of, tolerance_fen=rules.tolerance_fen, contracts=contracts)
    inst, pos, starts, counts = alloc.installments, alloc.loan_pos, alloc.starts, alloc.counts
    if np.any(counts == 0):
        raise ValueError(f"installments: none for {', '.join(map(str, contracts[counts == 0][:10]))}")
    due = alloc.due_day
    if np.any(due == NAT_DAY):
        raise ValueError("installments: every installment needs a due_date")

    # per installment
    day = settle_day[pos]
    charge = inst["charge"].to_numpy(dtype=np.int64)
    paid_charge = inst["paid_charge"].to_numpy(dtype=np.int64)
    principal = inst["principal"].to_numpy(dtype=np.int64)
    unpaid = inst["unpaid"].to_numpy(dtype=np.int64)
    unpaid_charge = charge - paid_charge
    unpaid_principal = principal - inst["paid_principal"].to_numpy(dtype=np.int64)
    is_due = due <= day
    future = ~is_due
    overdue = (due + rules.grace_days < day) & (unpaid > rules.tolerance_fen)
    penalty_days = np.where(overdue, day - due, 0)
    penalty = penalty_fen(np.where(overdue, unpaid, 0), penalty_days, rules.penalty_rate_units)

    # the current period: the first installment due after D, and the days it has run
    row = np.arange(len(inst), dtype=np.int64)
    current = segment_reduce(np.minimum, np.where(future, row, _NEVER), starts, counts, _NEVER)
    has_current = current != _NEVER
    at = np.where(has_current, current, starts)
    period_start = np.where(at == starts, pickup_day, due[np.maximum(at - 1, 0)])
    days_in_period = due[at] - period_start
    elapsed = np.clip(settle_day - period_start, 0, np.maximum(days_in_period, 0))
    whole = days_in_period <= 0
    accrued = np.where(whole, charge[at],
                       div_round_half_up_array(charge[at] * np.where(whole, 1, elapsed),
                                               np.where(whole, 1, days_in_period)))
    loan_charge = {
        "full": unpaid_charge[at],
        "accrued": np.maximum(accrued - paid_charge[at], 0),
        "none": np.zeros(n, dtype=np.int64),
    }[rules.current_period]
    loan_charge = np.where(has_current, loan_charge, 0)

    # per loan
    due_amount = segment_sum(np.where(is_due, unpaid, 0), starts, counts)
    remaining = segment_sum(np.where(future, unpaid_principal, 0), starts, counts)
    card_charge = segment_sum(np.where(future, unpaid_charge, 0), starts, counts)
    current_interest = np.where(is_card, card_charge, loan_charge)
    fee = div_round_half_up_array(remaining * rules.fee_rate_units, RATE_SCALE)
    settlement_fee = np.where(is_card, 0, fee)
    fixed = np.full(n, rules.fixed_fee_total, dtype=np.int64)
    penalty_sum = segment_sum(penalty, starts, counts)
    advances = _advances(rows, contracts)
    fee_to_company = settlement_fee if rules.fee_to == "company" else np.zeros(n, dtype=np.int64)
    to_company = advances + penalty_sum + fixed + fee_to_company
    to_bank = (due_amount - advances) + remaining + current_interest + (settlement_fee - fee_to_company)
    total = due_amount + penalty_sum + remaining + current_interest + settlement_fee + fixed

    part = np.where(is_due, 0, np.where(row == current[pos], 1, 2))
    quoted_charge = np.where(is_due | is_card[pos], unpaid_charge,
                             np.where(part == 1, current_interest[pos], 0))
    inst["settle_on"] = days_to_dates(day)
    inst["part"] = np.asarray(PARTS, dtype=object)[part]
    inst["unpaid_charge"] = unpaid_charge
    inst["unpaid_principal"] = unpaid_principal
    inst["overdue"] = overdue
    inst["penalty_days"] = penalty_days
    inst["penalty"] = penalty
    inst["quoted_principal"] = unpaid_principal
    inst["quoted_charge"] = quoted_charge
    inst["not_charged"] = unpaid_charge - quoted_charge

    credit = alloc.totals["credit"].to_numpy(dtype=np.int64)
    quotes = pd.DataFrame({
        "contract_no": contracts.to_numpy(dtype=object),
        "settle_on": days_to_dates(settle_day),
        "method": methods,
        "style": np.where(is_card, "card", "loan").astype(object),
        "due_amount": due_amount,
        "penalty": penalty_sum,
        "remaining_principal": remaining,
        "current_interest": current_interest,
        "settlement_fee": settlement_fee,
        "fixed_fees": fixed,
        "total": total,
        "unrecovered_advances": advances,
        "to_bank": to_bank,
        "to_company": to_company,
        "bank_due": due_amount - advances,
        "due_principal": segment_sum(np.where(is_due, unpaid_principal, 0), starts, counts),
        "due_charge": segment_sum(np.where(is_due, unpaid_charge, 0), starts, counts),
        "due_periods": segment_sum(is_due & (unpaid > 0), starts, counts),
        "overdue_periods": segment_sum(overdue, starts, counts),
        "current_period": np.where(has_current, inst["period"].to_numpy(dtype=np.int64)[at], 0),
        "current_due_date": days_to_dates(np.where(has_current, due[at], NAT_DAY)),
        "period_start": days_to_dates(np.where(has_current, period_start, NAT_DAY)),
        "days_elapsed": np.where(has_current, elapsed, 0),
        "days_in_period": np.where(has_current, days_in_period, 0),
        "customer_paid": alloc.totals["customer_paid"].to_numpy(dtype=np.int64),
        "credit": credit,
        "advances_exceed_due": advances > due_amount,
        "negative_advances": advances < 0,
    })
    return SettlementQuotes(quotes=quotes, installments=inst, rules=rules)


def _empty(rules: SettlementRules) -> SettlementQuotes:
    money = [*AMOUNT_COLUMNS, "total", "unrecovered_advances", "to_bank", "to_company", "bank_due",
             "due_principal", "due_charge", "due_periods", "overdue_periods", "current_period",
             "days_elapsed", "days_in_period", "customer_paid", "credit"]
    date = "datetime64[us]"
    quotes = pd.DataFrame({
        "contract_no": pd.Series(dtype=object), "settle_on": pd.Series(dtype=date),
        "method": pd.Series(dtype=object), "style": pd.Series(dtype=object),
        **{c: pd.Series(dtype="int64") for c in money},
        "current_due_date": pd.Series(dtype=date), "period_start": pd.Series(dtype=date),
        "advances_exceed_due": pd.Series(dtype=bool), "negative_advances": pd.Series(dtype=bool)})
    return SettlementQuotes(quotes=quotes, installments=pd.DataFrame(), rules=rules)


# --------------------------------------------------------------------------------------- eligibility


@dataclass(frozen=True)
class SettlementProblem:
    """Why a settlement cannot be quoted or recorded, as data: the caller names the file, sheet, row
    and column. ``table`` is "requests" (``label`` = the request's position), "loans" or "settlements"
    (``label`` = the frame label of the row concerned); ``code`` is stable for scripts."""

    table: str
    label: Any
    field: str
    value: Any
    code: str
    reason: str


def request_problems(loans: pd.DataFrame, requests: pd.DataFrame, *,
                     date_name: str = N_("the settlement date")) -> list[SettlementProblem]:
    """Every request that cannot be quoted: an unknown contract, one asked twice, a date before the
    pickup date. ``loans``: contract_no, pickup_date; ``requests``: contract_no, settle_on (dates);
    ``date_name``: what the requested date is to the reader (a statement's date, for the statement)."""
    known = pd.Index(loans["contract_no"].astype(str).str.strip())
    pickup = pd.to_datetime(loans["pickup_date"]) if "pickup_date" in loans else pd.Series(pd.NaT,
                                                                                            index=loans.index)
    problems = []
    seen: set[str] = set()
    for i, (contract, day) in enumerate(zip(requests["contract_no"], requests["settle_on"], strict=True)):
        at = known.get_indexer([contract])[0]
        if at < 0:
            problems.append(SettlementProblem("requests", i, "contract_no", contract, "unknown-contract",
                                              _("contract {contract} is not in the ledger").format(
                                                  contract=contract)))
            continue
        if contract in seen:
            problems.append(SettlementProblem("requests", i, "contract_no", contract, "asked-twice",
                                              _("contract {contract} is asked for twice").format(
                                                  contract=contract)))
            continue
        seen.add(contract)
        start = pickup.iloc[at]
        if pd.notna(start) and pd.Timestamp(day) < start:
            problems.append(SettlementProblem(
                "requests", i, "settled_on", pd.Timestamp(day).date().isoformat(), "before-pickup",
                _("{date} {day} is before the pickup date {pickup} of {contract}").format(
                    date=_(date_name), day=pd.Timestamp(day).date().isoformat(),
                    pickup=start.date().isoformat(), contract=contract)))
    return problems


def recording_problems(contract: str, state: str, loan_label: Any, settled_on: Any,
                       settlements: pd.DataFrame) -> list[SettlementProblem]:
    """Why a settlement of ``contract`` cannot be recorded: it already has a 结清记录 row, or the loan is
    not active on the settlement day (``state``: core.loans.loan_states' code on that day;
    ``settled_on``: the loan's 结清日期, shown when known)."""
    problems = []
    recorded = settlements[settlements["contract_no"].astype(str).str.strip() == contract]
    if len(recorded):
        label = recorded.index[0]
        day = pd.Timestamp(recorded.loc[label, "settled_on"]) if "settled_on" in recorded else pd.NaT
        problems.append(SettlementProblem(
            "settlements", label, "contract_no", contract, "already-recorded",
            _("{contract} already has a 结清记录 row (结清日期 {day})").format(
                contract=contract, day="" if pd.isna(day) else day.date().isoformat())))
    if state != "active":
        day = pd.Timestamp(settled_on) if settled_on is not None and not pd.isna(settled_on) else pd.NaT
        when = "" if pd.isna(day) else _(", 结清日期 {day}").format(day=day.date().isoformat())
        problems.append(SettlementProblem(
            "loans", loan_label, "status", LOAN_STATE_LABELS[state], "not-active",
            _("{contract} is {state}{when}, not active").format(contract=contract,
                                                                state=_(STATE_WORDS[state]), when=when)))
    return problems
