"""A column a command needs and the ledger lacks is added at the right end of the header row (issue 11.12).

The new header cell is styled like its neighbour, lands right of every column in use (a column somebody
filled without a header is never claimed), and the write is reported in the journal (``columns_added``)
and in the command's summary.
"""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import Settings
from loantool.errors import LedgerUnsafeError
from loantool.ledger.columns import new_headers, place_columns
from loantool.ledger.read import load_ledger
from loantool.ledger.transaction import ledger_transaction
from loantool.ledger.xlsx_patch import SheetEdits, patch_xlsx

SHEET = "还款记录"


def payments_book(path: Path, *, stray: str | None = None, merged_title: bool = False) -> Path:
    book = xlsxwriter.Workbook(str(path))
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    loans = book.add_worksheet("贷款台账")
    loans.write_row(0, 0, ["合同编号", "客户姓名", "贷款金额", "期数", "年利率", "还款方式", "提车日期"])
    sheet = book.add_worksheet(SHEET)
    sheet.write_row(0, 0, ["合同编号", "交易日期", "金额", "类型"], head)
    sheet.write_row(1, 0, ["HT001", "2026-11-15", 1060, "客户还款"])
    if stray:  # somebody's note two columns right of the header, without a header of its own
        sheet.write(1, 5, stray)
    if merged_title:  # the header row's last cell spans two columns
        sheet.merge_range(0, 4, 0, 5, "说明", head)
    book.close()
    return path


def grid(path: Path, sheet: str = SHEET) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def cell_style(path: Path, ref: str) -> str | None:
    import re

    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml").decode()
    found = re.search(rf'<c r="{ref}"[^>]*?\ss="(\d+)"', xml)
    return found.group(1) if found else None


@pytest.mark.parametrize(("stray", "merged", "first"),
                         [(None, False, 5), ("张三的备注", False, 7), (None, True, 7)])
def test_missing_columns_go_right_of_every_column_in_use(
    tmp_path: Path, stray: str | None, merged: bool, first: int
) -> None:
    path = payments_book(tmp_path / "ledger.xlsx", stray=stray, merged_title=merged)
    ledger = load_ledger(path, Settings())
    columns = place_columns(ledger.payments, ["contract_no", "bank_ref", "note"])
    assert columns == {"contract_no": 1, "bank_ref": first, "note": first + 1}
    headers = new_headers(ledger.payments, columns)
    assert headers == {first: "流水号", first + 1: "备注"}
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(path, out, [SheetEdits(SHEET, appends=[{1: "HT002", columns["bank_ref"]: "B9"}],
                                               header_row=1, new_columns=headers)])
    assert result.sheets[0].columns_added == headers
    rows = grid(out)
    assert rows[0][first - 1 : first + 1] == ["流水号", "备注"] and rows[2][first - 1] == "B9"
    if stray:
        assert rows[1][5] == stray  # never claimed by a new header
    # the new header cells look like the header beside them
    from loantool.ledger.xlsx_cells import cell_ref

    left = cell_style(path, "D1")
    assert left is not None
    assert cell_style(out, cell_ref(1, first)) == left and cell_style(out, cell_ref(1, first + 1)) == left


def test_a_header_cell_that_is_not_empty_is_refused(tmp_path: Path) -> None:
    path = payments_book(tmp_path / "ledger.xlsx")
    with pytest.raises(LedgerUnsafeError, match="cell D1 of the header row is not empty"):
        patch_xlsx(path, tmp_path / "out.xlsx", [SheetEdits(SHEET, header_row=1, new_columns={4: "流水号"})])
    assert not (tmp_path / "out.xlsx").exists()


def test_the_journal_names_the_columns_added(tmp_path: Path) -> None:
    path = payments_book(tmp_path / "ledger.xlsx")
    with ledger_transaction(path, Settings(), "reconcile-bank", [], []) as tx:
        ledger = load_ledger(tx.path, Settings())
        columns = place_columns(ledger.payments, ["bank_ref"])
        committed = tx.commit([SheetEdits(SHEET, updates={(2, columns["bank_ref"]): "B1"}, header_row=1,
                                          new_columns=new_headers(ledger.payments, columns))])
    assert committed.columns_added == {SHEET: ["流水号"]}
    line = json.loads((tmp_path / ".loantool" / "journal.jsonl").read_text("utf-8"))
    assert line["columns_added"] == {SHEET: ["流水号"]}
    again = load_ledger(path, Settings())
    assert again.payments.columns["bank_ref"] == 5
    assert list(again.payments.frame["bank_ref"]) == ["B1"]


def _without_payment_refs(ledger: Path) -> None:
    """The sample ledger's 还款记录 without its 流水号 and 备注 columns (as older ledgers are)."""
    book = openpyxl.load_workbook(ledger)
    book[SHEET].delete_cols(5, 2)
    book.save(ledger)


def test_posting_adds_the_columns_that_recognise_a_posting(sample_dir: Path, monkeypatch, chinese) -> None:
    monkeypatch.chdir(sample_dir)
    ledger = sample_dir / "ledger.xlsx"
    _without_payment_refs(ledger)
    statements = sorted((sample_dir / "inbox" / "statements").iterdir())
    args = ["reconcile-bank", *map(str, statements), "--period", "2026-11", "--post"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    said = result.stderr.replace("\n", "")
    assert "列 流水号：已补在表头行最右端" in said  # the summary says so, in Chinese
    header = grid(ledger)[0]
    assert header[4:6] == ["流水号", "备注"]
    posted = load_ledger(ledger, Settings()).payments.frame
    assert posted["bank_ref"].notna().sum() > 0
    # the next run recognises what was posted: nothing twice
    again = CliRunner().invoke(app, [*args, "--json"])
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["posted"]["payments_added"] == 0
    lines = (sample_dir / ".loantool" / "journal.jsonl").read_text("utf-8").splitlines()
    assert json.loads(lines[0])["columns_added"] == {SHEET: ["流水号", "备注"]}


def test_new_columns_are_merged_with_other_edits(tmp_path: Path) -> None:
    path = payments_book(tmp_path / "ledger.xlsx")
    out = tmp_path / "out.xlsx"
    patch_xlsx(path, out, [SheetEdits(SHEET, header_row=1, new_columns={5: "流水号"}),
                           SheetEdits(SHEET, header_row=1, new_columns={6: "备注"},
                                      appends=[{1: "HT003", 3: Decimal("5")}])])
    assert grid(out)[0][4:6] == ["流水号", "备注"]
