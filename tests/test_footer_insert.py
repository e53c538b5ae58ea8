"""Rows appended to a table with a footer go under the last data row; the footer moves down (issue 11.11).

Everything that belongs to the moved rows moves with them – cells, styles, heights, merged cells, rule
ranges, links, the print area, pictures – and what cannot be moved losslessly (a formula in the footer
or one that points into it, an Excel table reaching it) is refused with exit 3, the ledger untouched.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from loantool.config import Settings
from loantool.errors import LedgerUnsafeError
from loantool.ledger.transaction import ledger_transaction, verify_patch
from loantool.ledger.xlsx_patch import SheetEdits, patch_xlsx

SHEET = "贷款台账"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
ROWS = [["HT001", "张三", 120000, "否"], ["HT002", "李四", 80000, "否"], ["HT003", "王五", 50000.5, "是"]]


def footer_book(path: Path, *, footer_formula: bool = False, formula_into_footer: bool = False,
                table: bool = False) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(SHEET)
    bold = book.add_format({"bold": True, "border": 1})
    money = book.add_format({"num_format": "#,##0.00", "border": 1})
    sheet.write_row(0, 0, ["合同编号", "客户姓名", "贷款金额", "状态"], bold)
    for i, row in enumerate(ROWS, start=1):
        sheet.write_row(i, 0, row[:2])
        sheet.write_number(i, 2, row[2], money)
        sheet.write(i, 3, row[3])
    if table:  # an Excel table under the footer would have to move
        sheet.add_table(10, 0, 11, 1, {"columns": [{"header": "签收"}, {"header": "日期"}]})
    else:
        sheet.autofilter(0, 0, 3, 3)
    # row 5 blank, then the footer on rows 6–7
    sheet.merge_range(5, 0, 5, 3, "备注：本表由财务部维护", bold)
    sheet.write(6, 0, "制表人：周敏")
    sheet.write_url(6, 2, "https://example.com/desk", string="审核：陈建国")
    sheet.set_row(5, 30)
    sheet.set_row(6, 24)
    sheet.conditional_format(5, 0, 6, 3, {"type": "cell", "criteria": ">", "value": 0, "format": bold})
    sheet.data_validation(1, 3, 99, 3, {"validate": "list", "source": ["是", "否"]})
    sheet.print_area(0, 0, 6, 3)
    sheet.insert_image(8, 1, "logo.png", {"image_data": io.BytesIO(PNG)})
    if footer_formula:
        sheet.write_formula(6, 3, "=SUM(C2:C4)", None, 250000.5)
    if formula_into_footer:
        sheet.write_formula(1, 5, "=A7", None, "制表人：周敏")
    book.close()
    return path


def grid(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python(skip_empty_area=False)


def part(path: Path, name: str) -> str:
    return zipfile.ZipFile(path).read(name).decode("utf-8")


NEW = [{1: "HT004", 2: "赵六", 3: Decimal("60000"), 4: "否"},
       {1: "HT005", 2: "钱七", 3: Decimal("7.5"), 4: "否"}]


def test_the_footer_moves_down_with_everything_that_points_at_it(tmp_path: Path) -> None:
    src = footer_book(tmp_path / "ledger.xlsx")
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(src, out, [SheetEdits(SHEET, appends=NEW, header_row=1, insert_after_row=4)])
    verify_patch(src, out, result)
    assert result.sheets[0].appended_rows == [5, 6] and result.sheets[0].inserted == (5, 2)
    rows = grid(out)
    assert [r[0] for r in rows] == ["合同编号", "HT001", "HT002", "HT003", "HT004", "HT005", "",
                                    "备注：本表由财务部维护", "制表人：周敏"]
    assert rows[5][2] == 7.5 and rows[8][2] == "审核：陈建国"
    sheet = part(out, "xl/worksheets/sheet1.xml")
    old = part(src, "xl/worksheets/sheet1.xml")
    assert '<mergeCell ref="A8:D8"/>' in sheet and '<dimension ref="A1:D9"/>' in sheet
    assert re.search(r'<row r="8"[^>]*ht="30"', sheet) and re.search(r'<row r="9"[^>]*ht="24"', sheet)
    assert 'sqref="A8:D9"' in sheet and 'sqref="D2:D102"' in sheet  # rules: moved, and grown across
    assert '<hyperlink ref="C9"' in sheet and '<autoFilter ref="A1:D4"/>' in sheet
    # the footer's cells keep their styles (the row XML is the same but for its row number)
    old_row = re.search(r'<row r="6".*?</row>', old).group(0)
    moved = re.sub(r'r="([A-D]?)6"', r'r="\g<1>8"', old_row)
    assert re.search(r'<row r="8".*?</row>', sheet).group(0) == moved
    # new rows look like the data rows above them, not like the footer
    money = re.search(r'<c r="C4" s="(\d+)"', sheet).group(1)
    assert re.search(rf'<c r="C6" s="{money}"', sheet)
    workbook = part(out, "xl/workbook.xml")
    assert "贷款台账!$A$1:$D$9" in workbook  # the print area
    drawing = part(out, "xl/drawings/drawing1.xml")
    assert "<xdr:row>10</xdr:row>" in drawing and "<xdr:row>8</xdr:row>" not in drawing


def test_through_the_transaction_and_verified(tmp_path: Path) -> None:
    src = footer_book(tmp_path / "ledger.xlsx")
    with ledger_transaction(src, Settings(), "sync-customers", [], []) as tx:
        result = tx.commit([SheetEdits(SHEET, appends=NEW, header_row=1, insert_after_row=4)], rows_added=2)
    assert result.written
    assert result.journal["sheets"][SHEET]["rows_moved_down_from"] == 5
    assert [r[0] for r in grid(src)][4:9] == ["HT004", "HT005", "", "备注：本表由财务部维护", "制表人：周敏"]


def test_without_a_footer_it_is_an_ordinary_append(tmp_path: Path) -> None:
    src = tmp_path / "plain.xlsx"
    book = xlsxwriter.Workbook(str(src))
    book.add_worksheet(SHEET).write_row(0, 0, ["合同编号", "客户姓名"])
    book.close()
    out = tmp_path / "out.xlsx"
    edit = SheetEdits(SHEET, appends=[{1: "HT001"}], header_row=1, insert_after_row=1)
    result = patch_xlsx(src, out, [edit])
    assert result.sheets[0].inserted is None and result.sheets[0].appended_rows == [2]


@pytest.mark.parametrize(("kwargs", "what"), [
    ({"footer_formula": True}, r"the formula in cell D7"),
    ({"formula_into_footer": True}, r"the formula in cell F2 \(it refers to A7\)"),
    ({"table": True}, r"the Excel table A11:B12"),
])
def test_what_cannot_move_losslessly_is_refused(tmp_path: Path, kwargs: dict, what: str) -> None:
    src = footer_book(tmp_path / "ledger.xlsx", **kwargs)
    before = src.read_bytes()
    with pytest.raises(LedgerUnsafeError, match=what) as caught:
        with ledger_transaction(src, Settings(), "sync-customers", [], []) as tx:
            tx.commit([SheetEdits(SHEET, appends=NEW, header_row=1, insert_after_row=4)])
    assert caught.value.exit_code == 3 and "footer" in caught.value.hint
    assert src.read_bytes() == before


def test_a_refusal_in_the_desks_language(tmp_path: Path, chinese) -> None:
    src = footer_book(tmp_path / "ledger.xlsx", footer_formula=True)
    with pytest.raises(LedgerUnsafeError, match="单元格 D7 中的公式"):
        patch_xlsx(src, tmp_path / "out.xlsx", [SheetEdits(SHEET, appends=NEW, header_row=1,
                                                           insert_after_row=4)])


def test_the_callers_insert_only_under_a_table_the_reader_found_a_footer_under() -> None:
    from types import SimpleNamespace

    from loantool.ledger.columns import footer_insertion

    assert footer_insertion(SimpleNamespace(footer_row=7, last_data_row=4)) == 4
    assert footer_insertion(SimpleNamespace(footer_row=None, last_data_row=4)) is None
    assert footer_insertion(SimpleNamespace(columns={})) is None  # a reader that knows no footers


SOFFICE = __import__("shutil").which("soffice") or __import__("shutil").which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_moved_footer(tmp_path: Path) -> None:
    import csv
    import subprocess

    src = footer_book(tmp_path / "ledger.xlsx")
    edited = tmp_path / "edited"
    edited.mkdir()
    edit = SheetEdits(SHEET, appends=NEW, header_row=1, insert_after_row=4)
    patch_xlsx(src, edited / "ledger.xlsx", [edit])
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false"
    subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", csv_filter,
                    "--outdir", str(tmp_path / "csv"), str(edited / "ledger.xlsx")],
                   check=True, capture_output=True, timeout=300)
    rows = list(csv.reader((tmp_path / "csv" / "ledger.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows[:8]] == ["合同编号", "HT001", "HT002", "HT003", "HT004", "HT005", "",
                                        "备注：本表由财务部维护"]
    assert rows[8][0] == "制表人：周敏" and rows[8][2] == "审核：陈建国"
