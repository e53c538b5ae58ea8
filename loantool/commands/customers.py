"""loantool sync-customers – customer service's table (客服信息表) into the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, JsonOpt, LangOpt, LedgerOpt, QuietOpt, command, make_run
from ..i18n import _

HELP = """同步客服信息表 Update the ledger's 贷款台账 from customer service's table.

New contracts are added as rows (状态 在贷, 还款明细已出 否). For existing ones only the contact fields are
taken – 手机号, 银行卡号, 客户姓名, 身份证号, 保证人, 保证人电话 – each change shown old → new; amounts,
rates, the bank's dates and the status are never taken from the table. A contract listed twice with
different values is reported and not applied. A new row whose terms give no schedule (期数 0, 贷款金额 ≤ 0,
a product missing from 利率表 …) or with a bad cell is never written: exit 2, or --skip-bad to sync the
good rows and write the bad ones to a rejects workbook in the reports folder. Running it again changes
nothing."""


@command("sync-customers", HELP)
def sync_customers(
    cs_workbook: Annotated[Path, typer.Argument(
        metavar="客服信息表", help="客服信息表文件 The customer service workbook (.xlsx .xls .csv).",
        show_default=False)],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run",
        help="试运行：列出每处改动（原值 → 新值），不写台账 Show every change; write nothing.")] = False,
    skip_bad: Annotated[bool, typer.Option(
        "--skip-bad",
        help="只同步正确的行，错误行写入拒收工作簿 Sync the good rows; "
             "bad rows go to a rejects workbook.")] = False,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..reports.imports import render_sync_console
    from ..workflows.customers import sync_customers as run_sync

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    result = run_sync(run.settings, run.ledger_path, cs_workbook, as_of=run.as_of, dry_run=dry_run,
                      skip_bad=skip_bad, arguments=run.argv)
    if run.json:
        run.emit_json(result.to_dict())
        return
    if run.quiet:
        return
    run.warn(result.warnings)
    for problem in result.rejected:
        run.err.print(_("Rejected: {problem}").format(problem=problem.describe()), markup=False)
    render_sync_console(result, run.out)
    if result.rejects_path is not None:
        run.out.print(_("Rejected rows: {path}").format(path=result.rejects_path), markup=False)
