"""Progress of the long commands (issue 12, "Console and first steps"): a workflow says each step it
starts through the ``progress`` callback (loantool/progress.py, nothing by default); the command shows a
rich bar on stderr on a terminal, one plain line per step when stderr is not a terminal, and nothing with
--json or --quiet."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import load_settings
from loantool.reports.console import progress_display

STEP = re.compile(r"^\[(\d+)/(\d+)\] (.+) \(started at \d+\.\d s\)$")


def steps(stderr: str) -> list[tuple[int, int, str]]:
    return [(int(m[1]), int(m[2]), m[3]) for m in map(STEP.match, stderr.splitlines()) if m]


def test_overdue_report_in_a_log_prints_one_plain_line_per_step(sample_dir):
    config = sample_dir / "loantool.toml"
    result = CliRunner().invoke(app, ["overdue-report", "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    assert steps(result.stderr) == [(1, 4, "Reading the ledger"), (2, 4, "Computing the schedules"),
                                    (3, 4, "Assessing the arrears"), (4, 4, "Writing the report")]
    assert "Reading the ledger" not in result.stdout  # stdout keeps the results only


@pytest.mark.parametrize("flag", ["--json", "--quiet"])
def test_nothing_with_json_or_quiet(sample_dir, flag):
    config = sample_dir / "loantool.toml"
    for command in (["overdue-report"], ["quality-report", "--period", "2026-10"]):
        result = CliRunner().invoke(app, [*command, "--config", str(config), flag])
        assert result.exit_code == 0, result.stderr
        assert steps(result.stderr) == [] and "Reading" not in result.stderr


def test_every_long_command_says_its_steps(sample_dir):
    config = sample_dir / "loantool.toml"
    statements = sorted(str(p) for p in (sample_dir / "inbox" / "statements").iterdir())
    slips = sorted(str(p) for p in (sample_dir / "inbox" / "slips").iterdir())
    runs = {
        "quality-report": ["--period", "2026-10"],
        "reconcile-bank": [*statements, "--period", "2026-11"],
        "import-disbursements": [*slips, "--dry-run"],
        "compute-schedule": ["--pending", "--no-mark"],
    }
    for command, args in runs.items():
        result = CliRunner().invoke(app, [command, *args, "--config", str(config)])
        assert result.exit_code == 0, (command, result.stderr)
        found = steps(result.stderr)
        assert found and found[0][:2] == (1, found[0][1]), (command, result.stderr)
        numbers = [n for n, total, _text in found if total == found[0][1]]
        assert numbers == sorted(numbers) and numbers[-1] == found[0][1], (command, found)


def test_the_steps_in_chinese(sample_dir, chinese):
    result = CliRunner().invoke(app, ["overdue-report", "--config", str(sample_dir / "loantool.toml")])
    assert result.exit_code == 0, result.stderr
    assert re.search(r"^\[1/4\] 读取台账（第 \d+\.\d 秒开始）$", result.stderr, re.M), result.stderr


def test_on_a_terminal_a_bar_that_is_gone_when_the_command_is_done():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=80)
    with progress_display(shown=True, console=console) as progress:
        progress("Reading the ledger", 1, 4)
        progress("Writing the report", 4, 4)
    shown = buffer.getvalue()
    assert "Reading the ledger" in shown and "Writing the report" in shown and "3/4" in shown
    assert "\x1b[" in shown and "[1/4]" not in shown  # a rich bar drawn with escapes, not plain lines
    # stopped: the cursor shown again and the bar's line erased (transient), the results print there
    assert shown.rstrip().endswith("\x1b[2K") and "\x1b[?25h" in shown.rsplit("3/4", 1)[1]


def test_not_a_terminal_plain_lines_and_hidden_nothing():
    buffer = io.StringIO()
    with progress_display(shown=True, console=Console(file=buffer, force_terminal=False)) as progress:
        for number in range(1, 4):
            progress("Writing the schedule letters", number, 3)  # items of one step: one line
        progress("Marking", 4, 4)
    assert [line.split(" (")[0] for line in buffer.getvalue().splitlines()] == [
        "[1/3] Writing the schedule letters", "[4/4] Marking"]
    buffer = io.StringIO()
    with progress_display(shown=False, console=Console(file=buffer, force_terminal=True)) as progress:
        progress("Reading the ledger", 1, 4)
    assert buffer.getvalue() == ""


def test_a_workflow_tells_its_callback_and_runs_the_same_without_one(sample_dir):
    from loantool.workflows.quality import quality_report

    settings = load_settings(sample_dir / "loantool.toml")
    told: list[tuple[str, int, int]] = []
    report = quality_report(settings, [settings.ledger_path], as_of=dt.date(2026, 11, 30), period="2026-10",
                            out=sample_dir / "q.xlsx", progress=lambda *step: told.append(step))
    assert [(n, total) for _text, n, total in told] == [(n, 5) for n in range(1, 6)]
    assert told[0][0] == "Reading ledger.xlsx" and told[-1][0] == "Writing the report"
    quiet = quality_report(settings, [settings.ledger_path], as_of=dt.date(2026, 11, 30), period="2026-10",
                           out=sample_dir / "q2.xlsx")
    assert quiet.to_dict()["classes"] == report.to_dict()["classes"]
