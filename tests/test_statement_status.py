"""Only a successful deduction pays (DOMAIN.md "Bank files", issue 11.1).

A statement's 状态 decides: 成功 / 交易成功 / 扣款成功 / 已扣款 / success pay; 失败, 余额不足, 扣款不成功,
未成功, 退回, 撤销, 冲正, 处理中 and their English forms pay nothing and are listed as failed lines with the
status as written. A status the tool does not know is a bad cell (exit 2) unless loantool.toml lists it.
摘要 stands for the status only when the file has no status column and its cells are status words.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import REALWORLD, SAMPLES
from test_reconcile_cli import _ledger
from typer.testing import CliRunner

from loantool import schema
from loantool.cli import app
from loantool.config import load_settings
from loantool.errors import InputError, UsageError
from loantool.ledger.read import read_table

HEADER = "卡号,姓名,扣款日期,扣款金额,流水号,{status}\n"
LINE = "6222020000000011,张三,2026-11-15,10500.00,{ref},{word}\n"


def _csv(words: list[str], status: str = "状态") -> bytes:
    lines = "".join(LINE.format(ref=f"R{i}", word=w) for i, w in enumerate(words))
    text = HEADER.format(status=status) + lines
    return text.encode("utf-8")


def _read(data: bytes, settings=None):
    return read_table(io.BytesIO(data), schema.STATEMENT, name="s.csv", settings=settings)


def test_every_not_paying_status_is_failed_and_kept_as_written() -> None:
    words = ["成功", "余额不足", "扣款不成功", "未成功", "退回", "交易撤销", "冲正", "处理中", "Pending",
             "Insufficient funds", "REVERSED", "交易成功", "扣款成功", "已扣款", "success"]
    frame = _read(_csv(words)).frame
    assert frame["deduction_status"].tolist() == ["ok"] + ["failed"] * 10 + ["ok"] * 4
    assert frame["status_text"].tolist() == words


def test_an_unknown_status_is_a_bad_cell_naming_file_row_and_value() -> None:
    with pytest.raises(InputError) as caught:
        _read(_csv(["成功", "已受理", "成功", "", "部分成功"]))
    problems = caught.value.problems
    assert [(p.file, p.sheet, p.row, p.column, p.value) for p in problems] == [
        ("s.csv", None, 3, "状态", "已受理"), ("s.csv", None, 5, "状态", None),
        ("s.csv", None, 6, "状态", "部分成功")]
    assert "paid_statuses" in problems[0].reason and "unpaid_statuses" in problems[0].reason
    assert "does not say whether" in problems[1].reason


def test_loantool_toml_lists_the_bank_s_own_words(tmp_path: Path) -> None:
    config = tmp_path / "loantool.toml"
    config.write_text('[bank]\npaid_statuses = ["已入账"]\nunpaid_statuses = ["已受理", "待银行确认"]\n',
                      encoding="utf-8")
    settings = load_settings(config)
    frame = _read(_csv(["已入账", "已受理", "待银行确认", "成功"]), settings).frame
    assert frame["deduction_status"].tolist() == ["ok", "failed", "failed", "ok"]


@pytest.mark.parametrize(("body", "why"), [
    ('paid_statuses = ["扣款失败"]', "did not succeed"),
    ('paid_statuses = ["已入账"]\nunpaid_statuses = ["已入账"]', "lists it too"),
    ('paid_statuses = "已入账"', "must be a list"),
    ('unpaid_statuses = [1, 2]', "list of status words"),
    ('paid_statuses = [""]', "list of status words"),
])
def test_bad_status_settings_are_refused(tmp_path: Path, body: str, why: str) -> None:
    config = tmp_path / "loantool.toml"
    config.write_text(f"[bank]\n{body}\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_settings(config)
    assert why in caught.value.render()


def test_a_file_without_a_status_column_lists_successful_deductions() -> None:
    data = "卡号,姓名,扣款日期,扣款金额,流水号\n6222020000000011,张三,2026-11-15,10500.00,R1\n".encode()
    frame = _read(data).frame
    assert "deduction_status" not in frame and len(frame) == 1


def test_a_descriptive_summary_is_not_a_status() -> None:
    """摘要 as banks fill it (代扣还款, 消费 …) describes the line: the file has no status column."""
    frame = _read(_csv(["代扣还款", "代扣还款", "自动还款"], status="摘要")).frame
    assert "deduction_status" not in frame
    assert frame["summary"].tolist() == ["代扣还款", "代扣还款", "自动还款"]


def test_a_summary_of_status_words_is_the_status() -> None:
    frame = _read(_csv(["扣款成功", "余额不足扣款失败"], status="摘要")).frame
    assert frame["deduction_status"].tolist() == ["ok", "failed"]


def test_a_summary_mixing_a_failure_with_descriptions_is_not_guessed() -> None:
    """One 摘要 says 扣款失败: the column speaks of status, so the descriptions cannot be taken as paid."""
    with pytest.raises(InputError) as caught:
        _read(_csv(["代扣还款", "代扣还款扣款失败"], status="摘要"))
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(2, "摘要", "代扣还款")]


def test_a_dedicated_status_column_wins_over_the_summary() -> None:
    text = ("卡号,姓名,扣款日期,扣款金额,流水号,摘要,交易状态\n"
            "6222020000000011,张三,2026-11-15,10500.00,R1,扣款失败冲正,成功\n")
    frame = _read(text.encode()).frame
    assert frame["deduction_status"].tolist() == ["ok"]
    assert frame["summary"].tolist() == ["扣款失败冲正"]


def test_the_sample_statements_read_with_their_status_column(tmp_path: Path) -> None:
    for path in (SAMPLES / "inbox" / "statements").iterdir():
        frame = read_table(path, schema.STATEMENT).frame
        assert set(frame["deduction_status"]) == {"ok", "failed"}
        assert set(frame.loc[frame["deduction_status"] == "failed", "status_text"]) == {"失败"}


def test_a_real_bank_export_s_summary_is_a_description(tmp_path: Path) -> None:
    """ICBC's debit export has 摘要 = 消费 / 自动还款 / 工资 …: descriptions, not statuses."""
    source = REALWORLD / "cn_icbc_debit_v2.csv"
    if not source.is_file():
        pytest.skip("no real-world files")
    shutil.copyfile(source, tmp_path / source.name)
    # the statement's own table with this export's names for card and amount (income rows have none)
    renamed = {"card_no": schema.Field("card_no", ("对方账户",), "card", True),
               "amount": schema.Field("amount", ("交易金额(支出)",), "amount")}
    table = schema.Table("statement", ("x",), tuple(renamed.get(f.key, f) for f in schema.STATEMENT.fields),
                         header_keys=("card_no", "paid_on"))
    frame = read_table(tmp_path / source.name, table).frame
    assert "deduction_status" not in frame and frame["summary"].str.len().gt(0).all()


