"""overdue-report through the CLI on a small ledger built here, as of 2026-11-30 (hand-worked numbers).

Every loan is 等本等费: 12,000.00 over 12 months at a 6 % total fee, so each installment is 1,000.00
principal + 60.00 fee = 1,060.00 (the fee is allocated first). The daily penalty 0.05 % of 1,060.00 is
0.53 a day per unpaid installment.

- HT001 张三  due on the 15th from 2026-02-15; paid every installment on its due date (10 of them):
  current; outstanding principal 12,000 − 10 × 1,000 = 2,000.00.
- HT002 李四  the same, but Nov 15 was paid on Nov 16: current, one late installment.
- HT003 王五  Nov 15 paid 500.00 only: fee 60 + principal 440; 560.00 overdue for 15 days (M1, 关注);
  penalty 560.00 × 0.0005 × 15 = 4.20; outstanding 12,000 − 9,000 − 440 = 2,560.00. A notice was
  signed on 2026-10-10, so no quarterly notice is due.
- HT004 赵六  stopped after July: Aug 15 … Nov 15 unpaid, 4 × 1,060.00 = 4,240.00; DPD from Aug 15 =
  107 (M4, 次级); penalty 0.53 × (107 + 76 + 46 + 15) = 129.32; 连三累六 (4 in a row). The company
  advanced all four (4,240.00 unrecovered): advances do not cure the customer's arrears. Guarantor 周九.
- HT005 钱七  settled on 2026-06-01 (and its 年利率 is blank, which would stop an active loan): left out.
- HT006 孙八  Nov 15: the company advanced it, the customer repaid the advance (客户还垫款) on Nov 20:
  current, one late installment, nothing unrecovered.
- HT007 吴七  due on the 2nd, final installment 2026-12-02 (unpaid, 1,060.00): SMS reminder and
  maturity notice (to the borrower and guarantor 吴十).
- HT008 郑八  2023 loan due on the 15th, paid Jan–Jun 2023 only: Jul 15 … Dec 15 2023 unpaid (6,360.00),
  DPD 1234 (M7+, 损失), penalty 0.53 × 6943 = 3,679.79; all late installments are older than the
  24-month look-back, so not 连三累六; claim expires 2023-12-15 + 3 years = 2026-12-15 (15 days).

Outstanding principal 2,000 + 2,000 + 2,560 + 6,000 + 2,000 + 1,000 + 6,000 = 21,560.00; NPL (HT004
次级 + HT008 损失) 12,000.00 → 55.66 %.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import without_progress
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import load_settings
from loantool.money import fen_to_str, to_fen
from loantool.workflows import overdue as workflow

AS_OF = "2026-11-30"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SHEETS = ["电话催收单", "催收名单", "短信提醒", "账龄与五级分类", "连三累六", "到期提示", "季度催收通知",
          "贷后检查计划", "诉讼时效"]
LOAN_HEADER = ["合同编号", "客户姓名", "手机号", "银行卡号", "经销商", "贷款金额", "期数", "年利率",
               "还款方式", "提车日期", "银行还款日", "状态", "结清日期", "风险等级", "上次检查日期",
               "最近催收签收日期", "保证人", "保证人电话"]
PAYMENT_HEADER = ["合同编号", "交易日期", "金额", "类型", "流水号", "备注"]


def card(n: int) -> str:
    """A 16-digit card number with a valid Luhn check digit."""
    body = f"622202{n:09d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


D = dt.date
LOANS = [
    # contract, name, phone, card, dealer, principal, term, rate, method, pickup, due day, status, settled,
    # grade, last inspection, last notice, guarantor, guarantor phone
    ("HT001", "张三", "13800000001", card(1), "甲车行", 12000, 12, "6%", "等本等费", D(2026, 1, 10),
     15, "在贷", None, "好", D(2026, 10, 1), None, None, None),
    ("HT002", "李四", "13800000002", card(2), "甲车行", 12000, 12, "6%", "等本等费", D(2026, 1, 10),
     15, "在贷", None, "一般", D(2026, 10, 20), None, None, None),
    ("HT003", "王五", "13800000003", card(3), "乙车行", 12000, 12, "6%", "等本等费", D(2026, 1, 10),
     15, "在贷", None, "好", D(2026, 11, 1), D(2026, 10, 10), None, None),
    ("HT004", "赵六", "13800000004", card(4), "乙车行", 12000, 12, "6%", "等本等费", D(2026, 1, 10),
     15, "在贷", None, "差", D(2026, 11, 5), None, "周九", "13900000009"),
    ("HT005", "钱七", "13800000005", card(5), "甲车行", 12000, 12, None, "等本等费", D(2026, 1, 10),
     15, "结清", D(2026, 6, 1), "好", D(2026, 10, 1), None, None, None),
    ("HT006", "孙八", "13800000006", card(6), "甲车行", 12000, 12, "6%", "等本等费", D(2026, 1, 10),
     15, "在贷", None, "好", D(2026, 9, 15), None, None, None),
    ("HT007", "吴七", "13800000007", card(7), "丙车行", 12000, 12, "6%", "等本等费", D(2025, 12, 20),
     2, "在贷", None, "好", D(2026, 11, 10), None, "吴十", "13900000010"),
    ("HT008", "郑八", "13800000008", card(8), "丙车行", 12000, 12, "6%", "等本等费", D(2022, 12, 10),
     15, "在贷", None, None, None, D(2023, 9, 1), None, None),
]


def _monthly(contract, first: D, months: int, day: int, amount=1060) -> list[tuple]:
    rows = []
    for k in range(months):
        month = first.month - 1 + k
        rows.append((contract, D(first.year + month // 12, month % 12 + 1, day), amount, "客户还款"))
    return rows


PAYMENTS = [
    *_monthly("HT001", D(2026, 2, 1), 10, 15),
    *_monthly("HT002", D(2026, 2, 1), 9, 15), ("HT002", D(2026, 11, 16), 1060, "客户还款"),
    *_monthly("HT003", D(2026, 2, 1), 9, 15), ("HT003", D(2026, 11, 15), 500, "客户还款"),
    *_monthly("HT004", D(2026, 2, 1), 6, 15),
    *[("HT004", D(2026, m, 15), 1060, "公司垫款") for m in (8, 9, 10, 11)],
    *_monthly("HT005", D(2026, 2, 1), 4, 15),
    *_monthly("HT006", D(2026, 2, 1), 9, 15),
    ("HT006", D(2026, 11, 15), 1060, "公司垫款"), ("HT006", D(2026, 11, 20), 1060, "客户还垫款"),
    *_monthly("HT007", D(2026, 1, 1), 11, 2),
    *_monthly("HT008", D(2023, 1, 1), 6, 15),
]


def build_ledger(path: Path, *, loans=LOANS, payments=PAYMENTS, payment_header=PAYMENT_HEADER,
                 rows_above_payments=()) -> Path:
    """The test ledger: 贷款台账 and 还款记录 (none when ``payments`` is None), ``rows_above_payments``
    (title rows) above the latter's header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(LOAN_HEADER)
    for row in loans:
        ws.append(list(row))
    for column in ("C", "D", "R"):  # phone, card, guarantor phone are text
        for cell in ws[column][1:]:
            cell.number_format = "@"
    if payments is not None:
        pay = wb.create_sheet("还款记录")
        for row in (*rows_above_payments, payment_header):
            pay.append(list(row))
        for i, row in enumerate(payments, start=1):
            pay.append([*row, f"R{i:04d}", None])
    wb.save(path)
    return path


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path, build_ledger(tmp_path / "ledger.xlsx")


