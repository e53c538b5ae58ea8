"""core.reconcile: hand-worked cases for November 2026, the digest's exact text, and closing totals."""

import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loantool.core.reconcile import (
    Period,
    advance_digest,
    canonical_advance_text,
    card_parts,
    reconcile,
)

NOV = Period.parse("2026-11")


def _loans(rows):
    """rows: (contract, name, card, status, settled_on, bank_monthly_amount fen or None)."""
    frame = pd.DataFrame(rows, columns=["contract_no", "customer_name", "card_no", "status", "settled_on",
                                        "bank_monthly_amount"])
    frame["settled_on"] = pd.to_datetime(frame["settled_on"])
    frame["bank_monthly_amount"] = pd.array(frame["bank_monthly_amount"], dtype="Int64")
    return frame


def _schedule(contract, term=12, payment=100_000, last_payment=None):
    """Monthly installments due on the 15th from 2026-01-15; the last may differ (rounding residue)."""
    due = pd.date_range("2026-01-01", periods=term, freq="MS") + pd.Timedelta(days=14)
    pay = np.full(term, payment, dtype=np.int64)
    if last_payment is not None:
        pay[-1] = last_payment
    return pd.DataFrame({"contract_no": contract, "period": np.arange(1, term + 1), "due_date": due,
                         "payment": pay})


def _lines(rows):
    """rows: (source, excel_row, card, name, date, amount fen, ref, status)."""
    frame = pd.DataFrame(rows, columns=["source", "excel_row", "card_no", "customer_name", "paid_on",
                                        "amount", "bank_ref", "deduction_status"])
    frame["paid_on"] = pd.to_datetime(frame["paid_on"])
    frame["amount"] = pd.array(frame["amount"], dtype="Int64")
    return frame


CARD = "62220200000000{:02d}"

LOANS = _loans([
    ("L01", "张三", CARD.format(1), "active", None, None),         # exact pay
    ("L02", "李四", CARD.format(2), "active", None, None),         # short
    ("L03", "王二", CARD.format(3), "active", None, None),         # over
    ("L04", "赵四", CARD.format(4), "active", None, None),         # unpaid
    ("L05", "钱五", CARD.format(5), None, None, None),             # two lines; blank status = active
    ("L06", "孙六", CARD.format(6), "active", None, None),         # failed deduction
    ("L07", "周七", CARD.format(7), "active", None, None),         # duplicate reference across files
    ("L08", "吴八", "6222 0200 0000 0088", "active", None, None),  # masked card matched by name
    ("L09", "王五", "6222020000001234", "active", None, None),     # ambiguous name (same tail)
    ("L10", "王五", "6222030000001234", "active", None, None),
    ("L11", "郑十", CARD.format(11), "active", None, None),        # paid next month
    ("L12", "冯一", CARD.format(12), "active", None, 100_050),     # bank monthly amount differs
    ("L13", "陈二", CARD.format(13), "active", None, 100_050),     # final installment: schedule's amount
    ("L14", "褚三", CARD.format(14), "settled", "2026-06-30", None),  # settled loan, pays anyway
    ("L15", "卫四", CARD.format(15), "active", "2026-10-31", None),   # settled before the month
    ("L16", "蒋五", CARD.format(16), "written_off", None, None),      # written off
])

SCHEDULES = pd.concat([_schedule(c) for c in LOANS["contract_no"] if c != "L13"]
                      + [_schedule("L13", term=11, last_payment=99_037)], ignore_index=True)

