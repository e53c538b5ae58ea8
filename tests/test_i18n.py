"""The desk's language: Chinese by default, English on request; the catalogs complete and compiled."""

import json

import pytest
from typer.testing import CliRunner

from loantool import i18n
from loantool.cli import app
from loantool.errors import ERROR_CLASSES, CellProblem, InputError


def test_every_message_has_its_chinese_with_the_same_placeholders():
    pytest.importorskip("babel")
    from loantool.catalog import problems

    assert problems() == []


def test_placeholders_are_compared_by_name():
    from loantool.catalog import placeholders

    assert placeholders("row {row} of {file}") == placeholders("{file} 第 {row} 行")
    assert placeholders("row {row}") != placeholders("第 {line} 行")


def test_the_language_comes_from_the_option_then_the_environment_then_the_config(monkeypatch):
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert i18n.choose() == "zh"  # never the machine's locale
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.choose() == "zh"
    assert i18n.choose(config="en") == "en"
    monkeypatch.setenv(i18n.ENV, "zh_CN")
    assert i18n.choose(config="en") == "zh"
    assert i18n.choose(option="en", config="zh") == "en"


def test_a_cell_problem_reads_in_either_language(chinese):
    problem = CellProblem("台账.xlsx", "贷款台账", 5, "金额", "十万", "reason")
    assert problem.describe() == "台账.xlsx，工作表 贷款台账，第 5 行，列 金额：值“十万”：reason"
    i18n.set_language("en")
    assert problem.describe() == "台账.xlsx, sheet 贷款台账, row 5, column 金额: value '十万': reason"


def test_every_error_class_has_a_stable_code_and_a_json_document():
    codes = [cls.code for cls in ERROR_CLASSES]
    assert len(set(codes)) == len(codes)
    error = InputError("bad", [CellProblem("a.xlsx", "S", 3, "C", 1, "why")])
    document = error.to_dict()["error"]
    assert document["code"] == "bad-input" and document["problems"][0]["row"] == 3


def test_an_error_with_json_is_a_document_on_stdout_and_chinese_on_stderr(tmp_path, chinese):
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(tmp_path / "无.xlsx"), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "usage"
    assert result.stderr.startswith("错误：")


def test_lang_en_switches_the_edge_to_english(tmp_path, chinese):
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(tmp_path / "x.xlsx"), "--lang", "en"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("loantool ")
