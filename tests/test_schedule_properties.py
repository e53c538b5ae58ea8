"""Hypothesis invariants of the schedule engine, and agreement to the fen with a per-loan Decimal reference.

The reference below is written the plain way – one loan at a time, Decimal arithmetic with ROUND_HALF_UP,
calendar.monthrange for due dates – straight from DOMAIN.md, so that it shares no code with the engine.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from loantool.core import schedule as schedule_module
from loantool.core.schedule import annuity_payment, build_schedules, monthly_interest
from loantool.money import RATE_SCALE, div_round_half_up, div_round_half_up_array

PCT = RATE_SCALE // 100
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------------ the reference


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def reference_payment(principal: int, rate_units: int, term: int) -> int:
    """P·r(1+r)^n/((1+r)^n − 1), r = rate / 12, at a precision that keeps (1+r)^n exact when r is a
    terminating decimal (then ties are decided exactly)."""
    with localcontext() as ctx:
        ctx.prec = 3000
        r = Decimal(rate_units) / RATE_SCALE / 12
        growth = (1 + r) ** term
        return _round(principal * r * growth / (growth - 1))


def reference_due_date(loan: dict, period: int) -> dt.date:
    pickup, first_due = loan["pickup_date"], loan["first_due_date"]
    day = loan["due_day"] or (first_due.day if first_due else pickup.day)
    if first_due:
        year, month = first_due.year, first_due.month
    else:
        year, month = (pickup.year + 1, 1) if pickup.month == 12 else (pickup.year, pickup.month + 1)
    index = year * 12 + (month - 1) + (period - 1)
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def reference_schedule(loan: dict, residue: str) -> list[tuple]:
    """(period, due date, principal, interest, fee, payment, balance) rows of one loan."""
    principal, term, method, units = loan["principal"], loan["term"], loan["method"], loan["rate"]
    with localcontext() as ctx:
        # 50 digits hold balance × rate / 12 exactly enough: a true half fen is representable, and
        # any other value lies at least 1/(12·10^8) fen from a half.
        ctx.prec = 50
        rate = Decimal(units) / RATE_SCALE
        rows = []
        balance = principal
        if method == "annuity" and units > 0:
            payment = reference_payment(principal, units, term)
            for k in range(1, term + 1):
                interest = _round(balance * rate / 12)
                part = balance if k == term else payment - interest
                balance -= part
                rows.append((k, part, interest, 0))
        else:
            level = _round(Decimal(principal) / term)
            residue_period = term if (residue == "last" or method == "annuity") else 1
            fee_total = _round(principal * rate) if method == "flat_fee" else 0
            fee_level = _round(principal * rate / term) if method == "flat_fee" else 0
            for k in range(1, term + 1):
                interest = _round(balance * rate / 12) if method == "equal_principal" else 0
                part = principal - (term - 1) * level if k == residue_period else level
                fee = fee_total - (term - 1) * fee_level if k == residue_period else fee_level
                balance -= part
                rows.append((k, part, interest, fee))
    out, balance = [], principal
    for k, part, interest, fee in rows:
        balance -= part
        out.append((k, reference_due_date(loan, k), part, interest, fee, part + interest + fee, balance))
    return out


# ------------------------------------------------------------------------------------ strategies


def month_end(year: int, month: int, back: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1] - back)


@st.composite
def a_loan(draw) -> dict:
    method = draw(st.sampled_from(["annuity", "equal_principal", "flat_fee"]))
    top = 60 * PCT if method == "flat_fee" else 36 * PCT
    rate = draw(st.one_of(
        st.integers(0, top),                                    # any rate to 1e-8
        st.integers(0, top // 10_000).map(lambda x: x * 10_000),  # rates as people type them: 4.75 %
        st.just(0),
    ))
    pickup = draw(st.one_of(
        st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)),
        # the last four days of a month (leap days included), where clamping matters
        st.builds(month_end, st.integers(2000, 2035), st.integers(1, 12), st.integers(0, 3)),
    ))
    first_due = draw(st.one_of(st.none(), st.integers(10, 70).map(lambda d: pickup + dt.timedelta(days=d))))
    principal = draw(st.integers(100_000, 500_000_000))  # 1,000.00 to 5,000,000.00 yuan
    term = draw(st.one_of(st.integers(1, 120), st.sampled_from([12, 24, 36, 48, 60])))
    if method == "flat_fee" and rate:
        # DOMAIN.md's fee rule, round(P·F/n) with the rest in one period, can only go negative for a
        # total fee under n²/2 fen (72.00 yuan over 120 months); the engine refuses those (golden test).
        assume(principal * rate >= term * term * RATE_SCALE // 2)
    return {
        "principal": principal,
        "term": term,
        "method": method,
        "rate": rate,
        "pickup_date": pickup,
        "first_due_date": first_due,
        "due_day": draw(st.one_of(st.none(), st.integers(1, 31))),
    }


def frame_of(loans: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(loans)
    frame.insert(0, "contract_no", [f"HT{i:04d}" for i in range(len(loans))])
    frame["pickup_date"] = pd.to_datetime(frame["pickup_date"])
    frame["first_due_date"] = pd.to_datetime(frame["first_due_date"])
    frame["due_day"] = frame["due_day"].astype("Int64")
    return frame


LOANS = st.lists(a_loan(), min_size=1, max_size=8)
RESIDUE = st.sampled_from(["last", "first"])


# ---------------------------------------------------------------------------------------- properties


@SETTINGS
@given(LOANS, RESIDUE)
def test_engine_agrees_with_the_decimal_reference_to_the_fen(loans, residue):
    schedule = build_schedules(frame_of(loans), residue=residue)
    for i, loan in enumerate(loans):
        rows = schedule[schedule["contract_no"] == f"HT{i:04d}"]
        got = [(r.period, r.due_date.date(), r.principal, r.interest, r.fee, r.payment, r.balance)
               for r in rows.itertuples()]
        assert got == reference_schedule(loan, residue)


@SETTINGS
@given(LOANS, RESIDUE)
def test_schedule_invariants(loans, residue):
    schedule = build_schedules(frame_of(loans), residue=residue)
    assert len(schedule) == sum(loan["term"] for loan in loans)
    for i, loan in enumerate(loans):
        rows = schedule[schedule["contract_no"] == f"HT{i:04d}"]
        principal, balance = rows["principal"].to_numpy(), rows["balance"].to_numpy()
        assert rows["period"].tolist() == list(range(1, loan["term"] + 1))
        # principal parts add up to the loan exactly; the balance follows them, never rises, ends at 0
        assert principal.sum() == loan["principal"]
        assert (balance == loan["principal"] - np.cumsum(principal)).all()
        assert (np.diff(np.concatenate([[loan["principal"]], balance])) <= 0).all()
        assert balance[-1] == 0
        assert (principal >= 0).all() and (rows["interest"] >= 0).all() and (rows["fee"] >= 0).all()
        assert (rows["payment"] == rows["principal"] + rows["interest"] + rows["fee"]).all()
        if loan["method"] == "annuity":
            # every payment but the last is equal
            assert (rows["payment"].iloc[:-1] == rows["payment"].iloc[0]).all()
        if loan["method"] == "flat_fee":
            exact_fee = Fraction(loan["principal"] * loan["rate"], RATE_SCALE)
            assert rows["fee"].sum() == div_round_half_up(exact_fee.numerator, exact_fee.denominator)
            assert (rows["interest"] == 0).all()
        else:
            assert (rows["fee"] == 0).all()
        # due dates step by exactly one calendar month, on the due day clamped to the month's length
        due = rows["due_date"].to_numpy().astype("datetime64[D]")
        months = due.astype("datetime64[M]")
        assert (np.diff(due.astype(np.int64)) > 0).all()
        assert (np.diff(months.astype(np.int64)) == 1).all()


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 10**10), st.integers(1, 100 * PCT), st.integers(1, 120))
def test_annuity_payment_is_the_exactly_rounded_rational(principal, rate, term):
    a, b = 12 * RATE_SCALE + rate, 12 * RATE_SCALE
    exact = Fraction(principal * rate * a**term, b * (a**term - b**term))
    assert annuity_payment(principal, rate, term) == div_round_half_up(exact.numerator, exact.denominator)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 15))
def test_annuity_payment_ties_round_half_up(m, t):
    # n = 1: payment = P(1 + r) = P + P·R/(12·10^8). With R = 6 % × (2t + 1) = 6,000,000·(2t+1) units,
    # P·R/(12·10^8) = P·(2t+1)/200, and P = 100 + 200m makes that (2t+1)/2 + m(2t+1): always a
    # half fen. The exact payment is a tie; half up means the fen above.
    principal, rate = 100 + 200 * m, 6_000_000 * (2 * t + 1)
    exact = Fraction(principal) + Fraction(principal * rate, 12 * RATE_SCALE)
    assert exact.denominator == 2
    assert annuity_payment(principal, rate, 1) == int(exact + Fraction(1, 2))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(10**15), 10**15), min_size=1, max_size=50), st.integers(1, 10**10))
def test_vector_half_up_division_matches_the_scalar_one(numerators, denominator):
    got = div_round_half_up_array(np.array(numerators, dtype=np.int64), denominator)
    assert got.tolist() == [div_round_half_up(n, denominator) for n in numerators]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**10), min_size=1, max_size=20), st.integers(0, 36 * PCT))
def test_monthly_interest_divides_by_twelve_last(balances, rate):
    expected = [div_round_half_up(b * rate, 12 * RATE_SCALE) for b in balances]
    assert monthly_interest(np.array(balances), rate).tolist() == expected


@settings(max_examples=25, deadline=None)
@given(st.lists(a_loan(), min_size=1, max_size=12), RESIDUE)
def test_block_size_does_not_change_the_schedule(loans, residue):
    # Loans are amortized in blocks of equal term; tiny blocks must give the very same frame.
    frame = frame_of(loans)
    expected = build_schedules(frame, residue=residue)
    saved = schedule_module._BLOCK
    try:
        schedule_module._BLOCK = 2
        pd.testing.assert_frame_equal(build_schedules(frame, residue=residue), expected)
    finally:
        schedule_module._BLOCK = saved
