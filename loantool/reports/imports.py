"""Renderings of the data-entry commands: import-disbursements and sync-customers.

The Excel report, the rejects workbook and the rich console summary all show the same result object
that ``--json`` prints (workflows/imports.py, workflows/customers.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..errors import CellProblem
from ..money import fen_to_display
from .excel import Column, ReportBook, ReportSheet, write_book

CONSOLE_ROWS = 30  # rows per console table; the report and --json have them all


def display(kind: str, value: Any) -> str:
    """A cell value for people: 1,234.50 for money, 2026-03-15 for dates."""
    if value is None:
        return ""
    if kind == "yuan":
        return fen_to_display(value)
    if kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]
    return str(value)


def _shown(records: list[dict[str, Any]], pairs: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    """Records with their mixed-kind values (old/new, ledger/slip …) rendered as text columns."""
    return [{**r, **{target: display(r["kind"], r[source]) for source, target in pairs}} for r in records]


WHERE = [Column("file", "放款单文件", "text"), Column("sheet", "工作表", "text"),
         Column("row", "行号", "int", 6)]
OUTCOME_LABELS = {"updated": "已更新", "unchanged": "未变", "conflict": "冲突"}
LOAN = [Column("contract_no", "合同编号", "id"), Column("customer_name", "客户姓名", "text")]


def import_book(result: Any, company: str, as_of: dt.date) -> ReportBook:
    mode = "（试运行 dry run：台账未改动）" if result.dry_run else ""
    notes = [f"台账 {result.ledger_path.name}；放款单 {len(result.files)} 个文件 {result.slip_rows} 行；"
             f"匹配 {len(result.matches)}，更新 {len(result.updated_contracts)}，未变 {len(result.unchanged)}，"
             f"冲突 {len(result.conflicts)}，未匹配 {len(result.unmatched)}，差异 {len(result.discrepancies)}{mode}"]
    sheets = [
        ReportSheet("匹配", "放款单匹配结果", [
            *LOAN, Column("matched_by", "匹配依据"), Column("outcome_label", "结果"), *WHERE,
            Column("notes", "备注", "list"),
        ], [{**m, "outcome_label": OUTCOME_LABELS[m["outcome"]]} for m in result.matches], notes=notes),
        ReportSheet("已更新", "已更新的台账单元格" if not result.dry_run else "将更新的台账单元格", [
            *LOAN, Column("column", "列"), Column("old_text", "原值"), Column("new_text", "新值"),
            Column("excel_row", "台账行号", "int", 8), *WHERE,
        ], _shown(result.changes, (("old", "old_text"), ("new", "new_text"))), notes=notes),
        ReportSheet("未变", "已一致、无需更新的贷款", [*LOAN, *WHERE], result.unchanged, notes=notes),
        ReportSheet("冲突", "与台账现有值不同（未覆盖；--overwrite 可覆盖）", [
            *LOAN, Column("column", "列"), Column("ledger_text", "台账现值"), Column("slip_text", "放款单值"), *WHERE,
        ], _shown(result.conflicts, (("ledger", "ledger_text"), ("slip", "slip_text"))), notes=notes),
        ReportSheet("未匹配", "未匹配的放款单行（未处理）", [
            *WHERE, Column("customer_name", "姓名"), Column("id_no", "身份证号", "id"), Column("card_no", "卡号", "id"),
            Column("principal", "放款金额", "yuan"), Column("disbursed_on", "放款日期", "date"),
            Column("reason", "原因", "text", 60), Column("candidates", "候选合同", "list"),
        ], result.unmatched, notes=notes, landscape=True),
        ReportSheet("差异", "银行数据与我方计算的差异", [
            *LOAN, Column("label", "项目"), Column("bank_text", "银行"), Column("ours_text", "我方"),
            Column("difference_text", "差额（银行−我方）"), *WHERE,
        ], _shown(result.discrepancies, (("bank", "bank_text"), ("ours", "ours_text"),
                                          ("difference", "difference_text"))), notes=notes),
    ]
    if result.duplicates:
        sheets.append(ReportSheet("重复", "重复的放款单行（只用一次）", [
            *WHERE, Column("contract_no", "合同编号", "id"), Column("same_as", "同于"),
        ], result.duplicates))
    if result.not_checked:
        sheets.append(ReportSheet("未核对", "未能核对月还金额的贷款", [
            *LOAN, Column("reason", "原因", "text", 60), *WHERE,
        ], result.not_checked))
    return ReportBook(company=company, report="放款单导入", as_of=as_of, sheets=sheets)


def write_import_report(path: Path, result: Any, company: str, as_of: dt.date) -> Path:
    return write_book(path, import_book(result, company, as_of))


def write_rejects(path: Path, problems: list[CellProblem], company: str, as_of: dt.date, *,
                  what: str = "放款单") -> Path:
    """The bad rows (of slips, or of the customer table: ``what``) and why each was refused, for the desk to
    correct and send again."""
    rows = [{"file": Path(p.file).name, "sheet": p.sheet, "row": p.row, "column": p.column,
             "value": None if p.value is None else str(p.value), "reason": p.reason} for p in problems]
    sheet = ReportSheet("拒收", f"未导入的{what}行及原因", [
        Column("file", "文件"), Column("sheet", "工作表"), Column("row", "行号", "int", 6), Column("column", "列"),
        Column("value", "值"), Column("reason", "原因", "text", 60),
    ], rows, notes=["这些行没有导入。请更正后重新导入（其余行已处理）。"])
    return write_book(path, ReportBook(company=company, report=f"{what}拒收", as_of=as_of, sheets=[sheet]))


# ---------------------------------------------------------------------------------------------- console


def _table(title: str, headers: list[str], rows: list[list[str]], console: Any) -> None:
    from rich.table import Table

    if not rows:
        return
    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows[:CONSOLE_ROWS]:
        table.add_row(*[str(cell) if cell is not None else "" for cell in row])
    console.print(table)
    if len(rows) > CONSOLE_ROWS:
        console.print(f"… and {len(rows) - CONSOLE_ROWS} more (see the report or --json).", markup=False)


def render_import_console(result: Any, console: Any) -> None:
    from rich.table import Table

    if result.dry_run:
        console.print("Dry run: nothing was written; this is what a real run would change.", markup=False)
    summary = Table(title="放款单导入 import-disbursements", title_justify="left", show_header=False)
    summary.add_column("", style="bold")
    summary.add_column("", justify="right")
    rejected_rows = len({(p.file, p.sheet, p.row) for p in result.rejected})
    for label, value in (
        ("slip files", len(result.files)), ("slip rows", result.slip_rows), ("matched", len(result.matches)),
        ("updated (loans)" if not result.dry_run else "would update (loans)", len(result.updated_contracts)),
        ("cells " + ("changed" if not result.dry_run else "to change"), len(result.changes)),
        ("unchanged", len(result.unchanged)), ("conflicts (cells)", len(result.conflicts)),
        ("unmatched", len(result.unmatched)), ("discrepancies", len(result.discrepancies)),
        ("duplicate rows", len(result.duplicates)), ("rejected rows", rejected_rows),
    ):
        summary.add_row(label, str(value))
    console.print(summary)
    _table("更新 changes (old → new)", ["合同编号", "客户姓名", "列", "原值 → 新值"],
           [[c["contract_no"], c["customer_name"], c["column"],
             f"{display(c['kind'], c['old']) or '(空)'} → {display(c['kind'], c['new'])}"
             + ("  (overwritten)" if c["overwritten"] else "")] for c in result.changes], console)
    _table("冲突 conflicts (not overwritten; --overwrite to replace)",
           ["合同编号", "客户姓名", "列", "台账", "放款单"],
           [[c["contract_no"], c["customer_name"], c["column"], display(c["kind"], c["ledger"]),
             display(c["kind"], c["slip"])] for c in result.conflicts], console)
    _table("未匹配 unmatched", ["文件", "行", "姓名", "原因"],
           [[u["file"], u["row"], u["customer_name"], u["reason"]] for u in result.unmatched], console)
    _table("差异 discrepancies (bank vs ours)", ["合同编号", "客户姓名", "项目", "银行", "我方", "差额"],
           [[d["contract_no"], d["customer_name"], d["label"], display(d["kind"], d["bank"]),
             display(d["kind"], d["ours"]), display(d["kind"], d["difference"])]
            for d in result.discrepancies], console)
    _table("重复 duplicate slip rows (used once)", ["文件", "行", "合同编号", "同于"],
           [[d["file"], d["row"], d["contract_no"], d["same_as"]] for d in result.duplicates], console)
    _table("未核对 monthly amount not checked", ["合同编号", "原因"],
           [[n["contract_no"], n["reason"]] for n in result.not_checked], console)
    for line in _paths(result):
        console.print(line, markup=False)


def _paths(result: Any) -> list[str]:
    lines = []
    if getattr(result, "report_path", None):
        lines.append(f"Report: {result.report_path}")
    if getattr(result, "rejects_path", None):
        lines.append(f"Rejected rows: {result.rejects_path}")
    return lines


def render_sync_console(result: Any, console: Any) -> None:
    from rich.table import Table

    if result.dry_run:
        console.print("Dry run: nothing was written; this is what a real run would change.", markup=False)
    summary = Table(title="客服信息同步 sync-customers", title_justify="left", show_header=False)
    summary.add_column("", style="bold")
    summary.add_column("", justify="right")
    for label, value in (
        ("source rows", result.source_rows),
        ("new loans" + (" to add" if result.dry_run else " added"), len(result.added)),
        ("loans " + ("to change" if result.dry_run else "changed"), len(result.changed_contracts)),
        ("fields " + ("to change" if result.dry_run else "changed"), len(result.changes)),
        ("unchanged", len(result.unchanged)), ("conflicting duplicates", len(result.conflicts)),
        ("skipped", len(result.skipped)),
    ):
        summary.add_row(label, str(value))
    console.print(summary)
    _table("新增 new loans", ["合同编号", "客户姓名", "行号"],
           [[a["contract_no"], a["customer_name"], a["row"]] for a in result.added], console)
    _table("变更 changes (old → new)", ["合同编号", "列", "原值 → 新值"],
           [[c["contract_no"], c["column"], f"{c['old'] or '(空)'} → {c['new']}"] for c in result.changes],
           console)
    _table("冲突 conflicting duplicates in the source (not applied)", ["合同编号", "列", "值", "行号"],
           [[c["contract_no"], c["column"], " / ".join(c["values"]), ", ".join(map(str, c["rows"]))]
            for c in result.conflicts], console)
    _table("跳过 skipped", ["合同编号", "列", "原因"],
           [[s["contract_no"], s["column"] or "", s["reason"]] for s in result.skipped], console)