LINES = _lines([
    ("a.xlsx", 2, CARD.format(1), "张三", "2026-11-15", 100_000, "R01", "ok"),
    ("a.xlsx", 3, CARD.format(2), "李四", "2026-11-15", 60_000, "R02", "ok"),
    ("a.xlsx", 4, CARD.format(3), "王二", "2026-11-15", 120_000, "R03", "ok"),
    ("a.xlsx", 5, CARD.format(5), "钱五", "2026-11-10", 50_000, "R05a", "ok"),
    ("a.xlsx", 6, CARD.format(5), "钱五", "2026-11-20", 50_000, None, None),
    ("a.xlsx", 7, CARD.format(6), "孙六", "2026-11-15", 100_000, "R06", "failed"),
    ("a.xlsx", 8, CARD.format(7), "周七", "2026-11-15", 100_000, "R07", "ok"),
    ("a.xlsx", 9, "6222****0088", "吴 八", "2026-11-15", 100_000, "R08", "ok"),
    ("a.xlsx", 10, "6222****1234", "王五", "2026-11-15", 100_000, "R09", "ok"),
    ("a.xlsx", 11, CARD.format(11), "郑十", "2026-12-15", 100_000, "R11", "ok"),
    ("a.xlsx", 12, CARD.format(12), "冯一", "2026-11-15", 100_050, "R12", "ok"),
    ("a.xlsx", 13, CARD.format(13), "陈二", "2026-11-15", 99_037, "R13", "ok"),
    ("a.xlsx", 14, CARD.format(14), "褚三", "2026-11-15", 100_000, "R14", "ok"),
    ("a.xlsx", 15, "6217000000009999", "路人", "2026-11-15", 30_000, "R98", "ok"),
    ("a.xlsx", 16, "6222****7777", "查无此人", "2026-11-15", 30_000, "R99", "ok"),
    ("b.csv", 4, CARD.format(7), "周七", "2026-11-15", 100_000, "R07", "ok"),
])


@pytest.fixture(scope="module")
def result():
    return reconcile(LOANS, SCHEDULES, LINES, NOV)


def _row(result, contract):
    rows = result.installments[result.installments["contract_no"] == contract]
    assert len(rows) == 1, contract
    return rows.iloc[0]


@pytest.mark.parametrize(("contract", "expected", "received", "status", "advance", "over"), [
    ("L01", 100_000, 100_000, "paid", 0, 0),
    ("L02", 100_000, 60_000, "short", 40_000, 0),
    ("L03", 100_000, 120_000, "over", 0, 20_000),
    ("L04", 100_000, 0, "unpaid", 100_000, 0),
    ("L05", 100_000, 100_000, "paid", 0, 0),
    ("L06", 100_000, 0, "unpaid", 100_000, 0),
    ("L07", 100_000, 100_000, "paid", 0, 0),
    ("L08", 100_000, 100_000, "paid", 0, 0),
    ("L09", 100_000, 0, "unpaid", 100_000, 0),
    ("L10", 100_000, 0, "unpaid", 100_000, 0),
    ("L11", 100_000, 0, "unpaid", 100_000, 0),
    ("L12", 100_050, 100_050, "paid", 0, 0),
    ("L13", 99_037, 99_037, "paid", 0, 0),
    ("L14", 0, 100_000, "over", 0, 100_000),
])
def test_hand_worked_installments(result, contract, expected, received, status, advance, over):
    row = _row(result, contract)
    assert (row.expected, row.received, row.status, row.advance, row.over) == (
        expected, received, status, advance, over)


def test_due_dates_and_settled_loans(result):
    assert _row(result, "L01").due_date == pd.Timestamp("2026-11-15")
    assert _row(result, "L05").line_count == 2
    assert pd.isna(_row(result, "L14").due_date) and _row(result, "L14").period_no == 0
    assert not result.installments["contract_no"].isin(["L15", "L16"]).any()


def test_line_categories_and_reasons(result):
    lines = result.lines.set_index(["source", "excel_row"])
    assert lines.loc[("a.xlsx", 7), "category"] == "failed"
    assert lines.loc[("a.xlsx", 7), "contract_no"] == "L06"
    assert lines.loc[("a.xlsx", 8), "category"] == "matched"
    dup = lines.loc[("b.csv", 4)]
    assert (dup.category, dup.first_source, dup.first_row) == ("duplicate", "a.xlsx", 8)
    assert lines.loc[("a.xlsx", 9), "contract_no"] == "L08"
    assert lines.loc[("a.xlsx", 11), "category"] == "outside_month"
    unmatched = result.lines[result.lines["category"] == "unmatched"]
    assert dict(zip(unmatched["excel_row"], unmatched["reason"], strict=True)) == {
        10: "ambiguous_name", 15: "unknown_card", 16: "name_not_found"}


