"""Golden schedules worked out by hand (DOMAIN.md "Rules for the numbers"); amounts in fen.

Every expected number below is derived in the comment next to it, so a reader can check it with
pencil and paper; nothing here was copied from the engine's output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loantool.core.dates import due_dates, first_due_month, resolve_due_day
from loantool.core.schedule import (
    OUTPUT_COLUMNS,
    ScheduleInputError,
    annuity_payment,
    build_schedules,
    monthly_interest,
    schedule_totals,
)
from loantool.money import parse_rate


def loans(*rows: dict) -> pd.DataFrame:
    base = {"first_due_date": None, "due_day": None}
    frame = pd.DataFrame([{**base, **row} for row in rows])
    frame["pickup_date"] = pd.to_datetime(frame["pickup_date"])
    frame["first_due_date"] = pd.to_datetime(frame["first_due_date"])
    frame["due_day"] = frame["due_day"].astype("Int64")
    return frame


def loan(contract="HT001", *, principal, term, method, rate, pickup, first_due=None, due_day=None):
    return loans({"contract_no": contract, "principal": principal, "term": term, "method": method,
                  "rate": rate, "pickup_date": pickup, "first_due_date": first_due, "due_day": due_day})


def table(schedule: pd.DataFrame) -> list[tuple]:
    """(due date, principal, interest, fee, payment, balance) per row."""
    return [(str(r.due_date.date()), r.principal, r.interest, r.fee, r.payment, r.balance)
            for r in schedule.itertuples()]


# ------------------------------------------------------------------------------------------- annuity


def test_annuity_three_months_from_a_jan_31_pickup():
    # P = 10,000.00 yuan = 1,000,000 fen at 12 % a year: r = 1 % a month exactly.
    # (1.01)^3 = 1.030301, so payment = 1,000,000 × 0.01 × 1.030301 / 0.030301
    #   = 10,303.01 / 0.030301 = 340,022.111… → 340,022 fen (3,400.22 yuan).
    # k=1: interest 1,000,000 × 1 % = 10,000; principal 340,022 − 10,000 = 330,022; balance 669,978
    # k=2: interest 669,978 × 1 % = 6,699.78 → 6,700; principal 333,322; balance 336,656
    # k=3: interest 336,656 × 1 % = 3,366.56 → 3,367; the last takes the balance 336,656;
    #      payment 336,656 + 3,367 = 340,023 (differs from the others by the residue)
    # Pickup Jan 31 2024: due day 31 → Feb 29 (leap year), Mar 31, Apr 30.
    schedule = build_schedules(loan(principal=1_000_000, term=3, method="annuity", rate=12_000_000,
                                    pickup="2024-01-31"))
    assert list(schedule.columns) == list(OUTPUT_COLUMNS)
    assert schedule["period"].tolist() == [1, 2, 3]
    assert table(schedule) == [
        ("2024-02-29", 330_022, 10_000, 0, 340_022, 669_978),
        ("2024-03-31", 333_322, 6_700, 0, 340_022, 336_656),
        ("2024-04-30", 336_656, 3_367, 0, 340_023, 0),
    ]
    assert annuity_payment(1_000_000, 12_000_000, 3) == 340_022


def test_annuity_payment_at_exact_half_fen_ties():
    # n = 1: payment = P(1 + r). 100 fen at 6 % a year: r = 0.5 %, 100 × 1.005 = 100.5 → 101.
    # n = 2: payment = P·r(1+r)²/((1+r)² − 1) = P(1+r)²/(2+r). At 12 % (r = 1 %) and P = 10,050 fen:
    #   10,050 × 1.0201 / 2.01 = 10,050 × 10,201 / 20,100 = 10,201 / 2 = 5,100.5 → 5,101.
    # A float evaluation lands a hair either side of .5; these must come out half up.
    assert annuity_payment(100, 6_000_000, 1) == 101
    assert annuity_payment(10_050, 12_000_000, 2) == 5_101
    assert annuity_payment(30_150, 12_000_000, 2) == 15_302  # 3 × 5,100.5 = 15,301.5 → 15,302
    payments = annuity_payment(np.array([100, 10_050]), np.array([6_000_000, 12_000_000]), np.array([1, 2]))
    assert payments.tolist() == [101, 5_101]


def test_annuity_at_rate_zero_is_level_principal():
    # P = 1,000.00 = 100,000 fen over 3 months at 0 %: round(100,000 / 3) = round(33,333.33) = 33,333;
    # the last takes 100,000 − 2 × 33,333 = 33,334. No interest.
    schedule = build_schedules(loan(principal=100_000, term=3, method="annuity", rate=0, pickup="2024-05-10"))
    assert table(schedule) == [
        ("2024-06-10", 33_333, 0, 0, 33_333, 66_667),
        ("2024-07-10", 33_333, 0, 0, 33_333, 33_334),
        ("2024-08-10", 33_334, 0, 0, 33_334, 0),
    ]
    assert annuity_payment(100_000, 0, 3) == 33_333
    # an annuity settles its residue in the last period even when residue="first" is asked for
    assert table(build_schedules(loan(principal=100_000, term=3, method="annuity", rate=0,
                                      pickup="2024-05-10"), residue="first")) == table(schedule)


# ----------------------------------------------------------------------------------- equal principal


def test_equal_principal_from_a_feb_29_pickup():
    # P = 10,000.00 = 1,000,000 fen, 3 months, 3.88 % a year; interest = balance × 0.0388 / 12.
    # principal: round(1,000,000 / 3) = 333,333; last 1,000,000 − 666,666 = 333,334
    # k=1: 1,000,000 × 0.0388 = 38,800 / 12 = 3,233.33 → 3,233
    # k=2: balance 666,667 × 0.0388 = 25,866.6796 / 12 = 2,155.56 → 2,156
    # k=3: balance 333,334 × 0.0388 = 12,933.3592 / 12 = 1,077.78 → 1,078
    # Pickup Feb 29 2024: due day 29 of the following months.
    schedule = build_schedules(loan(principal=1_000_000, term=3, method="equal_principal", rate=3_880_000,
                                    pickup="2024-02-29"))
    assert table(schedule) == [
        ("2024-03-29", 333_333, 3_233, 0, 336_566, 666_667),
        ("2024-04-29", 333_333, 2_156, 0, 335_489, 333_334),
        ("2024-05-29", 333_334, 1_078, 0, 334_412, 0),
    ]


def test_equal_principal_residue_first():
    # Same loan with the residue in period 1: 333,334 then 333,333 twice.
    # k=2: balance 666,666 × 0.0388 = 25,866.6408 / 12 = 2,155.55 → 2,156
    # k=3: balance 333,333 × 0.0388 = 12,933.3204 / 12 = 1,077.78 → 1,078
    schedule = build_schedules(loan(principal=1_000_000, term=3, method="equal_principal", rate=3_880_000,
                                    pickup="2024-02-29"), residue="first")
    assert table(schedule) == [
        ("2024-03-29", 333_334, 3_233, 0, 336_567, 666_666),
        ("2024-04-29", 333_333, 2_156, 0, 335_489, 333_333),
        ("2024-05-29", 333_333, 1_078, 0, 334_411, 0),
    ]


def test_half_fen_tie_in_interest_rounds_up():
    # A balance of 22,650.00 yuan at 3.88 % a year owes 2,265,000 × 0.0388 / 12 = 87,882 / 12
    # = 7,323.5 fen of interest: exactly half a fen, so 73.24 yuan (half up), never 73.23.
    assert monthly_interest(2_265_000, 3_880_000) == 7_324
    # Inside a schedule: 45,300.00 over 2 months equal principal leaves exactly 22,650.00 for period 2.
    # k=1: 4,530,000 × 0.0388 / 12 = 175,764 / 12 = 14,647 exactly.
    schedule = build_schedules(loan(principal=4_530_000, term=2, method="equal_principal", rate=3_880_000,
                                    pickup="2024-03-15"))
    assert table(schedule) == [
        ("2024-04-15", 2_265_000, 14_647, 0, 2_279_647, 2_265_000),
        ("2024-05-15", 2_265_000, 7_324, 0, 2_272_324, 0),
    ]


def test_rate_written_three_ways_gives_one_schedule():
    # 0.0388 (a float from Excel), "3.88%" and a bare 3.88 all mean 3.88 % a year.
    schedules = [
        build_schedules(loan(principal=4_530_000, term=12, method="annuity", rate=parse_rate(text),
                             pickup="2024-03-15"))
        for text in (0.0388, "3.88%", 3.88)
    ]
    assert parse_rate(0.0388) == parse_rate("3.88%") == parse_rate(3.88) == 3_880_000
    pd.testing.assert_frame_equal(schedules[0], schedules[1])
    pd.testing.assert_frame_equal(schedules[0], schedules[2])


# ----------------------------------------------------------------------------------------- flat fee


def test_flat_fee_100k_at_8_percent_over_36_months():
    # P = 100,000.00 = 10,000,000 fen, total fee rate F = 8 % over 36 months.
    # total fee round(10,000,000 × 0.08) = 800,000 (8,000.00); fee_k = round(800,000 / 36) =
    #   round(22,222.22) = 22,222 (222.22);
    #   last fee 800,000 − 35 × 22,222 = 800,000 − 777,770 = 22,230 (222.30)
    # principal_k = round(10,000,000 / 36) = round(277,777.78) = 277,778 (2,777.78);
    #   last 10,000,000 − 35 × 277,778 = 10,000,000 − 9,722,230 = 277,770 (2,777.70)
    # every payment 277,778 + 22,222 = 300,000 and the last 277,770 + 22,230 = 300,000 too.
    schedule = build_schedules(loan(principal=10_000_000, term=36, method="flat_fee", rate=8_000_000,
                                    pickup="2024-01-31"))
    assert len(schedule) == 36
    assert (schedule["interest"] == 0).all()
    assert schedule["fee"].tolist() == [22_222] * 35 + [22_230]
    assert schedule["principal"].tolist() == [277_778] * 35 + [277_770]
    assert (schedule["payment"] == 300_000).all()
    assert schedule["balance"].iloc[0] == 10_000_000 - 277_778
    assert schedule["balance"].iloc[34] == 277_770
    assert schedule["balance"].iloc[35] == 0
    # Jan 31 pickup: Feb 29, Mar 31, Apr 30 … Jan 31 2027: the 31st never drifts to the 29th or 30th.
    assert [str(d.date()) for d in schedule["due_date"][:4]] == \
        ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]
    assert str(schedule["due_date"].iloc[12].date()) == "2025-02-28"
    assert str(schedule["due_date"].iloc[13].date()) == "2025-03-31"
    assert str(schedule["due_date"].iloc[35].date()) == "2027-01-31"


def test_flat_fee_residue_first():
    # The 8 % example with residue="first": period 1 carries principal 277,770 and fee 22,230.
    schedule = build_schedules(loan(principal=10_000_000, term=36, method="flat_fee", rate=8_000_000,
                                    pickup="2024-01-31"), residue="first")
    assert schedule["fee"].tolist() == [22_230] + [22_222] * 35
    assert schedule["principal"].tolist() == [277_770] + [277_778] * 35
    assert schedule["balance"].iloc[0] == 10_000_000 - 277_770
    assert schedule["balance"].iloc[-1] == 0


# ----------------------------------------------------------------------------------- short and long


@pytest.mark.parametrize(("method", "rate", "expected"), [
    # annuity: payment = P(1 + r) with r = 6 % / 12 = 0.5 %: 5,000,000 × 1.005 = 5,025,000;
    # interest 5,000,000 × 0.5 % = 25,000; principal 5,000,000
    ("annuity", 6_000_000, (5_000_000, 25_000, 0, 5_025_000, 0)),
    # equal principal: the same one installment
    ("equal_principal", 6_000_000, (5_000_000, 25_000, 0, 5_025_000, 0)),
    # flat fee 2 % over the term: fee 5,000,000 × 0.02 = 100,000
    ("flat_fee", 2_000_000, (5_000_000, 0, 100_000, 5_100_000, 0)),
])
def test_one_period_loan(method, rate, expected):
    schedule = build_schedules(loan(principal=5_000_000, term=1, method=method, rate=rate,
                                    pickup="2023-12-31"))
    # Dec 31 2023 → Jan 31 2024
    assert table(schedule) == [("2024-01-31", *expected)]


def test_equal_principal_over_120_months():
    # P = 1,200,000.00 = 120,000,000 fen over 120 months at 6 % (r = 0.5 %): principal 1,000,000 each,
    # no residue. Balance before period k = 120,000,000 − (k−1)·1,000,000, interest 600,000 − 5,000(k−1).
    # Total interest = 120 × 600,000 − 5,000 × (0 + 1 + … + 119) = 72,000,000 − 5,000 × 7,140
    #   = 72,000,000 − 35,700,000 = 36,300,000 (363,000.00 yuan).
    # Last row: interest 600,000 − 5,000 × 119 = 5,000, payment 1,005,000, balance 0.
    # Pickup Jan 31 2020: first due Feb 29 2020, last = Feb 2020 + 119 months = Jan 31 2030.
    schedule = build_schedules(loan(principal=120_000_000, term=120, method="equal_principal", rate=6_000_000,
                                    pickup="2020-01-31"))
    totals = schedule_totals(schedule).iloc[0]
    assert totals["periods"] == 120
    assert totals["principal"] == 120_000_000
    assert totals["interest"] == 36_300_000
    assert totals["fee"] == 0
    assert totals["payment"] == 156_300_000
    assert str(totals["first_due_date"].date()) == "2020-02-29"
    assert str(totals["last_due_date"].date()) == "2030-01-31"
    assert table(schedule.tail(1)) == [("2030-01-31", 1_000_000, 5_000, 0, 1_005_000, 0)]


def test_flat_fee_over_120_months():
    # P = 123,456.78 = 12,345,678 fen, F = 10 % over 120 months.
    # total fee round(1,234,567.8) = 1,234,568; fee_k = round(1,234,567.8 / 120) = round(10,288.065) = 10,288;
    #   last fee 1,234,568 − 119 × 10,288 = 1,234,568 − 1,224,272 = 10,296
    # principal_k = round(12,345,678 / 120) = round(102,880.65) = 102,881;
    #   last 12,345,678 − 119 × 102,881 = 12,345,678 − 12,242,839 = 102,839
    # total payment 12,345,678 + 1,234,568 = 13,580,246
    schedule = build_schedules(loan(principal=12_345_678, term=120, method="flat_fee", rate=10_000_000,
                                    pickup="2024-02-29"))
    totals = schedule_totals(schedule).iloc[0]
    assert (totals["principal"], totals["fee"], totals["interest"], totals["payment"]) == \
        (12_345_678, 1_234_568, 0, 13_580_246)
    # Feb 29 2024 pickup: 120th due month is Mar 2024 + 119 = Feb 2034, clamped to Feb 28
    assert table(schedule.tail(1)) == [("2034-02-28", 102_839, 0, 10_296, 113_135, 0)]
    assert schedule["fee"].iloc[0] == 10_288 and schedule["principal"].iloc[0] == 102_881


def test_annuity_over_120_months_closes():
    # 500,000.00 at 4.9 %: no hand value for the payment, but sums must close exactly and every
    # payment but the last must be equal; interest of period 1 = 50,000,000 × 0.049 / 12
    # = 2,450,000 / 12 = 204,166.67 → 204,167.
    schedule = build_schedules(loan(principal=50_000_000, term=120, method="annuity", rate=4_900_000,
                                    pickup="2024-03-31"))
    assert schedule["principal"].sum() == 50_000_000
    assert schedule["interest"].iloc[0] == 204_167
    assert (schedule["payment"].iloc[:-1] == schedule["payment"].iloc[0]).all()
    assert schedule["balance"].iloc[-1] == 0
    assert str(schedule["due_date"].iloc[-1].date()) == "2034-03-31"


# ---------------------------------------------------------------------------------------- due dates


def test_due_day_sources_in_order_of_precedence():
    frame = loans(
        # bank due day 31 wins over first due date Mar 5: Mar 31, Apr 30
        {"contract_no": "A", "principal": 200_000, "term": 2, "method": "flat_fee", "rate": 0,
         "pickup_date": "2024-01-15", "first_due_date": "2024-03-05", "due_day": 31},
        # no bank day: the first due date's day 5, from its month
        {"contract_no": "B", "principal": 200_000, "term": 2, "method": "flat_fee", "rate": 0,
         "pickup_date": "2024-01-15", "first_due_date": "2024-03-05"},
        # neither: pickup day 15, month after pickup
        {"contract_no": "C", "principal": 200_000, "term": 2, "method": "flat_fee", "rate": 0,
         "pickup_date": "2024-01-15"},
        # bank day 20 and no first due date: month after pickup on the 20th
        {"contract_no": "D", "principal": 200_000, "term": 2, "method": "flat_fee", "rate": 0,
         "pickup_date": "2024-12-30", "due_day": 20},
    )
    schedule = build_schedules(frame)
    dates = schedule.groupby("contract_no")["due_date"].apply(lambda s: [str(d.date()) for d in s]).to_dict()
    assert dates == {
        "A": ["2024-03-31", "2024-04-30"],
        "B": ["2024-03-05", "2024-04-05"],
        "C": ["2024-02-15", "2024-03-15"],
        "D": ["2025-01-20", "2025-02-20"],
    }


def test_due_date_helpers():
    assert [str(d) for d in due_dates(np.datetime64("2024-02"), 31, np.arange(1, 5))] == \
        ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]
    pickup = pd.Series(pd.to_datetime(["2024-01-31", "2024-02-29"]))
    first = pd.Series(pd.to_datetime([None, "2024-04-10"]))
    assert resolve_due_day(pickup, first, pd.array([None, None], dtype="Int64")).tolist() == [31, 10]
    assert [str(m) for m in first_due_month(pickup, first)] == ["2024-02", "2024-04"]


# ------------------------------------------------------------------------------------ output & input


def test_output_sorted_by_contract_then_period_and_totals():
    frame = loans(
        {"contract_no": "HT-B", "principal": 300_000, "term": 3, "method": "annuity", "rate": 0,
         "pickup_date": "2024-01-10"},
        {"contract_no": "HT-A", "principal": 200_000, "term": 2, "method": "flat_fee", "rate": 1_000_000,
         "pickup_date": "2024-01-10"},
    )
    schedule = build_schedules(frame)
    assert list(zip(schedule["contract_no"], schedule["period"], strict=True)) == \
        [("HT-A", 1), ("HT-A", 2), ("HT-B", 1), ("HT-B", 2), ("HT-B", 3)]
    assert all(schedule[c].dtype == np.int64 for c in ("principal", "interest", "fee", "payment", "balance"))
    totals = schedule_totals(schedule)
    # HT-A: principal 100,000 × 2; fee round(200,000 × 1 %) = 2,000 → 1,000 a month
    assert totals.to_dict("records")[0] == {
        "contract_no": "HT-A", "periods": 2, "principal": 200_000, "interest": 0, "fee": 2_000,
        "payment": 202_000, "first_due_date": pd.Timestamp("2024-02-10"),
        "last_due_date": pd.Timestamp("2024-03-10"),
    }
    assert totals["principal"].tolist() == [200_000, 300_000]


def test_empty_input_gives_empty_schedule():
    empty = loans({"contract_no": "X", "principal": 1, "term": 1, "method": "annuity", "rate": 0,
                   "pickup_date": "2024-01-01"}).iloc[:0]
    schedule = build_schedules(empty)
    assert list(schedule.columns) == list(OUTPUT_COLUMNS)
    assert len(schedule) == 0


def test_bad_loans_are_all_named():
    def row(contract, **changes):
        return {"contract_no": contract, "principal": 100_000, "term": 12, "method": "annuity", "rate": 1,
                "pickup_date": "2024-01-01", **changes}

    frame = loans(row("OK"), row("T0", term=0), row("T121", term=121), row("P0", principal=0),
                  row("M", method="balloon"), row("R", rate=-1), row("D", due_day=32))
    with pytest.raises(ValueError) as caught:
        build_schedules(frame)
    message = str(caught.value)
    for contract in ("T0", "T121", "P0", "M", "R", "D"):
        assert contract in message
    assert "OK" not in message
    assert isinstance(caught.value, ScheduleInputError)
    assert {c for c, _ in caught.value.problems} == {"T0", "T121", "P0", "M", "R", "D"}
    with pytest.raises(ValueError, match="residue"):
        build_schedules(frame.iloc[:1], residue="middle")


def test_duplicate_contract_is_refused():
    row = {"contract_no": "HT9", "principal": 100_000, "term": 12, "method": "annuity", "rate": 1,
           "pickup_date": "2024-01-01"}
    with pytest.raises(ScheduleInputError, match="HT9") as caught:
        build_schedules(loans(row, row))
    assert caught.value.problems == [("HT9", "contract number appears twice (合同编号重复)")]


def test_amount_too_small_for_its_term_is_refused_not_printed():
    # 1.00 yuan over 120 months: round(100 / 120) = 1 fen a month would repay 119 fen by period 119 and
    # leave the last period −19: the balance would go negative and rise again. Refused.
    with pytest.raises(ScheduleInputError, match="too small"):
        build_schedules(loan(principal=100, term=120, method="equal_principal", rate=0, pickup="2024-01-01"))


def test_flat_fee_too_small_for_its_term_is_refused():
    # 1,000.00 yuan at a 0.0025 % total fee over 5 months: total round(100,000 × 0.000025) = round(2.5) = 3
    # fen; fee_k = round(2.5 / 5) = round(0.5) = 1; the last fee would be 3 − 4 × 1 = −1.
    with pytest.raises(ScheduleInputError, match="fee too small"):
        build_schedules(loan(principal=100_000, term=5, method="flat_fee", rate=2_500, pickup="2024-01-01"))
