"""The reader's shortcuts for big sheets give exactly what the plain path gives.

A long column of all-different values (流水号) is taken cell by cell instead of factorized; a column of
plain identifiers is checked in one pass; total labels are looked for only in values that can hold one;
the ledger's optional sheets are parsed in a background thread; the cyclic collector is paused while
rows are made.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from loantool.config import Settings
from loantool.errors import InputError
from loantool.ledger import grid
from loantool.ledger.coerce import CoerceError, Column, coerce_column, coerce_value
from loantool.ledger.grid import open_book
from loantool.ledger.read import _object_grid, load_ledger
from loantool.runtime import gc_paused

LONG = 20_000  # the length from which a column may be taken cell by cell


Problems = list[tuple[int, object, str]]


def expected(kind: str, cells: list[object], required: bool) -> tuple[list[object], Problems]:
    """The oracle: each cell through the scalar coercer on its own."""
    values: list[object] = []
    problems: Problems = []
    for position, cell in enumerate(cells):
        empty = cell is None or (isinstance(cell, float) and cell != cell)
        try:
            value = None if empty else coerce_value(kind, cell)
        except CoerceError as exc:
            values.append(None)
            problems.append((position, cell, str(exc)))
            continue
        values.append(value)
        if value is None and required:
            shown = None if empty or (isinstance(cell, str) and not cell.strip()) else cell
            problems.append((position, shown, "empty, but this column is required"))
    return values, problems


def distinct_cells(n: int) -> list[object]:
    cells: list[object] = [f"B{i:010d}" for i in range(n)]
    # a few odd ones spread through the column (off the sampled rows, where TRUE and 1 would count as
    # a repeat): empty, spaces, a number, TRUE beside 1, a float that lost digits, a code with a space,
    # scientific notation, a total label
    odd = {3: None, 7: "", 11: "   ", 5001: 12345.0, 6001: True, 7001: 1, 8001: 6.22202e18,
           9001: "HT 0001", 10_001: "6.22202E+18", 12_001: float("nan"), 15_001: "合计"}
    for position, cell in odd.items():
        cells[position] = cell
    return cells


@pytest.mark.parametrize("required", [False, True])
def test_a_long_column_of_distinct_values_reads_like_a_factorized_one(required: bool) -> None:
    cells = distinct_cells(LONG + 5)
    column = Column.of(cells)
    assert len(column.uniques) == len(cells)  # taken cell by cell
    values, problems = coerce_column("contract", column, required=required)
    want_values, want_problems = expected("contract", cells, required)
    assert list(values) == want_values
    assert problems == want_problems
    assert column.blank().tolist() == [c is None or (isinstance(c, str) and not c.strip())
                                       or (isinstance(c, float) and c != c) for c in cells]
    assert np.flatnonzero(column.total_label()).tolist() == [15_001]


def test_a_long_column_with_repeats_is_factorized() -> None:
    cells = [f"HT{i % 500:05d}" for i in range(LONG + 5)]
    column = Column.of(cells)
    assert len(column.uniques) == 500
    values, problems = coerce_column("contract", column)
    assert list(values) == cells and problems == []


def test_amounts_taken_cell_by_cell_are_exact_fen() -> None:
    cells: list[object] = [i / 100 + 1000 for i in range(LONG)]
    cells[100] = 0.005  # a fraction of a fen
    cells[200] = "1,234.50元"
    cells[300] = True
    column = Column.of(cells)
    assert len(column.uniques) == LONG
    values, problems = coerce_column("amount", column)
    want_values, want_problems = expected("amount", cells, False)
    assert [None if v is pd.NA else v for v in values.tolist()] == want_values  # Int64, NA where empty
    assert problems == want_problems


@pytest.mark.parametrize("kind", ["contract", "card", "phone", "id_no"])
def test_plain_identifiers_in_one_pass_and_the_rest_one_by_one(kind: str) -> None:
    plain = ["HT001", "6222021234567890128", "11010519491231002x"]
    odd = ["HT 002", "ＨＴ００３", "=\"HT004\"", "'6222", "6.22202E+18", "HT-005"]
    for cells in (plain, plain + odd):
        values, problems = coerce_column(kind, Column.of(cells))
        want_values, want_problems = expected(kind, cells, False)
        assert list(values) == want_values and problems == want_problems


def test_total_labels_are_found_only_where_they_are() -> None:
    assert not Column.of(["HT001", 3.0, None, "HT002"]).total_label().any()
    labels = Column.of(["HT001", " 合 计", 3.0, "小计：", "合同", "人民币合计"]).total_label()
    assert labels.tolist() == [False, True, False, True, False, True]


def test_object_grid_of_even_and_ragged_rows() -> None:
    even = [["a", 1, None], ["b", 2, 3.5]]
    assert _object_grid(even, 2).tolist() == [["a", 1], ["b", 2]]
    ragged = [["a"], ["b", 2, 3]]
    assert _object_grid(ragged, 2).tolist() == [["a", None], ["b", 2]]


def test_gc_paused_restores_the_collector_even_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves the outer pause alone
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a collector that was off stays off
    finally:
        gc.enable()


# ------------------------------------------------------------------------------------ background parse


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def damaged(data: bytes, part: str) -> bytes:
    """The workbook with one sheet's XML cut in half."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            target.writestr(item, content[: len(content) // 2] if item.filename == part else content)
    return out.getvalue()


