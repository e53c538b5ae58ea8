"""core.collection: promise status at the boundaries, last contact, the limitation start moved by each kind
of event, and Hypothesis against a slow per-promise reference."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loantool.core import collection
from loantool.core.allocation import NAT_DAY, day_number

D = dt.date


def records(*rows: dict) -> pd.DataFrame:
    keys = collection.RECORD_COLUMNS
    frame = pd.DataFrame([{k: row.get(k) for k in keys} for row in rows], columns=list(keys))
    frame["contacted_on"] = pd.to_datetime(frame["contacted_on"])
    frame["promise_date"] = pd.to_datetime(frame["promise_date"])
    frame["promise_amount"] = pd.array(frame["promise_amount"].tolist(), dtype="Int64")
    return frame


def payments(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["contract_no", "paid_on", "amount", "payment_type"])
    frame["paid_on"] = pd.to_datetime(frame["paid_on"])
    frame["amount"] = frame["amount"].astype("int64")
    return frame


NO_PAYMENTS = payments()
PROMISE = {"contract_no": "A", "contacted_on": D(2026, 11, 20), "channel": "phone", "result": "答应还款",
           "promise_date": D(2026, 11, 25), "promise_amount": 100_000}


def status(pays: pd.DataFrame, as_of: dt.date, *, grace: int = 0, promise: dict = PROMISE) -> str | None:
    return collection.promise_status(records(promise), pays, as_of=as_of, grace_days=grace)[
        "promise_status"].iloc[0]


# ------------------------------------------------------------------------------------------ promise status


def test_paid_in_full_on_the_promise_day_is_kept():
    pays = payments(("A", D(2026, 11, 25), 100_000, "customer_paid"))
    assert status(pays, D(2026, 11, 25)) == "kept"
    assert status(pays, D(2026, 12, 31)) == "kept"  # and stays kept


def test_paid_a_day_late_is_broken_and_the_day_before_it_was_open():
    pays = payments(("A", D(2026, 11, 26), 100_000, "customer_paid"))
    assert status(pays, D(2026, 11, 25)) == "open"  # the promised day itself: still waiting
    assert status(pays, D(2026, 11, 26)) == "broken"
    assert status(pays, D(2027, 1, 1)) == "broken"  # a late payment never mends it


def test_grace_days_move_the_deadline():
    pays = payments(("A", D(2026, 11, 27), 100_000, "customer_paid"))
    assert status(pays, D(2026, 11, 27), grace=2) == "kept"
    assert status(pays, D(2026, 11, 27), grace=1) == "broken"


def test_paid_partly_is_open_until_the_day_then_broken():
    pays = payments(("A", D(2026, 11, 21), 60_000, "customer_paid"),
                    ("A", D(2026, 11, 24), 39_999, "customer_paid"))
    assert status(pays, D(2026, 11, 24)) == "open"
    assert status(pays, D(2026, 11, 26)) == "broken"
    frame = collection.promise_status(records(PROMISE), pays, as_of=D(2026, 11, 26))
    assert int(frame["promise_paid"].iloc[0]) == 99_999


def test_parts_adding_up_keep_it_and_advance_repayments_count_but_advances_do_not():
    pays = payments(("A", D(2026, 11, 21), 60_000, "customer_paid"),
                    ("A", D(2026, 11, 22), 500_000, "company_advance"),
                    ("A", D(2026, 11, 25), 40_000, "advance_repaid"))
    assert status(pays, D(2026, 11, 25)) == "kept"
    only_advance = payments(("A", D(2026, 11, 22), 500_000, "company_advance"))
    assert status(only_advance, D(2026, 11, 30)) == "broken"


def test_payments_before_the_contact_day_or_of_another_loan_or_after_as_of_do_not_count():
    pays = payments(("A", D(2026, 11, 19), 100_000, "customer_paid"),
                    ("B", D(2026, 11, 22), 100_000, "customer_paid"))
    assert status(pays, D(2026, 11, 30)) == "broken"
    on_contact_day = payments(("A", D(2026, 11, 20), 100_000, "customer_paid"))
    assert status(on_contact_day, D(2026, 11, 20)) == "kept"
    assert status(on_contact_day, D(2026, 11, 19)) is None  # the call had not happened yet


def test_a_record_without_a_promise_has_no_status():
    plain = {"contract_no": "A", "contacted_on": D(2026, 11, 20), "channel": "phone", "result": "无人接听"}
    assert status(NO_PAYMENTS, D(2026, 11, 30), promise=plain) is None


# ------------------------------------------------------------------------------------------- record checks


def test_record_problems_name_each_bad_row():
    call = {"contract_no": "A", "contacted_on": D(2026, 11, 20), "channel": "phone"}
    frame = records(
        {**call, "promise_date": D(2026, 11, 19), "promise_amount": 100},
        {**call, "promise_date": D(2026, 11, 21)},
        {**call, "promise_amount": 100},
        {**call, "promise_date": D(2026, 11, 21), "promise_amount": 0},
        {**call, "promise_date": D(2026, 11, 20), "promise_amount": 1},  # the same day is fine
    )
    found = sorted((label, key, code) for label, key, _, code in collection.record_problems(frame))
    assert found == [(0, "promise_date", "promise-before-contact"),
                     (1, "promise_amount", "promise-without-amount"),
                     (2, "promise_date", "amount-without-promise"),
                     (3, "promise_amount", "promise-not-positive")]


# ------------------------------------------------------------------------------------- per-loan summary


def test_last_contact_and_latest_promise_per_loan():
    frame = records(
        {"contract_no": "A", "contacted_on": D(2026, 11, 10), "channel": "phone", "result": "承诺",
         "promise_date": D(2026, 11, 15), "promise_amount": 50_000},
        {"contract_no": "A", "contacted_on": D(2026, 11, 20), "channel": "sms", "result": "已发短信"},
        {"contract_no": "A", "contacted_on": D(2026, 11, 20), "channel": "phone", "result": "无人接听",
         "handled_by": "小王"},
        {"contract_no": "B", "contacted_on": D(2026, 12, 5), "channel": "phone", "result": "未来"},
        {"contract_no": "Z", "contacted_on": D(2026, 11, 5), "channel": "phone", "result": "不在名单"},
    )
    pays = payments(("A", D(2026, 11, 14), 50_000, "customer_paid"),
                    ("A", D(2026, 11, 1), 10, "customer_paid"))
    out = collection.contact_summary(frame, pays, ["A", "B", "C"], as_of=D(2026, 11, 30))
    out = out.set_index("contract_no")
    a = out.loc["A"]
    assert a["contacts"] == 3 and a["last_contact_on"] == pd.Timestamp(2026, 11, 20)
    assert (a["last_channel"], a["last_result"], a["last_handled_by"], a["last_party"]) == (
        "phone", "无人接听", "小王", "borrower")  # the later row on a tie
    assert (a["promise_status"], a["promise_amount"], a["promise_paid"]) == ("kept", 50_000, 50_000)
    assert a["promise_date"] == pd.Timestamp(2026, 11, 15)
    assert a["last_promise_on"] == pd.Timestamp(2026, 11, 10)
    assert a["last_customer_payment"] == pd.Timestamp(2026, 11, 14)
    b = out.loc["B"]  # its only call is after the as-of day
    assert b["contacts"] == 0 and pd.isna(b["last_contact_on"]) and out["last_result"].tolist()[1] is None
    assert out["promise_status"].tolist()[1] is None and pd.isna(out.loc["C", "last_signed_notice"])


def test_a_signed_letter_is_a_notice_and_an_unsigned_one_or_a_call_is_not():
    frame = records(
        {"contract_no": "A", "contacted_on": D(2026, 6, 1), "channel": "letter", "result": "已签收"},
        {"contract_no": "A", "contacted_on": D(2026, 7, 1), "channel": "letter", "result": "拒签"},
        {"contract_no": "A", "contacted_on": D(2026, 8, 1), "channel": "phone", "result": "已签收"},
        {"contract_no": "B", "contacted_on": D(2026, 9, 1), "channel": "letter", "result": " Signed "},
    )
    out = collection.contact_summary(frame, None, ["A", "B"], as_of=D(2026, 11, 30))
    assert out["last_signed_notice"].tolist() == [pd.Timestamp(2026, 6, 1), pd.Timestamp(2026, 9, 1)]


# ----------------------------------------------------------------------------------- limitation start


AS_OF = D(2026, 11, 30)


def _start(final_due, notice=None, promise=None, payment=None, as_of=AS_OF):
    def day(value):
        return np.array([NAT_DAY if value is None else day_number(value)], dtype=np.int64)

    start, basis = collection.limitation_start(final_due_day=day(final_due), notice_day=day(notice),
                                               promise_day=day(promise), payment_day=day(payment),
                                               as_of_day=day_number(as_of))
    expiry = collection.limitation_expiry(start, 3)
    return str(np.datetime64(int(expiry[0]), "D")), basis[0]


def test_the_limitation_date_is_moved_by_each_kind_of_event():
    final = D(2023, 12, 15)
    assert _start(final) == ("2026-12-15", "final_due")
    assert _start(final, notice=D(2024, 3, 1)) == ("2027-03-01", "notice")
    assert _start(final, promise=D(2024, 5, 2)) == ("2027-05-02", "promise")
    assert _start(final, payment=D(2024, 2, 29)) == ("2027-02-28", "payment")  # Feb 29 → Feb 28
    assert _start(final, notice=D(2024, 3, 1), promise=D(2024, 5, 2), payment=D(2024, 4, 1)) == (
        "2027-05-02", "promise")
    assert _start(final, notice=D(2023, 1, 1)) == ("2026-12-15", "final_due")  # earlier events change nothing
    assert _start(final, notice=D(2026, 12, 1)) == ("2026-12-15", "final_due")  # after as-of: not yet signed


# ----------------------------------------------------------------------------------------- call order


def test_broken_promises_first_open_ones_last_and_waiting():
    calls = pd.DataFrame({"contract_no": ["W", "X", "Y", "Z"],
                          "promise_status": pd.Series(["open", None, "broken", "kept"], dtype=object)})
    ordered = collection.order_call_list(calls)
    assert ordered["contract_no"].tolist() == ["Y", "X", "Z", "W"]
    assert ordered["waiting"].tolist() == [False, False, False, True]
    keep = collection.order_call_list(calls, keep_calling=True)
    assert keep["contract_no"].tolist() == ["Y", "W", "X", "Z"] and not keep["waiting"].any()


# ------------------------------------------------------------------------------------ slow reference


def reference_status(promise: dict, pays: list[tuple], as_of: dt.date, grace: int) -> str | None:
    """One promise, one loop over the payments, in plain dates and integers."""
    if promise["contacted_on"] > as_of:
        return None
    deadline = promise["promise_date"] + dt.timedelta(days=grace)
    paid = sum(amount for contract, day, amount, kind in pays
               if contract == promise["contract_no"] and kind in ("customer_paid", "advance_repaid")
               and promise["contacted_on"] <= day <= min(deadline, as_of))
    if paid >= promise["promise_amount"]:
        return "kept"
    return "broken" if as_of > deadline else "open"


START = D(2026, 1, 1)
days = st.integers(0, 60).map(lambda n: START + dt.timedelta(days=n))
contracts = st.sampled_from(["A", "B", "C"])
promise_rows = st.builds(
    lambda c, contact, wait, amount: {
        "contract_no": c, "contacted_on": contact, "channel": "phone",
        "promise_date": contact + dt.timedelta(days=wait), "promise_amount": amount},
    contracts, days, st.integers(0, 20), st.integers(1, 5_000))
payment_rows = st.tuples(contracts, days, st.integers(1, 3_000),
                         st.sampled_from(["customer_paid", "advance_repaid", "company_advance"]))


@given(st.lists(promise_rows, min_size=1, max_size=12), st.lists(payment_rows, max_size=25), days,
       st.integers(0, 3))
def test_promise_status_matches_the_slow_reference(promises, pays, as_of, grace):
    paid = payments(*pays) if pays else NO_PAYMENTS
    frame = collection.promise_status(records(*promises), paid, as_of=as_of, grace_days=grace)
    expected = [reference_status(p, pays, as_of, grace) for p in promises]
    assert frame["promise_status"].tolist() == expected
    # a kept promise stays kept on every later day
    later = collection.promise_status(records(*promises), paid, as_of=as_of + dt.timedelta(days=30),
                                      grace_days=grace)
    kept = frame["promise_status"].eq("kept").to_numpy(dtype=bool)
    assert (later["promise_status"].to_numpy(dtype=object)[kept] == "kept").all()


@given(st.lists(st.one_of(st.none(), days), min_size=4, max_size=4), days)
def test_limitation_start_is_the_latest_event_and_never_before_the_final_due_date(events, as_of):
    final, notice, promise, payment = events
    final = final or START
    expiry, basis = _start(final, notice, promise, payment, as_of=as_of)
    latest = max([final, *(e for e in (notice, promise, payment) if e is not None and e <= as_of)])
    assert basis is not None
    leap_day = (latest.month, latest.day) == (2, 29)
    three_years = latest.replace(year=latest.year + 3, day=28 if leap_day else latest.day)
    assert expiry == three_years.isoformat()
    def day(value):
        return np.array([day_number(value) if value else NAT_DAY], dtype=np.int64)

    start, _ = collection.limitation_start(final_due_day=day(final), notice_day=day(notice),
                                           promise_day=day(promise), payment_day=day(payment),
                                           as_of_day=day_number(as_of))
    assert int(start[0]) == day_number(latest)


def test_bad_grace_is_refused():
    with pytest.raises(ValueError):
        collection.promise_status(records(PROMISE), NO_PAYMENTS, as_of=D(2026, 1, 1), grace_days=-1)
