"""overdue-report's --json document is built column by column (workflows/overdue.py); here it is compared
with the row-by-row construction it replaced (``reference_document``, kept as it was), on the hand-worked
ledger of test_overdue_cli with promises, a repaid advance nobody advanced (negative money) and a
phone left blank, and on the bundled samples."""

from __future__ import annotations

import datetime as dt
from typing import Any

import openpyxl
import pytest
from test_overdue_cli import AS_OF, PAYMENTS, SAMPLES, build_ledger

from loantool import schema
from loantool.config import Settings, load_settings
from loantool.ledger.read import load_ledger
from loantool.money import fen_to_str
from loantool.values import iso_date, text_or_none
from loantool.workflows.overdue import BORROWER, assess_ledger, recoveries_document


def _dates(joined: str) -> list[str]:
    return joined.split(";") if joined else []


def reference_document(self) -> dict[str, Any]:
    """OverdueReport.to_dict as it was before issue 15's second round: one row at a time."""
    loans = self.arrears.loans
    return {
        "as_of": self.as_of.isoformat(),
        "ledger": str(self.ledger_path),
        "ledger_sha256": self.ledger_sha256,
        "report": str(self.report_path) if self.report_path else None,
        "letters": str(self.letters_path) if self.letters_path else None,
        "loans": [
            {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name), "dpd": int(r.dpd),
             "bucket": r.bucket, "classification": r.classification,
             "overdue_periods": int(r.overdue_periods),
             "overdue_amount": fen_to_str(r.overdue_amount), "small_balance": bool(r.small_balance),
             "penalty": fen_to_str(r.penalty), "outstanding_principal": fen_to_str(r.outstanding_principal),
             "consecutive_late": int(r.consecutive_late), "cumulative_late": int(r.cumulative_late),
             "lian3lei6": bool(r.lian3lei6), "actions": r.actions.split(";") if r.actions else [],
             "unrecovered_advances": fen_to_str(r.unrecovered_advances),
             "oldest_unpaid_due": iso_date(r.oldest_unpaid_due),
             "missed_due_dates": _dates(r.missed_due_dates),
             "next_due_date": iso_date(r.next_due_date), "next_due_amount": fen_to_str(r.next_due_amount),
             "final_due_date": iso_date(r.final_due_date)}
            for r in loans.itertuples(index=False)],
        "summary": {**self.summary.to_dict(), "recoveries": recoveries_document(self.recoveries)},
        "call_list": [
            {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name),
             "phone": text_or_none(r.phone), "dpd": int(r.dpd), "overdue_periods": int(r.overdue_periods),
             "overdue_amount": fen_to_str(r.overdue_amount),
             "oldest_unpaid_due": iso_date(r.oldest_unpaid_due),
             "last_contact_on": iso_date(r.last_contact_on), "last_result": text_or_none(r.last_result),
             "promise_date": iso_date(r.promise_date),
             "promise_amount": fen_to_str(r.promise_amount) if iso_date(r.promise_date) else None,
             "promise_status": r.promise_status if isinstance(r.promise_status, str) else None,
             "waiting": bool(r.waiting)}
            for r in self.call_list.itertuples(index=False)],
        "small_balances": [
            {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name), "dpd": int(r.dpd),
             "classification": r.classification, "overdue_amount": fen_to_str(r.overdue_amount),
             "missed_due_dates": _dates(r.missed_due_dates)}
            for r in self.small_balances.itertuples(index=False)],
        "sms": [
            {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name),
             "phone": text_or_none(r.phone), "period": int(r.period), "due_date": iso_date(r.due_date),
             "amount": fen_to_str(r.unpaid), "message": r.message}
            for r in self.sms.itertuples(index=False)],
        "lian3lei6": [
            {"contract_no": r.contract_no, "consecutive_late": int(r.consecutive_late),
             "cumulative_late": int(r.cumulative_late), "late_due_dates": _dates(r.late_due_dates)}
            for r in self.lian3lei6.itertuples(index=False)],
        "maturity_notices": _notices(self.maturity, "final_due_date"),
        "quarterly_notices": _notices(self.quarterly_notices, "last_notice_signed"),
        "inspections": [
            {"contract_no": r.contract_no, "risk_grade": text_or_none(r.risk_grade),
             "last_inspection": iso_date(r.last_inspection), "next_inspection": iso_date(r.next_inspection),
             "reason": r.inspection_reason}
            for r in self.inspections.itertuples(index=False)],
        "limitation": [
            {"contract_no": r.contract_no, "final_due_date": iso_date(r.final_due_date),
             "last_notice_signed": iso_date(r.last_notice_signed), "expiry": iso_date(r.limitation_expiry),
             "days_left": int(r.days_left), "status": r.limitation_status,
             "start": iso_date(r.limitation_start), "basis": r.limitation_basis}
            for r in self.limitation.itertuples(index=False)],
        "warnings": [w.as_dict() for w in self.warnings],
    }


def _notices(frame, date_column: str) -> list[dict[str, Any]]:
    return [
        {"contract_no": r.contract_no, "recipient": "borrower" if r.recipient == BORROWER else "guarantor",
         "name": text_or_none(r.recipient_name), "phone": text_or_none(r.recipient_phone),
         date_column: iso_date(getattr(r, date_column))}
        for r in frame.itertuples(index=False)]


