"""Checks on entry (DOMAIN.md, issue 11.5): 首期还款日 before 提车日期 is an error for the loans it
concerns, more than 62 days after it a warning; a slip's 放款日期 in the future or more than a year from
the pickup, and a 放款金额 ≤ 0, are refused like a 月还金额 ≤ 0; a merged date cell is read for every row
of the merge."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from test_import_cli import SLIP_HEADER, write_ledger, write_xlsx_slip
from typer.testing import CliRunner

from loantool import schema
from loantool.cli import app
from loantool.config import Settings
from loantool.errors import InputError
from loantool.ledger.read import load_ledger, read_table
from loantool.workflows.schedule import schedules_for

HEADER = ["合同编号", "客户姓名", "贷款金额", "期数", "年利率", "还款方式", "提车日期", "首期还款日"]
AS_OF = dt.date(2024, 6, 30)


def ledger(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def loan(contract: str, pickup: dt.date, first_due: dt.date | None) -> list:
    return [contract, "客户", 100000, 12, "5%", "等额本息", pickup, first_due]


# --------------------------------------------------------------------------------------- first due date


def test_a_first_due_date_before_the_pickup_is_an_error_for_that_loan(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [loan("HT1", dt.date(2024, 1, 10), dt.date(2024, 2, 10)),
                                        loan("HT2", dt.date(2024, 1, 10), dt.date(2023, 12, 10))])
    book = load_ledger(path, Settings(), as_of=AS_OF)
    frame = book.loans.frame
    assert len(schedules_for(book, frame[frame["contract_no"] == "HT1"], Settings()).installments) == 12
    with pytest.raises(InputError) as caught:
        schedules_for(book, frame, Settings())
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "首期还款日", "2023-12-10")
    assert "before the pickup date" in problem.reason and "2024-01-10" in problem.reason


def test_the_command_refuses_it_with_exit_2(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [loan("HT2", dt.date(2024, 1, 10), dt.date(2024, 1, 9))])
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(path), "--as-of", "2024-06-30",
                                      "--json", "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)["error"]["problems"]
    assert (problem["row"], problem["column"]) == (2, "首期还款日")


def test_a_first_due_date_long_after_the_pickup_is_a_warning(tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", [loan("HT1", dt.date(2024, 1, 10), dt.date(2024, 3, 12)),  # 62 days
                                        loan("HT2", dt.date(2024, 1, 10), dt.date(2024, 3, 13)),  # 63 days
                                        loan("HT3", dt.date(2024, 1, 10), None)])
    book = load_ledger(path, Settings(), as_of=AS_OF)
    warnings = [(w.row, w.column, w.value) for w in book.loans.warnings if w.code == "first-due-date"]
    assert warnings == [(3, "首期还款日", "2024-03-13")]
    assert len(schedules_for(book, book.loans.frame, Settings()).installments) == 36  # a warning only


# ---------------------------------------------------------------------------------------------- slips


def desk(tmp_path: Path, rows: list[list]) -> tuple[Path, Path]:
    write_ledger(tmp_path / "ledger.xlsx")  # loans picked up on 2026-11-20
    (tmp_path / "loantool.toml").write_text('as_of = "2026-11-30"\n[ledger]\npath = "ledger.xlsx"\n',
                                            encoding="utf-8")
    slip = tmp_path / "放款单.xlsx"
    write_xlsx_slip(slip, rows)
    return tmp_path, slip


def run_import(folder: Path, slip: Path, *extra: str):
    config = str(folder / "loantool.toml")
    return CliRunner().invoke(app, ["import-disbursements", str(slip), "--config", config, "--json", *extra])


def slip_row(name: str, id_no: str, card: str, principal: object, disbursed: dt.date) -> list:
    return [1, name, id_no, card, principal, disbursed, 12, 8633.34, 25, None, "XX银行"]


GOOD = slip_row("张三", "11010519491231002X", "6222020200112233445", 100000, dt.date(2026, 11, 25))


@pytest.mark.parametrize(("row", "column", "value", "why"), [
    (slip_row("李四", "110105199001010011", "6222020200998877665", 100000, dt.date(2026, 12, 25)),
     "放款日期", "2026-12-25", "after the day of this run"),
    (slip_row("李四", "110105199001010011", "6222020200998877665", 0, dt.date(2026, 11, 26)),
     "放款金额", "0.00", "放款金额 must be more than 0"),
    (slip_row("李四", "110105199001010011", "6222020200998877665", -100000, dt.date(2026, 11, 26)),
     "放款金额", "-100000.00", "放款金额 must be more than 0"),
])
def test_a_slip_row_that_cannot_be_right_is_refused(tmp_path: Path, row: list, column: str, value: str,
                                                    why: str) -> None:
    folder, slip = desk(tmp_path, [GOOD, row])
    before = (folder / "ledger.xlsx").read_bytes()
    result = run_import(folder, slip)
    assert result.exit_code == 2, result.output
    (problem,) = json.loads(result.stdout)["error"]["problems"]
    assert (problem["row"], problem["column"], problem["value"]) == (5, column, value)
    assert why in problem["reason"]
    assert (folder / "ledger.xlsx").read_bytes() == before
    skipped = run_import(folder, slip, "--skip-bad")
    assert skipped.exit_code == 0, skipped.output
    doc = json.loads(skipped.stdout)
    assert doc["updated"] == 1 and [r["row"] for r in doc["rejected"]] == [5]


def test_a_disbursement_more_than_a_year_from_the_pickup_is_refused(tmp_path: Path) -> None:
    far = slip_row("李四", "110105199001010011", "6222020200998877665", 100000, dt.date(2025, 11, 19))
    folder, slip = desk(tmp_path, [GOOD, far])
    before = (folder / "ledger.xlsx").read_bytes()
    result = run_import(folder, slip)
    assert result.exit_code == 2, result.output
    (problem,) = json.loads(result.stdout)["error"]["problems"]
    assert (problem["row"], problem["column"], problem["value"]) == (5, "放款日期", "2025-11-19")
    assert "HT002" in problem["reason"] and "2026-11-20" in problem["reason"]
    assert (folder / "ledger.xlsx").read_bytes() == before
    skipped = run_import(folder, slip, "--skip-bad")
    assert skipped.exit_code == 0, skipped.output
    doc = json.loads(skipped.stdout)
    assert [m["contract_no"] for m in doc["matches"]] == ["HT001"]
    assert [(r["row"], r["column"]) for r in doc["rejected"]] == [(5, "放款日期")]
    near = slip_row("李四", "110105199001010011", "6222020200998877665", 100000, dt.date(2025, 11, 21))
    (tmp_path / "near").mkdir()
    folder, slip = desk(tmp_path / "near", [near])
    assert run_import(folder, slip, "--dry-run").exit_code == 0  # 364 days before: possible


def test_a_merged_date_is_read_for_every_row_of_the_merge(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "放款单"
    ws.append(SLIP_HEADER)
    ws.append([1, "张三", "11010519491231002X", "6222020200112233445", 100000, dt.date(2026, 11, 25), 12,
               8633.34, 25, None, "XX银行"])
    ws.append([2, "李四", "110105199001010011", "6222020200998877665", 100000, None, 12, 8884.88, 25, None,
               None])
    ws.append([3, "王五", "110105198502020022", "6217000011112222333", 100000, None, 12, 8833.33, 25, None,
               None])
    ws.append([4, "赵六", "110105197703030033", "6228480011110000111", 50000, dt.date(2026, 11, 27), 12,
               4300, 25, None, "YY银行"])
    ws.merge_cells("F2:F4")  # 放款日期 once for the batch
    ws.merge_cells("K2:K4")  # 银行
    ws.merge_cells("E4:E5")  # an amount merged over two rows is never copied
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    frame = read_table(data, schema.SLIPS, name="放款单.xlsx").frame
    days = [None if pd_na(d) else d.date() for d in frame["disbursed_on"]]
    assert days == [dt.date(2026, 11, 25)] * 3 + [dt.date(2026, 11, 27)]
    assert frame["bank"].tolist() == ["XX银行"] * 3 + ["YY银行"]
    assert frame["principal"].tolist()[2] == 10_000_000 and pd_na(frame["principal"].tolist()[3])


def pd_na(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_a_first_due_date_before_the_pickup_in_chinese(tmp_path: Path, chinese) -> None:
    path = ledger(tmp_path / "l.xlsx", [loan("HT2", dt.date(2024, 1, 10), dt.date(2024, 1, 9))])
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(path), "--as-of", "2024-06-30",
                                      "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2
    assert "首期还款日早于提车日期（2024-01-10）" in "".join(result.stderr.split())
