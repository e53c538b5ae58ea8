"""The desk's language: Chinese by default, English on request; the catalogs complete and compiled."""

import ast
import json
import os
import re
from pathlib import Path

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
    r"\S*\.(?:xlsx|xlsm|xls|csv|toml|jsonl|log|txt|pdf)\b"  # file names and kinds
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
    errors[InputError] = InputError(
        i18n._("cannot write the report {path}: the disk is full ({reason}).").format(
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
        assert "-h, --help" in options and "显示本帮助并退出" in options, (name, options)  # click's line too
    assert "显示本帮助并退出" in CliRunner().invoke(app, ["--help"]).stdout


def test_the_readme_lists_every_error_code():
    from pathlib import Path

    from loantool.reference import render_errors, splice_errors

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    stale = "README is stale: run `python -m loantool.reference`"
    assert splice_errors(readme, render_errors()) == readme, stale
    for cls in ERROR_CLASSES:
        assert f"| `{cls.code}` | {cls.exit_code} |" in readme


# ------------------------------------------------------------------ no text reaches a person untranslated

PACKAGE = Path(__file__).resolve().parents[1] / "loantool"
_CJK = re.compile(r"[\u4e00-\u9fff]")
# two words (a phrase, not a code or a key), or a label ("Rejected: ")
_ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,;:']+[A-Za-z]{2,}|^[A-Z][a-z]+: ")
_TRANSLATE = {"_", "N_", "ngettext"}
_SCHEMA_CALLS = {"Field", "F", "Table"}  # the desk's sheet and column names and their aliases: data
_REGEX_CALLS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer"}
# a bug's message: read by a developer
_PROGRAMMER_ERRORS = {"ValueError", "TypeError", "KeyError", "AssertionError", "RuntimeError",
                      "NotImplementedError", "IndexError", "ZeroDivisionError",
                      # the fast reader's reasons to fall back to the careful one: never shown to a person
                      "Fallback", "UnsupportedArrow"}
_REGEX_SYNTAX = re.compile(r"\(\?:|\\[dsw]|\[[^\]]*\]\*?|\$$")
_TOOLS = {"catalog.py", "reference.py"}  # developer tools: the catalog itself, the README's bilingual tables
# Literals that reach a person as they are, by design – with the reason. Words of the desk's own ledger
# (sheet and column names, their values) come from schema.py and need no entry here.
FONTS = {"等线", "宋体"}
# the 备注 of posted payments and advances, written into the ledger and read back
LEDGER_NOTES = {"银行对账 ", " 银行对账 ", " 第", "行", "垫付 {due} 期"}
ALLOWED = {
    "reports/excel.py": FONTS, "reports/call_sheet.py": FONTS, "reports/reconcile.py": FONTS,
    "reports/notices.py": FONTS,
    "money.py": {"人民币", "元"},  # read in amount cells
    "dayparse.py": {"无"},  # a date cell that says there is none
    "i18n.py": {"中文"},  # a way to write the language option
    # the company name until loantool.toml gives it, and the default SMS to the customers (settings)
    "settings.py": {"XX汽车金融服务有限公司",
                    "【{company}】尊敬的{name}，您本期应还{amount}元将于{due_date}从尾号{card_last4}的银行卡扣款，"
                    "请提前存足。如已还款请忽略。"},
    "ledger/coerce.py": {"人民币合计", "合计", "总计", "小计"},  # footer words, read in the desk's tables
    # the call sheet's name and date label: read back whatever language the sheet was printed in
    "ledger/call_sheet.py": {"电话催收单", "Call date"},
    "core/classify.py": {"正常", "关注", "次级", "可疑", "损失"},  # the 五级分类 words written in 核销记录
    "core/collection.py": {"已签收", "签收", "已签"},  # 结果 words that mean a signed notice (read)
    "core/reconcile.py": {*LEDGER_NOTES, "loantool advance list v1"},  # and the advance list's digest header
    "workflows/reconcile.py": LEDGER_NOTES,
    "workflows/demo.py": {"客服信息表.xlsx"},  # a sample file's name
    "ledger/transaction.py": {"nothing to do"}, "workflows/morning.py": {"nothing to do"},  # journal codes
    # click's own English messages, recognised to be told again in the desk's words (read, not shown)
    "cli.py": {"No such command", "Missing command", "Got unexpected extra argument", "does not take"},
}


def _schema_words() -> set[str]:
    """Every text of schema.py: the desk's sheet and column names, their aliases and value words."""
    tree = ast.parse((PACKAGE / "schema.py").read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _name(func: ast.AST) -> str:
    return getattr(func, "id", None) or getattr(func, "attr", "") or ""


def _exempt(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Inside _() / N_(), help or a metavar, a schema definition, a regex or a programmer error."""
    child, parent = node, parents.get(id(node))
    while parent is not None:
        if isinstance(parent, ast.Call):
            name = _name(parent.func)
            if name in _TRANSLATE or name in _SCHEMA_CALLS and (
                    name != "Table" or any(k.arg == "fields" for k in parent.keywords)):  # not rich's Table
                return True
            if name in _REGEX_CALLS and child in parent.args[:1]:
                return True
        if isinstance(parent, ast.keyword) and parent.arg in ("help", "metavar"):
            return True
        targets = parent.targets if isinstance(parent, ast.Assign) else []
        if any(getattr(t, "id", "").endswith("HELP") for t in targets):
            return True
        if isinstance(parent, ast.Raise) and isinstance(parent.exc, ast.Call) and (
                _name(parent.exc.func) in _PROGRAMMER_ERRORS):
            return True
        if isinstance(parent, (ast.Assert, ast.Compare)):  # a bug's message; compared, not shown
            return True
        if isinstance(parent, ast.Expr) and child is node:  # a bare string: documentation
            return True
        child, parent = parent, parents.get(id(parent))
    return False


def scan(where: str, source: str, words: set[str]) -> list[tuple[str, int, str]]:
    """(file, line, text) of every string literal of ``source`` with a Chinese word or an English phrase
    that does not pass through _() / N_() and is not exempt (see ALLOWED and _exempt)."""
    tree = ast.parse(source)
    parents = {id(child): parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(n, kinds) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        text = node.value
        chinese, english = _CJK.search(text), _ENGLISH.search(text) and not text.lstrip().startswith("<")
        if not (chinese or english) or text.strip() in words or text in ALLOWED.get(where, ()):
            continue
        if text.startswith("loantool ") or re.search(r'="|^"|^\{urn:', text):
            continue  # a command line (the same in every language), XML
        if _REGEX_SYNTAX.search(text) or _exempt(node, parents):
            continue
        found.append((where, node.lineno, text))
    return found


def untranslated_texts() -> list[tuple[str, int, str]]:
    """What :func:`scan` finds in the package (developer tools and schema.py, the desk's words, aside)."""
    words = _schema_words()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        if path.name not in _TOOLS and where != "schema.py":
            found += scan(where, path.read_text(encoding="utf-8"), words)
    return found


def test_no_sentence_reaches_a_person_without_passing_through_the_catalog():
    """Everything a person reads goes through _() / N_(): a Chinese text or an English phrase outside them
    is a sentence that would not change with --lang (or a word to add to ALLOWED, with its reason)."""
    assert untranslated_texts() == []


def test_the_scan_finds_what_it_should():
    sample = '''
from ..i18n import _
def f(console):
    """A docstring in English, and 中文."""
    console.print("已记录 3 条")
    console.print(f"Rejected: {1} rows")
    console.print(_("Recorded {count} rows."))
    console.print(Table(title="提醒已发送"), style="贷款台账")
    if console == "Due on":
        raise ValueError("a bug's message stays English")
'''
    found = [text for _where, _line, text in scan("workflows/sample.py", sample, _schema_words())]
    assert sorted(found) == ["Rejected: ", "已记录 3 条", "提醒已发送"]


# ------------------------------------------------------------------ the new commands' errors, both languages

NEW_ERRORS = [  # (arguments after the command's name, ledger = the test ledger of test_overdue_cli)
    ("quality-report", ["--period", "2026-13"]),
    ("quality-report", ["--period", "2026-12", "--as-of", "2026-11-30"]),
    ("quality-report", ["--period", "2026-10", "--since", "2026-10-31", "--as-of", "2026-11-30"]),
    ("quality-report", ["--history", "99"]),
    ("quality-report", ["--out", "{ledger}"]),
    ("statement", ["HT999", "--as-of", "2026-11-30"]),
    ("statement", ["HT003", "--out", "s.pdf"]),
    ("write-off", ["HT003", "--as-of", "2026-11-30", "--confirm", "--approved-by", "陈建国"]),
    ("write-off", ["--batch", "missing.csv"]),
    ("write-off", ["HT003", "--out", "{ledger}"]),
    ("record-call", ["HT003", "--result", " "]),
    ("record-call", ["HT003", "--result", "x", "--promise-date", "2026-12-01"]),
    ("record-call", ["HT003", "--result", "x", "--promise-date", "2026-11-01", "--promise-amount", "100"]),
    ("record-call", ["HT003", "--result", "x", "--promise-date", "2026-12-01", "--promise-amount", "一百"]),
    ("record-call", ["HT003", "--result", "x", "--method", "飞鸽"]),
    ("record-call", ["HT999", "--result", "x"]),
    ("record-calls", ["missing.xlsx"]),
    ("record-calls", ["{bad_sheet}"]),
]


@pytest.fixture
def desk_ledger(tmp_path, monkeypatch):
    """test_overdue_cli's ledger, and a call sheet with a bad promise and an unknown contract."""
    import openpyxl
    from test_overdue_cli import build_ledger

    monkeypatch.chdir(tmp_path)
    ledger = build_ledger(tmp_path / "ledger.xlsx")
    report = tmp_path / "report.xlsx"
    CliRunner().invoke(app, ["overdue-report", "--ledger", str(ledger), "--as-of", "2026-11-30", "--out",
                             str(report), "--quiet", "--lang", "zh"])
    book = openpyxl.load_workbook(report)
    ws = book["电话催收单"]
    ws["A4"].value, ws["I4"].value, ws["J4"].value = "HT999", "空号", "2026-11-01"
    ws["I5"].value, ws["K5"].value = "答应", "一千元"
    book.save(tmp_path / "filled.xlsx")
    return {"ledger": str(ledger), "bad_sheet": str(tmp_path / "filled.xlsx")}


@pytest.mark.parametrize(("command", "args"), NEW_ERRORS)
def test_the_new_commands_errors_read_in_either_language(desk_ledger, chinese, command, args):
    """The Done line of issue 12: an error in the default language has no English sentence; with --lang en
    it is English – for every error path of the commands added last (collection, quality, write-off)."""
    args = [a.format(**desk_ledger) for a in args]
    where = ["--ledger", desk_ledger["ledger"]] + (["--as-of", "2026-11-30"] if "--as-of" not in args else [])
    zh = CliRunner().invoke(app, [command, *args, *where])
    en = CliRunner().invoke(app, [command, *args, *where, "--lang", "en"])
    assert zh.exit_code == en.exit_code == 2, (zh.stderr, en.stderr)
    assert zh.stderr.startswith("错误：") and en.stderr.startswith("Error: "), (zh.stderr, en.stderr)
    data = re.compile(r"陈建国|空号|答应|一百|一千元|飞鸽|HT\d+|ledger\.xlsx")  # values given, quoted back
    for line in zh.stderr.splitlines():
        assert english_words(data.sub(" ", line)) == [], line
    assert is_english(data.sub(" ", en.stderr)), en.stderr


# ------------------------------------------------------------------ click's own errors, in the desk's words

USAGE_ERRORS = {  # the command line → what the message must name
    "an unknown command": (["overdue-reprot"], "overdue-reprot"),
    "an unknown option": (["overdue-report", "--bogus"], "--bogus"),
    "an option's value missing": (["overdue-report", "--as-of"], "--as-of"),
    "a flag given a value": (["overdue-report", "--json=yes"], "--json"),
    "a word for a whole number": (["compute-schedule", "--term", "abc"], "“abc”"),
    "an argument missing": (["record-call"], "合同编号"),
    "arguments too many": (["settle", "HT1", "HT2", "HT3"], "HT2 HT3"),
    "a language the tool does not speak": (["overdue-report", "--lang", "fr"], "“fr”"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_command_line_mistakes_are_told_in_the_desk_s_language(case, chinese, tmp_path, monkeypatch):
    """click's own parsing errors (Usage: … Error: No such option …) were English whatever the language:
    now "错误：…" in Chinese with what to do, English with --lang en, the JSON document with --json,
    exit 2 – and nothing is run."""
    monkeypatch.chdir(tmp_path)
    args, named = USAGE_ERRORS[case]
    zh = CliRunner().invoke(app, args)
    assert zh.exit_code == 2, zh.stderr
    assert zh.stderr.startswith("错误：") and named in zh.stderr, zh.stderr
    assert "Usage:" not in zh.stderr and zh.stdout == ""
    assert english_words(zh.stderr.replace(named, " ")) == [], zh.stderr
    if case != "a language the tool does not speak":  # --lang fr is itself the mistake
        en = CliRunner().invoke(app, args, env={i18n.ENV: "en"})
        assert en.exit_code == 2 and en.stderr.startswith("Error: ") and named in en.stderr, en.stderr
        assert is_english(en.stderr.replace(named, " ")), en.stderr
    document = CliRunner().invoke(app, [args[0], "--json", *args[1:]])
    assert document.exit_code == 2
    error = json.loads(document.stdout)["error"]
    assert (error["code"], error["exit_code"]) == ("usage", 2) and named in error["message"]
    assert list(tmp_path.iterdir()) == []  # nothing was run, nothing written


def test_command_line_mistakes_from_a_real_process(tmp_path):
    """The exit codes through ``loantool``'s own entry point (not the test runner): 2 for a mistake, 0 for
    --version and for the help."""
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, "-m", "loantool", *args], cwd=tmp_path, capture_output=True,
                              text=True, env={**os.environ, "LOANTOOL_LANG": "zh"})

    wrong = run("overdue-report", "--bogus")
    assert wrong.returncode == 2 and wrong.stderr.startswith("错误：没有 --bogus 这个选项。"), wrong.stderr
    assert run("--version").returncode == 0
    assert run("overdue-report", "-h").returncode == 0
