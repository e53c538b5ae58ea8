"""loantool overdue-report – the morning collection view (逾期催收日报); read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, JsonOpt, LangOpt, LedgerOpt, QuietOpt, command, make_run
from ..i18n import _

HELP = """逾期催收日报 Arrears, 五级分类 and the post-loan calendar as of --as-of.

Reads the ledger (read-only: it is never written) and writes one print-ready workbook to --out
(default: reports/逾期催收日报_YYYYMMDD.xlsx): 催收名单 (every loan in arrears, worst first, with the
suggested action and a column for the caller's notes), 短信提醒 (installments due within the reminder
window and unpaid, message text from the template), 账龄与五级分类 (with the NPL ratio and charts),
连三累六, 到期提示 and 季度催收通知 (borrower and guarantor), 贷后检查计划 and 诉讼时效. --json lists
every active loan. Arrears are findings, not errors: the exit code is 0."""

MAX_WARNINGS = 5


@command("overdue-report", HELP)
def overdue_report(
    out: Annotated[Path | None, typer.Option(
        "--out", help="Report file (default: reports/逾期催收日报_YYYYMMDD.xlsx).")] = None,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..reports.overdue import render_console
    from ..workflows.overdue import overdue_report as run_report

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    report = run_report(run.settings, run.ledger_path, as_of=run.as_of, out=out)
    if run.json:
        run.emit_json(report.to_dict())
        return
    if run.quiet:
        return
    run.warn(report.warnings, limit=MAX_WARNINGS, rest=_(" (sheet 数据提示 of the report)"))
    render_console(report, run.out)
