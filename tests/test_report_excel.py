"""reports/excel.py: every kind of value lands in its cell as the desk sees it, whichever way rows come."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from loantool.reports.excel import Column, ReportBook, ReportSheet, write_book

COLUMNS = [Column("name", "姓名"), Column("contract", "合同编号", "id"), Column("amount", "金额", "yuan", 14),
           Column("due", "应还日", "date"), Column("days", "天数", "int"), Column("rate", "利率", "rate"),
           Column("share", "占比", "ratio"), Column("dates", "日期", "list"), Column("flag", "是否")]
ROWS = [
    {"name": "张三", "contract": "HT001", "amount": 123456, "due": dt.date(2024, 3, 22), "days": 31,
     "rate": 1_200_000, "share": 0.25, "dates": ["2024-02-22", "2024-03-22"], "flag": True},
    {"name": "", "contract": "", "amount": None, "due": None, "days": "", "rate": None, "share": None,
     "dates": "2024-01-22", "flag": False},
]
EXPECTED = [
    ["张三", "HT001", 1234.56, dt.datetime(2024, 3, 22), 31, 0.012, 0.25, "2024-02-22、2024-03-22", "是"],
    ["", None, None, None, None, None, None, "2024-01-22", "否"],  # "" text: an empty string; "" id: blank
]


@pytest.mark.parametrize("as_frame", [False, True])
def test_cells_of_every_kind(tmp_path: Path, as_frame: bool, chinese) -> None:
    rows = pd.DataFrame(ROWS).astype({"due": "datetime64[ns]"}) if as_frame else ROWS
    sheet = ReportSheet("清单", "清单", COLUMNS, rows, totals={"amount": 123456}, highlight=[False, True],
                        notes=["说明"])
    path = write_book(tmp_path / "r.xlsx", ReportBook("某公司", "报告", dt.date(2024, 6, 30), [sheet]))
    ws = openpyxl.load_workbook(path)["清单"]
    assert ws["A1"].value == "某公司  清单  截至 2024-06-30" and ws["A2"].value == "说明"
    assert [c.value for c in ws[3]] == [c.header for c in COLUMNS]
    assert [c.value for c in ws[4]] == EXPECTED[0]
    assert [c.value for c in ws[5]] == EXPECTED[1]
    assert [c.value for c in ws[6]][:3] == ["合计", None, 1234.56]
    assert ws["C4"].number_format == "#,##0.00" and ws["D4"].number_format == "yyyy-mm-dd"
    assert all(c.border.left.style == "thin" for c in ws[5])  # blank cells keep the table's borders
    assert ws["A4"].fill.fgColor.rgb != "FFFCE4D6" and ws["A5"].fill.fgColor.rgb == "FFFCE4D6"
    assert ws.column_dimensions["C"].width == pytest.approx(14, abs=1)  # fixed
    assert ws.column_dimensions["H"].width >= 23  # measured: 2024-02-22、2024-03-22 is 23 columns wide
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:I5"


def test_widths_come_from_a_sample_of_a_long_sheet(tmp_path: Path) -> None:
    rows = pd.DataFrame({"name": ["短"] * 5000})
    rows.loc[4000, "name"] = "一个很长很长很长很长的名字"  # sampled: every second row of 5,000
    rows.loc[4001, "name"] = "另一个更长更长更长更长更长更长更长的名字"  # not sampled
    sheet = ReportSheet("名单", "名单", [Column("name", "姓名")], rows)
    path = write_book(tmp_path / "r.xlsx", ReportBook("某公司", "报告", None, [sheet]))
    ws = openpyxl.load_workbook(path)["名单"]
    assert ws.column_dimensions["A"].width == pytest.approx(2 * 13 + 2, abs=1)
    assert ws.max_row == 5002
