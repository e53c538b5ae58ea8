"""Arrears as of a date (逾期): hand-worked cases of DOMAIN.md "Rules for the numbers".

Every loan here unless said otherwise: installments of interest 100 + principal 900 = 1000 fen, due on
the 15th of each month from 2024-01-15; the loan principal is 900 × the number of installments.
Penalty is 0.05 % a day (50_000 rate units): 1000 fen × 0.0005 = 0.5 fen per day.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loantool.config import ActionSettings, ArrearsSettings
from loantool.core.arrears import Rules, assess_portfolio


def monthly(contract: str, n: int = 6, first: str = "2024-01-15", amount: tuple[int, int] = (100, 900)):
    start = pd.Timestamp(first)
    dues = pd.date_range(start.replace(day=1), periods=n, freq="MS") + pd.Timedelta(days=start.day - 1)
    charge, principal = amount
    return pd.DataFrame({"contract_no": contract, "period": range(1, n + 1), "due_date": dues,
                         "principal": principal, "interest": charge, "fee": 0, "payment": charge + principal,
                         "balance": 0})


def book(*loans, status=None, **columns):
    """loans: (contract, n installments); returns (loans frame, installments frame)."""
    frame = pd.DataFrame({"contract_no": [c for c, _ in loans], "customer_name": "客户",
                          "status": status or ["active"] * len(loans),
                          "principal": [900 * n for _, n in loans], **columns})
    return frame, pd.concat([monthly(c, n) for c, n in loans], ignore_index=True)


def pays(*rows):
    """rows: (contract, date, amount[, type]); no rows gives an empty frame with the columns."""
    return pd.DataFrame({
        "contract_no": pd.Series([r[0] for r in rows], dtype=object),
        "paid_on": pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)),
        "amount": pd.Series([r[2] for r in rows], dtype="int64"),
        "payment_type": pd.Series([r[3] if len(r) > 3 else "customer_paid" for r in rows], dtype=object),
    })


def assess(loans, inst, payments, as_of, **rules):
    return assess_portfolio(loans, inst, payments, as_of=as_of, rules=replace(Rules(), **rules))


def one(result, contract="A"):
    return result.loans.set_index("contract_no").loc[contract]


def test_paid_on_the_due_date_is_on_time():
    loans, inst = book(("A", 6))
    r = assess(loans, inst, pays(("A", "2024-01-15", 1000)), "2024-01-16")
    a = one(r)
    assert (a.dpd, a.overdue_periods, a.overdue_amount, a.penalty, a.cumulative_late) == (0, 0, 0, 0, 0)
    assert (a.bucket, a.classification) == ("M0", "normal")
    assert a.outstanding_principal == 5400 - 900
    assert (a.next_due_date, a.next_due_amount) == (pd.Timestamp("2024-02-15"), 1000)


def test_paid_one_day_late():
    loans, inst = book(("A", 6))
    # as of Jan 16 with no payment: 1 day past due; penalty round(1000 × 0.0005 × 1) = round(0.5) = 1
    a = one(assess(loans, inst, pays(), "2024-01-16"))
    assert (a.dpd, a.bucket, a.classification, a.penalty) == (1, "M1", "special_mention", 1)
    assert a.missed_due_dates == "2024-01-15"
    # paid on Jan 16: current again, but the installment stays late in the history
    r = assess(loans, inst, pays(("A", "2024-01-16", 1000)), "2024-01-20")
    a = one(r)
    assert (a.dpd, a.overdue_periods, a.cumulative_late, a.consecutive_late) == (0, 0, 1, 1)
    assert r.installments["late"].tolist()[:2] == [True, False]


def test_partial_payment_leaves_the_rest_overdue():
    loans, inst = book(("A", 6))
    # 500 paid: charge 100 + principal 400, 500 unpaid; Jan 20 is 5 days past due;
    # penalty round(500 × 0.0005 × 5) = round(1.25) = 1
    a = one(assess(loans, inst, pays(("A", "2024-01-15", 500)), "2024-01-20"))
    assert (a.dpd, a.overdue_periods, a.overdue_amount, a.penalty) == (5, 1, 500, 1)
    assert a.outstanding_principal == 5400 - 400


def test_over_payment_runs_into_the_next_installment():
    loans, inst = book(("A", 6))
    # 1500 on Jan 15: installment 1 paid, installment 2 gets 500 (charge 100, principal 400);
    # as of Feb 20 installment 2 is 500 short, 5 days past its Feb 15 due date
    a = one(assess(loans, inst, pays(("A", "2024-01-15", 1500)), "2024-02-20"))
    assert (a.dpd, a.overdue_amount, a.oldest_unpaid_due) == (5, 500, pd.Timestamp("2024-02-15"))
    assert a.outstanding_principal == 5400 - 1300
    assert (a.next_due_date, a.next_due_amount) == (pd.Timestamp("2024-03-15"), 1000)


def test_a_loan_that_stops_paying():
    loans, inst = book(("A", 6))
    payments = pays(("A", "2024-01-15", 1000), ("A", "2024-02-15", 1000))
    r = assess(loans, inst, payments, "2024-05-20")
    a = one(r)
    # oldest unpaid: Mar 15 → May 20 = 16 (Mar) + 30 (Apr) + 20 (May) = 66 days
    assert (a.dpd, a.bucket, a.classification) == (66, "M3", "special_mention")
    assert (a.overdue_periods, a.overdue_amount) == (3, 3000)
    # penalty: Mar 15 × 66 days = 33; Apr 15 × 35 = 17.5 → 18 (half up); May 15 × 5 = 2.5 → 3
    assert r.installments["penalty"].tolist() == [0, 0, 33, 18, 3, 0]
    assert a.penalty == 54
    assert (a.consecutive_late, a.cumulative_late, a.lian3lei6) == (3, 3, True)
    assert a.missed_due_dates == "2024-03-15;2024-04-15;2024-05-15"
    assert a.outstanding_principal == 5400 - 1800
    assert a.actions == "call_daily;written_notice;escalate;maturity_notice"  # final due Jun 15 ≤ May 20 + 30
    assert r.call_list["contract_no"].tolist() == ["A"]
    assert r.lian3lei6["late_due_dates"].tolist() == ["2024-03-15;2024-04-15;2024-05-15"]


def test_grace_days_excuse_lateness_but_days_count_from_the_due_date():
    loans, inst = book(("A", 6))
    # grace 3: due Jan 15, deadline Jan 18; paid Jan 18 is on time
    r = assess(loans, inst, pays(("A", "2024-01-18", 1000)), "2024-02-01", grace_days=3)
    assert (one(r).dpd, one(r).cumulative_late) == (0, 0)
    # unpaid, as of Jan 18: not yet past due; as of Jan 19: 4 days past due, penalty round(0.5 × 4) = 2
    assert one(assess(loans, inst, pays(), "2024-01-18", grace_days=3)).dpd == 0
    a = one(assess(loans, inst, pays(), "2024-01-19", grace_days=3))
    assert (a.dpd, a.penalty) == (4, 2)
    # paid Jan 19 with grace 3: one day beyond the grace, so late
    a = one(assess(loans, inst, pays(("A", "2024-01-19", 1000)), "2024-02-01", grace_days=3))
    assert a.cumulative_late == 1


def test_tolerance_forgives_a_tiny_shortfall():
    loans, inst = book(("A", 6))
    payments = pays(("A", "2024-01-15", 999))
    a = one(assess(loans, inst, payments, "2024-02-01", tolerance_fen=1))
    assert (a.dpd, a.overdue_periods, a.overdue_amount, a.penalty, a.cumulative_late) == (0, 0, 0, 0, 0)
    assert a.outstanding_principal == 5400 - 899  # the principal is still exact
    a = one(assess(loans, inst, payments, "2024-02-01", tolerance_fen=0))
    assert (a.dpd, a.overdue_amount) == (17, 1)


def test_settled_and_written_off_loans_are_left_out():
    loans, inst = book(("A", 6), ("S", 6), ("W", 6), ("N", 6),
                       status=["active", "settled", "written_off", None])
    payments = pays(("S", "2024-01-15", 1000), ("Q", "2024-01-15", 10))
    r = assess(loans, inst, payments, "2024-03-01")
    assert r.loans["contract_no"].tolist() == ["A", "N"]  # an empty status counts as active
    assert set(r.installments["contract_no"]) == {"A", "N"}
    assert r.unknown_payments["contract_no"].tolist() == ["Q"]  # S is known, just not active
    assert r.summary.active_loans == 2


def test_company_advances_do_not_cure_arrears():
    loans, inst = book(("A", 6))
    payments = pays(("A", "2024-01-15", 1000, "company_advance"),
                    ("A", "2024-02-15", 1000, "company_advance"),
                    ("A", "2024-02-20", 400, "advance_repaid"))
    a = one(assess(loans, inst, payments, "2024-02-25"))
    # the 400 repaid counts for the customer (installment 1 gets charge 100 + principal 300, 600 short)
    assert (a.dpd, a.overdue_periods, a.overdue_amount) == (41, 2, 600 + 1000)
    assert a.unrecovered_advances == 2000 - 400
    assert a.outstanding_principal == 5400 - 300
    assert one(assess(loans, inst, pays(("A", "2024-01-20", 50, "advance_repaid")), "2024-02-01")
               ).unrecovered_advances == -50  # reported as it is, never clipped


def test_over_payment_beyond_the_schedule_is_credit():
    loans, inst = book(("A", 2))
    a = one(assess(loans, inst, pays(("A", "2024-01-10", 2500)), "2024-03-01"))
    assert (a.credit, a.outstanding_principal, a.dpd, a.open_installments) == (500, 0, 0, 0)
    assert pd.isna(a.next_due_date)


DPD_CASES = [  # dpd, bucket, class (2023 preset), class (legacy preset)
    (0, "M0", "normal", "normal"), (1, "M1", "special_mention", "special_mention"),
    (30, "M1", "special_mention", "special_mention"), (31, "M2", "special_mention", "special_mention"),
    (60, "M2", "special_mention", "special_mention"), (61, "M3", "special_mention", "special_mention"),
    (90, "M3", "special_mention", "special_mention"), (91, "M4", "substandard", "substandard"),
    (120, "M4", "substandard", "substandard"), (121, "M5", "substandard", "substandard"),
    (150, "M5", "substandard", "substandard"), (151, "M6", "substandard", "substandard"),
    (180, "M6", "substandard", "substandard"), (181, "M7+", "substandard", "doubtful"),
    (270, "M7+", "substandard", "doubtful"), (271, "M7+", "doubtful", "doubtful"),
    (360, "M7+", "doubtful", "doubtful"), (361, "M7+", "loss", "loss"),
]


@pytest.mark.parametrize("preset", ["2023", "legacy"])
def test_bucket_and_class_boundaries(preset):
    as_of = pd.Timestamp("2025-06-30")
    names = [f"D{dpd}" for dpd, *_ in DPD_CASES]
    loans = pd.DataFrame({"contract_no": names, "customer_name": "客户", "status": "active",
                          "principal": 900})
    # one unpaid installment per loan, due exactly dpd days before as-of
    inst = pd.DataFrame({"contract_no": names, "period": 1, "principal": 900, "interest": 100, "fee": 0,
                         "payment": 1000, "balance": 0,
                         "due_date": [as_of - pd.Timedelta(days=dpd) for dpd, *_ in DPD_CASES]})
    rules = Rules.from_settings(ArrearsSettings(classification=preset), ActionSettings())
    r = assess_portfolio(loans, inst, pays(), as_of=as_of, rules=rules)
    column = 2 if preset == "2023" else 3
    assert r.loans["dpd"].tolist() == [c[0] for c in DPD_CASES]
    assert r.loans["bucket"].tolist() == [c[1] for c in DPD_CASES]
    assert r.loans["classification"].tolist() == [c[column] for c in DPD_CASES]
    npl = sum(1 for c in DPD_CASES if c[column] in ("substandard", "doubtful", "loss"))
    assert r.summary.npl_loans == npl
    # every loan owes 900 principal, so the ratio is the NPL count over all loans
    assert r.summary.npl_ratio.numerator * len(DPD_CASES) == npl * r.summary.npl_ratio.denominator


def late_pattern(pattern: str, first="2024-01-15"):
    """A loan whose installment k is paid on its due date ('.') or 5 days late ('L')."""
    loans, inst = book(("A", len(pattern)))
    dues = monthly("A", len(pattern), first)["due_date"]
    rows = [("A", due + pd.Timedelta(days=5 if mark == "L" else 0), 1000)
            for mark, due in zip(pattern, dues, strict=True)]
    return loans, inst, pays(*rows)


def test_longest_run_and_total_of_late_installments():
    # L . L L L .  → longest run 3, total 4: 连三
    loans, inst, payments = late_pattern("L.LLL.")
    a = one(assess(loans, inst, payments, "2024-07-31"))
    assert (a.dpd, a.consecutive_late, a.cumulative_late, a.lian3lei6) == (0, 3, 4, True)
    assert a.action_escalate and not a.action_call_daily
    # L . L . L . L . L . L .  → run 1, total 6: 累六
    loans, inst, payments = late_pattern("L.L.L.L.L.L.")
    a = one(assess(loans, inst, payments, "2024-12-31"))
    assert (a.consecutive_late, a.cumulative_late, a.lian3lei6) == (1, 6, True)
    # L L . L L . L  → longest run 2, total 5: neither
    loans, inst, payments = late_pattern("LL.LL.L")
    a = one(assess(loans, inst, payments, "2024-12-31"))
    assert (a.consecutive_late, a.cumulative_late, a.lian3lei6) == (2, 5, False)


def test_look_back_window_edge():
    # installments 1 and 2 (Jan 15, Feb 15 2024) paid late, the rest on time, 30 installments
    loans, inst, payments = late_pattern("LL" + "." * 28)
    # as of 2026-01-15 the window is (2024-01-15, 2026-01-15]: Jan 15 2024 is out, Feb 15 2024 in
    a = one(assess(loans, inst, payments, "2026-01-15"))
    assert (a.consecutive_late, a.cumulative_late) == (1, 1)
    # one day earlier the window starts 2024-01-14 and both count
    a = one(assess(loans, inst, payments, "2026-01-14"))
    assert (a.consecutive_late, a.cumulative_late) == (2, 2)
    # a 12-month window as of 2025-02-15 is (2024-02-15, 2025-02-15]: neither; a day earlier: Feb 15 only
    assert one(assess(loans, inst, payments, "2025-02-15", lookback_months=12)).cumulative_late == 0
    assert one(assess(loans, inst, payments, "2025-02-14", lookback_months=12)).cumulative_late == 1


def test_penalty_half_up_tie():
    # 1 fen unpaid for 1000 days at 0.05 %: 1 × 0.0005 × 1000 = 0.5 → 1 fen (half up, not to even)
    loans = pd.DataFrame({"contract_no": ["A"], "principal": [1]})
    inst = pd.DataFrame({"contract_no": ["A"], "period": [1], "due_date": pd.to_datetime(["2024-01-01"]),
                         "principal": [1], "interest": [0], "fee": [0], "payment": [1], "balance": [0]})
    as_of = pd.Timestamp("2024-01-01") + pd.Timedelta(days=1000)
    assert one(assess(loans, inst, pays(), as_of)).penalty == 1
    # 3 fen × 0.0005 × 1000 = 1.5 → 2
    assert one(assess(loans, inst.assign(principal=3), pays(), as_of)).penalty == 2


def test_summary_and_lists():
    loans, inst = book(("A", 6), ("B", 6), ("C", 6))
    payments = pays(*[("B", f"2024-0{m}-15", 1000) for m in range(1, 6)], ("C", "2024-01-15", 6000))
    r = assess(loans, inst, payments, "2024-05-20")
    s = r.summary
    # A: nothing paid, 5 overdue (Jan 15 → May 20 = 126 days, M5, substandard); B, C current
    assert (s.active_loans, s.loans_in_arrears, s.npl_loans) == (3, 1, 1)
    assert s.outstanding_principal == 5400 + 900 + 0
    assert s.npl_ratio.numerator * 6300 == 5400 * s.npl_ratio.denominator
    assert s.npl_ratio_display == "85.71%"  # 5400 / 6300 = 85.714…%
    assert s.by_bucket.set_index("bucket").loc["M5", "loans"] == 1
    assert s.to_dict()["outstanding_principal"] == "63.00"
    assert r.sms.empty
    assert r.quarterly_notices["contract_no"].tolist() == ["A"]


def test_empty_portfolio():
    r = assess_portfolio(pd.DataFrame({"contract_no": [], "principal": []}), monthly("A").iloc[0:0], pays(),
                         as_of="2024-01-01")
    assert r.loans.empty and r.summary.npl_ratio == 0 and r.summary.npl_ratio_display == "0.00%"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 8), st.lists(st.tuples(st.integers(0, 300), st.integers(-200, 3000)),
                                                     max_size=8)), min_size=1, max_size=4),
       st.integers(0, 3), st.integers(0, 300))
def test_outstanding_principal_plus_principal_paid_is_the_loan(spec, grace, as_of_offset):
    names = [f"L{i}" for i in range(len(spec))]
    loans, inst = book(*[(name, n) for name, (n, _) in zip(names, spec, strict=True)])
    rows = [(name, pd.Timestamp("2024-01-01") + pd.Timedelta(days=d), a)
            for name, (_, paid) in zip(names, spec, strict=True) for d, a in paid]
    r = assess(loans, inst, pays(*rows), pd.Timestamp("2024-01-01") + pd.Timedelta(days=as_of_offset),
               grace_days=grace)
    out = r.loans
    assert (out["outstanding_principal"] + out["principal_paid"]).tolist() == loans["principal"].tolist()
    assert (out["dpd"] >= 0).all()
    assert ((out["dpd"] > 0) == (out["overdue_periods"] > 0)).all()
    assert (out["consecutive_late"] <= out["cumulative_late"]).all()
    counted = r.installments.groupby("contract_no")["paid"].sum().reindex(names).to_numpy()
    assert np.array_equal(counted + out["credit"].to_numpy(), out["customer_paid"].to_numpy())
    # DPD and lateness re-derived the slow way from the allocation detail
    as_of = r.as_of
    for name, rows in r.installments.groupby("contract_no"):
        deadline = rows["due_date"] + pd.Timedelta(days=grace)
        overdue = (deadline < as_of) & (rows["unpaid"] > 0)
        late = (deadline < as_of) & (rows["fully_paid_on"].isna() | (rows["fully_paid_on"] > deadline))
        expected_dpd = (as_of - rows["due_date"][overdue].min()).days if overdue.any() else 0
        assert one(r, name).dpd == expected_dpd
        assert one(r, name).cumulative_late == int(late.sum())  # all within 24 months here


# ------------------------------------------------------------------------------------- small balances


def test_a_small_balance_keeps_dpd_and_class_but_is_not_called_or_escalated():
    loans, inst = book(("A", 6), ("B", 6))
    # A paid its six installments but 0.99 (the last, due Jun 15, is short); B paid nothing since Jan 15
    payments = pays(("A", "2024-01-15", 901), *[("A", f"2024-0{m}-15", 1000) for m in range(2, 7)])
    r = assess(loans, inst, payments, "2024-10-20")
    a, b = one(r, "A"), one(r, "B")
    assert (a.dpd, a.bucket, a.classification, a.overdue_amount) == (127, "M5", "substandard", 99)
    assert a.small_balance and not b.small_balance
    assert not a.action_call_daily and not a.action_escalate and not a.action_written_notice
    assert b.action_call_daily and b.action_escalate
    assert r.call_list["contract_no"].tolist() == ["B"]
    assert r.small_balances["contract_no"].tolist() == ["A"]
    assert r.summary.loans_in_arrears == 2 and r.summary.npl_loans == 2  # the class still counts
    # 1.00 exactly is not below the setting: called like any other arrears
    a = one(assess(loans, inst, pays(("A", "2024-01-15", 900)), "2024-01-20"), "A")
    assert (a.overdue_amount, a.small_balance, a.action_call_daily) == (100, False, True)
    # the setting moves the line
    a = one(assess(loans, inst, payments, "2024-10-20", small_balance_fen=50), "A")
    assert not a.small_balance and a.action_call_daily


def test_the_friendly_sms_goes_to_upcoming_dues_not_to_a_loan_called_daily():
    loans, inst = book(("A", 12), ("B", 12), ("C", 12))
    paid_up = [("A", f"2024-{m:02d}-15", 1000) for m in range(1, 10)]
    small = [("C", "2024-01-15", 950), *[("C", f"2024-{m:02d}-15", 1000) for m in range(2, 10)]]
    r = assess(loans, inst, pays(*paid_up, *small), "2024-10-13")  # the 10-15 installment is 2 days away
    assert set(r.sms["contract_no"]) == {"A", "C"}  # B, 272 days past due, is called instead
    assert one(r, "B").dpd == 272 and one(r, "B").action_call_daily and not one(r, "B").action_sms
    assert one(r, "C").small_balance and one(r, "C").action_sms


# ------------------------------------------------------------------------------------- runs of loans


def _same_result(a, b) -> None:
    for name in ("loans", "installments", "call_list", "small_balances", "sms", "lian3lei6", "maturity",
                 "quarterly_notices", "inspections", "limitation", "unknown_payments"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert a.summary.to_dict() == b.summary.to_dict()


def test_a_run_of_loans_takes_its_own_installments_when_the_schedules_are_in_another_order():
    """The run X, Y, Z finds its installments at rows 1, 0, 3 of the schedule sheet (W's at row 2 between
    them): the span 1..3 has the right length but not the right rows (the CI failure of 2026-11-30)."""
    import loantool.core.arrears as arrears

    loans, _ = book(("X", 1), ("Y", 1), ("Z", 1), ("W", 1))
    inst = pd.concat([monthly("Y", 1), monthly("X", 1), monthly("W", 1), monthly("Z", 1)], ignore_index=True)
    whole = assess(loans, inst, pays(), "2024-01-01")
    saved = arrears.CHUNK_LOANS
    arrears.CHUNK_LOANS = 3
    try:
        runs = assess(loans, inst, pays(), "2024-01-01")
    finally:
        arrears.CHUNK_LOANS = saved
    assert (runs.loans["next_due_date"] == pd.Timestamp("2024-01-15")).all()
    _same_result(whole, runs)


_PAYMENT = st.tuples(st.integers(0, 300), st.integers(-200, 3000),
                     st.sampled_from(["customer_paid", "company_advance", "advance_repaid"]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.lists(_PAYMENT, max_size=8)), min_size=1, max_size=9),
       st.integers(1, 4), st.randoms(use_true_random=False), st.integers(0, 300))
def test_loans_assessed_in_runs_give_the_same_result(spec, size, rng, as_of_offset):
    """core.arrears assesses CHUNK_LOANS loans at a time: any run length gives the same result, whatever
    the order of the ledger, the installments and the payments (and a loan without installments)."""
    import loantool.core.arrears as arrears

    names = [f"L{i}" for i in range(len(spec))]
    loans, _ = book(*[(name, max(n, 1)) for name, (n, _) in zip(names, spec, strict=True)])
    schedules = [monthly(name, n) for name, (n, _) in zip(names, spec, strict=True) if n]
    inst = pd.concat([monthly("none").iloc[0:0], *schedules], ignore_index=True)
    blocks = [group for _name, group in inst.groupby("contract_no", sort=False)]
    rng.shuffle(blocks)
    inst = pd.concat([inst.iloc[0:0], *blocks], ignore_index=True) if rng.random() < 0.5 else inst
    loans = loans.sample(frac=1, random_state=rng.randrange(1000)).reset_index(drop=True)
    rows = [(name, pd.Timestamp("2024-01-01") + pd.Timedelta(days=d), a, kind)
            for name, (_, paid) in zip(names, spec, strict=True) for d, a, kind in paid]
    rows.append(("nobody", "2024-02-01", 100))
    rng.shuffle(rows)
    as_of = pd.Timestamp("2024-01-01") + pd.Timedelta(days=as_of_offset)
    whole = assess(loans, inst, pays(*rows), as_of)
    saved = arrears.CHUNK_LOANS
    arrears.CHUNK_LOANS = size
    try:
        runs = assess(loans, inst, pays(*rows), as_of)
        lean = assess_portfolio(loans, inst, pays(*rows), as_of=as_of, keep_installments=False)
    finally:
        arrears.CHUNK_LOANS = saved
    _same_result(whole, runs)
    assert lean.installments.empty and list(lean.installments.columns) == list(whole.installments.columns)
    assert (lean.installments.dtypes == whole.installments.dtypes).all()
    lean.installments = whole.installments
    _same_result(whole, lean)
    # the payments' loans looked up once by the caller (PaymentRows.code) or by allocate itself
    from loantool.core.allocation import allocate, day_number, payment_rows

    frame = pays(*rows)
    contracts = pd.Index(loans["contract_no"])
    looked_up = allocate(inst, payment_rows(frame, day_number(as_of)), as_of=as_of, contracts=contracts)
    codes = contracts.get_indexer(frame["contract_no"])
    given = allocate(inst, payment_rows(frame, day_number(as_of), codes=codes), as_of=as_of,
                     contracts=contracts)
    pd.testing.assert_frame_equal(looked_up.installments, given.installments, check_exact=True)
    pd.testing.assert_frame_equal(looked_up.totals, given.totals, check_exact=True)
