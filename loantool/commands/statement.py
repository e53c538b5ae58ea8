"""loantool statement – the customer statement (客户对账单) of one contract; read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import AsOfOpt, ConfigOpt, DebugOpt, JsonOpt, LangOpt, LedgerOpt, QuietOpt, command, make_run

HELP = """客户对账单 The statement of one contract as of --as-of, to read to a customer or hand a lawyer.

Every installment (due date, principal, interest/fee, paid, unpaid, paid-off date, penalty with its
days), every 还款记录 row of the contract up to that day with how each customer payment was allocated
(oldest installment first, interest/fee before principal), the company's advances and their repayment,
the totals, and the early settlement quote at that day – settle's own quote, so the statement agrees to
the fen with settle and overdue-report. Writes the print-ready workbook to --out (default:
reports/客户对账单_<合同编号>_YYYYMMDD.xlsx); the ledger is never written. --json prints the statement."""


@command("statement", HELP)
def statement(
    contract: Annotated[str, typer.Argument(
        help="合同编号 Contract number.", metavar="合同编号", show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="文件",
        help="Statement file (default: reports/客户对账单_<合同编号>_YYYYMMDD.xlsx).")] = None,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..reports.statement import render_console
    from ..workflows.statement import statement as run_statement

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    result = run_statement(run.settings, run.ledger_path, run.as_of, contract=contract, out=out)
    if run.json:
        run.emit_json(result.to_dict())
    elif not run.quiet:
        render_console(result, run.out)
