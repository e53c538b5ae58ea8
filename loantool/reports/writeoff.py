"""核销审批表: the print-ready write-off approval sheet, the batch workbook, and the console view.

One page per loan: the customer block, the amounts written off (核销本金, 核销利息, 核销罚息 and their
total, 未收回垫款 beside them – not added), the loan's history in brief (disbursed, paid, advanced, DPD,
class since when), whether it may be written off, and the signature lines 经办 / 复核 / 审批 with dates.
A batch adds a 汇总 sheet in front.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import N_, _, ngettext
from ..money import fen_to_display
from ..values import iso_date, text_or_blank
from .excel import (
    Column,
    ReportBook,
    ReportSheet,
    contract_sheet_names,
    display_width,
    report_line,
    write_alerts,
    write_book,
)
from .labels import CLASS_NAMES, word

AMOUNT_COLUMNS = [
    Column("item", N_("Item"), "text", 24),
    Column("amount", N_("Amount (yuan)"), "yuan", 16),
    Column("note", N_("Note"), "text", 62),
]
SUMMARY_COLUMNS = [
    Column("contract_no", N_("Contract no."), "id", 18),
    Column("customer_name", N_("Customer"), "text", 10),
    Column("as_of", N_("Write-off date"), "date", 12),
    Column("class_label", N_("Class"), "text", 8),
    Column("dpd", N_("Days overdue"), "int", 8),
    Column("principal", N_("Principal written off"), "yuan", 15),
    Column("interest", N_("Interest written off"), "yuan", 15),
    Column("penalty", N_("Penalty written off"), "yuan", 15),
    Column("total", N_("Total written off"), "yuan", 15),
    Column("unrecovered_advances", N_("Unrecovered advances"), "yuan", 15),
    Column("verdict", N_("May it be written off"), "text", 40),
]
SUMMARY_SHEET = N_("Summary")


def _day(value: Any) -> str:
    return iso_date(value) or ""


def _class(quote: Any) -> str:
    return word(CLASS_NAMES, quote.classification, "—")


def customer_block(quote: Any) -> list[str]:
    loan = quote.loan
    return [
        _("Customer: {name}    Contract no.: {contract}    ID number: {id_no}    Mobile: {phone}").format(
            name=text_or_blank(quote.customer_name), contract=quote.contract_no,
            id_no=text_or_blank(loan.get("id_no")), phone=text_or_blank(loan.get("phone"))),
        _("Bank card: {card}    Car model: {car}    Dealer: {dealer}").format(
            card=text_or_blank(loan.get("card_no")), car=text_or_blank(loan.get("car_model")),
            dealer=text_or_blank(loan.get("dealer"))),
        _("Write-off date: {day}    Class: {label} (since {since})    Days overdue: {dpd}").format(
            day=quote.as_of.isoformat(), label=_class(quote), since=_day(quote.class_since) or "—",
            dpd=quote.dpd),
    ]


def amount_rows(quote: Any) -> list[dict[str, Any]]:
    a = quote.amounts
    h = quote.history
    return [
        {
            "item": _("Principal written off"),
            "amount": a["principal"],
            "note": _("outstanding principal on {day}: {loan} lent − {paid} principal repaid").format(
                day=quote.as_of.isoformat(),
                loan=fen_to_display(h["loan_principal"]),
                paid=fen_to_display(h["principal_paid"]),
            ),
        },
        {
            "item": _("Interest written off"),
            "amount": a["interest"],
            "note": _("unpaid interest and fees of the installments due on or before {day}").format(
                day=quote.as_of.isoformat()
            ),
        },
        {
            "item": _("Penalty written off"),
            "amount": a["penalty"],
            "note": _("penalty to {day}: {periods} overdue installments, unpaid × daily rate × days").format(
                day=quote.as_of.isoformat(), periods=int(h["overdue_periods"])
            ),
        },
    ]


def history_rows(quote: Any) -> list[list[Any]]:
    """The loan's history in brief: (item, amount in fen or text, note)."""
    h = quote.history
    loan = quote.loan
    label = _class(quote)
    last = _day(h["last_payment"]) or "—"
    since = _day(quote.class_since) or "—"
    return [
        [_("Loan amount"), h["loan_principal"],
         _("pickup date {day}").format(day=_day(loan.get("pickup_date")))],
        [_("Paid by the customer (advance repayments included)"), h["customer_paid"],
         _("of which principal {principal}; last customer payment {day}").format(
             principal=fen_to_display(h["principal_paid"]), day=last)],
        [_("Company advances"), h["advances"],
         _("advances repaid by the customer {repaid}; unrecovered {unrecovered}").format(
             repaid=fen_to_display(h["advances_repaid"]),
             unrecovered=fen_to_display(quote.amounts["unrecovered_advances"]))],
        [_("Overdue amount"), h["overdue_amount"],
         _("{periods} periods overdue, oldest unpaid due date {day}, {dpd} days overdue").format(
             periods=int(h["overdue_periods"]), day=_day(h["oldest_unpaid_due"]) or "—", dpd=quote.dpd)],
        [_("Class"), label, _("{label} since {since}").format(label=label, since=since)],
    ]


