"""loantool morning – the daily run: import new slips, reconcile new statements, overdue report."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, JsonOpt, LangOpt, LedgerOpt, QuietOpt, Run, command, make_run
from ..errors import FindingsExit
from ..i18n import _

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
    from ..workflows.morning import morning as run_morning

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    with progress_of(run) as progress:
        result = run_morning(run.settings, run.ledger_path, as_of=run.as_of, arguments=run.argv,
                             progress=progress)
    finish(run, result, fail_on_diff=fail_on_diff)


@contextmanager
def progress_of(run: Run) -> Iterator[Callable[[str], None]]:
    """A spinner naming the running step on stderr when it is a terminal; else nothing."""
    if run.quiet or not sys.stderr.isatty():
        yield lambda _name: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from ..workflows.morning import step_label

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=run.err, transient=True) as bar:
        task = bar.add_task("", total=None)
        yield lambda name: bar.update(task, description=step_label(name))


def finish(run: Run, result: Any, *, fail_on_diff: bool) -> None:
    """Render the summary and set the exit code (morning and demo)."""
    if result.log_error:
        run.err.print(_("Warning: could not write the run log: {error}").format(error=result.log_error),
                      markup=False)
    _render(run, result)
    if result.failed:
        raise typer.Exit(result.failed[0].exit_code)
    if fail_on_diff and result.findings:
        raise FindingsExit(
            _("Reconciliation found {count} difference(s).").format(count=result.findings),
            _("See the 银行对账 report; exit 4 because --fail-on-diff was given."))


def _render(run: Run, result: Any) -> None:
    from ..workflows.morning import step_label

    if run.json:
        run.emit_json(result.to_dict())
        return
    if not run.quiet:
        if sys.stdout.isatty():
            from rich.panel import Panel

            run.out.print(Panel("\n".join(result.summary_lines()), title="loantool morning", expand=False))
        else:
            for line in result.summary_lines():
                typer.echo(line)
    for step in result.failed:  # each failed step's error with every problem, rendered here at the edge
        run.err.print(_("{step}: {error}").format(step=step_label(step.name), error=step.error.render()),
                      markup=False, soft_wrap=True)
