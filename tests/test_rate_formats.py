"""Rates (DOMAIN.md "Rates", issue 11.4): a cell shown as a percentage means that percentage, and a rate
above the limit of its loan's method (36 % a year, 100 % total fee; both settable) is a bad cell.

Today 0.75 becomes 75 %, 1.5 shown as 150.00 % becomes 1.5 %, and a typed 1 is taken as 100 %.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import Settings, load_settings
from loantool.core.rates import RateLimits
from loantool.errors import InputError, UsageError
from loantool.ledger.read import load_ledger
from loantool.ledger.xlsx_formats import is_percent_code, percent_cells, percent_styles
from loantool.money import MoneyError, parse_rate, percent_text
from loantool.workflows.schedule import schedules_for

HEADER = ["合同编号", "客户姓名", "贷款金额", "期数", "年利率", "还款方式", "提车日期"]
PICKUP = dt.date(2024, 1, 10)
AS_OF = dt.date(2024, 6, 30)


def ledger(path: Path, rows: list[tuple], percent: set[str] = frozenset(), rates: list[tuple] | None = None,
           rate_percent: set[int] = frozenset()) -> Path:
    """贷款台账 rows (contract, rate, method); the contracts in ``percent`` show 年利率 as 0.00%."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(HEADER)
    for i, (contract, rate, method, *rest) in enumerate(rows, start=2):
        ws.append([contract, "客户", 100000, 12, rate, method, PICKUP, *rest])
        if contract in percent:
            ws.cell(i, 5).number_format = "0.00%"
    if rates is not None:
        table = wb.create_sheet("利率表")
        table.append(["车型", "期数", "年利率", "总费率"])
        for i, row in enumerate(rates, start=2):
            table.append(list(row))
            for col in rate_percent:
                table.cell(i, col).number_format = "0.00%"
    wb.save(path)
    return path


def schedule_problems(path: Path, settings: Settings | None = None) -> list[tuple[int, str, str]]:
    settings = settings or Settings()
    book = load_ledger(path, settings, as_of=AS_OF)
    try:
        schedules_for(book, book.loans.frame, settings)
    except InputError as error:
        return [(p.row, p.column, p.value) for p in error.problems]
    return []


# ------------------------------------------------------------------------------------------- formats


@pytest.mark.parametrize(("code", "percent"), [
    ("0.00%", True), ("0%", True), ("#,##0.000%", True), ("[Red]0.0%", True), ("0.00%;[Red]-0.00%", True),
    ('0.00"%"', False), ("0.00\\%", False), ("0.00_%", False), ("0.00", False), ("[$%-409]0.00", False),
    ("yyyy-mm-dd", False), ("@", False)])
def test_which_custom_formats_are_percentages(code: str, percent: bool) -> None:
    assert is_percent_code(code) is percent


def test_built_in_percent_formats_9_and_10() -> None:
    styles = ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.000%"/></numFmts>'
              '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="9"/>'
              '<xf numFmtId="10" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="2"/></cellXfs>'
              '</styleSheet>')
    assert percent_styles(styles) == {1, 2, 3}
    assert percent_styles(None) == frozenset()


def test_percent_text_is_exact() -> None:
    assert percent_text(0.0388) == "3.88%"
    assert percent_text(1.5) == "150%"
    assert percent_text(0.0475) == "4.75%" and parse_rate(percent_text(0.0475)) == 4_750_000
    assert percent_text(1) == "100%"


def test_a_percent_cell_means_the_percentage_it_shows(tmp_path: Path) -> None:
    rows = [("A1", 0.0475, "等额本息"), ("A2", 1.5, "等额本息"), ("A3", 0.0475, "等额本息"),
            ("A4", 4.75, "等额本息"), ("A5", "4.75", "等额本息")]
    path = ledger(tmp_path / "l.xlsx", rows, percent={"A1", "A2", "A5"})
    frame = load_ledger(path, Settings(), as_of=AS_OF).loans.frame
    # A5 is text: a format does not change text; A4 is a bare number above 1: a percentage
    assert frame["annual_rate"].tolist() == [4_750_000, 150_000_000, 4_750_000, 4_750_000, 4_750_000]


