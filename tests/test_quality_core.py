"""core.history and core.quality: month-end classes, the migration matrix and its rates, flow rates.

The hand-worked ledger (TEN): ten loans of 36,000.00 over 36 months at rate 0, 等额本金, so every
installment is 1,000.00 of principal; picked up on the 10th, due on the 15th from the next month.
S = 2026-09-30 (the previous month end), E = 2026-10-31 (the month end); 2023 classes (关注 1–90, 次级
91–270, 可疑 271–360, 损失 > 360 days); buckets M1 1–30 … M7+ > 180.

  loan picked up  paid (1,000.00 on each due date) at S: oldest unpaid, DPD at E        S bal  E bal
  L1   2025-12-10 Jan–Oct 2026; 结清 2026-11-05      – 0 正常 M0                0 正常 M0    27,000 26,000
  L2   2025-12-10 Jan–Sep                          – 0 正常 M0                16 关注 M1   27,000 27,000
  L3   2025-12-10 Jan–Sep; 结清 2026-10-20           – 0 正常 M0                结清         27,000      0
  L4   2025-12-10 Jan–Jun                          07-15 77 关注 M3           108 次级 M4  30,000 30,000
  L5   2025-12-10 Jan–Aug, Sep 10-10, Oct 10-15    09-15 15 关注 M1           0 正常 M0    28,000 26,000
  L6   2025-12-10 nothing                          2026-01-15 258 次级 M7+    289 可疑 M7+ 36,000 36,000
  L7   2024-11-10 Dec 2024 – Sep 2025 (10)         2025-10-15 350 可疑        381 损失     26,000 26,000
  L8   2024-06-10 Jul, Aug 2024; 核销 2026-10-20     2024-09-15 745 损失        核销         34,000      0
  L9   2024-06-10 Jul–Sep 2024                     2024-10-15 715 损失        746 损失     33,000 33,000
  L10  2026-10-05 – (new in October)               not yet on the books     0 正常 M0         – 36,000

Migration rates (DOMAIN): numerator = E-balance of start-X loans now worse; denominator = Σ S-balance −
Σ reductions (reduction = S − E; the whole S-balance when settled or written off).
  正常 normal: L1 L2 L3: S 81,000; reductions 1,000 + 0 + 27,000 = 28,000 → 53,000; worse: L2 27,000 →
      27,000 / 53,000 = 50.9433…% → 50.94
  关注: L4 L5: S 58,000; reductions 0 + 2,000 → 56,000; worse: L4 30,000 → 53.5714…% → 53.57
  次级: L6 36,000 / 36,000 → 100.00;  可疑: L7 26,000 / 26,000 → 100.00
  正常贷款迁徙率 (normal + 关注 → NPL): L4 30,000 / (81,000 + 58,000 − 30,000) = 27.5229…% → 27.52
Flow rates (start-Mk loans' E-balance in Mk+1 / their S-balance): M0→M1 = L2 27,000 / (L1 L2 L3 81,000)
  = 33.33; M1→M2 = 0 / L5 28,000 = 0.00; M3→M4 = L4 30,000 / 30,000 = 100.00; the others: no start
  loans, no rate.
Classes at E: 正常 L1 L5 L10 88,000; 关注 L2 27,000; 次级 L4 30,000; 可疑 L6 36,000; 损失 L7 L9 59,000:
  240,000, NPL 125,000 → 52.08 %. At S: 81,000 / 58,000 / 36,000 / 26,000 / 67,000 = 268,000, NPL
  129,000 → 48.13 %.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loantool.core import quality
from loantool.core.arrears import Rules, assess_portfolio
from loantool.core.classify import BUCKETS, CLASSES, NPL_CLASSES
from loantool.core.history import snapshots
from loantool.core.loans import loan_states
from loantool.core.schedule import build_schedules
from loantool.core.writeoff import recoveries

S, E = dt.date(2026, 9, 30), dt.date(2026, 10, 31)
YUAN = 100


def _loan(contract, pickup, *, status="active", settled=None, written_off=None, dealer="杭州甲店",
          principal=36_000 * YUAN, term=36, method="equal_principal", rate=0, due_day=15):
    return {"contract_no": contract, "customer_name": f"客户{contract}", "principal": principal, "term": term,
            "method": method, "rate": rate, "pickup_date": pd.Timestamp(pickup), "first_due_date": pd.NaT,
            "due_day": due_day, "status": status,
            "settled_on": pd.Timestamp(settled) if settled else pd.NaT,
            "written_off_on": pd.Timestamp(written_off) if written_off else pd.NaT, "dealer": dealer}


def _frame(rows):
    loans = pd.DataFrame(rows)
    loans["due_day"] = loans["due_day"].astype("Int64")
    return loans


def _monthly(contract, first_due, count, amount=1_000 * YUAN):
    first = pd.Timestamp(first_due)
    return [(contract, first + pd.DateOffset(months=k), amount, "customer_paid") for k in range(count)]


def ten_loans():
    loans = _frame([
        _loan("L1", "2025-12-10", status="settled", settled="2026-11-05"),
        _loan("L2", "2025-12-10"),
        _loan("L3", "2025-12-10", status="settled", settled="2026-10-20"),
        _loan("L4", "2025-12-10", dealer="杭州乙店"),
        _loan("L5", "2025-12-10", dealer="杭州乙店"),
        _loan("L6", "2025-12-10", dealer="杭州乙店"),
        _loan("L7", "2024-11-10"),
        _loan("L8", "2024-06-10", status="written_off", written_off="2026-10-20"),
        _loan("L9", "2024-06-10"),
        _loan("L10", "2026-10-05", dealer="杭州乙店"),
    ])
    rows = [*_monthly("L1", "2026-01-15", 10), *_monthly("L2", "2026-01-15", 9),
            *_monthly("L3", "2026-01-15", 9),
            *_monthly("L4", "2026-01-15", 6), *_monthly("L5", "2026-01-15", 8),
            ("L5", pd.Timestamp("2026-10-10"), 1_000 * YUAN, "customer_paid"),
            ("L5", pd.Timestamp("2026-10-15"), 1_000 * YUAN, "customer_paid"),
            *_monthly("L7", "2024-12-15", 10), *_monthly("L8", "2024-07-15", 2),
            *_monthly("L9", "2024-07-15", 3),
            # L8 pays 600.00 after its write-off: a recovery (核销后收回) in November, not October
            ("L8", pd.Timestamp("2026-11-03"), 600 * YUAN, "customer_paid")]
    payments = pd.DataFrame(rows, columns=["contract_no", "paid_on", "amount", "payment_type"])
    return loans, build_schedules(loans), payments


@pytest.fixture(scope="module")
def ten():
    loans, installments, payments = ten_loans()
    snap = snapshots(loans, installments, payments, [S, E], lian_days=[S, E])
    return loans, installments, payments, snap


def _cell(matrix, source, target):
    row = matrix[(matrix["from"] == source) & (matrix["to"] == target)].iloc[0]
    return int(row["loans"]), int(row["start_balance"]) // YUAN, int(row["end_balance"]) // YUAN


def test_migration_matrix_of_the_ten_loans(ten):
    *_, snap = ten
    matrix = quality.migration_matrix(snap, S, E)
    assert len(matrix) == 5 * 7  # every (class, class or 结清 / 核销) pair, zeros included
    filled = {(r["from"], r["to"]): (r["loans"], r["start_balance"] // YUAN, r["end_balance"] // YUAN)
              for r in matrix.to_dict("records") if r["loans"]}
    assert filled == {
        ("normal", "normal"): (1, 27_000, 26_000),  # L1: settled after the month end, still counted
        ("normal", "special_mention"): (1, 27_000, 27_000),  # L2
        ("normal", "settled"): (1, 27_000, 0),  # L3
        ("special_mention", "normal"): (1, 28_000, 26_000),  # L5 cured
        ("special_mention", "substandard"): (1, 30_000, 30_000),  # L4
        ("substandard", "doubtful"): (1, 36_000, 36_000),  # L6
        ("doubtful", "loss"): (1, 26_000, 26_000),  # L7
        ("loss", "loss"): (1, 33_000, 33_000),  # L9
        ("loss", "written_off"): (1, 34_000, 0),  # L8, written off on 10-20
    }
    assert int(matrix["loans"].sum()) == 9  # L10 is new in October: not in the start cohort


def test_a_loan_settled_after_the_month_end_is_still_in_its_class(ten):
    *_, snap = ten
    at_end = snap.at(E).set_index("contract_no")
    assert at_end.loc["L1", "state"] == "active"  # 状态 says 结清 today; 结清日期 2026-11-05 is after E
    assert at_end.loc["L1", "classification"] == "normal"
    assert at_end.loc["L1", "balance"] == 26_000 * YUAN
    assert at_end.loc["L3", "status"] == "settled" and at_end.loc["L3", "balance"] == 0


def test_a_loan_written_off_inside_the_month_is_in_the_write_off_column(ten):
    *_, snap = ten
    assert _cell(quality.migration_matrix(snap, S, E), "loss", "written_off") == (1, 34_000, 0)
    # the balance written off is the outstanding principal on its 核销日期
    at = snap.loans.index[snap.loans["contract_no"] == "L8"][0]
    assert snap.written_off_balance[at] == 34_000 * YUAN
    # a loan written off on E itself has left the books at E (it leaves on its 核销日期 itself)
    loans, installments, payments, _ = ten
    moved = loans.copy()
    moved.loc[moved["contract_no"] == "L9", ["status", "written_off_on"]] = ["written_off", pd.Timestamp(E)]
    later = snapshots(moved, installments, payments, [S, E])
    assert _cell(quality.migration_matrix(later, S, E), "loss", "written_off") == (2, 67_000, 0)


def test_migration_rates_of_the_ten_loans(ten):
    *_, snap = ten
    rates = quality.migration_rates(quality.migration_matrix(snap, S, E))
    assert rates == {"normal": Fraction(27, 53), "special_mention": Fraction(30, 56),
                     "substandard": Fraction(1), "doubtful": Fraction(1), "performing": Fraction(30, 109)}
    assert {k: quality.percent_text(v) for k, v in rates.items()} == {
        "normal": "50.94", "special_mention": "53.57", "substandard": "100.00", "doubtful": "100.00",
        "performing": "27.52"}


def test_flow_rates_of_the_ten_loans(ten):
    *_, snap = ten
    flows = quality.flow_rates(snap, S, E)
    assert list(zip(flows["from"], flows["to"], strict=True)) == list(zip(BUCKETS, BUCKETS[1:], strict=False))
    text = {r["from"]: quality.percent_text(r["rate"]) for r in flows.to_dict("records")}
    assert text == {"M0": "33.33", "M1": "0.00", "M2": None, "M3": "100.00", "M4": None, "M5": None,
                    "M6": None}
    m0 = flows.iloc[0]
    assert (m0["start_balance"], m0["end_balance"]) == (81_000 * YUAN, 27_000 * YUAN)


def test_class_tables_and_npl_ratio(ten):
    *_, snap = ten
    end = quality.class_table(snap, E)
    assert end["loans"].tolist() == [3, 1, 1, 1, 2]
    assert (end["balance"] // YUAN).tolist() == [88_000, 27_000, 30_000, 36_000, 59_000]
    assert quality.percent_text(quality.npl_ratio(end)) == "52.08"
    start = quality.class_table(snap, S)
    assert (start["balance"] // YUAN).tolist() == [81_000, 58_000, 36_000, 26_000, 67_000]
    assert quality.percent_text(quality.npl_ratio(start)) == "48.13"
    assert quality.npl_ratio(end.assign(balance=0)) is None


def test_the_month_end_view_with_dealers_write_offs_and_recoveries(ten):
    loans, installments, payments, _ = ten
    months = quality.month_ends_back(dt.date(2026, 11, 30), 3)
    assert months == [S, E, dt.date(2026, 11, 30)]
    snap = snapshots(loans, installments, payments, [dt.date(2025, 12, 31), *months],
                     lian_days=[S, E, dt.date(2025, 12, 31)])
    rows = recoveries(loans, payments).assign(loan_key=lambda f: f["contract_no"])
    figures = quality.month_end_quality(snap, end=E, since=S, year_start_day=dt.date(2025, 12, 31),
                                        history_days=[S, E], recoveries=rows)
    assert figures.write_offs == {"since": (1, 34_000 * YUAN), "year": (1, 34_000 * YUAN)}
    assert figures.recovered(S) == (0, 0)  # L8's 600.00 came on 11-03: after this month end
    assert figures.recoveries_by_month["amount"].sum() == 0
    november = quality.month_end_quality(snap, end=dt.date(2026, 11, 30), since=E,
                                         year_start_day=dt.date(2025, 12, 31), history_days=months,
                                         recoveries=rows)
    assert november.recovered(E) == (1, 600 * YUAN)
    by_month = november.recoveries_by_month.set_index("month_end")["amount"]
    assert by_month[pd.Timestamp("2026-11-30")] == 600 * YUAN and by_month[pd.Timestamp("2026-10-31")] == 0
    # 连三累六 at E: L4 (Jul–Oct late: 4 in a row), L6, L7, L9
    assert figures.lian3lei6[E] == (4, (30_000 + 36_000 + 26_000 + 33_000) * YUAN)
    dealers = figures.by_dealer.set_index("dealer")
    # 乙店: L4 30,000 + L5 26,000 + L6 36,000 + L10 36,000 = 128,000, NPL L4 + L6 = 66,000
    assert dealers.loc["杭州乙店", "loans"] == 4 and dealers.loc["杭州乙店", "balance"] == 128_000 * YUAN
    assert dealers.loc["杭州乙店", "npl_ratio"] == Fraction(66, 128)
    # 甲店: L1 26,000 + L2 27,000 + L7 26,000 + L9 33,000 = 112,000, NPL L7 + L9 = 59,000
    assert dealers.loc["杭州甲店", "npl_ratio"] == Fraction(59, 112)
    assert dealers.index.tolist() == ["杭州乙店", "杭州甲店"]  # largest balance first
    detail = figures.detail.set_index("contract_no")
    assert detail.loc["L10", "from"] is None and detail.loc["L10", "end_balance"] == 36_000 * YUAN
    assert pd.isna(detail.loc["L10", "reduction"]) and detail.loc["L3", "reduction"] == 27_000 * YUAN
    assert figures.history["npl_ratio"].tolist() == [Fraction(129, 268), Fraction(125, 240)]
    assert figures.flow_history.iloc[0]["M0>M1"] == Fraction(27, 81)


def test_percent_text_rounds_half_up_in_integers():
    assert quality.percent_text(Fraction(1, 8)) == "12.50"
    assert quality.percent_text(Fraction(1, 20_000)) == "0.01"  # 0.005 % → 0.01 (half up)
    assert quality.percent_text(Fraction(1, 20_001)) == "0.00"
    assert quality.percent_text(Fraction(-1, 20_000)) == "-0.01"  # half away from zero
    assert quality.percent_text(Fraction(2, 3)) == "66.67"
    assert quality.percent_text(None) is None


def test_month_end_days():
    assert quality.month_ends_back(dt.date(2026, 2, 28), 3) == [dt.date(2025, 12, 31), dt.date(2026, 1, 31),
                                                              dt.date(2026, 2, 28)]
    assert quality.year_start(dt.date(2026, 11, 30)) == dt.date(2025, 12, 31)
    assert quality.year_start(dt.date(2026, 12, 31)) == dt.date(2025, 12, 31)
    assert quality.previous_month_end(dt.date(2024, 3, 31)) == dt.date(2024, 2, 29)
    assert quality.month_ends_between(dt.date(2025, 12, 31), dt.date(2026, 3, 31)) == [
        dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)]


# ----------------------------------------------------------------------------------- properties

METHODS = ("annuity", "equal_principal", "flat_fee")
START = pd.Timestamp("2024-01-01")


@st.composite
def portfolios(draw):
    """A few loans of every method, with settlements, write-offs and payments of every kind (on time,
    late, partial, lumps, advances and their repayment); two days S < E; settable rules."""
    n = draw(st.integers(1, 7))
    rows, payments = [], []
    for i in range(n):
        pickup = START + pd.Timedelta(days=draw(st.integers(0, 800)))
        method = draw(st.sampled_from(METHODS))
        rate = draw(st.sampled_from([0, 3_880_000, 8_000_000] if method != "flat_fee" else [0, 12_000_000]))
        ended = draw(st.sampled_from([None, "settled", "written_off"]))
        end_day = pickup + pd.Timedelta(days=draw(st.integers(1, 900))) if ended else None
        contract = f"C{i}"
        rows.append(_loan(contract, pickup, status=ended or "active",
                          settled=end_day if ended == "settled" else None,
                          written_off=end_day if ended == "written_off" else None,
                          dealer=draw(st.sampled_from(["甲", "乙", None])),
                          principal=draw(st.integers(1_000, 60_000)) * YUAN, term=draw(st.integers(2, 24)),
                          method=method, rate=rate, due_day=draw(st.integers(1, 31))))
        for _ in range(draw(st.integers(0, 12))):
            day = pickup + pd.Timedelta(days=draw(st.integers(0, 1000)))
            kind = draw(st.sampled_from(["customer_paid", "customer_paid", "company_advance",
                                         "advance_repaid"]))
            payments.append((contract, day, draw(st.integers(1, 800_000)), kind))
    loans = _frame(rows)
    payments = pd.DataFrame(payments, columns=["contract_no", "paid_on", "amount", "payment_type"])
    first = draw(st.integers(0, 1200))
    s = START + pd.Timedelta(days=first)
    e = s + pd.Timedelta(days=draw(st.integers(1, 400)))
    rules = Rules(grace_days=draw(st.integers(0, 5)), tolerance_fen=draw(st.sampled_from([0, 500])),
                  class_bounds=draw(st.sampled_from([(90, 270, 360), (90, 180, 360)])),
                  lookback_months=draw(st.sampled_from([6, 24])))
    return loans, payments, s.date(), e.date(), rules


def _assessed(loans, installments, payments, day, rules):
    result = assess_portfolio(loans, installments, payments, as_of=day, rules=rules)
    return result.loans.set_index("contract_no")


@settings(max_examples=60)
@given(portfolios())
def test_history_agrees_with_the_overdue_engine_at_every_day(case):
    loans, payments, s, e, rules = case
    installments = build_schedules(loans)
    middle = s + (e - s) / 2
    days = [s, middle, e]
    snap = snapshots(loans, installments, payments, days, rules=rules, lian_days=days)
    for day in days:
        at = snap.at(day).set_index("contract_no")
        active = at[at["state"] == "active"]
        expected = _assessed(loans, installments, payments, day, rules)
        assert sorted(active.index) == sorted(expected.index)
        expected = expected.loc[active.index]
        assert active["dpd"].tolist() == expected["dpd"].tolist()
        assert active["classification"].tolist() == expected["classification"].tolist()
        assert active["bucket"].tolist() == expected["bucket"].tolist()
        assert active["balance"].tolist() == expected["outstanding_principal"].tolist()
        assert active["lian3lei6"].tolist() == expected["lian3lei6"].tolist()
        inactive = at[at["state"] != "active"]
        assert inactive["classification"].isna().all() and (inactive["balance"] == 0).all()


def _brute_force(loans, installments, payments, s, e, rules):
    """The matrix and the rates by DOMAIN's words, one loan at a time from two overdue-engine runs."""
    at_s = _assessed(loans, installments, payments, s, rules)
    at_e = _assessed(loans, installments, payments, e, rules)
    state_e = dict(zip(loans["contract_no"], loan_states(loans, e)["state"], strict=True))
    cells: dict[tuple[str, str], list[int]] = {}
    for contract, start in at_s.iterrows():
        if contract in at_e.index:
            target = at_e.loc[contract, "classification"]
            end_balance = int(at_e.loc[contract, "outstanding_principal"])
        else:
            target, end_balance = state_e[contract], 0
        cell = cells.setdefault((start["classification"], target), [0, 0, 0])
        cell[0] += 1
        cell[1] += int(start["outstanding_principal"])
        cell[2] += end_balance
    rank = {c: i for i, c in enumerate(CLASSES)}
    rates = {}
    for code in ("normal", "special_mention", "substandard", "doubtful", "performing"):
        sources = ("normal", "special_mention") if code == "performing" else (code,)
        numerator = denominator = 0
        for (source, target), (_, start_balance, end_balance) in cells.items():
            if source not in sources:
                continue
            reduction = start_balance - end_balance
            denominator += start_balance - reduction
            worse = target in NPL_CLASSES if code == "performing" else (
                target in rank and rank[target] > rank[source])
            numerator += end_balance if worse else 0
        rates[code] = Fraction(numerator, denominator) if denominator else None
    return cells, rates, at_s


