"""core.writeoff: the amounts written off at D, the class since when, eligibility, recoveries.

The hand-worked loan (W1): 等本等费 12,000.00 over 12 months at a total fee rate of 12 %, picked up
2024-12-10, due on the 15th from 2025-01-15: 1,000.00 principal + 120.00 fee = 1,120.00 a month. The
customer paid January and February on their due dates; the company advanced March and April (03-16,
04-16, 1,120.00 each); the customer repaid 500.00 of the advances on 2025-05-20 (a customer payment: it
fills installment 3 – its fee 120.00, then 380.00 of principal). Nothing more. D = 2026-05-31.

- DPD: the oldest unpaid installment is 3 (2025-03-15): 442 days → 损失 (loss, > 360).
- 核销本金 = 12,000.00 − (1,000.00 + 1,000.00 + 380.00) = 9,620.00.
- 核销利息 (fees of installments due ≤ D, unpaid) = 12 × 120.00 − 3 × 120.00 = 1,080.00.
- 核销罚息 = Σ unpaid × 0.05 % × days: 620.00 × 442 = 137.02; 1,120.00 × (411, 381, 350, 320, 289,
  258, 228, 197, 167 days) = 230.16 + 213.36 + 196.00 + 179.20 + 161.84 + 144.48 + 127.68 + 110.32 +
  93.52 → 1,593.58 in all.
- total = 9,620.00 + 1,080.00 + 1,593.58 = 12,293.58; 未收回垫款 = 2,240.00 − 500.00 = 1,740.00 (beside).
- 损失 since: the oldest unpaid due date has been 2025-03-15 since February's payment (the 05-20
  repayment only part-paid installment 3), so the loan reached DPD 361 on 2026-03-11.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loantool.core.allocation import day_number
from loantool.core.arrears import Rules, assess_portfolio
from loantool.core.classify import classify_dpd
from loantool.core.history import History
from loantool.core.schedule import build_schedules
from loantool.core.writeoff import allowed_classes, quote_writeoffs, recoveries, recoveries_summary

YUAN = 100
D = pd.Timestamp("2026-05-31")


def _loans(*rows):
    loans = pd.DataFrame([{
        "contract_no": contract, "customer_name": "钱七", "principal": principal, "term": term,
        "method": method, "rate": rate, "pickup_date": pd.Timestamp(pickup), "first_due_date": pd.NaT,
        "due_day": 15, "status": extra.get("status", "active"),
        "settled_on": pd.Timestamp(extra["settled_on"]) if "settled_on" in extra else pd.NaT,
        "written_off_on": pd.Timestamp(extra["written_off_on"]) if "written_off_on" in extra else pd.NaT,
    } for contract, principal, term, method, rate, pickup, extra in rows])
    loans["due_day"] = loans["due_day"].astype("Int64")
    return loans


W1 = ("W1", 12_000 * YUAN, 12, "flat_fee", 12_000_000, "2024-12-10", {})
W1_PAYMENTS = [("W1", "2025-01-15", 1_120 * YUAN, "customer_paid"),
               ("W1", "2025-02-15", 1_120 * YUAN, "customer_paid"),
               ("W1", "2025-03-16", 1_120 * YUAN, "company_advance"),
               ("W1", "2025-04-16", 1_120 * YUAN, "company_advance"),
               ("W1", "2025-05-20", 500 * YUAN, "advance_repaid")]


def _payments(rows):
    frame = pd.DataFrame(rows, columns=["contract_no", "paid_on", "amount", "payment_type"])
    frame["paid_on"] = pd.to_datetime(frame["paid_on"])
    return frame


def _quote(loans, payments, day=D, **kwargs):
    requests = pd.DataFrame({"contract_no": loans["contract_no"], "written_off_on": [day] * len(loans)})
    return quote_writeoffs(loans, build_schedules(loans), payments, requests, **kwargs)


def test_the_amounts_written_off_worked_by_hand():
    quote = _quote(_loans(W1), _payments(W1_PAYMENTS)).iloc[0]
    assert (quote["dpd"], quote["classification"]) == (442, "loss")
    assert quote["principal"] == 962_000
    assert quote["interest"] == 108_000
    assert quote["penalty"] == 159_358
    assert quote["total"] == 1_229_358 == quote["principal"] + quote["interest"] + quote["penalty"]
    assert quote["unrecovered_advances"] == 174_000
    assert (quote["advances"], quote["advances_repaid"]) == (224_000, 50_000)
    assert quote["customer_paid"] == 274_000 and quote["principal_paid"] == 238_000
    assert quote["class_since"] == dt.date(2026, 3, 11)
    assert quote["oldest_unpaid_due"] == pd.Timestamp("2025-03-15")
    assert quote["last_payment"] == pd.Timestamp("2025-05-20")
    assert quote["eligible"] and quote["reasons"] == ()


def test_not_loss_settled_written_off_or_not_yet_on_the_books_is_refused():
    payments = _payments(W1_PAYMENTS)
    # 2025-12-31: installment 3 is 291 days late – doubtful, not loss
    doubtful = _quote(_loans(W1), payments, pd.Timestamp("2025-12-31")).iloc[0]
    assert doubtful["classification"] == "doubtful" and doubtful["reasons"] == ("class",)
    allowed = _quote(_loans(W1), payments, pd.Timestamp("2025-12-31"), allowed=allowed_classes(True)).iloc[0]
    assert allowed["eligible"]
    # settled after D: active at D, but settled since – a write-off at D is refused all the same
    settled = ("W1", *W1[1:6], {"status": "settled", "settled_on": "2026-06-10"})
    quote = _quote(_loans(settled), payments).iloc[0]
    assert quote["state"] == "active" and quote["reasons"] == ("settled",)
    assert quote["principal"] == 962_000  # the figures at D are shown all the same
    written = ("W1", *W1[1:6], {"status": "written_off", "written_off_on": "2026-05-01"})
    quote = _quote(_loans(written), payments).iloc[0]
    assert quote["state"] == "written_off" and quote["reasons"] == ("written-off",)
    early = _quote(_loans(W1), payments, pd.Timestamp("2024-12-01")).iloc[0]
    assert early["reasons"] == ("not-on-books",) and early["total"] == 0


def test_class_since_after_a_payment_that_lowered_the_class():
    # the same loan, but on 2026-04-20 the customer pays 2,240.00: installment 3's rest (620.00), 4 and
    # 500.00 of 5 – the oldest unpaid is now 2025-05-15: 381 days at D, loss again since 2026-05-11
    # (2025-05-15 + 361 days); on 04-20 it had fallen to 340 days (doubtful)
    payments = _payments([*W1_PAYMENTS, ("W1", "2026-04-20", 2_240 * YUAN, "customer_paid")])
    quote = _quote(_loans(W1), payments).iloc[0]
    assert (quote["dpd"], quote["classification"]) == (381, "loss")
    assert quote["class_since"] == dt.date(2026, 5, 11)
    # as of 2026-05-05 it is doubtful, since the payment day itself
    earlier = _quote(_loans(W1), payments, pd.Timestamp("2026-05-05")).iloc[0]
    assert earlier["classification"] == "doubtful" and earlier["class_since"] == dt.date(2026, 4, 20)


def test_recoveries_are_customer_payments_after_the_write_off_day():
    loans = _loans(("W1", *W1[1:6], {"status": "written_off", "written_off_on": "2026-01-31"}),
                   ("W2", *W1[1:6], {}))
    payments = _payments([*W1_PAYMENTS,
                          ("W1", "2026-01-31", 100 * YUAN, "customer_paid"),  # on D: before the write-off
                          ("W1", "2026-02-10", 300 * YUAN, "customer_paid"),
                          ("W1", "2026-02-20", 200 * YUAN, "advance_repaid"),
                          ("W1", "2026-02-25", 999 * YUAN, "company_advance"),  # not the customer's
                          ("W1", "2026-03-05", 50 * YUAN, "customer_paid"),
                          ("W2", "2026-03-05", 77 * YUAN, "customer_paid")])  # not written off
    rows = recoveries(loans, payments)
    assert rows["amount"].tolist() == [30_000, 20_000, 5_000]
    assert recoveries(loans, payments, until=pd.Timestamp("2026-02-28"))["amount"].sum() == 50_000
    summary = recoveries_summary(rows)
    assert summary.to_dict("records") == [{"month": "2026-02", "loans": 1, "amount": 50_000},
                                          {"month": "2026-03", "loans": 1, "amount": 5_000}]


# ----------------------------------------------------------------------------------- properties


@st.composite
def loans_with_payments(draw):
    method = draw(st.sampled_from(["annuity", "equal_principal", "flat_fee"]))
    rate = draw(st.sampled_from([0, 6_000_000, 12_000_000]))
    term = draw(st.integers(3, 18))
    pickup = pd.Timestamp("2024-01-10") + pd.Timedelta(days=draw(st.integers(0, 300)))
    loans = _loans(("P1", draw(st.integers(1_000, 80_000)) * YUAN, term, method, rate, pickup, {}))
    rows = []
    for _ in range(draw(st.integers(0, 10))):
        day = pickup + pd.Timedelta(days=draw(st.integers(1, 900)))
        kind = draw(st.sampled_from(["customer_paid", "customer_paid", "company_advance", "advance_repaid"]))
        rows.append(("P1", day, draw(st.integers(1, 600_000)), kind))
    day = pickup + pd.Timedelta(days=draw(st.integers(1, 1100)))
    rules = Rules(grace_days=draw(st.integers(0, 3)), tolerance_fen=draw(st.sampled_from([0, 300])))
    return loans, _payments(rows) if rows else _payments([]), day, rules


@settings(max_examples=60)
@given(loans_with_payments())
def test_amounts_agree_with_the_overdue_engine_and_class_since_with_a_day_by_day_walk(case):
    loans, payments, day, rules = case
    installments = build_schedules(loans)
    quote = _quote(loans, payments, day, rules=rules).iloc[0]
    assessed = assess_portfolio(loans, installments, payments, as_of=day, rules=rules).loans.iloc[0]
    assert quote["principal"] == assessed["outstanding_principal"]
    assert quote["principal"] + quote["principal_paid"] == quote["loan_principal"]
    assert quote["penalty"] == assessed["penalty"]
    assert quote["unrecovered_advances"] == assessed["unrecovered_advances"]
    assert quote["unrecovered_advances"] == quote["advances"] - quote["advances_repaid"]
    assert (quote["dpd"], quote["classification"]) == (assessed["dpd"], assessed["classification"])
    assert quote["total"] == quote["principal"] + quote["interest"] + quote["penalty"]
    due = installments[installments["due_date"] <= day]
    assert 0 <= quote["interest"] <= int(due["interest"].sum() + due["fee"].sum())
    # class since: the class of every day from pickup to D, by the history engine
    history = History(loans, installments, payments, until=day, rules=rules)
    first, last = day_number(loans["pickup_date"].iloc[0]), day_number(day)
    days = np.arange(first, last + 1, dtype=np.int64)
    dpd = history.evaluate(np.zeros(len(days), dtype=np.int64), days).dpd
    classes = classify_dpd(dpd, rules.class_bounds)
    other = np.flatnonzero(classes != quote["classification"])
    expected = days[other[-1] + 1] if len(other) else first
    assert quote["class_since"] == dt.date(1970, 1, 1) + dt.timedelta(days=int(expected))


def test_requests_must_name_known_contracts():
    with pytest.raises(ValueError, match="not in loans"):
        quote_writeoffs(_loans(W1), build_schedules(_loans(W1)), _payments(W1_PAYMENTS),
                        pd.DataFrame({"contract_no": ["X"], "written_off_on": [D]}))