def test_cells_outside_the_rate_columns_are_not_looked_at(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [("A1", 0.0475, "等额本息")], percent={"A1"})
    book = openpyxl.load_workbook(path)
    book["贷款台账"].cell(2, 3).number_format = "0%"  # 贷款金额 shown as a percentage: still yuan
    book.save(path)
    frame = load_ledger(path, Settings(), as_of=AS_OF).loans.frame
    assert frame["principal"].tolist() == [10_000_000]
    assert percent_cells(path.read_bytes(), "贷款台账", [5]) == {(2, 5)}


def _rewrite_sheet(path: Path, change) -> None:
    """Rewrite the first worksheet's XML (hand-made workbooks: no r attributes, odd spellings)."""
    data = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(data) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode()).encode()
            dst.writestr(item, content)
    path.write_bytes(out.getvalue())


def test_cells_without_a_reference_are_placed_by_their_order(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [("A1", 0.0475, "等额本息"), ("A2", 0.1, "等额本息")], percent={"A2"})
    _rewrite_sheet(path, lambda xml: re.sub(r'(<c) r="[A-Z]+\d+"', r"\1", xml))
    assert "<c r=" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert percent_cells(path.read_bytes(), "贷款台账", [5]) == {(3, 5)}
    frame = load_ledger(path, Settings(), as_of=AS_OF).loans.frame
    assert frame["annual_rate"].tolist() == [4_750_000, 10_000_000]


def test_a_damaged_or_foreign_workbook_gives_no_formats() -> None:
    assert percent_cells(b"not a zip", "贷款台账", [5]) == set()
    assert percent_cells(b"PK\x03\x04" + b"\x00" * 100, "贷款台账", [5]) == set()


# -------------------------------------------------------------------------------------------- limits


def test_rates_above_the_limit_of_their_method_are_bad_cells(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [
        ("A1", 0.0475, "等额本息"),  # 4.75 %
        ("A2", 1.5, "等额本息"),  # shown as 150.00 %
        ("A3", 0.75, "等额本金"),  # 75 % a year
        ("A4", 0.75, "等本等费"),  # 75 % over the term: a (high) flat fee, but possible
        ("A5", 1.5, "等本等费"),  # 150 % over the term
        ("A6", 0.36, "等额本息"),  # the limit itself
    ], percent={"A2", "A5"})
    assert schedule_problems(path) == [(3, "年利率", "150%"), (4, "年利率", "75%"), (6, "年利率", "150%")]


def test_a_typed_1_is_refused_when_read(tmp_path: Path) -> None:
    """Today it is 100 % a year and sends the loan 408 days past due."""
    path = ledger(tmp_path / "l.xlsx", [("A1", 1, "等额本息"), ("A2", "1", "等本等费")])
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings(), as_of=AS_OF)
    found = [(p.row, p.column, p.value) for p in caught.value.problems]
    assert found == [(2, "年利率", "1"), (3, "年利率", "1")]
    assert "1 % or 100 %" in caught.value.problems[0].reason


def test_a_percent_formatted_1_is_100_percent(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [("A1", 1, "等本等费"), ("A2", 1, "等额本息")], percent={"A1", "A2"})
    assert schedule_problems(path) == [(3, "年利率", "100%")]


def test_the_limits_are_settings(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [("A1", 0.75, "等额本息"), ("A2", 0.75, "等本等费")])
    config = tmp_path / "loantool.toml"
    config.write_text('[schedule]\nmax_annual_rate = "80%"\nmax_total_fee_rate = "50%"\n', encoding="utf-8")
    assert schedule_problems(path, load_settings(config)) == [(3, "年利率", "75%")]


