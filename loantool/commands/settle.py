"""loantool settle – early payoff quotes (提前结清), the approval sheet, and closing the loan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, JsonOpt, LangOpt, LedgerOpt, QuietOpt, command, make_run
from ..errors import UsageError
from ..i18n import _

HELP = """提前结清 Early settlement: quote, approval sheet, and (with --confirm) close the loan.

Quotes 合同编号 as of --as-of: the amount due (every installment due on or before that day), penalty,
remaining principal, the current period's charge (card style: the remaining fees; loan style: the current
interest – full, accrued by days or none – plus the settlement fee), the fixed fees of loantool.toml and
the total, split into what goes to the bank and to the company (unrecovered advances, penalty, company
fees). Writes the print-ready 结清审批表 to --out; the ledger is not touched. --confirm --approved-by 姓名
records the settlement: a 结清记录 row with every component, and 状态 = 结清 and 结清日期 on the loan
(refused, exit 2, for an unknown, inactive or already settled loan). --batch 文件 quotes every
合同编号 / 结清日期 row of a workbook or CSV (a blank date means --as-of) into one workbook."""


@command("settle", HELP)
def settle(
    contract: Annotated[str | None, typer.Argument(
        metavar="合同编号", help="合同编号 Contract number.", show_default=False)] = None,
    batch: Annotated[Path | None, typer.Option(
        "--batch", metavar="文件",
        help="结清清单（合同编号 + 结清日期，只试算） Workbook or CSV of 合同编号 + "
                                        "结清日期 rows: quotes only.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="文件",
        help="审批表文件（默认：reports/结清审批表_合同编号_YYYYMMDD.xlsx） Approval "
                                      "sheet file.")] = None,
    confirm: Annotated[bool, typer.Option(
        "--confirm",
        help="把结清记入台账（须同时给 --approved-by） Record the settlement in the ledger.")] = False,
    approved_by: Annotated[str | None, typer.Option(
        "--approved-by", metavar="姓名", help="审批人 Who approved it.")] = None,
    prepared_by: Annotated[str | None, typer.Option(
        "--prepared-by", metavar="姓名", help="经办人（默认：登录名） Who prepared it (default: the login "
                                              "name).")] = None,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    if (contract is None) == (batch is None):
        raise UsageError(_("Name one CONTRACT, or give --batch FILE."))
    if batch is not None and (confirm or approved_by):
        raise UsageError(_("--batch only quotes; confirm each settlement on its own with "
                           "`loantool settle CONTRACT --confirm --approved-by NAME`."))
    if confirm and not (approved_by or "").strip():
        raise UsageError(_("--confirm needs --approved-by NAME (who approved the settlement)."))
    if approved_by and not confirm:
        raise UsageError(_("--approved-by is only used with --confirm."),
                         _("Add --confirm to record the settlement."))
    from ..reports import settle as report
    from ..workflows import settle as workflow

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    if batch is not None:
        result = workflow.settle_batch(run.settings, run.ledger_path, batch, as_of=run.as_of, out=out)
        quotes = result.quotes
    else:
        assert contract is not None
        result = workflow.settle_contract(run.settings, run.ledger_path, contract, as_of=run.as_of, out=out,
                                          confirm=confirm, approved_by=approved_by, prepared_by=prepared_by,
                                          arguments=run.argv)
        quotes = [result.quote]
    if run.json:
        run.emit_json(result.to_dict())
        return
    for quote in quotes:
        for _code, message in quote.warnings:
            run.err.print(_("Warning: {text}").format(text=message + "."), markup=False)
    from ..ledger.columns import added_notes

    for note in added_notes(run.ledger_path, getattr(result, "columns_added", {})):
        run.err.print(note.describe(), markup=False)
    if not run.quiet:
        (report.render_batch_console if batch is not None else report.render_console)(result, run.out)
