"""贷款台账 loaded beside 还款记录 (fast_sheet.FastBook.load_beside): once the big sheet is parsed – by the
reading or by the read-ahead – the loans sheet is parsed in a background thread while the reading makes
the payments' columns. It must never change a result: the same ledger as read with every sheet in turn and
as read the careful way, whichever of the two sheets fastexcel refuses, and nothing planned when the loans
sheet is not the small one.
"""

from __future__ import annotations

import datetime as dt
import threading

import openpyxl
import pytest
from test_overdue_cli import AS_OF, PAYMENTS, build_ledger

from loantool.config import Settings
from loantool.ledger import fast_sheet, grid, readahead
from loantool.ledger.read import load_ledger

DAY = dt.date.fromisoformat(AS_OF)
MANY = PAYMENTS * 30  # 还款记录 many times the size of 贷款台账


@pytest.fixture(autouse=True)
def _no_readahead(monkeypatch):
    monkeypatch.setenv("LOANTOOL_READAHEAD", "0")
    yield
    while readahead._PENDING:
        readahead._PENDING.popitem()[1].drop()


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool, bool]]:
    """(sheet, loaded beside, in the main thread) for every table fastexcel loaded."""
    seen: list[tuple[str, bool, bool]] = []
    load = fast_sheet.FastBook._load

    def spy(self, sheet, header_index, beside=False):
        seen.append((sheet, beside, threading.current_thread() is threading.main_thread()))
        return load(self, sheet, header_index, beside)

    monkeypatch.setattr(fast_sheet.FastBook, "_load", spy)
    return seen


def _read(path, monkeypatch, **flags):
    with monkeypatch.context() as patch:
        for name, value in flags.items():
            module = grid if name in ("FAST_READ",) else fast_sheet
            patch.setattr(module, name, value)
        return load_ledger(path, Settings(), as_of=DAY)


def _same(a, b) -> None:
    assert a.sha256 == b.sha256
    for name in ("loans", "payments", "rates", "settlements", "collections", "writeoffs"):
        one, other = getattr(a, name).frame, getattr(b, name).frame
        assert list(one.columns) == list(other.columns), name
        assert one.equals(other), name
    assert [w.as_dict() for w in a.loans.warnings] == [w.as_dict() for w in b.loans.warnings]


def test_the_loans_are_parsed_beside_the_payments_and_read_the_same(tmp_path, monkeypatch, loads):
    path = build_ledger(tmp_path / "ledger.xlsx", payments=MANY)
    beside = _read(path, monkeypatch)
    assert ("还款记录", False, True) in loads  # the big sheet in the reading's thread
    assert ("贷款台账", True, False) in loads  # the loans after it, in the background
    assert ("贷款台账", False, True) not in loads  # and that parse is the one read, not made again
    loads.clear()
    in_turn = _read(path, monkeypatch, BESIDE_SHARE=10**9)
    assert ("贷款台账", False, True) in loads and all(not b for _s, b, _m in loads)
    _same(beside, in_turn)
    _same(beside, _read(path, monkeypatch, FAST_READ=False))


def test_the_loans_beside_the_readahead_parse(tmp_path, monkeypatch, loads):
    path = build_ledger(tmp_path / "ledger.xlsx", payments=MANY)
    monkeypatch.setenv("LOANTOOL_READAHEAD", "1")
    readahead.start(path, Settings())
    ahead = _read(path, monkeypatch)
    assert ("贷款台账", True, False) in loads
    monkeypatch.setenv("LOANTOOL_READAHEAD", "0")
    _same(ahead, _read(path, monkeypatch, BESIDE_SHARE=10**9))


def _with_text_in(path, sheet: str, cell: str, text: str):
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = text  # a text in a column of numbers or dates: fastexcel refuses the sheet
    book.save(path)
    return path


@pytest.mark.parametrize("sheet, cell, text", [
    ("还款记录", "C5", "一千"),  # the big sheet refused: read the careful way, the loans still beside it
    ("贷款台账", "F2", "一万二"),  # the loans refused in the background: read the careful way in turn
])
def test_a_sheet_fastexcel_refuses_is_reported_as_the_careful_reading_does(tmp_path, monkeypatch, loads,
                                                                           sheet, cell, text):
    path = _with_text_in(build_ledger(tmp_path / "ledger.xlsx", payments=MANY), sheet, cell, text)
    outcomes = []
    for flags in ({}, {"FAST_READ": False}):
        try:
            outcomes.append(("ledger", _read(path, monkeypatch, **flags)))
        except Exception as exc:  # noqa: BLE001 – the same refusal either way
            outcomes.append(("error", (type(exc), str(exc))))
    assert outcomes[0][0] == outcomes[1][0]
    if outcomes[0][0] == "ledger":
        _same(outcomes[0][1], outcomes[1][1])
    else:
        assert outcomes[0][1] == outcomes[1][1]
    assert ("贷款台账", True, False) in loads


def test_nothing_is_planned_when_the_loans_sheet_is_not_the_small_one(tmp_path, monkeypatch, loads):
    path = build_ledger(tmp_path / "ledger.xlsx", payments=PAYMENTS[:2])
    small = _read(path, monkeypatch)
    assert all(not beside for _sheet, beside, _main in loads)
    _same(small, _read(path, monkeypatch, FAST_READ=False))
    loads.clear()
    _read(build_ledger(tmp_path / "none.xlsx", payments=None), monkeypatch)
    assert all(not beside for _sheet, beside, _main in loads)


def _loans_edited(path, edit):
    book = openpyxl.load_workbook(path)
    edit(book["贷款台账"])
    book.save(path)
    return path


def _footer(ws):
    ws.append([])
    ws.append(["合计", None, None, None, None, 60000])
    ws.append(["制表人：王会计"])


@pytest.mark.parametrize("edit", [
    _footer,  # a total and a note under the table: skipped and told, as always
    lambda ws: ws.__setitem__("L3", "在贷中"),  # a status word the desk does not use
    lambda ws: ws.__setitem__("H2", "6,5%"),  # a typo in a rate (a comma for the point)
    lambda ws: ws.__setitem__("J4", "2026-13-10"),  # a date that does not exist
], ids=["footer", "status-word", "rate-typo", "date-typo"])
def test_the_loans_read_beside_say_what_the_careful_reading_says(tmp_path, monkeypatch, loads, edit):
    path = _loans_edited(build_ledger(tmp_path / "ledger.xlsx", payments=MANY), edit)
    outcomes = []
    for flags in ({}, {"BESIDE_SHARE": 10**9}, {"FAST_READ": False}):
        try:
            outcomes.append(("ledger", _read(path, monkeypatch, **flags)))
        except Exception as exc:  # noqa: BLE001 – compared below: the same refusal every way
            outcomes.append(("error", (type(exc), str(exc))))
    assert ("贷款台账", True, False) in loads
    kinds = {kind for kind, _value in outcomes}
    assert len(kinds) == 1
    if kinds == {"ledger"}:
        for _kind, other in outcomes[1:]:
            _same(outcomes[0][1], other)
    else:
        assert outcomes[0][1] == outcomes[1][1] == outcomes[2][1]
