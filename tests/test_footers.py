"""Footers end a table (DOMAIN.md "Bank files", issue 11.11, the reading side).

Blank rows, then 备注：…, 制表人：…, 审核：… or 合计 under a table: the rows are skipped with a warning,
never read as data and never an error. ``TableRead.last_data_row`` and ``footer_row`` say where the
table ends, for the writer. Today one line 备注：本表由财务部维护 under the loans makes every command
refuse the ledger, and under a slip it is an unmatched loan.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from loantool import schema
from loantool.cli import app
from loantool.config import Settings
from loantool.errors import InputError
from loantool.ledger.coerce import is_footer_label
from loantool.ledger.read import load_ledger, read_table

HEADER = ["合同编号", "客户姓名", "贷款金额", "期数", "年利率", "提车日期"]
LOAN = ["HT1", "张三", 100000, 12, "5%", dt.date(2024, 1, 10)]
AS_OF = dt.date(2024, 6, 30)


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def add_footer(path: Path, sheet: str, rows: list[list]) -> None:
    """Append a footer to a sheet of an existing workbook (openpyxl; fine for inputs and copies)."""
    book = openpyxl.load_workbook(path)
    for row in rows:
        book[sheet].append(row)
    book.save(path)


@pytest.mark.parametrize(("cell", "footer"), [
    ("备注：本表由财务部维护", True), ("备注:", True), ("制表人：张三", True), ("审核：", True),
    ("合计", True), ("人民币合计", True), ("复核人：王五", True), ("Prepared by: Li", True), ("Total", True),
    ("说明：", True), ("日期：2026-11-30", True), (" 备 注 ：", True),
    ("HT001", False), ("注销", False), ("备注", False), ("张三", False), (100, False), (None, False),
])
def test_what_opens_a_footer(cell: object, footer: bool) -> None:
    assert is_footer_label(cell) is footer


def test_a_footer_under_the_loans_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ledger.xlsx", {"贷款台账": [
        HEADER, LOAN, ["HT2", "李四", 80000, 12, "5%", dt.date(2024, 2, 1)], [], [],
        ["备注：本表由财务部维护"],
        ["制表人：张三", None, "审核：李四", None, None, None, None, "日期：2024-06-30"]]})
    loans = load_ledger(path, Settings(), as_of=AS_OF).loans
    assert loans.frame["contract_no"].tolist() == ["HT1", "HT2"]
    assert (loans.last_data_row, loans.footer_row) == (3, 6)
    (warning,) = [w for w in loans.warnings if w.code == "footer-skipped"]
    assert (warning.sheet, warning.row, warning.value) == ("贷款台账", 6, "备注：本表由财务部维护")
    assert "rows 6–7 skipped" in warning.reason


def test_every_command_reads_a_ledger_with_a_footer(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = workbook(tmp_path / "ledger.xlsx", {"贷款台账": [HEADER, LOAN, [], ["备注：本表由财务部维护"]]})
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(path), "--as-of", "2024-06-30",
                                      "--json", "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [loan["contract_no"] for loan in doc["loans"]] == ["HT1"]
    assert any("备注：本表由财务部维护" == w["value"] for w in doc["warnings"])


def test_without_a_footer(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ledger.xlsx", {"贷款台账": [["台账"], HEADER, LOAN]})
    loans = load_ledger(path, Settings(), as_of=AS_OF).loans
    assert (loans.last_data_row, loans.footer_row) == (3, None)
    empty = load_ledger(workbook(tmp_path / "empty.xlsx", {"贷款台账": [["台账"], HEADER]}), Settings()).loans
    assert (empty.last_data_row, empty.footer_row) == (2, None)  # no data: the header row
    assert load_ledger(path, Settings(), as_of=AS_OF).payments.last_data_row == 0  # a missing sheet


def test_a_row_of_data_under_the_footer_is_an_error_not_dropped(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ledger.xlsx", {"贷款台账": [
        HEADER, LOAN, [], ["备注：以下两笔待补录"], ["HT9", "王五", None, 12, "5%", None],
        ["请财务补充贷款金额"]]})
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings(), as_of=AS_OF)
    (problem,) = caught.value.problems
    assert (problem.row, problem.code, problem.value) == (5, "under-footer", "HT9")
    assert "row 4" in problem.reason


def test_a_note_between_data_rows_is_skipped(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ledger.xlsx", {"贷款台账": [
        HEADER, LOAN, ["备注：以下为十二月新增"], ["HT2", "李四", 80000, 12, "5%", dt.date(2024, 2, 1)]]})
    loans = load_ledger(path, Settings(), as_of=AS_OF).loans
    assert loans.frame["contract_no"].tolist() == ["HT1", "HT2"]
    assert (loans.last_data_row, loans.footer_row) == (4, None)
    assert [(w.row, w.code) for w in loans.warnings if w.code == "note-skipped"] == [(3, "note-skipped")]


def test_a_footer_beyond_the_table_s_columns(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ledger.xlsx", {"贷款台账": [
        HEADER, LOAN, [], [None, None, None, None, None, None, None, None, "制表人：张三"]]})
    loans = load_ledger(path, Settings(), as_of=AS_OF).loans
    assert (loans.last_data_row, loans.footer_row) == (2, 4)


def test_footers_under_other_ledger_sheets(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ledger.xlsx", {
        "贷款台账": [HEADER, LOAN],
        "还款记录": [["合同编号", "交易日期", "金额", "类型"], ["HT1", "2024-02-10", 8800, "客户还款"], [],
                 ["合计", None, 8800], ["审核：李四"]],
    })
    ledger = load_ledger(path, Settings(), as_of=AS_OF)
    assert ledger.payments.frame["amount"].tolist() == [880000]
    assert (ledger.payments.last_data_row, ledger.payments.footer_row) == (2, 4)
    footers = [(w.sheet, w.row) for w in ledger.loans.warnings if w.code == "footer-skipped"]
    assert footers == [("还款记录", 4)]


def test_a_statement_csv_with_a_footer() -> None:
    text = ("卡号,姓名,扣款日期,金额,流水号,状态\n6222020000000011,张三,2026-11-15,100.00,R1,成功\n"
            ",,,,,\n,,,,,\n制表人：张三,,审核：李四,,,\n备注：失败笔数请于次月补扣,,,,,\n")
    read = read_table(io.BytesIO(text.encode()), schema.STATEMENT, name="s.csv")
    assert read.frame["bank_ref"].tolist() == ["R1"]
    assert (read.last_data_row, read.footer_row) == (2, 5)


def test_the_sample_statement_s_total_row_is_reported_as_its_footer(tmp_path: Path) -> None:
    from conftest import SAMPLES

    read = read_table(SAMPLES / "inbox" / "statements" / "工商银行代扣明细_202611.xlsx", schema.STATEMENT)
    assert read.footer_row == read.last_data_row + 1 == 298
    assert [w.code for w in read.warnings] == ["footer-skipped"]


def test_a_slip_footer_is_no_unmatched_loan(sample_dir: Path, monkeypatch) -> None:
    monkeypatch.chdir(sample_dir)
    slip = next((sample_dir / "inbox" / "slips").glob("*.xlsx"))
    add_footer(slip, openpyxl.load_workbook(slip).sheetnames[0],
               [[], ["备注：本表由放款银行提供，如有疑问请联系客户经理"], ["经办：王五", None, "复核：赵六"]])
    result = CliRunner().invoke(app, ["import-disbursements", str(slip), "--dry-run", "--json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert not [u for u in doc["unmatched"] if "备注" in (u["customer_name"] or "")]
    assert any(w["code"] == "footer-skipped" for w in doc["warnings"])


def test_the_customer_service_table_with_a_footer(sample_dir: Path) -> None:
    path = sample_dir / "客服信息表.xlsx"
    before = read_table(path, schema.CUSTOMERS)
    add_footer(path, before.sheet, [[], ["备注：手机号以客服最新核实为准"], ["制表：客服部"]])
    after = read_table(path, schema.CUSTOMERS)
    assert after.frame.equals(before.frame)
    assert after.footer_row == before.last_data_row + 2


def test_reconcile_reports_the_skipped_footer(sample_dir: Path, monkeypatch, chinese) -> None:
    monkeypatch.chdir(sample_dir)
    statement = next((sample_dir / "inbox" / "statements").glob("*.xlsx"))
    result = CliRunner().invoke(app, ["reconcile-bank", str(statement), "--period", "2026-11",
                                      "--out", str(sample_dir / "r.xlsx")])
    assert result.exit_code == 0, result.stderr
    text = "".join(result.stderr.split())  # the console wraps long lines
    assert "表尾" in text and "第298行已跳过" in text
