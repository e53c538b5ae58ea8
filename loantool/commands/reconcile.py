"""loantool reconcile-bank – a month's bank statements against what was due, and the advance list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import (
    AsOfOpt,
    ConfigOpt,
    DebugOpt,
    JsonOpt,
    LangOpt,
    LedgerOpt,
    QuietOpt,
    command,
    make_run,
    parse_date_option,
)
from ..errors import FindingsExit
from ..i18n import N_, _

HELP = """银行对账 Reconcile bank repayment statements for a month.

Reads 流水文件… (.xlsx, .xls or CSV; title rows, masked cards, 成功/失败 and 流水号 handled), matches
each line to a loan and compares with what was due in --period: paid / short / over / unpaid per
installment, unmatched lines with the reason, duplicate 流水号, failed deductions and lines of other
months. Writes the report (汇总 with the advance-list digest and signature lines, 垫款清单, 差异,
未匹配流水, 重复与失败) to --out. Read-only by default: --post records the matched customer payments in
还款记录 (客户还款, with the 流水号) and --post-advances YYYY-MM-DD the advance list as 公司垫款 rows
dated that day; both are idempotent. --fail-on-diff exits 4 when there are short, over, unpaid or unmatched
items."""


@command("reconcile-bank", HELP)
def reconcile_bank(
    statements: Annotated[list[Path], typer.Argument(
        metavar="流水文件…", help="银行扣款流水文件 Bank statement files.", show_default=False)],
    period: Annotated[str, typer.Option(
        "--period", metavar="YYYY-MM", help="对账月份 The month.", show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="文件", help="报告文件（默认：reports/银行对账_YYYY-MM.xlsx） Report file.")] = None,
    post: Annotated[bool, typer.Option(
        "--post",
        help="把已匹配的客户还款记入还款记录 Record matched customer payments in 还款记录.")] = False,
    post_advances: Annotated[str | None, typer.Option(
        "--post-advances", metavar="YYYY-MM-DD",
        help="把垫款清单记为该日的公司垫款 Record the advance list as 公司垫款 on that day.")] = None,
    fail_on_diff: Annotated[bool, typer.Option(
        "--fail-on-diff", help="有不足、多还、未还或未匹配时以 4 退出 Exit 4 when there are short, over, "
                               "unpaid or unmatched items.")] = False,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..reports.reconcile import render_console
    from ..workflows import reconcile as workflow

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    month = workflow.parse_period(period)
    advance_date = parse_date_option(post_advances, "--post-advances")
    with run.progress() as progress:
        result = workflow.reconcile_bank(run.settings, run.ledger_path, statements, period=month,
                                         as_of=run.as_of, out=out, post_payments=post,
                                         post_advances=advance_date, arguments=run.argv, progress=progress)
    warning = result.period_warning()
    if warning and not run.json:
        # the first line of the run, even with --quiet (a posting would have been refused)
        (run.err if run.quiet else run.out).print(warning, markup=False, style="bold", soft_wrap=True)
    if run.json:
        run.emit_json(result.to_dict())
    elif not run.quiet:
        run.warn(result.warnings, limit=5, rest=_(" from the ledger's checks on entry"))
        render_console(result, run.out)
    findings = {k: v for k, v in result.rec.findings().items() if v}
    if fail_on_diff and findings:
        counted = _(", ").join(_(FINDINGS[k]).format(count=v) for k, v in findings.items())
        raise FindingsExit(
            _("reconciliation for {period} has findings: {findings}.").format(
                period=month.label, findings=counted),
            _("See {report}.").format(report=result.report_path))


FINDINGS = {"short": N_("{count} short"), "over": N_("{count} over"), "unpaid": N_("{count} unpaid"),
            "unmatched": N_("{count} unmatched")}
