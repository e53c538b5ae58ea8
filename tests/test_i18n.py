"""The desk's language: Chinese by default, English on request; the catalogs complete and compiled."""

import json
import re

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


# ------------------------------------------------------------------ every error, both languages

# what may be ASCII inside a Chinese message: file names and paths, options and commands, codes (English
# class names, HT001, M1, SHA-256 …), dates and numbers, and values quoted in the message
_ALLOWED = re.compile(
    r"\S+\.(?:xlsx|xlsm|xls|csv|toml|jsonl|log|txt)\b"  # file names
    r"|(?:/|[A-Za-z]:\\)\S*"  # paths
    r"|--[a-z][a-z-]*(?:\s+(?:[A-Z]+|YYYY-MM(?:-DD)?))?"  # options and their placeholder
    r"|loantool(?:\s+[a-z-]+)?"  # the tool and its commands
    r"|\b[A-Za-z]*Error\b|\b[A-Z]{2,}[A-Z0-9-]*\b|\b[A-Z]*\d[\w-]*\b"  # class names, codes, HT001, M1
    r"|'[^']*'|“[^”]*”|`[^`]*`"  # quoted values
    r"|Excel|WPS|LibreOffice|Debug"
)
_WORD = re.compile(r"[A-Za-z]{2,}")


def english_words(text: str) -> list[str]:
    """The English words of a message outside file names, codes and values (none in good Chinese)."""
    return _WORD.findall(_ALLOWED.sub(" ", text))


def is_english(text: str) -> bool:
    """English: no Chinese outside the quoted values and the desk's own words, and real English words."""
    outside = re.sub(r"'[^']*'|“[^”]*”", " ", text)
    outside = re.sub(r"[\u4e00-\u9fff]+", lambda m: m.group(0) if len(m.group(0)) > 12 else " ", outside)
    return not re.search(r"[\u4e00-\u9fff]", outside) and len(_WORD.findall(outside)) >= 3


def _errors(tmp_path):
    """One error of every class in the current language. UsageError and OutputError come from the code
    that raises them (a bad --as-of, a report folder that is a file); the others carry real catalog
    texts, the CLI edge's own for UnexpectedError, so that what is checked is how each class renders its
    message, hint and bad cells."""
    from loantool.cli import parse_date_option
    from loantool.errors import (
        FindingsExit,
        LedgerUnsafeError,
        LoantoolError,
        OutputError,
        UnexpectedError,
        UsageError,
    )
    from loantool.reports.excel import Column, ReportBook, ReportSheet, write_book

    errors = {}
    try:
        parse_date_option("2026-13-45", "--as-of")
    except UsageError as exc:
        errors[UsageError] = exc
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the reports folder should be", encoding="utf-8")
    sheet = ReportSheet("S", "T", [Column("a", "A")], [{"a": "x"}])
    try:
        write_book(blocker / "r.xlsx", ReportBook("某公司", "报告", None, [sheet]))
    except OutputError as exc:
        errors[OutputError] = exc
    errors[LoantoolError] = LoantoolError(
        i18n._("cannot write the report {path}: the disk is full ({reason}).").format(
            path="r.xlsx", reason=i18n._("the disk is read-only")))
    problem = CellProblem("台账.xlsx", "还款记录", 5, "金额", "一千", i18n._("amount not positive"))
    errors[InputError] = InputError(i18n._("cannot write the report {path}: the disk is full ({reason}).").format(
        path="r.xlsx", reason=i18n._("permission denied")), [problem])
    errors[LedgerUnsafeError] = LedgerUnsafeError(
        i18n._("cannot write the report {path}: the folder {folder} is not writable ({reason}).").format(
            path="r.xlsx", folder=tmp_path, reason=i18n._("the disk is read-only")))
    errors[FindingsExit] = FindingsExit(i18n._("Interrupted; nothing was written."))
    errors[UnexpectedError] = UnexpectedError(
        i18n._("Unexpected error: {kind}: {detail}.").format(kind="ZeroDivisionError", detail="'1/0'"),
        i18n._("A ledger write is all or nothing: the ledger is as it was, or fully updated as "
               ".loantool/journal.jsonl records. Run again with --debug for the details and report it."))
    return errors


