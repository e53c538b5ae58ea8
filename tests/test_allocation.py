"""Allocation of customer payments (还款分配): hand-worked cases and a brute-force cross-check.

Amounts are fen. The usual installment here: charge (interest) 100 + principal 900 = 1000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loantool.core.allocation import NAT_DAY, add_months, allocate, day_number, day_numbers

DUES = ["2024-01-15", "2024-02-15", "2024-03-15"]


def schedule(contract: str = "A", dues=DUES, interest=100, principal=900, fee=0) -> pd.DataFrame:
    n = len(dues)

    def as_list(v):
        return list(v) if isinstance(v, (list, tuple)) else [v] * n

    frame = pd.DataFrame({
        "contract_no": contract, "period": range(1, n + 1), "due_date": pd.to_datetime(dues),
        "principal": as_list(principal), "interest": as_list(interest), "fee": as_list(fee),
    })
    frame["payment"] = frame["principal"] + frame["interest"] + frame["fee"]
    frame["balance"] = frame["principal"][::-1].cumsum()[::-1] - frame["principal"]
    return frame


def pays(*rows) -> pd.DataFrame:
    """rows: (contract, date, amount[, type]); no rows gives an empty frame with the columns."""
    return pd.DataFrame({
        "contract_no": pd.Series([r[0] for r in rows], dtype=object),
        "paid_on": pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)),
        "amount": pd.Series([r[2] for r in rows], dtype="int64"),
        "payment_type": pd.Series([r[3] if len(r) > 3 else "customer_paid" for r in rows], dtype=object),
    })


def col(alloc, name):
    return alloc.installments[name].tolist()


def test_over_payment_runs_into_next_installment_charge_first():
    # 1500 paid: installment 1 takes 100 + 900; the remaining 500 pays installment 2's charge 100,
    # then 400 of its principal
    alloc = allocate(schedule(), pays(("A", "2024-01-15", 1500)), as_of="2024-03-31")
    assert col(alloc, "paid_charge") == [100, 100, 0]
    assert col(alloc, "paid_principal") == [900, 400, 0]
    assert col(alloc, "unpaid") == [0, 500, 1000]
    assert col(alloc, "fully_paid_on") == [pd.Timestamp("2024-01-15"), pd.NaT, pd.NaT]
    row = alloc.totals.iloc[0]
    assert (row.customer_paid, row.allocated, row.principal_paid, row.charge_paid, row.credit) == (
        1500, 1500, 1300, 200, 0)


def test_partial_payment_goes_to_the_charge_first():
    # 50 < charge 100: all of it is charge, nothing reaches principal
    alloc = allocate(schedule(), pays(("A", "2024-01-15", 50)), as_of="2024-01-31")
    assert col(alloc, "paid_charge")[0] == 50
    assert col(alloc, "paid_principal")[0] == 0
    assert col(alloc, "unpaid")[0] == 950


def test_surplus_beyond_the_schedule_is_credit():
    # schedule total 3 × 1000 = 3000; 3300 paid → 300 credit
    alloc = allocate(schedule(), pays(("A", "2024-01-10", 3300)), as_of="2024-01-31")
    assert col(alloc, "unpaid") == [0, 0, 0]
    assert alloc.totals.iloc[0].credit == 300
    assert col(alloc, "fully_paid_on") == [pd.Timestamp("2024-01-10")] * 3  # paid ahead, all on one day


def test_fully_paid_on_is_the_date_the_running_total_reached_the_installment():
    # 600 on Jan 10 (installment 1 short 400), 400 on Jan 20 completes it; given out of date order
    payments = pays(("A", "2024-01-20", 400), ("A", "2024-01-10", 600), ("A", "2024-02-01", 1000))
    alloc = allocate(schedule(), payments, as_of="2024-03-31")
    assert col(alloc, "fully_paid_on")[:2] == [pd.Timestamp("2024-01-20"), pd.Timestamp("2024-02-01")]


def test_only_customer_payments_dated_up_to_as_of_count():
    payments = pays(("A", "2024-01-15", 1000, "company_advance"),   # keeps the bank whole, not the customer
                    ("A", "2024-01-20", 300, "advance_repaid"),     # the customer repays the company: counts
                    ("A", "2024-02-15", 1000, "customer_paid"))     # after as-of: not yet
    alloc = allocate(schedule(), payments, as_of="2024-02-14")
    assert col(alloc, "paid")[0] == 300
    assert alloc.totals.iloc[0].customer_paid == 300


def test_tolerance_counts_a_tiny_shortfall_as_paid_but_allocation_stays_exact():
    # 999 paid, tolerance 1 fen: installment 1 is 1 fen short but counts as paid from Jan 15
    alloc = allocate(schedule(), pays(("A", "2024-01-15", 999)), as_of="2024-01-31", tolerance_fen=1)
    assert col(alloc, "unpaid")[0] == 1
    assert col(alloc, "cleared")[:2] == [True, False]
    assert col(alloc, "cleared_on")[0] == pd.Timestamp("2024-01-15")
    assert pd.isna(col(alloc, "fully_paid_on")[0])
    assert col(alloc, "paid_principal")[0] == 899


def test_reversal_undoes_a_payment():
    # 1000 on Jan 10, reversed (−1000) on Jan 12: nothing paid at as-of; the first time it was reached is kept
    payments = pays(("A", "2024-01-10", 1000), ("A", "2024-01-12", -1000))
    alloc = allocate(schedule(), payments, as_of="2024-01-31")
    assert col(alloc, "unpaid")[0] == 1000
    assert pd.isna(col(alloc, "fully_paid_on")[0])
    assert alloc.cleared_day[0] == day_number("2024-01-10")


def test_loans_in_contract_order_and_other_contracts_ignored():
    inst = pd.concat([schedule("B"), schedule("A", dues=DUES[:1]), schedule("X")])
    payments = pays(("A", "2024-01-15", 1000), ("B", "2024-01-15", 2000), ("Z", "2024-01-15", 5))
    alloc = allocate(inst, payments, as_of="2024-01-31", contracts=["A", "B", "C"])
    assert alloc.installments["contract_no"].tolist() == ["A", "B", "B", "B"]
    assert alloc.totals["customer_paid"].tolist() == [1000, 2000, 0]
    assert alloc.counts.tolist() == [1, 3, 0]  # C has no schedule
    assert col(alloc, "unpaid") == [0, 0, 0, 1000]


def test_periods_out_of_order_are_sorted_and_a_loan_without_schedule_keeps_its_money_as_credit():
    inst = schedule().iloc[::-1]
    alloc = allocate(inst, pays(("A", "2024-01-15", 1000), ("N", "2024-01-15", 700)), as_of="2024-01-31")
    assert col(alloc, "period") == [1, 2, 3]
    assert col(alloc, "unpaid") == [0, 1000, 1000]
    assert alloc.totals.set_index("contract_no").loc["N", "credit"] == 700


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="payment_type"):
        allocate(schedule(), pays(("A", "2024-01-15", 1, "refund")), as_of="2024-01-31")
    with pytest.raises(ValueError, match="same period"):
        allocate(pd.concat([schedule(), schedule()]), pays(), as_of="2024-01-31")


def test_add_months_clamps_to_the_month_end():
    days = day_numbers(pd.Series(pd.to_datetime(["2024-01-31", "2024-03-31", None])))
    assert add_months(days, 1)[:2].tolist() == [day_number("2024-02-29"), day_number("2024-04-30")]
    assert add_months(days, -25)[0] == day_number("2021-12-31")
    assert add_months(days, 1)[2] == NAT_DAY


# ------------------------------------------------------------------------------- brute-force cross-check


def reference(amounts_due, payments):
    """Per loan, the obvious loop: pay components in order, note the date each installment completes."""
    components = [size for charge, principal in amounts_due for size in (charge, principal)]
    left = list(components)
    paid = [0] * len(components)
    done = [None] * len(amounts_due)
    credit = 0
    for day, amount in sorted(payments, key=lambda p: p[0]):
        for j in range(len(components)):  # oldest first, charge before principal
            take = min(amount, left[j])
            left[j] -= take
            paid[j] += take
            amount -= take
        credit += amount
        for k, (charge, principal) in enumerate(amounts_due):
            if done[k] is None and charge + principal > 0 and left[2 * k] == left[2 * k + 1] == 0:
                done[k] = day
    return paid[0::2], paid[1::2], done, credit


loan_strategy = st.tuples(
    st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 5000)), min_size=0, max_size=6),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 9000)), max_size=8),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(loan_strategy, min_size=1, max_size=4))
def test_allocation_matches_the_obvious_loop_and_never_creates_or_loses_a_fen(loans):
    start = np.datetime64("2024-01-01", "D")
    inst, payments = [], []
    for i, (amounts, paid) in enumerate(loans):
        name = f"L{i}"
        if amounts:
            inst.append(schedule(name, dues=[str(start + 30 * (k + 1)) for k in range(len(amounts))],
                                 interest=[c for c, _ in amounts], principal=[p for _, p in amounts]))
        payments += [(name, str(start + d), a) for d, a in paid]
    inst_frame = pd.concat(inst) if inst else schedule(dues=[]).iloc[0:0]
    alloc = allocate(inst_frame, pays(*payments), as_of="2024-12-31",
                     contracts=[f"L{i}" for i in range(len(loans))])
    totals = alloc.totals.set_index("contract_no")
    for i, (amounts, paid) in enumerate(loans):
        name = f"L{i}"
        got = alloc.installments[alloc.installments["contract_no"] == name]
        charge, principal, done, credit = reference(amounts, [(start + d, a) for d, a in paid])
        assert got["paid_charge"].tolist() == charge
        assert got["paid_principal"].tolist() == principal
        expected_days = [NAT_DAY if d is None else int(d.view(np.int64)) for d in done]
        assert day_numbers(got["fully_paid_on"]).tolist() == expected_days
        assert totals.loc[name, "credit"] == credit
        # nothing created, nothing lost
        assert totals.loc[name, "allocated"] + totals.loc[name, "credit"] == sum(a for _, a in paid)
        assert (got["paid"] + got["unpaid"]).tolist() == [c + p for c, p in amounts]
