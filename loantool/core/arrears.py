"""Arrears as of a date (逾期): DPD, overdue periods and amount, penalty, late runs (连三累六), advances.

The entry point of the overdue-report: :func:`assess_portfolio` takes the ledger's loans, the schedules
(``build_schedules`` output) and the 还款记录, and returns every number DOMAIN.md defines for the active
loans, vectorized over the portfolio (per-loan results come from contiguous-segment reductions, never a
per-loan Python loop).

Loans frame: ``contract_no`` (unique), ``principal`` (fen) required; optional ``customer_name``,
``status`` (active/settled/written_off; empty counts as active – a loan on the books without a status is
still being repaid), ``risk_grade`` (good/fair/poor/None), ``last_inspection``, ``last_notice_signed``
(dates, NaT ok). Only active loans are assessed; the others are left out of every result.

Meanings the rules leave open, fixed here:
- "past due" / overdue at D: due_date + grace_days < D and unpaid > tolerance (a payment on the due
  date + grace is on time). Penalty (罚息) is charged on exactly those installments, for D − due_date
  days (grace excuses lateness, it does not move the due date); a forgiven shortfall bears none.
- a *small balance* (尾差): in arrears for less than ``small_balance_fen`` (default 1.00 yuan). It keeps
  its DPD and class (and counts in the NPL figures) but gets no call, written notice or escalation; it
  is listed for the desk to check (``small_balances``). The friendly SMS reminder goes only to loans the
  desk is not chasing – never to one that is called daily.
- ``oldest_unpaid_due`` is the due date DPD counts from; ``missed_due_dates`` the due dates of the
  overdue installments (ISO, ';'-joined); ``next_due_date``/``next_due_amount`` the first installment
  not yet past due + grace that is still unpaid, and its unpaid amount.
- ``unrecovered_advances`` = company advances − advances repaid (dated ≤ D), not clipped: a negative
  value means the customer repaid more than the company advanced, which someone must look at.
- ``credit`` = customer payments beyond the whole schedule (negative only if reversals exceed payments).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..money import RATE_SCALE, div_round_half_up_array
from ..settings import ActionSettings, ArrearsSettings
from . import classify, collection
from .allocation import (
    NAT_DAY,
    PaymentRows,
    _int_column,
    add_months,
    allocate,
    day_number,
    day_numbers,
    days_to_dates,
    payment_rows,
    segment_reduce,
    segment_sum,
)
from .loans import active_on

LOAN_STATUSES = ("active", "settled", "written_off")
# per-loan columns from the 催收记录 (core.collection.contact_summary)
COLLECTION_COLUMNS = ("contacts", "last_contact_on", "last_channel", "last_party", "last_result",
                      "last_handled_by", "promise_made_on", "promise_date", "promise_amount", "promise_paid",
                      "promise_status", "last_promise_on", "last_customer_payment")
_NEVER = np.iinfo(np.int64).max


_ARREARS, _ACTIONS = ArrearsSettings(), ActionSettings()


@dataclass(frozen=True)
class Rules:
    """The settable rules of DOMAIN.md with their defaults (money in fen, the daily penalty rate in
    1e-8 units: 0.05 % = 50_000). Build from loantool.toml with :meth:`from_settings`; the values are
    checked where the settings are read (config.validate), not here."""

    # the defaults are config.py's (DOMAIN.md's), never restated here
    grace_days: int = _ARREARS.grace_days
    tolerance_fen: int = _ARREARS.tolerance_fen
    small_balance_fen: int = _ARREARS.small_balance_fen
    lookback_months: int = _ARREARS.lookback_months
    bucket_bounds: tuple[int, ...] = tuple(_ARREARS.bucket_bounds)
    class_bounds: tuple[int, ...] = _ARREARS.class_bounds
    penalty_rate_units: int = _ARREARS.penalty_rate_units
    sms_days_before: int = _ACTIONS.sms_days_before
    maturity_notice_days: int = _ACTIONS.maturity_notice_days
    escalate_dpd: int = _ACTIONS.escalate_dpd
    limitation_years: int = _ACTIONS.limitation_years
    limitation_warn_days: int = _ACTIONS.limitation_warn_days
    inspection_months: dict[str, int] = field(default_factory=lambda: dict(_ACTIONS.inspection_months))
    call_during_promise: bool = _ACTIONS.call_during_promise
    inspection_window_days: int = _ACTIONS.inspection_window_days

    @classmethod
    def from_settings(cls, arrears: ArrearsSettings | None = None,
                      actions: ActionSettings | None = None) -> Rules:
        arrears = arrears or ArrearsSettings()
        actions = actions or ActionSettings()
        return cls(
            grace_days=arrears.grace_days, tolerance_fen=arrears.tolerance_fen,
            small_balance_fen=arrears.small_balance_fen, lookback_months=arrears.lookback_months,
            bucket_bounds=tuple(arrears.bucket_bounds),
            class_bounds=tuple(arrears.class_bounds), penalty_rate_units=arrears.penalty_rate_units,
            sms_days_before=actions.sms_days_before, maturity_notice_days=actions.maturity_notice_days,
            escalate_dpd=actions.escalate_dpd, limitation_years=actions.limitation_years,
            limitation_warn_days=actions.limitation_warn_days,
            inspection_months=dict(actions.inspection_months),
            call_during_promise=bool(actions.call_during_promise),
            inspection_window_days=actions.inspection_window_days,
        )


@dataclass
class ArrearsResult:
    """Everything the overdue-report shows.

    ``loans``, one row per active loan in ledger order: contract_no, customer_name, principal, dpd,
    bucket (M0…M7+), classification (normal…loss), overdue_periods, overdue_amount, small_balance, penalty,
    outstanding_principal, principal_paid, customer_paid, consecutive_late, cumulative_late, lian3lei6,
    unrecovered_advances, credit, oldest_unpaid_due, missed_due_dates, next_due_date, next_due_amount,
    final_due_date, open_installments, action_<code> (one bool per ``classify.ACTIONS``), actions
    (codes, ';'), risk_grade,
    last_inspection, next_inspection, inspection_due, inspection_reason (arrears / poor / never / cadence),
    last_notice_signed (the later of 最近催收签收日期 and a signed 函件 in 催收记录), notice_this_quarter,
    limitation_expiry, limitation_status ("", "expiring", "expired"), limitation_start and
    limitation_basis (the event the 3 years run from: final_due / notice / promise / payment, see
    core.collection) and the ``COLLECTION_COLUMNS`` (last contact, latest promise and its status, last
    customer payment). Money in fen (int64), dates datetime64 (NaT when none).

    ``installments``: the allocation detail (see ``allocation.Allocation``) plus ``overdue``, ``late``,
    ``in_window`` (inside the look-back window), ``penalty`` and ``sms_due``. The lists are filtered
    views of ``loans``, sorted for the desk: ``call_list`` (in arrears, worst first – not the small
    balances; then broken promises first and loans waiting for an open promise last, with ``waiting``:
    core.collection), ``small_balances`` (尾差核对: in arrears for less than ``small_balance_fen``; they keep
    DPD and class but get no call, notice or escalation), ``lian3lei6`` (plus
    ``late_due_dates``), ``maturity``, ``quarterly_notices``, ``inspections``, ``limitation``; ``sms``
    is installment rows. ``unknown_payments``: 还款记录 rows whose contract is in no loan at all.
    """

    as_of: pd.Timestamp
    rules: Rules
    loans: pd.DataFrame
    installments: pd.DataFrame
    summary: classify.PortfolioSummary
    call_list: pd.DataFrame
    small_balances: pd.DataFrame
    sms: pd.DataFrame
    lian3lei6: pd.DataFrame
    maturity: pd.DataFrame
    quarterly_notices: pd.DataFrame
    inspections: pd.DataFrame
    limitation: pd.DataFrame
    unknown_payments: pd.DataFrame


def _loan_dates(loans: pd.DataFrame, column: str) -> np.ndarray:
    if column not in loans:
        return np.full(len(loans), NAT_DAY, dtype=np.int64)
    return day_numbers(loans[column])


def _active_loans(loans: pd.DataFrame, as_of) -> pd.DataFrame:
    if loans["contract_no"].isna().any() or loans["contract_no"].duplicated().any():
        raise ValueError("loans: every contract_no must be present and unique")
    if loans["principal"].isna().any():
        raise ValueError("loans: every loan needs a principal")
    status = loans["status"] if "status" in loans else pd.Series(None, index=loans.index, dtype=object)
    unknown = status.notna() & ~status.isin(LOAN_STATUSES)
    if unknown.any():
        raise ValueError(f"loans: unknown status values {sorted(set(map(str, status[unknown])))}")
    return loans[active_on(loans, as_of)].reset_index(drop=True)


def penalty_fen(unpaid: np.ndarray, days: np.ndarray, rate_units: int) -> np.ndarray:
    """round(unpaid × rate × days), exact half up; Python integers if int64 could overflow."""
    if len(unpaid) == 0 or rate_units == 0:
        return np.zeros(len(unpaid), dtype=np.int64)
    if int(unpaid.max()) * rate_units * max(int(days.max()), 1) < 2**61:
        return div_round_half_up_array(unpaid * rate_units * days, RATE_SCALE)
    # beyond int64: the same half-up division on Python integers (numerator ≥ 0 here)
    numerator = unpaid.astype(object) * rate_units * days.astype(object)
    return ((2 * numerator + RATE_SCALE) // (2 * RATE_SCALE)).astype(np.int64)


def _longest_runs(flag: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per loan, the longest run of consecutive True rows (rows of a loan are in period order)."""
    index = np.arange(len(flag), dtype=np.int64)
    breaks = np.where(flag, -1, index)
    first = starts[counts > 0]
    breaks[first] = np.maximum(breaks[first], first - 1)  # a run cannot reach back into the previous loan
    run = np.where(flag, index - np.maximum.accumulate(breaks), 0)
    return segment_reduce(np.maximum, run, starts, counts, 0)


