"""A portfolio at many days at once (as-of history): each loan's state, DPD, class and balance at every
day asked for, in one vectorized pass over all (loan, day) pairs – never one run per day.

DOMAIN.md "As-of truth" and "Rules for the numbers" are the contract, exactly as the overdue-report
applies them at one day (core.arrears): at a day D a loan's figures use only the customer payments
(客户还款, 客户还垫款) dated ≤ D, allocated oldest installment first, charge before principal; its state
(not_yet / active / settled / written_off) is core.loans.loan_states at D.

Why one pass works: allocation is strictly "oldest first, charge before principal", so everything at D
follows from the loan's customer total T(D) alone (see core.allocation). With each loan's installments
laid out by their cumulative end, one ``searchsorted`` over the whole portfolio finds, for every
(loan, day) pair at once, the first installment not fully paid (→ principal paid, outstanding
principal) and the first one not cleared within the tolerance (→ the oldest unpaid due date, DPD,
bucket, class). 连三累六 depends on the day's look-back window and is computed per day over the
installments (only for the days asked for).

Invariants a test checks (tests/test_quality_core.py): at every day, every loan's dpd, class, bucket,
outstanding principal and 连三累六 equal core.arrears.assess_portfolio's at that day (the overdue-report's
engine), and a loan that is not active at a day has no class there.

Pure: frames in, arrays out; money int64 fen; days are int64 day numbers (core.allocation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from . import classify
from .allocation import (
    CUSTOMER_PAYMENT_TYPES,
    NAT_DAY,
    add_months,
    allocate,
    day_number,
    day_numbers,
    payment_rows,
    segment_sum,
)
from .arrears import Rules, _longest_runs
from .loans import loan_states

LOAN_COLUMNS = ("contract_no", "customer_name", "dealer", "principal", "pickup_date", "disbursed_on",
                "settled_on", "written_off_on", "status")
STATE_CODES = ("not_yet", "active", "settled", "written_off")


@dataclass
class PairFigures:
    """Figures of (loan, day) pairs: ``customer_paid`` (T), ``principal_paid``, ``outstanding``
    (principal − principal paid), ``oldest_due`` (due day of the first installment not cleared, NAT_DAY
    when none) and ``dpd`` (0 unless that installment is past due + grace)."""

    customer_paid: np.ndarray
    principal_paid: np.ndarray
    outstanding: np.ndarray
    oldest_due: np.ndarray
    dpd: np.ndarray


class History:
    """The portfolio prepared once (installments and customer payments sorted per loan); then
    :meth:`evaluate` gives any (loan, day) pairs with days up to ``until``."""

    def __init__(self, loans: pd.DataFrame, installments: pd.DataFrame, payments: pd.DataFrame, *,
                 until, rules: Rules):
        contracts = pd.Index(loans["contract_no"])
        if contracts.hasnans or contracts.has_duplicates:
            raise ValueError("loans: every contract_no must be present and unique")
        self.rules = rules
        self.contracts = contracts
        self.principal = loans["principal"].to_numpy(dtype=np.int64)
        self.until = day_number(until)
        rows = payment_rows(payments, self.until)
        self.alloc = alloc = allocate(installments, rows, as_of=until, tolerance_fen=rules.tolerance_fen,
                                      contracts=contracts)
        inst = alloc.installments
        self.loan_pos, self.starts, self.counts = alloc.loan_pos, alloc.starts, alloc.counts
        self.due = alloc.due_day
        amount = inst["amount_due"].to_numpy(dtype=np.int64)
        self.charge = inst["charge"].to_numpy(dtype=np.int64)
        self.inst_principal = inst["principal"].to_numpy(dtype=np.int64)
        n = len(contracts)
        running = np.cumsum(amount)
        base = np.zeros(n, dtype=np.int64)
        base[self.counts > 0] = (running - amount)[self.starts[self.counts > 0]]
        self.cum_end = running - base[self.loan_pos]  # the loan's schedule up to and including this row
        self.before = self.cum_end - amount
        self.total_due = segment_sum(amount, self.starts, self.counts)
        span = self.total_due + 1
        self.lift = np.cumsum(span) - span  # one sorted array serves every loan's searchsorted
        self.lifted_end = self.cum_end + self.lift[self.loan_pos]
        self.cum_principal = np.concatenate(([0], np.cumsum(self.inst_principal)))
        # installments that need a payment to count as paid (amount above the tolerance)
        self.real = np.flatnonzero(~alloc.cleared_always)
        self.lifted_real = self.lifted_end[self.real]
        # customer payments sorted by loan, then day, with running totals
        paid = rows.of(*CUSTOMER_PAYMENT_TYPES)
        code = contracts.get_indexer(paid.contract_no)
        keep = code >= 0
        code, day, amount_paid = code[keep], paid.day[keep], paid.amount[keep]
        self.first_day = int(day.min()) if len(day) else 0
        self.day_span = (int(day.max()) - self.first_day + 3) if len(day) else 3
        order = np.lexsort((day, code))
        self.pay_key = code[order] * self.day_span + (day[order] - self.first_day + 1)
        self.pay_running = np.concatenate(([0], np.cumsum(amount_paid[order])))
        self.pay_start = np.searchsorted(code[order], np.arange(n))

    def customer_paid(self, pos: np.ndarray, day: np.ndarray) -> np.ndarray:
        """T: the customer payments of loan ``pos`` dated ≤ ``day``, per pair."""
        offset = np.clip(day - self.first_day + 1, 0, self.day_span - 1)
        at = np.searchsorted(self.pay_key, pos * self.day_span + offset, side="right")
        return self.pay_running[at] - self.pay_running[self.pay_start[pos]]

    def evaluate(self, pos, day) -> PairFigures:
        """Figures of loan ``pos`` (positions in ``loans``) at ``day`` (day numbers ≤ until), per pair."""
        pos = np.asarray(pos, dtype=np.int64)
        day = np.asarray(day, dtype=np.int64)
        if len(day) and int(day.max()) > self.until:
            raise ValueError("a day after the history's last day")
        paid = self.customer_paid(pos, day)
        total = self.total_due[pos]
        # the first installment not fully paid: principal parts before it are paid, its own partly
        at = np.searchsorted(self.lifted_end, self.lift[pos] + np.clip(paid, -1, total), side="right")
        end = self.starts[pos] + self.counts[pos]
        principal_paid = self.cum_principal[at] - self.cum_principal[self.starts[pos]]
        partial = at < end
        if partial.any():
            k = at[partial]
            principal_paid[partial] += np.clip(paid[partial] - self.before[k] - self.charge[k], 0,
                                               self.inst_principal[k])
        # the first installment not cleared within the tolerance: the oldest unpaid due date
        tolerance = self.rules.tolerance_fen
        oldest = np.full(len(pos), NAT_DAY, dtype=np.int64)
        if len(self.real):
            j = np.searchsorted(self.lifted_real, self.lift[pos] + np.clip(paid + tolerance, -1, total),
                                side="right")
            inside = j < len(self.real)
            row = self.real[np.where(inside, j, 0)]
            inside &= self.loan_pos[row] == pos
            oldest = np.where(inside, self.due[row], NAT_DAY)
        overdue = (oldest != NAT_DAY) & (oldest + self.rules.grace_days < day)
        dpd = np.where(overdue, day - oldest, 0)
        return PairFigures(paid, principal_paid, self.principal[pos] - principal_paid, oldest, dpd)

    def lian3lei6(self, day: int, paid: np.ndarray) -> np.ndarray:
        """连三累六 of every loan at ``day``, given each loan's customer total ``paid`` at that day."""
        rules = self.rules
        alloc = self.alloc
        due = self.due
        cleared = alloc.cleared_always | (self.cum_end - paid[self.loan_pos] <= rules.tolerance_fen)
        deadline = due + rules.grace_days
        past = deadline < day
        reached = alloc.cleared_day
        paid_in_time = alloc.cleared_always | ((reached != NAT_DAY) & (reached <= deadline))
        late = past & (~cleared | ~paid_in_time)
        window_start = int(add_months(np.array([day]), -rules.lookback_months)[0])
        flag = late & (due > window_start) & (due <= day)
        consecutive = _longest_runs(flag, self.starts, self.counts)
        cumulative = segment_sum(flag, self.starts, self.counts)
        return (consecutive >= 3) | (cumulative >= 6)


