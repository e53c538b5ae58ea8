"""Repayment schedules (还款明细) for many loans at once, exact to the fen.

DOMAIN.md "Rules for the numbers" is the contract. Every amount is an int64 number of fen and every rate
an integer number of 1e-8 (``money.RATE_SCALE``); each step rounds half up (四舍五入) in integer
arithmetic (``money.div_round_half_up_array``). The arithmetic is vectorized over loans: loans of equal
term are taken in blocks of thousands, and the only Python loop that computes runs over the PERIODS of
a block (at most 120), each step one numpy operation over all of the block's loans.

- 等额本息 ``annuity``: payment = round(P·r(1+r)^n/((1+r)^n−1)), r = annual rate / 12;
  interest_k = round(balance·rate/12) (the division last); principal_k = payment − interest_k; the last
  period takes the remaining balance. Rate 0: principal = round(P/n), the last takes the rest.
- 等额本金 ``equal_principal``: principal_k = round(P/n), the residue period takes the rest;
  interest_k = round(balance·rate/12).
- 等本等费 ``flat_fee``: the rate is the TOTAL fee rate F over the term; principal as above;
  fee_k = round(P·F/n), the residue period's fee = round(P·F) − the others.

``residue="first"`` puts the principal (and flat-fee) residue into period 1 for equal_principal and
flat_fee; an annuity always settles in its last period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import _
from ..money import RATE_SCALE, div_round_half_up, div_round_half_up_array
from ..settings import RESIDUES
from .dates import due_date_table, first_due_month, resolve_due_day

METHODS = ("annuity", "equal_principal", "flat_fee")
MAX_TERM = 120
INPUT_COLUMNS = (
    "contract_no", "principal", "term", "method", "rate", "pickup_date", "first_due_date", "due_day",
)
OUTPUT_COLUMNS = ("contract_no", "period", "due_date", "principal", "interest", "fee", "payment", "balance")
MONEY_COLUMNS = ("principal", "interest", "fee", "payment", "balance")
DUE_DATE_UNIT = "us"  # what pandas 3 gives for parsed dates, so joins and comparisons agree

_MONTHLY_DENOMINATOR = 12 * RATE_SCALE  # interest = balance × rate / 12, the division last
# balance × rate must stay far inside int64 (half-up rounding doubles the remainder)
_MAX_PRODUCT = 4 * 10**18
# The float annuity payment is trusted to round the same way as the exact value unless it lies this
# close to a half fen (see annuity_payment for the error bound this margin covers many times over).
_TIE_MARGIN_FEN = 1e-4
_TIE_MARGIN_RELATIVE = 1e-12


class ScheduleInputError(ValueError):
    """Loans that cannot be scheduled; ``problems`` lists (contract_no, reason) for every one."""

    def __init__(self, problems: list[tuple[Any, str]]):
        self.problems = problems
        by_reason: dict[str, list[str]] = {}
        for contract, reason in problems:
            by_reason.setdefault(reason, []).append(str(contract))
        parts = []
        for reason, contracts in by_reason.items():
            more = _(" and {count} more").format(count=len(contracts) - 20) if len(contracts) > 20 else ""
            shown = ", ".join(contracts[:20]) + more
            parts.append(f"{reason}: {shown}")
        super().__init__(_("cannot compute a schedule for {count} loan(s) – {reasons}").format(
            count=len(problems), reasons="; ".join(parts)))


# --------------------------------------------------------------------------------------------- helpers


def monthly_interest(balance: Any, rate: Any) -> np.ndarray:
    """round(balance × annual rate / 12) in fen, with the division last (exact, half up)."""
    balance = np.asarray(balance, dtype=np.int64)
    rate = np.asarray(rate, dtype=np.int64)
    return div_round_half_up_array(balance * rate, _MONTHLY_DENOMINATOR)


def annuity_payment(principal: Any, rate: Any, term: Any) -> np.ndarray:
    """等额本息 monthly payment round(P·r(1+r)^n/((1+r)^n−1)) in fen, r = rate / 12; rate 0 → round(P/n).

    Why this is exact: with a = 12·S + R and b = 12·S (S = RATE_SCALE, R the rate in units) the payment is
    the rational P·R·aⁿ / (b·(aⁿ − bⁿ)). We evaluate it in float64 as P·r + P·r/expm1(n·log1p(r)); each
    operation is correctly rounded or within about an ulp (log1p/expm1 from libm), and the only
    amplification is expm1's condition number L·eᴸ/(eᴸ−1) ≤ 1 + L for L = n·log1p(r). So the relative
    error is below roughly (10 + 5L)·2⁻⁵³ – for a 24 % loan over 120 months L ≈ 2.3, i.e. under 3e-15.
    Half-up rounding of a value can only come out differently from the exact value's when the two lie on
    different sides of a half fen, so every payment whose float value is within
    1e-4 fen + 1e-12·(1 + L)·payment of a half fen (thousands of times the error bound) is recomputed
    exactly from the integer formula above with Python integers. For realistic loans that is about two
    loans in ten thousand; elsewhere the float rounds exactly as the rational does.
    """
    principal_a, rate_a, term_a = np.broadcast_arrays(
        np.asarray(principal, dtype=np.int64), np.asarray(rate, dtype=np.int64),
        np.asarray(term, dtype=np.int64),
    )
    shape = principal_a.shape
    principal_a, rate_a, term_a = principal_a.ravel(), rate_a.ravel(), term_a.ravel()
    if np.any(term_a < 1):
        raise ValueError("term must be at least one period")
    if np.any(rate_a < 0):
        raise ValueError("a rate cannot be negative")
    result = np.empty(principal_a.shape, dtype=np.int64)

    zero = rate_a == 0
    result[zero] = div_round_half_up_array(principal_a[zero], term_a[zero])

    pos = ~zero
    p = principal_a[pos].astype(np.float64)
    r = rate_a[pos].astype(np.float64) / _MONTHLY_DENOMINATOR
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_growth = term_a[pos] * np.log1p(r)
        growth_m1 = np.expm1(log_growth)  # (1+r)^n − 1
        pay = p * r + p * r / growth_m1
        whole = np.floor(pay)
        frac = pay - whole
        margin = _TIE_MARGIN_FEN + _TIE_MARGIN_RELATIVE * (1.0 + log_growth) * np.abs(pay)
        unsure = ~np.isfinite(pay) | (np.abs(frac - 0.5) < margin) | (np.abs(pay) >= 2.0**62)
    rounded = np.where(unsure, 0.0, whole + (frac >= 0.5)).astype(np.int64)
    positions = np.flatnonzero(pos)
    for j in np.flatnonzero(unsure):  # rare: exact rational arithmetic, one loan at a time
        rounded[j] = _exact_annuity_payment(int(principal_a[positions[j]]), int(rate_a[positions[j]]),
                                            int(term_a[positions[j]]))
    result[pos] = rounded
    return result.reshape(shape)


def _exact_annuity_payment(principal: int, rate: int, term: int) -> int:
    a = _MONTHLY_DENOMINATOR + rate
    b = _MONTHLY_DENOMINATOR
    a_n, b_n = a**term, b**term
    return div_round_half_up(principal * rate * a_n, b * (a_n - b_n))


# ------------------------------------------------------------------------------------------ validation


@dataclass
class _Loans:
    """The input as plain numpy arrays, sorted by contract number."""

    contract: np.ndarray  # object array of str
    principal: np.ndarray
    term: np.ndarray
    method: np.ndarray  # 0 annuity, 1 equal_principal, 2 flat_fee
    rate: np.ndarray
    first_month: np.ndarray  # datetime64[M]
    due_day: np.ndarray


def _int_column(loans: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A whole-number column → (int64 values with 0 for missing, missing mask)."""
    try:
        column = pd.array(loans[name], dtype="Int64")
    except (TypeError, ValueError) as error:
        raise ValueError(f"column {name} must hold whole numbers ({error})") from None
    missing = np.asarray(column.isna(), dtype=bool)
    return np.asarray(column.fillna(0), dtype=np.int64), missing


