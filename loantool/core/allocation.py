"""Allocation of customer payments to installments (还款分配), vectorized over the whole portfolio.

DOMAIN.md, "Which payments count" and "Allocation": the customer's payments are 客户还款
(``customer_paid``) and 客户还垫款 (``advance_repaid``) dated on or before the as-of date. In date order
they fill the oldest unpaid installment first; inside an installment the charge (interest + fee) before
the principal; an over-payment runs into the next installment and whatever exceeds the whole schedule is
the loan's *credit*. A 公司垫款 (``company_advance``) keeps the bank whole but pays nothing for the
customer.

Because allocation is strictly "oldest first, charge before principal", the amount that reaches each
component depends only on the loan's total paid T: with the components laid out in order
(charge_1, principal_1, charge_2, …) and ``before_j`` the sum of the components ahead of j,
``allocated_j = clip(T − before_j, 0, size_j)``. The date an installment was paid is the date of the
payment at which the loan's running total first reached the installment's cumulative end, found with one
``searchsorted`` over the whole portfolio (each loan's running totals are lifted by an offset so that
the concatenation stays sorted). No per-loan Python loop anywhere.

Day numbers: dates are handled as int64 days since 1970-01-01 with ``NAT_DAY`` for a missing date; the
small date helpers used by the other arrears modules live here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dates import day_of_month, due_dates

CUSTOMER_PAYMENT_TYPES = ("customer_paid", "advance_repaid")
PAYMENT_TYPES = ("customer_paid", "company_advance", "advance_repaid")
NAT_DAY = np.iinfo(np.int64).min  # what NaT looks like as datetime64[D] viewed as int64
DATE_DTYPE = "datetime64[us]"  # pandas' own default resolution for parsed dates

# ------------------------------------------------------------------------------------------------ dates


def day_numbers(values) -> np.ndarray:
    """Dates (Series/array of datetime64, ``datetime.date``, text, None) → int64 days, NAT_DAY for missing."""
    if len(values) == 0:
        return np.empty(0, dtype=np.int64)
    dates = pd.to_datetime(pd.Series(values, copy=False).reset_index(drop=True))
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").view(np.int64)


def day_number(value) -> int:
    """One date (``date``, ``Timestamp``, ``"2024-06-30"``) → days since 1970-01-01."""
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        raise ValueError("the as-of date is missing")
    return int(np.datetime64(stamp.date(), "D").view(np.int64))


def days_to_dates(days: np.ndarray) -> np.ndarray:
    """int64 days (NAT_DAY for missing) → datetime64 array for a frame column."""
    return np.asarray(days, dtype=np.int64).view("datetime64[D]").astype(DATE_DTYPE)


def add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Calendar months added to each day, the day clamped to the target month (Jan 31 + 1 → Feb 28/29):
    the schedule's own due-date rule (core.dates.due_dates), on day numbers."""
    days = np.asarray(days, dtype=np.int64)
    missing = days == NAT_DAY
    dates = np.where(missing, 0, days).view("datetime64[D]")
    moved = due_dates(dates.astype("datetime64[M]"), day_of_month(dates),
                      np.asarray(months, dtype=np.int64) + 1)
    return np.where(missing, NAT_DAY, moved.astype("datetime64[D]").view(np.int64))


# ------------------------------------------------------------------------------- per-loan segment sums
# Rows of a loan are contiguous: loan i owns rows starts[i] : starts[i] + counts[i] (counts may be 0).


