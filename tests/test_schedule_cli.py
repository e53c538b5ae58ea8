"""compute-schedule end to end: calculator, ledger mode, --json, marking, bad input."""

import json
from pathlib import Path

from conftest import sha256
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from loantool.cli import app

runner = CliRunner()


def invoke(*args, cwd=None):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_calculator_prints_the_schedule_and_totals():
    result = invoke("compute-schedule", "--principal", "22650", "--rate", "3.88%", "--term", "1",
                    "--method", "等额本息", "--pickup", "2024-01-31")
    assert result.exit_code == 0, result.output
    # one period: interest 22650 × 0.0388 / 12 = 73.235 → 73.24; due Feb 29 (2024 is a leap year)
    assert "2024-02-29" in result.stdout
    assert "73.24" in result.stdout
    assert "22,723.24" in result.stdout


def test_calculator_json_is_the_schedule_document():
    result = invoke("compute-schedule", "--principal", "100000", "--rate", "8%", "--term", "36",
                    "--method", "flat_fee", "--pickup", "2026-01-31", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    (schedule,) = document["schedules"]
    rows = schedule["installments"]
    assert schedule["method"] == "flat_fee" and len(rows) == 36
    # fee 100000 × 8 % / 36 = 222.22…; principal 2777.78 × 35, the last takes the rest
    assert rows[0] == {"period": 1, "due_date": "2026-02-28", "principal": "2777.78", "interest": "0.00",
                       "fee": "222.22", "payment": "3000.00", "balance": "97222.22"}
    assert (rows[-1]["principal"] == "2777.70" and rows[-1]["fee"] == "222.30"
            and rows[-1]["balance"] == "0.00")
    assert rows[2]["due_date"] == "2026-04-30" and rows[1]["due_date"] == "2026-03-31"
    assert schedule["totals"]["fee"] == "8000.00"


def test_calculator_bad_options_are_usage_errors_without_traceback():
    result = invoke("compute-schedule", "--principal", "abc", "--rate", "5%", "--term", "12",
                    "--method", "annuity", "--pickup", "2026-01-01")
    assert result.exit_code == 2
    assert "Error: --principal: 'abc' is not an amount" in result.stderr
    assert "Traceback" not in result.output
    result = invoke("compute-schedule", "--principal", "1000", "--rate", "5%", "--term", "12",
                    "--method", "balloon", "--pickup", "2026-01-01")
    assert result.exit_code == 2 and "not a repayment method" in result.stderr
    result = invoke("compute-schedule", "--principal", "1000", "--rate", "5%", "--term", "12",
                    "--method", "annuity", "--pickup", "2026-13-01")
    assert result.exit_code == 2 and "is not a date" in result.stderr


def test_pending_writes_letters_and_marks_them_issued(sample_dir, tmp_path):
    ledger = sample_dir / "ledger.xlsx"
    out = tmp_path / "letters"
    inputs_before = sha256(sample_dir / "inbox" / "slips" / "放款单_工商银行_20261126.xlsx")
    result = invoke("compute-schedule", "--pending", "--ledger", ledger,
                    "--config", sample_dir / "loantool.toml", "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    produced = [s["contract_no"] for s in document["schedules"]]
    assert produced and sorted(document["marked"]) == sorted(produced)
    letters = sorted(p.name for p in out.glob("*_*.xlsx") if p != Path(document["combined"]))
    assert len(letters) == len(produced)
    assert all(name.split("_")[0] in produced for name in letters)
    # the ledger now says 是 for them, and a second run has nothing pending
    again = invoke("compute-schedule", "--pending", "--ledger", ledger,
                   "--config", sample_dir / "loantool.toml", "--out", tmp_path / "again", "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["schedules"] == []
    assert sha256(sample_dir / "inbox" / "slips" / "放款单_工商银行_20261126.xlsx") == inputs_before


def test_letter_holds_customer_block_schedule_and_totals(sample_dir, tmp_path, chinese):
    out = tmp_path / "letters"
    result = invoke("compute-schedule", "--pending", "--no-mark", "--ledger", sample_dir / "ledger.xlsx",
                    "--config", sample_dir / "loantool.toml", "--out", out, "--json")
    assert result.exit_code == 0
    schedule = json.loads(result.stdout)["schedules"][0]
    letter = out / f"{schedule['contract_no']}_{schedule['customer_name']}.xlsx"
    rows = CalamineWorkbook.from_path(str(letter)).get_sheet_by_name("还款明细").to_python()
    text = "\n".join(" ".join(str(c) for c in row) for row in rows)
    assert schedule["customer_name"] in text and schedule["contract_no"] in text
    assert "客户签字" in text
    total_row = next(row for row in rows if row and row[0] == "合计")
    largest = max(total_row[2:], key=lambda v: v if isinstance(v, float) else 0)
    assert f"{largest:.2f}" == schedule["totals"]["payment"]


def test_no_mark_leaves_the_ledger_byte_identical(sample_dir, tmp_path):
    ledger = sample_dir / "ledger.xlsx"
    before = sha256(ledger)
    result = invoke("compute-schedule", "--pending", "--no-mark", "--ledger", ledger,
                    "--config", sample_dir / "loantool.toml", "--out", tmp_path / "o", "--quiet")
    assert result.exit_code == 0 and result.stdout == ""
    assert sha256(ledger) == before


def test_unknown_contract_and_missing_mode_are_usage_errors(sample_dir):
    result = invoke("compute-schedule", "NOPE-1", "--ledger", sample_dir / "ledger.xlsx",
                    "--config", sample_dir / "loantool.toml")
    assert result.exit_code == 2 and "NOPE-1 not found" in result.stderr
    result = invoke("compute-schedule", "--ledger", sample_dir / "ledger.xlsx",
                    "--config", sample_dir / "loantool.toml")
    assert result.exit_code == 2 and "--pending" in result.stderr


def test_bad_ledger_cells_are_all_reported_and_nothing_is_written(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(["XX公司 贷款台账"])  # a title row above the header
    ws.append(["合同编号", "客户姓名", "贷款金额", "期数", "年利率", "还款方式", "提车日期", "还款明细已出"])
    ws.append(["HT001", "张三", "abc", 12, "5%", "等额本息", "2026-01-15", "否"])
    ws.append(["HT002", "李四", 50000, 12, "5%", "等额本息", "2026-02-30", "否"])
    ledger = tmp_path / "ledger.xlsx"
    wb.save(ledger)
    before = sha256(ledger)
    out = tmp_path / "out"
    result = invoke("compute-schedule", "--pending", "--ledger", ledger, "--out", out)
    assert result.exit_code == 2
    assert "row 3" in result.stderr and "贷款金额" in result.stderr and "'abc'" in result.stderr
    assert "row 4" in result.stderr and "提车日期" in result.stderr
    assert "Traceback" not in result.output
    assert sha256(ledger) == before
    assert not out.exists()


def test_terms_that_give_no_schedule_are_a_usage_error():
    # 1.00 yuan over 120 months: round(100/120) = 1 fen a month would overshoot, the last part negative
    result = invoke("compute-schedule", "--principal", "1", "--rate", "5%", "--term", "120",
                    "--method", "flat_fee", "--pickup", "2026-01-01")
    assert result.exit_code == 2
    assert "no valid schedule" in result.stderr and "Traceback" not in result.output


def test_checks_on_entry_are_shown_for_the_loans_being_scheduled(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(["合同编号", "客户姓名", "银行卡号", "贷款金额", "期数", "年利率", "还款方式", "提车日期",
               "还款明细已出"])
    # both cards fail the Luhn check
    ws.append(["HT001", "张三", "6222021234567890124", 50000, 12, "5%", "等额本息", "2026-01-15", "否"])
    ws.append(["HT002", "李四", "6222021234567890125", 50000, 12, "5%", "等额本息", "2026-01-15", "是"])
    ledger = tmp_path / "ledger.xlsx"
    wb.save(ledger)
    result = invoke("compute-schedule", "--pending", "--no-mark", "--ledger", ledger, "--out", tmp_path / "o")
    assert result.exit_code == 0, result.stderr
    assert "row 2" in result.stderr and "Luhn" in result.stderr  # HT001, being printed now
    assert "row 3" not in result.stderr  # HT002's schedule went out long ago