def _joined_dates(days: np.ndarray, loan_pos: np.ndarray, n_loans: int) -> np.ndarray:
    """ISO dates joined by ';' per loan; ``loan_pos`` is sorted (rows of a loan are contiguous)."""
    out = np.full(n_loans, "", dtype=object)
    if len(days):
        cells = np.char.add(np.datetime_as_string(days.view("datetime64[D]")), ";").astype(object)
        starts = np.flatnonzero(np.r_[True, loan_pos[1:] != loan_pos[:-1]])
        joined = np.add.reduceat(cells, starts)  # string concatenation inside numpy, per loan
        out[loan_pos[starts]] = pd.Series(joined, dtype=object).str.removesuffix(";").to_numpy(dtype=object)
    return out


# loans assessed at a time: the arrays of one row per installment (a dozen of them) stay a few MB each
# however big the portfolio, instead of a copy of the whole schedule per step
CHUNK_LOANS = 2048


@dataclass
class _Chunk:
    """The installments of a run of loans, reduced to one value per loan (``loans``), with the rows the
    lists need: ``sms`` (installments with a reminder due), ``late_dates`` (the late due dates in the
    window of the loans in 连三累六, ';'-joined) and ``installments`` (all of them, when kept)."""

    loans: dict[str, np.ndarray]
    sms: pd.DataFrame
    late_dates: np.ndarray
    installments: pd.DataFrame | None


