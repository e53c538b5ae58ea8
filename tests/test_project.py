"""Project-wide promises: fast start-up, the core's import rule, help on every command, README = CI."""

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from loantool.cli import app

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = {"openpyxl", "typer", "rich", "xlsxwriter", "python_calamine", "click"}


def _imports(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(alias.name, 0) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add((node.module or "", node.level))
    return found


def test_core_imports_only_core_money_config_schema_and_libraries():
    for path in (ROOT / "loantool" / "core").glob("*.py"):
        for module, level in _imports(path):
            top = module.split(".")[0]
            assert top not in FORBIDDEN_IN_CORE, f"{path.name} imports {module}"
            if level == 1:
                above = {"ledger", "reports", "cli", "commands", "workflows"}
                assert top not in above, f"{path.name}: .{module}"
            if level >= 2:
                # i18n: messages in the user's language (HELPERS.md house rules)
                allowed = {"money", "config", "settings", "schema", "errors", "values", "i18n"}
                assert top in allowed, f"{path.name} imports ..{module}"


def test_help_is_quick_and_imports_no_pandas():
    code = ("import sys; from loantool.cli import app; "
            "assert 'pandas' not in sys.modules, 'pandas at start-up'")
    subprocess.run([sys.executable, "-c", code], check=True)
    best = min(_timed([sys.executable, "-m", "loantool", "--help"]) for _ in range(3))
    assert best < 0.5, f"--help took {best:.2f}s"


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def test_every_command_has_bilingual_help():
    runner = CliRunner()
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name, cmd in _commands().items():
        text = runner.invoke(app, [name, "--help"]).output
        assert cmd.help and any("\u4e00" <= ch <= "\u9fff" for ch in cmd.help), f"{name} lacks Chinese help"
        assert "Usage" in text


def _commands():
    import typer.main

    group = typer.main.get_command(app)
    return group.commands


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in readme.splitlines() if "pip install '.[test]'" in line]
    assert lines, "README has no test command"
    assert lines[0] in ci


def test_readme_command_reference_is_current():
    from loantool.reference import render, splice

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert splice(readme, render()) == readme, "README is stale: run `python -m loantool.reference`"


def test_readme_first_command_runs_the_demo():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = next(line for line in readme.splitlines() if "pip install" in line)
    assert first.strip().endswith("loantool demo")


def test_an_unexpected_error_is_one_line_and_exit_1_unless_debug(monkeypatch):
    import loantool.workflows.schedule as workflow

    def broken(**_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(workflow, "calculator", broken)
    args = ["compute-schedule", "--principal", "1000", "--rate", "5%", "--term", "12", "--method", "annuity",
            "--pickup", "2026-01-01"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "Unexpected error: RuntimeError: boom" in result.stderr and "Traceback" not in result.stderr
    debug = CliRunner().invoke(app, [*args, "--debug"])
    assert debug.exit_code == 1 and isinstance(debug.exception, RuntimeError)


def test_workflows_import_nothing_from_the_cli_and_take_no_run_object():
    """Workflows take explicit parameters (settings, ledger path, as-of, options): a script or another
    workflow calls them without the command line."""
    for path in (ROOT / "loantool" / "workflows").glob("*.py"):
        for module, level in _imports(path):
            top = module.split(".")[0]
            assert top not in {"typer", "click", "rich"}, f"{path.name} imports {module}"
            if level >= 2:
                assert top not in {"cli", "commands"}, f"{path.name} imports ..{module}"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in (*node.args.args, *node.args.kwonlyargs)]
                assert "run" not in names, f"{path.name}: {node.name} takes the CLI's run object"


def test_no_workflow_message_names_a_command_line_option():
    """An error raised in a workflow names the parameter; only the CLI edge spells the option."""
    import re

    option = re.compile(r"--[a-z][a-z-]+")
    for path in (ROOT / "loantool" / "workflows").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_":
                text = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
                assert not option.search(str(text)), f"{path.name}: {text!r}"


def test_the_edge_names_the_option_of_a_workflow_parameter(tmp_path):
    from loantool.errors import UsageError
    from loantool.workflows.common import report_target

    try:
        report_target(tmp_path / "r.txt", tmp_path / "r.xlsx", tmp_path / "ledger.xlsx")
    except UsageError as exc:
        assert exc.parameter == "out" and "--out" not in exc.message
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(tmp_path / "l.xlsx"), "--out",
                                      str(tmp_path / "r.txt")])
    assert result.exit_code == 2 and result.stderr.startswith("Error: --out: The report file")


def test_the_checkout_finds_its_templates_and_samples():
    """``python -m pytest`` from a checkout imports loantool from the checkout itself (the top folder is
    first on sys.path), where templates/ and samples/ sit beside the package, not in it."""
    code = ("import loantool, loantool.templates, loantool.samples.ledger_layout; "
            "from importlib import resources; "
            "assert resources.files('loantool.templates').joinpath('ledger.xlsx').is_file(); "
            "print(loantool.__file__)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(ROOT / "loantool" / "__init__.py")


def test_the_runtime_never_imports_openpyxl_or_dateutil():
    """openpyxl writes only the samples and the tests' workbooks; python-dateutil is not a dependency."""
    for path in (ROOT / "loantool").rglob("*.py"):
        for module, _level in _imports(path):
            assert module.split(".")[0] not in {"openpyxl", "dateutil"}, f"{path.name} imports {module}"


# names that only files have (a frame's rename / replace are not files: not listed)
FILE_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "read_excel", "read_csv",
              "read_parquet", "read_json", "to_excel", "to_csv", "to_parquet", "iterdir", "rglob", "mkdir",
              "unlink", "is_file", "is_dir", "from_path", "load_workbook"}
FILE_MODULES = {"os", "io", "pathlib", "shutil", "tempfile", "zipfile", "glob", "csv", "sqlite3"}


def test_nothing_under_core_opens_a_file():
    """core/ is pure: frames in, frames out. Files are ledger/'s and reports' business."""
    for path in (ROOT / "loantool" / "core").glob("*.py"):
        for module, level in _imports(path):
            if level == 0:
                assert module.split(".")[0] not in FILE_MODULES, f"{path.name} imports {module}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = (func.id if isinstance(func, ast.Name)
                        else func.attr if isinstance(func, ast.Attribute) else "")
                assert name not in FILE_CALLS, f"{path.name}:{node.lineno} calls {name}()"


def test_a_reader_that_stops_reading_is_not_an_unexpected_error(sample_dir):
    """`loantool overdue-report --json | head -c 20`: the reader closes the pipe. Not "意外错误：
    BrokenPipeError …" but one line saying the output was cut off and what was written stands; exit 1."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-m", "loantool", "overdue-report", "--json"], cwd=sample_dir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "LOANTOOL_LANG": "zh"})
    assert child.stdout.read(20).startswith(b"{")  # the document (~230 KB) outgrows the pipe's buffer
    child.stdout.close()
    stderr = child.stderr.read().decode("utf-8")
    assert child.wait() == 1
    assert "输出被截断" in stderr and "BrokenPipeError" not in stderr and "意外错误" not in stderr, stderr
    assert list((sample_dir / "reports").glob("*.xlsx"))  # the report was written before the output