def _prepare(loans: pd.DataFrame) -> _Loans:
    missing_columns = [c for c in INPUT_COLUMNS if c not in loans.columns]
    if missing_columns:
        raise ValueError(f"loans frame lacks column(s) {', '.join(missing_columns)}")
    contract = loans["contract_no"].astype("str").to_numpy(dtype=object, na_value=None)
    principal, principal_na = _int_column(loans, "principal")
    term, term_na = _int_column(loans, "term")
    rate, rate_na = _int_column(loans, "rate")
    bank_day, bank_day_na = _int_column(loans, "due_day")
    method_text = loans["method"].to_numpy(dtype=object)
    method = np.full(len(loans), -1, dtype=np.int64)
    for code, name in enumerate(METHODS):
        method[method_text == name] = code
    pickup = pd.to_datetime(loans["pickup_date"])
    first_due = pd.to_datetime(loans["first_due_date"])

    checks = [
        (pd.isna(contract), _("no contract number (合同编号)")),
        (principal_na | (principal <= 0), _("principal (贷款金额) must be more than 0")),
        (term_na | (term < 1) | (term > MAX_TERM),
         _("term (期数) must be 1–{max} months").format(max=MAX_TERM)),
        (method < 0, _("method (还款方式) must be annuity, equal_principal or flat_fee")),
        (rate_na | (rate < 0), _("rate (利率/费率) must be given and not negative")),
        (np.asarray(pickup.isna()), _("no pickup date (提车日期)")),
        (~bank_day_na & ((bank_day < 1) | (bank_day > 31)), _("bank due day (银行还款日) must be 1–31")),
        (principal.astype(np.float64) * rate.astype(np.float64) > _MAX_PRODUCT,
         _("amount × rate is too large to compute exactly")),
    ]
    text = pd.Series(contract, dtype=object)
    twice = np.asarray(text.duplicated(keep=False) & text.notna())
    checks.append((twice, _("contract number appears twice (合同编号重复)")))
    found = ((contract[i], reason) for bad, reason in checks for i in np.flatnonzero(bad))
    problems = list(dict.fromkeys(found))
    if problems:
        raise ScheduleInputError(problems)

    order = np.argsort(contract.astype(str), kind="stable")
    due_day = resolve_due_day(pickup, first_due, bank_day)
    return _Loans(
        contract=contract[order],
        principal=principal[order],
        term=term[order],
        method=method[order],
        rate=rate[order],
        first_month=first_due_month(pickup, first_due)[order],
        due_day=due_day[order],
    )


