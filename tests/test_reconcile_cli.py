"""reconcile-bank through the CLI on a small ledger and two statements built here (hand-worked numbers).

Every loan is 等本等费: principal 120,000.00 over 12 months at a 5 % total fee, first due 2026-02-15
(pickup 2026-01-10, due day 15): each installment is 10,000.00 principal + 500.00 fee = 10,500.00, and
November 2026 is period 10. HT003's slip recorded 10,600.50 a month, which the bank expects instead.
"""

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import without_progress
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import load_settings
from loantool.workflows import reconcile as workflow

PERIOD = "2026-11"
LOAN_HEADER = ["合同编号", "客户姓名", "银行卡号", "贷款金额", "期数", "年利率", "还款方式", "提车日期",
               "银行还款日", "银行月还金额", "状态", "结清日期"]
PICKUP = dt.date(2026, 1, 10)
LOANS = [
    ("HT001", "张三", "6222020000000011", 120000, 12, "5%", "等本等费", PICKUP, 15, None, "在贷",
     None),  # paid
    ("HT002", "李四", "6222020000000022", 120000, 12, "5%", "等本等费", PICKUP, 15, None, "在贷",
     None),  # short
    ("HT003", "王五", "6222020000000033", 120000, 12, "5%", "等本等费", PICKUP, 15, 10600.5, "在贷",
     None),  # failed
    ("HT004", "赵六", "6222020000000044", 120000, 12, "5%", "等本等费", PICKUP, 15, None, "结清",
     dt.date(2026, 5, 1)),  # settled
    ("HT005", "钱七", "6222020000000055", 120000, 12, "5%", "等本等费", PICKUP, 15, None, "在贷",
     None),  # 2 lines
    ("HT006", "孙八", "6222020000000066", 120000, 12, "5%", "等本等费", PICKUP, 15, None, "在贷",
     None),  # over
]
PAYMENT_HEADER = ["合同编号", "交易日期", "金额", "类型", "流水号", "备注"]


