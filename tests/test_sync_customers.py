"""sync-customers: core.customers rules, and the command over a ledger and a 客服信息表 built here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import Settings
from loantool.core.customers import plan_sync

# ------------------------------------------------------------------------------------------ core rules


def frame(rows: list[dict], **kinds: str) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    for column, dtype in kinds.items():
        if column in out:
            out[column] = out[column].astype(dtype)
    out["excel_row"] = range(2, len(out) + 2)
    return out


LEDGER_ROWS = [
    {"contract_no": "HT001", "customer_name": "张三", "id_no": "11010519491231002X", "phone": "13800138000",
     "card_no": "6222020200112233445", "principal": 10_000_000, "guarantor": None},
    {"contract_no": "HT002", "customer_name": "李四", "id_no": "110105199001010011", "phone": "13900139000",
     "card_no": "6222020200998877665", "principal": 8_000_000, "guarantor": "王保"},
]


def test_new_contract_is_added_with_its_terms_and_status():
    loans = frame(LEDGER_ROWS, principal="Int64")
    cs = frame([{"contract_no": "HT009", "customer_name": " 钱 七 ", "phone": "138-0000-1111",
                 "principal": 5_000_000, "term": 24, "pickup_date": pd.Timestamp("2026-11-02")}],
               principal="Int64", term="Int64")
    plan = plan_sync(cs, loans)
    [new] = plan.new_loans
    assert new.contract_no == "HT009"
    assert new.cells["customer_name"] == "钱 七"
    assert new.cells["phone"] == "13800001111"
    assert new.cells["principal"] == 5_000_000 and new.cells["term"] == 24
    assert new.cells["status"] == "active" and new.cells["schedule_issued"] is False
    assert not plan.changes and not plan.unchanged


def test_contact_fields_change_finance_fields_never():
    loans = frame(LEDGER_ROWS, principal="Int64")
    cs = frame([
        # new phone, corrected name, a different loan amount (finance owns it: ignored)
        {"contract_no": "HT001", "customer_name": "张叁", "phone": "13811112222", "principal": 12_000_000,
         "card_no": "6222020200112233445", "guarantor": None},
        # nothing new: an empty guarantor never blanks the ledger's, a phone written with spaces is the same
        {"contract_no": "HT002", "customer_name": "李四", "phone": "139 0013 9000", "principal": 8_000_000,
         "card_no": None, "guarantor": None},
    ], principal="Int64")
    plan = plan_sync(cs, loans)
    assert [(c.contract_no, c.field, c.old, c.new) for c in plan.changes] == [
        ("HT001", "customer_name", "张三", "张叁"),
        ("HT001", "phone", "13800138000", "13811112222"),
    ]
    assert plan.unchanged == ["HT002"]
    assert not plan.new_loans


def test_masked_card_never_replaces_a_full_one():
    loans = frame(LEDGER_ROWS, principal="Int64")
    cs = frame([{"contract_no": "HT001", "customer_name": "张三", "card_no": "6222****3445"}])
    plan = plan_sync(cs, loans)
    assert not plan.changes
    [skip] = plan.skipped
    assert skip.field == "card_no" and "masked" in skip.reason


def test_conflicting_duplicates_are_reported_not_applied():
    loans = frame(LEDGER_ROWS, principal="Int64")
    cs = frame([
        {"contract_no": "HT001", "customer_name": "张三", "phone": "13811112222"},
        {"contract_no": "HT001", "customer_name": "张三", "phone": "13833334444"},
        {"contract_no": "HT002", "customer_name": "李四", "phone": "13955556666"},
        # same values: not a conflict
        {"contract_no": "HT002", "customer_name": "李四", "phone": "13955556666"},
    ])
    plan = plan_sync(cs, loans)
    [conflict] = plan.conflicts
    assert (conflict.contract_no, conflict.field, conflict.variants) == (
        "HT001", "phone", ("13811112222", "13833334444"))
    assert conflict.sources == (0, 1)
    assert [(c.contract_no, c.field, c.new) for c in plan.changes] == [("HT002", "phone", "13955556666")]


def test_a_field_the_ledger_lacks_is_skipped_with_a_reason():
    loans = frame(LEDGER_ROWS, principal="Int64").drop(columns=["guarantor"])
    cs = frame([{"contract_no": "HT001", "customer_name": "张三", "guarantor": "赵保"}])
    plan = plan_sync(cs, loans)
    assert not plan.changes
    assert plan.skipped[0].field == "guarantor" and "no column" in plan.skipped[0].reason


# ------------------------------------------------------------------------------------------ the command


def write_ledger(path: Path) -> None:
    from loantool.samples.ledger_layout import write_ledger_workbook

    loans = pd.DataFrame([
        {**row, "term": 12, "annual_rate": 3_600_000, "method": "flat_fee",
         "pickup_date": dt.date(2026, 1, 10), "status": "active", "schedule_issued": True}
        for row in LEDGER_ROWS
    ])
    write_ledger_workbook(path, {"loans": loans}, timestamp=dt.datetime(2026, 1, 1))


def write_customer_table(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "客服信息表"
    ws.append(["客服部客户信息（2026年11月）"])  # a title row above the header
    ws.append([])
    ws.append(["合同编号", "客户姓名", "身份证号", "手机号", "银行卡号", "车型", "贷款金额", "期数", "总费率",
               "还款方式", "提车日期", "保证人"])
    # new phone; the amount is finance's, not taken
    ws.append(["HT001", "张三", "11010519491231002X", "13811112222", "6222020200112233445", "速腾",
               120000, 12, "3.6%", "等本等费", dt.date(2026, 1, 10), None])
    ws.append(["HT002", "李四", "110105199001010011", "13900139000", "6222020200998877665", "朗逸",
               80000, 12, "3.6%", "等本等费", dt.date(2026, 1, 10), "王保"])  # unchanged
    ws.append(["HT003", "钱七", "110105198001010019", "13700001111", "6217000011112222333", "卡罗拉",
               50000, 24, "4.5%", "等本等费", dt.date(2026, 11, 20), "孙保"])  # new contract
    ws.append(["HT004", "周八", "110105198001010027", "13600001111", "6217000011119999000", "思域",
               60000, 36, "5%", "等本等费", dt.date(2026, 11, 21), None])
    # the same contract with another phone
    ws.append(["HT004", "周八", "110105198001010027", "13600002222", "6217000011119999000", "思域",
               60000, 36, "5%", "等本等费", dt.date(2026, 11, 21), None])
    for row in ws.iter_rows(min_row=4):
        for cell in row[:5]:
            cell.number_format = "@"
    wb.save(path)


@pytest.fixture()
def desk(tmp_path: Path) -> Path:
    write_ledger(tmp_path / "ledger.xlsx")
    write_customer_table(tmp_path / "客服信息表.xlsx")
    (tmp_path / "loantool.toml").write_text('as_of = "2026-11-30"\n', encoding="utf-8")
    return tmp_path


def invoke(desk: Path, *args: str):
    runner = CliRunner()
    return runner.invoke(app, ["sync-customers", str(desk / "客服信息表.xlsx"),
                               "--ledger", str(desk / "ledger.xlsx"),
                               "--config", str(desk / "loantool.toml"), *args])


def test_sync_adds_updates_and_second_run_changes_nothing(desk: Path):
    from loantool.ledger.read import load_ledger

    source_bytes = (desk / "客服信息表.xlsx").read_bytes()
    result = invoke(desk, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [a["contract_no"] for a in document["added"]] == ["HT003"]
    assert [(c["contract_no"], c["column"], c["old"], c["new"]) for c in document["changes"]] == [
        ("HT001", "手机号", "13800138000", "13811112222")]
    assert document["unchanged"] == 1 and document["written"] is True
    assert [(c["contract_no"], c["column"]) for c in document["conflicts"]] == [("HT004", "手机号")]

    loans = load_ledger(desk / "ledger.xlsx", Settings()).loans.frame.set_index("contract_no")
    assert loans.at["HT001", "phone"] == "13811112222"
    assert loans.at["HT001", "principal"] == 10_000_000  # finance's amount kept
    assert loans.at["HT003", "customer_name"] == "钱七"
    assert loans.at["HT003", "card_no"] == "6217000011112222333"
    assert loans.at["HT003", "principal"] == 5_000_000 and loans.at["HT003", "term"] == 24
    assert loans.at["HT003", "annual_rate"] == 4_500_000 and loans.at["HT003", "method"] == "flat_fee"
    assert loans.at["HT003", "status"] == "active" and not loans.at["HT003", "schedule_issued"]
    assert "HT004" not in loans.index

    ledger_bytes = (desk / "ledger.xlsx").read_bytes()
    again = invoke(desk, "--json")
    assert again.exit_code == 0, again.output
    document = json.loads(again.stdout)
    assert document["added"] == [] and document["changes"] == [] and document["written"] is False
    assert (desk / "ledger.xlsx").read_bytes() == ledger_bytes
    assert (desk / "客服信息表.xlsx").read_bytes() == source_bytes


def test_sync_dry_run_writes_nothing_and_shows_old_and_new(desk: Path):
    before = (desk / "ledger.xlsx").read_bytes()
    result = invoke(desk, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "13800138000 → 13811112222" in result.stdout
    assert "HT003" in result.stdout and "Dry run: nothing was written" in result.stdout
    assert (desk / "ledger.xlsx").read_bytes() == before
    assert not (desk / ".loantool").exists() or not any((desk / ".loantool").rglob("*.xlsx"))


def test_sync_json_equals_the_result(desk: Path):
    from loantool.workflows.customers import sync_customers

    result = invoke(desk, "--json", "--dry-run")
    assert result.exit_code == 0, result.output
    expected = sync_customers(Settings(), desk / "ledger.xlsx", desk / "客服信息表.xlsx",
                              as_of=dt.date(2026, 11, 30), dry_run=True)
    expected_doc = json.loads(json.dumps(expected.to_dict(), ensure_ascii=False, default=str))
    assert json.loads(result.stdout) == expected_doc


def test_sync_bad_cell_exits_2_and_writes_nothing(desk: Path):
    from openpyxl import load_workbook

    wb = load_workbook(desk / "客服信息表.xlsx")
    wb.active["K6"] = "2026-13-45"  # HT003's pickup date
    wb.save(desk / "客服信息表.xlsx")
    before = (desk / "ledger.xlsx").read_bytes()
    result = invoke(desk)
    assert result.exit_code == 2
    assert "Error:" in result.stderr and "row 6" in result.stderr
    assert result.stdout == ""
    assert (desk / "ledger.xlsx").read_bytes() == before


# ------------------------------------------------------------------- rows the ledger's reader would refuse


def _bad_new_rows(desk: Path) -> None:
    """Three more new contracts whose terms give no schedule: term 0, amount 0, no rate anywhere."""
    from openpyxl import load_workbook

    wb = load_workbook(desk / "客服信息表.xlsx")
    ws = wb.active
    ws.append(["HT005", "吴九", "110105198001010035", "13500001111", "6217000011113333444", "捷达",
               40000, 0, "4%", "等本等费", dt.date(2026, 11, 22), None])
    ws.append(["HT006", "郑十", "110105198001010043", "13500002222", "6217000011114444555", "宝来",
               0, 12, "4%", "等本等费", dt.date(2026, 11, 23), None])
    # no rate, and no 利率表 in the ledger
    ws.append(["HT007", "王十一", "110105198001010051", "13500003333", "6217000011115555666", "高尔夫",
               70000, 12, None, "等本等费", dt.date(2026, 11, 24), None])
    for row in ws.iter_rows(min_row=9):
        for cell in row[:5]:
            cell.number_format = "@"
    wb.save(desk / "客服信息表.xlsx")


def test_sync_never_writes_a_row_its_own_reader_would_refuse(desk: Path):
    _bad_new_rows(desk)
    before = (desk / "ledger.xlsx").read_bytes()
    result = invoke(desk)
    assert result.exit_code == 2, result.output
    assert all(f"row {n}" in result.stderr for n in (9, 10, 11)) and "期数" in result.stderr
    assert (desk / "ledger.xlsx").read_bytes() == before
    # what was written today made every later command refuse the ledger; now the ledger still works
    report = CliRunner().invoke(app, ["overdue-report", "--ledger", str(desk / "ledger.xlsx"), "--config",
                                      str(desk / "loantool.toml"), "--out", str(desk / "o.xlsx")])
    assert report.exit_code == 0, report.output


def test_sync_skip_bad_writes_the_good_rows_and_a_rejects_workbook(desk: Path):
    from openpyxl import load_workbook

    from loantool.ledger.read import load_ledger

    _bad_new_rows(desk)
    result = invoke(desk, "--skip-bad", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [a["contract_no"] for a in document["added"]] == ["HT003"]
    assert sorted({p["row"] for p in document["rejected"]}) == [9, 10, 11]
    rejects = Path(document["rejects"])
    assert rejects.is_file() and rejects.parent == desk / "reports"
    rows = list(load_workbook(rejects).active.iter_rows(values_only=True))
    assert sum(1 for r in rows if r and r[2] in (9, 10, 11)) == 3
    loans = load_ledger(desk / "ledger.xlsx", Settings()).loans.frame
    assert set(loans["contract_no"]) == {"HT001", "HT002", "HT003"}
    report = CliRunner().invoke(app, ["overdue-report", "--ledger", str(desk / "ledger.xlsx"), "--config",
                                      str(desk / "loantool.toml"), "--out", str(desk / "o.xlsx")])
    assert report.exit_code == 0, report.output


def test_sync_rejects_are_chinese_by_default(desk: Path, chinese):
    _bad_new_rows(desk)
    result = invoke(desk, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert list((desk / "reports").glob("客服信息表_拒收_*.xlsx"))
    assert "拒收" in result.stderr