# ------------------------------------------------------------------------------------------ the engine


def _empty_schedule() -> pd.DataFrame:
    frame = pd.DataFrame({
        "contract_no": pd.Series([], dtype="str"),
        "period": pd.Series([], dtype=np.int64),
        "due_date": pd.Series([], dtype=f"datetime64[{DUE_DATE_UNIT}]"),
    })
    for name in MONEY_COLUMNS:
        frame[name] = pd.Series([], dtype=np.int64)
    return frame


def build_schedules(loans: pd.DataFrame, *, residue: str = "last") -> pd.DataFrame:
    """One row per installment of every loan, sorted by contract number then period.

    Input columns: ``contract_no, principal`` (fen) ``, term, method, rate`` (rate units: the annual rate,
    or the TOTAL fee rate for flat_fee) ``, pickup_date, first_due_date`` (NaT ok) ``, due_day`` (Int64,
    NA ok). Output: ``contract_no, period, due_date, principal, interest, fee, payment, balance`` (int64
    fen; balance = principal still owed after the installment). Raises :class:`ScheduleInputError` (a
    ValueError) naming every loan that cannot be scheduled.
    """
    if residue not in RESIDUES:
        raise ValueError(f"residue must be one of {', '.join(RESIDUES)}, not {residue!r}")
    if len(loans) == 0:
        return _empty_schedule()
    data = _prepare(loans)
    term = data.term
    is_annuity = data.method == 0
    is_flat_fee = data.method == 2
    # Annuities with a positive rate amortize payment − interest; the rest a level principal.
    amortizing = is_annuity & (data.rate > 0)
    payment = np.zeros(len(term), dtype=np.int64)
    payment[amortizing] = annuity_payment(data.principal[amortizing], data.rate[amortizing], term[amortizing])
    level = div_round_half_up_array(data.principal, term)
    fee_base = data.principal * np.where(is_flat_fee, data.rate, 0)
    fee = div_round_half_up_array(fee_base, term * RATE_SCALE)
    due_table, pair_of_loan = due_date_table(data.first_month, data.due_day, int(term.max()), DUE_DATE_UNIT)
    terms = _Terms(
        term=term,
        principal=data.principal,
        interest_rate=np.where(is_flat_fee, 0, data.rate),  # a flat fee's rate never bears interest
        amortizing=amortizing,
        payment=payment,
        level=level,
        level_residue=data.principal - (term - 1) * level,
        fee=fee,
        fee_residue=div_round_half_up_array(fee_base, RATE_SCALE) - (term - 1) * fee,
        residue_period=term.copy() if residue == "last" else np.where(is_annuity, term, 1),
        due_row=pair_of_loan * due_table.shape[1],
    )

    # Work in order of falling term, so that loans of equal term are consecutive (a 2-D block).
    work = np.argsort(-term, kind="stable")
    columns, bad_principal, bad_fee = _amortize(terms.take(work), due_table.ravel())
    if bad_principal.any() or bad_fee.any():
        # Rounding only pushes a part below zero when the amount (or the flat fee) is far too small for
        # the term – below about n²/2 fen, e.g. 72.00 yuan over 120 months: round(P/n) then overshoots
        # and the residue period would be negative. Such a schedule is refused, never printed.
        small = _("amount too small for the term: rounding would make a principal part negative")
        problems = [(c, small) for c in data.contract[work[bad_principal]]]
        small_fee = _("fee too small for the term: rounding would make the residue fee negative")
        problems += [(c, small_fee) for c in data.contract[work[bad_fee]]]
        raise ScheduleInputError(sorted(problems))
    if not np.array_equal(work, np.arange(len(work))):
        # rows are grouped loan by loan in work order; gather them back into contract order
        offsets = np.cumsum(term) - term
        work_offsets = np.empty_like(offsets)
        work_offsets[work] = np.cumsum(term[work]) - term[work]
        source = np.repeat(work_offsets - offsets, term) + np.arange(int(term.sum()))
        columns = {name: values[source] for name, values in columns.items()}

    frame = {"contract_no": pd.array(np.repeat(data.contract, term), dtype="str", copy=False)}
    frame.update((name, columns[name]) for name in OUTPUT_COLUMNS[1:])
    frame["due_date"] = frame["due_date"].view(f"datetime64[{DUE_DATE_UNIT}]")
    return pd.DataFrame(frame, copy=False)


