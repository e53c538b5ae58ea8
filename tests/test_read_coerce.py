"""ledger/coerce.py: every kind of cell the reader accepts, and every one it refuses with a reason."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loantool import schema
from loantool.ledger.coerce import (
    STORED_AS_NUMBER,
    CoerceError,
    Column,
    coerce_value,
    coerce_values,
    is_total_label,
)

# ------------------------------------------------------------------------------------------ identifiers


@pytest.mark.parametrize(
    ("kind", "cell", "expected"),
    [
        ("contract", "HT2024001", "HT2024001"),
        ("contract", "  HT2024001\t", "HT2024001"),
        ("contract", '="HT2024001"', "HT2024001"),
        ("contract", "'HT2024001", "HT2024001"),
        ("contract", "ＨＴ２０２４００１", "HT2024001"),  # full-width
        ("contract", 12345.0, "12345"),  # a short number from a spreadsheet is fine
        ("contract", 12345, "12345"),
        ("card", "6222 0212 3456 7890 128", "6222021234567890128"),
        ("card", '="6222021234567890128"', "6222021234567890128"),
        ("card", "'6222021234567890128", "6222021234567890128"),
        ("card", "6222****1234", "6222****1234"),  # masked stays as text
        ("card", 6688.0, "6688"),  # last-4 digits as a number
        ("id_no", "11010519491231002x", "11010519491231002X"),
        ("id_no", " 110105194912310 02X ", "11010519491231002X"),
        ("phone", 13800138000.0, "13800138000"),
        ("phone", "138-0013-8000", "138-0013-8000"),
        ("contract", "   ", None),
        ("contract", None, None),
    ],
)
def test_identifiers_stay_text(kind: str, cell: object, expected: str | None) -> None:
    assert coerce_value(kind, cell) == expected


@pytest.mark.parametrize(
    ("kind", "cell"),
    [
        ("card", 6.222021234567891e18),  # 19-digit card stored as a float
        ("card", 6222021234567890),  # 16 digits as an int
        ("id_no", 1.1010519491231002e17),  # 18-character ID as a number
        ("contract", 1e15),
    ],
)
def test_long_numbers_are_refused_never_repaired(kind: str, cell: object) -> None:
    with pytest.raises(CoerceError, match="stored as a number"):
        coerce_value(kind, cell)


def test_scientific_notation_text_is_refused() -> None:
    with pytest.raises(CoerceError, match="scientific notation"):
        coerce_value("card", "6.22202E+18")


@pytest.mark.parametrize("cell", [12.5, True, dt.date(2024, 1, 1)])
def test_identifier_refuses_decimals_flags_and_dates(cell: object) -> None:
    with pytest.raises(CoerceError):
        coerce_value("contract", cell)


# ----------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "cell",
    [
        dt.date(2024, 3, 22),
        dt.datetime(2024, 3, 22, 14, 6, 51),
        pd.Timestamp("2024-03-22 08:00"),
        45373.0,  # Excel serial
        45373.75,  # serial with a time of day
        45373,
        "2024-03-22",
        "2024/3/22",
        "2024.3.22",
        "2024年3月22日",
        "2024 年 3 月 22 日",
        "20240322",
        20240322,
        20240322.0,
        "2024/03/22  14:06:51",
        "2024-03-22 00:00:00",
        "2024-03-22T08:00:00",
        '="20240322"',
        "２０２４－０３－２２",
        " 2024-03-22\t",
    ],
)
def test_dates(cell: object) -> None:
    assert coerce_value("date", cell) == dt.date(2024, 3, 22)


def test_spdb_datetime_text_keeps_the_date_part() -> None:
    assert coerce_value("date", "2025/12/03  14:06:51") == dt.date(2025, 12, 3)


def test_early_serials_skip_excels_fake_leap_day() -> None:
    assert coerce_value("date", 1) == dt.date(1900, 1, 1)
    assert coerce_value("date", 61) == dt.date(1900, 3, 1)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2024-02-30", "not a calendar date"),
        ("20241301", "not a calendar date"),
        ("22/03/2024", "not a date"),
        ("2024年3月", "not a date"),
        ("soon", "not a date"),
        (True, "TRUE/FALSE"),
        (dt.time(10, 5), "time of day"),
        (-5.0, "not a date"),
        ("2500-01-01", "outside the years"),
    ],
)
def test_bad_dates(cell: object, reason: str) -> None:
    with pytest.raises(CoerceError, match=reason):
        coerce_value("date", cell)


@pytest.mark.parametrize("cell", ["", "  ", "-", "—", "/", None])
def test_blank_dates(cell: object) -> None:
    assert coerce_value("date", cell) is None


def test_date_column_dtype_and_nat() -> None:
    series, problems = coerce_values("date", ["2024-03-22", None, 45373.0, "-"])
    assert problems == []
    assert series.dtype == "datetime64[ns]"
    assert series.isna().tolist() == [False, True, False, True]
    assert series[0] == pd.Timestamp("2024-03-22") == series[2]


# --------------------------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        (1234.5, 123450),
        (1234, 123400),
        (0.29, 29),  # 0.29 * 100 is 28.999999999999996 in binary
        (1234.56, 123456),
        ("1234.56", 123456),
        ("¥1,234.50", 123450),
        ("￥1,234.50", 123450),
        ("1,234.50元", 123450),
        ("１，２３４．５０", 123450),  # full-width
        ("  1,234.56          \t", 123456),  # ICBC padding
        ("'5.90", 590),  # CITIC keeps amounts as text with an apostrophe
        ("-0.20", -20),
        ("126000.130", 12600013),  # trailing zeros are not fractions of a fen
        ("(1.00)", -100),
        ("RMB 100", 10000),
    ],
)
def test_amounts(cell: object, fen: int) -> None:
    assert coerce_value("amount", cell) == fen


@pytest.mark.parametrize("cell", ["-", "", "   ", None, "—"])
def test_blank_amounts(cell: object) -> None:
    assert coerce_value("amount", cell) is None


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (1234.565, "fractions of a fen"),
        ("1234.565", "fractions of a fen"),
        ("12.3.4", "not an amount"),
        ("abc", "not an amount"),
        (True, "TRUE/FALSE"),
        (dt.date(2024, 1, 1), "date"),
        (float("inf"), "not a usable amount"),
    ],
)
def test_bad_amounts(cell: object, reason: str) -> None:
    with pytest.raises(CoerceError, match=reason):
        coerce_value("amount", cell)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_amount_floats_round_trip_every_fen(fen: int) -> None:
    """A float of yuan as Excel stores it always reads back to the exact fen."""
    assert coerce_value("amount", fen / 100) == fen
    assert coerce_value("amount", f"{fen / 100:,.2f}") == fen


def test_required_amount_blank_is_an_error_but_optional_is_empty() -> None:
    series, problems = coerce_values("amount", [100.0, "-", None, "x"], required=True)
    assert str(series.dtype) == "Int64"
    assert [p[0] for p in problems] == [1, 2, 3]
    assert problems[0][2] == "empty, but this column is required"
    assert problems[2] == (3, "x", "not an amount")
    series, problems = coerce_values("amount", [100.0, "-", None])
    assert problems == []
    assert series.tolist() == [10000, pd.NA, pd.NA]


# ---------------------------------------------------------------------------------------- rates, ints


@pytest.mark.parametrize(("cell", "units"), [(0.0388, 3_880_000), ("3.88%", 3_880_000), (3.88, 3_880_000),
                                            ("４．７５％", 4_750_000), (0, 0)])
def test_rates(cell: object, units: int) -> None:
    assert coerce_value("rate", cell) == units


@pytest.mark.parametrize("cell", ["x", True, "-1%", 0.123456789])
def test_bad_rates(cell: object) -> None:
    with pytest.raises(CoerceError):
        coerce_value("rate", cell)


@pytest.mark.parametrize(("cell", "value"), [(36.0, 36), (36, 36), ("36", 36), ("36期", 36), ("36个月", 36),
                                             ("每月15日", 15), ("15号", 15), ("3年", 3), ("36.0", 36)])
def test_whole_numbers(cell: object, value: int) -> None:
    assert coerce_value("int", cell) == value


@pytest.mark.parametrize("cell", [1.5, "1.5", "abc", True])
def test_bad_whole_numbers(cell: object) -> None:
    with pytest.raises(CoerceError, match="whole number"):
        coerce_value("int", cell)


# ---------------------------------------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("kind", "cell", "code"),
    [
        ("method", "等额本息", "annuity"),
        ("method", " Annuity ", "annuity"),
        ("method", "等本等费", "flat_fee"),
        ("method", "EQUAL_PRINCIPAL", "equal_principal"),
        ("status", "在贷", "active"),
        ("status", "已结清", "settled"),
        ("status", "written_off", "written_off"),
        ("grade", "好", "good"),
        ("grade", "较差", "poor"),
        ("payment_type", "客户还款", "customer_paid"),
        ("payment_type", "垫款", "company_advance"),
        ("payment_type", "客户还垫款", "advance_repaid"),
        ("method", None, None),
    ],
)
def test_code_words(kind: str, cell: object, code: str | None) -> None:
    assert coerce_value(kind, cell) == code


def test_unknown_code_word_lists_the_choices() -> None:
    with pytest.raises(CoerceError, match="等额本息"):
        coerce_value("method", "按月付息")


@pytest.mark.parametrize(("cell", "value"), [("是", True), ("否", False), ("YES", True), ("", False),
                                             (None, False), (True, True), (1.0, True), ("√", True)])
def test_yesno(cell: object, value: bool) -> None:
    assert coerce_value("yesno", cell) is value


def test_yesno_refuses_other_words() -> None:
    with pytest.raises(CoerceError, match="是 or 否"):
        coerce_value("yesno", "也许")


@pytest.mark.parametrize(("cell", "status"), [
    ("扣款失败", "failed"), ("余额不足，扣款失败", "failed"), ("FAILED", "failed"), ("成功", "ok"),
    ("交易成功", "ok"), ("扣款成功", "ok"), ("已扣款", "ok"), (" Success ", "ok"), ("ＳＵＣＣＥＳＳ", "ok"),
    ("余额不足", "failed"), ("扣款不成功", "failed"), ("未成功", "failed"), ("退回", "failed"),
    ("交易撤销", "failed"), ("撤销", "failed"), ("冲正", "failed"), ("处理中", "failed"),
    ("pending", "failed"),
    ("Insufficient funds", "failed"), ("Reversed", "failed"), ("returned", "failed"), ("退回成功", "failed"),
    ("交易已撤销", "failed"), ('="成功"', "ok"), ("", None), (None, None)])
def test_deduction_status(cell: object, status: str | None) -> None:
    """Only a status saying the deduction succeeded pays; an empty cell is empty (the reader refuses
    it in a status column)."""
    assert coerce_value("deduction_status", cell) == status


@pytest.mark.parametrize("cell", ["已受理", "部分成功", "成功277笔", "代扣还款", "ok?", 1, 0.5, "正常"])
def test_an_unknown_deduction_status_is_refused(cell: object) -> None:
    with pytest.raises(CoerceError, match="paid_statuses"):
        coerce_value("deduction_status", cell)


def test_configured_statuses_come_first() -> None:
    from loantool.ledger.coerce import StatusWords

    words = StatusWords.of(paid=["已 入账"], unpaid=["已受理", "成功"])
    assert words.read("已入账") == "ok"
    assert words.read("已受理") == "failed"
    assert words.read("成功") == "failed"  # the desk's own word wins, towards paying nothing
    assert words.read("扣款失败") == "failed"
    with pytest.raises(CoerceError):
        words.read("部分成功")


def test_no_built_in_paid_word_holds_a_not_paid_marker() -> None:
    for word in schema.DEDUCTION_STATUSES["ok"]:
        assert schema.built_in_deduction_status(schema.status_word(word)) == "ok", word


def test_text_is_stripped_and_numbers_read_as_shown() -> None:
    series, problems = coerce_values("text", ["  张三\t", 12345.0, 1.5, None, "", '="银行转证券"', "'引号"])
    assert problems == []
    assert series.dtype == object
    assert series.tolist() == ["张三", "12345", "1.5", None, None, "银行转证券", "'引号"]


# ---------------------------------------------------------------------------------------------- columns


def test_flags_are_not_merged_with_one_and_zero() -> None:
    """TRUE == 1 in Python; a TRUE cell must still be refused as an amount while 1 is 1 yuan."""
    series, problems = coerce_values("amount", [1.0, True, 1, False, 0.0])
    assert series.tolist()[0] == 100 and series.tolist()[2] == 100 and series.tolist()[4] == 0
    assert [(p[0], p[1]) for p in problems] == [(1, True), (3, False)]


def test_column_codes_spread_each_distinct_value_once() -> None:
    column = Column.of(["a", "b", "a", None, ""])
    assert len(column.uniques) == 3
    assert column.values() == ["a", "b", "a", None, ""]
    assert column.blank().tolist() == [False, False, False, True, True]
    kept = column.take(np.array([True, False, True, False, False]))
    assert kept.values() == ["a", "a"]


def test_every_bad_cell_of_a_column_is_reported() -> None:
    cells = ["2024-01-01", "x", "2024-02-30", "x", None, 45000.0]
    series, problems = coerce_values("date", cells, required=True)
    assert [p[0] for p in problems] == [1, 2, 3, 4]
    assert problems[1][1] == "2024-02-30"
    assert series.notna().tolist() == [True, False, False, False, False, True]


@pytest.mark.parametrize(("cell", "total"), [("合计", True), ("人民币合计", True), (" 总 计：", True),
                                             ("小计", True), ("合同编号", False), (123.0, False),
                                             ("", False)])
def test_total_labels(cell: object, total: bool) -> None:
    assert is_total_label(cell) is total


def test_stored_as_number_reason_tells_what_to_do() -> None:
    _, problems = coerce_values("card", [6.222021234567891e18])
    assert problems[0][2] == STORED_AS_NUMBER
    assert "format the column as text" in STORED_AS_NUMBER