def _assess_chunk(installments: pd.DataFrame, rows: PaymentRows, contracts: pd.Index, *, as_of, today: int,
                  window_start: int, rules: Rules, keep: bool) -> _Chunk:
    """Allocation, lateness, penalty and the per-loan reductions of the loans ``contracts`` (rows of a
    loan depend only on that loan's installments and payments, so runs of loans are independent)."""
    n = len(contracts)
    alloc = allocate(installments, rows, as_of=as_of, tolerance_fen=rules.tolerance_fen,
                     contracts=contracts)
    inst, pos, starts, counts = alloc.installments, alloc.loan_pos, alloc.starts, alloc.counts
    due = alloc.due_day
    if np.any(due == NAT_DAY):
        raise ValueError("installments: every installment needs a due_date")
    unpaid = inst["unpaid"].to_numpy(dtype=np.int64)
    cleared = inst["cleared"].to_numpy(dtype=bool)

    # per installment
    deadline = due + rules.grace_days
    past_deadline = deadline < today
    overdue = past_deadline & ~cleared
    paid_in_time = alloc.cleared_always | ((alloc.cleared_day != NAT_DAY) & (alloc.cleared_day <= deadline))
    late = overdue | (past_deadline & ~paid_in_time)
    in_window = (due > window_start) & (due <= today)
    penalty = np.where(overdue, penalty_fen(np.where(overdue, unpaid, 0), np.maximum(today - due, 0),
                                         rules.penalty_rate_units), 0)
    sms_due = (due >= today) & (due <= today + rules.sms_days_before) & ~cleared
    inst["overdue"] = overdue
    inst["late"] = late
    inst["in_window"] = in_window
    inst["penalty"] = penalty

    # per loan
    oldest = segment_reduce(np.minimum, np.where(overdue, due, _NEVER), starts, counts, _NEVER)
    in_arrears = oldest != _NEVER
    overdue_amount = segment_sum(np.where(overdue, unpaid, 0), starts, counts)
    small = in_arrears & (overdue_amount < rules.small_balance_fen)
    # the friendly reminder is for upcoming dues of loans the desk is not chasing
    sms_due &= ~(in_arrears & ~small)[pos]
    inst["sms_due"] = sms_due
    row = np.arange(len(inst), dtype=np.int64)
    next_row = segment_reduce(np.minimum, np.where(~past_deadline & ~cleared, row, _NEVER), starts, counts,
                              _NEVER)
    has_next = next_row != _NEVER
    next_at = np.where(has_next, next_row, 0)
    final_due = np.full(n, NAT_DAY, dtype=np.int64)
    final_due[counts > 0] = due[(starts + counts - 1)[counts > 0]]
    late_window = late & in_window
    consecutive = _longest_runs(late_window, starts, counts)
    cumulative = segment_sum(late_window, starts, counts)
    lian3lei6 = (consecutive >= 3) | (cumulative >= 6)
    late_rows = late_window & lian3lei6[pos]
    per_loan = {
        "oldest": oldest,
        "overdue_amount": overdue_amount,
        "small": small,
        "overdue_periods": segment_sum(overdue, starts, counts),
        "penalty": segment_sum(penalty, starts, counts),
        "principal_paid": alloc.totals["principal_paid"].to_numpy(dtype=np.int64),
        "customer_paid": alloc.totals["customer_paid"].to_numpy(dtype=np.int64),
        "credit": alloc.totals["credit"].to_numpy(dtype=np.int64),
        "consecutive": consecutive,
        "cumulative": cumulative,
        "lian3lei6": lian3lei6,
        "missed_due_dates": _joined_dates(due[overdue], pos[overdue], n),
        "next_due_day": np.where(has_next, due[next_at] if len(due) else NAT_DAY, NAT_DAY),
        "next_due_amount": np.where(has_next, unpaid[next_at] if len(unpaid) else 0, 0),
        "final_due": final_due,
        "open_installments": counts - segment_sum(cleared, starts, counts),
        "sms_due": segment_sum(sms_due, starts, counts) > 0,
    }
    return _Chunk(per_loan, inst[sms_due], _joined_dates(due[late_rows], pos[late_rows], n),
                  inst if keep else None)