def _same(report) -> dict[str, Any]:
    document = report.to_dict()
    assert document == reference_document(report)
    # the same types too (== treats 1 and True, 1 and 1.0 alike)
    assert repr(document) == repr(reference_document(report))
    return document


def test_the_hand_worked_ledger_with_promises_and_negative_money(tmp_path):
    loans = [list(row) for row in __import__("test_overdue_cli").LOANS]
    loans[3][2] = None  # HT004 (on the call list) without a phone
    payments = [*PAYMENTS, ("HT001", dt.date(2026, 11, 20), 300, "客户还垫款")]  # nothing advanced: −3.00
    path = build_ledger(tmp_path / "ledger.xlsx", loans=loans, payments=payments)
    book = openpyxl.load_workbook(path)
    records = book.create_sheet("催收记录")
    records.append([f.header for f in schema.COLLECTIONS.fields])
    day = dt.date(2026, 11, 20)
    records.append(["HT004", day, "电话", "借款人", "答应还款", dt.date(2026, 12, 5), 500, "小王", None])
    records.append(["HT008", dt.date(2026, 10, 1), "电话", "保证人", "答应还款", dt.date(2026, 10, 15), 800,
                    None, None])
    records.append(["HT003", day, "函件", None, "已签收", None, None, None, None])
    book.save(path)
    ledger = load_ledger(path, Settings(), as_of=dt.date.fromisoformat(AS_OF))
    report = assess_ledger(ledger, Settings(), dt.date.fromisoformat(AS_OF))
    document = _same(report)
    assert any(item["promise_amount"] for item in document["call_list"])
    assert any(item["unrecovered_advances"].startswith("-") for item in document["loans"])
    assert [item["phone"] for item in document["call_list"] if item["contract_no"] == "HT004"] == [None]


@pytest.mark.parametrize("as_of", ["2026-11-30", "2026-10-31", "2025-06-15"])
def test_the_samples(as_of):
    settings = load_settings(SAMPLES / "loantool.toml")
    day = dt.date.fromisoformat(as_of)
    report = assess_ledger(load_ledger(SAMPLES / "ledger.xlsx", settings, as_of=day), settings, day)
    document = _same(report)
    assert document["loans"] and document["inspections"]


def test_contacts_joined_by_position_are_the_merge():
    """workflows.overdue._with_contacts takes the contacts by position instead of merging: the same
    frame as the merge (its key column's dtype included), and the merge itself where a contract is
    missing, repeated or a column shared."""
    import pandas as pd

    from loantool.workflows.overdue import _with_contacts

    def merge(frame, contacts):
        return frame.merge(contacts, on="contract_no", how="left", validate="one_to_one")

    settings = load_settings(SAMPLES / "loantool.toml")
    day = dt.date.fromisoformat(AS_OF)
    report = assess_ledger(load_ledger(SAMPLES / "ledger.xlsx", settings, as_of=day), settings, day)
    lists = report.arrears
    frames = (lists.call_list, lists.small_balances, lists.lian3lei6, lists.maturity, lists.quarterly_notices,
              lists.inspections, lists.limitation, lists.loans, lists.loans.iloc[::-1], lists.loans.iloc[0:0],
              lists.loans.astype({"contract_no": "str"}), lists.loans.astype({"contract_no": object}))
    for contacts in (report.contacts, report.contacts.astype({"contract_no": "str"})):
        for frame in frames:
            pd.testing.assert_frame_equal(_with_contacts(frame, contacts), merge(frame, contacts),
                                          check_exact=True)
    contacts = report.contacts
    odd = lists.loans.head(3).assign(contract_no=["HT-none", *lists.loans["contract_no"][1:3]])
    pd.testing.assert_frame_equal(_with_contacts(odd, contacts), merge(odd, contacts))
    shared = lists.loans.head(3).assign(phone="x")
    pd.testing.assert_frame_equal(_with_contacts(shared, contacts), merge(shared, contacts))
    twice = pd.concat([lists.loans.head(2), lists.loans.head(1)], ignore_index=True)
    with pytest.raises(pd.errors.MergeError):
        _with_contacts(twice, contacts)


def test_the_document_on_stdout_is_the_text_of_json_text(monkeypatch):
    """cli.emit_json hands orjson's bytes to a UTF-8 stdout: the same text as json_text gives (and the
    text itself goes to any other encoding)."""
    import io
    from decimal import Decimal
    from pathlib import Path

    from loantool.cli import emit_json, json_text

    document = {"名字": "张三", "n": [1, 2.5, None, True], "d": Decimal("1.10"), "p": Path("a/b"),
                "day": dt.date(2026, 11, 30), "big": 2**70}  # 2**70: orjson refuses, json.dumps writes it
    for doc in (document, {k: v for k, v in document.items() if k != "big"}):
        for encoding in ("utf-8", "UTF8", "gb18030"):
            raw = io.BytesIO()
            stream = io.TextIOWrapper(raw, encoding=encoding)
            monkeypatch.setattr("sys.stdout", stream)
            print("before", end=" ")
            emit_json(doc)
            stream.flush()
            assert raw.getvalue().decode(encoding) == "before " + json_text(doc) + "\n"