def signature_lines(prepared_by: str | None, reviewed_by: str | None, approved_by: str | None) -> list[str]:
    blank = "____________"
    lines = [(_("Prepared by: {name}"), prepared_by), (_("Reviewed by: {name}"), reviewed_by),
             (_("Approved by: {name}"), approved_by)]
    return ["    ".join([label.format(name=name or blank), _("Signature: {blank}").format(blank=blank),
                         _("Date: {blank}").format(blank=blank)]) for label, name in lines]


def _verdict(quote: Any) -> str:
    if quote.eligible:
        return _("may be written off")
    return _("cannot be written off: {reasons}").format(reasons=_("; ").join(m for _c, m in quote.reasons))


def _below(quote: Any, prepared_by: str | None, reviewed_by: str | None, approved_by: str | None,
           recorded: str | None) -> Any:
    def after(workbook: Any, ws: Any, context: dict[str, Any], row: int) -> None:
        fmt = context["formats"]
        beside = context["last_row"] + 1  # right under the total: shown beside it, never added
        ws.write_string(beside, 0, _("Unrecovered advances (beside, not added)"), fmt.cells["text"])
        ws.write_number(beside, 1, quote.amounts["unrecovered_advances"] / 100, fmt.cells["yuan"])
        ws.write_string(beside, 2, _("advanced to the bank by the company and not repaid by the customer"),
                        fmt.cells["text"])
        row = beside + 2
        ws.write_string(row, 0, _("The loan in brief"), fmt.title)
        row += 1
        for col, header in enumerate((N_("Item"), N_("Amount (yuan)"), N_("Note"))):
            ws.write_string(row, col, _(header), fmt.header)
        for item, value, note in history_rows(quote):
            row += 1
            ws.write_string(row, 0, item, fmt.cells["text"])
            if isinstance(value, str):
                ws.write_string(row, 1, value, fmt.cells["text"])
            else:
                ws.write_number(row, 1, int(value) / 100, fmt.cells["yuan"])
            ws.write_string(row, 2, note, fmt.cells["text"])
        row += 2
        verdict = _("Verdict: {verdict}.").format(verdict=_verdict(quote))
        if quote.eligible:
            ws.write_string(row, 0, verdict, fmt.signature)
            row += 2
        else:  # a refusal in the red box across the table, as every report's alerts
            width = sum(float(c.width or 0) for c in _amount_columns(quote))
            row = write_alerts(ws, fmt, row, len(AMOUNT_COLUMNS) - 1, [verdict], width) + 1
        if recorded:
            ws.write_string(row, 0, recorded, fmt.signature)
            row += 2
        for line in signature_lines(prepared_by, reviewed_by, approved_by):
            ws.write_string(row, 0, line, fmt.signature)
            ws.set_row(row, 30)
            row += 1

    return after


def _amount_columns(quote: Any) -> list[Column]:
    """AMOUNT_COLUMNS with the item column as wide as the longest item in the run's language (English
    items are longer) and the note column narrower by as much: the printed width stays the same."""
    items = [r["item"] for r in amount_rows(quote)] + [r[0] for r in history_rows(quote)] + [
        _("Unrecovered advances (beside, not added)"), _("Total written off")]
    item, amount, note = AMOUNT_COLUMNS
    width = max(float(item.width or 0), max(display_width(text) for text in items) + 2)
    spare = width - float(item.width or 0)
    return [replace(item, width=width), amount, replace(note, width=float(note.width or 0) - spare)]


def approval_sheet(
    quote: Any,
    *,
    name: str | None = None,
    prepared_by: str | None = None,
    reviewed_by: str | None = None,
    approved_by: str | None = None,
    recorded: str | None = None,
) -> ReportSheet:
    return ReportSheet(
        name=name or _("Write-off approval"),
        title=_("Loan write-off approval  contract no. {contract}  write-off date {day}").format(
            contract=quote.contract_no, day=quote.as_of.isoformat()),
        columns=_amount_columns(quote),
        rows=amount_rows(quote),
        totals={
            "item": _("Total written off"),
            "amount": quote.amounts["total"],
            "note": _("principal + interest + penalty written off"),
        },
        highlight=[not quote.eligible] * 3,
        notes=customer_block(quote),
        landscape=True,
        repeat_header=False,
        after=_below(quote, prepared_by, reviewed_by, approved_by, recorded),
    )


def write_quote(result: Any, path: Path, company: str) -> Path:
    quote = result.quote
    recorded = None
    if result.written_off:
        recorded = _(
            "Recorded in the ledger: one 核销记录 row; 状态 核销, 核销日期 {day} (approved by {approver}, "
            "prepared by {preparer}, on {today})."
        ).format(
            day=quote.as_of.isoformat(),
            approver=result.approved_by,
            preparer=result.prepared_by,
            today=dt.date.today().isoformat(),
        )
    sheet = approval_sheet(
        quote,
        prepared_by=result.prepared_by,
        reviewed_by=result.reviewed_by,
        approved_by=result.approved_by,
        recorded=recorded,
    )
    return write_book(path, ReportBook(company=company, report=_("Loan write-off approval"), as_of=None,
                                       sheets=[sheet]))



