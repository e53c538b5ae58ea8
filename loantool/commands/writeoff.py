"""loantool write-off – the write-off approval sheet (核销审批表) and, confirmed, the write-off (核销)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, JsonOpt, LangOpt, LedgerOpt, QuietOpt, command, make_run
from ..errors import UsageError

HELP = """核销 Write-off of a loss loan: approval sheet, and (with --confirm) the write-off recorded.

Works out, as of --as-of (the write-off day D), 核销本金 (the outstanding principal), 核销利息 (unpaid
interest and fees of the installments due by D), 核销罚息 (penalty to D) and their total, with 未收回垫款
beside them (not added), the loan's history in brief and its class since when. Writes the print-ready
核销审批表 (经办 / 复核 / 审批) to --out; the ledger is not touched. --confirm --approved-by NAME records
the write-off: a 核销记录 row, and 状态 = 核销 and 核销日期 = D on the loan (columns added when missing),
with the journal and the backup of every write. Refused (exit 2, saying why) for a loan not classified
损失 at D (writeoff.allow_doubtful also allows 可疑), one settled or already written off, or a D after
today. From D on the loan leaves the active, arrears and NPL figures; later customer payments are
核销后收回. --batch FILE quotes every 合同编号 / 核销日期 row of a workbook or CSV into one workbook."""


@command("write-off", HELP)
def write_off(
    contract: Annotated[
        str | None, typer.Argument(metavar="合同编号", help="合同编号 Contract number.", show_default=False)
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", metavar="文件",
                     help="核销清单（合同编号 + 核销日期，只试算） Workbook or CSV of "
                          "合同编号 + 核销日期 rows: quotes only."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="文件",
            help="审批表文件（默认：reports/核销审批表_合同编号_YYYYMMDD.xlsx） Approval sheet file.",
        ),
    ] = None,
    confirm: Annotated[
        bool,
        typer.Option("--confirm",
                     help="把核销记入台账（须同时给 --approved-by） Record the write-off in the ledger."),
    ] = False,
    approved_by: Annotated[
        str | None, typer.Option("--approved-by", metavar="姓名", help="审批人 Who approved it.")
    ] = None,
    prepared_by: Annotated[
        str | None,
        typer.Option("--prepared-by", metavar="姓名", help="经办人（默认：登录名） Who prepared it."),
    ] = None,
    reviewed_by: Annotated[
        str | None, typer.Option("--reviewed-by", metavar="姓名", help="复核人 Who checked it.")
    ] = None,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    json_: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    lang: LangOpt = None,
) -> None:
    from ..i18n import _

    if (contract is None) == (batch is None):
        raise UsageError(_("name one CONTRACT, or give --batch FILE."))
    if batch is not None and (confirm or approved_by):
        raise UsageError(
            _(
                "--batch only quotes; confirm each write-off on its own with "
                "`loantool write-off CONTRACT --confirm --approved-by NAME`."
            )
        )
    if confirm and not (approved_by or "").strip():
        raise UsageError(_("--confirm needs --approved-by NAME (who approved the write-off)."))
    if approved_by and not confirm:
        raise UsageError(
            _("--approved-by is only used with --confirm."), _("Add --confirm to record the write-off.")
        )
    from ..reports import writeoff as report
    from ..workflows import writeoff as workflow

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    if batch is not None:
        result = workflow.write_off_batch(run.settings, run.ledger_path, run.as_of, batch=batch, out=out)
    else:
        result = workflow.write_off(
            run.settings,
            run.ledger_path,
            run.as_of,
            contract=contract,
            out=out,
            confirm=confirm,
            approved_by=approved_by,
            prepared_by=prepared_by,
            reviewed_by=reviewed_by,
            arguments=run.argv,
        )
    if run.json:
        run.emit_json(result.to_dict())
        return
    from ..ledger.columns import added_notes

    for note in added_notes(run.ledger_path, getattr(result, "columns_added", {})):
        run.err.print(note.describe(), markup=False)
    if not run.quiet:
        (report.render_batch_console if batch is not None else report.render_console)(result, run.out)
