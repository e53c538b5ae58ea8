"""The day's notices as letters (催收通知书_YYYYMMDD.xlsx beside the overdue report): one letter per
addressee and page, each with its 回执. On test_overdue_cli's ledger as of 2026-11-30: maturity notices for
HT007 (borrower 吴七, guarantor 吴十) and quarterly notices for HT008 (borrower) and HT004 (borrower 赵六,
guarantor 周九)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import openpyxl
import pytest
from test_overdue_cli import AS_OF, build_ledger
from typer.testing import CliRunner

from loantool.cli import app

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def letters(tmp_path, monkeypatch, chinese):
    monkeypatch.chdir(tmp_path)
    ledger = build_ledger(tmp_path / "ledger.xlsx")
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(ledger), "--as-of", AS_OF, "--json",
                                      "--out", str(tmp_path / "out" / "report.xlsx")])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    path = tmp_path / "out" / "催收通知书_20261130.xlsx"
    assert doc["letters"] == str(path) and path.is_file()
    return path


def _letters(ws) -> list[dict]:
    """Each letter's title, addressee and text, split at the page breaks."""
    starts = [0, *[b.id for b in ws.row_breaks.brk]]
    out = []
    for start, end in zip(starts, [*starts[1:], ws.max_row], strict=True):
        cells = [ws.cell(r, 1).value for r in range(start + 1, end + 1) if ws.cell(r, 1).value]
        hint = ws.cell(start + 1, 2).value
        out.append({"title": cells[0], "to": cells[1], "text": "\n".join(cells), "hint": hint})
    return out


def test_one_letter_per_addressee_each_with_a_receipt(letters):
    book = openpyxl.load_workbook(letters)
    assert book.sheetnames == ["到期通知书", "催收通知书"]
    maturity = _letters(book["到期通知书"])
    assert [(x["title"], x["to"]) for x in maturity] == [
        ("提示归还到期贷款通知书", "吴七（借款人）："), ("督促履行保证责任通知书", "吴十（保证人）：")]
    assert "最后一期应还日为 2026 年 12 月 2 日" in maturity[0]["text"]
    assert "剩余本金 1,000.00 元" in maturity[0]["text"]
    assert "依照保证合同履行保证责任" in maturity[1]["text"]
    quarterly = _letters(book["催收通知书"])
    assert [x["to"] for x in quarterly] == ["郑八（借款人）：", "赵六（借款人）：", "周九（保证人）："]
    ht004 = quarterly[1]["text"]
    assert "已逾期 107 天，逾期 4 期，逾期金额 4,240.00 元，罚息 129.32 元" in ht004
    for letter in maturity + quarterly:
        assert "回　执" in letter["text"] and "签收人" in letter["text"] and "签收日期" in letter["text"]
    assert quarterly[2]["hint"] == ("回执交回后登记：loantool record-call HT004 --method 函件 "
                                    "--result 已签收 --party 保证人 --as-of 签收日期")
    ws = book["催收通知书"]
    assert str(ws.print_area).endswith(f"$A$1:$A${ws.max_row}")  # the hint in column B is not printed
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.page_setup.scale >= 80 and not ws.sheet_properties.pageSetUpPr.fitToPage


def test_no_letters_when_the_setting_is_off_or_the_day_has_no_notices(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = build_ledger(tmp_path / "ledger.xlsx")
    (tmp_path / "loantool.toml").write_text("[actions]\nnotice_letters = false\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(ledger), "--as-of", AS_OF, "--json",
                                      "--out", str(tmp_path / "r.xlsx")])
    assert json.loads(result.stdout)["letters"] is None
    assert not list(tmp_path.glob("催收通知书_*.xlsx"))


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None,
                    reason="LibreOffice (soffice) or poppler's pdftotext is not installed: cannot render "
                           "the letters")
def test_each_letter_prints_on_a_page_of_its_own(letters, tmp_path):
    subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(letters)],
                   check=True, capture_output=True, timeout=300)
    text = subprocess.run([PDFTOTEXT, str(tmp_path / (letters.stem + ".pdf")), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == 5
    for page, who in zip(pages, ["吴七", "吴十", "郑八", "赵六", "周九"], strict=True):
        assert who in page and re.search(r"回\s*执", page) and "签收人" in page
        assert "record-call" not in page
    bbox = subprocess.run([PDFTOTEXT, "-bbox", str(tmp_path / (letters.stem + ".pdf")), "-"], check=True,
                          capture_output=True, text=True).stdout
    for page in bbox.split("<page ")[1:]:
        width = float(re.match(r'width="([\d.]+)"', page).group(1))
        assert max(float(x) for x in re.findall(r'xMax="([\d.]+)"', page)) <= width  # no line cut off


def test_letters_in_english_with_lang_en(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = build_ledger(tmp_path / "ledger.xlsx")
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(ledger), "--as-of", AS_OF, "--json",
                                      "--out", str(tmp_path / "report.xlsx")])
    path = tmp_path / "collection-notices_20261130.xlsx"
    assert json.loads(result.stdout)["letters"] == str(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Maturity letters", "Collection letters"]
    maturity = _letters(book["Maturity letters"])
    assert [(x["title"], x["to"]) for x in maturity] == [
        ("Notice of a loan falling due", "To 吴七 (borrower):"),
        ("Notice to the guarantor to perform the guarantee", "To 吴十 (guarantor):")]
    assert "is due on 2026-12-02" in maturity[0]["text"]
    assert "remaining principal 1,000.00 yuan" in maturity[0]["text"]
    quarterly = _letters(book["Collection letters"])
    assert ("107 days overdue: 4 installment(s) overdue, overdue amount 4,240.00 yuan, penalty 129.32 "
            "yuan") in quarterly[1]["text"]
    assert quarterly[2]["hint"] == ("Once the receipt is back, record it: loantool record-call HT004 "
                                    "--method letter --result signed --party guarantor --as-of DATE-SIGNED")
    for letter in maturity + quarterly:
        text = re.sub(r"吴七|吴十|郑八|赵六|周九|杭州[^\n]*|XX汽车金融服务有限公司", "", letter["text"])
        assert not re.search(r"[\u4e00-\u9fff]", text), text
