"""Printed pages, judged printed: the workbooks rendered by LibreOffice to PDF and read page by page.

- 结清审批表 of a 60-period loan: the amounts, 结清总额 and 经办 / 复核 / 审批 on page 1; the installment
  detail from page 2, its header repeated on every page.
- 还款明细 letter of 120 periods: every page names the customer and the contract; the last page holds the
  last installments, the totals and the signature line together; rates with two decimals.
- Reports never overwrite an earlier one; the aging chart shows the arrears buckets on their own; 连三累六
  summarises the late dates.

The PDF tests need LibreOffice (CI installs it) and are skipped, saying so, without it.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pdf_pages import SOFFICE, page_texts, to_pdf
from typer.testing import CliRunner

from loantool.cli import app
from loantool.reports.excel import (
    Column,
    ReportBook,
    ReportSheet,
    free_path,
    moved_from,
    rate_text,
    write_book,
)
from loantool.reports.overdue import late_summary

needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: the printed pages cannot be rendered "
                            "(CI installs libreoffice-calc-nogui)")

PICKUP = dt.date(2026, 1, 10)
LOAN_HEADER = ["合同编号", "客户姓名", "身份证号", "银行卡号", "车型", "贷款金额", "期数", "年利率",
               "还款方式", "提车日期", "银行还款日", "状态", "还款明细已出"]
LOANS = [
    ("HT2026060", "张三", "6222020000000011", 180000, 60, "4.75%", "等额本息"),
    ("HT2026120", "欧阳长名", "6222020000000022", 360000, 120, "5.1%", "等额本息"),
]


def write_ledger(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(LOAN_HEADER)
    for contract, name, card, principal, term, rate, method in LOANS:
        ws.append([contract, name, None, card, "朗逸", principal, term, rate, method, PICKUP, 15, "在贷",
                   "否"])
    for row in ws.iter_rows(min_row=2, min_col=4, max_col=4):
        row[0].number_format = "@"
    pay = wb.create_sheet("还款记录")
    pay.append(["合同编号", "交易日期", "金额", "类型", "流水号", "备注"])
    for month in (2, 3):  # two installments paid; March to May overdue on the quote day
        pay.append(["HT2026060", dt.date(2026, month, 15), 3376.26, "客户还款", f"R{month}", None])
    wb.save(path)
    return path


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path, write_ledger(tmp_path / "ledger.xlsx")


def invoke(*args: object) -> object:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return result


# ------------------------------------------------------------------------------------------ 结清审批表


@needs_libreoffice
@pytest.mark.parametrize("lang, total, roles, detail", [
    ("zh", "结清总额", ("经办", "复核", "审批"), "期数·还款日"),
    ("en", "Settlementtotal", ("Preparedby", "Reviewedby", "Approvedby"), "Period·duedate"),
])
def test_a_60_period_approval_sheet_has_the_total_and_the_signatures_on_page_1(desk, lang, total, roles,
                                                                                detail):
    folder, ledger = desk
    out = folder / "结清审批表.xlsx"
    invoke("settle", "HT2026060", "--ledger", ledger, "--as-of", "2026-06-20", "--out", out, "--lang", lang)
    pages = page_texts(to_pdf(out, folder / "pdf"))
    assert len(pages) >= 3  # the quote, then 60 installments over two pages
    first = pages[0]
    assert total in first and all(role in first for role in roles)
    assert "HT2026060" in first
    assert detail not in first  # the installment detail starts on page 2 …
    for page in pages[1:]:
        assert detail in page and "HT2026060" in page  # … its header and the contract on every page
    assert ("第60期" if lang == "zh" else "Period60") in pages[-1]


# ------------------------------------------------------------------------------------------ 还款明细 letter


@needs_libreoffice
def test_every_page_of_a_120_period_letter_names_the_customer_and_the_contract(desk, chinese):
    folder, ledger = desk
    out = folder / "letters"
    invoke("compute-schedule", "HT2026120", "--ledger", ledger, "--as-of", "2026-01-10", "--out", out,
           "--no-mark")
    letter = out / "HT2026120_欧阳长名.xlsx"
    pages = page_texts(to_pdf(letter, folder / "pdf"))
    assert len(pages) >= 3
    for page in pages:
        assert "HT2026120" in page and "欧阳长名" in page
    assert "年利率：5.10%" in pages[0]
    last = pages[-1]
    assert "合计" in last and "客户签字" in last and "2036-01-15" in last  # totals with the last installment


def test_rates_always_show_two_decimals():
    assert [rate_text(r) for r in (4_750_000, 5_100_000, 16_000_000, 4_755_000)] == [
        "4.75%", "5.10%", "16.00%", "4.755%"]


def test_a_letter_keeps_its_last_rows_totals_and_signatures_together(tmp_path):
    from loantool.reports.excel import page_breaks

    # 120 installments under 5 note lines: a break every 40 rows, none between the last rows and the footer
    breaks = page_breaks(40, header_row=6, totals_row=127, end=132)
    assert breaks == [40, 79, 118]
    assert page_breaks(40, header_row=6, totals_row=118, end=123) == [40, 79, 116]  # pulled back


# ------------------------------------------------------------------------------------------ never overwritten


def test_a_second_report_for_the_same_day_takes_the_next_free_name(tmp_path):
    sheet = ReportSheet("清单", "清单", [Column("name", "姓名")], [{"name": "张三"}])
    book = ReportBook("某公司", "报告", dt.date(2026, 11, 30), [sheet])
    target = tmp_path / "银行对账_2026-11.xlsx"
    first = write_book(target, book)
    signed = first.read_bytes()
    second = write_book(target, book)
    third = write_book(target, book)
    assert (first, second, third) == (target, tmp_path / "银行对账_2026-11_2.xlsx",
                                      tmp_path / "银行对账_2026-11_3.xlsx")
    assert target.read_bytes() == signed
    assert moved_from(second) == target and moved_from(first) is None
    assert free_path(tmp_path / "new.xlsx") == tmp_path / "new.xlsx"


def test_the_console_says_when_a_report_kept_an_earlier_ones_name(desk, chinese):
    folder, ledger = desk
    invoke("overdue-report", "--ledger", ledger, "--as-of", "2026-06-20")
    again = invoke("overdue-report", "--ledger", ledger, "--as-of", "2026-06-20")
    second = folder / "reports" / "逾期催收日报_20260620_2.xlsx"
    assert second.is_file() and (folder / "reports" / "逾期催收日报_20260620.xlsx").is_file()
    assert f"报告：{second}\n（逾期催收日报_20260620.xlsx 已存在，已保留未覆盖）" in again.stdout


# ------------------------------------------------------------------------------------------ overdue report


def test_the_aging_chart_shows_the_arrears_buckets_on_their_own(desk):
    folder, ledger = desk
    out = folder / "r.xlsx"
    invoke("overdue-report", "--ledger", ledger, "--as-of", "2026-06-20", "--out", out)
    with zipfile.ZipFile(out) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        aging = z.read(charts[0]).decode("utf-8")
    sheet = openpyxl.load_workbook(out)["Aging and classes"]
    rows = {sheet.cell(r, 1).value: r for r in range(1, 20)}
    assert f"$A${rows['M1']}:$A${rows['M7+']}" in aging  # M0, nearly the whole book, is left out
    assert f"$A${rows['M0']}:" not in aging


def test_late_dates_are_summarised_so_nothing_spills_over(chinese):
    assert late_summary("2025-11-21;2025-09-21;2025-10-21;2026-01-21;2025-12-21") == "5 期，最早 2025-09-21"
    assert late_summary("") == "" and late_summary(None) == ""
    chinese.set_language("en")
    assert late_summary("2025-10-21") == "1 period, earliest 2025-10-21"
