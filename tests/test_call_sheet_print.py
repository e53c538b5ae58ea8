"""The 电话催收单 prints as the caller's page: nine columns on A4 landscape at ≥ 80 % with ≥ 9 pt text (so
≥ 7 pt on paper), the header on every page, rows kept whole – checked in the workbook's print setup and
in the PDF LibreOffice renders from it. The 20-column 催收名单 is hidden, so it does not print."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from loantool.cli import app
from loantool.reports import call_sheet

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
WORD = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
HEADERS = ["合同编号", "客户", "手机", "逾期\n天数", "逾期金额", "期数 /\n最早应还日", "上次联系 / 承诺",
           "措施", "催收结果"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The overdue report of the samples (270 loans on the call list), written once for the module."""
    folder = tmp_path_factory.mktemp("desk")
    samples = Path(__file__).resolve().parents[1] / "samples"
    ignore = shutil.ignore_patterns("*.py", "__pycache__", "README.md")
    shutil.copytree(samples, folder / "desk", ignore=ignore)
    out = folder / "report.xlsx"
    result = CliRunner().invoke(app, ["overdue-report", "--config", str(folder / "desk" / "loantool.toml"),
                                      "--out", str(out), "--quiet", "--lang", "zh"])
    assert result.exit_code == 0, result.stderr
    return out


def test_print_setup_scale_fonts_area_and_titles(report):
    book = openpyxl.load_workbook(report)
    assert book.sheetnames[:2] == ["电话催收单", "催收名单"]
    assert book["催收名单"].sheet_state == "hidden" and book.active.title == "电话催收单"
    ws = book["电话催收单"]
    setup = ws.page_setup
    assert setup.paperSize == 9 and setup.orientation == "landscape"
    assert setup.scale >= 80 and not ws.sheet_properties.pageSetUpPr.fitToPage  # a fixed scale, no shrinking
    header = 3
    assert [ws.cell(header, c).value for c in range(1, 10)] == HEADERS
    assert str(ws.print_area).startswith("'电话催收单'!$A$1:$I$")  # the nine columns only
    assert ws.print_title_rows == "$3:$3"  # the header row on every page
    inputs = [ws.cell(header, c).value for c in range(10, 16)]
    assert inputs == ["承诺还款日", "承诺金额", "对象", "方式", "经办", "备注"]  # outside the print area
    last = int(re.search(r"\$I\$(\d+)", str(ws.print_area)).group(1))
    sizes = {ws.cell(r, c).font.sz for r in range(1, last + 1) for c in range(1, 10) if ws.cell(r, c).value}
    assert min(sizes) >= 9 and min(sizes) * setup.scale / 100 >= 7
    data_rows = [r for r in range(header + 1, last) if ws.cell(r, 1).value]
    assert len(data_rows) == 270
    assert all(ws.row_dimensions[r].height >= 30 for r in data_rows)  # room to write by hand
    breaks = [b.id for b in ws.row_breaks.brk]  # the last row of each page but the last (1-based)
    pages = [b - a for a, b in zip([header, *breaks], [*breaks, data_rows[-1]], strict=True)]
    assert len(pages) == 1 + math.ceil((270 - call_sheet.FIRST_PAGE_ROWS) / call_sheet.PAGE_ROWS)
    assert sum(pages) == 270 and max(pages) <= call_sheet.PAGE_ROWS and max(pages) - min(pages) <= 1


@pytest.mark.parametrize(("count", "pages"), [(0, [0]), (14, [14]), (15, [8, 7]), (29, [10, 10, 9]),
                                              (267, [14] * 7 + [13] * 13)])
def test_rows_are_spread_evenly_over_as_few_pages_as_hold_them(count, pages):
    """No row and total alone on a last page: 15 loans print 8 and 7 (14 fit on a page)."""
    header = 2
    edges = [header + 1, *call_sheet.page_breaks(header, count), header + 1 + count]
    assert [b - a for a, b in zip(edges, edges[1:], strict=False)] == pages


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None,
                    reason="LibreOffice (soffice) or poppler's pdftotext is not installed: the page cannot "
                           "be rendered here")
def test_the_rendered_pdf_has_every_column_on_each_page_at_seven_points_or_more(report, tmp_path):
    subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(report)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "report.pdf"
    bbox = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = bbox.split("<page ")[1:]
    call_pages = [p for p in pages if "电话催收单" in p and "HZQC" in p]
    expected = 1 + math.ceil((270 - call_sheet.FIRST_PAGE_ROWS) / call_sheet.PAGE_ROWS)
    assert len(call_pages) == expected  # the manual page breaks held: no row spilled onto a page of its own
    for page in call_pages:
        words = re.findall(WORD, page)
        texts = {w[4] for w in words}
        assert {"合同编号", "客户", "手机", "逾期金额", "措施", "催收结果"} <= texts  # the header, repeated
        width = float(re.match(r'width="([\d.]+)"', page).group(1))
        assert max(float(w[2]) for w in words) <= width  # nothing cut off at the right edge
        contracts = [w for w in words if w[4].startswith("HZQC")]
        assert contracts
        # a word's box is about 1.3 × the font size: 9.35 pt text gives ≈ 12 pt boxes
        assert min((float(w[3]) - float(w[1])) / 1.3 for w in contracts) >= 7
    # the hidden 催收名单 is not printed, the other sheets are
    assert "连三累六" in bbox and not any("建议措施" in p for p in pages)