@pytest.mark.parametrize("body", ['max_annual_rate = "x"', 'max_total_fee_rate = "-5%"',
                                  'max_annual_rate = "1"'])
def test_bad_limit_settings_are_refused(tmp_path: Path, body: str) -> None:
    config = tmp_path / "loantool.toml"
    config.write_text(f"[schedule]\n{body}\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_settings(config)
    assert "schedule.max_" in caught.value.render()


def test_a_rate_table_rate_above_the_limit_names_the_table(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [("A1", None, "等额本息", "朗逸"), ("A2", None, "等本等费", "朗逸")],
                  rates=[("朗逸", 12, 1.5, 0.12)], rate_percent={3})
    book = openpyxl.load_workbook(path)
    book["贷款台账"].cell(1, 8).value = "车型"
    book.save(path)
    found = schedule_problems(path)
    assert [(row, value) for row, _column, value in found] == [(2, None)]
    settings = Settings()
    ledger_ = load_ledger(path, settings, as_of=AS_OF)
    with pytest.raises(InputError) as caught:
        schedules_for(ledger_, ledger_.loans.frame, settings)
    assert "利率表" in caught.value.problems[0].reason and "150%" in caught.value.problems[0].reason


def test_rate_limits_say_why() -> None:
    limits = RateLimits()
    assert limits.problem("annuity", parse_rate("36%")) is None
    assert "36%" in limits.problem("equal_principal", parse_rate("36.01%"))
    assert limits.problem("flat_fee", parse_rate("100%")) is None
    assert "max_total_fee_rate" in limits.problem("flat_fee", parse_rate("100.5%"))


@pytest.mark.parametrize("text", ["1e400", "nan", "inf", "-inf", "NaN%", "1", "1.0", "99999%", "-0.5"])
def test_parse_rate_refuses_what_is_no_rate(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_rate(text)


# ------------------------------------------------------------------------------------------ commands


def test_overdue_report_refuses_a_ledger_with_a_typed_1(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [("A1", 0.05, "等额本息"), ("A2", 1, "等额本息")])
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(path), "--as-of", "2024-06-30",
                                      "--json", "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)["error"]["problems"]
    assert (problem["row"], problem["column"], problem["value"]) == (3, "年利率", "1")


def _calc(*args: str):
    base = {"--principal": "100000", "--rate": "5%", "--term": "12", "--method": "annuity",
            "--pickup": "2026-01-10"}
    options = dict(zip(args[::2], args[1::2], strict=True))
    flat = [x for key, value in {**base, **options}.items() for x in (key, value)]
    return CliRunner().invoke(app, ["compute-schedule", *flat])


@pytest.mark.parametrize("options", [
    ("--rate", "1e400"), ("--rate", "nan"), ("--rate", "inf"), ("--rate", "1"), ("--rate", "0.75"),
    ("--rate", "150%"), ("--rate", "150%", "--method", "flat_fee"), ("--rate", "-3%"),
    ("--principal", "1e30"), ("--principal", "nan"), ("--principal", "-1e400"), ("--principal", "0"),
])
def test_calculator_inputs_that_are_no_loan_are_usage_errors(options: tuple[str, ...]) -> None:
    result = _calc(*options)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Unexpected" not in result.output


def test_calculator_takes_a_high_flat_fee_within_its_limit() -> None:
    result = _calc("--rate", "75%", "--method", "flat_fee", "--term", "60")
    assert result.exit_code == 0, result.output


def test_a_rate_above_its_limit_in_chinese(tmp_path: Path, chinese) -> None:
    path = ledger(tmp_path / "l.xlsx", [("A1", 1.5, "等额本息")], percent={"A1"})
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(path), "--as-of", "2024-06-30",
                                      "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2
    text = "".join(result.stderr.split())
    assert "年利率150%超过上限36%" in text and "max_annual_rate" in text
