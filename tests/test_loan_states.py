"""One loan-state rule (DOMAIN.md "As-of truth"): on the books from pickup, gone from its end date on."""

import datetime as dt

import pandas as pd

from loantool.core.loans import active_during, active_on, loan_states


def _loans():
    return pd.DataFrame({
        "contract_no": ["A", "B", "C", "D", "E"],
        "status": ["active", "settled", "written_off", "settled", None],
        "pickup_date": pd.to_datetime(["2026-01-10", "2026-01-10", "2026-01-10", "2025-01-10", "2026-12-05"]),
        "settled_on": pd.to_datetime([None, "2026-12-15", None, None, None]),
        "written_off_on": pd.to_datetime([None, None, "2026-11-30", None, None]),
    })


def test_a_loan_settled_after_the_day_is_still_active_on_it():
    states = loan_states(_loans(), dt.date(2026, 11, 29))
    assert states["state"].tolist() == ["active", "active", "active", "settled", "not_yet"]


def test_a_loan_leaves_the_books_on_its_end_date_itself():
    states = loan_states(_loans(), dt.date(2026, 11, 30))
    assert states["state"].tolist() == ["active", "active", "written_off", "settled", "not_yet"]
    assert active_on(_loans(), dt.date(2026, 12, 15)).tolist() == [True, False, False, False, True]


def test_a_loan_picked_up_after_the_day_is_not_yet_on_the_books():
    assert not active_on(_loans(), dt.date(2026, 12, 4))[4]
    assert active_on(_loans(), dt.date(2026, 12, 5))[4]


def test_one_day_per_loan():
    days = [dt.date(2026, 12, 20)] * 4 + [dt.date(2026, 12, 1)]
    assert loan_states(_loans(), days)["state"].tolist() == ["active", "settled", "written_off", "settled",
                                                             "not_yet"]


def test_active_during_a_month_counts_a_loan_that_ended_inside_it():
    december = active_during(_loans(), dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert december.tolist() == [True, True, False, False, True]