# ----------------------------------------------------------------------------------------- snapshots


@dataclass
class Snapshots:
    """Loans × days: ``state`` (STATE_CODES), ``dpd``, ``outstanding`` (principal − principal paid,
    whatever the state), ``lian3lei6`` (False where not asked for or not active) – arrays of shape
    (loans, days). ``loans``: one row per loan (LOAN_COLUMNS present, plus ``branch`` when set).
    ``written_off_balance``: outstanding principal on the loan's 核销日期 (0 without one, or when that
    day is after the last day). ``status`` is the class code where the loan is active, else its state.
    """

    days: pd.DatetimeIndex
    loans: pd.DataFrame
    state: np.ndarray
    dpd: np.ndarray
    outstanding: np.ndarray
    lian3lei6: np.ndarray
    written_off_balance: np.ndarray
    rules: Rules
    lian_days: frozenset = field(default_factory=frozenset)

    # the derived matrices are computed once (the arrays above are not changed after construction)
    @cached_property
    def active(self) -> np.ndarray:
        return self.state == "active"

    @cached_property
    def balance(self) -> np.ndarray:
        """Outstanding principal where active, else 0 (a settled or written-off loan holds none)."""
        return np.where(self.active, self.outstanding, 0)

    @cached_property
    def class_index(self) -> np.ndarray:
        """Position of the class in classify.CLASSES (int8), −1 where the loan is not active."""
        edges = np.concatenate(([0], self.rules.class_bounds))
        return np.where(self.active, np.searchsorted(edges, self.dpd, side="left"), -1).astype(np.int8)

    @cached_property
    def bucket_index(self) -> np.ndarray:
        """Position of the bucket in classify.BUCKETS (int8), −1 where the loan is not active."""
        edges = np.concatenate(([0], self.rules.bucket_bounds))
        return np.where(self.active, np.searchsorted(edges, self.dpd, side="left"), -1).astype(np.int8)

    @cached_property
    def classification(self) -> np.ndarray:
        return np.append(np.asarray(classify.CLASSES, dtype=object), None)[self.class_index]

    @cached_property
    def status(self) -> np.ndarray:
        return np.where(self.active, self.classification, self.state)

    @cached_property
    def bucket(self) -> np.ndarray:
        return np.append(np.asarray(classify.BUCKETS, dtype=object), None)[self.bucket_index]

    def column(self, day) -> int:
        at = self.days.get_indexer([pd.Timestamp(day).normalize()])[0]
        if at < 0:
            raise KeyError(f"no snapshot at {pd.Timestamp(day).date()}")
        return int(at)

    def at(self, day) -> pd.DataFrame:
        """One row per loan at ``day``: the loan columns plus state, status, classification, bucket,
        dpd, outstanding, balance, lian3lei6."""
        j = self.column(day)
        active = self.active[:, j]
        out = self.loans.copy()
        out["state"] = self.state[:, j]
        out["classification"] = self.classification[:, j]
        out["status"] = self.status[:, j]
        out["bucket"] = self.bucket[:, j]
        out["dpd"] = np.where(active, self.dpd[:, j], 0)
        out["outstanding"] = self.outstanding[:, j]
        out["balance"] = self.balance[:, j]
        out["lian3lei6"] = self.lian3lei6[:, j] & active
        return out

    @staticmethod
    def concat(parts: list[Snapshots]) -> Snapshots:
        """Several portfolios (branches) at the same days as one."""
        first = parts[0]
        if any(not p.days.equals(first.days) for p in parts):
            raise ValueError("snapshots of several portfolios must share their days")
        return Snapshots(
            days=first.days,
            loans=pd.concat([p.loans for p in parts], ignore_index=True),
            state=np.concatenate([p.state for p in parts]),
            dpd=np.concatenate([p.dpd for p in parts]),
            outstanding=np.concatenate([p.outstanding for p in parts]),
            lian3lei6=np.concatenate([p.lian3lei6 for p in parts]),
            written_off_balance=np.concatenate([p.written_off_balance for p in parts]),
            rules=first.rules, lian_days=first.lian_days)


