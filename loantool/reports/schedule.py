"""还款明细: the schedule letter per loan, the combined workbook, and the console table.

A letter names the customer and the contract on every printed page (the page header), repeats the
table's header, and keeps its last installments, the totals and the signature lines together on one
page (manual page breaks: a 120-period letter prints on four pages, never a signature page alone).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import N_, _, ngettext
from ..money import fen_to_display
from ..progress import Progress, no_progress
from ..values import text_or_blank
from .excel import Column, ReportBook, ReportSheet, rate_text, report_line, write_book
from .labels import METHOD_NAMES, word

INSTALLMENT_COLUMNS = [
    Column("period", N_("Period"), "int", 6),
    Column("due_date", N_("Due date"), "date", 12),
    Column("principal", N_("Principal"), "yuan", 14),
    Column("interest", N_("Interest"), "yuan", 12),
    Column("fee", N_("Fee"), "yuan", 12),
    Column("payment", N_("Payment"), "yuan", 14),
    Column("balance", N_("Balance"), "yuan", 14),
]
LETTER_ROWS_PER_PAGE = 40  # sheet rows a printed page holds with room to spare (A4 portrait, 10 pt)


def _charge_columns(method: str) -> list[Column]:
    """A flat-fee schedule shows 手续费, the others show 利息: never an all-zero column on a letter."""
    drop = "interest" if method == "flat_fee" else "fee"
    return [c for c in INSTALLMENT_COLUMNS if c.key != drop]


def letter_filename(contract_no: str, customer_name: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "-", f"{contract_no}_{customer_name}".strip("_"))
    return f"{safe}.xlsx"


def customer_block(loan: Any) -> list[str]:
    """The letter's customer block: short lines, so that none runs past the table's right edge."""
    rate_label = _("Total fee rate") if loan.method == "flat_fee" else _("Annual rate")
    due_day = text_or_blank(loan.due_day)
    gap = "    "
    return [
        gap.join([_("Customer: {name}").format(name=text_or_blank(loan.customer_name)),
                  _("Contract no.: {contract}").format(contract=loan.contract_no)]),
        gap.join([_("Bank card: {card}").format(card=text_or_blank(loan.card_no)),
                  _("Car model: {model}").format(model=text_or_blank(loan.car_model))]),
        gap.join([_("Loan amount: {amount} yuan").format(amount=fen_to_display(loan.principal)),
                  _("{label}: {rate}").format(label=rate_label, rate=rate_text(loan.rate))]),
        gap.join([_("Repayment method: {method}").format(method=word(METHOD_NAMES, loan.method)),
                  _("Term: {term} months").format(term=int(loan.term))]),
        gap.join([_("Pickup date: {day}").format(day=pd.Timestamp(loan.pickup_date).date().isoformat()),
                  *([_("Monthly due day: {day}").format(day=due_day)] if due_day else [])]),
    ]


def letter_sheet(loan: Any, rows: pd.DataFrame) -> ReportSheet:
    columns = _charge_columns(loan.method)
    totals = {c.key: int(rows[c.key].sum()) for c in columns if c.kind == "yuan" and c.key != "balance"}
    return ReportSheet(
        name=_("Repayment schedule"),
        title=_("Customer repayment schedule"),
        columns=columns,
        rows=rows,
        totals=totals,
        notes=customer_block(loan),
        footer=[
            _("Please pay each month's amount into the bank card above before the due day; "
              "the bank debits it."),
            "",
            "    ".join([_("Customer signature: {blank}"), _("Date: {blank}")]).format(blank="____________"),
            "    ".join([_("Prepared by: {name}"), _("Reviewed by: {name}")]).format(name="____________"),
        ],
        page_header=_("Repayment schedule  customer {name}  contract no. {contract}").format(
            name=text_or_blank(loan.customer_name), contract=loan.contract_no),
        rows_per_page=LETTER_ROWS_PER_PAGE,
    )


def write_letters(result: Any, out_dir: Path, company: str, as_of: Any,
                  progress: Progress = no_progress) -> list[Path]:
    """One print-ready workbook per loan, named <合同编号>_<客户姓名>.xlsx (``progress``: each letter)."""
    written = []
    groups = dict(tuple(result.installments.groupby("contract_no", sort=False)))
    count = len(result.loans)
    for number, loan in enumerate(result.loans.itertuples(index=False), start=1):
        progress(_("Writing the schedule letters"), number, count)
        sheet = letter_sheet(loan, groups[loan.contract_no])
        book = ReportBook(company=company, report=_("Repayment schedule"), as_of=None, sheets=[sheet])
        name = letter_filename(loan.contract_no, text_or_blank(loan.customer_name))
        written.append(write_book(out_dir / name, book))
    return written


def write_combined(result: Any, path: Path, company: str, as_of: Any) -> Path:
    """Every installment of every loan produced, plus one summary row per loan."""
    info = result.loans.set_index("contract_no")
    rows = result.installments.assign(
        customer_name=result.installments["contract_no"].map(info["customer_name"]),
    )
    sums = ["principal", "interest", "fee", "payment"]
    totals = result.installments.groupby("contract_no", sort=False)[sums].sum()
    summary = result.loans.assign(
        method_label=result.loans["method"].map(lambda m: word(METHOD_NAMES, m, m)),
        **{f"total_{k}": result.loans["contract_no"].map(totals[k]) for k in totals.columns},
    )
    detail_columns = [Column("contract_no", N_("Contract no."), "id"),
                      Column("customer_name", N_("Customer")), *INSTALLMENT_COLUMNS]
    summary_columns = [
        Column("contract_no", N_("Contract no."), "id"), Column("customer_name", N_("Customer")),
        Column("method_label", N_("Repayment method")), Column("principal", N_("Loan amount"), "yuan"),
        Column("rate", N_("Rate"), "rate"), Column("term", N_("Term (months)"), "int"),
        Column("pickup_date", N_("Pickup date"), "date"),
        Column("total_interest", N_("Total interest"), "yuan"),
        Column("total_fee", N_("Total fees"), "yuan"), Column("total_payment", N_("Total payments"), "yuan"),
    ]
    book = ReportBook(company=company, report=_("Repayment schedules"), as_of=as_of, sheets=[
        ReportSheet(_("Summary"), _("Repayment schedules"), summary_columns, summary,
                    totals={k: int(summary[k].sum()) for k in ("principal", "total_interest", "total_fee",
                                                               "total_payment")}),
        ReportSheet(_("All installments"), _("Every installment"), detail_columns, rows,
                    totals={k: int(rows[k].sum()) for k in sums}),
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
        table = Table(title=_("Repayment schedule {loan}").format(loan=title),
                      caption="  ".join(customer_block(loan)[1:]), show_footer=True)
        for column in columns:
            total = ""
            if column.kind == "yuan" and column.key != "balance":
                total = fen_to_display(int(rows[column.key].sum()))
            elif column.key == "period":
                total = _("Total")
            table.add_column(_(column.header), justify="right" if column.kind != "text" else "left",
                             footer=total, no_wrap=column.kind in ("yuan", "date", "int"))
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
    more = len(result.loans) - limit_loans
    if more > 0:
        console.print(ngettext("… and {count} more loan (see the workbooks).",
                               "… and {count} more loans (see the workbooks).", more).format(count=more),
                      markup=False)


def render_issued(issued: Any, console: Any) -> None:
    """What compute-schedule wrote and marked; letters that found their name taken say where they went."""
    count = len(issued.letters)
    console.print(ngettext("{count} schedule written to {folder}.", "{count} schedules written to {folder}.",
                           count).format(count=count, folder=issued.out_dir), markup=False)
    if issued.marked:
        marked = _("还款明细已出 set to 是 for {count} loans in the ledger.").format(count=len(issued.marked))
        console.print(marked, markup=False)
    for path in [*issued.letters, *([issued.combined] if issued.combined else [])]:
        line = report_line("{path}", path)
        if line != str(path):
            console.print(line, markup=False)
