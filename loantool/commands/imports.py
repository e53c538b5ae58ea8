"""loantool import-disbursements – the bank's disbursement slips (放款单) into the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, JsonOpt, LangOpt, LedgerOpt, QuietOpt, command, make_run
from ..i18n import _

HELP = """导入放款单 Record the bank's disbursement slips in the ledger.

Each slip row (xlsx, xls, csv in GBK/UTF-8; several files, several loans each) is matched to a loan by
身份证号, then 卡号 (masked cards by their visible digits), then 姓名 + 放款金额; a row that fits no loan
or several is listed, never guessed. Fills 放款日期, 银行还款日, 银行月还金额 and 首期还款日; a cell that
already holds a different value is a conflict, left alone unless --overwrite. The bank's monthly amount
is checked against our schedule (tolerance: [import] monthly_amount_tolerance). Running the same slips
again changes nothing. Bad rows: exit 2 and nothing written, or --skip-bad to import the good rows and
write the bad ones to a rejects workbook beside --out (else in the reports folder)."""


@command("import-disbursements", HELP)
def import_disbursements(
    slips: Annotated[list[Path], typer.Argument(
        metavar="放款单文件…", help="放款单文件 Slip files (.xlsx .xls .csv).", show_default=False)],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run",
        help="试运行：列出将改的单元格（原值 → 新值），不写台账 Show every cell that would change; "
                          "write nothing.")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="覆盖冲突：以放款单的值替换台账中不同的值 Replace conflicting values with the "
                            "slip's.")] = False,
    skip_bad: Annotated[bool, typer.Option(
        "--skip-bad",
        help="跳过错误行：导入正确的行，错误行另存拒收表 Import the good rows; bad rows go to a "
                           "rejects workbook.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="文件", help="导入报告文件 Excel report: matched, updated, unchanged, conflicts, "
                                      "unmatched, discrepancies.")] = None,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..reports.imports import render_import_console
    from ..workflows.imports import import_disbursements as run_import

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    with run.progress() as progress:
        result = run_import(run.settings, run.ledger_path, slips, as_of=run.as_of, dry_run=dry_run,
                            overwrite=overwrite, skip_bad=skip_bad, out=out, arguments=run.argv,
                            progress=progress)
    if run.json:
        run.emit_json(result.to_dict())
        return
    if run.quiet:
        return
    for problem in result.rejected:
        run.err.print(_("Rejected: {problem}").format(problem=problem.describe()), markup=False)
    render_import_console(result, run.out)
