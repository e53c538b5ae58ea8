"""import-disbursements end to end: slips in every format the desk gets, over a ledger built here."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import without_progress
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import Settings
from loantool.ledger.read import load_ledger

REPO = Path(__file__).resolve().parents[1]
REALWORLD = REPO.parent / "shared" / "realworld"

LOANS = [
    # 100,000.00 flat fee 3.6 % over 12: 8,633.33 a month; the bank's slip says 8,633.34
    {"contract_no": "HT001", "customer_name": "张三", "id_no": "11010519491231002X",
     "card_no": "6222020200112233445",
     "principal": 10_000_000, "term": 12, "method": "flat_fee", "annual_rate": 3_600_000},
    # 100,000.00 annuity 12 % over 12: 8,884.88; its slip row shows only a masked card
    {"contract_no": "HT002", "customer_name": "李四", "id_no": "110105199001010011",
     "card_no": "6222020200998877665",
     "principal": 10_000_000, "term": 12, "method": "annuity", "annual_rate": 12_000_000},
    # 100,000.00 equal principal 6 % over 12: first installment 8,833.33
    {"contract_no": "HT003", "customer_name": "王五", "id_no": "110105198502020022",
     "card_no": "6217000011112222333",
     "principal": 10_000_000, "term": 12, "method": "equal_principal", "annual_rate": 6_000_000},
    # already has a bank due day (15); the slip says 20: a conflict
    {"contract_no": "HT004", "customer_name": "赵六", "id_no": "110105197703030033",
     "card_no": "6228480011110000111",
     "principal": 10_000_000, "term": 12, "method": "flat_fee", "annual_rate": 3_600_000, "bank_due_day": 15},
    # 60,000.00 flat fee 4.8 % over 24: 2,620.00
    {"contract_no": "HT005", "customer_name": "孙七", "id_no": "110105196604040044",
     "card_no": "6228480022220000222",
     "principal": 6_000_000, "term": 24, "method": "flat_fee", "annual_rate": 4_800_000},
]


def write_ledger(path: Path) -> None:
    from loantool.samples.ledger_layout import write_ledger_workbook

    loans = pd.DataFrame([{**loan, "pickup_date": dt.date(2026, 11, 20), "status": "active",
                           "schedule_issued": True} for loan in LOANS])
    loans["bank_due_day"] = loans["bank_due_day"].astype("Int64")
    write_ledger_workbook(path, {"loans": loans}, timestamp=dt.datetime(2026, 1, 1))


SLIP_HEADER = ["序号", "姓名", "身份证号", "卡号", "放款金额", "放款日期", "期数", "每期还款额", "还款日",
               "首期还款日", "银行"]


def write_xlsx_slip(path: Path, rows: list[list]) -> None:
    """A bank's slip: two title rows above the header, identifiers as text cells."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "放款单"
    ws.append(["中国XX银行杭州分行 个人汽车消费分期放款通知单"])
    ws.append(["打印日期：2026-11-28"])
    ws.append(SLIP_HEADER)
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=4):
        for cell in row[2:4]:
            cell.number_format = "@"
    wb.save(path)


GOOD_XLSX_ROWS = [
    [1, "张三", "11010519491231002X", "6222020200112233445", 100000, dt.date(2026, 11, 25), 12, 8633.34, 25,
     dt.date(2026, 12, 25), "XX银行"],
    [2, "李四", None, "622202******7665", "100,000.00", dt.date(2026, 11, 26), 12, 8884.88, 26, None,
     "XX银行"],
    [3, "陌生人", "120101199901010016", "6222999999999999999", 50000, dt.date(2026, 11, 26), 12, 4300, 10,
     None, "XX银行"],
    [4, "张三", "11010519491231002X", "6222020200112233445", 100000, dt.date(2026, 11, 25), 12, 8633.34, 25,
     dt.date(2026, 12, 25), "XX银行"],  # the same row exported twice
]