@settings(max_examples=60)
@given(portfolios())
def test_matrix_partitions_the_start_cohort_and_matches_a_brute_force(case):
    loans, payments, s, e, rules = case
    installments = build_schedules(loans)
    snap = snapshots(loans, installments, payments, [s, e], rules=rules)
    matrix = quality.migration_matrix(snap, s, e)
    cells, rates, at_s = _brute_force(loans, installments, payments, s, e, rules)
    found = {(r["from"], r["to"]): [r["loans"], r["start_balance"], r["end_balance"]]
             for r in matrix.to_dict("records") if r["loans"]}
    assert found == cells
    # the rows partition the start cohort: every start loan once, its S balance once
    assert int(matrix["loans"].sum()) == len(at_s)
    assert int(matrix["start_balance"].sum()) == int(at_s["outstanding_principal"].sum())
    assert int(matrix["reduction"].sum()) == int(matrix["start_balance"].sum() - matrix["end_balance"].sum())
    into_classes = matrix[matrix["to"].isin(CLASSES)]
    still = snap.at(e)
    cohort = set(at_s.index)
    assert int(into_classes["end_balance"].sum()) == int(
        still.loc[still["contract_no"].isin(cohort) & still["state"].eq("active"), "balance"].sum())
    assert quality.migration_rates(matrix) == rates
    # a class table adds up to the book
    table = quality.class_table(snap, e)
    assert int(table["balance"].sum()) == int(snap.at(e)["balance"].sum())
    # flow rates by DOMAIN's words
    flows = quality.flow_rates(snap, s, e).set_index("from")
    at_e = _assessed(loans, installments, payments, e, rules)
    for k, source in enumerate(BUCKETS[:-1]):
        starters = at_s[at_s["bucket"] == source]
        denominator = int(starters["outstanding_principal"].sum())
        numerator = sum(int(at_e.loc[c, "outstanding_principal"]) for c in starters.index
                        if c in at_e.index and at_e.loc[c, "bucket"] == BUCKETS[k + 1])
        assert flows.loc[source, "rate"] == (Fraction(numerator, denominator) if denominator else None)


def test_several_branches_share_the_days_and_keep_their_contracts_apart(ten):
    loans, installments, payments, snap = ten
    a = snapshots(loans.assign(branch="杭州"), installments, payments, [S, E])
    b = snapshots(loans.assign(branch="宁波"), installments, payments, [S, E])
    both = type(a).concat([a, b])
    assert len(both.loans) == 2 * len(a.loans)
    matrix = quality.migration_matrix(both, S, E)
    assert int(matrix["loans"].sum()) == 18
    branches = quality.group_table(both, E, "branch")
    assert branches["balance"].tolist() == [240_000 * YUAN, 240_000 * YUAN]
    single = quality.class_table(snap, E)["balance"]
    assert np.array_equal(quality.class_table(both, E)["balance"], 2 * single)
