"""settle through the CLI on a small ledger built here (hand-worked numbers; the rules are worked in detail in
test_settlement_core.py, whose three schedules these loans share).

Every loan is picked up 2026-01-10, due on the 15th. loantool.toml adds one fixed fee, 解押费 200.00.

- HT001 等本等费 4,000.00 / 4 months / 6 % total fee: 1,000.00 + 60.00 a month (card style). Period 1
  paid; the company advanced period 2 on 03-16. On 04-20: due 2 × 1,060.00; penalty 1,060.00 × 0.0005
  × 36 = 19.08 and × 5 = 2.65 → 21.73; remaining principal 1,000.00 and its fee 60.00; fixed 200.00:
  total 3,201.73 + 200.00 = 3,401.73. The advance (1,060.00) is the company's: to the company 1,060.00
  + 21.73 + 200.00 = 1,281.73; to the bank 2,120.00.
- HT002 等额本息 3,000.00 / 3 months / 12 %: 1,020.07 a month; interest 30.00, 20.10, 10.10 (loan
  style). Period 1 paid on 02-15. On 02-25, accrued: period 2 has run 10 of 28 days, round(20.10 × 10 /
  28) = 7.18; remaining principal 999.97 + 1,009.96 = 2,009.93: total 2,017.11 + 200.00 = 2,217.11.
- HT003 等额本金 3,000.00 / 3 months / 12 %: 1,000.00 + interest 30.00, 20.00, 10.00. The company advanced
  period 1 (1,030.00) on 02-16; the customer repaid 500.00 of it on 03-01. On 03-20: due 530.00 + 1,020.00;
  penalty 530.00 × 0.0005 × 33 = 8.745 → 8.75 (half up) and 1,020.00 × 0.0005 × 5 = 2.55; remaining
  1,000.00; current interest (full) 10.00; fixed 200.00: total 2,771.30; to the company 530.00 + 11.30 +
  200.00 = 741.30; to the bank 2,030.00.
- HT004 settled on 2026-03-01; HT005 written off; HT006 active but already in 结清记录.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import load_settings
from loantool.ledger.read import load_ledger
from loantool.workflows import settle as workflow

PICKUP = dt.date(2026, 1, 10)
LOAN_HEADER = ["合同编号", "客户姓名", "身份证号", "银行卡号", "车型", "贷款金额", "期数", "年利率",
               "还款方式", "提车日期", "银行还款日", "状态", "结清日期"]
LOANS = [
    ("HT001", "张三", "6222020000000011", 4000, 4, "6%", "等本等费", "在贷", None),
    ("HT002", "李四", "6222020000000022", 3000, 3, "12%", "等额本息", "在贷", None),
    ("HT003", "王五", "6222020000000033", 3000, 3, "12%", "等额本金", "在贷", None),
    ("HT004", "赵六", "6222020000000044", 3000, 3, "12%", "等额本金", "结清", dt.date(2026, 3, 1)),
    ("HT005", "钱七", "6222020000000055", 3000, 3, "12%", "等额本金", "核销", None),
    ("HT006", "孙八", "6222020000000066", 3000, 3, "12%", "等额本金", "在贷", None),
]
PAYMENTS = [
    ("HT001", dt.date(2026, 2, 15), 1060, "客户还款"),
    ("HT001", dt.date(2026, 3, 16), 1060, "公司垫款"),
    ("HT002", dt.date(2026, 2, 15), 1020.07, "客户还款"),
    ("HT003", dt.date(2026, 2, 16), 1030, "公司垫款"),
    ("HT003", dt.date(2026, 3, 1), 500, "客户还垫款"),
]
SETTLEMENT_HEADER = ["合同编号", "结清日期", "逾期应还", "罚息", "剩余本金", "当期利息/费用",
                     "提前结清手续费", "固定费用", "未收回垫款", "结清总额", "付银行", "付公司", "经办",
                     "审批"]
CONFIG = '[settlement.fixed_fees]\n"解押费" = "200.00"\n'


def _ledger(path: Path, *, settlements_sheet: bool = True, loan_header=LOAN_HEADER) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(loan_header)
    for contract, name, card, principal, term, rate, method, status, settled in LOANS:
        values = [contract, name, None, card, "朗逸", principal, term, rate, method, PICKUP, 15, status,
                  settled]
        row = dict(zip(LOAN_HEADER, values, strict=True))
        ws.append([row[h] for h in loan_header])
    for column in ws.iter_cols(min_row=2, min_col=4, max_col=4):
        for cell in column:
            cell.number_format = "@"
    pay = wb.create_sheet("还款记录")
    pay.append(["合同编号", "交易日期", "金额", "类型", "流水号", "备注"])
    for row in PAYMENTS:
        pay.append([*row, None, None])
    if settlements_sheet:
        done = wb.create_sheet("结清记录")
        done.append(SETTLEMENT_HEADER)
        done.append(["HT006", dt.date(2026, 3, 2), 0, 0, 2000, 20, 0, 0, 0, 2020, 2020, 0, "周敏", "陈建国"])
    wb.save(path)
    return path


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loantool.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path, _ledger(tmp_path / "ledger.xlsx")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def invoke(*args):
    return CliRunner().invoke(app, ["settle", *map(str, args)])


AMOUNTS = ("due_amount", "penalty", "remaining_principal", "current_interest", "settlement_fee", "fixed_fees",
           "total", "to_bank", "to_company")


def amounts(doc):
    return {k: doc[k] for k in AMOUNTS}


def as_json(document):
    """A document as --json prints it (the CLI's own serialisation)."""
    return json.loads(json.dumps(document, ensure_ascii=False, default=str))


# ----------------------------------------------------------------------------------------------- quotes


def test_card_quote_with_arrears_and_an_advance_is_read_only(desk):
    folder, ledger = desk
    before = sha(ledger)
    out = folder / "quote.xlsx"
    result = invoke("HT001", "--as-of", "2026-04-20", "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert result.stderr == ""
    assert sha(ledger) == before and not (folder / ".loantool").exists()  # a quote never touches the ledger
    assert [doc[k] for k in ("contract_no", "as_of", "style", "status")] == ["HT001", "2026-04-20", "card",
                                                                          "active"]
    assert amounts(doc) == {"due_amount": "2120.00", "penalty": "21.73", "remaining_principal": "1000.00",
                            "current_interest": "60.00", "settlement_fee": "0.00", "fixed_fees": "200.00",
                            "total": "3401.73", "to_bank": "2120.00", "to_company": "1281.73"}
    assert doc["unrecovered_advances"] == "1060.00"
    assert doc["fixed_fee_items"] == [{"name": "解押费", "amount": "200.00"}]
    assert doc["confirmed"] is False and doc["report"] == str(out) and out.is_file()


def test_json_equals_the_result_objects_dict(desk):
    folder, ledger = desk
    out = folder / "q.xlsx"
    result = invoke("HT003", "--as-of", "2026-03-20", "--out", out, "--json", "--ledger", ledger)
    assert result.exit_code == 0, result.stderr
    direct = workflow.settle_contract(load_settings(None), ledger, "HT003", as_of=dt.date(2026, 3, 20),
                                      out=out)
    assert direct.report_path == folder / "q_2.xlsx"  # q.xlsx is kept: a report is never overwritten
    document = json.loads(result.stdout)
    assert document.pop("report") == str(out)
    assert document == {k: v for k, v in as_json(direct.to_dict()).items() if k != "report"}
    assert amounts(json.loads(result.stdout)) == {
        "due_amount": "1550.00", "penalty": "11.30", "remaining_principal": "1000.00",
        "current_interest": "10.00", "settlement_fee": "0.00", "fixed_fees": "200.00", "total": "2771.30",
        "to_bank": "2030.00", "to_company": "741.30"}


def test_loan_style_accrued_by_days_from_the_config(desk):
    folder, ledger = desk
    config = folder / "accrued.toml"
    config.write_text(CONFIG.replace("[settlement.fixed_fees]", '[settlement]\ncurrent_period = "accrued"\n'
                                     "[settlement.fixed_fees]"), encoding="utf-8")
    result = invoke("HT002", "--as-of", "2026-02-25", "--config", config, "--ledger", ledger, "--json",
                    "--out", folder / "q.xlsx")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["style"], doc["current_period_setting"]) == ("loan", "accrued")
    assert [doc[k] for k in ("current_interest", "remaining_principal", "total")] == ["7.18", "2009.93",
                                                                                     "2217.11"]
    assert doc["current_period"] == {"period": 2, "due_date": "2026-03-15", "start_date": "2026-02-15",
                                     "days_elapsed": 10, "days_in_period": 28}


def test_the_approval_sheet_adds_up_and_has_the_signature_lines(desk, chinese):
    folder, ledger = desk
    out = folder / "q.xlsx"
    result = invoke("HT001", "--as-of", "2026-04-20", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "3,401.73" in result.stdout and "审批表：" in result.stdout
    rows = [[c for c in r] for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True)]
    text = "\n".join(str(c) for r in rows for c in r if c is not None)
    assert "提前结清审批表" in text and "客户姓名：张三" in text and "身份证号" in text
    header = next(i for i, r in enumerate(rows) if r[0] == "项目")
    total = next(i for i, r in enumerate(rows) if r[0] == "结清总额（客户应付）")
    body = rows[header + 1:total]
    assert [r[0] for r in body] == ["到期未还（含结清日当日到期）", "罚息", "剩余本金", "剩余各期手续费",
                                    "固定费用：解押费"]
    for col, expected in ((1, 3401.73), (2, 2120.00), (3, 1281.73)):
        assert round(sum(r[col] for r in body), 2) == expected == rows[total][col]
    inst = next(i for i, r in enumerate(rows) if r[0] == "期数 · 还款日")
    assert [r[4] for r in rows[inst + 1:inst + 5]] == ["已还", "逾期 36 天", "逾期 5 天", "当期"]
    for role in ("经办：", "复核：", "审批："):
        assert any(isinstance(r[0], str) and r[0].startswith(role) and "日期：" in r[0] for r in rows)


def test_quoting_a_settled_loan_warns_and_still_works(desk):
    folder, ledger = desk
    result = invoke("HT004", "--as-of", "2026-03-01", "--out", folder / "q.xlsx")
    assert result.exit_code == 0
    assert "HT004 is settled, not active" in result.stderr
    sheet = openpyxl.load_workbook(folder / "q.xlsx").active
    notes = [r[0] for r in sheet.iter_rows(max_col=1, values_only=True)]
    assert ("NOTE: this loan is settled (settled on 2026-03-01), not active: "
            "this sheet is for checking only, it cannot be used to settle.") in notes


@pytest.mark.parametrize("args, fragment", [
    (("HT999",), "HT999 is not in the ledger"),
    (("HT001", "--as-of", "2026-01-09"), "before the pickup date 2026-01-10"),
    ((), "Name one CONTRACT"),
    (("HT001", "--batch", "x.csv"), "Name one CONTRACT"),
    (("HT001", "--confirm"), "--confirm needs --approved-by"),
    (("HT001", "--approved-by", "陈建国"), "only used with --confirm"),
    (("--batch", "x.csv", "--confirm", "--approved-by", "陈建国"), "--batch only quotes"),
])
def test_usage_errors_exit_2_and_write_nothing(desk, args, fragment):
    folder, ledger = desk
    before = sha(ledger)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and result.stdout == ""
    assert sha(ledger) == before and not (folder / "reports").exists()


# --------------------------------------------------------------------------------------------- confirm


def test_confirm_records_every_component_then_a_repeat_is_refused(desk):
    folder, ledger = desk
    result = invoke("HT003", "--as-of", "2026-03-20", "--confirm", "--approved-by", "陈建国",
                    "--prepared-by", "周敏", "--out", folder / "q.xlsx", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["confirmed"], doc["approved_by"], doc["prepared_by"]) == (True, "陈建国", "周敏")
    settings = load_settings(folder / "loantool.toml")
    book = load_ledger(ledger, settings)
    loan = book.loans.frame.set_index("contract_no").loc["HT003"]
    assert loan["status"] == "settled" and loan["settled_on"] == dt.datetime(2026, 3, 20)
    rows = book.settlements.frame
    mine = rows[rows["contract_no"] == "HT003"].iloc[0]
    assert {k: int(mine[k]) for k in (*AMOUNTS, "unrecovered_advances")} == {
        "due_amount": 155000, "penalty": 1130, "remaining_principal": 100000, "current_interest": 1000,
        "settlement_fee": 0, "fixed_fees": 20000, "total": 277130, "to_bank": 203000, "to_company": 74130,
        "unrecovered_advances": 53000}
    assert [mine[k] for k in ("settled_on", "prepared_by", "approved_by")] == [
        dt.datetime(2026, 3, 20), "周敏", "陈建国"]
    lines = (folder / ".loantool" / "journal.jsonl").read_text("utf-8").splitlines()
    journal = [json.loads(line) for line in lines]
    assert journal[-1]["command"] == "settle" and journal[-1]["result"] == "written"
    assert journal[-1]["summary"]["total"] == "2771.30"
    # the journal holds the command line as it was given (built once, at the edge)
    assert journal[-1]["arguments"] == ["HT003", "--out", str(folder / "q.xlsx"), "--confirm",
                                        "--approved-by", "陈建国", "--prepared-by", "周敏",
                                        "--as-of", "2026-03-20", "--json"]
    sheet = openpyxl.load_workbook(folder / "q.xlsx").active
    assert any(isinstance(r[0], str) and r[0].startswith("Recorded in the ledger")
               for r in sheet.iter_rows(values_only=True))

    settled = sha(ledger)
    again = invoke("HT003", "--as-of", "2026-03-21", "--confirm", "--approved-by", "陈建国",
                   "--out", folder / "r.xlsx")
    assert again.exit_code == 2
    assert "HT003 already has a 结清记录 row" in again.stderr and "nothing was written" in again.stderr
    assert sha(ledger) == settled and not (folder / "r.xlsx").exists()


@pytest.mark.parametrize("contract, fragment", [
    ("HT004", "HT004 is settled"),
    ("HT005", "HT005 is written off"),
    ("HT006", "HT006 already has a 结清记录 row"),
    ("HT404", "HT404 is not in the ledger"),
])
def test_confirm_refuses_and_the_ledger_is_byte_identical(desk, contract, fragment):
    folder, ledger = desk
    before = sha(ledger)
    result = invoke(contract, "--as-of", "2026-03-20", "--confirm", "--approved-by", "陈建国")
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr
    assert sha(ledger) == before
    backups = folder / ".loantool" / "backups"
    assert not backups.exists() or not any(backups.iterdir())


def test_confirm_creates_the_settlement_sheet_when_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = _ledger(tmp_path / "ledger.xlsx", settlements_sheet=False)
    result = invoke("HT001", "--as-of", "2026-04-20", "--confirm", "--approved-by", "陈建国",
                    "--out", tmp_path / "q.xlsx")
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(ledger)["结清记录"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == SETTLEMENT_HEADER
    # the default config has no fixed fee: 3,201.73
    assert rows[1][0] == "HT001" and rows[1][9] == 3201.73 and rows[1][13] == "陈建国"
    assert rows[1][12]  # 经办: the login name


def test_confirm_is_all_or_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # no 结清日期 column on the loans sheet: it is added at the right end of the header row (issue 11.12)
    ledger = _ledger(tmp_path / "ledger.xlsx", loan_header=[h for h in LOAN_HEADER if h != "结清日期"])
    result = invoke("HT001", "--as-of", "2026-04-20", "--confirm", "--approved-by", "陈建国", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["columns_added"] == {"贷款台账": ["结清日期"]}
    loans = list(openpyxl.load_workbook(ledger)["贷款台账"].iter_rows(values_only=True))
    assert loans[0][len(LOAN_HEADER) - 1] == "结清日期"
    assert loans[1][len(LOAN_HEADER) - 1] == dt.datetime(2026, 4, 20)
    (tmp_path / "ledger.xlsx").unlink()
    # open in Excel/WPS: exit 3, nothing written
    ledger = _ledger(tmp_path / "ledger.xlsx")
    before = sha(ledger)
    (tmp_path / "~$ledger.xlsx").write_bytes(b"")
    result = invoke("HT001", "--as-of", "2026-04-20", "--confirm", "--approved-by", "陈建国")
    assert result.exit_code == 3 and "open in Excel" in result.stderr
    assert sha(ledger) == before


def test_a_settled_loan_leaves_the_overdue_report_and_the_reconciliation(desk):
    folder, ledger = desk
    assert invoke("HT003", "--as-of", "2026-03-20", "--confirm", "--approved-by", "陈建国").exit_code == 0
    report = CliRunner().invoke(app, ["overdue-report", "--as-of", "2026-04-30", "--json", "--out",
                                      str(folder / "o.xlsx")])
    assert report.exit_code == 0, report.stderr
    # HT006 is still 在贷 on 贷款台账 (its 结清记录 row alone does not close it)
    assert {r["contract_no"] for r in json.loads(report.stdout)["loans"]} == {"HT001", "HT002", "HT006"}
    statement = folder / "代扣.csv"
    statement.write_text("卡号,姓名,交易日期,金额,流水号\n6222020000000033,王五,2026-04-15,1010.00,B1\n",
                         encoding="utf-8")
    rec = CliRunner().invoke(app, ["reconcile-bank", str(statement), "--period", "2026-04",
                                   "--as-of", "2026-04-30", "--json", "--out", str(folder / "r.xlsx")])
    assert rec.exit_code == 0, rec.stderr
    doc = json.loads(rec.stdout)
    # the settled loan expects nothing; a deduction from its card still shows, as an over-payment
    rows = {r["contract_no"]: r for r in doc["installments"]}
    assert (rows["HT003"]["expected"], rows["HT003"]["status"]) == ("0.00", "over")
    assert rows["HT001"]["expected"] == "1060.00"
    assert "HT003" not in {r["contract_no"] for r in doc["advances"]}


# ----------------------------------------------------------------------------------------------- batch


def test_batch_quotes_each_row_on_its_own_date(desk):
    folder, ledger = desk
    batch = folder / "结清清单.csv"
    batch.write_bytes("合同编号,结清日期\r\nHT001,2026-04-20\r\nHT003,\r\nHT002,2026-02-25\r\n".encode("gbk"))
    before = sha(ledger), sha(batch)
    out = folder / "batch.xlsx"
    result = invoke("--batch", batch, "--as-of", "2026-03-20", "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (sha(ledger), sha(batch)) == before
    # a blank date is --as-of; HT002 on 02-25 with the default full current interest:
    # 2,009.93 + 20.10 + 200.00
    assert [(q["contract_no"], q["as_of"], q["total"]) for q in doc["quotes"]] == [
        ("HT001", "2026-04-20", "3401.73"), ("HT003", "2026-03-20", "2771.30"),
        ("HT002", "2026-02-25", "2230.03")]
    assert doc["totals"] == {"count": 3, "due_amount": "3670.00", "penalty": "33.03",
                             "remaining_principal": "4009.93", "current_interest": "90.10",
                             "settlement_fee": "0.00", "fixed_fees": "600.00", "total": "8403.06",
                             "to_bank": "6180.03", "to_company": "2223.03", "unrecovered_advances": "1590.00"}
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Summary", "HT001", "HT003", "HT002"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    header = next(r for r in summary if r[0] == "Contract no.")
    assert "Early settlement fee" not in header  # zero for every quote: no empty column squeezes the page
    assert any(r[0] == "Total" and r[header.index("Settlement total")] == 8403.06 for r in summary)
    direct = workflow.settle_batch(load_settings(None), ledger, batch, as_of=dt.date(2026, 3, 20), out=out)
    assert direct.report_path == folder / "batch_2.xlsx"
    assert {**doc, "report": None} == {**as_json(direct.to_dict()), "report": None}


def test_batch_rows_that_cannot_be_quoted_are_all_named(desk):
    folder, ledger = desk
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["本月提前结清"])
    ws.append(["合同编号", "结清日期"])
    ws.append(["HT001", dt.date(2026, 4, 20)])
    ws.append(["HT999", dt.date(2026, 4, 20)])
    ws.append(["HT001", dt.date(2026, 4, 21)])
    ws.append(["HT002", dt.date(2025, 12, 31)])
    batch = folder / "清单.xlsx"
    wb.save(batch)
    result = invoke("--batch", batch, "--out", folder / "b.xlsx")
    assert result.exit_code == 2
    assert "3 row(s) cannot be quoted" in result.stderr
    for fragment in ("row 4", "HT999 is not in the ledger", "row 5", "asked for twice", "row 6",
                     "before the pickup date"):
        assert fragment in result.stderr
    assert not (folder / "b.xlsx").exists()


def test_the_sample_ledgers_settlement_records_are_reproduced(sample_dir):
    """Each 结清记录 row of the bundled samples, quoted again on its date without the payoff payment itself
    (the 还款记录 row of that contract dated that day), gives every recorded component to the fen."""
    settings = load_settings(sample_dir / "loantool.toml")
    book = load_ledger(sample_dir / "ledger.xlsx", settings)
    records = book.settlements.frame
    assert len(records) > 0
    payments = book.payments.frame
    payoff = payments.merge(records[["contract_no", "settled_on"]], left_on=["contract_no", "paid_on"],
                            right_on=["contract_no", "settled_on"], how="left", indicator=True)["_merge"]
    book.payments.frame = payments[(payoff == "left_only").to_numpy()]
    requests = pd.DataFrame({"contract_no": records["contract_no"].tolist(),
                             "settle_on": [d.date() for d in records["settled_on"]]})
    quotes = workflow.compute_quotes(book, requests, settings)
    for quote, record in zip(quotes, records.to_dict("records"), strict=True):
        keys = (*AMOUNTS, "unrecovered_advances")
        assert {k: quote.amounts[k] for k in keys} == {k: int(record[k]) for k in keys}, quote.contract_no


# ------------------------------------------------------------------------------------- as-of truth


@pytest.fixture
def today_is_nov_30(monkeypatch):
    """The calendar's today, whatever day the tests run on."""
    from loantool.workflows import common

    monkeypatch.setattr(common, "real_today", lambda: dt.date(2026, 11, 30))


def test_a_settlement_dated_after_today_is_refused_and_the_books_stay_reproducible(desk, today_is_nov_30):
    folder, ledger = desk
    before = sha(ledger)
    result = invoke("HT001", "--as-of", "2026-12-15", "--confirm", "--approved-by", "陈建国")
    assert result.exit_code == 2, result.output
    assert "2026-12-15" in result.stderr and "2026-11-30" in result.stderr
    assert result.stderr.startswith("Error: --as-of:")
    assert sha(ledger) == before  # the loan stays on the books of 11-30
    # a quote for that day is still fine (it records nothing)
    assert invoke("HT001", "--as-of", "2026-12-15", "--out", folder / "q.xlsx").exit_code == 0
    # today itself has come
    assert invoke("HT001", "--as-of", "2026-11-30", "--confirm", "--approved-by", "陈建国").exit_code == 0


def test_a_future_settlement_is_refused_in_chinese(desk, today_is_nov_30, chinese):
    result = invoke("HT001", "--as-of", "2026-12-15", "--confirm", "--approved-by", "陈建国")
    assert result.exit_code == 2 and "晚于今天" in result.stderr and "2026-12-15" in result.stderr


def test_a_loan_settled_after_d_is_still_active_at_d_in_every_command(desk, today_is_nov_30):
    folder, ledger = desk
    assert invoke("HT001", "--as-of", "2026-03-20", "--confirm", "--approved-by", "陈建国").exit_code == 0
    report = CliRunner().invoke(app, ["overdue-report", "--as-of", "2026-03-19", "--json", "--out",
                                      str(folder / "o.xlsx")])
    assert "HT001" in {r["contract_no"] for r in json.loads(report.stdout)["loans"]}
    quote = json.loads(invoke("HT001", "--as-of", "2026-03-19", "--json", "--out", folder / "q.xlsx").stdout)
    assert quote["status"] == "active" and not quote["warnings"]
    statement = folder / "代扣.csv"
    statement.write_text("卡号,姓名,交易日期,金额,流水号\n", encoding="utf-8")
    rec = CliRunner().invoke(app, ["reconcile-bank", str(statement), "--period", "2026-03", "--as-of",
                                   "2026-03-31", "--json", "--out", str(folder / "r.xlsx")])
    # settled on 03-20, HT001 was active in March: its 03-15 installment was expected
    expected = {r["contract_no"]: r["expected"] for r in json.loads(rec.stdout)["installments"]}
    assert expected["HT001"] == "1060.00"
