"""The 催收记录 sheet: read by load_ledger as an optional sheet, its bad cells reported all at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from loantool import schema
from loantool.config import Settings
from loantool.errors import InputError
from loantool.ledger.read import load_ledger

LOAN_HEADER = ["合同编号", "客户姓名", "贷款金额", "期数", "提车日期"]
LOAN = ["HT001", "张三", 100000, 36, dt.date(2024, 1, 31)]
RECORD_HEADER = [f.header for f in schema.COLLECTIONS.fields]


def write_ledger(path: Path, records: list[list[object]] | None, header=RECORD_HEADER) -> Path:
    book = openpyxl.Workbook()
    loans = book.active
    loans.title = "贷款台账"
    loans.append(LOAN_HEADER)
    loans.append(LOAN)
    if records is not None:
        sheet = book.create_sheet("催收记录")
        sheet.append(header)
        for row in records:
            sheet.append(row)
    book.save(path)
    return path


def test_a_ledger_without_the_sheet_has_no_records(tmp_path):
    ledger = load_ledger(write_ledger(tmp_path / "l.xlsx", None), Settings())
    assert ledger.collections.sheet is None and ledger.collections.frame.empty
    assert set(f.key for f in schema.COLLECTIONS.fields) <= set(ledger.collections.frame.columns)


def test_records_are_read_with_codes_and_english_headers(tmp_path):
    header = ["contract_no", "contact_date", "channel", "party", "result", "promise_date", "promise_amount",
              "handled_by", "note"]
    rows = [["HT001", dt.date(2026, 11, 20), "电话", "保证人", "答应还款", dt.date(2026, 11, 25), "1,060.00",
             "小王", ""],
            ["HT001", "2026-11-21", "函件", None, "已签收", None, None, None, "回执已收"]]
    ledger = load_ledger(write_ledger(tmp_path / "l.xlsx", rows, header), Settings())
    frame = ledger.collections.frame
    assert frame["channel"].tolist() == ["phone", "letter"]
    assert frame["party"].tolist() == ["guarantor", None]
    assert frame["promise_amount"].tolist()[0] == 106_000
    assert frame["contacted_on"].tolist() == [dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 21)]


def test_bad_cells_of_the_sheet_are_all_listed(tmp_path):
    day, promised, late = dt.date(2026, 11, 20), dt.date(2026, 11, 25), dt.date(2026, 11, 19)
    rows = [
        ["HT001", day, "飞鸽传书", None, "?", None, None, None, None],  # unknown 方式
        ["HT001", day, "电话", "邻居", "?", None, None, None, None],  # unknown 对象
        ["HT001", day, "电话", None, "答应", late, 100, None, None],  # promised before the call
        ["HT001", day, "电话", None, "答应", promised, "一千", None, None],  # not an amount
        ["HT001", day, "电话", None, "答应", promised, None, None, None],  # no amount
        ["HT001", None, "电话", None, "?", None, None, None, None],  # no date
    ]
    path = write_ledger(tmp_path / "l.xlsx", rows)
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings())
    found = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    assert found == {("催收记录", 2, "方式"), ("催收记录", 3, "对象"), ("催收记录", 4, "承诺还款日"),
                     ("催收记录", 5, "承诺金额"), ("催收记录", 6, "承诺金额"), ("催收记录", 7, "催收日期")}
    before = next(p for p in caught.value.problems if p.row == 4)
    assert before.value == "2026-11-19" and "2026-11-20" in before.reason


def test_a_record_of_an_unknown_contract_is_a_warning_in_the_overdue_report(tmp_path):
    from loantool.workflows.overdue import assess_ledger

    rows = [["HT404", dt.date(2026, 11, 20), "电话", None, "空号", None, None, None, None]]
    ledger = load_ledger(write_ledger(tmp_path / "l.xlsx", rows), Settings())
    report = assess_ledger(ledger, Settings(), dt.date(2024, 1, 1))  # before the loan's pickup: none active
    found = [w for w in report.warnings if w.code == "unknown-contract"]
    assert [(w.sheet, w.row, w.value) for w in found] == [("催收记录", 2, "HT404")]


def test_the_promise_reason_reads_chinese_by_default(tmp_path, chinese):
    rows = [["HT001", dt.date(2026, 11, 20), "电话", None, "答应", dt.date(2026, 11, 19), 100, None, None]]
    with pytest.raises(InputError) as caught:
        load_ledger(write_ledger(tmp_path / "l.xlsx", rows), Settings())
    assert "承诺还款日早于催收日期 2026-11-20" in caught.value.problems[0].reason