SHEETS = {"贷款台账": [["合同编号", "金额"], ["HT001", 1.5]],
          "还款记录": [["合同编号", "日期"], ["HT001", 2]]}


@pytest.mark.parametrize("background", [True, False])
def test_a_prefetched_sheet_reads_the_same(monkeypatch: pytest.MonkeyPatch, background: bool) -> None:
    monkeypatch.setattr(grid, "BACKGROUND_PARSE", background)
    book = open_book(workbook_bytes(SHEETS), "f.xlsx", "f.xlsx")
    book.prefetch(["还款记录", "no such sheet"])
    assert bool(book._pending) is background
    assert book.rows("贷款台账") == [["合同编号", "金额"], ["HT001", 1.5]]
    assert book.head("还款记录", 1) == [["合同编号", "日期"]]
    assert book.rows("还款记录") == [["合同编号", "日期"], ["HT001", 2.0]]
    assert not book._pending


@pytest.mark.parametrize("background", [True, False])
def test_a_damaged_prefetched_sheet_is_named_when_it_is_read(monkeypatch: pytest.MonkeyPatch,
                                                             background: bool) -> None:
    monkeypatch.setattr(grid, "BACKGROUND_PARSE", background)
    book = open_book(damaged(workbook_bytes(SHEETS), "xl/worksheets/sheet2.xml"), "f.xlsx", "f.xlsx")
    book.prefetch(["还款记录"])
    assert book.rows("贷款台账")[1] == ["HT001", 1.5]
    with pytest.raises(InputError, match="sheet 还款记录 cannot be read"):
        book.rows("还款记录")


def test_discard_cancels_what_has_not_started() -> None:
    book = open_book(workbook_bytes(SHEETS), "f.xlsx", "f.xlsx")
    book.prefetch(["还款记录"])
    book.discard()
    assert not book._pending and not book._rows
    assert book.rows("还款记录")[1] == ["HT001", 2.0]  # still readable in this thread
    text = open_book("合同编号,金额\nHT001,1.5\n".encode(), "f.csv", "f.csv")
    text.discard()
    assert text.rows(None) == [["合同编号", "金额"], ["HT001", "1.5"]]  # a CSV's rows are all there is


LOAN_HEADER = ["合同编号", "客户姓名", "贷款金额", "期数", "提车日期"]
PAYMENT_HEADER = ["合同编号", "交易日期", "金额", "类型", "流水号"]


@pytest.mark.parametrize("background", [True, False])
def test_load_ledger_reads_the_same_with_or_without_the_background_parse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, background: bool) -> None:
    monkeypatch.setattr(grid, "BACKGROUND_PARSE", background)
    loans = [LOAN_HEADER, ["HT001", "张三", 100000, 36, dt.date(2024, 1, 31)]]
    payments = [PAYMENT_HEADER, ["HT001", dt.date(2024, 2, 28), 3000, "客户还款", "B001"],
                ["HT001", dt.date(2024, 3, 28), 3000.001, "客户还款", "B002"]]
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(workbook_bytes({"贷款台账": loans, "还款记录": payments}))
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30))
    assert [(p.sheet, p.row, p.column) for p in caught.value.problems] == [("还款记录", 3, "金额")]
    payments[2][2] = 3000
    path.write_bytes(workbook_bytes({"贷款台账": loans, "还款记录": payments}))
    ledger = load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30))
    assert ledger.payments.frame["amount"].tolist() == [300000, 300000]
    assert ledger.payments.frame["bank_ref"].tolist() == ["B001", "B002"]
    assert ledger.loans.frame["contract_no"].tolist() == ["HT001"]
