"""还款明细: the one-page schedule letter per loan, the combined workbook, and the console table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..money import fen_to_display, rate_to_str
from ..schema import METHODS, label
from ..values import text_or_blank
from .excel import Column, ReportBook, ReportSheet, write_book

INSTALLMENT_COLUMNS = [
    Column("period", "期数", "int", 6),
    Column("due_date", "还款日期", "date", 12),
    Column("principal", "应还本金", "yuan", 14),
    Column("interest", "应还利息", "yuan", 12),
    Column("fee", "应还手续费", "yuan", 12),
    Column("payment", "应还金额", "yuan", 14),
    Column("balance", "剩余本金", "yuan", 14),
]


def _charge_columns(method: str) -> list[Column]:
    """A flat-fee schedule shows 手续费, the others show 利息: never an all-zero column on a letter."""
    drop = "interest" if method == "flat_fee" else "fee"
    return [c for c in INSTALLMENT_COLUMNS if c.key != drop]


def letter_filename(contract_no: str, customer_name: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "-", f"{contract_no}_{customer_name}".strip("_"))
    return f"{safe}.xlsx"


def customer_block(loan: Any) -> list[str]:
    rate_label = "总费率" if loan.method == "flat_fee" else "年利率"
    due_day = text_or_blank(loan.due_day)
    return [
        f"客户姓名：{text_or_blank(loan.customer_name)}    合同编号：{loan.contract_no}    银行卡号：{text_or_blank(loan.card_no)}",
        f"车型：{text_or_blank(loan.car_model)}    贷款金额：{fen_to_display(loan.principal)} 元    "
        f"{rate_label}：{rate_to_str(loan.rate)}    还款方式：{label(METHODS, loan.method)}",
        f"期数：{int(loan.term)} 期    提车日期：{pd.Timestamp(loan.pickup_date).date().isoformat()}"
        + (f"    每月还款日：{due_day} 日" if due_day else ""),
    ]


def write_letters(result: Any, out_dir: Path, company: str, as_of: Any) -> list[Path]:
    """One print-ready workbook per loan, named <合同编号>_<客户姓名>.xlsx."""
    written = []
    groups = dict(tuple(result.installments.groupby("contract_no", sort=False)))
    for loan in result.loans.itertuples(index=False):
        rows = groups[loan.contract_no]
        columns = _charge_columns(loan.method)
        totals = {c.key: int(rows[c.key].sum()) for c in columns if c.kind == "yuan" and c.key != "balance"}
        sheet = ReportSheet(
            name="还款明细",
            title="客户还款明细表",
            columns=columns,
            rows=rows,
            totals=totals,
            notes=customer_block(loan),
            footer=[
                "请于每月还款日前将当期应还金额存入上述银行卡，银行将自动扣款。",
                "",
                "客户签字：____________    日期：____________    经办人：____________    复核：____________",
            ],
        )
        book = ReportBook(company=company, report="还款明细", as_of=None, sheets=[sheet])
        written.append(write_book(out_dir / letter_filename(loan.contract_no, text_or_blank(loan.customer_name)), book))
    return written


def write_combined(result: Any, path: Path, company: str, as_of: Any) -> Path:
    """Every installment of every loan produced, plus one summary row per loan."""
    info = result.loans.set_index("contract_no")
    rows = result.installments.assign(
        customer_name=result.installments["contract_no"].map(info["customer_name"]),
    )
    totals = result.installments.groupby("contract_no", sort=False)[["principal", "interest", "fee", "payment"]].sum()
    summary = result.loans.assign(
        method_label=result.loans["method"].map(lambda m: label(METHODS, m)),
        **{f"total_{k}": result.loans["contract_no"].map(totals[k]) for k in totals.columns},
    )
    detail_columns = [Column("contract_no", "合同编号", "id"), Column("customer_name", "客户姓名"),
                      *INSTALLMENT_COLUMNS]
    summary_columns = [
        Column("contract_no", "合同编号", "id"), Column("customer_name", "客户姓名"),
        Column("method_label", "还款方式"), Column("principal", "贷款金额", "yuan"), Column("rate", "利率/费率", "rate"),
        Column("term", "期数", "int"), Column("pickup_date", "提车日期", "date"),
        Column("total_interest", "利息合计", "yuan"), Column("total_fee", "手续费合计", "yuan"),
        Column("total_payment", "应还合计", "yuan"),
    ]
    book = ReportBook(company=company, report="还款明细汇总", as_of=as_of, sheets=[
        ReportSheet("汇总", "还款明细汇总", summary_columns, summary,
                    totals={k: int(summary[k].sum()) for k in ("principal", "total_interest", "total_fee",
                                                               "total_payment")}),
        ReportSheet("全部分期", "全部分期明细", detail_columns, rows,
                    totals={k: int(rows[k].sum()) for k in ("principal", "interest", "fee", "payment")}),
    ])
    return write_book(path, book)


def render_console(result: Any, console: Any, *, limit_loans: int = 3) -> None:
    """A rich table per loan (the first few when there are many) and the totals."""
    from rich.table import Table

    groups = dict(tuple(result.installments.groupby("contract_no", sort=False)))
    for loan in result.loans.head(limit_loans).itertuples(index=False):
        rows = groups[loan.contract_no]
        columns = _charge_columns(loan.method)
        title = f"{loan.contract_no} {text_or_blank(loan.customer_name)}".strip()
        table = Table(title=f"还款明细 {title}", caption="  ".join(customer_block(loan)[1:]), show_footer=True)
        for column in columns:
            total = ""
            if column.kind == "yuan" and column.key != "balance":
                total = fen_to_display(int(rows[column.key].sum()))
            elif column.key == "period":
                total = "合计"
            table.add_column(column.header, justify="right" if column.kind != "text" else "left", footer=total)
        for row in rows.itertuples(index=False):
            cells = []
            for column in columns:
                value = getattr(row, column.key)
                if column.kind == "yuan":
                    cells.append(fen_to_display(value))
                elif column.kind == "date":
                    cells.append(pd.Timestamp(value).date().isoformat())
                else:
                    cells.append(str(value))
            table.add_row(*cells)
        console.print(table)
    if len(result.loans) > limit_loans:
        console.print(f"… and {len(result.loans) - limit_loans} more loans (see the workbooks).")
