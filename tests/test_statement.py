"""statement (客户对账单): hand-worked on test_overdue_cli's ledger, the payment shares against
core.allocation, and – for every sample loan on one date – the same figures as overdue-report and
settle, to the fen."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from test_overdue_cli import AS_OF, build_ledger
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import load_settings
from loantool.core.allocation import allocate
from loantool.core.statement import payment_allocations
from loantool.ledger.read import load_ledger
from loantool.money import fen_to_str
from loantool.workflows.overdue import assess_ledger
from loantool.workflows.statement import build_statements

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def run(*args):
    return CliRunner().invoke(app, [*map(str, args)])


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path, build_ledger(tmp_path / "ledger.xlsx")


def test_hand_worked_partial_payment(desk):
    folder, ledger = desk
    result = run("statement", "HT003", "--ledger", ledger, "--as-of", AS_OF, "--json",
                 "--out", folder / "s.xlsx")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["contract_no"], doc["customer_name"], doc["as_of"], doc["status"]) == (
        "HT003", "王五", AS_OF, "active")
    tenth = doc["installments"][9]
    assert (tenth["due_date"], tenth["payment"], tenth["paid_charge"], tenth["paid_principal"],
            tenth["unpaid"], tenth["penalty_days"], tenth["penalty"], tenth["overdue"]) == (
        "2026-11-15", "1060.00", "60.00", "440.00", "560.00", 15, "4.20", True)
    last = doc["payments"][-1]
    assert (last["date"], last["amount"], last["type"], last["allocations"], last["credit"]) == (
        "2026-11-15", "500.00", "customer_paid", [{"period": 10, "charge": "60.00", "principal": "440.00"}],
        "0.00")
    assert doc["payments"][0]["allocations"] == [{"period": 1, "charge": "60.00", "principal": "1000.00"}]
    t = doc["totals"]
    assert (t["customer_paid"], t["paid"], t["overdue_amount"], t["due_unpaid"], t["penalty"],
            t["not_yet_due"], t["outstanding_principal"]) == (
        "10040.00", "10040.00", "560.00", "560.00", "4.20", "2120.00", "2560.00")
    # card style: 560.00 due + 4.20 penalty + 2,000.00 principal + 120.00 remaining fees
    s = doc["settlement"]
    assert (s["due_amount"], s["penalty"], s["remaining_principal"], s["current_interest"], s["total"]) == (
        "560.00", "4.20", "2000.00", "120.00", "2684.20")
    sheets = CalamineWorkbook.from_path(str(folder / "s.xlsx")).sheet_names
    assert sheets == ["Statement", "Allocation", "Settlement quote"]


def test_advances_and_their_repayment(desk):
    folder, ledger = desk
    doc = json.loads(run("statement", "HT006", "--ledger", ledger, "--as-of", AS_OF, "--json",
                         "--out", folder / "s.xlsx").stdout)
    advance, repaid = doc["payments"][-2:]
    assert (advance["type"], advance["allocations"], advance["credit"]) == ("company_advance", [], None)
    assert repaid["type"] == "advance_repaid"
    assert repaid["allocations"] == [{"period": 10, "charge": "60.00", "principal": "1000.00"}]
    t = doc["totals"]
    assert (t["advances"], t["advances_repaid"], t["unrecovered_advances"], t["overdue_amount"]) == (
        "1060.00", "1060.00", "0.00", "0.00")


def test_bad_requests_exit_2_and_write_nothing(desk):
    folder, ledger = desk
    for args, text in ((["HT999"], "HT999"), (["HT003", "--out", folder / "s.pdf"], "xlsx"),
                       (["HT003", "--out", ledger], "ledger"),
                       (["HT003", "--as-of", "2025-01-01"], "pickup")):
        day = [] if "--as-of" in args else ["--as-of", AS_OF]
        result = run("statement", *args, "--ledger", ledger, *day)
        assert result.exit_code == 2, args
        assert text in result.stderr, (args, result.stderr)
    assert not (folder / "reports").exists()


def test_a_statement_dated_before_the_pickup_says_statement_date(desk, chinese):
    """The check is the settlement quote's, but the words are the statement's: 对账单日期, not 结清日期."""
    folder, ledger = desk
    result = run("statement", "HT003", "--ledger", ledger, "--as-of", "2020-01-01")
    assert result.exit_code == 2
    assert "对账单日期 2020-01-01 早于 HT003 的提车日期" in result.stderr and "结清日期" not in result.stderr


def test_statement_speaks_chinese(desk, chinese):
    folder, ledger = desk
    result = run("statement", "HT004", "--ledger", ledger, "--as-of", AS_OF, "--out", folder / "s.xlsx")
    assert result.exit_code == 0, result.stderr
    assert "逾期 4,240.00 元" in result.stdout and f"对账单：{folder / 's.xlsx'}" in result.stdout
    sheets = CalamineWorkbook.from_path(str(folder / "s.xlsx")).sheet_names
    assert sheets == ["对账单", "还款分配", "结清试算"]
    english = run("statement", "HT004", "--ledger", ledger, "--as-of", AS_OF, "--out", folder / "e.xlsx",
                  "--lang", "en")
    assert "of which overdue 4,240.00 yuan" in " ".join(english.stdout.split())
    assert not re.search(r"[\u4e00-\u9fff]", re.sub("赵六|乙车行", "", english.stdout))  # data only
    bad = run("statement", "HT999", "--ledger", ledger, "--as-of", AS_OF)
    assert bad.exit_code == 2 and bad.stderr.startswith("错误：")


# ---------------------------------------------------------------------------------- shares = allocation


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 2_000)), min_size=1, max_size=8),
       st.lists(st.integers(-500, 3_000), max_size=10))
def test_payment_shares_add_up_to_the_allocation(schedule, amounts):
    installments = pd.DataFrame({"contract_no": "A", "period": range(1, len(schedule) + 1),
                                 "due_date": pd.date_range("2026-01-15", periods=len(schedule), freq="MS"),
                                 "interest": [c for c, _ in schedule], "fee": 0,
                                 "principal": [p for _, p in schedule]})
    installments["charge"] = installments["interest"]
    shares = payment_allocations(installments, np.array(amounts, dtype=np.int64))
    payments = pd.DataFrame({"contract_no": "A", "paid_on": pd.Timestamp("2026-01-01"),
                             "amount": pd.array(amounts, dtype="int64"), "payment_type": "customer_paid"})
    alloc = allocate(installments.drop(columns="charge"), payments, as_of="2026-12-31").installments
    by_period = shares.groupby("period")[["charge", "principal"]].sum()
    for r in alloc.itertuples(index=False):
        none = pd.Series({"charge": 0, "principal": 0})
        got = by_period.loc[r.period] if r.period in by_period.index else none
        assert (int(got["charge"]), int(got["principal"])) == (int(r.paid_charge), int(r.paid_principal))
    per_payment = shares.groupby("payment")[["charge", "principal"]].sum().sum(axis=1)
    for i, amount in enumerate(amounts):
        assert int(per_payment.get(i, 0)) + int(shares.attrs["credit"][i]) == amount


# ----------------------------------------------------------------------------- agreement on the samples


def test_every_sample_loan_agrees_with_overdue_report_and_settle(tmp_path, monkeypatch):
    settings = load_settings(SAMPLES / "loantool.toml")
    as_of = pd.Timestamp(settings.as_of).date()
    ledger = load_ledger(settings.ledger_path, settings, as_of=as_of)
    loans = ledger.loans.frame
    contracts = loans.loc[pd.to_datetime(loans["pickup_date"]).dt.date <= as_of, "contract_no"].tolist()
    statements = {s.contract_no: s for s in build_statements(ledger, settings, contracts, as_of)}
    assert len(statements) == len(contracts) > 300

    report = assess_ledger(ledger, settings, as_of).to_dict()
    arrears = {item["contract_no"]: item for item in report["loans"]}
    assert arrears and set(arrears) <= set(statements)
    for contract, item in arrears.items():
        t = statements[contract].to_dict()["totals"]
        assert (t["overdue_amount"], t["penalty"], t["outstanding_principal"], t["unrecovered_advances"]) == (
            item["overdue_amount"], item["penalty"], item["outstanding_principal"],
            item["unrecovered_advances"]), contract

    batch = tmp_path / "batch.csv"
    with batch.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["合同编号", "结清日期"])
        writer.writerows([c, as_of.isoformat()] for c in contracts)
    monkeypatch.chdir(tmp_path)
    result = run("settle", "--batch", batch, "--config", SAMPLES / "loantool.toml", "--json",
                 "--out", tmp_path / "b.xlsx")
    assert result.exit_code == 0, result.stderr
    quotes = {q["contract_no"]: q for q in json.loads(result.stdout)["quotes"]}
    assert set(quotes) == set(statements)
    for contract, statement in statements.items():
        doc = statement.to_dict()
        assert doc["settlement"] == quotes[contract], contract
        t = doc["totals"]
        assert t["due_unpaid"] == quotes[contract]["due_amount"]
        assert t["penalty"] == quotes[contract]["penalty"]
        # the shares of the payments add up to what each installment received
        paid = {i["period"]: (i["paid_charge"], i["paid_principal"]) for i in doc["installments"]}
        sums: dict[int, list[int]] = {}
        for p in statement.payments:
            for period, charge, principal in p["allocations"]:
                sums.setdefault(period, [0, 0])
                sums[period][0] += charge
                sums[period][1] += principal
        for period, (charge, principal) in paid.items():
            assert (fen_to_str(sums.get(period, [0, 0])[0]), fen_to_str(sums.get(period, [0, 0])[1])) == (
                charge, principal), (contract, period)
