"""quality-report through the CLI: the samples' October, agreement with overdue-report, the JSON shape of
DESIGN.md, several ledgers rolled up by branch, and the refusals.

The ten-loan ledger here is test_quality_core.py's (its numbers are worked out there), written as the
desk's workbook: the CLI must give the same matrix and rates as the core.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from loantool.cli import app

LOAN_HEADER = [
    "合同编号",
    "客户姓名",
    "经销商",
    "贷款金额",
    "期数",
    "年利率",
    "还款方式",
    "提车日期",
    "银行还款日",
    "状态",
    "结清日期",
    "核销日期",
]
TEN = [  # contract, pickup, dealer, status, settled, written off, customer payments (first due, count)
    (
        "L1",
        dt.date(2025, 12, 10),
        "杭州甲店",
        "结清",
        dt.date(2026, 11, 5),
        None,
        [(dt.date(2026, 1, 15), 10)],
    ),
    ("L2", dt.date(2025, 12, 10), "杭州甲店", "在贷", None, None, [(dt.date(2026, 1, 15), 9)]),
    (
        "L3",
        dt.date(2025, 12, 10),
        "杭州甲店",
        "结清",
        dt.date(2026, 10, 20),
        None,
        [(dt.date(2026, 1, 15), 9)],
    ),
    ("L4", dt.date(2025, 12, 10), "杭州乙店", "在贷", None, None, [(dt.date(2026, 1, 15), 6)]),
    ("L5", dt.date(2025, 12, 10), "杭州乙店", "在贷", None, None, [(dt.date(2026, 1, 15), 8)]),
    ("L6", dt.date(2025, 12, 10), "杭州乙店", "在贷", None, None, []),
    ("L7", dt.date(2024, 11, 10), "杭州甲店", "在贷", None, None, [(dt.date(2024, 12, 15), 10)]),
    (
        "L8",
        dt.date(2024, 6, 10),
        "杭州甲店",
        "核销",
        None,
        dt.date(2026, 10, 20),
        [(dt.date(2024, 7, 15), 2)],
    ),
    ("L9", dt.date(2024, 6, 10), "杭州甲店", "在贷", None, None, [(dt.date(2024, 7, 15), 3)]),
    ("L10", dt.date(2026, 10, 5), "杭州乙店", "在贷", None, None, []),
]


def _months(first: dt.date, count: int) -> list[dt.date]:
    return [
        dt.date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, first.day)
        for k in range(count)
    ]


def ten_ledger(path: Path, *, prefix: str = "") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(LOAN_HEADER)
    pay = wb.create_sheet("还款记录")
    pay.append(["合同编号", "交易日期", "金额", "类型", "流水号", "备注"])
    for contract, pickup, dealer, status, settled, written_off, paid in TEN:
        ws.append(
            [
                prefix + contract,
                f"客户{contract}",
                dealer,
                36000,
                36,
                "0%",
                "等额本金",
                pickup,
                15,
                status,
                settled,
                written_off,
            ]
        )
        for first, count in paid:
            for day in _months(first, count):
                pay.append([prefix + contract, day, 1000, "客户还款", None, None])
    pay.append([prefix + "L5", dt.date(2026, 10, 10), 1000, "客户还款", None, None])
    pay.append([prefix + "L5", dt.date(2026, 10, 15), 1000, "客户还款", None, None])
    pay.append([prefix + "L8", dt.date(2026, 11, 3), 600, "客户还款", None, "核销后收回"])
    wb.save(path)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def invoke(*args):
    return CliRunner().invoke(app, [*map(str, args)])


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def ten(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path, ten_ledger(tmp_path / "ledger.xlsx")


def test_the_ten_loans_through_the_cli(ten):
    folder, ledger = ten
    before = sha(ledger)
    doc = _json(
        invoke(
            "quality-report",
            "--period",
            "2026-10",
            "--as-of",
            "2026-11-30",
            "--json",
            "--out",
            folder / "q.xlsx",
        )
    )
    assert sha(ledger) == before
    assert (doc["period"], doc["as_of"], doc["since"], doc["year_start"]) == (
        "2026-10",
        "2026-10-31",
        "2026-09-30",
        "2025-12-31",
    )
    assert doc["classes"] == [
        {"classification": "normal", "loans": 3, "balance": "88000.00"},
        {"classification": "special_mention", "loans": 1, "balance": "27000.00"},
        {"classification": "substandard", "loans": 1, "balance": "30000.00"},
        {"classification": "doubtful", "loans": 1, "balance": "36000.00"},
        {"classification": "loss", "loans": 2, "balance": "59000.00"},
    ]
    assert (doc["npl_ratio"], doc["npl_ratio_since"], doc["npl_ratio_change"]) == ("52.08", "48.13", "3.95")
    assert doc["migration_rates"] == {
        "normal": "50.94",
        "special_mention": "53.57",
        "substandard": "100.00",
        "doubtful": "100.00",
        "performing": "27.52",
    }
    assert [f["rate"] for f in doc["flow_rates"]] == ["33.33", "0.00", None, "100.00", None, None, None]
    assert len(doc["migration"]) == 35
    assert {
        "from": "loss",
        "to": "written_off",
        "loans": 1,
        "start_balance": "34000.00",
        "end_balance": "0.00",
    } in doc["migration"]
    assert doc["write_offs"]["month"] == {"loans": 1, "principal": "34000.00"}
    assert doc["recoveries"]["month"] == {"loans": 0, "amount": "0.00"}  # L8's 600.00 came in November
    assert doc["lian3lei6"] == {"loans": 4, "balance": "125000.00"}
    assert [d["dealer"] for d in doc["by_dealer"]] == ["杭州乙店", "杭州甲店"]
    assert doc["by_branch"][0]["branch"] == "ledger" and doc["by_branch"][0]["balance"] == "240000.00"
    assert len(doc["history"]) == 12 and doc["history"][-1]["month_end"] == "2026-10-31"
    assert doc["history"][-1]["npl_ratio"] == "52.08"
    assert len(doc["flow_history"]) == 12 and doc["flow_history"][-1]["rates"]["M0→M1"] == "33.33"
    assert set(doc["year_to_date"]) == {"since", "migration", "migration_rates", "flow_rates"}
    book = openpyxl.load_workbook(folder / "q.xlsx")
    assert book.sheetnames == ["Asset quality", "Migration matrix", "Migration rates", "Dealers", "Detail"]
    detail = list(book["Detail"].iter_rows(values_only=True))
    contracts = [row[0] for row in detail]
    assert "L10" in contracts and "L8" in contracts  # new in the month; written off in the month
    november = _json(
        invoke(
            "quality-report",
            "--period",
            "2026-11",
            "--as-of",
            "2026-11-30",
            "--json",
            "--history",
            "0",
            "--out",
            folder / "q11.xlsx",
        )
    )
    assert november["recoveries"]["month"] == {"loans": 1, "amount": "600.00"}
    assert november["history"] == [] and november["flow_history"] == []


def test_a_month_end_figure_never_changes_after_later_events(ten):
    folder, ledger = ten
    first = _json(
        invoke(
            "quality-report",
            "--period",
            "2026-09",
            "--as-of",
            "2026-11-30",
            "--json",
            "--history",
            "0",
            "--out",
            folder / "a.xlsx",
        )
    )
    # later: L2 settles in November, L9 is written off, a late payment arrives – September stays the same
    wb = openpyxl.load_workbook(ledger)
    ws = wb["贷款台账"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "L2":
            row[9].value, row[10].value = "结清", dt.datetime(2026, 11, 20)
        if row[0].value == "L9":
            row[9].value, row[11].value = "核销", dt.datetime(2026, 11, 25)
    wb["还款记录"].append(["L6", dt.datetime(2026, 11, 28), 5000, "客户还款", None, None])
    wb.save(ledger)
    again = _json(
        invoke(
            "quality-report",
            "--period",
            "2026-09",
            "--as-of",
            "2026-11-30",
            "--json",
            "--history",
            "0",
            "--out",
            folder / "b.xlsx",
        )
    )
    for key in (
        "classes",
        "classes_since",
        "npl_ratio",
        "migration",
        "migration_rates",
        "flow_rates",
        "by_dealer",
        "lian3lei6",
    ):
        assert again[key] == first[key], key


def test_the_samples_october_agrees_with_overdue_report(sample_dir, monkeypatch):
    monkeypatch.chdir(sample_dir)
    before = sha(sample_dir / "ledger.xlsx")
    doc = _json(invoke("quality-report", "--period", "2026-10", "--json", "--out", sample_dir / "q.xlsx"))
    overdue = _json(
        invoke("overdue-report", "--as-of", "2026-10-31", "--json", "--out", sample_dir / "o.xlsx")
    )
    by_class = {
        c["classification"]: (c["loans"], c["outstanding_principal"]) for c in overdue["summary"]["by_class"]
    }
    assert {c["classification"]: (c["loans"], c["balance"]) for c in doc["classes"]} == by_class
    assert doc["npl_ratio"] + "%" == overdue["summary"]["npl_ratio"]
    assert doc["lian3lei6"]["loans"] == overdue["summary"]["lian3lei6"]
    # a sensible month: most of the book is normal, the NPL ratio is small, the cohort closes
    normal = next(c for c in doc["classes"] if c["classification"] == "normal")
    assert normal["loans"] > 250 and 0 < float(doc["npl_ratio"]) < 5
    start = sum(m["loans"] for m in doc["migration"])
    assert start == sum(c["loans"] for c in doc["classes_since"])
    assert doc["year_to_date"]["migration"]  # the year start 2025-12-31 had loans on the books
    assert sum(m["loans"] for m in doc["year_to_date"]["migration"] if m["to"] == "written_off") == 1
    assert sha(sample_dir / "ledger.xlsx") == before


def test_several_ledgers_roll_up_by_branch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hz").mkdir()
    (tmp_path / "nb").mkdir()
    hangzhou = ten_ledger(tmp_path / "hz" / "ledger.xlsx")
    (tmp_path / "hz" / "loantool.toml").write_text('[company]\nbranch = "杭州分公司"\n', encoding="utf-8")
    ningbo = ten_ledger(tmp_path / "nb" / "宁波台账.xlsx")  # the same contract numbers: another branch
    doc = _json(
        invoke(
            "quality-report",
            "--ledger",
            hangzhou,
            "--ledger",
            ningbo,
            "--period",
            "2026-10",
            "--as-of",
            "2026-11-30",
            "--json",
            "--out",
            tmp_path / "roll.xlsx",
        )
    )
    assert [(b["branch"], b["balance"], b["npl_ratio"]) for b in doc["by_branch"]] == [
        ("杭州分公司", "240000.00", "52.08"),
        ("宁波台账", "240000.00", "52.08"),
    ]
    assert [c["balance"] for c in doc["classes"]] == [
        "176000.00",
        "54000.00",
        "60000.00",
        "72000.00",
        "118000.00",
    ]
    assert doc["npl_ratio"] == "52.08" and doc["migration_rates"]["normal"] == "50.94"
    assert sum(m["loans"] for m in doc["migration"]) == 18
    assert doc["write_offs"]["month"] == {"loans": 2, "principal": "68000.00"}
    assert [led["branch"] for led in doc["ledgers"]] == ["杭州分公司", "宁波台账"]
    book = openpyxl.load_workbook(tmp_path / "roll.xlsx")
    assert "Branches" in book.sheetnames
    rows = list(book["Branches"].iter_rows(values_only=True))
    assert any(row[0] == "Total" and row[2] == 480000 for row in rows)
    detail = [row for row in book["Detail"].iter_rows(values_only=True) if row[1] == "L1"]
    assert {row[0] for row in detail} == {"杭州分公司", "宁波台账"}


def test_two_ledgers_of_the_same_file_name_take_their_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        ten_ledger(tmp_path / name / "ledger.xlsx")
    doc = _json(
        invoke(
            "quality-report",
            "--ledger",
            tmp_path / "a" / "ledger.xlsx",
            "--ledger",
            tmp_path / "b" / "ledger.xlsx",
            "--period",
            "2026-10",
            "--as-of",
            "2026-11-30",
            "--json",
            "--history",
            "0",
            "--out",
            tmp_path / "r.xlsx",
        )
    )
    assert [b["branch"] for b in doc["by_branch"]] == ["a/ledger", "b/ledger"]
    same = invoke(
        "quality-report",
        "--ledger",
        tmp_path / "a" / "ledger.xlsx",
        "--ledger",
        tmp_path / "a" / "ledger.xlsx",
        "--period",
        "2026-10",
        "--as-of",
        "2026-11-30",
    )
    assert same.exit_code == 2 and "given twice" in same.stderr


def test_a_contract_twice_inside_one_ledger_is_refused(ten):
    folder, ledger = ten
    wb = openpyxl.load_workbook(ledger)
    wb["贷款台账"].append(
        ["L2", "又一个", "杭州甲店", 1000, 12, "0%", "等额本金", dt.datetime(2026, 1, 5), 15, "在贷"]
    )
    wb.save(ledger)
    result = invoke("quality-report", "--period", "2026-10", "--as-of", "2026-11-30", "--json")
    assert result.exit_code == 2
    assert "L2" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--period", "2026-12", "--as-of", "2026-11-30"], "--period: the month 2026-12 ends on 2026-12-31, "
                                                           "after 2026-11-30"),
        (["--period", "2026-13"], "--period: '2026-13' is not a month"),
        (["--period", "2026-10", "--since", "2026-10-31", "--as-of", "2026-11-30"],
         "--since: The comparison start 2026-10-31 must come"),
        (["--period", "2026-10", "--as-of", "2026-11-30", "--out", "ledger.xlsx"],
         "--out: The report file ledger.xlsx is the ledger"),
        (["--history", "61"], "--history: A chart history of 61 months is out of range"),
    ],
)
def test_usage_errors(ten, args, words):
    result = invoke("quality-report", *args)
    assert result.exit_code == 2
    assert words in result.stderr


def test_default_period_is_the_last_month_ended_and_since_can_be_any_day(ten):
    folder, _ledger = ten
    doc = _json(
        invoke(
            "quality-report", "--as-of", "2026-11-15", "--json", "--history", "0", "--out", folder / "d.xlsx"
        )
    )
    assert doc["period"] == "2026-10"
    custom = _json(
        invoke(
            "quality-report",
            "--period",
            "2026-10",
            "--since",
            "2026-06-30",
            "--as-of",
            "2026-11-30",
            "--json",
            "--history",
            "0",
            "--out",
            folder / "e.xlsx",
        )
    )
    assert custom["since"] == "2026-06-30"
    assert sum(m["loans"] for m in custom["migration"]) == sum(c["loans"] for c in custom["classes_since"])


def test_console_summary_in_chinese(ten, chinese):
    folder, _ledger = ten
    result = invoke(
        "quality-report", "--period", "2026-10", "--as-of", "2026-11-30", "--out", folder / "c.xlsx"
    )
    assert result.exit_code == 0, result.stderr
    assert "资产质量 2026-10：月末 2026-10-31" in result.stdout
    assert "不良贷款率 52.08%" in result.stdout
    assert "报告：" in result.stdout
    book = openpyxl.load_workbook(folder / "c.xlsx")
    assert book.sheetnames == ["资产质量", "迁徙矩阵", "迁徙率", "经销商", "明细"]
    rows = list(book["资产质量"].iter_rows(values_only=True))
    assert ("五级分类", "月末笔数", "月末余额", "占比") in [row[:4] for row in rows]
    assert any(row[0] == "其中：不良贷款" for row in rows) and any(row[0] == "合计" for row in rows)


def test_an_empty_ledger_gives_zeros_and_no_rates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = Path(__file__).resolve().parents[1] / "templates" / "ledger.xlsx"
    (tmp_path / "ledger.xlsx").write_bytes(template.read_bytes())
    doc = _json(
        invoke(
            "quality-report",
            "--period",
            "2026-10",
            "--as-of",
            "2026-11-30",
            "--json",
            "--out",
            tmp_path / "q.xlsx",
        )
    )
    assert all(c["loans"] == 0 and c["balance"] == "0.00" for c in doc["classes"])
    assert doc["npl_ratio"] is None and set(doc["migration_rates"].values()) == {None}
    assert all(f["rate"] is None for f in doc["flow_rates"])
    assert openpyxl.load_workbook(tmp_path / "q.xlsx").sheetnames[0] == "Asset quality"