def _chunks(installments: pd.DataFrame, rows: PaymentRows, contracts: pd.Index, size: int):
    """(installments, payment rows, contracts) of each run of ``size`` loans, in ``contracts`` order;
    installments and payments of other contracts are left out (as ``allocate`` leaves them out)."""
    n = len(contracts)
    names = installments["contract_no"].to_numpy(dtype=object)
    heads = np.flatnonzero(np.r_[True, names[1:] != names[:-1]]) if len(names) else np.zeros(0, np.int64)
    inst_code = np.repeat(contracts.get_indexer(names[heads]), np.diff(np.r_[heads, len(names)]))
    del names
    inst_order = np.flatnonzero(inst_code >= 0)
    if np.any(np.diff(inst_code[inst_order]) < 0):
        inst_order = inst_order[np.argsort(inst_code[inst_order], kind="stable")]
    inst_code = inst_code[inst_order]
    pay_code = rows.codes(contracts)
    pay_order = np.flatnonzero(pay_code >= 0)
    pay_order = pay_order[np.argsort(pay_code[pay_order], kind="stable")]  # rows of a loan keep their order
    pay_code = pay_code[pay_order]
    for first in range(0, max(n, 1), size):
        last = min(first + size, n)
        lo, hi = np.searchsorted(inst_code, [first, last])
        taken = inst_order[lo:hi]
        # rows in order and consecutive: a slice, no copy (the span alone is not enough – rows of other
        # loans can sit in the span, in another order, when the ledger's loans and schedules differ in order)
        if len(taken) and taken[-1] - taken[0] == len(taken) - 1 and np.all(np.diff(taken) == 1):
            part = installments.iloc[int(taken[0]):int(taken[-1]) + 1]
        else:
            part = installments.take(taken)
        lo, hi = np.searchsorted(pay_code, [first, last])
        chosen = pay_order[lo:hi]
        yield part, PaymentRows(rows.contract_no[chosen], rows.day[chosen], rows.amount[chosen],
                                rows.kind[chosen], pay_code[lo:hi] - first), contracts[first:last]


