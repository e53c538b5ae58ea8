"""core.matching and core.disbursement: slip rows → ledger loans, the cells to change, the cross-check."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loantool.core.disbursement import (
    CONFLICT,
    UNCHANGED,
    UPDATE,
    cross_check,
    loan_outcomes,
    plan_disbursements,
    slip_problems,
)
from loantool.core.matching import cards_agree, match_slips, norm_card
from loantool.money import RATE_SCALE


def loans_frame(rows: list[dict]) -> pd.DataFrame:
    base = {
        "contract_no": None, "customer_name": None, "id_no": None, "card_no": None, "principal": None,
        "term": 12, "annual_rate": None, "method": None, "pickup_date": pd.Timestamp("2026-01-10"),
        "first_due_date": pd.NaT, "bank_due_day": pd.NA, "bank_monthly_amount": pd.NA, "disbursed_on": pd.NaT,
    }
    frame = pd.DataFrame([{**base, **row} for row in rows])
    for column in ("principal", "term", "annual_rate", "bank_due_day", "bank_monthly_amount"):
        frame[column] = frame[column].astype("Int64")
    for column in ("pickup_date", "first_due_date", "disbursed_on"):
        frame[column] = pd.to_datetime(frame[column])
    frame["excel_row"] = range(2, len(frame) + 2)
    return frame


def slips_frame(rows: list[dict]) -> pd.DataFrame:
    base = {"customer_name": None, "id_no": None, "card_no": None, "principal": pd.NA,
            "disbursed_on": pd.NaT, "term": pd.NA, "bank_monthly_amount": pd.NA, "bank_due_day": pd.NA,
            "first_due_date": pd.NaT, "contract_no": None}
    frame = pd.DataFrame([{**base, **row} for row in rows])
    for column in ("principal", "term", "bank_monthly_amount", "bank_due_day"):
        frame[column] = frame[column].astype("Int64")
    for column in ("disbursed_on", "first_due_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["excel_row"] = range(3, len(frame) + 3)
    return frame


LEDGER = loans_frame([
    {"contract_no": "HT001", "customer_name": "张三", "id_no": "11010519491231002X",
     "card_no": "6222020200112233445", "principal": 10_000_000},
    {"contract_no": "HT002", "customer_name": "李四", "id_no": "110105199001010011",
     "card_no": "6222020200998877665", "principal": 8_000_000},
    # 王五 has two cars: the same ID on two loans
    {"contract_no": "HT003", "customer_name": "王五", "id_no": "110105198502020022",
     "card_no": "6217000011112222333", "principal": 5_000_000},
    {"contract_no": "HT004", "customer_name": "王五", "id_no": "110105198502020022",
     "card_no": "6217000011114444555", "principal": 6_000_000},
    # two customers with the same name and amount, no ID on file
    {"contract_no": "HT005", "customer_name": "赵六", "card_no": "6228480011110000111",
     "principal": 3_000_000},
    {"contract_no": "HT006", "customer_name": "赵六", "card_no": "6228480022220000222",
     "principal": 3_000_000},
])


def matched(result, slips) -> dict[int, str]:
    return {int(slips.at[m.slip, "excel_row"]): m.contract_no for m in result.matches}


def test_id_then_card_then_name_amount():
    slips = slips_frame([
        {"id_no": "11010519491231002x", "customer_name": "张三"},  # ID, lower-case x
        {"card_no": "6222 0202 0099 8877 665", "customer_name": "李四"},  # card with spaces, no ID
        {"customer_name": "赵六", "principal": 3_000_000, "card_no": "6228480022220000222"},
    ])
    result = match_slips(slips, LEDGER)
    assert matched(result, slips) == {3: "HT001", 4: "HT002", 5: "HT006"}
    keys = {m.contract_no: m.key for m in result.matches}
    assert keys == {"HT001": "id_no", "HT002": "card_no", "HT006": "card_no"}
    assert not result.unmatched


def test_masked_card_compares_visible_digits():
    slips = slips_frame([{"card_no": "622202******3445", "customer_name": "张三"},
                         {"card_no": "6217****4555"}])
    result = match_slips(slips, LEDGER)
    assert matched(result, slips) == {3: "HT001", 4: "HT004"}


def test_masked_card_fitting_two_loans_is_unmatched_never_guessed():
    ledger = loans_frame([
        {"contract_no": "A1", "customer_name": "甲", "card_no": "6222000000001234", "principal": 100},
        {"contract_no": "A2", "customer_name": "乙", "card_no": "6222111111111234", "principal": 200},
    ])
    slips = slips_frame([{"card_no": "6222****1234"}])
    result = match_slips(slips, ledger)
    assert not result.matches
    [miss] = result.unmatched
    assert miss.candidates == ("A1", "A2")
    assert "2 loans" in miss.reason


def test_same_id_on_two_loans_is_narrowed_by_amount_or_left_unmatched():
    slips = slips_frame([
        {"id_no": "110105198502020022", "customer_name": "王五", "principal": 6_000_000},
        {"id_no": "110105198502020022", "customer_name": "王五"},  # nothing tells HT003 and HT004 apart
    ])
    result = match_slips(slips, LEDGER)
    assert matched(result, slips) == {3: "HT004"}
    assert result.matches[0].narrowed_by == ("name_amount",)
    [miss] = result.unmatched
    assert miss.candidates == ("HT003", "HT004")


def test_name_and_amount_shared_by_two_customers_is_unmatched():
    slips = slips_frame([{"customer_name": "赵六", "principal": 3_000_000}])
    result = match_slips(slips, LEDGER)
    assert not result.matches
    assert result.unmatched[0].candidates == ("HT005", "HT006")


def test_unknown_customer_is_unmatched_with_reason():
    slips = slips_frame([{"customer_name": "陌生人", "id_no": "120101199901010016", "principal": 1_000_000,
                          "card_no": "6222999999999999999"}])
    result = match_slips(slips, LEDGER)
    assert not result.matches
    assert "no ledger loan" in result.unmatched[0].reason
    assert result.unmatched[0].candidates == ()


def test_weaker_key_contradicted_by_id_is_refused():
    # the card is 李四's but the ID on the slip is someone else's
    slips = slips_frame([{"card_no": "6222020200998877665", "id_no": "120101199901010016"}])
    result = match_slips(slips, LEDGER)
    assert not result.matches
    assert "身份证号 differs" in result.unmatched[0].reason


def test_id_match_with_other_card_is_kept_with_a_note():
    slips = slips_frame([{"id_no": "110105199001010011", "card_no": "6222000000000000000"}])
    result = match_slips(slips, LEDGER)
    assert matched(result, slips) == {3: "HT002"}
    assert "银行卡号 differs" in result.matches[0].notes[0]


def test_duplicate_slip_rows():
    row = {"id_no": "110105199001010011", "disbursed_on": "2026-01-15", "bank_due_day": 15,
           "bank_monthly_amount": 700_000}
    slips = slips_frame([row, dict(row)])
    result = match_slips(slips, LEDGER)
    assert len(result.matches) == 1 and len(result.duplicates) == 1
    assert result.duplicates[0].contract_no == "HT002"
    # the same loan twice with different values: nothing applied, both listed
    slips = slips_frame([row, {**row, "bank_due_day": 16}])
    result = match_slips(slips, LEDGER)
    assert not result.matches and not result.duplicates
    assert [u.candidates for u in result.unmatched] == [("HT002",), ("HT002",)]
    assert "disagree" in result.unmatched[0].reason


def test_card_normalising():
    assert norm_card("6222-0202 ００１１") == "622202020011"
    assert norm_card("6222XXXX1234") == "6222****1234"
    assert norm_card("无") is None
    assert cards_agree("6222****1234", "6222000011111234")
    assert not cards_agree("6222****1234", "6222000011111235")
    assert cards_agree("6222**1234", "62******34")
    assert not cards_agree("6222****1234", "12")


@given(st.text(alphabet="0123456789", min_size=16, max_size=19), st.integers(0, 6), st.integers(0, 6))
def test_a_card_agrees_with_any_masking_of_itself(card, head, tail):
    hidden = len(card) - head - tail
    if hidden <= 0:
        return
    masked = card[:head] + "*" * 4 + (card[-tail:] if tail else "")
    assert cards_agree(masked, card) and cards_agree(card, masked)


# --------------------------------------------------------------------------------------- disbursement


def test_plan_fills_empty_keeps_equal_and_flags_conflicts():
    ledger = loans_frame([
        {"contract_no": "HT001", "customer_name": "张三", "id_no": "11010519491231002X", "principal": 100,
         "bank_due_day": 15, "disbursed_on": "2026-01-12"},
    ])
    slips = slips_frame([{"id_no": "11010519491231002X", "disbursed_on": "2026-01-12", "bank_due_day": 20,
                          "bank_monthly_amount": 863_333, "first_due_date": "2026-02-20"}])
    result = match_slips(slips, ledger)
    changes = plan_disbursements(slips, ledger, result.matches)
    by_field = {c.field: c for c in changes}
    assert by_field["disbursed_on"].status == UNCHANGED
    assert by_field["bank_due_day"].status == CONFLICT
    assert (by_field["bank_due_day"].old, by_field["bank_due_day"].new) == (15, 20)
    assert by_field["bank_monthly_amount"].status == UPDATE
    assert by_field["bank_monthly_amount"].new == 863_333
    assert by_field["first_due_date"].new == dt.date(2026, 2, 20)
    assert loan_outcomes(result.matches, changes) == {0: UPDATE}

    overwritten = {c.field: c for c in plan_disbursements(slips, ledger, result.matches, overwrite=True)}
    assert overwritten["bank_due_day"].status == UPDATE and overwritten["bank_due_day"].overwritten
    assert not overwritten["bank_monthly_amount"].overwritten


def test_only_conflicts_make_a_conflict_outcome():
    ledger = loans_frame([{"contract_no": "HT001", "customer_name": "张三", "id_no": "11010519491231002X",
                           "principal": 100, "bank_due_day": 15}])
    slips = slips_frame([{"id_no": "11010519491231002X", "bank_due_day": 20}])
    result = match_slips(slips, ledger)
    changes = plan_disbursements(slips, ledger, result.matches)
    assert loan_outcomes(result.matches, changes) == {0: CONFLICT}


def test_slip_problems():
    slips = slips_frame([{"bank_due_day": 32, "bank_monthly_amount": 0}, {"bank_due_day": 5}])
    problems = slip_problems(slips)
    assert [(label, key) for label, key, _, _ in problems] == [
        (0, "bank_due_day"), (0, "bank_monthly_amount")]


def _flat_fee_ledger() -> pd.DataFrame:
    return loans_frame([
        # 100,000.00 over 12 months, 3.6 % total fee: 8,333.33 principal + 300.00 fee = 8,633.33 a month
        {"contract_no": "FF1", "customer_name": "张三", "id_no": "11010519491231002X",
         "principal": 10_000_000, "method": "flat_fee", "annual_rate": 3_600_000},
        # 100,000.00 annuity at 12 % a year over 12 months: 8,884.88 (the last differs)
        {"contract_no": "AN1", "customer_name": "李四", "id_no": "110105199001010011",
         "principal": 10_000_000, "method": "annuity", "annual_rate": 12 * RATE_SCALE // 100},
    ])


def test_cross_check_lists_a_one_fen_difference_with_both_figures():
    ledger = _flat_fee_ledger()
    slips = slips_frame([
        {"id_no": "11010519491231002X", "bank_monthly_amount": 863_334, "bank_due_day": 25,
         "principal": 10_000_000},
        {"id_no": "110105199001010011", "bank_monthly_amount": 888_488, "bank_due_day": 3},
    ])
    result = match_slips(slips, ledger)
    found, not_checked = cross_check(slips, ledger, None, result.matches, tolerance_fen=0,
                                     default_method="annuity", residue="last")
    assert not not_checked
    [diff] = found
    assert (diff.contract_no, diff.field, diff.bank, diff.ours, diff.difference) == \
        ("FF1", "bank_monthly_amount", 863_334, 863_333, 1)
    # a tolerance of 0.01 forgives it
    found, _ = cross_check(slips, ledger, None, result.matches, tolerance_fen=1,
                           default_method="annuity", residue="last")
    assert found == []


def test_cross_check_principal_and_term_and_unscheduleable_loans():
    ledger = _flat_fee_ledger()
    ledger.loc[1, "annual_rate"] = pd.NA  # no rate and no rate table: our schedule cannot be computed
    slips = slips_frame([
        {"id_no": "11010519491231002X", "principal": 9_999_900, "term": 24, "bank_monthly_amount": 863_333},
        {"id_no": "110105199001010011", "bank_monthly_amount": 888_488},
    ])
    result = match_slips(slips, ledger)
    found, not_checked = cross_check(slips, ledger, None, result.matches, tolerance_fen=0,
                                     default_method="annuity", residue="last")
    assert {(d.field, d.bank, d.ours, d.difference) for d in found} == {
        ("principal", 9_999_900, 10_000_000, -100), ("term", 24, 12, 12)}
    [skip] = not_checked
    assert skip.contract_no == "AN1" and "cannot be computed" in skip.reason


@pytest.mark.parametrize("method,rate,expected", [
    ("equal_principal", 6 * RATE_SCALE // 100, 883_333),  # 8,333.33 principal + 500.00 interest
    ("flat_fee", 0, 833_333),
])
def test_cross_check_uses_the_first_installment(method, rate, expected):
    ledger = loans_frame([{"contract_no": "X", "customer_name": "甲", "id_no": "11010519491231002X",
                           "principal": 10_000_000, "method": method, "annual_rate": rate}])
    slips = slips_frame([{"id_no": "11010519491231002X", "bank_monthly_amount": expected + 100}])
    result = match_slips(slips, ledger)
    [diff], _ = cross_check(slips, ledger, None, result.matches, tolerance_fen=0,
                            default_method="annuity", residue="last")
    assert (diff.ours, diff.difference, diff.period) == (expected, 100, 1)


def test_a_running_loan_is_preferred_to_the_customers_settled_one():
    ledger = loans_frame([
        {"contract_no": "OLD", "customer_name": "张三", "id_no": "11010519491231002X", "principal": 100},
        {"contract_no": "NEW", "customer_name": "张三", "id_no": "11010519491231002X", "principal": 100},
    ]).assign(status=["settled", "active"])
    slips = slips_frame([{"id_no": "11010519491231002X", "principal": 100}])
    result = match_slips(slips, ledger)
    assert matched(result, slips) == {3: "NEW"}
    assert result.matches[0].narrowed_by == ("status",)