def _days(values) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(sorted({pd.Timestamp(v).normalize() for v in values}))


def states_at(loans: pd.DataFrame, days: pd.DatetimeIndex) -> np.ndarray:
    """core.loans.loan_states of every loan at every day, shape (loans, days), in one call."""
    n, m = len(loans), len(days)
    slim = loans.reindex(columns=["status", "pickup_date", "disbursed_on", "settled_on", "written_off_on"])
    repeated = slim.iloc[np.repeat(np.arange(n), m)].reset_index(drop=True)
    states = loan_states(repeated, np.tile(days.to_numpy(), n))
    return states["state"].to_numpy(dtype=object).reshape(n, m)


def on_books_any(loans: pd.DataFrame, days) -> np.ndarray:
    """Which loans are active on at least one of ``days`` (their schedules are needed)."""
    days = _days(days)
    return (states_at(loans, days) == "active").any(axis=1) if len(loans) and len(days) else np.zeros(
        len(loans), dtype=bool)


def sorted_days(days) -> pd.DatetimeIndex:
    """The days as snapshots keeps them: normalised, unique, in order (the columns of ``states_at``)."""
    return _days(days)


def snapshots(loans: pd.DataFrame, installments: pd.DataFrame, payments: pd.DataFrame, days, *,
              rules: Rules | None = None, lian_days=(), states: np.ndarray | None = None) -> Snapshots:
    """Every loan active on at least one of ``days``, at each of them (see the module docstring).

    ``installments`` must hold those loans' schedules (build_schedules output; others are ignored).
    ``lian_days``: the days 连三累六 is wanted for (each costs one pass over the installments).
    ``states``: ``states_at(loans, days)`` when the caller has it already.
    """
    rules = rules or Rules()
    days = _days(days)
    if not len(days):
        raise ValueError("snapshots need at least one day")
    if states is None:
        states = states_at(loans, days) if len(loans) else np.empty((0, len(days)), dtype=object)
    keep = (states == "active").any(axis=1)
    chosen = loans[keep].reset_index(drop=True)
    states = states[keep]
    frame = chosen.reindex(columns=[*LOAN_COLUMNS, *(["branch"] if "branch" in chosen else [])])
    history = History(chosen, installments, payments, until=days[-1], rules=rules)
    n, m = len(chosen), len(days)
    day_no = day_numbers(pd.Series(days))
    pos = np.repeat(np.arange(n, dtype=np.int64), m)
    figures = history.evaluate(pos, np.tile(day_no, n))
    shape = (n, m)
    lian = np.zeros(shape, dtype=bool)
    wanted = _days(lian_days)
    paid = figures.customer_paid.reshape(shape)
    for j, day in enumerate(days):
        if day in wanted:
            lian[:, j] = history.lian3lei6(int(day_no[j]), paid[:, j]) & (states[:, j] == "active")
    written_off_balance = np.zeros(n, dtype=np.int64)
    if "written_off_on" in chosen and n:
        written = day_numbers(chosen["written_off_on"])
        has = (written != NAT_DAY) & (written <= history.until)
        if has.any():
            where = np.flatnonzero(has)
            written_off_balance[where] = history.evaluate(where, written[where]).outstanding
    return Snapshots(days=days, loans=frame, state=states, dpd=figures.dpd.reshape(shape),
                     outstanding=figures.outstanding.reshape(shape), lian3lei6=lian,
                     written_off_balance=written_off_balance, rules=rules,
                     lian_days=frozenset(d for d in wanted if d in days))
