"""loantool quality-report – the month-end asset quality report (资产质量月报); read-only."""

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
    QuietOpt,
    command,
    make_run,
    parse_date_option,
)

HELP = """资产质量月报 Month-end asset quality: 五级分类, migration, NPL ratio, 连三累六, write-offs.

Rebuilds the month from the ledger's own history with as-of truth (payments dated up to each day; a loan
leaves the books on its 结清日期 / 核销日期), so any past month can be produced again. For the month end
of --period (default: the last month ended by --as-of), the comparison start (--since, default the
previous month end) and the year start: classes by loans and balance, the NPL ratio and its change,
连三累六, the month's write-offs and recoveries; the migration matrix (结清 and 核销 included) and the
migration and flow rates; by dealer; the last --history month ends with charts. Several --ledger
options roll up branches (分支机构 sheet; branch = [company] branch of the ledger's loantool.toml, else
its file name). Read-only: only the report workbook is written (default reports/资产质量月报_YYYYMM.xlsx)."""


@command("quality-report", HELP)
def quality_report(
    period: Annotated[
        str | None,
        typer.Option(
            "--period", metavar="YYYY-MM", help="月份 The month (default: the last month ended by --as-of)."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="YYYY-MM-DD",
            help="比较起点 Start of the comparison (default: the previous month end).",
        ),
    ] = None,
    history: Annotated[
        int,
        typer.Option(
            "--history", metavar="月数", help="趋势月数 Month ends in the charts (0: no history)."
        ),
    ] = 12,
    out: Annotated[
        Path | None, typer.Option("--out", metavar="文件",
                                  help="报告文件（默认：reports/资产质量月报_YYYYMM.xlsx） Report file.")
    ] = None,
    ledger: Annotated[
        list[Path] | None,
        typer.Option(
            "--ledger",
            metavar="台账文件",
            help="台账文件 Ledger workbook; repeat it for several branches (default: loantool.toml's).",
        ),
    ] = None,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    json_: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    lang: LangOpt = None,
) -> None:
    from ..i18n import _
    from ..reports.quality import render_console
    from ..workflows.quality import quality_report as run_report

    run = make_run(ledger[0] if ledger else None, config, as_of, json_, quiet, debug, lang)
    start = parse_date_option(since, "--since")
    with run.progress() as progress:
        report = run_report(
            run.settings,
            list(ledger) if ledger else [run.ledger_path],
            as_of=run.as_of,
            period=period,
            since=start,
            history=history,
            out=out,
            progress=progress,
        )
    if run.json:
        run.emit_json(report.to_dict())
        return
    if run.quiet:
        return
    run.warn(report.warnings, limit=5, rest=_(" (checks on entry: see overdue-report)"))
    render_console(report, run.out)