def test_advance_list_and_totals(result):
    adv = result.advances
    assert list(adv["contract_no"]) == ["L02", "L04", "L06", "L09", "L10", "L11"]
    assert list(adv["amount"]) == [40_000, 100_000, 100_000, 100_000, 100_000, 100_000]
    assert adv.loc[0, "card_no"] == CARD.format(2) and adv.loc[0, "customer_name"] == "李四"
    t = result.totals
    # L01–L11: 11 installments of 1000.00; L12 1000.50 (bank); L13 990.37 (final)
    assert t["expected"] == 11 * 100_000 + 100_050 + 99_037
    assert t["received"] == (100_000 + 60_000 + 120_000 + 100_000 + 100_000 + 100_000 + 100_050 + 99_037
                             + 100_000)
    assert (t["advance_count"], t["advance_sum"]) == (6, 540_000)
    assert t["over_sum"] == 120_000
    assert t["expected"] == t["received"] - t["over_sum"] + t["advance_sum"]
    assert t["lines_amount"] == t["received"] + sum(t[f"{c}_sum"] for c in
                                                    ("unmatched", "failed", "duplicate", "outside_month"))
    assert (t["failed_count"], t["duplicate_count"], t["outside_month_count"], t["unmatched_count"]) == (
        1, 1, 1, 3)
    assert result.findings() == {"short": 1, "over": 2, "unpaid": 5, "unmatched": 3}


def test_digest_is_sha256_of_the_documented_text(result):
    text = canonical_advance_text(result.advances, NOV)
    lines = text.splitlines()
    assert lines[:3] == ["loantool advance list v1", "period\t2026-11",
                         f"L02\t李四\t{CARD.format(2)}\t2026-11-15\t400.00"]
    assert lines[-2:] == ["count\t6", "sum\t5400.00"]
    assert result.digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert advance_digest(result.advances.iloc[::-1], NOV) == result.digest  # the order is canonical
    assert advance_digest(result.advances, Period.parse("2026-12")) != result.digest


def test_same_inputs_in_another_order_give_the_same_answer(result):
    again = reconcile(LOANS.iloc[::-1], SCHEDULES.sample(frac=1, random_state=3), LINES, NOV)
    assert again.digest == result.digest
    pd.testing.assert_frame_equal(again.installments, result.installments)


def test_same_card_on_two_loans_prefers_the_live_one():
    loans = _loans([("A", "甲", CARD.format(1), "settled", "2025-01-01", None),
                    ("B", "甲", CARD.format(1), "active", None, None),
                    ("C", "乙", CARD.format(3), "active", None, None),
                    ("D", "乙", CARD.format(3), "active", None, None)])
    lines = _lines([("s", 2, CARD.format(1), "甲", "2026-11-15", 100_000, "X1", "ok"),
                    ("s", 3, CARD.format(3), "乙", "2026-11-15", 100_000, "X2", "ok")])
    out = reconcile(loans, pd.concat([_schedule(c) for c in "ABCD"]), lines, NOV)
    assert list(out.lines["contract_no"].fillna("-")) == ["B", "-"]
    assert list(out.lines["reason"].fillna("-")) == ["-", "ambiguous_card"]


def test_masked_card_checks_the_visible_digits():
    loans = _loans([("A", "甲", "6222020000001111", "active", None, None)])
    lines = _lines([("s", 2, "6222****2222", "甲", "2026-11-15", 100_000, "X1", "ok"),
                    ("s", 3, "**** **** **** 1111", "甲", "2026-11-15", 100_000, "X2", "ok"),
                    ("s", 4, "6222xxxxxxxx1111", "甲", "2026-11-15", 0, "X3", "ok")])
    out = reconcile(loans, _schedule("A"), lines, NOV)
    assert list(out.lines["reason"].fillna("-")) == ["digits_mismatch", "-", "not_positive"]
    assert list(out.lines["category"]) == ["unmatched", "matched", "unmatched"]


