"""Early settlement quotes (提前结清): hand-worked cases for each method and style, and property tests.

Amounts are fen. Every loan is picked up 2026-01-10 with due day 15 (dues 02-15, 03-15, 04-15, 05-15).
The schedules (checked against core.schedule first, so the hand-work starts from known numbers):

- 等本等费 flat_fee (card style), 4,000.00 over 4 months at a 6 % total fee: each installment
  100000 principal + 6000 fee = 106000.
- 等额本息 annuity (loan style), 3,000.00 over 3 months at 12 % a year (1 % a month): payment
  round(300000·0.01·1.01³/(1.01³−1)) = 102007; interest 3000, 2010, 1010; principal 99007, 99997,
  100996 (the last takes the rest, paying 102006).
- 等额本金 equal_principal (loan style), same terms: principal 100000 each; interest 3000, 2000, 1000.

Penalty 0.05 % a day: round(unpaid × 0.0005 × days). Fixed fee where used: 手续费 200.00 = 20000.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loantool.config import Settings, validate
from loantool.core.schedule import build_schedules
from loantool.core.settlement import AMOUNT_COLUMNS, SettlementRules, quote_settlements

PICKUP = "2026-01-10"
FEE = (("手续费", 20000),)


def terms(contract="A", method="annuity", principal=300000, term=3, rate=12_000_000, pickup=PICKUP):
    return {"contract_no": contract, "principal": principal, "term": term, "method": method, "rate": rate,
            "pickup_date": pd.Timestamp(pickup), "first_due_date": pd.NaT, "due_day": 15}


def schedules(*loans):
    frame = pd.DataFrame(list(loans))
    frame["due_day"] = pd.array(frame["due_day"], dtype="Int64")
    return build_schedules(frame)


FLAT = terms("F", "flat_fee", principal=400000, term=4, rate=6_000_000)
ANNUITY = terms("A", "annuity")
EQUAL = terms("E", "equal_principal")


def pays(*rows) -> pd.DataFrame:
    """rows: (contract, date, amount[, type])."""
    return pd.DataFrame({
        "contract_no": pd.Series([r[0] for r in rows], dtype=object),
        "paid_on": pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)),
        "amount": pd.Series([r[2] for r in rows], dtype="int64"),
        "payment_type": pd.Series([r[3] if len(r) > 3 else "customer_paid" for r in rows], dtype=object),
    })


def loan_frame(*pairs):
    """The loans frame of quote_settlements from (terms, settlement date) pairs."""
    return pd.DataFrame([{"contract_no": loan["contract_no"], "method": loan["method"],
                          "pickup_date": loan["pickup_date"], "settle_on": pd.Timestamp(day)}
                         for loan, day in pairs])


def quote(loan, settle_on, payments=(), **rules):
    """The quote row (a dict) and the installment detail for one loan."""
    result = quote_settlements(loan_frame((loan, settle_on)), schedules(loan), pays(*payments),
                               rules=SettlementRules(**rules))
    return result.quotes.iloc[0].to_dict(), result.installments


PARTS = (*AMOUNT_COLUMNS, "total", "to_bank", "to_company")


def parts(q):
    return {k: int(q[k]) for k in PARTS}


def expect(due, penalty, remaining, current, fee, fixed, total, bank, company):
    """The expected quote, in the order of PARTS: due_amount, penalty, remaining_principal,
    current_interest, settlement_fee, fixed_fees, total, to_bank, to_company."""
    return dict(zip(PARTS, (due, penalty, remaining, current, fee, fixed, total, bank, company), strict=True))


def test_the_schedules_the_hand_work_starts_from():
    s = schedules(FLAT, ANNUITY, EQUAL).set_index(["contract_no", "period"])
    def pairs(contract, charge):
        return s.loc[contract, ["principal", charge]].to_numpy().tolist()

    assert pairs("F", "fee") == [[100000, 6000]] * 4
    assert pairs("A", "interest") == [[99007, 3000], [99997, 2010], [100996, 1010]]
    assert pairs("E", "interest") == [[100000, 3000], [100000, 2000], [100000, 1000]]
    dues = [d.date().isoformat() for d in s.loc["F", "due_date"]]
    assert dues == ["2026-02-15", "2026-03-15", "2026-04-15", "2026-05-15"]


# ------------------------------------------------------------------------------------ card style (flat_fee)


def test_card_style_on_a_due_date_includes_that_days_installment():
    # period 1 paid; on 03-15 period 2 is due today: in the amount due, no penalty (0 days).
    # The remaining periods 3 and 4: principal 200000 and every unpaid fee 2 × 6000.
    q, inst = quote(FLAT, "2026-03-15", [("F", "2026-02-15", 106000)], fixed_fees=FEE)
    assert q["style"] == "card"
    assert parts(q) == expect(106000, 0, 200000, 12000, 0, 20000, 338000, 318000, 20000)
    assert q["current_period"] == 3 and q["due_periods"] == 1 and q["overdue_periods"] == 0
    assert inst["part"].tolist() == ["due", "due", "current", "later"]
    assert inst["quoted_charge"].tolist() == [0, 6000, 6000, 6000] and inst["not_charged"].sum() == 0


def test_card_style_the_day_after_the_due_date_adds_one_days_penalty():
    # period 2 (106000) one day late: round(106000 × 0.0005 × 1) = 53
    q, inst = quote(FLAT, "2026-03-16", [("F", "2026-02-15", 106000)], fixed_fees=FEE)
    assert parts(q) == expect(106000, 53, 200000, 12000, 0, 20000, 338053, 318000, 20053)
    assert inst["penalty_days"].tolist() == [0, 1, 0, 0] and q["overdue_periods"] == 1


def test_card_style_with_arrears_and_an_advance():
    # Periods 2 and 3 unpaid; the company advanced period 2 to the bank on 03-16. On 04-20:
    # due 2 × 106000; penalty period 2: 36 days → 1908, period 3: 5 days → 265; remaining 100000 + fee 6000.
    # The advance is the company's: to_company = 106000 + 2173 + 20000; the bank gets the rest.
    q, _ = quote(FLAT, "2026-04-20", [("F", "2026-02-15", 106000),
                                      ("F", "2026-03-16", 106000, "company_advance")], fixed_fees=FEE)
    assert parts(q) == expect(212000, 2173, 100000, 6000, 0, 20000, 340173, 212000, 128173)
    assert q["unrecovered_advances"] == 106000 and q["bank_due"] == 106000
    assert not q["advances_exceed_due"] and not q["negative_advances"]


def test_card_style_after_paying_ahead_fees_paid_are_not_refunded():
    # 150000 on 03-10 pays period 2 (106000) and 44000 of period 3: its fee 6000 first, then 38000 principal.
    # On 03-20: nothing due; remaining principal 62000 + 100000; unpaid fees: only period 4's 6000.
    q, inst = quote(FLAT, "2026-03-20", [("F", "2026-02-15", 106000), ("F", "2026-03-10", 150000)])
    assert parts(q) == expect(0, 0, 162000, 6000, 0, 0, 168000, 168000, 0)
    assert inst["quoted_principal"].tolist() == [0, 0, 62000, 100000]


def test_card_style_ignores_the_current_period_setting_and_the_fee_rate():
    base, _ = quote(FLAT, "2026-03-20", [("F", "2026-02-15", 106000)])
    for setting in ("accrued", "none"):
        other, _ = quote(FLAT, "2026-03-20", [("F", "2026-02-15", 106000)], current_period=setting,
                         fee_rate_units=1_000_000)
        assert parts(other) == parts(base)


# ----------------------------------------------------------------------------- loan style (annuity)


def test_loan_style_on_a_due_date_full_current_interest():
    # nothing paid; on 02-15 period 1 (102007) is due today; current = period 2, its full interest 2010;
    # remaining principal 99997 + 100996 = 200993
    q, inst = quote(ANNUITY, "2026-02-15")
    assert parts(q) == expect(102007, 0, 200993, 2010, 0, 0, 305010, 305010, 0)
    # period 3's interest is not earned and not charged – shown, not hidden
    assert inst["not_charged"].tolist() == [0, 0, 1010]


def test_loan_style_day_after_due_date_accrued():
    # period 1 one day late: round(102007 × 0.0005) = round(51.0035) = 51. Period 2 runs 02-15 → 03-15
    # (28 days), 1 day gone: round(2010 × 1 / 28) = round(71.79) = 72.
    q, _ = quote(ANNUITY, "2026-02-16", current_period="accrued")
    assert parts(q) == expect(102007, 51, 200993, 72, 0, 0, 303123, 303072, 51)
    assert (q["days_elapsed"], q["days_in_period"]) == (1, 28)
    assert q["period_start"] == pd.Timestamp("2026-02-15")


def test_loan_style_mid_period_accrued_by_days():
    # period 1 paid on time; on 02-25, 10 of 28 days: round(2010 × 10 / 28) = round(717.86) = 718
    q, inst = quote(ANNUITY, "2026-02-25", [("A", "2026-02-15", 102007)], current_period="accrued")
    assert parts(q) == expect(0, 0, 200993, 718, 0, 0, 201711, 201711, 0)
    assert inst["not_charged"].tolist() == [0, 2010 - 718, 1010]


def test_loan_style_first_period_accrues_from_pickup():
    # 01-10 → 02-15 is 36 days; on 01-31, 21 days: round(3000 × 21 / 36) = 1750 exactly
    q, _ = quote(ANNUITY, "2026-01-31", current_period="accrued")
    assert (q["current_interest"], q["remaining_principal"], q["total"]) == (1750, 300000, 301750)
    assert q["period_start"] == pd.Timestamp(PICKUP) and q["days_in_period"] == 36


def test_loan_style_none_and_full_mid_period():
    paid = [("A", "2026-02-15", 102007)]
    assert quote(ANNUITY, "2026-02-25", paid, current_period="none")[0]["total"] == 200993
    assert quote(ANNUITY, "2026-02-25", paid, current_period="full")[0]["total"] == 200993 + 2010


def test_loan_style_settlement_fee_and_who_receives_it():
    # fee rate 1 %: round(200993 × 0.01) = round(2009.93) = 2010
    paid = [("A", "2026-02-15", 102007)]
    q, _ = quote(ANNUITY, "2026-02-25", paid, fee_rate_units=1_000_000, fixed_fees=FEE)
    assert parts(q) == expect(0, 0, 200993, 2010, 2010, 20000, 225013, 203003, 22010)
    q, _ = quote(ANNUITY, "2026-02-25", paid, fee_rate_units=1_000_000, fixed_fees=FEE, fee_to="bank")
    assert (q["to_bank"], q["to_company"]) == (205013, 20000)


def test_loan_style_after_paying_ahead_interest_paid_is_not_refunded():
    # 5000 extra on 02-20 pays period 2's interest 2010 and 2990 of its principal. Accrued on 02-25 is 718,
    # less than the 2010 paid: nothing more is charged, nothing refunded.
    q, _ = quote(ANNUITY, "2026-02-25", [("A", "2026-02-15", 102007), ("A", "2026-02-20", 5000)],
                 current_period="accrued")
    assert parts(q) == expect(0, 0, 99997 - 2990 + 100996, 0, 0, 0, 198003, 198003, 0)
    q, _ = quote(ANNUITY, "2026-02-25", [("A", "2026-02-15", 102007), ("A", "2026-02-20", 5000)])
    assert q["current_interest"] == 0  # full: the period's interest is already paid


# ---------------------------------------------------------------------- loan style (equal principal)


def test_equal_principal_with_arrears_an_advance_and_a_partial_repayment_of_it():
    # Nothing paid by the customer; the company advanced period 1 (103000) on 02-16; on 03-01 the customer
    # repaid 50000 of it to the company (客户还垫款 counts as the customer's payment: period 1 charge 3000
    # then 47000 principal). On 03-20: period 1 unpaid 53000 (33 days: round(874.5) = 875, half up),
    # period 2 unpaid 102000 (5 days: 255). Current = period 3, full interest 1000; remaining 100000.
    # Unrecovered advance 103000 − 50000 = 53000 goes to the company.
    q, _ = quote(EQUAL, "2026-03-20", [("E", "2026-02-16", 103000, "company_advance"),
                                       ("E", "2026-03-01", 50000, "advance_repaid")])
    assert parts(q) == expect(155000, 1130, 100000, 1000, 0, 0, 257130, 203000, 54130)
    assert q["unrecovered_advances"] == 53000 and q["overdue_periods"] == 2
    assert (q["due_principal"], q["due_charge"]) == (53000 + 100000, 2000)


def test_equal_principal_mid_period_accrued():
    # period 1 paid; 03-01 is 14 of 28 days into period 2: round(2000 × 14 / 28) = 1000
    q, _ = quote(EQUAL, "2026-03-01", [("E", "2026-02-15", 103000)], current_period="accrued")
    assert (q["current_interest"], q["remaining_principal"], q["total"]) == (1000, 200000, 201000)


def test_after_the_last_due_date_there_is_no_current_period():
    q, inst = quote(EQUAL, "2026-05-01", [("E", "2026-02-15", 103000)])
    assert q["current_period"] == 0 and pd.isna(q["current_due_date"])
    # periods 2 (47 days late) and 3 (16 days):
    # round(102000 × 0.0005 × 47) = 2397, round(101000 × 0.0005 × 16) = 808
    assert parts(q) == expect(203000, 2397 + 808, 0, 0, 0, 0, 206205, 203000, 3205)
    assert set(inst["part"]) == {"due"}


def test_payments_after_the_settlement_date_do_not_count():
    q, _ = quote(EQUAL, "2026-02-20", [("E", "2026-02-21", 103000)])
    assert q["due_amount"] == 103000 and q["customer_paid"] == 0


def test_grace_and_tolerance_follow_the_overdue_report_but_every_fen_is_still_due():
    # 1.00 short on period 1; tolerance 1.00 forgives the penalty on it, not the amount
    q, _ = quote(EQUAL, "2026-03-01", [("E", "2026-02-15", 102900)], tolerance_fen=100)
    assert (q["due_amount"], q["penalty"]) == (100, 0)
    q, _ = quote(EQUAL, "2026-02-18", tolerance_fen=0, grace_days=3)
    assert (q["due_amount"], q["penalty"]) == (103000, 0)  # 02-15 + 3 is not before 02-18
    q, _ = quote(EQUAL, "2026-02-19", grace_days=3)
    assert q["penalty"] == round(103000 * 0.0005 * 4)  # grace excuses lateness, it does not move the due date


def test_flags_for_odd_advances_and_credit():
    # advance repaid beyond what was advanced: negative U – the company holds the bank's money
    q, _ = quote(EQUAL, "2026-02-20", [("E", "2026-02-15", 5000, "advance_repaid")])
    assert q["negative_advances"] and q["unrecovered_advances"] == -5000
    # period 1 is 98000 short for 5 days: round(98000 × 0.0005 × 5) = 245
    assert q["to_bank"] + q["to_company"] == q["total"] and q["to_company"] == -5000 + 245
    # advanced, then the customer paid the bank too: the advance exceeds the amount due
    q, _ = quote(EQUAL, "2026-02-20", [("E", "2026-02-16", 103000, "company_advance"),
                                       ("E", "2026-02-17", 103000)])
    assert q["advances_exceed_due"] and q["bank_due"] == -103000
    q, _ = quote(EQUAL, "2026-02-20", [("E", "2026-02-15", 400000)])
    assert q["credit"] == 400000 - 306000 and q["total"] == 0


def test_settlement_rules_from_settings_and_validation():
    s = Settings()
    s.settlement.fixed_fees = {"解押费": "200.00", "手续费": "50"}
    s.settlement.fee_rate = "1%"
    s.arrears.grace_days = 2
    rules = SettlementRules.from_settings(s)
    assert rules.fixed_fees == (("解押费", 20000), ("手续费", 5000)) and rules.fixed_fee_total == 25000
    assert rules.fee_rate_units == 1_000_000 and rules.grace_days == 2 and rules.fee_to == "company"
    # the values are checked once, where loantool.toml is read (config.validate)
    s.settlement.current_period = "half"
    s.settlement.style = {"annuity": "mortgage"}
    found = [key for key, _value, _why in validate(s)]
    assert found == ["settlement.current_period", "settlement.style.annuity"]
    loans = pd.DataFrame([{"contract_no": "X", "method": "balloon", "pickup_date": pd.Timestamp(PICKUP),
                           "settle_on": pd.Timestamp("2026-02-01")}])
    with pytest.raises(ValueError, match="balloon"):
        quote_settlements(loans, schedules(EQUAL), pays())


# ---------------------------------------------------------------------------- many loans at once


def test_a_batch_equals_each_loan_alone_each_on_its_own_date():
    payments = [("F", "2026-02-15", 106000), ("F", "2026-03-16", 106000, "company_advance"),
                ("A", "2026-02-15", 102007), ("A", "2026-02-20", 5000),
                ("E", "2026-02-16", 103000, "company_advance"), ("E", "2026-03-01", 50000, "advance_repaid"),
                ("E", "2026-04-01", 9999)]
    dates = {"F": "2026-04-20", "A": "2026-02-25", "E": "2026-03-20"}
    rules = {"current_period": "accrued", "fee_rate_units": 500_000, "fixed_fees": FEE}
    loans = loan_frame(*[(loan, dates[loan["contract_no"]]) for loan in (EQUAL, FLAT, ANNUITY)])
    together = quote_settlements(loans, schedules(FLAT, ANNUITY, EQUAL), pays(*payments),
                                 rules=SettlementRules(**rules)).quotes
    assert together["contract_no"].tolist() == ["E", "F", "A"]  # the loans frame's order
    for row in together.to_dict("records"):
        loan = {"F": FLAT, "A": ANNUITY, "E": EQUAL}[row["contract_no"]]
        alone, _ = quote(loan, dates[row["contract_no"]], [p for p in payments if p[0] == row["contract_no"]],
                         **rules)
        assert parts(row) == parts(alone)


def test_no_loans_gives_empty_frames():
    loans = pd.DataFrame({"contract_no": [], "method": [], "pickup_date": pd.Series(dtype="datetime64[us]"),
                          "settle_on": pd.Series(dtype="datetime64[us]")})
    result = quote_settlements(loans, schedules(EQUAL), pays())
    assert result.quotes.empty and "total" in result.quotes


# -------------------------------------------------------------------------- properties (Hypothesis)


def reference(loan_rows, payments, settle_on, pickup, card, rules):
    """A slow, obvious per-loan quote: allocate payment by payment, then read DOMAIN.md literally."""
    rows = [dict(r) for r in loan_rows]
    for r in rows:
        r["paid_charge"] = r["paid_principal"] = 0
    advances = 0
    for day, amount, kind in sorted(payments, key=lambda p: p[0]):
        if day > settle_on:
            continue
        if kind == "company_advance":
            advances += amount
            continue
        if kind == "advance_repaid":
            advances -= amount
        left = amount
        for r in rows:
            take = min(left, r["charge"] - r["paid_charge"])
            r["paid_charge"] += take
            left -= take
            take = min(left, r["principal"] - r["paid_principal"])
            r["paid_principal"] += take
            left -= take
    due_amount = penalty = remaining = card_charge = 0
    current = None
    for i, r in enumerate(rows):
        unpaid = r["charge"] - r["paid_charge"] + r["principal"] - r["paid_principal"]
        if r["due"] <= settle_on:
            due_amount += unpaid
            if unpaid > 0 and r["due"] < settle_on:
                penalty += int((unpaid * rules.penalty_rate_units * (settle_on - r["due"]).days * 2
                                + 10**8) // (2 * 10**8))
        else:
            remaining += r["principal"] - r["paid_principal"]
            card_charge += r["charge"] - r["paid_charge"]
            if current is None:
                current = (i, r)
    if card:
        charge = card_charge
        fee = 0
    else:
        charge = 0
        if current is not None:
            i, r = current
            if rules.current_period == "full":
                charge = r["charge"] - r["paid_charge"]
            elif rules.current_period == "accrued":
                start = rows[i - 1]["due"] if i else pickup
                span, gone = (r["due"] - start).days, (settle_on - start).days
                accrued = int((2 * r["charge"] * gone + span) // (2 * span))
                charge = max(accrued - r["paid_charge"], 0)
        fee = (2 * remaining * rules.fee_rate_units + 10**8) // (2 * 10**8)
    fixed = rules.fixed_fee_total
    total = due_amount + penalty + remaining + charge + fee + fixed
    company = advances + penalty + fixed + (fee if rules.fee_to == "company" else 0)
    return expect(due_amount, penalty, remaining, charge, fee, fixed, total, total - company, company)


payment_kind = st.sampled_from(["customer_paid", "customer_paid", "company_advance", "advance_repaid"])


@st.composite
def cases(draw):
    n_loans = draw(st.integers(1, 4))
    loans, payments = [], []
    for k in range(n_loans):
        method = draw(st.sampled_from(["annuity", "equal_principal", "flat_fee"]))
        term = draw(st.integers(1, 8))
        principal = draw(st.integers(100_000, 50_000_000))
        rate = draw(st.one_of(st.just(0), st.integers(100_000, 30_000_000)))
        pickup = dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 60)))
        settle = pickup + dt.timedelta(days=draw(st.integers(0, 330)))
        contract = f"C{k}"
        loans.append((terms(contract, method, principal, term, rate, pickup.isoformat()), settle))
        for _ in range(draw(st.integers(0, 6))):
            day = pickup + dt.timedelta(days=draw(st.integers(0, 330)))
            payments.append((contract, day.isoformat(), draw(st.integers(1, principal)), draw(payment_kind)))
    rules = SettlementRules(
        style={"annuity": draw(st.sampled_from(["loan", "card"])), "equal_principal": "loan",
               "flat_fee": "card"},
        current_period=draw(st.sampled_from(["full", "accrued", "none"])),
        fee_rate_units=draw(st.sampled_from([0, 1_000_000, 2_345_678])),
        fee_to=draw(st.sampled_from(["company", "bank"])),
        fixed_fees=tuple(draw(st.lists(st.tuples(st.sampled_from(["解押费", "手续费"]),
                                                 st.integers(0, 100_000)),
                                       max_size=2, unique_by=lambda t: t[0]))),
        penalty_rate_units=draw(st.sampled_from([0, 50_000, 33_333])),
    )
    return loans, payments, rules


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_components_add_up_and_match_a_brute_force_quote(case):
    loans, payments, rules = case
    sched = schedules(*[loan for loan, _ in loans])
    result = quote_settlements(loan_frame(*loans), sched, pays(*payments), rules=rules)
    q = result.quotes
    total = q[list(AMOUNT_COLUMNS)].sum(axis=1)
    assert (q["total"] == total).all()
    assert (q["to_bank"] + q["to_company"] == q["total"]).all()
    inst = result.installments
    by_loan = inst.groupby("contract_no", sort=False)[["quoted_principal", "quoted_charge", "penalty"]].sum()
    by_loan = by_loan.reindex(q["contract_no"])
    assert (by_loan["quoted_principal"].to_numpy() + by_loan["quoted_charge"].to_numpy()
            == (q["due_amount"] + q["remaining_principal"] + q["current_interest"]).to_numpy()).all()
    assert (by_loan["penalty"].to_numpy() == q["penalty"].to_numpy()).all()
    assert (inst["not_charged"] >= 0).all() and (inst["quoted_charge"] >= 0).all()
    for (loan, settle), row in zip(loans, q.to_dict("records"), strict=True):
        mine = sched[sched["contract_no"] == loan["contract_no"]]
        loan_rows = [{"due": d.date(), "charge": int(i + f), "principal": int(p)} for d, i, f, p in
                     zip(mine["due_date"], mine["interest"], mine["fee"], mine["principal"], strict=True)]
        mine_pays = [(dt.date.fromisoformat(d), a, t) for c, d, a, t in payments if c == loan["contract_no"]]
        card = rules.style[loan["method"]] == "card"
        expected = reference(loan_rows, mine_pays, settle, loan["pickup_date"].date(), card, rules)
        assert parts(row) == expected, (loan, settle)
    assert np.all(q["remaining_principal"] >= 0)


# --------------------------------------------------------------------------------- eligibility as data


def test_request_and_recording_problems_are_data_with_stable_codes():
    from loantool.core.settlement import recording_problems, request_problems

    loans = pd.DataFrame({"contract_no": ["HT1", "HT2"], "pickup_date": pd.to_datetime([PICKUP, PICKUP])})
    requests = pd.DataFrame({"contract_no": ["HT1", "HT9", "HT1", "HT2"],
                             "settle_on": [dt.date(2026, 3, 1), dt.date(2026, 3, 1), dt.date(2026, 3, 1),
                                           dt.date(2026, 1, 9)]})
    found = request_problems(loans, requests)
    assert [(p.table, p.label, p.field, p.code) for p in found] == [
        ("requests", 1, "contract_no", "unknown-contract"), ("requests", 2, "contract_no", "asked-twice"),
        ("requests", 3, "settled_on", "before-pickup")]
    assert found[2].value == "2026-01-09" and "2026-01-10" in found[2].reason

    settlements = pd.DataFrame({"contract_no": ["HT2"], "settled_on": pd.to_datetime(["2026-02-01"])},
                               index=[7])
    assert recording_problems("HT1", "active", 0, None, settlements) == []
    twice = recording_problems("HT2", "settled", 1, pd.Timestamp("2026-02-01"), settlements)
    assert [(p.table, p.label, p.code) for p in twice] == [("settlements", 7, "already-recorded"),
                                                           ("loans", 1, "not-active")]
    assert "2026-02-01" in twice[1].reason
