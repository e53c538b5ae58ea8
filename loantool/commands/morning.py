"""loantool morning – the daily run: import new slips, reconcile new statements, overdue report."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, LangOpt, JsonOpt, LedgerOpt, QuietOpt, Run, command, make_run
from ..errors import FindingsExit

HELP = """每日任务 The morning run: import new disbursement slips (放款单), reconcile new bank statements
(posting customer payments when morning.post_payments is true), then write the overdue report.

Folders come from loantool.toml [morning]. A file already processed (same SHA-256 in the journal) is
skipped. A failing step leaves the ledger as it was before that step; the other steps still run and
the exit code is the failing step's. --fail-on-diff: exit 4 when reconciliation found differences."""


@command("morning", HELP)
def morning(
    fail_on_diff: Annotated[bool, typer.Option(
        "--fail-on-diff",
        help="对账有差异时以 4 退出 Exit 4 when reconciliation finds differences.")] = False,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    run_morning(run, fail_on_diff=fail_on_diff)


def run_morning(run: Run, *, fail_on_diff: bool) -> None:
    """Run the steps, render the summary, write the log and set the exit code (also used by demo)."""
    from ..workflows.morning import STEP_LABELS, morning, write_log

    started = dt.datetime.now()
    show_progress = not run.quiet and sys.stderr.isatty()
    if show_progress:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=run.err, transient=True) as bar:
            task = bar.add_task("", total=None)
            result = morning(run, progress=lambda name: bar.update(task, description=STEP_LABELS[name]))
    else:
        result = morning(run)
    try:
        write_log(result, run.settings.resolve(run.settings.morning.reports_dir), started)
    except OSError as exc:
        run.err.print(f"Warning: could not write the run log: {exc}", markup=False)
    _render(run, result)
    if result.failed:
        raise typer.Exit(result.failed[0].exit_code)
    if fail_on_diff and result.findings:
        raise FindingsExit(f"reconciliation found {result.findings} difference(s).",
                           "See the 银行对账 report; exit 4 because --fail-on-diff was given.")


def _render(run: Run, result: Any) -> None:
    if run.json:
        run.emit_json(result.to_dict())
        return
    if run.quiet:
        for step in result.failed:
            run.err.print(f"Error in {step.name}: {step.error}", markup=False)
        return
    if sys.stdout.isatty():
        from rich.panel import Panel

        run.out.print(Panel("\n".join(result.summary_lines()), title="loantool morning", expand=False))
    else:
        for line in result.summary_lines():
            typer.echo(line)

