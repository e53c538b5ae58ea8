"""core.rates.resolve_rates: a loan's own 年利率 wins, else the 利率表 row for its model/product and term."""

from __future__ import annotations

import pandas as pd

from loantool.core.rates import resolve_rates

PCT = 1_000_000  # 1 % in rate units


def loans(*rows: dict, index=None) -> pd.DataFrame:
    base = {"annual_rate": None, "car_model": None, "product": None, "term": 36, "method": "annuity"}
    frame = pd.DataFrame([{**base, **row} for row in rows], index=index)
    frame["annual_rate"] = frame["annual_rate"].astype("Int64")
    frame["term"] = frame["term"].astype("Int64")
    return frame


def rate_table(*rows: dict) -> pd.DataFrame:
    base = {"car_model": None, "product": None, "term": 36, "annual_rate": None, "total_fee_rate": None,
            "method": None}
    frame = pd.DataFrame([{**base, **row} for row in rows])
    for column in ("term", "annual_rate", "total_fee_rate"):
        frame[column] = frame[column].astype("Int64")
    return frame


TABLE = rate_table(
    {"car_model": "朗逸", "term": 36, "annual_rate": 475 * PCT // 100},
    {"car_model": "朗逸", "term": 24, "annual_rate": 450 * PCT // 100},
    {"car_model": "朗逸", "term": 36, "total_fee_rate": 8 * PCT, "method": "flat_fee"},
    {"product": "新车贷", "term": 36, "annual_rate": 6 * PCT},
    {"product": "新车贷", "term": 36, "total_fee_rate": 9 * PCT, "method": "flat_fee"},
    {"car_model": "轩逸", "product": "二手车贷", "term": 36, "annual_rate": 7 * PCT},
)


def test_own_rate_wins_over_the_table():
    rates, problems = resolve_rates(loans({"annual_rate": 388 * PCT // 100, "car_model": "朗逸"}), TABLE)
    assert rates.tolist() == [3_880_000]
    assert problems == []


def test_lookup_by_car_model_and_term():
    frame = loans({"car_model": "朗逸", "term": 36}, {"car_model": "朗逸", "term": 24})
    rates, problems = resolve_rates(frame, TABLE)
    assert rates.tolist() == [4_750_000, 4_500_000]
    assert problems == []


def test_car_model_is_matched_as_a_person_reads_it():
    # full-width letters, extra spaces and case do not make a different model
    table = rate_table({"car_model": "Model Y 长续航", "term": 36, "annual_rate": 3 * PCT})
    rates, problems = resolve_rates(loans({"car_model": " ｍodel  y 长续航 "}), table)
    assert rates.tolist() == [3 * PCT]
    assert problems == []


def test_product_when_the_car_model_has_no_row():
    rates, problems = resolve_rates(loans({"car_model": "卡罗拉", "product": "新车贷"}), TABLE)
    assert rates.tolist() == [6 * PCT]
    assert problems == []


def test_car_model_beats_product():
    rates, _ = resolve_rates(loans({"car_model": "朗逸", "product": "新车贷"}), TABLE)
    assert rates.tolist() == [4_750_000]


def test_row_naming_model_and_product_needs_both():
    rates, problems = resolve_rates(
        loans({"car_model": "轩逸", "product": "二手车贷"}, {"car_model": "轩逸", "product": "新车贷"}),
        TABLE)
    # the second loan falls through to the 新车贷 product row
    assert rates.tolist() == [7 * PCT, 6 * PCT]
    assert problems == []


def test_flat_fee_takes_the_total_fee_rate_of_its_method_row():
    rates, problems = resolve_rates(
        loans({"car_model": "朗逸", "method": "flat_fee"}, {"product": "新车贷", "method": "flat_fee"}),
        TABLE)
    assert rates.tolist() == [8 * PCT, 9 * PCT]
    assert problems == []


def test_flat_fee_falls_back_to_the_annual_rate_column():
    # a team that typed the fee rate into the 年利率 column
    table = rate_table({"product": "分期", "term": 24, "annual_rate": 7 * PCT})
    rates, problems = resolve_rates(loans({"product": "分期", "term": 24, "method": "flat_fee"}), table)
    assert rates.tolist() == [7 * PCT]
    assert problems == []


def test_a_row_for_another_method_does_not_match():
    table = rate_table({"car_model": "思域", "term": 36, "total_fee_rate": 8 * PCT, "method": "flat_fee"})
    rates, problems = resolve_rates(loans({"car_model": "思域", "method": "annuity"}), table)
    assert rates.isna().tolist() == [True]
    assert len(problems) == 1


def test_no_row_is_a_problem_naming_model_and_term():
    rates, problems = resolve_rates(
        loans({"car_model": "X", "term": 36}, {"car_model": "朗逸", "term": 12}, index=["r7", "r8"]), TABLE)
    assert rates.isna().all()
    assert [label for label, _ in problems] == ["r7", "r8"]
    assert "no rate in 利率表 for 车型 X, 期数 36" in problems[0][1]
    assert "车型 朗逸, 期数 12" in problems[1][1]


def test_ambiguous_rows_are_a_problem_not_a_guess():
    table = rate_table({"car_model": "宝来", "term": 36, "annual_rate": 5 * PCT},
                       {"car_model": "宝来", "term": 36, "annual_rate": 6 * PCT},
                       {"car_model": "速腾", "term": 36, "annual_rate": 5 * PCT},
                       {"car_model": "速腾", "term": 36, "annual_rate": 5 * PCT})
    rates, problems = resolve_rates(loans({"car_model": "宝来"}, {"car_model": "速腾"}), table)
    # the same rate written twice is not ambiguous
    assert rates.isna().tolist() == [True, False]
    assert rates.iloc[1] == 5 * PCT
    assert len(problems) == 1
    assert "different rates" in problems[0][1] and "5%" in problems[0][1] and "6%" in problems[0][1]


def test_missing_rate_value_in_the_matching_row():
    table = rate_table({"car_model": "帕萨特", "term": 36, "total_fee_rate": 8 * PCT})
    rates, problems = resolve_rates(loans({"car_model": "帕萨特", "method": "annuity"}), table)
    assert rates.isna().all()
    assert "has no 年利率" in problems[0][1]


def test_no_model_no_product_and_empty_table():
    rates, problems = resolve_rates(loans({}, {"annual_rate": 5 * PCT}), pd.DataFrame())
    assert rates.tolist()[1] == 5 * PCT
    assert len(problems) == 1 and problems[0][0] == 0
    assert "车型" in problems[0][1] and "产品" in problems[0][1]


def test_many_loans_keep_their_index():
    frame = loans(*[{"car_model": "朗逸" if i % 2 else "未知", "term": 36} for i in range(5_000)],
                  index=[f"row{i}" for i in range(5_000)])
    rates, problems = resolve_rates(frame, TABLE)
    assert list(rates.index) == list(frame.index)
    assert rates.iloc[1::2].eq(4_750_000).all()
    assert rates.iloc[0::2].isna().all()
    assert [label for label, _ in problems] == [f"row{i}" for i in range(0, 5_000, 2)]