@dataclass
class _Terms:
    """Per-loan constants of the recurrence (int64 arrays, one entry per loan)."""

    term: np.ndarray
    principal: np.ndarray
    interest_rate: np.ndarray
    amortizing: np.ndarray  # bool
    payment: np.ndarray  # the annuity payment (amortizing loans)
    level: np.ndarray  # round(P/n)
    level_residue: np.ndarray  # P − (n−1)·round(P/n)
    fee: np.ndarray  # round(P·F/n)
    fee_residue: np.ndarray  # round(P·F) − (n−1)·round(P·F/n)
    residue_period: np.ndarray
    due_row: np.ndarray  # where the loan's due dates start in the flattened due-date table

    def take(self, order: np.ndarray) -> _Terms:
        return _Terms(**{name: getattr(self, name)[order] for name in self.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.term)


_PARTS = ("period", "due_date", "principal", "interest", "fee", "payment", "balance")
# Loans amortized together: their principal and interest columns (2 × 8,192 × n × 8 bytes) stay in
# the processor cache while a period writes one column of them.
_BLOCK = 8_192


def _amortize(t: _Terms, due_table: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Every output column (int64; due dates as counts since 1970), loan by loan, for loans sorted by
    falling term, and masks of the loans whose rounding made a principal part (or balance) or a fee
    negative.

    Loans of equal term are consecutive, so a block of them is a (loans × periods) view of the output.
    Only principal and interest need the period-by-period recurrence: for each block the Python loop
    runs over its periods, each step numpy over the block's loans, writing one column of the view. The
    other columns are then filled block by block in row order. No temporaries of output size.
    """
    total = int(t.term.sum())
    out = {name: np.empty(total, dtype=np.int64) for name in _PARTS}
    starts = np.flatnonzero(np.diff(t.term, prepend=-1))
    stops = np.append(starts[1:], len(t))
    first_rows = np.cumsum(t.term) - t.term
    bad_principal = np.zeros(len(t), dtype=bool)
    for run_start, run_stop in zip(starts.tolist(), stops.tolist(), strict=True):
        for a in range(run_start, run_stop, _BLOCK):
            b = min(a + _BLOCK, run_stop)
            n, row = int(t.term[a]), int(first_rows[a])
            views = {name: out[name][row:row + (b - a) * n].reshape(b - a, n) for name in _PARTS}
            bad_principal[a:b] = _amortize_block(t, a, b, n, views["principal"], views["interest"])
            views["period"][:] = np.arange(1, n + 1)
            np.take(due_table, t.due_row[a:b, None] + np.arange(n), out=views["due_date"])
            views["fee"][:] = t.fee[a:b, None]
            views["fee"][np.arange(b - a), t.residue_period[a:b] - 1] = t.fee_residue[a:b]
            np.add(views["principal"], views["interest"], out=views["payment"])
            np.add(views["payment"], views["fee"], out=views["payment"])
            np.cumsum(views["principal"], axis=1, out=views["balance"])
            np.subtract(t.principal[a:b, None], views["balance"], out=views["balance"])
    return out, bad_principal, t.fee_residue < 0


def _amortize_block(t: _Terms, a: int, b: int, n: int, principal_out: np.ndarray, interest_out: np.ndarray
                    ) -> np.ndarray:
    """The recurrence for loans a..b-1, all of term n; returns which of them went negative."""
    balance = t.principal[a:b].copy()
    rate, amortizing, payment = t.interest_rate[a:b], t.amortizing[a:b], t.payment[a:b]
    level, level_residue, residue_period = t.level[a:b], t.level_residue[a:b], t.residue_period[a:b]
    bad = np.zeros(b - a, dtype=bool)
    for period in range(1, n + 1):
        interest = div_round_half_up_array(balance * rate, _MONTHLY_DENOMINATOR)
        level_part = np.where(residue_period == period, level_residue, level)
        # an annuity's last period takes whatever balance is left
        principal = np.where(amortizing, balance if period == n else payment - interest, level_part)
        balance -= principal
        bad |= principal < 0
        principal_out[:, period - 1] = principal
        interest_out[:, period - 1] = interest
    # Every part ≥ 0 and the parts summing to the principal (the last period settles the rest) means
    # the balance never rises and never goes below zero: a negative part is the only failure.
    return bad


def schedule_totals(installments: pd.DataFrame) -> pd.DataFrame:
    """Per contract: periods, sums of principal/interest/fee/payment, first and last due date."""
    grouped = installments.groupby("contract_no", sort=False)
    totals = grouped.agg(
        periods=("period", "size"),
        principal=("principal", "sum"),
        interest=("interest", "sum"),
        fee=("fee", "sum"),
        payment=("payment", "sum"),
        first_due_date=("due_date", "min"),
        last_due_date=("due_date", "max"),
    )
    for name in ("periods", "principal", "interest", "fee", "payment"):
        totals[name] = totals[name].astype(np.int64)
    return totals.reset_index()