def invoke(*args):
    return CliRunner().invoke(app, ["overdue-report", *map(str, args)])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sheet_rows(path: Path, name: str) -> tuple[list, list[list]]:
    """(header, data rows) of a report sheet: the header is the row that starts with 合同编号 or
    序号/账龄/文件; the data rows end before the 合计 row."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    at = next(i for i, r in enumerate(rows) if r[0] in ("合同编号", "序号", "账龄", "文件"))
    header = rows[at]
    body = []
    for r in rows[at + 1:]:
        if r[0] == "合计" or not any(v != "" for v in r):
            break
        body.append(r)
    return header, body


def column(header: list, body: list[list], name: str) -> list:
    return [r[header.index(name)] for r in body]


# ------------------------------------------------------------------------------------------------ the numbers


def test_json_hand_worked(desk):
    folder, ledger = desk
    before = sha(ledger)
    out = folder / "out" / "r.xlsx"
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--json", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert sha(ledger) == before  # read-only
    assert doc["as_of"] == AS_OF and doc["report"] == str(out) and out.is_file()
    loans = {item["contract_no"]: item for item in doc["loans"]}
    assert list(loans) == ["HT001", "HT002", "HT003", "HT004", "HT006", "HT007", "HT008"]  # HT005 settled

    def key(c):
        i = loans[c]
        return (i["dpd"], i["bucket"], i["classification"], i["overdue_periods"], i["overdue_amount"],
                i["penalty"], i["outstanding_principal"], i["consecutive_late"], i["cumulative_late"],
                i["lian3lei6"])

    assert key("HT001") == (0, "M0", "normal", 0, "0.00", "0.00", "2000.00", 0, 0, False)
    assert key("HT002") == (0, "M0", "normal", 0, "0.00", "0.00", "2000.00", 1, 1, False)
    assert key("HT003") == (15, "M1", "special_mention", 1, "560.00", "4.20", "2560.00", 1, 1, False)
    assert key("HT004") == (107, "M4", "substandard", 4, "4240.00", "129.32", "6000.00", 4, 4, True)
    assert key("HT006") == (0, "M0", "normal", 0, "0.00", "0.00", "2000.00", 1, 1, False)
    assert key("HT007") == (0, "M0", "normal", 0, "0.00", "0.00", "1000.00", 0, 0, False)
    assert key("HT008") == (1234, "M7+", "loss", 6, "6360.00", "3679.79", "6000.00", 0, 0, False)
    assert {c: i["actions"] for c, i in loans.items()} == {
        "HT001": [], "HT002": [], "HT006": [],
        "HT003": ["call_daily"],  # notice signed this quarter
        "HT004": ["call_daily", "written_notice", "escalate"],
        "HT007": ["sms", "maturity_notice"],
        "HT008": ["call_daily", "written_notice", "escalate"],
    }
    assert loans["HT004"]["unrecovered_advances"] == "4240.00"  # advanced, still overdue
    assert loans["HT006"]["unrecovered_advances"] == "0.00"
    assert loans["HT004"]["missed_due_dates"] == ["2026-08-15", "2026-09-15", "2026-10-15", "2026-11-15"]
    assert loans["HT001"]["next_due_date"] == "2026-12-15" and loans["HT001"]["next_due_amount"] == "1060.00"

    s = doc["summary"]
    assert (s["active_loans"], s["loans_in_arrears"], s["outstanding_principal"], s["npl_outstanding"],
            s["npl_ratio"]) == (7, 3, "21560.00", "12000.00", "55.66%")
    assert (s["overdue_amount"], s["penalty"], s["unrecovered_advances"]) == (
        "11160.00", "3813.31", "4240.00")
    assert {b["bucket"]: b["loans"] for b in s["by_bucket"] if b["loans"]} == {
        "M0": 4, "M1": 1, "M4": 1, "M7+": 1}
    assert [c["contract_no"] for c in doc["call_list"]] == ["HT008", "HT004", "HT003"]
    assert doc["call_list"][2] == {
        "contract_no": "HT003", "customer_name": "王五", "phone": "13800000003", "dpd": 15,
        "overdue_periods": 1, "overdue_amount": "560.00", "oldest_unpaid_due": "2026-11-15",
        "last_contact_on": None, "last_result": None, "promise_date": None, "promise_amount": None,
        "promise_status": None,
        "waiting": False}
    assert [(m["contract_no"], m["period"], m["due_date"], m["amount"]) for m in doc["sms"]] == [
        ("HT007", 12, "2026-12-02", "1060.00")]
    assert doc["sms"][0]["message"].startswith(f"【{workflow.Settings().company.name}】尊敬的吴七，"
                                               "您本期应还1060.00元将于2026-12-02"
                                               f"从尾号{card(7)[-4:]}的银行卡扣款")
    assert [(n["contract_no"], n["recipient"], n["name"]) for n in doc["maturity_notices"]] == [
        ("HT007", "borrower", "吴七"), ("HT007", "guarantor", "吴十")]
    assert [(n["contract_no"], n["recipient"], n["phone"]) for n in doc["quarterly_notices"]] == [
        ("HT008", "borrower", "13800000008"), ("HT004", "borrower", "13800000004"),
        ("HT004", "guarantor", "13900000009")]
    assert [(i["contract_no"], i["reason"]) for i in doc["inspections"]] == [
        ("HT002", "cadence"), ("HT003", "arrears"), ("HT004", "arrears"), ("HT008", "arrears")]
    assert doc["limitation"] == [{"contract_no": "HT008", "final_due_date": "2023-12-15",
                                  "last_notice_signed": "2023-09-01", "expiry": "2026-12-15", "days_left": 15,
                                  "status": "expiring", "start": "2023-12-15", "basis": "final_due"}]
    assert [x["contract_no"] for x in doc["lian3lei6"]] == ["HT004"]
    assert doc["warnings"] == []


def test_json_equals_the_report_object(desk):
    folder, ledger = desk
    out = folder / "r.xlsx"
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--json", "--out", out)
    assert result.exit_code == 0, result.stderr
    direct = workflow.overdue_report(load_settings(None), ledger, as_of=dt.date.fromisoformat(AS_OF), out=out)
    assert direct.report_path == folder / "r_2.xlsx"  # r.xlsx is kept: a report is never overwritten
    document = json.loads(result.stdout)
    assert document.pop("report") == str(out)
    assert Path(document.pop("letters")).name == "collection-notices_20261130.xlsx"  # the second run's is _2
    assert document == {k: v for k, v in json.loads(json.dumps(direct.to_dict(), ensure_ascii=False)).items()
                        if k not in ("report", "letters")}


def test_workbook_sheets_and_key_cells(desk, chinese):
    folder, ledger = desk
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    report = folder / "reports" / "逾期催收日报_20261130.xlsx"  # the default --out
    assert CalamineWorkbook.from_path(str(report)).sheet_names == SHEETS

    header, body = sheet_rows(report, "催收名单")
    assert column(header, body, "合同编号") == ["HT008", "HT004", "HT003"]
    ht004 = dict(zip(header, body[1], strict=True))
    assert (ht004["逾期期数"], ht004["逾期金额"], ht004["逾期天数"], ht004["账龄"], ht004["五级分类"]) == (
        4, 4240, 107, "M4", "次级")
    assert (ht004["连续逾期"], ht004["累计逾期"], ht004["罚息"], ht004["未收回垫款"], ht004["剩余本金"]) == (
        4, 4, 129.32, 4240, 6000)
    assert ht004["逾期应还日"] == "2026-08-15、2026-09-15、2026-10-15、2026-11-15"
    assert (ht004["手机号"], ht004["经销商"], ht004["保证人"], ht004["保证人电话"]) == (
        "13800000004", "乙车行", "周九", "13900000009")
    assert ht004["建议措施"] == "每日电话；本季度书面通知；升级（经销商/保险/法务）"
    assert header[-3:] == ["上次联系", "最近承诺", "承诺状态"] and ht004["上次联系"] == ""

    header, body = sheet_rows(report, "短信提醒")
    assert column(header, body, "合同编号") == ["HT007"]
    assert column(header, body, "卡号尾号") == [card(7)[-4:]]
    assert "吴七" in body[0][header.index("短信内容")] and "2026-12-02" in body[0][header.index("短信内容")]

    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_name("账龄与五级分类").to_python()
    cells = [c for r in rows for c in r]
    assert "55.66%" in cells and "损失" in cells
    header, body = sheet_rows(report, "账龄与五级分类")
    assert column(header, body, "账龄") == ["M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7+"]
    assert column(header, body, "笔数") == [4, 1, 0, 0, 1, 0, 0, 1]
    with zipfile.ZipFile(report) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) == 2

    assert column(*sheet_rows(report, "连三累六"), "合同编号") == ["HT004"]
    header, body = sheet_rows(report, "到期提示")
    assert [(r[header.index("收件人")], r[header.index("姓名")]) for r in body] == [
        ("借款人", "吴七"), ("保证人", "吴十")]
    header, body = sheet_rows(report, "季度催收通知")
    assert column(header, body, "合同编号") == ["HT008", "HT004", "HT004"]
    assert column(header, body, "电话") == ["13800000008", "13800000004", "13900000009"]
    assert column(*sheet_rows(report, "贷后检查计划"), "合同编号") == ["HT002", "HT003", "HT004", "HT008"]
    header, body = sheet_rows(report, "诉讼时效")
    assert [(r[header.index("合同编号")], r[header.index("剩余天数")], r[header.index("状态")])
            for r in body] == [("HT008", 15, "即将届满")]


def test_console_summary(desk, chinese):
    folder, ledger = desk
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--out", folder / "r.xlsx")
    assert result.exit_code == 0, result.stderr
    assert without_progress(result.stderr) == ""
    text = result.stdout
    assert "不良率 55.66%" in text and "催收名单" in text
    assert text.index("HT008") < text.index("HT004") < text.index("HT003")  # worst first
    assert "HT001" not in text  # only the call list names loans
    assert f"报告：{folder / 'r.xlsx'}" in text


def test_rerun_on_a_copy_gives_the_same_document(desk, tmp_path):
    folder, ledger = desk
    first = json.loads(invoke("--ledger", ledger, "--as-of", AS_OF, "--json").stdout)
    copy = tmp_path / "auditor"
    copy.mkdir()
    copied = shutil.copy2(ledger, copy / "ledger.xlsx")
    second = json.loads(invoke("--ledger", copied, "--as-of", AS_OF, "--json", "--out",
                               copy / "r.xlsx").stdout)
    for doc in (first, second):
        doc.pop("report"), doc.pop("ledger"), doc.pop("letters")
    assert first == second


def test_no_payments_sheet_means_nothing_was_paid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ledger = build_ledger(tmp_path / "ledger.xlsx", payments=[])
    wb = openpyxl.load_workbook(ledger)
    del wb["还款记录"]
    wb.save(ledger)
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    # HT001: Feb 15 … Nov 15 all unpaid, DPD from Feb 15 = 288 (可疑), 10 × 1,060.00 overdue
    first = doc["loans"][0]
    assert (first["dpd"], first["classification"], first["overdue_periods"], first["overdue_amount"]) == (
        288, "doubtful", 10, "10600.00")
    assert doc["summary"]["loans_in_arrears"] == 7 and doc["summary"]["npl_ratio"] == "100.00%"


def test_only_settled_loans_gives_an_empty_report(tmp_path, monkeypatch, chinese):
    monkeypatch.chdir(tmp_path)
    settled = [(*loan[:11], "结清", D(2026, 6, 1), *loan[13:]) for loan in LOANS]
    ledger = build_ledger(tmp_path / "ledger.xlsx", loans=settled)
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["loans"] == [] and doc["call_list"] == [] and doc["summary"]["npl_ratio"] == "0.00%"
    report = tmp_path / "reports" / "逾期催收日报_20261130.xlsx"
    assert column(*sheet_rows(report, "催收名单"), "合同编号") == []


# ------------------------------------------------------------------------------------------------ bad input


def test_bad_payment_cell_exits_2_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = ("HT001", D(2026, 5, 15), "一千", "客户还款")
    ledger = build_ledger(tmp_path / "ledger.xlsx", payments=[*PAYMENTS[:3], bad])
    before = sha(ledger)
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]  # with --json the error is a JSON document on stdout too
    assert error["code"] == "bad-input" and error["problems"][0]["row"] == 5
    assert result.stderr.startswith("Error: ")
    assert "还款记录" in result.stderr and "row 5" in result.stderr and "金额" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "reports").exists()
    assert sha(ledger) == before


def test_active_loan_without_a_rate_exits_2_naming_the_cell(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loans = [LOANS[0], (*LOANS[1][:7], None, *LOANS[1][8:])]
    ledger = build_ledger(tmp_path / "ledger.xlsx", loans=loans, payments=PAYMENTS[:10])
    out = tmp_path / "r.xlsx"
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--out", out)
    assert result.exit_code == 2
    assert "贷款台账" in result.stderr and "row 3" in result.stderr and "年利率" in result.stderr
    assert not out.exists() and result.stdout == ""


def test_unknown_contract_in_payments_is_a_warning(tmp_path, monkeypatch, chinese):
    monkeypatch.chdir(tmp_path)
    stray = ("HT999", D(2026, 11, 15), 1060, "客户还款")
    ledger = build_ledger(tmp_path / "ledger.xlsx", payments=[*PAYMENTS, stray])
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    assert [(w["code"], w["sheet"], w["row"], w["value"]) for w in warnings] == [
        ("unknown-contract", "还款记录", len(PAYMENTS) + 2, "HT999")]
    console = invoke("--ledger", ledger, "--as-of", AS_OF)
    assert "提示：" in console.stderr and "HT999" in console.stderr
    report = tmp_path / "reports" / "逾期催收日报_20261130.xlsx"
    assert CalamineWorkbook.from_path(str(report)).sheet_names == [*SHEETS, "数据提示"]


def test_out_on_the_ledger_is_refused(desk):
    folder, ledger = desk
    before = sha(ledger)
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--out", ledger)
    assert result.exit_code == 2 and "is the ledger itself" in result.stderr
    assert sha(ledger) == before


def test_missing_ledger_and_bad_options(desk):
    folder, ledger = desk
    missing = invoke("--ledger", folder / "nope.xlsx", "--as-of", AS_OF)
    assert missing.exit_code == 2 and "nope.xlsx" in missing.stderr
    bad_date = invoke("--ledger", ledger, "--as-of", "2026-13-01")
    assert bad_date.exit_code == 2 and "--as-of" in bad_date.stderr
    not_xlsx = invoke("--ledger", ledger, "--as-of", AS_OF, "--out", folder / "r.csv")
    assert not_xlsx.exit_code == 2 and ".xlsx" in not_xlsx.stderr


def test_bad_sms_template_is_a_usage_error(desk):
    folder, ledger = desk
    (folder / "loantool.toml").write_text('[actions]\nsms_template = "{name} {balance}"\n', encoding="utf-8")
    result = invoke("--ledger", ledger, "--as-of", AS_OF)
    assert result.exit_code == 2 and "balance" in result.stderr
    assert not (folder / "reports").exists()


# ------------------------------------------------------------------------------------------------ samples


@pytest.mark.skipif(not (SAMPLES / "ledger.xlsx").is_file(), reason="samples/ledger.xlsx not generated yet")
def test_samples(tmp_path, monkeypatch, chinese):
    for name in ("ledger.xlsx", "loantool.toml"):
        shutil.copy2(SAMPLES / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    before = sha(tmp_path / "ledger.xlsx")
    result = invoke("--json")  # as_of and the ledger come from the sample loantool.toml
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["as_of"] == AS_OF
    ledger = openpyxl.load_workbook(tmp_path / "ledger.xlsx", read_only=True)["贷款台账"]
    rows = list(ledger.iter_rows(min_row=2, values_only=True))
    status = [r[[c.value for c in next(ledger.iter_rows(max_row=1))].index("状态")] for r in rows if r[0]]
    assert len(doc["loans"]) == sum(s in (None, "在贷") for s in status)
    s = doc["summary"]
    assert s["active_loans"] == len(doc["loans"])
    assert s["loans_in_arrears"] == sum(item["dpd"] > 0 for item in doc["loans"]) == len(doc["call_list"])
    total = sum(to_fen(i["outstanding_principal"]) for i in doc["loans"])
    assert s["outstanding_principal"] == fen_to_str(total)
    report = tmp_path / "reports" / "逾期催收日报_20261130.xlsx"
    assert CalamineWorkbook.from_path(str(report)).sheet_names[:len(SHEETS)] == SHEETS
    header, body = sheet_rows(report, "催收名单")
    assert column(header, body, "合同编号") == [c["contract_no"] for c in doc["call_list"]]
    assert sha(tmp_path / "ledger.xlsx") == before


# ------------------------------------------------------------------------------------- small balances


def test_a_fifty_fen_residue_goes_to_the_small_balance_list_not_the_call_list(tmp_path, monkeypatch, chinese):
    monkeypatch.chdir(tmp_path)
    residue = ("HT009", "冯九", "13800000009", card(9), "甲车行", 12000, 12, "6%", "等本等费", D(2026, 1, 10),
               15, "在贷", None, "好", D(2026, 11, 1), None, None, None)
    payments = [*PAYMENTS, *_monthly("HT009", D(2026, 2, 1), 9, 15),
                ("HT009", D(2026, 11, 15), 1059.5, "客户还款")]
    ledger = build_ledger(tmp_path / "ledger.xlsx", loans=[*LOANS, residue], payments=payments)
    out = tmp_path / "r.xlsx"
    result = invoke("--ledger", ledger, "--as-of", AS_OF, "--json", "--out", out)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    loan = next(item for item in doc["loans"] if item["contract_no"] == "HT009")
    assert (loan["dpd"], loan["classification"], loan["overdue_amount"], loan["small_balance"]) == (
        15, "special_mention", "0.50", True)
    assert loan["actions"] == []  # no call, no notice, no escalation
    assert "HT009" not in doc["call_list"]
    assert doc["small_balances"] == [{"contract_no": "HT009", "customer_name": "冯九", "dpd": 15,
                                      "classification": "special_mention", "overdue_amount": "0.50",
                                      "missed_due_dates": ["2026-11-15"]}]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[1] == "尾差核对"
    rows = list(book["尾差核对"].iter_rows(values_only=True))
    assert any("HT009" in row for row in rows) and any("1.00" in str(row[0]) for row in rows if row[0])
    console = invoke("--ledger", ledger, "--as-of", AS_OF, "--out", tmp_path / "c.xlsx")
    assert "尾差核对 1 户" in console.stdout


def test_the_json_document_is_the_text_the_standard_library_writes():
    """--json goes through orjson: the same document, byte for byte, as json.dumps would write."""
    from loantool.cli import json_text

    settings = load_settings(SAMPLES / "loantool.toml")
    report = workflow.assess_ledger(workflow.load_ledger(SAMPLES / "ledger.xlsx", settings,
                                                         as_of=dt.date(2026, 11, 30)), settings,
                                    dt.date(2026, 11, 30))
    document = report.to_dict()
    assert len(document["loans"]) > 100
    assert json_text(document) == json.dumps(document, ensure_ascii=False, indent=2, default=str)
