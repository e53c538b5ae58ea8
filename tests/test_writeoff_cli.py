"""write-off through the CLI on a small ledger built here: the quote, the round trip, every refusal, and
what the other commands see afterwards.

W1 is test_writeoff_core.py's hand-worked loan: 等本等费 12,000.00 / 12 months / 12 % total fee, picked up
2024-12-10, due on the 15th: 1,120.00 a month. Paid January and February 2025; the company advanced March
and April; the customer repaid 500.00 of them on 2025-05-20. At D = 2026-05-31: DPD 442, 损失 since
2026-03-11; 核销本金 9,620.00, 核销利息 1,080.00, 核销罚息 1,593.58, total 12,293.58; 未收回垫款 1,740.00.
W1 pays 300.00 on 2026-06-10 and 200.00 (客户还垫款) on 2026-07-05: recoveries after the write-off.

W2 is the same loan with January–August 2025 paid: its oldest unpaid is 2025-09-15 – 258 days at D,
次级 (substandard). W3 is W1 settled on 2026-06-20 (after D); W4 is W1 already written off on 2026-04-30.
W5 runs 36 months (36,000.00 at 12 %: 1,120.00 a month) and paid only January and February 2025: 损失 at D,
with installments falling due until 2027-12 – the one reconcile-bank would expect if it were not written off.
The 贷款台账 has no 核销日期 column, and a 备注 column the tool does not know, last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from loantool.cli import app

D = "2026-05-31"
PICKUP = dt.date(2024, 12, 10)
LOAN_HEADER = [
    "合同编号",
    "客户姓名",
    "银行卡号",
    "经销商",
    "贷款金额",
    "期数",
    "年利率",
    "还款方式",
    "提车日期",
    "银行还款日",
    "状态",
    "结清日期",
    "备注",
]
LOANS = [
    ("W1", "钱七", "6222020000000055", "杭州甲店", "在贷", None, 12),
    ("W2", "孙八", "6222020000000066", "杭州甲店", "在贷", None, 12),
    ("W3", "周九", "6222020000000077", "杭州乙店", "结清", dt.date(2026, 6, 20), 12),
    ("W4", "吴十", "6222020000000088", "杭州乙店", "核销", None, 12),
    ("W5", "郑一", "6222020000000099", "杭州乙店", "在贷", None, 36),
]
W1_ROWS = [
    (dt.date(2025, 1, 15), 1120, "客户还款"),
    (dt.date(2025, 2, 15), 1120, "客户还款"),
    (dt.date(2025, 3, 16), 1120, "公司垫款"),
    (dt.date(2025, 4, 16), 1120, "公司垫款"),
    (dt.date(2025, 5, 20), 500, "客户还垫款"),
]


def _ledger(path: Path, *, written_off_column: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    header = [*LOAN_HEADER[:-1], *(["核销日期"] if written_off_column else []), LOAN_HEADER[-1]]
    ws.append(header)
    for contract, name, card, dealer, status, settled, term in LOANS:
        row = [
            contract,
            name,
            card,
            dealer,
            1000 * term,
            term,
            "12%",
            "等本等费",
            PICKUP,
            15,
            status,
            settled,
        ]
        if written_off_column:
            row.append(dt.date(2026, 4, 30) if contract == "W4" else None)
        ws.append([*row, "备注不动"])
    for (cell,) in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.number_format = "@"
    pay = wb.create_sheet("还款记录")
    pay.append(["合同编号", "交易日期", "金额", "类型", "流水号", "备注"])
    for contract in ("W1", "W3", "W4"):
        for day, amount, kind in W1_ROWS:
            pay.append([contract, day, amount, kind, None, None])
    for month in range(1, 9):
        pay.append(["W2", dt.date(2025, month, 15), 1120, "客户还款", None, None])
    for month in (1, 2):
        pay.append(["W5", dt.date(2025, month, 15), 1120, "客户还款", None, None])
    pay.append(["W1", dt.date(2026, 6, 10), 300, "客户还款", None, "核销后收回"])
    pay.append(["W1", dt.date(2026, 7, 5), 200, "客户还垫款", None, "核销后收回"])
    wb.save(path)
    return path


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loantool.toml").write_text('[company]\nname = "测试汽车金融"\n', encoding="utf-8")
    return tmp_path, _ledger(tmp_path / "ledger.xlsx")


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def invoke(*args):
    return CliRunner().invoke(app, [*map(str, args)])


def _json(result) -> dict:
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def test_the_quote_is_the_hand_worked_figures_and_writes_nothing(desk):
    folder, ledger = desk
    before = sha(ledger)
    result = invoke("write-off", "W1", "--as-of", D, "--json", "--out", folder / "核销审批表.xlsx",
                    "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    doc = _json(result)
    assert {
        k: doc[k]
        for k in (
            "contract_no",
            "as_of",
            "classification",
            "principal",
            "interest",
            "penalty",
            "advances",
            "total",
            "written_off",
        )
    } == {
        "contract_no": "W1",
        "as_of": D,
        "classification": "loss",
        "principal": "9620.00",
        "interest": "1080.00",
        "penalty": "1593.58",
        "advances": "1740.00",
        "total": "12293.58",
        "written_off": False,
    }
    assert doc["dpd"] == 442 and doc["class_since"] == "2026-03-11" and doc["eligible"]
    assert doc["history"]["customer_paid"] == "2740.00" and doc["history"]["advances"] == "2240.00"
    assert sha(ledger) == before
    sheet = openpyxl.load_workbook(folder / "核销审批表.xlsx").active
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    flat = [str(c) for row in cells for c in row]
    assert ["核销总额", 12293.58] == cells[next(i for i, r in enumerate(cells) if r and r[0] == "核销总额")][
        :2
    ]
    assert any(r[:2] == ["未收回垫款（另列，不计入）", 1740.0] for r in cells)
    assert any(text.startswith("经办") for text in flat) and any(text.startswith("复核") for text in flat)
    assert any(text.startswith("审批") for text in flat)
    english = invoke("write-off", "W1", "--as-of", D, "--out", folder / "approval.xlsx")
    assert english.exit_code == 0 and "Total written off" in english.stdout
    sheet = openpyxl.load_workbook(folder / "approval.xlsx").active
    assert sheet.title == "Write-off approval"
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Principal written off" in texts and any(t.startswith("Approved by: ") for t in texts)
    data = "测试汽车金融|钱七|杭州甲店"  # the company, customer and dealer: data, not words
    assert not [t for t in texts if re.search(r"[\u4e00-\u9fff]", re.sub(data, "", t))]


def test_confirm_records_the_write_off_and_a_second_confirm_is_refused(desk):
    folder, ledger = desk
    result = invoke(
        "write-off",
        "W1",
        "--as-of",
        D,
        "--confirm",
        "--approved-by",
        "陈建国",
        "--prepared-by",
        "周敏",
        "--reviewed-by",
        "李娜",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    assert _json(result)["written_off"] is True
    book = openpyxl.load_workbook(ledger)
    loans = book["贷款台账"]
    header = [c.value for c in loans[1]]
    # 核销日期 was missing: added after the last column (备注 stays where it was, untouched)
    assert header == [*LOAN_HEADER, "核销日期"]
    w1 = [c.value for c in loans[2]]
    assert w1[header.index("状态")] == "核销"
    assert w1[header.index("核销日期")].date() == dt.date(2026, 5, 31)
    assert w1[header.index("备注")] == "备注不动"
    assert [c.value for c in loans[3]][header.index("状态")] == "在贷"
    records = book["核销记录"]
    rows = list(records.iter_rows(values_only=True))
    assert rows[0][:9] == (
        "合同编号",
        "核销日期",
        "五级分类",
        "逾期天数",
        "核销本金",
        "核销利息",
        "核销罚息",
        "核销总额",
        "未收回垫款",
    )
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["合同编号"] == "W1" and record["核销日期"].date() == dt.date(2026, 5, 31)
    assert (record["五级分类"], record["逾期天数"]) == ("损失", 442)
    assert (record["核销本金"], record["核销利息"], record["核销罚息"], record["核销总额"]) == (
        9620,
        1080,
        1593.58,
        12293.58,
    )
    assert record["未收回垫款"] == 1740
    assert (record["经办"], record["复核"], record["审批"]) == ("周敏", "李娜", "陈建国")
    journal = [json.loads(line) for line in (folder / ".loantool" / "journal.jsonl").read_text().splitlines()]
    assert journal[-1]["command"] == "write-off" and journal[-1]["result"] == "written"
    assert journal[-1]["rows_added"] == 1
    assert list((folder / ".loantool" / "backups").glob("ledger.*.xlsx"))
    after = sha(ledger)
    again = invoke("write-off", "W1", "--as-of", D, "--confirm", "--approved-by", "陈建国", "--json")
    assert again.exit_code == 2
    error = _json(again)["error"]
    assert error["code"] == "bad-input"
    assert {p["code"] for p in error["problems"]} == {"writeoff-written-off", "writeoff-recorded"}
    assert "already written off" in again.stderr and "核销记录" in again.stderr
    assert sha(ledger) == after


@pytest.mark.parametrize(
    ("contract", "day", "code", "words"),
    [
        ("W2", D, "writeoff-class", "classified substandard"),
        ("W3", D, "writeoff-settled", "is settled (结清日期 2026-06-20)"),
        ("W1", "2099-01-01", "writeoff-future", "after today"),
        ("W1", "2024-12-01", "writeoff-not-on-books", "not yet on the books"),
    ],
)
def test_refusals_exit_2_saying_why_and_write_nothing(desk, contract, day, code, words):
    folder, ledger = desk
    before = sha(ledger)
    result = invoke("write-off", contract, "--as-of", day, "--confirm", "--approved-by", "陈建国", "--json")
    assert result.exit_code == 2
    problems = _json(result)["error"]["problems"]
    assert code in {p["code"] for p in problems}
    assert words in result.stderr
    assert sha(ledger) == before
    assert not (folder / ".loantool" / "backups").exists() or not list(
        (folder / ".loantool" / "backups").iterdir()
    )


def test_a_loan_already_written_off_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = _ledger(tmp_path / "ledger.xlsx", written_off_column=True)
    result = invoke("write-off", "W4", "--as-of", D, "--confirm", "--approved-by", "陈建国")
    assert result.exit_code == 2
    assert "already written off (核销日期 2026-04-30)" in result.stderr
    # the quote is still printed for reference, saying why
    quote = invoke("write-off", "W4", "--as-of", D, "--json")
    assert quote.exit_code == 0 and not _json(quote)["eligible"]
    assert [r["code"] for r in _json(quote)["refusals"]] == ["written-off"]
    assert ledger.is_file()


def test_doubtful_is_written_off_only_when_the_setting_allows_it(desk):
    folder, ledger = desk
    # W2 at 2026-07-31: oldest unpaid 2025-09-15, 319 days – 可疑 (doubtful)
    refused = invoke("write-off", "W2", "--as-of", "2026-07-31", "--confirm", "--approved-by", "陈建国")
    assert refused.exit_code == 2 and "allow_doubtful" in refused.stderr
    (folder / "loantool.toml").write_text("[writeoff]\nallow_doubtful = true\n", encoding="utf-8")
    done = invoke(
        "write-off", "W2", "--as-of", "2026-07-31", "--confirm", "--approved-by", "陈建国", "--json"
    )
    assert done.exit_code == 0, done.stderr
    assert _json(done)["classification"] == "doubtful" and _json(done)["written_off"]


def test_after_the_write_off_the_loan_leaves_the_books_and_later_payments_are_recoveries(desk):
    folder, ledger = desk
    assert invoke("write-off", "W1", "--as-of", D, "--confirm", "--approved-by", "陈建国").exit_code == 0
    overdue = invoke("overdue-report", "--as-of", "2026-07-31", "--json", "--out", folder / "od.xlsx")
    assert overdue.exit_code == 0, overdue.stderr
    doc = _json(overdue)
    assert "W1" not in [loan["contract_no"] for loan in doc["loans"]]
    assert doc["summary"]["recoveries"] == {
        "total": "500.00",
        "by_month": [
            {"month": "2026-06", "loans": 1, "amount": "300.00"},
            {"month": "2026-07", "loans": 1, "amount": "200.00"},
        ],
    }
    # the month of the write-off: W1 moves from 损失 into the 核销 column with its whole balance
    quality = invoke(
        "quality-report", "--period", "2026-05", "--as-of", "2026-07-31", "--json", "--out", folder / "q.xlsx"
    )
    assert quality.exit_code == 0, quality.stderr
    q = _json(quality)
    cell = next(m for m in q["migration"] if m["from"] == "loss" and m["to"] == "written_off")
    assert (cell["loans"], cell["start_balance"], cell["end_balance"]) == (1, "9620.00", "0.00")
    assert q["write_offs"]["month"] == {"loans": 1, "principal": "9620.00"}
    july = invoke(
        "quality-report",
        "--period",
        "2026-07",
        "--as-of",
        "2026-07-31",
        "--json",
        "--out",
        folder / "q7.xlsx",
    )
    recovered = _json(july)["recoveries"]
    assert recovered["month"] == {"loans": 1, "amount": "200.00"}
    assert recovered["year_to_date"] == {"loans": 1, "amount": "500.00"}


def test_reconcile_bank_expects_nothing_of_a_written_off_loan(desk):
    folder, ledger = desk
    statement = folder / "代扣_202607.csv"
    statement.write_bytes("卡号,姓名,交易日期,金额,流水号,状态\r\n".encode("gbk"))

    def expected() -> dict[str, str]:
        result = invoke(
            "reconcile-bank", statement, "--period", "2026-07", "--json", "--out", folder / "r.xlsx"
        )
        assert result.exit_code == 0, result.stderr
        return {row["contract_no"]: row["expected"] for row in _json(result)["installments"]}

    assert expected() == {"W5": "1120.00"}  # before: W5's July installment is expected (and unpaid)
    done = invoke("write-off", "W5", "--as-of", D, "--confirm", "--approved-by", "陈建国", "--json")
    assert done.exit_code == 0, done.stderr
    assert _json(done)["classification"] == "loss"
    assert expected() == {}


def test_batch_quotes_every_row_into_one_workbook(desk):
    folder, ledger = desk
    batch = folder / "核销清单.csv"
    batch.write_text("合同编号,核销日期\nW1,2026-05-31\nW2,\n", encoding="utf-8")
    result = invoke("write-off", "--batch", batch, "--as-of", D, "--json", "--out", folder / "batch.xlsx")
    assert result.exit_code == 0, result.stderr
    doc = _json(result)
    assert [q["contract_no"] for q in doc["quotes"]] == ["W1", "W2"]
    assert doc["totals"]["count"] == 2 and doc["totals"]["eligible"] == 1
    assert openpyxl.load_workbook(folder / "batch.xlsx").sheetnames == ["Summary", "W1", "W2"]
    assert invoke("write-off", "--batch", batch, "--confirm", "--approved-by", "x").exit_code == 2


def test_messages_are_chinese_by_default(desk, chinese):
    result = invoke("write-off", "W2", "--as-of", D, "--confirm", "--approved-by", "陈建国")
    assert result.exit_code == 2
    assert "错误：W2 不能于 2026-05-31 核销，台账未作任何改动。" in result.stderr
    assert "为次级类（逾期 258 天）；只有损失类贷款可以核销" in result.stderr
    quote = invoke("write-off", "W1", "--as-of", D)
    assert quote.exit_code == 0 and "审批表：" in quote.stdout


def test_missing_columns_are_added_to_both_sheets(tmp_path, monkeypatch):
    """A 贷款台账 without 状态 (and 核销日期), and a 核销记录 that has only some of its columns: the
    columns are added after each sheet's last one; nothing else moves."""
    monkeypatch.chdir(tmp_path)
    ledger = _ledger(tmp_path / "ledger.xlsx")
    wb = openpyxl.load_workbook(ledger)
    ws = wb["贷款台账"]
    ws.delete_cols(LOAN_HEADER.index("状态") + 1)
    for row in ws.iter_rows(min_row=2):
        if row[0].value in ("W3", "W4"):  # without 状态 their status would read as active
            row[0].value = f"X{row[0].value}"
    records = wb.create_sheet("核销记录")
    records.append(["合同编号", "核销日期", "核销本金", "说明"])
    records.append(["OLD1", dt.date(2025, 12, 31), 5000, "以前的核销"])
    wb.save(ledger)
    result = invoke("write-off", "W1", "--as-of", D, "--confirm", "--approved-by", "陈建国")
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(ledger)
    header = [c.value for c in book["贷款台账"][1]]
    assert header[-3:] == ["备注", "状态", "核销日期"]
    w1 = dict(zip(header, [c.value for c in book["贷款台账"][2]], strict=True))
    assert (w1["状态"], w1["核销日期"].date(), w1["备注"]) == ("核销", dt.date(2026, 5, 31), "备注不动")
    rows = list(book["核销记录"].iter_rows(values_only=True))
    assert rows[0][:4] == ("合同编号", "核销日期", "核销本金", "说明")
    assert rows[0][4:] == (
        "五级分类",
        "逾期天数",
        "核销利息",
        "核销罚息",
        "核销总额",
        "未收回垫款",
        "经办",
        "复核",
        "审批",
    )
    assert rows[1][:4] == ("OLD1", dt.datetime(2025, 12, 31), 5000, "以前的核销")
    new = dict(zip(rows[0], rows[2], strict=True))
    assert (new["合同编号"], new["核销本金"], new["核销总额"], new["说明"]) == ("W1", 9620, 12293.58, None)
