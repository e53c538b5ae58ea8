"""Buckets, five-level classification, NPL summary, actions, inspections and limitation (classify.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from loantool.core import classify
from loantool.core.allocation import NAT_DAY, day_number

D = day_number("2025-05-20")  # a Tuesday in Q2 2025 (quarter starts 2025-04-01)


def days(*dates):
    return np.array([NAT_DAY if d is None else day_number(d) for d in dates], dtype=np.int64)


def test_buckets_at_every_boundary():
    dpd = np.array([0, 1, 30, 31, 60, 61, 90, 91, 120, 121, 150, 151, 180, 181, 5000])
    assert classify.bucket_of(dpd).tolist() == [
        "M0", "M1", "M1", "M2", "M2", "M3", "M3", "M4", "M4", "M5", "M5", "M6", "M6", "M7+", "M7+"]
    # settable bounds: 10-day buckets
    assert classify.bucket_of(np.array([10, 11, 60, 61]), (10, 20, 30, 40, 50, 60)).tolist() == [
        "M1", "M2", "M6", "M7+"]
    with pytest.raises(ValueError):
        classify.bucket_of(dpd, (30, 60, 60, 120, 150, 180))


@pytest.mark.parametrize(("preset", "expected"), [
    ("2023", ["normal", "special_mention", "special_mention", "substandard", "substandard", "substandard",
              "substandard", "doubtful", "doubtful", "loss"]),
    ("legacy", ["normal", "special_mention", "special_mention", "substandard", "substandard", "doubtful",
                "doubtful", "doubtful", "doubtful", "loss"]),
])
def test_classes_at_every_boundary(preset, expected):
    dpd = np.array([0, 1, 90, 91, 180, 181, 270, 271, 360, 361])
    assert classify.classify_dpd(dpd, classify.CLASS_PRESETS[preset]).tolist() == expected


def test_quarter_start_and_notice_this_quarter():
    assert classify.quarter_start(D) == day_number("2025-04-01")
    assert classify.quarter_start(day_number("2025-01-01")) == day_number("2025-01-01")
    assert classify.quarter_start(day_number("2024-12-31")) == day_number("2024-10-01")
    signed = days("2025-03-31", "2025-04-01", "2025-05-20", "2025-05-21", None)
    assert classify.notice_this_quarter(signed, D).tolist() == [False, True, True, False, False]


def actions(**overrides):
    base = dict(dpd=np.array([0]), lian3lei6=np.array([False]), sms_due=np.array([False]),
                final_due_day=days("2027-01-15"), open_installments=np.array([20]),
                last_notice_day=days(None), as_of_day=D)
    base.update(overrides)
    return classify.collection_actions(**base).iloc[0]


def test_collection_actions():
    assert actions().actions == ""
    assert actions(sms_due=np.array([True])).actions == "sms"
    a = actions(dpd=np.array([1]))
    assert a.actions == "call_daily;written_notice"
    # a notice signed this quarter: no new written notice needed
    assert actions(dpd=np.array([1]), last_notice_day=days("2025-04-02")).actions == "call_daily"
    # DPD > 90 or 连三累六 escalates; exactly 90 does not
    assert "escalate" not in actions(dpd=np.array([90])).actions
    assert "escalate" in actions(dpd=np.array([91])).actions
    assert actions(lian3lei6=np.array([True])).actions == "escalate"
    # maturity notice: the final installment due within 30 days of D and the loan not fully paid
    assert actions(final_due_day=days("2025-06-19")).actions == "maturity_notice"   # D + 30
    assert actions(final_due_day=days("2025-06-20")).actions == ""                 # D + 31
    assert actions(final_due_day=days("2025-05-19")).actions == ""                 # already past
    assert actions(final_due_day=days("2025-06-01"), open_installments=np.array([0])).actions == ""


def test_inspection_plan_by_grade():
    plan = classify.inspection_plan(
        risk_grade=np.array(["good", "good", "fair", "poor", None, "good", "good"], dtype=object),
        last_inspection_day=days("2025-02-20", "2025-02-21", "2025-04-20", "2025-05-19", "2025-04-21", None,
                                 "2025-05-01"),
        in_arrears=np.array([False, False, False, False, False, False, True]),
        as_of_day=D, inspection_months={"good": 3, "fair": 1, "poor": 0})
    # good: Feb 20 + 3 months = May 20 → due; Feb 21 → May 21, not yet; fair: Apr 20 + 1 = May 20 → due;
    # poor: now; no grade follows fair: Apr 21 + 1 = May 21, not yet; never inspected: now; arrears: now
    assert plan["inspection_due"].tolist() == [True, False, True, True, False, True, True]
    assert plan["inspection_reason"].tolist() == ["cadence", "", "cadence", "poor", "", "never", "arrears"]
    assert plan["next_inspection_day"].tolist()[:2] == [D, day_number("2025-05-21")]


def test_limitation_expiry_and_warning():
    plan = classify.limitation_plan(
        final_due_day=days("2022-08-15", "2022-05-19", "2022-01-15", "2022-01-15", "2022-08-19",
                           "2022-01-15"),
        last_notice_day=days(None, None, "2023-01-10", None, None, "2026-01-01"),
        in_arrears=np.array([True, True, True, True, False, True]),
        as_of_day=D, years=3, warn_days=90)
    assert plan["limitation_expiry_day"].tolist()[:3] == [
        day_number("2025-08-15"), day_number("2025-05-19"), day_number("2026-01-10")]
    # Aug 15 2025 is 87 days after D: expiring; May 19 2025 is past: expired; a signed notice restarts
    # the three years; a loan not in arrears is not listed; a notice dated after D does not count yet
    assert plan["limitation_status"].tolist() == ["expiring", "expired", "", "expired", "", "expired"]
    assert plan["limitation_expiry_day"].tolist()[4] == NAT_DAY


def summary_frame(rows):
    frame = pd.DataFrame(rows, columns=["dpd", "outstanding_principal", "overdue_amount"])
    frame["bucket"] = classify.bucket_of(frame["dpd"].to_numpy())
    frame["classification"] = classify.classify_dpd(frame["dpd"].to_numpy())
    for column in ("penalty", "unrecovered_advances", "credit"):
        frame[column] = 1
    frame["lian3lei6"] = frame["dpd"] >= 100
    return frame


def test_portfolio_summary_and_npl_ratio():
    s = classify.portfolio_summary(summary_frame([(0, 10_000, 0), (45, 20_000, 300), (100, 3_000, 900),
                                                  (400, 333, 1000)]))
    # NPL = substandard (100 days) + loss (400 days) = 3_333 of 33_333
    assert s.npl_ratio == Fraction(3_333, 33_333)
    assert s.npl_ratio_display == "10.00%"  # 9.9990…% rounds half up to 10.00%
    assert (s.active_loans, s.loans_in_arrears, s.npl_loans, s.lian3lei6) == (4, 3, 2, 2)
    assert s.by_bucket["loans"].tolist() == [1, 0, 1, 0, 1, 0, 0, 1]
    loss = s.by_class.set_index("classification").loc["loss"]
    assert (loss["label"], loss["loans"], loss["outstanding_principal"]) == ("损失", 1, 333)
    assert s.to_dict()["by_class"][4] == {
        "classification": "loss", "loans": 1, "outstanding_principal": "3.33", "overdue_amount": "10.00"}
    assert classify.portfolio_summary(summary_frame([])).npl_ratio == 0


def test_percent_display_rounds_half_up():
    assert classify.percent_display(Fraction(1, 8)) == "12.50%"
    assert classify.percent_display(Fraction(1, 80000)) == "0.00%"  # 0.00125 %
    assert classify.percent_display(Fraction(1, 20000)) == "0.01%"  # 0.005 %: a tie, half up


def test_inspection_plan_counts_a_never_inspected_loan_from_its_pickup_and_lists_a_window():
    plan = classify.inspection_plan(
        risk_grade=np.array(["good", "good", "fair", None], dtype=object),
        last_inspection_day=days(None, None, "2025-05-01", None),
        in_arrears=np.array([False, False, False, False]),
        as_of_day=D, inspection_months={"good": 3, "fair": 1, "poor": 0},
        start_day=days("2025-04-01", "2025-01-10", "2024-01-01", None))
    # picked up Apr 1 with 好: first inspection Jul 1, not yet; picked up Jan 10: Apr 10, overdue ("never");
    # inspected May 1, fair: Jun 1 – not in the plan without a window; no dates at all: now
    assert plan["inspection_due"].tolist() == [False, True, False, True]
    assert plan["inspection_reason"].tolist() == ["", "never", "", "never"]
    assert plan["next_inspection_day"].tolist()[:2] == [day_number("2025-07-01"), day_number("2025-04-10")]
    week = classify.inspection_plan(
        risk_grade=np.array(["fair", "fair"], dtype=object),
        last_inspection_day=days("2025-04-25", "2025-05-01"),
        in_arrears=np.array([False, False]), as_of_day=D,
        inspection_months={"good": 3, "fair": 1, "poor": 0}, window_days=7)
    # May 25 and Jun 1, as of May 20 with a week's window: the first is in the plan, the second not yet
    assert week["inspection_due"].tolist() == [True, False]