def summary_frame(quotes: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "contract_no": q.contract_no,
                "customer_name": q.customer_name,
                "as_of": q.as_of,
                "class_label": word(CLASS_NAMES, q.classification),
                "dpd": q.dpd,
                **{
                    k: q.amounts[k]
                    for k in ("principal", "interest", "penalty", "total", "unrecovered_advances")
                },
                "verdict": _verdict(q),
            }
            for q in quotes
        ],
        columns=[c.key for c in SUMMARY_COLUMNS],
    )


def write_batch(result: Any, path: Path, company: str, as_of: Any) -> Path:
    frame = summary_frame(result.quotes)
    money = ("principal", "interest", "penalty", "total", "unrecovered_advances")
    summary = ReportSheet(
        _(SUMMARY_SHEET),
        _("Loan write-offs  {file}").format(file=Path(result.batch_path).name),
        SUMMARY_COLUMNS,
        frame,
        totals={
            "contract_no": _("Total"),
            "customer_name": _loans(len(frame)),
            **{k: int(frame[k].sum()) for k in money},
        },
        highlight=[not q.eligible for q in result.quotes],
        landscape=True,
        footer=["", *signature_lines(None, None, None)],
    )
    names = contract_sheet_names([q.contract_no for q in result.quotes], [_(SUMMARY_SHEET)])
    sheets = [summary] + [approval_sheet(q, name=n) for q, n in zip(result.quotes, names, strict=True)]
    return write_book(path, ReportBook(company=company, report=_("Loan write-offs"), as_of=as_of,
                                       sheets=sheets))


def _loans(count: int) -> str:
    return ngettext("{count} loan", "{count} loans", count).format(count=count)


# ------------------------------------------------------------------------------------------- console


def _quote_table(quote: Any) -> Any:
    from rich.table import Table

    title = _("Write-off {contract} {name}  write-off date {day}").format(
        contract=quote.contract_no, name=text_or_blank(quote.customer_name), day=quote.as_of.isoformat())
    table = Table(
        title=" ".join(title.split()),
        show_footer=True,
        caption=_("{label}  {dpd} days overdue").format(label=_class(quote), dpd=quote.dpd),
    )
    table.add_column(_("Item"), footer=_("Total written off"))
    table.add_column(_("Amount"), justify="right", footer=fen_to_display(quote.amounts["total"]),
                     no_wrap=True)
    for row in amount_rows(quote):
        table.add_row(row["item"], fen_to_display(row["amount"]))
    table.add_row(_("(unrecovered advances, not added)"),
                  fen_to_display(quote.amounts["unrecovered_advances"]))
    return table


def render_console(result: Any, console: Any) -> None:
    quote = result.quote
    console.print(_quote_table(quote))
    if not quote.eligible:
        console.print(_("Verdict: {verdict}.").format(verdict=_verdict(quote)), markup=False)
    if result.written_off:
        console.print(
            _("Recorded: {contract} written off on {day} (approved by {approver}).").format(
                contract=quote.contract_no, day=quote.as_of.isoformat(), approver=result.approved_by
            ),
            markup=False,
        )
    if result.report_path is not None:
        console.print(report_line(_("Approval sheet: {path}"), result.report_path), markup=False,
                      soft_wrap=True)


def render_batch_console(result: Any, console: Any) -> None:
    from rich.table import Table

    totals = result.totals()
    table = Table(title=_("Loan write-offs  {file}").format(file=Path(result.batch_path).name),
                  show_footer=True)
    table.add_column(_("Contract no."), footer=_("Total"), no_wrap=True)
    table.add_column(_("Customer"), footer=_loans(len(result.quotes)))
    table.add_column(_("Write-off date"), no_wrap=True)
    table.add_column(_("Class"))
    for key, header in (
        ("principal", N_("Principal written off")),
        ("interest", N_("Interest written off")),
        ("penalty", N_("Penalty written off")),
        ("total", N_("Total written off")),
    ):
        table.add_column(_(header), justify="right", footer=fen_to_display(totals[key]), no_wrap=True)
    for q in result.quotes:
        a = q.amounts
        table.add_row(
            q.contract_no,
            text_or_blank(q.customer_name),
            q.as_of.isoformat(),
            word(CLASS_NAMES, q.classification, "—"),
            fen_to_display(a["principal"]),
            fen_to_display(a["interest"]),
            fen_to_display(a["penalty"]),
            fen_to_display(a["total"]),
        )
    console.print(table)
    if result.report_path is not None:
        console.print(report_line(_("Approval sheets: {path}"), result.report_path), markup=False,
                      soft_wrap=True)