def test_card_parts():
    parts = card_parts(pd.Series(["6222 0200 1234", "6222****1234", "６２２２＊＊１２", None]))
    assert list(parts["digits"]) == ["622202001234", "62221234", "622212", ""]
    assert list(parts["masked"]) == [False, True, True, False]
    assert list(parts["prefix"]) == ["", "6222", "6222", ""]
    assert list(parts["suffix"]) == ["", "1234", "12", ""]


@pytest.mark.parametrize("text", ["2026-13", "26-11", "2026-1", "november", ""])
def test_bad_periods(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_period_forms():
    assert Period.parse("2026/11") == Period.parse("202611") == NOV
    assert (NOV.start, NOV.end) == (pd.Timestamp("2026-11-01"), pd.Timestamp("2026-12-01"))


# ------------------------------------------------------------------------------------ property: totals close

_amount = st.integers(min_value=-5_000, max_value=500_000)


@st.composite
def _portfolio(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    loans, schedules = [], []
    for i in range(n):
        status = draw(st.sampled_from(["active", "active", "settled", None]))
        bank = draw(st.one_of(st.none(), st.integers(1, 300_000)))
        name = draw(st.sampled_from(["甲", "乙", "丙"]))
        loans.append((f"C{i:02d}", name, CARD.format(i), status, None, bank))
        term = draw(st.integers(min_value=9, max_value=14))
        schedules.append(_schedule(f"C{i:02d}", term=term, payment=draw(st.integers(1, 300_000)),
                                   last_payment=draw(st.integers(1, 300_000))))
    lines = []
    for j in range(draw(st.integers(min_value=0, max_value=25))):
        i = draw(st.integers(0, n + 1))  # n and n+1: cards nobody holds
        card = CARD.format(i) if draw(st.booleans()) else f"6222****{CARD.format(i)[-4:]}"
        lines.append(("s.csv", j + 2, card, draw(st.sampled_from(["甲", "乙", "丙"])),
                      draw(st.sampled_from(["2026-10-31", "2026-11-01", "2026-11-30", "2026-12-01"])),
                      draw(_amount), draw(st.sampled_from([None, "R1", "R2", f"U{j}"])),
                      draw(st.sampled_from(["ok", "failed", None]))))
    return _loans(loans), pd.concat(schedules, ignore_index=True), _lines(lines or [
        ("s.csv", 2, CARD.format(0), "甲", "2026-11-15", 1, None, None)])


@settings(max_examples=30, deadline=None)
@given(_portfolio())
def test_control_totals_close_to_the_fen(portfolio):
    loans, schedules, lines = portfolio
    out = reconcile(loans, schedules, lines, NOV)
    t, rows = out.totals, out.installments
    assert t["expected"] == t["received"] - t["over_sum"] + t["advance_sum"]
    assert (rows["expected"] == rows["received"] - rows["over"] + rows["advance"]).all()
    assert t["lines_amount"] == t["received"] + sum(t[f"{c}_sum"] for c in
                                                    ("unmatched", "failed", "duplicate", "outside_month"))
    assert t["lines_count"] == sum(t[f"{c}_count"] for c in
                                   ("matched", "unmatched", "failed", "duplicate", "outside_month"))
    assert (t["advance_count"], t["advance_sum"]) == (len(out.advances), int(out.advances["amount"].sum()))
    assert (out.advances["amount"] > 0).all()
    assert rows["contract_no"].is_unique  # one installment a month per loan, lines summed


# ------------------------------------------------------------------------------------------ posting


def _existing(rows):
    """还款记录 rows: (contract, date, amount fen, type code, 流水号, 备注)."""
    frame = pd.DataFrame(rows, columns=["contract_no", "paid_on", "amount", "payment_type", "bank_ref",
                                        "note"])
    frame["paid_on"] = pd.to_datetime(frame["paid_on"])
    frame["amount"] = pd.array(frame["amount"], dtype="Int64")
    return frame


def test_posting_keys_on_the_bank_reference_else_on_contract_date_amount_and_occurrence():
    from loantool.core.reconcile import advances_to_post, payments_to_post

    loans = _loans([("A", "张三", "6222000000000011", "active", None, None),
                    ("B", "李四", "6222000000000022", "active", None, None)])
    lines = pd.DataFrame({
        "source": "s.xlsx", "excel_row": [2, 3, 4, 5],
        "card_no": ["6222000000000011", "6222000000000022", "6222000000000022", "6222000000000011"],
        "customer_name": ["张三", "李四", "李四", "张三"],
        "paid_on": pd.to_datetime(["2026-11-15", "2026-11-15", "2026-11-15", "2026-11-16"]),
        "amount": pd.array([60_000, 50_000, 50_000, 1_000], dtype="Int64"),
        "bank_ref": ["R1", None, None, "R2"], "deduction_status": "ok"})
    rec = reconcile(loans, pd.concat([_schedule("A"), _schedule("B")]), lines, NOV)
    existing = _existing([("A", "2026-11-15", 60_000, "customer_paid", "R1", ""),
                          ("B", "2026-11-15", 50_000, "customer_paid", None,
                           "银行对账 2026-11 s.xlsx 第3行")])
    plan = payments_to_post(rec, existing)
    todo, already = plan.post, plan.already
    # R1 is there; one of B's two bare 500.00 lines is there, the second occurrence is not; R2 is new
    assert already == 2 and list(todo["excel_row"]) == [4, 5] and plan.review.empty
    assert list(rec.advances["contract_no"]) == ["A"]  # 610.00 of 1,000.00: short
    advances, done = advances_to_post(rec, _existing([("A", "2026-11-30", 39_000, "company_advance", None,
                                                       "垫付 2026-11-15 期 银行对账 2026-11")]))
    assert done == 1 and advances.empty
    advances, done = advances_to_post(rec, _existing([("A", "2026-11-30", 39_000, "company_advance", None,
                                                       "垫付 2026-10-15 期 银行对账 2026-10")]))
    assert done == 0 and list(advances["contract_no"]) == ["A"]


def test_a_line_without_its_reference_is_held_for_review_when_paid_from_another_source():
    from loantool.core.reconcile import payments_to_post

    loans = _loans([("A", "张三", "6222000000000011", "active", None, None)])
    lines = pd.DataFrame({
        "source": ["copy.csv", "copy.csv", "other.csv"], "excel_row": [2, 3, 2],
        "card_no": "6222000000000011", "customer_name": "张三",
        "paid_on": pd.to_datetime(["2026-11-15", "2026-11-16", "2026-11-17"]),
        "amount": pd.array([60_000, 40_000, 40_000], dtype="Int64"), "bank_ref": None,
        "deduction_status": "ok"})
    rec = reconcile(loans, _schedule("A"), lines, NOV)
    existing = _existing([("A", "2026-11-15", 60_000, "customer_paid", "R1",
                           "银行对账 2026-11 s.xlsx 第2行")])
    plan = payments_to_post(rec, existing)
    # 11-15: the ledger has it with 流水号 R1 → review; 11-16: new → posted; 11-17 is another amount-day
    assert list(plan.review["paid_on"].dt.day) == [15] and list(plan.review["other"]) == ["R1"]
    assert list(plan.post["paid_on"].dt.day) == [16, 17] and plan.already == 0
    # the same copy posted again: the 11-16 line is there (its file named in 备注), nothing new
    posted = _existing([("A", "2026-11-15", 60_000, "customer_paid", "R1", ""),
                        ("A", "2026-11-16", 40_000, "customer_paid", None,
                         "银行对账 2026-11 copy.csv 第3行"),
                        ("A", "2026-11-17", 40_000, "customer_paid", None,
                         "银行对账 2026-11 other.csv 第2行")])
    again = payments_to_post(rec, posted)
    assert again.post.empty and again.already == 2 and len(again.review) == 1
    # two files without 流水号 holding the same deduction: the first is posted, the second held back
    twin = lines.assign(source=["a.csv", "b.csv", "b.csv"], paid_on=pd.to_datetime(["2026-11-15"] * 3),
                        amount=pd.array([60_000, 60_000, 1_000], dtype="Int64"))
    plan = payments_to_post(reconcile(loans, _schedule("A"), twin, NOV), _existing([]))
    assert list(plan.post["source"]) == ["a.csv", "b.csv"] and list(plan.review["source"]) == ["b.csv"]
    assert plan.review["other"].iloc[0] == "a.csv 第2行"