def test_every_error_class_and_a_cell_problem_read_in_either_language(tmp_path, chinese):
    for lang in ("zh", "en"):
        i18n.set_language(lang)
        folder = tmp_path / lang
        folder.mkdir()
        errors = _errors(folder)
        assert set(errors) == set(ERROR_CLASSES)
        for cls, error in errors.items():
            text = error.render()
            document = json.dumps(error.to_dict(), ensure_ascii=False)
            if lang == "zh":
                assert text.startswith("错误：") or cls.__name__ == "UnexpectedError", text
                assert english_words(text) == [], f"{cls.__name__}: {text}"
                assert english_words(json.loads(document)["error"]["message"]) == []
            else:
                assert is_english(text), f"{cls.__name__}: {text}"
        rendered = errors[InputError].render().splitlines()[1]
        if lang == "zh":
            assert rendered == "  - 台账.xlsx，工作表 还款记录，第 5 行，列 金额：值“一千”：金额不为正数"
        else:
            assert rendered == ("  - 台账.xlsx, sheet 还款记录, row 5, column 金额: value '一千': "
                                "amount not positive")


def test_the_checks_themselves_tell_english_from_chinese():
    assert english_words("错误：台账.xlsx 无法写入，请关闭 Excel 后用 --out FILE 重试（HT001，M1）。") == []
    assert english_words("错误：the ledger ledger.xlsx cannot be written。") == [
        "the", "ledger", "cannot", "be", "written"]
    assert is_english("Error: cannot write the report r.xlsx: permission denied.")
    assert not is_english("错误：无法写入报告 r.xlsx")


def test_reports_speak_the_language_of_the_run(sample_dir, chinese):
    from openpyxl import load_workbook

    config = sample_dir / "loantool.toml"
    CliRunner().invoke(app, ["overdue-report", "--config", str(config), "--quiet"])
    zh = sample_dir / "reports" / "逾期催收日报_20261130.xlsx"
    result = CliRunner().invoke(app, ["overdue-report", "--config", str(config), "--lang", "en"])
    en = sample_dir / "reports" / "overdue-report_20261130.xlsx"
    assert result.exit_code == 0 and f"Report: {en}" in result.stdout
    chinese_book, english_book = load_workbook(zh, read_only=True), load_workbook(en, read_only=True)
    assert chinese_book.sheetnames[1:5] == ["催收名单", "短信提醒", "账龄与五级分类", "连三累六"]
    assert english_book.sheetnames[1:5] == ["Call list", "SMS reminders", "Aging and classes", "Repeat late"]
    rows = list(english_book["Aging and classes"].iter_rows(values_only=True))
    assert rows[0][0].endswith("Aging and loan classification  as of 2026-11-30")
    assert ("Bucket", "Days overdue", "Loans", "Remaining principal", "Overdue amount",
            "Share of principal") in rows
    assert any(r[0] == "Total" for r in rows)
    texts = [c for r in rows for c in r if isinstance(c, str)]
    assert not [t for t in texts if re.search(r"[\u4e00-\u9fff]", t) and not t.startswith("杭州")]


def test_help_speaks_to_a_clerk_not_a_programmer():
    """Every command's help: Chinese first, and metavars a clerk understands (文件…, 合同编号, YYYY-MM-DD),
    never a program type (<list[str]>, <path>, <int>) or {slips}..."""
    import typer.main

    group = typer.main.get_command(app)
    for name in group.commands:
        text = CliRunner().invoke(app, [name, "--help"], terminal_width=100).stdout
        jargon = re.search(r"<(?:list\[\w+\]|str|path|int|float|bool)>|\{\w+\}\.\.\.", text, re.I)
        assert jargon is None, (name, text)
        options = text.split("Options:")[1]
        assert re.search(r"--as-of YYYY-MM-DD|--lang zh\|en", options), name
        description = text.split("Usage:")[1].splitlines()[2].strip()
        assert re.match(r"[\u4e00-\u9fff]", description), (name, description)  # Chinese first


def test_the_readme_lists_every_error_code():
    from pathlib import Path

    from loantool.reference import render_errors, splice_errors

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    stale = "README is stale: run `python -m loantool.reference`"
    assert splice_errors(readme, render_errors()) == readme, stale
    for cls in ERROR_CLASSES:
        assert f"| `{cls.code}` | {cls.exit_code} |" in readme