def assess_portfolio(loans: pd.DataFrame, installments: pd.DataFrame, payments: pd.DataFrame, *,
                     as_of, rules: Rules | None = None, collections: pd.DataFrame | None = None,
                     keep_installments: bool = True) -> ArrearsResult:
    """The overdue-report's numbers for every active loan as of ``as_of`` (see the module docstring).
    ``collections``: the 催收记录 frame (core.collection), if the ledger keeps one.
    ``keep_installments=False``: ``installments`` of the result is left empty (its columns only) – the
    overdue report needs only the lists made from them, and 20,000 loans' installments with every
    allocation column are some hundred MB."""
    rules = rules or Rules()
    today = day_number(as_of)
    active = _active_loans(loans, as_of)
    contracts = pd.Index(active["contract_no"])
    n = len(contracts)
    # each payment's loan looked up once: the runs of loans, the allocation, the advances and the contact
    # summary all use it, and the rows of no active loan are the only ones that can be unknown
    codes = contracts.get_indexer(payments["contract_no"].to_numpy(dtype=object))
    rows = payment_rows(payments, today, codes=codes)
    _int_column(installments, "period", "installments")  # every installment is checked, as allocate does
    window_start = int(add_months(np.array([today]), -rules.lookback_months)[0])
    chunks: list[_Chunk] = []
    for part, part_rows, part_contracts in _chunks(installments, rows, contracts, CHUNK_LOANS):
        chunks.append(_assess_chunk(part, part_rows, part_contracts, as_of=as_of, today=today,
                                    window_start=window_start, rules=rules,
                                    keep=keep_installments or not chunks))  # the first: for the columns
    per_loan = {key: np.concatenate([c.loans[key] for c in chunks]) for key in chunks[0].loans}
    oldest = per_loan["oldest"]
    in_arrears = oldest != _NEVER
    dpd = np.where(in_arrears, today - oldest, 0)
    overdue_amount, small, lian3lei6 = per_loan["overdue_amount"], per_loan["small"], per_loan["lian3lei6"]
    consecutive, cumulative = per_loan["consecutive"], per_loan["cumulative"]
    final_due = per_loan["final_due"]
    if keep_installments:
        inst = pd.concat([c.installments for c in chunks], ignore_index=True)
    else:
        inst = chunks[0].installments.iloc[0:0].reset_index(drop=True)
    sms = pd.concat([c.sms for c in chunks], ignore_index=True)
    late_dates = np.concatenate([c.late_dates for c in chunks])
    del chunks

    advances = np.zeros(n, dtype=np.int64)
    for kind, sign in (("company_advance", 1), ("advance_repaid", -1)):
        chosen = rows.of(kind)
        code = chosen.codes(contracts)
        np.add.at(advances, code[code >= 0], sign * chosen.amount[code >= 0])

    principal = active["principal"].to_numpy(dtype=np.int64)
    principal_paid = per_loan["principal_paid"]
    contacts = collection.contact_summary(collections, rows, contracts, as_of=as_of,
                                          grace_days=rules.grace_days)
    # a signed notice in 催收记录 counts like the ledger's 最近催收签收日期 (the later of the two)
    last_notice = np.maximum(_loan_dates(active, "last_notice_signed"),
                             day_numbers(contacts["last_signed_notice"]))
    last_inspection = _loan_dates(active, "last_inspection")
    grade = (active["risk_grade"].to_numpy(dtype=object) if "risk_grade" in active
             else np.full(n, None, dtype=object))
    out = pd.DataFrame({
        "contract_no": active["contract_no"].to_numpy(dtype=object),
        "customer_name": active["customer_name"].to_numpy(dtype=object) if "customer_name" in active
        else np.full(n, None, dtype=object),
        "principal": principal,
        "dpd": dpd,
        "bucket": classify.bucket_of(dpd, rules.bucket_bounds),
        "classification": classify.classify_dpd(dpd, rules.class_bounds),
        "overdue_periods": per_loan["overdue_periods"],
        "overdue_amount": overdue_amount,
        "small_balance": small,
        "penalty": per_loan["penalty"],
        "outstanding_principal": principal - principal_paid,
        "principal_paid": principal_paid,
        "customer_paid": per_loan["customer_paid"],
        "consecutive_late": consecutive,
        "cumulative_late": cumulative,
        "lian3lei6": lian3lei6,
        "unrecovered_advances": advances,
        "credit": per_loan["credit"],
        "oldest_unpaid_due": days_to_dates(np.where(in_arrears, oldest, NAT_DAY)),
        "missed_due_dates": per_loan["missed_due_dates"],
        "next_due_date": days_to_dates(per_loan["next_due_day"]),
        "next_due_amount": per_loan["next_due_amount"],
        "final_due_date": days_to_dates(final_due),
        "open_installments": per_loan["open_installments"],
    })
    actions = classify.collection_actions(
        dpd=dpd, lian3lei6=lian3lei6, sms_due=per_loan["sms_due"],
        final_due_day=final_due, open_installments=out["open_installments"].to_numpy(),
        last_notice_day=last_notice, as_of_day=today, maturity_notice_days=rules.maturity_notice_days,
        escalate_dpd=rules.escalate_dpd, small_balance=small)
    start = _loan_dates(active, "pickup_date")
    start = np.where(start == NAT_DAY, _loan_dates(active, "disbursed_on"), start)
    inspection = classify.inspection_plan(
        risk_grade=grade, last_inspection_day=last_inspection, in_arrears=in_arrears,
        as_of_day=today, inspection_months=rules.inspection_months, start_day=start,
        window_days=rules.inspection_window_days)
    # 诉讼时效 restarts with a signed notice, a promise to pay and a customer payment (core.collection)
    restart, basis = collection.limitation_start(
        final_due_day=final_due, notice_day=last_notice, promise_day=day_numbers(contacts["last_promise_on"]),
        payment_day=day_numbers(contacts["last_customer_payment"]), as_of_day=today)
    limitation = classify.limitation_plan(
        final_due_day=final_due, last_notice_day=restart, in_arrears=in_arrears, as_of_day=today,
        years=rules.limitation_years, warn_days=rules.limitation_warn_days)
    out = pd.concat([out, actions], axis=1)
    out["risk_grade"] = grade
    out["last_inspection"] = days_to_dates(last_inspection)
    out["next_inspection"] = days_to_dates(inspection["next_inspection_day"].to_numpy())
    out["inspection_due"] = inspection["inspection_due"].to_numpy()
    out["inspection_reason"] = inspection["inspection_reason"].to_numpy()
    out["last_notice_signed"] = days_to_dates(last_notice)
    out["notice_this_quarter"] = classify.notice_this_quarter(last_notice, today)
    out["limitation_expiry"] = days_to_dates(limitation["limitation_expiry_day"].to_numpy())
    out["limitation_status"] = limitation["limitation_status"].to_numpy()
    out["limitation_start"] = days_to_dates(restart)
    out["limitation_basis"] = pd.Series(basis, dtype=object).to_numpy(dtype=object)
    for column in COLLECTION_COLUMNS:
        out[column] = contacts[column].to_numpy()
    # 还款记录 rows whose contract is in no loan at all: among those of no active loan
    unknown = codes < 0
    unknown[unknown] = ~payments["contract_no"][unknown].isin(loans["contract_no"]).to_numpy(dtype=bool)
    return _result(out, inst, sms, late_dates, payments[unknown].reset_index(drop=True),
                   pd.Timestamp(as_of).normalize(), rules)


