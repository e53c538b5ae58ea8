"""loantool overdue-report – the morning collection view (逾期催收日报); read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, JsonOpt, LangOpt, LedgerOpt, QuietOpt, command, make_run
from ..i18n import _
from ..runtime import gc_paused

HELP = """逾期催收日报 Arrears, 五级分类 and the post-loan calendar as of --as-of.

Reads the ledger (read-only: it is never written) and writes one print-ready workbook to --out
(default: reports/逾期催收日报_YYYYMMDD.xlsx): 电话催收单 (the caller's printed page: every loan in arrears
with its last contact and latest promise from 催收记录 – broken promises first, loans waiting for a
promised day last and marked 等待承诺日 – and an empty 催收结果 column; the input columns right of the page
are read back by `loantool record-calls`), 催收名单 (the full list, a hidden detail sheet), 短信提醒
(installments due within the reminder
window and unpaid, message text from the template), 账龄与五级分类 (with the NPL ratio and charts),
连三累六, 到期提示 and 季度催收通知 (borrower and guarantor), 贷后检查计划 and 诉讼时效 (from the latest of
final due date, signed notice, promise and customer payment). When the day has notices, the letters –
提示归还到期贷款通知书, 督促履行保证责任通知书, 催收通知书, one per addressee and page with a 回执 – go to
催收通知书_YYYYMMDD.xlsx beside the report (setting actions.notice_letters). --json lists every active
loan. Arrears are findings, not errors: the exit code is 0."""

MAX_WARNINGS = 5


@command("overdue-report", HELP)
def overdue_report(
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="文件",
        help="报告文件（默认：reports/逾期催收日报_YYYYMMDD.xlsx） Report file.")] = None,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..ledger import readahead

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    # 还款记录 parsed on another core while pandas and the report modules are imported (ledger/readahead.py)
    readahead.start(run.ledger_path, run.settings)
    from ..reports.overdue import render_console
    from ..workflows.overdue import overdue_report as run_report

    with run.progress() as progress:
        report = run_report(run.settings, run.ledger_path, as_of=run.as_of, out=out, progress=progress)
    if run.json:
        with gc_paused():  # the dicts of the document (one per loan) hold no cycles: built, written, dropped
            run.emit_json(report.to_dict())
        return
    if run.quiet:
        return
    run.warn(report.warnings, limit=MAX_WARNINGS, rest=_(" (sheet 数据提示 of the report)"))
    render_console(report, run.out)
