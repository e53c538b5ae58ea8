"""loantool compute-schedule – 还款明细 from the ledger, or a calculator for one set of terms."""

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
from ..errors import UsageError
from ..i18n import _

HELP = """计算还款明细 Compute repayment schedules.

Ledger mode: 合同编号… or --pending (loans whose 还款明细已出 is not 是) writes one print-ready workbook
per loan (<合同编号>_<客户姓名>.xlsx) and a combined workbook into --out, then marks 还款明细已出 = 是
in the ledger (--no-mark to skip). Calculator mode: --principal --rate --term --method --pickup prints
the schedule and writes nothing."""


@command("compute-schedule", HELP)
def compute_schedule(
    contracts: Annotated[list[str] | None, typer.Argument(
        help="合同编号 Contract numbers.", show_default=False, metavar="合同编号…")] = None,
    pending: Annotated[bool, typer.Option(
        "--pending", help="所有还款明细已出不为 是 的在贷贷款 Every active loan whose 还款明细已出 is not "
                          "是.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="文件夹",
        help="存放工作簿的文件夹（默认：reports/还款明细_YYYYMMDD） Folder for the "
                                        "workbooks.")] = None,
    no_mark: Annotated[bool, typer.Option(
        "--no-mark", help="不在台账中标记 还款明细已出 = 是 Do not mark the ledger.")] = False,
    principal: Annotated[str | None, typer.Option(
        "--principal", metavar="金额", help="贷款金额（元，试算） Loan amount in yuan (calculator).")] = None,
    rate: Annotated[str | None, typer.Option(
        "--rate", metavar="利率",
        help="年利率/总费率，如 4.75%（试算） Annual or total fee rate (calculator).")] = None,
    term: Annotated[int | None, typer.Option(
        "--term", metavar="期数", help="期数（月，试算） Months (calculator).")] = None,
    method: Annotated[str | None, typer.Option(
        "--method", metavar="还款方式", help="等额本息 / 等额本金 / 等本等费 (annuity / equal_principal / "
                                            "flat_fee), calculator.")] = None,
    pickup: Annotated[str | None, typer.Option(
        "--pickup", metavar="YYYY-MM-DD", help="提车日期（试算） Pickup date (calculator).")] = None,
    first_due: Annotated[str | None, typer.Option(
        "--first-due", metavar="YYYY-MM-DD", help="首期还款日（试算） First due date (calculator).")] = None,
    due_day: Annotated[int | None, typer.Option(
        "--due-day", metavar="日", help="银行还款日 1–31（试算） The bank's due day (calculator).")] = None,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..workflows import schedule as workflow

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    calculator_options = [principal, rate, term, method, pickup]
    if any(v is not None for v in calculator_options):
        if contracts or pending:
            raise UsageError(_("Give either contracts or --pending (ledger mode) or the calculator options, "
                               "not both."))
        if any(v is None for v in calculator_options):
            raise UsageError(_("The calculator needs --principal, --rate, --term, --method and --pickup."))
        result = workflow.calculator(
            principal=principal, rate=rate, term=term, method=method,
            pickup=parse_date_option(pickup, "--pickup"),
            first_due=parse_date_option(first_due, "--first-due"),
            due_day=due_day, settings=run.settings,
        )
        _render(run, result)
        return
    from ..workflows.issue import issue_schedules

    if not contracts and not pending:
        raise UsageError(
            _("Name the contracts, or use --pending for every loan whose 还款明细已出 is not 是."),
            _("Or use the calculator: --principal --rate --term --method --pickup."))
    with run.progress() as progress:
        issued = issue_schedules(run.settings, run.ledger_path, as_of=run.as_of, contracts=contracts or [],
                                 pending=pending, out=out, mark=not no_mark, arguments=run.argv,
                                 progress=progress)
    _render(run, issued.result, issued)


def _render(run, result, issued=None) -> None:
    from ..reports.schedule import render_console, render_issued

    if run.json:
        document = result.to_dict()
        if issued is not None:
            document.update(issued.to_dict())
        run.emit_json(document)
        return
    if run.quiet:
        return
    run.warn(result.warnings, rest=_(" from the ledger's checks on entry"))
    if issued is None:
        render_console(result, run.out)
        return
    render_console(result, run.out, limit_loans=1)
    render_issued(issued, run.out)
