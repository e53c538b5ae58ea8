"""money.py: exact yuan ↔ fen, half-up rounding, rates."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loantool.money import (
    MoneyError,
    div_round_half_up,
    div_round_half_up_array,
    fen_to_display,
    fen_to_str,
    parse_rate,
    rate_to_str,
    round_fraction,
    to_fen,
    yuan_to_fen_exact,
)


@pytest.mark.parametrize("value, fen", [
    (1234.5, 123450), ("¥1,234.50", 123450), ("1,234.50元", 123450), ("１２３４．５０", 123450),
    ("￥ 88", 8800), (0.005, 1), (2.675, 268), (1.005, 101), ("(12.30)", -1230), ('="100.00"', 10000),
    (Decimal("73.235"), 7324), (-0.005, -1), (7, 700),
])
def test_to_fen_reads_what_the_desk_types(value, fen):
    # 2.675 and 1.005 are the classic float-rounding traps: as binary floats they sit just below the
    # half, yet a person typed 2.675, so half up gives 2.68.
    assert to_fen(value) == fen


@pytest.mark.parametrize("value", ["", "abc", "1.2.3", True, float("nan"), None])
def test_to_fen_refuses_non_amounts(value):
    with pytest.raises(MoneyError):
        to_fen(value)


def test_exact_fen_refuses_fractions_of_a_fen():
    assert yuan_to_fen_exact("12.30") == 1230
    with pytest.raises(MoneyError):
        yuan_to_fen_exact("12.305")


def test_fen_strings():
    assert fen_to_str(123450) == "1234.50"
    assert fen_to_str(-5) == "-0.05"
    assert fen_to_str(0) == "0.00"
    assert fen_to_display(123456789) == "1,234,567.89"


def test_interest_half_fen_tie_rounds_up():
    # DOMAIN.md: 22,650.00 at 3.88 % a year owes 22650 × 0.0388 / 12 = 73.235 yuan → 73.24
    rate = parse_rate(0.0388)
    assert div_round_half_up(2_265_000 * rate, 12 * 10**8) == 7324
    assert div_round_half_up_array(np.array([2_265_000 * rate]), 12 * 10**8)[0] == 7324


@pytest.mark.parametrize("text", [0.0388, "3.88%", 3.88, "3.88", "０.０３８８", Decimal("0.0388")])
def test_rate_spellings_agree(text):
    assert parse_rate(text) == 3_880_000
    assert rate_to_str(parse_rate(text)) == "3.88%"


def test_rate_noise_from_excel_arithmetic_is_absorbed_but_real_precision_refused():
    assert parse_rate(0.05 / 12 * 12) == 5_000_000
    with pytest.raises(MoneyError):
        parse_rate("0.0123456789")
    with pytest.raises(MoneyError):
        parse_rate("-1%")


@given(st.integers(-10**12, 10**12), st.integers(1, 10**9))
def test_integer_half_up_matches_exact_fractions(numerator, denominator):
    exact = Fraction(numerator, denominator)
    sign = -1 if exact < 0 else 1
    expected = sign * int(abs(exact) + Fraction(1, 2))  # half away from zero (四舍五入)
    assert div_round_half_up(numerator, denominator) == expected
    assert round_fraction(exact) == expected
    assert div_round_half_up_array(np.array([numerator]), denominator)[0] == expected
