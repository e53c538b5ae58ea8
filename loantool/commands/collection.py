"""loantool record-calls / record-call – what the calls found, into the ledger's 催收记录."""

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

CALLS_HELP = """录入催收结果 Record the day's calls from the filled 电话催收单 into 催收记录.

The caller fills, in the 电话催收单 sheet of the overdue report (逾期催收日报_YYYYMMDD.xlsx, edited in
Excel, WPS or LibreOffice, rows in any order), the 催收结果 of each call and, where they apply, the input
columns right of the printed page: 承诺还款日 + 承诺金额 (a promise to pay), 对象 (借款人/保证人/经销商,
default 借款人), 方式 (电话/短信/上门/函件, default 电话), 经办 (default --by, else the login name), 备注.
Each filled row becomes one 催收记录 row dated the sheet's 催收日期 (the cell above the table); rows left
empty are skipped. The same sheet twice adds nothing (a row equal in 合同编号, 催收日期, 方式, 对象, 结果 and
promise is recorded once). An unknown 合同编号, a promise date before the call date, an amount that is not
an amount, an unknown 对象/方式 word: every bad cell is listed and nothing is written (exit 2). The
call sheets are never modified; --dry-run writes nothing."""

CALL_HELP = """录入单次催收 Record one collection contact (a call, a visit, a signed notice) in 催收记录.

Dated --as-of (default today). A promise to pay takes --promise-date and --promise-amount; a signed
collection notice or its 回执 is recorded as --method 函件 --result 已签收 (with --party 保证人 for the
guarantor's): it restarts the statute of limitations (诉讼时效) and counts as the quarter's notice in the
overdue report. Recording the same contact twice adds nothing. Refused (exit 2, nothing written) for a
合同编号 the ledger does not have."""


@command("record-calls", CALLS_HELP)
def record_calls(
    call_sheets: Annotated[list[Path], typer.Argument(
        help="已填写的电话催收单 Filled call sheet workbook(s).", metavar="文件…", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="试运行 Check and show, write nothing.")] = False,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="姓名", help="经办 Caller, where the sheet's 经办 column is empty.")] = None,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..reports.collection import render_recorded
    from ..workflows.collection import record_calls as run_record

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    result = run_record(run.settings, run.ledger_path, run.as_of, call_sheets=call_sheets, dry_run=dry_run,
                        by=by, arguments=run.argv)
    if run.json:
        run.emit_json(result.to_dict())
    elif not run.quiet:
        render_recorded(result, run.out)


@command("record-call", CALL_HELP)
def record_call(
    contract: Annotated[str, typer.Argument(
        help="合同编号 Contract number.", metavar="合同编号", show_default=False)],
    result: Annotated[str, typer.Option("--result", metavar="文字", help="结果 What the contact found.")],
    promise_date: Annotated[str | None, typer.Option(
        "--promise-date", metavar="YYYY-MM-DD", help="承诺还款日 Day the customer promised to pay.")] = None,
    promise_amount: Annotated[str | None, typer.Option(
        "--promise-amount", metavar="金额", help="承诺金额 Amount promised, in yuan.")] = None,
    method: Annotated[str | None, typer.Option(
        "--method", metavar="电话|短信|上门|函件", help="方式 How (default 电话).")] = None,
    party: Annotated[str | None, typer.Option(
        "--party", metavar="借款人|保证人|经销商", help="对象 Whom (default 借款人).")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="姓名", help="经办 Who (default the login name).")] = None,
    note: Annotated[str | None, typer.Option("--note", metavar="文字", help="备注 Note.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="试运行 Check and show, write nothing.")] = False,
    ledger: LedgerOpt = None, config: ConfigOpt = None, as_of: AsOfOpt = None,
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..reports.collection import render_recorded
    from ..workflows.collection import record_call as run_record

    run = make_run(ledger, config, as_of, json_, quiet, debug, lang)
    outcome = run_record(run.settings, run.ledger_path, run.as_of, contract=contract, result=result,
                         promise_date=parse_date_option(promise_date, "--promise-date"),
                         promise_amount=promise_amount, method=method, party=party, by=by, note=note,
                         dry_run=dry_run, arguments=run.argv)
    if run.json:
        run.emit_json(outcome.to_dict())
    elif not run.quiet:
        render_recorded(outcome, run.out)
