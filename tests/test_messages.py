"""Messages (issue 11.17): values as the user wrote them, in yuan; every bad cell of a file in one pass;
``--ledger`` naming a folder says so; a config error lists every unknown key and bad value at once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from loantool import schema
from loantool.cli import app
from loantool.config import Settings
from loantool.errors import InputError
from loantool.ledger.read import load_ledger, read_table

HEADER = ["合同编号", "客户姓名", "贷款金额", "期数", "年利率", "还款方式", "提车日期"]
PICKUP = dt.date(2024, 1, 10)


def ledger(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def overdue(path: Path, *extra: str):
    return CliRunner().invoke(app, ["overdue-report", "--ledger", str(path), "--as-of", "2024-06-30",
                                    "--json", "--out", str(path.with_name("r.xlsx")), *extra])


def test_an_amount_is_shown_in_yuan_not_as_numpy_fen(tmp_path: Path) -> None:
    """Today: "value np.int64(-4290000)" for −42,900."""
    path = ledger(tmp_path / "l.xlsx", [["HT1", "张三", -42900, 12, "5%", "等额本息", PICKUP]])
    result = overdue(path)
    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)["error"]["problems"]
    assert (problem["row"], problem["column"], problem["value"]) == (2, "贷款金额", "-42900.00")
    assert "np." not in result.stderr and "-42900.00" in result.stderr


def test_a_bad_cell_is_shown_as_written() -> None:
    import io

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["卡号", "扣款日期", "金额"])
    ws.append(["6222020000000011", 45000.0, -1.234])
    ws.append(["6222020000000011", "2024-02-30", 100.0])
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    with pytest.raises(InputError) as caught:
        read_table(data, schema.STATEMENT, name="s.xlsx")
    values = [(p.row, p.column, p.value) for p in caught.value.problems]
    assert values == [(2, "金额", "-1.234"), (3, "扣款日期", "2024-02-30")]
    assert all(isinstance(value, str) for _row, _column, value in values)


def test_every_bad_cell_of_the_ledger_in_one_pass(tmp_path: Path) -> None:
    """Today 十万 hides the other bad cells until it is fixed."""
    path = ledger(tmp_path / "l.xlsx", [
        ["HT1", "张三", "十万", 12, "5%", "等额本息", PICKUP],
        ["HT2", "李四", 100000, 0, "5%", "等额本息", PICKUP],
        ["HT3", "王五", 100000, 12, 0.75, "等额本息", PICKUP],
        ["HT4", "赵六", -42900, 12, "5%", "等额本息", PICKUP],
        ["HT5", "钱七", 100000, 12, None, "等额本息", PICKUP],
        ["HT6", "孙八", 100000, 12, "5%", "等额本息", PICKUP],
    ])
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30))
    found = [(p.row, p.column, p.value) for p in caught.value.problems]
    # HT5's missing rate is for the commands that compute schedules to say (sync-customers needs none)
    assert found == [(2, "贷款金额", "十万"), (3, "期数", 0), (4, "年利率", "75%"),
                     (5, "贷款金额", "-42900.00")]
    result = overdue(path)
    assert result.exit_code == 2 and len(json.loads(result.stdout)["error"]["problems"]) == 4


def test_a_settled_loan_s_terms_do_not_join_the_list(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append([*HEADER, "状态", "结清日期"])
    ws.append(["HT1", "张三", "十万", 12, "5%", "等额本息", PICKUP, "在贷", None])
    ws.append(["HT0", "旧客户", 100000, 0, "5%", "等额本息", PICKUP, "结清", dt.date(2024, 3, 1)])
    wb.save(tmp_path / "l.xlsx")
    with pytest.raises(InputError) as caught:
        load_ledger(tmp_path / "l.xlsx", Settings(), as_of=dt.date(2024, 6, 30))
    assert [p.row for p in caught.value.problems] == [2]


def test_a_ledger_that_is_a_folder_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "台账").mkdir()
    for command in (["overdue-report"], ["compute-schedule", "--pending"], ["settle", "HT1"]):
        result = CliRunner().invoke(app, [*command, "--ledger", "台账", "--json"])
        assert result.exit_code == 2, command
        message = json.loads(result.stdout)["error"]["message"]
        assert "is a folder" in message and "--ledger" in message, command
    (tmp_path / "loantool.toml").write_text('[ledger]\npath = "台账"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["overdue-report", "--json"])
    assert result.exit_code == 2
    assert "[ledger] path" in json.loads(result.stdout)["error"]["message"]


def test_a_folder_in_chinese(tmp_path: Path, monkeypatch, chinese) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "台账").mkdir()
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", "台账"])
    assert result.exit_code == 2
    assert "是文件夹，不是台账工作簿" in "".join(result.stderr.split())


def test_a_folder_given_as_an_input_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a file"):
        load_ledger(tmp_path, Settings())