def _result(out: pd.DataFrame, inst: pd.DataFrame, sms: pd.DataFrame, late_dates: np.ndarray,
            unknown_payments: pd.DataFrame, as_of: pd.Timestamp, rules: Rules) -> ArrearsResult:
    worst_first = ["dpd", "overdue_amount", "contract_no"]
    arrears = out[(out["dpd"] > 0) & ~out["small_balance"]].sort_values(
        worst_first, ascending=[False, False, True], kind="stable")
    small = out[(out["dpd"] > 0) & out["small_balance"]].sort_values(
        worst_first, ascending=[False, False, True], kind="stable")
    lian = out[out["lian3lei6"]].sort_values(["consecutive_late", "cumulative_late", "contract_no"],
                                              ascending=[False, False, True], kind="stable").copy()
    lian["late_due_dates"] = late_dates[lian.index.to_numpy()]
    sms = sms.sort_values(["due_date", "contract_no"], kind="stable")
    return ArrearsResult(
        as_of=as_of, rules=rules, loans=out, installments=inst,
        summary=classify.portfolio_summary(out),
        call_list=collection.order_call_list(arrears, keep_calling=rules.call_during_promise),
        small_balances=small.reset_index(drop=True),
        sms=sms.reset_index(drop=True),
        lian3lei6=lian.reset_index(drop=True),
        maturity=out[out["action_maturity_notice"]].sort_values(["final_due_date", "contract_no"],
                                                                kind="stable").reset_index(drop=True),
        quarterly_notices=arrears[arrears["action_written_notice"]].reset_index(drop=True),
        inspections=out[out["inspection_due"]].sort_values(["next_inspection", "contract_no"],
                                                           kind="stable").reset_index(drop=True),
        limitation=out[out["limitation_status"] != ""].sort_values(["limitation_expiry", "contract_no"],
                                                                  kind="stable").reset_index(drop=True),
        unknown_payments=unknown_payments,
    )
