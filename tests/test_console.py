"""The console as a cron log reads it: 80 columns, nothing cut, the same ledger warnings not repeated.

Each command's console view is rendered 80 columns wide (a rich Console of width 80, as cron and a
pipe give) in both languages: no line is wider, except a report's path, which stays whole on its own
line; every contract number and amount the command reports appears whole, never folded or cut off.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata

import pytest
from typer.testing import CliRunner

from loantool.cli import app
from loantool.errors import CellProblem
from loantool.reports.console import print_ledger_warnings

WIDTH = 80


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def run(*args: object, lang: str) -> tuple[str, str]:
    result = CliRunner(env={"COLUMNS": str(WIDTH)}).invoke(app, [*map(str, args), "--lang", lang])
    assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr


def assert_fits(text: str, paths: list[str]) -> None:
    for line in text.splitlines():
        if display_width(line) > WIDTH:
            assert any(path in line for path in paths), f"wider than {WIDTH}: {line!r}"
    assert "…" not in "".join(line for line in text.splitlines() if line.startswith(("│", "┃"))), text


def amounts(*values: str) -> list[str]:
    """Amounts as the console shows them: 12,345.60."""
    return [f"{float(v):,.2f}" for v in values]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overdue_and_reconcile_fit_80_columns(sample_dir, lang):
    config = sample_dir / "loantool.toml"
    statements = sorted((sample_dir / "inbox" / "statements").iterdir())
    doc = json.loads(run("overdue-report", "--config", config, "--json", lang=lang)[0])
    text, _ = run("overdue-report", "--config", config, lang=lang)
    assert_fits(text, [str(sample_dir)])
    loans = {loan["contract_no"]: loan for loan in doc["loans"]}
    for contract in [entry["contract_no"] for entry in doc["call_list"][:10]]:
        assert contract in text and amounts(loans[contract]["overdue_amount"])[0] in text
    assert amounts(doc["summary"]["overdue_amount"])[0] in text

    rec = json.loads(run("reconcile-bank", *statements, "--period", "2026-11", "--config", config, "--json",
                         lang=lang)[0])
    text, _ = run("reconcile-bank", *statements, "--period", "2026-11", "--config", config, lang=lang)
    assert_fits(text, [str(sample_dir)])
    totals = rec["totals"]
    for amount in amounts(totals["expected"], totals["received"], totals["advance_sum"]):
        assert amount in text
    assert rec["digest"] in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_settle_import_and_schedule_fit_80_columns(sample_dir, lang):
    config = sample_dir / "loantool.toml"
    doc = json.loads(run("settle", "HZQC202504001", "--config", config, "--json", lang=lang)[0])
    text, _ = run("settle", "HZQC202504001", "--config", config, lang=lang)
    assert_fits(text, [str(sample_dir)])
    for amount in amounts(doc["total"], doc["to_bank"], doc["to_company"], doc["remaining_principal"]):
        assert amount in text

    slips = sorted((sample_dir / "inbox" / "slips").iterdir())
    text, _ = run("import-disbursements", *slips, "--config", config, "--dry-run", lang=lang)
    assert_fits(text, [str(sample_dir)])

    text, _ = run("compute-schedule", "--principal", "1000000", "--rate", "4.75%", "--term", "12", "--method",
                  "annuity", "--pickup", "2026-01-10", lang=lang)
    assert_fits(text, [])
    assert "85,492.96" in text and "918,465.37" in text  # the payment and the balance, whole
    assert re.search(r"^\S\s+1\s\S", text, re.M)  # the period column is there, not squeezed out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_quality_statement_write_off_and_record_call_fit_80_columns(sample_dir, lang):
    config = sample_dir / "loantool.toml"
    doc = json.loads(run("quality-report", "--period", "2026-10", "--config", config, "--json", lang=lang)[0])
    text, _ = run("quality-report", "--period", "2026-10", "--config", config, lang=lang)
    assert_fits(text, [str(sample_dir)])
    for c in doc["classes"]:
        assert amounts(c["balance"])[0] in text
    for c in doc["classes_year_start"]:
        assert amounts(c["balance"])[0] in text

    overdue = json.loads(run("overdue-report", "--config", config, "--json", lang=lang)[0])
    worst = overdue["call_list"][0]["contract_no"]
    statement = json.loads(run("statement", worst, "--config", config, "--json", lang=lang)[0])
    text, _ = run("statement", worst, "--config", config, lang=lang)
    assert_fits(text, [str(sample_dir)])
    unpaid = [i for i in statement["installments"] if i["overdue"]]
    assert unpaid and all(i["due_date"] in text and amounts(i["unpaid"])[0] in text for i in unpaid)

    text, _ = run("write-off", worst, "--config", config, lang=lang)
    assert_fits(text, [str(sample_dir)])
    text, _ = run("record-call", worst, "--result", "无人接听", "--promise-date", "2026-12-05",
                  "--promise-amount", "1000", "--dry-run", "--config", config, lang=lang)
    assert_fits(text, [str(sample_dir)])
    assert worst in text and "2026-12-05" in text and "1,000.00" in text


# ------------------------------------------------------------------ warnings once per ledger state


def test_the_same_ledger_warnings_are_shown_in_full_once_then_as_one_line(tmp_path, chinese):
    from rich.console import Console

    ledger = tmp_path / "ledger.xlsx"
    ledger.write_bytes(b"ledger state one")
    warnings = [CellProblem("ledger.xlsx", "贷款台账", row, "银行卡号", "6222", "card", "card-check-digit")
                for row in (3, 4, 5)]

    def shown(items):
        console = Console(width=WIDTH, record=True, file=io.StringIO())
        full = print_ledger_warnings(console, items, ledger, limit=10)
        return full, console.export_text()

    full, text = shown(warnings)
    assert full and text.count("提示：") == 3
    assert (tmp_path / ".loantool" / "warnings-shown.json").is_file()
    assert ledger.read_bytes() == b"ledger state one"  # remembered beside the ledger, never in it
    full, text = shown(warnings)
    assert not full
    assert re.sub(r"\s+", "", text) == ("3条台账提示未变（台账与上次相同），不再逐条列出，"
                                        "见逾期催收日报数据提示")
    full, _ = shown(warnings[:2])  # other warnings: in full again
    assert full
    ledger.write_bytes(b"ledger state two")  # the ledger changed: in full again
    full, _ = shown(warnings)
    assert full
    full, _ = shown(warnings)
    assert not full


def test_a_command_repeats_unchanged_warnings_as_one_line(sample_dir):
    config = sample_dir / "loantool.toml"
    first = CliRunner().invoke(app, ["overdue-report", "--config", str(config)])
    second = CliRunner().invoke(app, ["overdue-report", "--config", str(config)])
    assert first.exit_code == second.exit_code == 0
    count = first.stderr.count("Warning: ")
    assert count >= 1 and "Warning: " not in second.stderr
    assert f"{count} ledger warning" in second.stderr and "not listed again" in second.stderr
