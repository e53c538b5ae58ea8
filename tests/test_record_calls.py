"""record-calls and record-call through the CLI: the filled 电话催收单 back into 催收记录, twice = once, every
bad cell listed, and what the records change in the overdue report (promises, waiting, limitation).

The ledger is test_overdue_cli's (hand-worked there): as of 2026-11-30 the call list is HT008 (DPD 1234,
claim expiring 2026-12-15), HT004 (DPD 107, guarantor 周九) and HT003 (DPD 15)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from test_overdue_cli import AS_OF, build_ledger
from typer.testing import CliRunner

from loantool.cli import app

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def run(*args):
    return CliRunner().invoke(app, [*map(str, args)])


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = build_ledger(tmp_path / "ledger.xlsx")
    report = tmp_path / "report.xlsx"
    # the call sheet printed in Chinese, recorded by runs in English (the tests' language): a sheet is read
    # back whatever language it was written in
    result = run("overdue-report", "--ledger", ledger, "--as-of", AS_OF, "--out", report, "--quiet",
                 "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    return tmp_path, ledger, report


def fill(report: Path, target: Path, answers: dict[str, dict[str, object]], *, reverse: bool = True) -> Path:
    """Fill the 电话催收单 as a caller would (the columns found by their headers), the rows put in reverse
    order, and save it with openpyxl (an edited copy, not the report)."""
    book = openpyxl.load_workbook(report)
    ws = book["电话催收单"]
    header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "合同编号")
    columns = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    rows = []
    r = header_row + 1
    while ws.cell(r, 1).value not in (None, "合计"):
        rows.append([ws.cell(r, c).value for c in range(1, ws.max_column + 1)])
        r += 1
    if reverse:
        rows.reverse()
    for i, values in enumerate(rows):
        for c, value in enumerate(values, start=1):
            ws.cell(header_row + 1 + i, c).value = value
        for name, value in answers.get(values[0], {}).items():
            ws.cell(header_row + 1 + i, columns[name]).value = value
    book.save(target)
    return target


def libreoffice_save(path: Path, folder: Path) -> Path:
    """Open and save the workbook with LibreOffice (headless), as a caller on LibreOffice would."""
    folder.mkdir(exist_ok=True)
    subprocess.run([SOFFICE, "--headless", "--convert-to", "xlsx", "--outdir", str(folder), str(path)],
                   check=True, capture_output=True, timeout=180)
    saved = folder / path.name
    assert saved.is_file()
    return saved


ANSWERS = {
    "HT004": {"催收结果": "保证人答应月底前代还", "承诺还款日": "2026-12-05", "承诺金额": 1060,
              "对象": "保证人", "经办": "小王"},
    "HT003": {"催收结果": "无人接听"},
}


def records(ledger: Path) -> list[list]:
    rows = CalamineWorkbook.from_path(str(ledger)).get_sheet_by_name("催收记录").to_python()
    return rows


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: the call sheet "
                                            "cannot be saved by a real spreadsheet program here")
def test_a_call_sheet_saved_by_libreoffice_is_recorded_once(desk):
    folder, ledger, report = desk
    filled = libreoffice_save(fill(report, folder / "filled.xlsx", ANSWERS), folder / "lo")
    before = sha(filled)
    result = run("record-calls", filled, "--ledger", ledger, "--as-of", AS_OF, "--by", "小李", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["added"], doc["already_recorded"], doc["written"]) == (2, 0, True)
    rows = records(ledger)
    assert rows[0] == ["合同编号", "催收日期", "方式", "对象", "结果", "承诺还款日", "承诺金额", "经办",
                       "备注"]
    body = sorted(rows[1:])
    assert [r[:5] for r in body] == [["HT003", _day(AS_OF), "电话", "借款人", "无人接听"],
                                     ["HT004", _day(AS_OF), "电话", "保证人", "保证人答应月底前代还"]]
    assert (body[1][5], body[1][6], body[1][7]) == (_day("2026-12-05"), 1060, "小王")
    assert body[0][7] == "小李"  # --by where the sheet's 经办 is empty
    assert sha(filled) == before  # the call sheet is never written

    written = sha(ledger)
    again = run("record-calls", filled, "--ledger", ledger, "--as-of", AS_OF, "--json")
    assert again.exit_code == 0, again.stderr
    doc = json.loads(again.stdout)
    assert (doc["added"], doc["already_recorded"], doc["written"]) == (0, 2, False)
    assert sha(ledger) == written  # the same sheet twice adds nothing
    journal = (folder / ".loantool" / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    entry = json.loads(journal[0])
    assert entry["command"] == "record-calls" and entry["inputs"][0]["sha256"] == before


def _day(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_the_overdue_report_shows_the_promise_then_puts_a_broken_one_first(desk):
    folder, ledger, report = desk
    filled = fill(report, folder / "filled.xlsx", ANSWERS)
    assert run("record-calls", filled, "--ledger", ledger, "--as-of", AS_OF, "--quiet").exit_code == 0

    doc = json.loads(run("overdue-report", "--ledger", ledger, "--as-of", AS_OF, "--json",
                         "--out", folder / "a.xlsx", "--lang", "zh").stdout)
    calls = {c["contract_no"]: c for c in doc["call_list"]}
    assert [c["contract_no"] for c in doc["call_list"]] == ["HT008", "HT003", "HT004"]  # waiting: last
    assert calls["HT004"] == {**calls["HT004"], "last_contact_on": AS_OF,
                              "last_result": "保证人答应月底前代还",
                              "promise_date": "2026-12-05", "promise_amount": "1060.00",
                              "promise_status": "open", "waiting": True}
    assert calls["HT003"]["last_result"] == "无人接听" and calls["HT003"]["promise_status"] is None
    sheet = CalamineWorkbook.from_path(str(folder / "a.xlsx")).get_sheet_by_name("电话催收单").to_python()
    ht004 = next(r for r in sheet if r[0] == "HT004")
    assert "等待承诺日" in ht004[7] and "承诺12-05 1,060.00 待付" in ht004[6]
    run("overdue-report", "--ledger", ledger, "--as-of", AS_OF, "--quiet", "--out", folder / "a-en.xlsx")
    sheet = CalamineWorkbook.from_path(str(folder / "a-en.xlsx")).get_sheet_by_name("Call sheet").to_python()
    ht004 = next(r for r in sheet if r[0] == "HT004")
    assert ht004[7] == "waiting\ncall after 12-05" and "PTP 12-05 1,060.00 open" in ht004[6]

    later = json.loads(run("overdue-report", "--ledger", ledger, "--as-of", "2026-12-06", "--json",
                           "--out", folder / "b.xlsx").stdout)
    # the broken promise first
    assert [c["contract_no"] for c in later["call_list"]] == ["HT004", "HT008", "HT003", "HT007"]
    assert later["call_list"][0]["promise_status"] == "broken" and not later["call_list"][0]["waiting"]

    keep = folder / "loantool.toml"
    keep.write_text("[actions]\ncall_during_promise = true\n", encoding="utf-8")
    calling = json.loads(run("overdue-report", "--ledger", ledger, "--as-of", AS_OF, "--json",
                             "--out", folder / "c.xlsx").stdout)
    assert [c["contract_no"] for c in calling["call_list"]] == ["HT008", "HT004", "HT003"]


def test_a_signed_notice_moves_the_loan_off_the_expiring_list(desk):
    folder, ledger, _ = desk
    first = json.loads(run("overdue-report", "--ledger", ledger, "--as-of", AS_OF, "--json",
                           "--out", folder / "a.xlsx").stdout)
    assert [x["contract_no"] for x in first["limitation"]] == ["HT008"]
    assert "HT008" in {n["contract_no"] for n in first["quarterly_notices"]}
    result = run("record-call", "HT008", "--method", "函件", "--result", "已签收", "--ledger", ledger,
                 "--as-of", AS_OF, "--by", "小王")
    assert result.exit_code == 0, result.stderr
    after = json.loads(run("overdue-report", "--ledger", ledger, "--as-of", AS_OF, "--json",
                           "--out", folder / "b.xlsx").stdout)
    assert after["limitation"] == []  # 3 years from 2026-11-30 now
    assert "HT008" not in {n["contract_no"] for n in after["quarterly_notices"]}  # this quarter's is signed
    ht008 = next(item for item in after["loans"] if item["contract_no"] == "HT008")
    assert ht008["actions"] == ["call_daily", "escalate"]
    again = run("record-call", "HT008", "--method", "函件", "--result", "已签收", "--ledger", ledger,
                "--as-of", AS_OF, "--json")
    assert json.loads(again.stdout)["added"] == 0


def test_bad_cells_are_all_listed_and_nothing_is_written(desk):
    folder, ledger, report = desk
    answers = {
        # promised before the call
        "HT004": {"催收结果": "答应", "承诺还款日": "2026-11-29", "承诺金额": 1060},
        "HT003": {"催收结果": "答应", "承诺还款日": "2026-12-05", "承诺金额": "一千元"},  # not an amount
        "HT008": {"合同编号": "HT999", "催收结果": "空号", "对象": "邻居"},  # unknown contract, unknown 对象
    }
    filled = fill(report, folder / "filled.xlsx", answers, reverse=False)
    before = sha(ledger)
    result = run("record-calls", filled, "--ledger", ledger, "--as-of", AS_OF, "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["error"]["problems"]
    found = {(p["column"], p["value"]) for p in problems}
    assert found == {("承诺还款日", "2026-11-29"), ("承诺金额", "一千元"), ("合同编号", "HT999"),
                     ("对象", "邻居")}
    assert all(p["sheet"] == "电话催收单" and p["row"] for p in problems)
    assert sha(ledger) == before and not (folder / ".loantool" / "journal.jsonl").exists()


def test_a_call_sheet_without_its_date_or_dated_in_the_future_is_refused(desk):
    folder, ledger, report = desk
    book = openpyxl.load_workbook(report)
    book["电话催收单"]["B2"].value = "2026-12-24"
    book["电话催收单"]["I4"].value = "无人接听"
    book.save(folder / "future.xlsx")
    result = run("record-calls", folder / "future.xlsx", "--ledger", ledger, "--as-of", AS_OF)
    assert result.exit_code == 2 and "2026-12-24" in result.stderr
    book["电话催收单"]["A2"].value = None
    book.save(folder / "undated.xlsx")
    result = run("record-calls", folder / "undated.xlsx", "--ledger", ledger, "--as-of", AS_OF)
    assert result.exit_code == 2 and "催收日期" in result.stderr


def test_dry_run_writes_nothing_and_an_empty_sheet_adds_nothing(desk):
    folder, ledger, report = desk
    filled = fill(report, folder / "filled.xlsx", ANSWERS)
    before = sha(ledger)
    result = run("record-calls", filled, "--ledger", ledger, "--as-of", AS_OF, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "Dry run: 2 collection records would be added" in result.stdout and "HT004" in result.stdout
    assert sha(ledger) == before
    result = run("record-calls", report, "--ledger", ledger, "--as-of", AS_OF, "--json")
    assert json.loads(result.stdout)["added"] == 0 and sha(ledger) == before


def test_record_call_refuses_bad_options(desk):
    folder, ledger, _ = desk
    before = sha(ledger)
    cases = [
        (["HT999", "--result", "x"], "HT999"),
        (["HT004", "--result", "x", "--promise-date", "2026-11-01", "--promise-amount", "100"], "2026-11-01"),
        (["HT004", "--result", "x", "--promise-date", "2026-12-01", "--promise-amount", "一百"], "一百"),
        (["HT004", "--result", "x", "--promise-date", "2026-12-01"], "--promise-amount"),
        (["HT004", "--result", "x", "--method", "飞鸽"], "飞鸽"),
        (["HT004", "--result", "x", "--party", "邻居"], "邻居"),
        (["HT004", "--result", " "], "--result"),
    ]
    for args, text in cases:
        result = run("record-call", *args, "--ledger", ledger, "--as-of", AS_OF)
        assert result.exit_code == 2, args
        assert text in result.stderr, (args, result.stderr)
    assert sha(ledger) == before


def test_a_promised_amount_that_is_not_money_says_why_once(desk, chinese):
    folder, ledger, _ = desk
    result = run("record-call", "HT004", "--result", "x", "--promise-date", "2026-12-01",
                 "--promise-amount", "一百", "--ledger", ledger, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：--promise-amount：承诺金额“一百”：")
    assert result.stderr.count("不是金额") <= 1, result.stderr


def test_record_calls_speaks_chinese_by_default(desk, chinese):
    folder, ledger, report = desk
    filled = fill(report, folder / "filled.xlsx", ANSWERS)
    result = run("record-calls", filled, "--ledger", ledger, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert "已在 ledger.xlsx 记录 2 条催收记录" in result.stdout
    bad = run("record-call", "HT999", "--result", "x", "--ledger", ledger, "--as-of", AS_OF)
    assert bad.exit_code == 2 and bad.stderr.startswith("错误：") and "HT999" in bad.stderr


def test_a_call_sheet_printed_in_english_is_recorded_by_a_run_in_chinese(desk, chinese):
    """The sheet written with --lang en (sheet Call sheet, English headers and date label, the English
    words of the drop-down lists), filled in English words, read back by a run in the default language."""
    folder, ledger, _report = desk
    english = folder / "english.xlsx"
    result = run("overdue-report", "--ledger", ledger, "--as-of", AS_OF, "--out", english, "--quiet",
                 "--lang", "en")
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(english)
    ws = book["Call sheet"]
    assert ws["A2"].value == "Call date"
    headers = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
    assert {"Contract no.", "Call result", "Promise date", "Promised amount", "Party", "Method",
            "Handled by", "Remarks"} <= set(headers)
    lists = [v.formula1 for v in ws.data_validations.dataValidation if v.type == "list"]
    assert '"borrower,guarantor,dealer"' in lists and '"phone,sms,visit,letter"' in lists
    for r in range(4, 4 + 3):
        if ws.cell(r, 1).value == "HT004":
            ws.cell(r, headers["Call result"]).value = "guarantor will pay"
            ws.cell(r, headers["Promise date"]).value = "2026-12-05"
            ws.cell(r, headers["Promised amount"]).value = 1060
            ws.cell(r, headers["Party"]).value = "guarantor"
            ws.cell(r, headers["Method"]).value = "visit"
    book.save(folder / "filled-en.xlsx")
    result = run("record-calls", folder / "filled-en.xlsx", "--ledger", ledger, "--as-of", AS_OF,
                 "--by", "小王")
    assert result.exit_code == 0, result.stderr
    assert "已在 ledger.xlsx 记录 1 条催收记录" in result.stdout
    rows = records(ledger)
    assert rows[1][:7] == ["HT004", _day(AS_OF), "上门", "保证人", "guarantor will pay", _day("2026-12-05"),
                           1060]