def _ledger(path: Path, *, payments_sheet: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(LOAN_HEADER)
    for row in LOANS:
        ws.append(list(row))
    for (cell,) in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.number_format = "@"
    if payments_sheet:
        pay = wb.create_sheet("还款记录")
        pay.append(PAYMENT_HEADER)
        pay.append(["HT001", dt.date(2026, 10, 15), 10500, "客户还款", "B-OLD", "十月"])
    wb.save(path)
    return path


def _statements(folder: Path) -> list[Path]:
    """An .xlsx with a title row and a GBK CSV; the CSV repeats one line of the .xlsx (same 流水号)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "扣款明细"
    ws.append(["某银行 批量代扣结果  2026年11月"])
    ws.append(["卡号", "姓名", "扣款日期", "金额", "流水号", "状态"])
    ws.append(["6222020000000011", "张三", "2026-11-15", "10500.00", "B001", "成功"])
    ws.append(["6222****0022", "李四", "2026-11-15", "5000.00", "B002", "成功"])       # masked, by name
    ws.append(["6222020000000033", "王五", "2026-11-15", "10600.50", "B003", "扣款失败"])
    ws.append(["6222020000000099", "某某", "2026-11-15", "100.00", "B004", "成功"])    # unknown card
    ws.append(["6222020000000055", "钱七", "2026-11-15", "5000.00", "", "成功"])       # no 流水号
    ws.append(["6222020000000055", "钱七", "2026-11-20", "5500.00", "", "成功"])
    xlsx = folder / "代扣_202611.xlsx"
    wb.save(xlsx)
    csv = folder / "代扣补扣.csv"
    csv.write_bytes(("卡号,姓名,交易日期,金额,流水号,摘要\r\n"
                     "6222020000000011,张三,2026-11-15,10500.00,B001,成功\r\n"         # duplicate of B001
                     "6222020000000066,孙八,2026-11-16,11000.00,B006,成功\r\n"
                     "6222020000000066,孙八,2026-12-15,10500.00,B007,成功\r\n"         # next month
                     ).encode("gbk"))
    return [xlsx, csv]


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = _ledger(tmp_path / "ledger.xlsx")
    return tmp_path, ledger, _statements(tmp_path)


def _invoke(args):
    result = CliRunner().invoke(app, args)
    return result


def _args(ledger, statements, *extra):
    return ["reconcile-bank", *map(str, statements), "--period", PERIOD, "--ledger", str(ledger),
            "--as-of", "2026-11-30", *extra]


def _digests(paths):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_json_read_only_hand_worked(desk):
    folder, ledger, statements = desk
    before = _digests([ledger, *statements])
    out = folder / "out.xlsx"
    result = _invoke(_args(ledger, statements, "--json", "--out", str(out)))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert _digests([ledger, *statements]) == before  # read-only
    assert doc["period"] == PERIOD
    rows = {r["contract_no"]: (r["due_date"], r["expected"], r["received"], r["status"])
            for r in doc["installments"]}
    assert rows == {
        "HT001": ("2026-11-15", "10500.00", "10500.00", "paid"),
        "HT002": ("2026-11-15", "10500.00", "5000.00", "short"),
        "HT003": ("2026-11-15", "10600.50", "0.00", "unpaid"),  # bank monthly amount; the deduction failed
        "HT005": ("2026-11-15", "10500.00", "10500.00", "paid"),  # two lines without 流水号
        "HT006": ("2026-11-15", "10500.00", "11000.00", "over"),
    }
    assert doc["advances"] == [
        {"contract_no": "HT002", "customer_name": "李四", "card_no": "6222020000000022",
         "due_date": "2026-11-15", "amount": "5500.00"},
        {"contract_no": "HT003", "customer_name": "王五", "card_no": "6222020000000033",
         "due_date": "2026-11-15", "amount": "10600.50"},
    ]
    totals = doc["totals"]
    assert (totals["expected"], totals["received"], totals["advance_count"], totals["advance_sum"]) == (
        "52600.50", "37000.00", 2, "16100.50")  # 4 × 10500.00 + 10600.50; 10500 + 5000 + 10500 + 11000
    assert totals["over_sum"] == "500.00"  # 52600.50 = 37000.00 − 500.00 + 16100.50
    assert [(d["file"], d["row"], d["first_file"], d["first_row"]) for d in doc["duplicate_lines"]] == [
        ("代扣补扣.csv", 2, "代扣_202611.xlsx", 3)]
    assert [(u["row"], u["reason"]) for u in doc["unmatched_lines"]] == [(6, "unknown_card")]
    assert [f["contract_no"] for f in doc["failed_lines"]] == ["HT003"]
    assert [o["bank_ref"] for o in doc["outside_month_lines"]] == ["B007"]
    assert len(doc["digest"]) == 64
    assert doc["posted"] is None and doc["report"] == str(out)
    assert out.is_file()
    assert openpyxl.load_workbook(out).sheetnames == [  # --lang en: an English report
        "Summary", "Advance list", "Differences", "Unmatched lines", "Duplicates and failures"]


def test_json_equals_the_result_object(desk):
    folder, ledger, statements = desk
    out = folder / "r.xlsx"
    result = _invoke(_args(ledger, statements, "--json", "--out", str(out)))
    assert result.exit_code == 0
    direct = workflow.reconcile_bank(load_settings(None), ledger, statements,
                                     period=workflow.parse_period(PERIOD), as_of=dt.date(2026, 11, 30),
                                     out=out)
    assert direct.report_path == folder / "r_2.xlsx"  # r.xlsx is kept: a report is never overwritten
    document = json.loads(result.stdout)
    assert document.pop("report") == str(out)
    assert document == {k: v for k, v in json.loads(json.dumps(direct.to_dict(), ensure_ascii=False)).items()
                        if k != "report"}


def test_rerun_on_a_copy_gives_the_same_values_and_digest(desk, tmp_path):
    folder, ledger, statements = desk
    first = json.loads(_invoke(_args(ledger, statements, "--json")).stdout)
    copy = tmp_path / "auditor"
    copy.mkdir()
    copies = [Path(shutil.copy2(p, copy / p.name)) for p in [ledger, *statements]]
    second = json.loads(_invoke(_args(copies[0], copies[1:], "--json", "--out", str(copy / "r.xlsx"))).stdout)
    first.pop("report"), second.pop("report")
    assert first == second


def test_console_summary_and_report(desk, chinese):
    folder, ledger, statements = desk
    result = _invoke(_args(ledger, statements))
    assert result.exit_code == 0, result.stderr
    assert "银行对账 2026-11" in result.stdout and "校验码 SHA-256" in result.stdout
    report = folder / "reports" / "银行对账_2026-11.xlsx"
    assert report.is_file()
    digest = json.loads(_invoke(_args(ledger, statements, "--json")).stdout)["digest"]
    assert digest in result.stdout
    summary = openpyxl.load_workbook(report)["汇总"]
    texts = [c for row in summary.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(digest in t for t in texts) and any("复核" in t and "审批" in t for t in texts)


def test_fail_on_diff_exits_4_after_the_output(desk):
    folder, ledger, statements = desk
    result = _invoke(_args(ledger, statements, "--json", "--fail-on-diff"))
    assert result.exit_code == 4
    assert json.loads(result.stdout)["period"] == PERIOD
    assert result.stderr.startswith("Error: reconciliation for 2026-11 has findings: "
                                    "1 short, 1 over, 1 unpaid, 1 unmatched")


@pytest.mark.parametrize("period", ["2026-13", "11/2026", "next"])
def test_bad_period_is_a_usage_error(desk, period):
    folder, ledger, statements = desk
    args = _args(ledger, statements)
    args[args.index(PERIOD)] = period
    result = _invoke(args)
    assert result.exit_code == 2 and "--period" in result.stderr and result.stdout == ""


def test_missing_statement_is_a_usage_error(desk):
    folder, ledger, statements = desk
    result = _invoke(_args(ledger, [folder / "nope.xlsx"]))
    assert result.exit_code == 2 and "nope.xlsx" in result.stderr


# ------------------------------------------------------------------------------------------------ posting


def _payment_rows(ledger: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(ledger)["还款记录"]
    rows = []
    for contract, date, amount, kind, ref, note in ws.iter_rows(min_row=2, values_only=True):
        day = date.date() if isinstance(date, dt.datetime) else date
        rows.append((contract, day, amount, kind, ref, note))
    return rows


def _journal(folder: Path) -> list[dict]:
    path = folder / ".loantool" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_post_twice_is_post_once(desk):
    folder, ledger, statements = desk
    result = _invoke(_args(ledger, statements, "--post", "--json"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["posted"] == {
        "requested": ["payments"], "payments_added": 5, "payments_already": 0, "advances_added": 0,
        "advances_already": 0, "advances_paid_by_customer": [], "payments_for_review": 0,
        "advance_date": None}
    rows = _payment_rows(ledger)
    assert rows[0][:5] == ("HT001", dt.date(2026, 10, 15), 10500, "客户还款", "B-OLD")
    added = [(c, d, a, k, r) for c, d, a, k, r, _ in rows[1:]]
    assert added == [
        ("HT001", dt.date(2026, 11, 15), 10500, "客户还款", "B001"),
        ("HT002", dt.date(2026, 11, 15), 5000, "客户还款", "B002"),
        ("HT005", dt.date(2026, 11, 15), 5000, "客户还款", None),
        ("HT005", dt.date(2026, 11, 20), 5500, "客户还款", None),
        ("HT006", dt.date(2026, 11, 16), 11000, "客户还款", "B006"),
    ]
    assert all("代扣" in note for *_, note in rows[1:])  # 备注 names the statement
    statement_bytes = _digests(statements)
    once = ledger.read_bytes()

    again = _invoke(_args(ledger, statements, "--post", "--json"))
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["posted"]["payments_added"] == 0
    assert json.loads(again.stdout)["posted"]["payments_already"] == 5
    assert ledger.read_bytes() == once
    assert _digests(statements) == statement_bytes
    assert "nothing to do" in json.dumps(_journal(folder)[-1], ensure_ascii=False)


def test_post_advances_is_idempotent_per_contract_and_due_date(desk):
    folder, ledger, statements = desk
    args = _args(ledger, statements, "--post-advances", "2026-11-30", "--json")
    result = _invoke(args)
    assert result.exit_code == 0, result.stderr
    added = _payment_rows(ledger)[1:]
    assert [(c, d, a, k, r) for c, d, a, k, r, _ in added] == [
        ("HT002", dt.date(2026, 11, 30), 5500, "公司垫款", None),
        ("HT003", dt.date(2026, 11, 30), 10600.5, "公司垫款", None),
    ]
    assert [n.split(" 银行对账")[0] for *_, n in added] == ["垫付 2026-11-15 期"] * 2
    once = ledger.read_bytes()
    again = _invoke(args)
    assert json.loads(again.stdout)["posted"]["advances_already"] == 2
    assert ledger.read_bytes() == once


def test_post_creates_the_payments_sheet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = _ledger(tmp_path / "ledger.xlsx", payments_sheet=False)
    statements = _statements(tmp_path)
    result = _invoke(_args(ledger, statements, "--post", "--quiet"))
    assert result.exit_code == 0, result.stderr
    ws = openpyxl.load_workbook(ledger)["还款记录"]
    assert [c.value for c in ws[1]] == PAYMENT_HEADER
    assert ws.max_row == 6


# ------------------------------------------------------------------------------------------------ samples

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_samples_read_only_then_post_twice(tmp_path, monkeypatch):
    """The bundled November statements (.xlsx with title rows and a 合计 row, GBK CSV 补扣 batch)."""
    for name in ("ledger.xlsx", "loantool.toml"):
        shutil.copy2(SAMPLES / name, tmp_path / name)
    (tmp_path / "inbox").mkdir()
    shutil.copytree(SAMPLES / "inbox" / "statements", tmp_path / "inbox" / "statements")
    monkeypatch.chdir(tmp_path)
    statements = sorted((tmp_path / "inbox" / "statements").iterdir())
    ledger = tmp_path / "ledger.xlsx"
    before = _digests([ledger, *statements])
    base = ["reconcile-bank", *map(str, statements), "--period", PERIOD, "--json"]

    first = _invoke(base)
    assert first.exit_code == 0, first.stderr
    doc = json.loads(first.stdout)
    assert _digests([ledger, *statements]) == before
    t = {k: v if isinstance(v, int) else round(float(v) * 100) for k, v in doc["totals"].items()}
    assert t["expected"] == t["received"] - t["over_sum"] + t["advance_sum"]
    assert t["lines_amount"] == t["received"] + sum(t[f"{c}_sum"] for c in
                                                    ("unmatched", "failed", "duplicate", "outside_month"))
    statuses = {r["status"] for r in doc["installments"]}
    assert statuses == {"paid", "short", "over", "unpaid"}
    assert len(doc["duplicate_lines"]) >= 1 and len(doc["outside_month_lines"]) >= 1
    assert {u["reason"] for u in doc["unmatched_lines"]} == {"unknown_card"}
    assert doc["report"] == str(tmp_path / "reports" / "bank-reconciliation_2026-11.xlsx")
    assert Path(doc["report"]).is_file()

    posted = _invoke([*base, "--post", "--post-advances", "2026-11-30"])
    assert posted.exit_code == 0, posted.stderr
    summary = json.loads(posted.stdout)["posted"]
    assert summary["payments_added"] == t["matched_count"] and summary["advances_added"] == t["advance_count"]
    once = ledger.read_bytes()
    again = _invoke([*base, "--post", "--post-advances", "2026-11-30"])
    assert again.exit_code == 0, again.stderr
    assert ledger.read_bytes() == once
    assert json.loads(again.stdout)["digest"] == doc["digest"]  # postings never change the month's answer
    assert _digests(statements) == {k: v for k, v in before.items() if k != "ledger.xlsx"}


def test_lines_without_reference_are_keyed_on_file_card_date_amount_occurrence(tmp_path, monkeypatch):
    """Two identical lines without 流水号 are two payments; 还款记录 already holds one of them, posted from
    the same file (its name in 备注)."""
    monkeypatch.chdir(tmp_path)
    ledger = _ledger(tmp_path / "ledger.xlsx")
    wb = openpyxl.load_workbook(ledger)
    wb["还款记录"].append(["HT005", dt.date(2026, 11, 15), 5250, "客户还款", None,
                           "银行对账 2026-11 st.csv 第2行"])
    wb.save(ledger)
    csv = tmp_path / "st.csv"
    csv.write_bytes(("卡号,姓名,交易日期,金额,流水号,状态\r\n"
                     "6222020000000055,钱七,2026-11-15,5250.00,,成功\r\n"
                     "6222020000000055,钱七,2026-11-15,5250.00,,成功\r\n").encode("gbk"))
    result = _invoke(_args(ledger, [csv], "--post", "--json"))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["duplicate_lines"] == []  # no 流水号: never a duplicate
    assert [r["status"] for r in doc["installments"] if r["contract_no"] == "HT005"] == ["paid"]
    assert (doc["posted"]["payments_added"], doc["posted"]["payments_already"]) == (1, 1)
    assert doc["review_lines"] == []
    hts = [row for row in _payment_rows(ledger) if row[0] == "HT005"]
    assert [(r[1], r[2], r[4]) for r in hts] == [(dt.date(2026, 11, 15), 5250, None)] * 2
    once = ledger.read_bytes()
    assert _invoke(_args(ledger, [csv], "--post", "--quiet")).exit_code == 0
    assert ledger.read_bytes() == once


def test_a_hand_entered_payment_holds_back_the_same_line_without_reference(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = _ledger(tmp_path / "ledger.xlsx")
    wb = openpyxl.load_workbook(ledger)
    wb["还款记录"].append(["HT005", dt.date(2026, 11, 15), 5250, "客户还款", None, "手工录入"])
    wb.save(ledger)
    before = ledger.read_bytes()
    csv = tmp_path / "st.csv"
    csv.write_bytes(("卡号,姓名,交易日期,金额,流水号,状态\r\n"
                     "6222020000000055,钱七,2026-11-15,5250.00,,成功\r\n").encode("gbk"))
    doc = json.loads(_invoke(_args(ledger, [csv], "--post", "--json")).stdout)
    assert doc["posted"]["payments_added"] == 0 and doc["posted"]["payments_for_review"] == 1
    (line,) = doc["review_lines"]
    assert (line["contract_no"], line["paid_on"], line["amount"]) == ("HT005", "2026-11-15", "5250.00")
    assert "手工录入" in line["reason"]
    assert ledger.read_bytes() == before


# ------------------------------------------------------------------------------ events after today


def test_nothing_dated_after_today_is_posted(desk, monkeypatch):
    from loantool.workflows import common

    folder, ledger, statements = desk
    monkeypatch.setattr(common, "real_today", lambda: dt.date(2026, 11, 18))
    before = ledger.read_bytes()
    advances = _invoke(_args(ledger, statements, "--post-advances", "2026-11-25"))
    assert advances.exit_code == 2 and "2026-11-25" in advances.stderr and "2026-11-18" in advances.stderr
    assert advances.stderr.startswith("Error: --post-advances:")
    # 钱七's second deduction is dated 2026-11-20: the statement cannot be posted before that day
    payments = _invoke(_args(ledger, statements, "--post"))
    assert payments.exit_code == 2 and "2026-11-20" in payments.stderr
    assert ledger.read_bytes() == before
    assert _invoke(_args(ledger, statements)).exit_code == 0  # reading it is fine


# ------------------------------------------------------------------------------------ posting guard


def test_statements_of_another_month_are_never_posted(desk):
    folder, ledger, statements = desk
    before = ledger.read_bytes()
    wrong = ["reconcile-bank", *map(str, statements), "--period", "2026-10", "--ledger", str(ledger),
             "--as-of", "2026-11-30"]
    for extra in (["--post-advances", "2026-10-31"], ["--post"]):
        result = _invoke([*wrong, *extra])
        assert result.exit_code == 2, result.output
        assert without_progress(result.stderr).startswith("Error: --period:") and "2026-11" in result.stderr
        assert "nothing was posted" in result.stderr
    assert ledger.read_bytes() == before and not (folder / ".loantool" / "journal.jsonl").exists()
    # read-only, it says so on its first line, and in --json
    read_only = _invoke(wrong)
    assert read_only.exit_code == 0
    first = read_only.stdout.splitlines()[0]
    assert first.startswith("Warning:") and "2026-11" in first and "2026-10" in first
    doc = json.loads(_invoke([*wrong, "--json"]).stdout)
    assert doc["period_mismatch"] == {"lines_month": "2026-11", "outside": 7, "usable": 7}
    right = json.loads(_invoke(_args(ledger, statements, "--json")).stdout)
    assert right["period_mismatch"] is None  # one line of December among seven is fine


def test_the_advance_date_lies_in_the_period_or_the_31_days_after(desk):
    folder, ledger, statements = desk
    before = ledger.read_bytes()
    for day in ("1999-01-01", "2026-10-31", "2027-01-01"):
        result = _invoke(_args(ledger, statements, "--post-advances", day))
        assert result.exit_code == 2 and day in result.stderr, (day, result.output)
        assert result.stderr.startswith("Error: --post-advances:")
    assert ledger.read_bytes() == before


def test_no_advance_for_an_installment_the_customer_already_paid(desk):
    folder, ledger, statements = desk
    book = openpyxl.load_workbook(ledger)
    # 王五 paid periods 1–10 (10 × 10,500.00) at the counter; the bank's deduction on 11-15 failed
    book["还款记录"].append(["HT003", dt.date(2026, 11, 20), 105000, "客户还款", None, "柜台还款"])
    book.save(ledger)
    result = _invoke(_args(ledger, statements, "--post-advances", "2026-11-30", "--json"))
    assert result.exit_code == 0, result.stderr
    posted = json.loads(result.stdout)["posted"]
    assert posted["advances_added"] == 1
    assert posted["advances_paid_by_customer"] == [
        {"contract_no": "HT003", "due_date": "2026-11-15", "amount": "10600.50"}]
    advances = [row for row in _payment_rows(ledger) if row[3] == "公司垫款"]
    assert [(c, a) for c, _d, a, *_ in advances] == [("HT002", 5500)]


# ------------------------------------------------------------------- the ledger after posting, in memory


@pytest.mark.parametrize("sheet", [True, False])
def test_the_posted_ledger_in_memory_equals_the_file_read_again(tmp_path, monkeypatch, sheet):
    """morning reads the ledger once: the rows a posting appends are applied to the frames in memory,
    and they are exactly what reading the written file gives (also when 还款记录 had to be created)."""
    import pandas as pd

    from loantool.ledger.read import load_ledger
    from loantool.workflows.overdue import assess_ledger

    monkeypatch.chdir(tmp_path)
    ledger = _ledger(tmp_path / "ledger.xlsx", payments_sheet=sheet)
    statements = _statements(tmp_path)
    settings = load_settings(None)
    day = dt.date(2026, 11, 30)
    result = workflow.reconcile_bank(settings, ledger, statements, period=workflow.parse_period(PERIOD),
                                     as_of=day, post_payments=True, post_advances=day)
    again = load_ledger(ledger, settings, as_of=day)
    assert result.ledger.sha256 == again.sha256
    assert result.posting.payments_added == 5 and result.posting.advances_added == 2
    pd.testing.assert_frame_equal(result.ledger.payments.frame, again.payments.frame)
    assert (result.ledger.payments.sheet, result.ledger.payments.columns) == (again.payments.sheet,
                                                                               again.payments.columns)
    mine, theirs = assess_ledger(result.ledger, settings, day), assess_ledger(again, settings, day)
    assert mine.to_dict() == theirs.to_dict()