def segment_sum(values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    running = np.concatenate(([0], np.cumsum(np.asarray(values, dtype=np.int64))))
    return running[starts + counts] - running[starts]


def segment_reduce(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray, counts: np.ndarray,
                   empty) -> np.ndarray:
    """``ufunc.reduceat`` per loan; ``empty`` for a loan without rows (reduceat cannot express those)."""
    out = np.full(len(starts), empty, dtype=np.asarray(values).dtype)
    has_rows = counts > 0
    if has_rows.any():
        out[has_rows] = ufunc.reduceat(values, starts[has_rows])
    return out


def _int_column(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    series = frame[column]
    if series.isna().any():
        raise ValueError(f"{what}: column {column} has empty values")
    return series.to_numpy(dtype=np.int64)


# ------------------------------------------------------------------------------------------ allocation


@dataclass
class Allocation:
    """Installments with what the customer's payments paid of each, and per-loan totals.

    ``installments`` (sorted by loan in ``contracts`` order, then period; a RangeIndex) keeps the input
    columns and adds: ``charge`` (interest + fee), ``amount_due`` (charge + principal), ``paid_charge``,
    ``paid_principal``, ``paid``, ``unpaid``, ``fully_paid_on`` (date of the payment that completed it;
    NaT when not fully paid at as-of, or when nothing was ever owed), ``cleared`` (unpaid ≤ tolerance:
    counts as paid for DPD and lateness) and ``cleared_on`` (the payment date from which it counted as
    paid; NaT when not cleared at as-of or when it never needed a payment).

    ``totals`` has one row per contract: ``contract_no, customer_paid, allocated, principal_paid,
    charge_paid, credit`` with ``allocated + credit == customer_paid`` exactly.

    The numpy fields let the arrears code reduce per loan without regrouping: ``loan_pos`` (the loan of
    each installment row), ``starts``/``counts`` (each loan's rows), ``cleared_day`` and
    ``cleared_always`` (a day number, and True where the installment needed no payment to count as paid,
    e.g. a zero amount). ``cleared_day`` is the first time the running total reached the mark, even if a
    later reversal (negative amount) undid it.
    """

    contracts: pd.Index
    installments: pd.DataFrame
    totals: pd.DataFrame
    loan_pos: np.ndarray
    starts: np.ndarray
    counts: np.ndarray
    due_day: np.ndarray
    cleared_day: np.ndarray
    cleared_always: np.ndarray


@dataclass
class PaymentRows:
    """还款记录 rows dated on or before the as-of day, as arrays: ``contract_no`` (object), ``day``
    (int64 day numbers), ``amount`` (int64 fen), ``kind`` (index into ``PAYMENT_TYPES``); ``code``, where
    the caller has it, each row's position in the ``contracts`` the rows are used with (−1: none of
    them) – it spares looking 400,000 contract numbers up again; None: looked up by ``contract_no``."""

    contract_no: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    kind: np.ndarray
    code: np.ndarray | None = None

    def of(self, *types: str) -> PaymentRows:
        keep = np.isin(self.kind, [PAYMENT_TYPES.index(t) for t in types])
        return self.take(keep)

    def take(self, keep: np.ndarray) -> PaymentRows:
        """The rows ``keep`` selects (a mask or positions)."""
        return PaymentRows(self.contract_no[keep], self.day[keep], self.amount[keep], self.kind[keep],
                           None if self.code is None else self.code[keep])

    def codes(self, contracts: pd.Index) -> np.ndarray:
        """Each row's position in ``contracts`` (−1: none): ``code`` where given, else looked up."""
        return self.code if self.code is not None else contracts.get_indexer(self.contract_no)


def payment_rows(payments: pd.DataFrame, as_of_day: int, *, codes: np.ndarray | None = None) -> PaymentRows:
    """Validate the payments frame and keep the rows dated ≤ as-of (later ones have not happened yet).
    ``codes``: every row's position in the contracts the rows will be used with (see PaymentRows)."""
    words = payments["payment_type"].to_numpy(dtype=object)
    kind = np.full(len(words), -1, dtype=np.int8)
    for code, word in enumerate(PAYMENT_TYPES):  # three comparisons beat hashing 400k strings
        kind[words == word] = code
    if np.any(kind < 0):
        unknown = sorted({str(w) for w in words[kind < 0]})
        raise ValueError(f"payments: unknown or empty payment_type {unknown}; "
                         f"expected {', '.join(PAYMENT_TYPES)}")
    if payments[["contract_no", "paid_on", "amount"]].isna().any().any():
        raise ValueError("payments: every row needs contract_no, paid_on and amount")
    day = day_numbers(payments["paid_on"])
    keep = day <= as_of_day
    return PaymentRows(payments["contract_no"].to_numpy(dtype=object)[keep], day[keep],
                       payments["amount"].to_numpy(dtype=np.int64)[keep], kind[keep],
                       None if codes is None else np.asarray(codes)[keep])


def allocate(installments: pd.DataFrame, payments: pd.DataFrame | PaymentRows, *, as_of,
             tolerance_fen: int = 0, contracts=None) -> Allocation:
    """Allocate customer payments dated ≤ ``as_of`` to ``installments`` (the build_schedules frame).

    ``payments``: the 还款记录 frame (``contract_no, paid_on, amount, payment_type``) or its
    :func:`payment_rows`. ``contracts`` fixes the loans and their order (rows of other contracts are
    ignored); by default every contract found in the installments or the customer payments, sorted. A
    loan without installments keeps all it was paid as credit.
    """
    as_of_day = day_number(as_of)
    if tolerance_fen < 0:
        raise ValueError("tolerance_fen cannot be negative")
    if not isinstance(payments, PaymentRows):
        payments = payment_rows(payments, as_of_day)
    paid = payments.of(*CUSTOMER_PAYMENT_TYPES)
    if contracts is None:
        contracts = pd.Index(sorted(set(installments["contract_no"]) | set(paid.contract_no)))
    contracts = pd.Index(contracts)
    if contracts.has_duplicates:
        raise ValueError("contracts must be unique")
    n_loans = len(contracts)

    # installments in loan order, then period. A schedule frame holds each contract in one block, so the
    # contract strings are looked up once per block rather than once per row.
    names = installments["contract_no"].to_numpy(dtype=object)
    period = _int_column(installments, "period", "installments")
    heads = np.flatnonzero(np.r_[True, names[1:] != names[:-1]]) if len(names) else np.zeros(0, np.int64)
    inst_code = np.repeat(contracts.get_indexer(names[heads]), np.diff(np.r_[heads, len(names)]))
    order = np.flatnonzero(inst_code >= 0)
    step_code, step_period = np.diff(inst_code[order]), np.diff(period[order])
    if not (np.all(step_code >= 0) and np.all((step_code > 0) | (step_period > 0))):
        order = order[np.lexsort((period[order], inst_code[order]))]
    inst = installments.take(order).reset_index(drop=True)
    loan_pos = inst_code[order]
    if np.any((np.diff(loan_pos) == 0) & (np.diff(period[order]) == 0)):
        raise ValueError("installments: a contract has the same period twice")
    starts = np.searchsorted(loan_pos, np.arange(n_loans))
    counts = np.searchsorted(loan_pos, np.arange(n_loans), side="right") - starts

    principal = _int_column(inst, "principal", "installments")
    charge = _int_column(inst, "interest", "installments") + _int_column(inst, "fee", "installments")
    if np.any(principal < 0) or np.any(charge < 0):
        raise ValueError("installments: negative principal, interest or fee")
    amount_due = charge + principal
    before_global = np.cumsum(amount_due) - amount_due
    loan_base = np.zeros(n_loans, dtype=np.int64)
    loan_base[counts > 0] = before_global[starts[counts > 0]]
    before = before_global - loan_base[loan_pos]  # the loan's schedule ahead of this installment
    cum_end = before + amount_due

    # customer payments in loan order, then date (lexsort is stable: same-day rows keep their order; rows
    # already in that order – a ledger appended day by day – are taken as they are)
    pay_code = paid.codes(contracts)
    pay_day, pay_amount = paid.day, paid.amount
    step_code, step_day = np.diff(pay_code), np.diff(pay_day)
    if np.all((step_code > 0) | ((step_code == 0) & (step_day >= 0))):
        pay_order = np.flatnonzero(pay_code >= 0)
    else:
        pay_order = np.lexsort((pay_day, pay_code))
        pay_order = pay_order[pay_code[pay_order] >= 0]
    pay_code, pay_day, pay_amount = pay_code[pay_order], pay_day[pay_order], pay_amount[pay_order]
    pay_starts = np.searchsorted(pay_code, np.arange(n_loans))
    pay_counts = np.searchsorted(pay_code, np.arange(n_loans), side="right") - pay_starts
    total_paid = segment_sum(pay_amount, pay_starts, pay_counts)

    loan_paid = total_paid[loan_pos]
    paid_charge = np.clip(loan_paid - before, 0, charge)
    paid_principal = np.clip(loan_paid - before - charge, 0, principal)
    unpaid = amount_due - paid_charge - paid_principal

    # running total per loan, never below 0 and never falling (the first time a mark was reached), lifted
    # by an offset per loan so that one sorted array serves every loan's searchsorted
    running_all = np.cumsum(pay_amount)
    loan_before = np.zeros(n_loans, dtype=np.int64)
    has_pay = pay_counts > 0
    loan_before[has_pay] = (running_all - pay_amount)[pay_starts[has_pay]]
    running = np.maximum(running_all - loan_before[pay_code], 0)
    span = segment_sum(np.maximum(pay_amount, 0), pay_starts, pay_counts) + 1  # > any running total
    offset = np.cumsum(span) - span
    lifted = np.maximum.accumulate(running + offset[pay_code]) if len(running) else running
    pay_ends = pay_starts + pay_counts

    def reached(mark: np.ndarray) -> np.ndarray:
        """Day the loan's running total first reached ``mark`` (> 0), NAT_DAY if never."""
        at = np.searchsorted(lifted, mark + offset[loan_pos], side="left")
        hit = (at >= pay_starts[loan_pos]) & (at < pay_ends[loan_pos])
        out = np.full(len(mark), NAT_DAY, dtype=np.int64)
        out[hit] = pay_day[at[hit]]
        return out

    fully_paid = unpaid == 0
    cleared = unpaid <= tolerance_fen
    paid_always = amount_due == 0
    cleared_always = amount_due <= tolerance_fen
    reached_end = reached(cum_end)
    full_day = np.where(fully_paid & ~paid_always, reached_end, NAT_DAY)
    cleared_mark = reached_end if tolerance_fen == 0 else reached(cum_end - tolerance_fen)
    cleared_day = np.where(cleared_always, NAT_DAY, cleared_mark)

    inst["charge"] = charge
    inst["amount_due"] = amount_due
    inst["paid_charge"] = paid_charge
    inst["paid_principal"] = paid_principal
    inst["paid"] = paid_charge + paid_principal
    inst["unpaid"] = unpaid
    inst["fully_paid_on"] = days_to_dates(full_day)
    inst["cleared"] = cleared
    inst["cleared_on"] = days_to_dates(np.where(cleared, cleared_day, NAT_DAY))

    allocated = segment_sum(paid_charge + paid_principal, starts, counts)
    principal_paid = segment_sum(paid_principal, starts, counts)
    totals = pd.DataFrame({
        "contract_no": contracts.to_numpy(dtype=object),
        "customer_paid": total_paid,
        "allocated": allocated,
        "principal_paid": principal_paid,
        "charge_paid": allocated - principal_paid,
        # what exceeds the schedule; negative only if reversals exceed payments (reported, not hidden)
        "credit": total_paid - allocated,
    })
    return Allocation(contracts=contracts, installments=inst, totals=totals, loan_pos=loan_pos,
                      starts=starts, counts=counts, due_day=day_numbers(inst["due_date"]),
                      cleared_day=cleared_day, cleared_always=cleared_always)