# ------------------------------------------------------------------------------------------- the command


def _statement(folder: Path, rows: list[tuple[str, str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "扣款明细"
    ws.append(["卡号", "姓名", "扣款日期", "金额", "流水号", "状态"])
    cards = {"HT001": "6222020000000011", "HT002": "6222020000000022", "HT003": "6222020000000033",
             "HT005": "6222020000000055", "HT006": "6222020000000066"}
    for i, (contract, word) in enumerate(rows):
        ws.append([cards[contract], "", "2026-11-15", "10500.00", f"S{i}", word])
    path = folder / "代扣.xlsx"
    wb.save(path)
    return path


def _run(folder: Path, statement: Path, *extra: str):
    ledger = folder / "ledger.xlsx"
    return CliRunner().invoke(app, ["reconcile-bank", str(statement), "--period", "2026-11", "--ledger",
                                    str(ledger), "--as-of", "2026-11-30", "--out", str(folder / "r.xlsx"),
                                    *extra])


def test_reconcile_posts_only_successful_deductions(tmp_path: Path, monkeypatch, chinese) -> None:
    monkeypatch.chdir(tmp_path)
    _ledger(tmp_path / "ledger.xlsx")
    statement = _statement(tmp_path, [("HT001", "交易成功"), ("HT002", "余额不足"), ("HT003", "扣款不成功"),
                                      ("HT005", "交易撤销"), ("HT006", "处理中")])
    result = _run(tmp_path, statement, "--post", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["posted"]["payments_added"] == 1
    assert [(f["contract_no"], f["status"]) for f in doc["failed_lines"]] == [
        ("HT002", "余额不足"), ("HT003", "扣款不成功"), ("HT005", "交易撤销"), ("HT006", "处理中")]
    payments = openpyxl.load_workbook(tmp_path / "ledger.xlsx")["还款记录"]
    posted = [row[0] for row in payments.iter_rows(min_row=3, values_only=True)]
    assert posted == ["HT001"]
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["重复与失败"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "银行状态" in cells and "余额不足" in cells and "处理中" in cells


def test_reconcile_refuses_an_unknown_status(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _ledger(tmp_path / "ledger.xlsx")
    before = (tmp_path / "ledger.xlsx").read_bytes()
    statement = _statement(tmp_path, [("HT001", "成功"), ("HT002", "银行已受理")])
    result = _run(tmp_path, statement, "--post", "--json")
    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)["error"]["problems"]
    where = (problem["sheet"], problem["row"], problem["column"], problem["value"])
    assert where == ("扣款明细", 3, "状态", "银行已受理")
    assert (tmp_path / "ledger.xlsx").read_bytes() == before


def test_an_unknown_status_in_chinese(tmp_path: Path, monkeypatch, chinese) -> None:
    monkeypatch.chdir(tmp_path)
    _ledger(tmp_path / "ledger.xlsx")
    statement = _statement(tmp_path, [("HT001", "银行已受理")])
    result = _run(tmp_path, statement)
    assert result.exit_code == 2
    assert "paid_statuses" in result.stderr and "状态" in result.stderr and "扣款" in result.stderr
