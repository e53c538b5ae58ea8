"""loantool init: a blank ledger and loantool.toml, never overwriting; the new desk's first schedule."""

import json

from conftest import sha256
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import load_settings

runner = CliRunner()


def test_init_creates_a_working_desk_and_never_overwrites(tmp_path):
    desk = tmp_path / "台账"
    result = runner.invoke(app, ["init", str(desk)])
    assert result.exit_code == 0, result.stderr
    assert (desk / "ledger.xlsx").is_file() and (desk / "loantool.toml").is_file()
    assert load_settings(desk / "loantool.toml").ledger_path == desk.resolve() / "ledger.xlsx"
    sheets = CalamineWorkbook.from_path(str(desk / "ledger.xlsx")).sheet_names
    assert {"贷款台账", "利率表", "还款记录", "结清记录"} <= set(sheets)

    # the desk types its first loan into the template (as Excel would) and issues its schedule
    book = load_workbook(desk / "ledger.xlsx")
    sheet = book["贷款台账"]
    header = [c.value for c in sheet[1]]
    row = {"合同编号": "HT2026001", "客户姓名": "王芳", "贷款金额": 120000, "期数": 24, "年利率": "4.75%",
           "还款方式": "等额本息", "提车日期": "2026-11-03", "还款明细已出": "否", "状态": "在贷"}
    sheet.append([row.get(h) for h in header])
    book.save(desk / "ledger.xlsx")
    issued = runner.invoke(app, ["compute-schedule", "--pending", "--config", str(desk / "loantool.toml"),
                                 "--as-of", "2026-11-29", "--json"])
    assert issued.exit_code == 0, issued.stderr
    document = json.loads(issued.stdout)
    assert document["marked"] == ["HT2026001"]
    assert document["schedules"][0]["installments"][0]["due_date"] == "2026-12-03"
    grid = CalamineWorkbook.from_path(str(desk / "ledger.xlsx")).get_sheet_by_name("贷款台账").to_python()
    assert grid[1][header.index("还款明细已出")] == "是"

    before = {name: sha256(desk / name) for name in ("ledger.xlsx", "loantool.toml")}
    again = runner.invoke(app, ["init", str(desk)])
    assert again.exit_code == 2 and "never overwrites" in again.stderr
    assert {name: sha256(desk / name) for name in before} == before


def test_init_creates_the_inbox_folders_of_its_loantool_toml(tmp_path):
    desk = tmp_path / "desk"
    result = runner.invoke(app, ["init", str(desk)])
    assert result.exit_code == 0, result.stderr
    settings = load_settings(desk / "loantool.toml")
    assert settings.resolve(settings.morning.slips_inbox).is_dir()
    assert settings.resolve(settings.morning.statements_inbox).is_dir()
    # the morning run finds empty inboxes: nothing to do, not an error
    morning = runner.invoke(app, ["morning", "--config", str(desk / "loantool.toml"), "--json"])
    assert morning.exit_code == 0, morning.stderr
    steps = {s["step"]: s["status"] for s in json.loads(morning.stdout)["steps"]}
    assert steps["import"] == steps["reconcile"] == "nothing"


def test_the_init_workflow_runs_without_the_command_line(tmp_path):
    from loantool.workflows.init import init_desk

    result = init_desk(tmp_path / "x")
    assert [p.name for p in result.files] == ["ledger.xlsx", "loantool.toml"]
    assert all(p.is_dir() for p in result.folders) and len(result.folders) == 2


def test_init_speaks_chinese_by_default(tmp_path, chinese):
    result = runner.invoke(app, ["init", str(tmp_path / "d")])
    assert result.exit_code == 0 and result.stdout.startswith("已创建") and "收件文件夹" in result.stdout
    again = runner.invoke(app, ["init", str(tmp_path / "d")])
    assert again.exit_code == 2 and "init 绝不覆盖" in again.stderr