def write_slips(folder: Path) -> list[Path]:
    xlsx = folder / "放款单_XX银行.xlsx"
    write_xlsx_slip(xlsx, GOOD_XLSX_ROWS)
    csv = folder / "放款单_建行.csv"  # GBK, with ="…" wrapped identifiers and a title line
    csv.write_bytes("\r\n".join([
        "中国建设银行 汽车分期放款明细",
        "姓名,身份证号,卡号,放款金额,放款日期,期数,月还金额,还款日",
        '王五,="110105198502020022",="6217000011112222333","100,000.00",2026年11月27日,12,8833.33,27',
        '赵六,="110105197703030033",="6228480011110000111","100,000.00",2026/11/27,12,8633.33,20',
    ]).encode("gbk"))
    xls = folder / "放款单_农行.xls"  # an HTML table saved with an .xls name, as banks export them
    xls.write_bytes((
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
        '<table border="1"><tr><td colspan="6">中国农业银行 放款清单</td></tr>'
        "<tr><td>户名</td><td>证件号码</td><td>放款金额</td><td>放款日期</td><td>月供</td><td>每月还款日</td></tr>"
        '<tr><td style="mso-number-format:\\@">孙七</td>'
        '<td style="mso-number-format:\\@">110105196604040044</td>'
        "<td>60000.00</td><td>2026-11-28</td><td>2620.00</td><td>28</td></tr></table></body></html>"
    ).encode())
    return [xlsx, csv, xls]


@pytest.fixture()
def desk(tmp_path: Path) -> Path:
    write_ledger(tmp_path / "ledger.xlsx")
    (tmp_path / "inbox").mkdir()
    write_slips(tmp_path / "inbox")
    (tmp_path / "loantool.toml").write_text('as_of = "2026-11-30"\n[ledger]\npath = "ledger.xlsx"\n',
                                            encoding="utf-8")
    return tmp_path


def slips_of(desk: Path) -> list[str]:
    return [str(p) for p in sorted((desk / "inbox").iterdir())]


def invoke(desk: Path, *args: str, slips: list[str] | None = None):
    return CliRunner().invoke(app, ["import-disbursements", *(slips if slips is not None else slips_of(desk)),
                                    "--config", str(desk / "loantool.toml"), *args])


def state(desk: Path) -> tuple[bytes, list[str], int]:
    """The ledger's bytes, the backups kept, the journal's line count."""
    folder = desk / ".loantool"
    backups = sorted(p.name for p in (folder / "backups").glob("*")) if (folder / "backups").exists() else []
    journal = folder / "journal.jsonl"
    lines = len(journal.read_text(encoding="utf-8").splitlines()) if journal.exists() else 0
    return (desk / "ledger.xlsx").read_bytes(), backups, lines


def inputs_of(desk: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (desk / "inbox").iterdir()}


def test_import_writes_the_slips_and_a_second_run_changes_nothing(desk: Path):
    before_inputs = inputs_of(desk)
    result = invoke(desk, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["matched"], doc["updated"], doc["unchanged"]) == (5, 5, 0)
    assert doc["written"] is True and doc["backup"]
    by_contract = {m["contract_no"]: m for m in doc["matches"]}
    assert by_contract["HT002"]["matched_by"] == "card_no"  # the masked card
    assert by_contract["HT005"]["matched_by"] == "id_no"
    [unknown] = doc["unmatched"]
    assert unknown["customer_name"] == "陌生人" and unknown["row"] == 6 and unknown["principal"] == "50000.00"
    [duplicate] = doc["duplicates"]
    assert (duplicate["contract_no"], duplicate["row"], duplicate["same_as"]) == (
        "HT001", 7, "放款单_XX银行.xlsx row 4")
    [conflict] = doc["conflicts"]
    assert (conflict["contract_no"], conflict["column"], conflict["ledger"], conflict["slip"]) == \
        ("HT004", "银行还款日", 15, 20)
    [discrepancy] = doc["discrepancies"]
    assert {k: discrepancy[k] for k in ("contract_no", "label", "bank", "ours", "difference")} == {
        "contract_no": "HT001", "label": "银行月还金额", "bank": "8633.34", "ours": "8633.33",
        "difference": "0.01"}

    loans = load_ledger(desk / "ledger.xlsx", Settings()).loans.frame.set_index("contract_no")
    assert loans.at["HT001", "disbursed_on"] == pd.Timestamp("2026-11-25")
    assert loans.at["HT001", "bank_due_day"] == 25 and loans.at["HT001", "bank_monthly_amount"] == 863_334
    assert loans.at["HT001", "first_due_date"] == pd.Timestamp("2026-12-25")
    assert loans.at["HT002", "bank_monthly_amount"] == 888_488
    assert loans.at["HT003", "disbursed_on"] == pd.Timestamp("2026-11-27")
    assert loans.at["HT004", "bank_due_day"] == 15  # the conflict was not overwritten
    assert loans.at["HT004", "bank_monthly_amount"] == 863_333
    assert loans.at["HT005", "bank_due_day"] == 28 and loans.at["HT005", "bank_monthly_amount"] == 262_000
    assert loans.at["HT005", "card_no"] == "6228480022220000222"  # identifiers untouched
    assert inputs_of(desk) == before_inputs

    ledger_bytes, backups, journal_lines = state(desk)
    again = invoke(desk, "--json")
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert (doc["matched"], doc["updated"], doc["unchanged"], doc["cells_changed"]) == (5, 0, 4, 0)
    assert doc["changes"] == [] and doc["written"] is False and len(doc["conflicts"]) == 1
    after_bytes, after_backups, after_lines = state(desk)
    assert after_bytes == ledger_bytes and after_backups == backups
    assert after_lines == journal_lines + 1
    last = json.loads((desk / ".loantool" / "journal.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert last["result"] == "nothing to do" and last["command"] == "import-disbursements"


def test_overwrite_replaces_a_conflict(desk: Path):
    assert invoke(desk, "--quiet").exit_code == 0
    result = invoke(desk, "--overwrite", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    changes = [(c["contract_no"], c["column"], c["old"], c["new"], c["overwritten"]) for c in doc["changes"]]
    assert changes == [("HT004", "银行还款日", 15, 20, True)]
    assert doc["conflicts"] == []
    loans = load_ledger(desk / "ledger.xlsx", Settings()).loans.frame.set_index("contract_no")
    assert loans.at["HT004", "bank_due_day"] == 20


def test_dry_run_shows_old_and_new_and_never_writes(desk: Path):
    before = state(desk)
    result = invoke(desk, "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Dry run: nothing was written" in out
    assert "HT001" in out and "放款日期" in out and "(empty) → 2026-11-25" in out
    assert "8,633.34" in out and "陌生人" in out
    assert state(desk) == before
    assert not (desk / ".loantool").exists()


def test_json_equals_the_result_object(desk: Path):
    from loantool.workflows.imports import import_disbursements

    result = invoke(desk, "--json", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    slips = [Path(p) for p in slips_of(desk)]
    expected = import_disbursements(Settings(), desk / "ledger.xlsx", slips, as_of=dt.date(2026, 11, 30),
                                    dry_run=True)
    expected_doc = json.loads(json.dumps(expected.to_dict(), ensure_ascii=False, default=str))
    assert json.loads(result.stdout) == expected_doc


BAD_ROWS = [
    [1, "张三", "11010519491231002X", "6222020200112233445", 100000, dt.date(2026, 11, 25), 12, 8633.34, 25,
     None, "X"],
    [2, "李四", "110105199001010011", "6222020200998877665", 100000, "2026-13-45", 12, "八千", 26,
     None, "X"],
    [3, "王五", "110105198502020022", "6217000011112222333", 100000, dt.date(2026, 11, 27), 12, 8833.33, 32,
     None, "X"],
    [4, "赵六", "110105197703030033", "6228480011110000111", 100000, dt.date(2026, 11, 27), 12, 0, 20,
     None, "X"],
]
BAD_CELLS = {(5, "放款日期"), (5, "每期还款额"), (6, "还款日"), (7, "每期还款额")}


def test_bad_rows_exit_2_and_nothing_is_written(desk: Path):
    bad = desk / "inbox" / "放款单_坏.xlsx"
    write_xlsx_slip(bad, BAD_ROWS)
    before = state(desk)
    result = invoke(desk)
    assert result.exit_code == 2
    assert result.stdout == ""
    err = without_progress(result.stderr)
    assert err.startswith("Error:") and "--skip-bad" in err
    for row, column in BAD_CELLS:
        assert f"row {row}, column {column}" in err
    assert "月还金额 must be more than 0" in err
    assert state(desk) == before and not (desk / ".loantool").exists()


def test_skip_bad_imports_the_good_rows_and_writes_rejects_beside_the_report(desk: Path):
    from openpyxl import load_workbook

    bad = desk / "inbox" / "放款单_坏.xlsx"
    write_xlsx_slip(bad, BAD_ROWS)
    report = desk / "out" / "导入报告.xlsx"
    result = invoke(desk, "--skip-bad", "--out", str(report), "--json", slips=[str(bad)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [m["contract_no"] for m in doc["matches"]] == ["HT001"]
    assert {(p["row"], p["column"]) for p in doc["rejected"]} == BAD_CELLS
    assert doc["rejects"] == str(desk / "out" / "导入报告_rejects.xlsx")
    rejects = load_workbook(doc["rejects"], read_only=True)["Rejected"]
    rows = [r for r in rejects.iter_rows(values_only=True) if r and r[0] == "放款单_坏.xlsx"]
    assert sorted((r[2], r[3]) for r in rows) == sorted(BAD_CELLS)
    assert load_workbook(report, read_only=True).sheetnames == [
        "Matched", "Updated", "Unchanged", "Conflicts", "Unmatched", "Discrepancies"]
    loans = load_ledger(desk / "ledger.xlsx", Settings()).loans.frame.set_index("contract_no")
    assert loans.at["HT001", "bank_due_day"] == 25
    assert pd.isna(loans.at["HT002", "disbursed_on"]) and pd.isna(loans.at["HT003", "bank_due_day"])
    assert pd.isna(loans.at["HT004", "disbursed_on"])


def test_a_real_biff_xls_goes_through_the_reader(desk: Path):
    source = REALWORLD / "wps_write.xls"
    if not source.exists():
        pytest.skip("shared/realworld is not beside the repository")
    copy = desk / "wps_write.xls"
    shutil.copy(source, copy)  # a genuine BIFF8 workbook, but not a slip: refused cleanly, nothing written
    before = state(desk)
    result = invoke(desk, slips=[str(copy)])
    assert result.exit_code == 2
    assert "Error:" in result.stderr and "wps_write.xls" in result.stderr and "Traceback" not in result.stderr
    assert state(desk) == before
    assert copy.read_bytes() == source.read_bytes()


def test_samples_slips(tmp_path: Path):
    samples = REPO / "samples"
    if not (samples / "inbox" / "slips").is_dir():
        pytest.skip("samples not generated")
    work = tmp_path / "samples"
    shutil.copytree(samples, work,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__", "reports", ".loantool"))
    slips = sorted(str(p) for p in (work / "inbox" / "slips").iterdir())
    result = CliRunner().invoke(app, ["import-disbursements", *slips, "--config", str(work / "loantool.toml"),
                                      "--out", str(work / "reports" / "import.xlsx"), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # the samples plant one unknown customer, one row exported twice and one amount 0.01 off
    assert len(doc["unmatched"]) == 1 and len(doc["duplicates"]) == 1
    assert [d["difference"] for d in doc["discrepancies"]] == ["0.01"]
    assert doc["updated"] == doc["matched"] > 0 and doc["written"] is True
    ledger_bytes = (work / "ledger.xlsx").read_bytes()
    again = CliRunner().invoke(app, ["import-disbursements", *slips, "--config", str(work / "loantool.toml"),
                                     "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["updated"] == 0
    assert (work / "ledger.xlsx").read_bytes() == ledger_bytes


def test_a_column_to_fill_that_the_ledger_lacks_is_added_at_the_right_end(tmp_path: Path):
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(["合同编号", "客户姓名", "身份证号", "贷款金额", "期数", "总费率", "还款方式", "提车日期",
               "放款日期"])
    ws.append(["HT001", "张三", "11010519491231002X", 100000, 12, "3.6%", "等本等费", dt.date(2026, 11, 20),
               None])
    wb.save(tmp_path / "ledger.xlsx")
    slip = tmp_path / "slip.xlsx"
    write_xlsx_slip(slip, GOOD_XLSX_ROWS[:1])
    result = CliRunner().invoke(app, ["import-disbursements", str(slip), "--ledger",
                                      str(tmp_path / "ledger.xlsx"), "--as-of", "2026-11-30", "--json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    added = {w["column"] for w in doc["warnings"] if w["code"] == "column-added"}
    assert added == {"银行还款日", "银行月还金额", "首期还款日"}
    rows = list(load_workbook(tmp_path / "ledger.xlsx").active.iter_rows(values_only=True))
    assert rows[0][9:] == ("银行还款日", "银行月还金额", "首期还款日")
    assert rows[1][8] is not None and all(v is not None for v in rows[1][9:])
    journal = (tmp_path / ".loantool" / "journal.jsonl").read_text("utf-8")
    [line] = [json.loads(x) for x in journal.splitlines()]
    assert line["columns_added"] == {"贷款台账": ["银行还款日", "银行月还金额", "首期还款日"]}


def test_a_bad_slip_file_is_read_once(desk: Path, monkeypatch):
    """Every problem of a bad file comes from one read (the reader's own read_table_with_problems)."""
    import loantool.ledger.read as reader

    opened: list[str] = []
    original = reader.read_source

    def counting(source, *args, **kwargs):
        opened.append(Path(source).name)
        return original(source, *args, **kwargs)

    monkeypatch.setattr(reader, "read_source", counting)
    bad = desk / "inbox" / "放款单_坏.xlsx"
    write_xlsx_slip(bad, BAD_ROWS)
    result = invoke(desk, "--skip-bad", "--dry-run", "--json", slips=[str(bad)])
    assert result.exit_code == 0, result.output
    assert opened.count("放款单_坏.xlsx") == 1
    assert {(p["row"], p["column"]) for p in json.loads(result.stdout)["rejected"]} == BAD_CELLS
