"""结清审批表: the print-ready approval sheet of a payoff quote, the batch workbook, and the console view.

One sheet per quote: the customer block, the quote table (each component, what goes to the bank and to
the company, how it was worked out), the installments paid and unpaid with what the quote collects of
each, and the signature lines 经办 / 复核 / 审批 with dates. A batch adds a 汇总 sheet in front.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import N_, _
from ..money import fen_to_display
from ..values import iso_date, text_or_blank
from .excel import Column, ReportBook, ReportSheet, contract_sheet_names, rate_text, report_line, write_book
from .labels import METHOD_NAMES, STATE_NAMES, word

STYLE_LABELS = {"card": N_("card-instalment style"), "loan": N_("loan style")}
CURRENT_LABELS = {"full": N_("current interest in full"), "accrued": N_("current interest accrued by days"),
                  "none": N_("current interest not charged")}
PART_STATUS = {"due": N_("due, unpaid"), "current": N_("current period"), "later": N_("not yet due")}
WARNING_LABELS = {  # the workflow's warning codes, for people reading the sheet
    "not-active": N_("Not an active loan: this sheet is for checking only, it cannot be used to settle."),
    "advances-exceed-due": N_("Unrecovered advances exceed the amount due, so the bank's share of the "
                              "amount due is negative (did the customer also pay the bank?). Check before "
                              "paying out."),
    "negative-advances": N_("The customer repaid more advances than the company made: the difference is "
                            "held for the bank."),
    "credit": N_("The customer paid more than the whole schedule; the overpayment is neither offset nor "
                 "refunded here and needs handling by hand."),
}
NOTE_WIDTH = 20  # the note's first sheet column, also the installment table's 状态
EXTRA_WIDTH = 13  # the three sheet columns the note spans, also 罚息 / 结清计收 / 按规则不收
QUOTE_COLUMNS = [Column("item", N_("Item"), "text", 26, wrap=True),
                 Column("amount", N_("Amount (yuan)"), "yuan", 15),
                 Column("to_bank", N_("To the bank"), "yuan", 15),
                 Column("to_company", N_("To the company"), "yuan", 15),
                 Column("note", N_("How it is worked out"), "text", NOTE_WIDTH, wrap=True)]
# the installment table sits under the quote table: its columns are the quote table's sheet columns
INSTALLMENT_HEADERS = [(N_("Period · due date"), "text"), (N_("Due"), "yuan"), (N_("Paid"), "yuan"),
                       (N_("Unpaid"), "yuan"), (N_("Status"), "text"), (N_("Penalty"), "yuan"),
                       (N_("Collected by the payoff"), "yuan"), (N_("Not charged by the rules"), "yuan")]
SUMMARY_COLUMNS = [
    Column("contract_no", N_("Contract no."), "id"), Column("customer_name", N_("Customer")),
    Column("as_of", N_("Settlement date"), "date", 12), Column("style_label", N_("Basis")),
    Column("due_amount", N_("Due, unpaid"), "yuan"), Column("penalty", N_("Penalty"), "yuan"),
    Column("remaining_principal", N_("Remaining principal"), "yuan"),
    Column("current_interest", N_("Current interest / fees"), "yuan"),
    Column("settlement_fee", N_("Early settlement fee"), "yuan"),
    Column("fixed_fees", N_("Fixed fees"), "yuan"),
    Column("total", N_("Settlement total"), "yuan"), Column("to_bank", N_("To the bank"), "yuan"),
    Column("to_company", N_("To the company"), "yuan"),
    Column("unrecovered_advances", N_("Of which unrecovered advances"), "yuan"),
    Column("warning_text", N_("Warning"), "text", 36, wrap=True),
]
SUMMARY_MONEY = ("due_amount", "penalty", "remaining_principal", "current_interest", "settlement_fee",
                 "fixed_fees", "total", "to_bank", "to_company", "unrecovered_advances")
# columns the batch summary leaves out when they are zero (or empty) for every quote
SUMMARY_OPTIONAL = ("penalty", "current_interest", "settlement_fee", "fixed_fees", "unrecovered_advances",
                    "warning_text")


def _day(value: Any) -> str:
    return iso_date(value) or ""


def _gap() -> str:
    return "    "


def customer_block(quote: Any) -> list[str]:
    loan = quote.loan
    rate_label = _("Total fee rate") if quote.method == "flat_fee" else _("Annual rate")
    due_day = text_or_blank(loan.get("bank_due_day"))
    gap = _gap()
    basis = _(STYLE_LABELS[quote.style]) + (
        _(" ({current})").format(current=_(CURRENT_LABELS[quote.current_period_setting]))
        if quote.style == "loan" else _(" (the unpaid fees of the periods after the settlement date; fees "
                                        "paid are not refunded)"))
    lines = [
        gap.join([_("Customer: {name}").format(name=text_or_blank(quote.customer_name)),
                  _("Contract no.: {contract}").format(contract=quote.contract_no),
                  _("ID no.: {id_no}").format(id_no=text_or_blank(loan.get("id_no"))),
                  _("Mobile: {phone}").format(phone=text_or_blank(loan.get("phone")))]),
        gap.join([_("Bank card: {card}").format(card=text_or_blank(loan.get("card_no"))),
                  _("Car model: {model}").format(model=text_or_blank(loan.get("car_model"))),
                  _("Dealer: {dealer}").format(dealer=text_or_blank(loan.get("dealer")))]),
        gap.join([_("Loan amount: {amount} yuan").format(amount=fen_to_display(int(loan["principal"]))),
                  _("{label}: {rate}").format(label=rate_label, rate=rate_text(quote.rate)),
                  _("Term: {term} months").format(term=text_or_blank(loan.get("term"))),
                  _("Repayment method: {method}").format(method=word(METHOD_NAMES, quote.method)),
                  _("Pickup date: {day}").format(day=_day(loan.get("pickup_date"))),
                  *([_("Monthly due day: {day}").format(day=due_day)] if due_day else [])]),
        gap.join([_("Settlement date: {day}").format(day=quote.as_of.isoformat()),
                  _("Basis: {basis}").format(basis=basis)]),
    ]
    return lines


def alerts(quote: Any) -> list[str]:
    """The warnings nobody may miss, boxed above the quote: an inactive loan, then the amounts to check."""
    out = []
    if quote.status != "active":
        settled = _day(quote.loan.get("settled_on"))
        state = word(STATE_NAMES, quote.status, quote.status)
        if settled:
            out.append(_("NOTE: this loan is {state} (settled on {day}), not active: this sheet is for "
                         "checking only, it cannot be used to settle.").format(state=state, day=settled))
        else:
            out.append(_("NOTE: this loan is {state}, not active: this sheet is for checking only, it cannot "
                         "be used to settle.").format(state=state))
    out += [_("NOTE: {warning}").format(warning=_(WARNING_LABELS[code]))
            for code, _message in quote.warnings if code != "not-active"]
    return out


def quote_rows(quote: Any) -> list[dict[str, Any]]:
    """The quote table: every component with its recipient(s) and how it was worked out."""
    a = quote.amounts
    inst = quote.installments
    due = inst[inst["part"].eq("due") & inst["unpaid"].gt(0)]
    charge_word = _("fees") if quote.method == "flat_fee" else _("interest")
    if len(due):
        due_note = _("{count} periods unpaid: principal {principal}, {charge} {amount}").format(
            count=len(due), principal=fen_to_display(a["due_principal"]), charge=charge_word,
            amount=fen_to_display(a["due_charge"]))
    else:
        due_note = _("none")
    if a["unrecovered_advances"]:
        due_note += _("; of which {amount} are company advances not yet recovered, to the company").format(
            amount=fen_to_display(a["unrecovered_advances"]))
    rows = [{
        "item": _("Due and unpaid (incl. due on the settlement date)"), "amount": a["due_amount"],
        "to_bank": a["bank_due"], "to_company": a["unrecovered_advances"], "note": due_note,
    }, {
        "item": _("Penalty"), "amount": a["penalty"], "to_bank": 0, "to_company": a["penalty"],
        "note": (_("{count} periods overdue: unpaid amount × daily penalty rate × days overdue, period by "
                   "period").format(count=quote.overdue_periods)
                 if quote.overdue_periods else _("not overdue")),
    }, {
        "item": _("Remaining principal"), "amount": a["remaining_principal"],
        "to_bank": a["remaining_principal"], "to_company": 0,
        "note": _("the unpaid principal of the periods due after the settlement date (less any prepaid)"),
    }, {
        "item": _("Remaining fees") if quote.style == "card" else _("Current interest"),
        "amount": a["current_interest"], "to_bank": a["current_interest"], "to_company": 0,
        "note": _current_note(quote),
    }]
    if quote.style == "loan":
        bank = quote.fee_to == "bank"
        fee = a["settlement_fee"]
        rows.append({"item": _("Early settlement fee"), "amount": fee, "to_bank": fee if bank else 0,
                     "to_company": 0 if bank else fee,
                     "note": (_("remaining principal × fee rate {rate}, to the bank") if bank else
                              _("remaining principal × fee rate {rate}, to the company")).format(
                                  rate=rate_text(quote.fee_rate))})
    for name, amount in quote.fixed_fee_items:
        rows.append({"item": _("Fixed fee: {name}").format(name=name), "amount": amount, "to_bank": 0,
                     "to_company": amount,
                     "note": _("loantool.toml [settlement.fixed_fees], to the company")})
    return rows


def _current_note(quote: Any) -> str:
    current = quote.current
    if current is None:
        return _("the settlement date is after the last due date: no current period")
    if quote.style == "card":
        return _("the unpaid fees of period {period} onwards (fees paid are not refunded)").format(
            period=current["period"])
    head = _("period {period} ({start} to {due})").format(
        period=current["period"], start=current["start_date"], due=current["due_date"])
    if quote.current_period_setting == "accrued":
        return _("{head}: interest by days, {elapsed} of {days} days elapsed, less the interest paid (an "
                 "overpayment is not refunded)").format(head=head, elapsed=current["days_elapsed"],
                                                        days=current["days_in_period"])
    if quote.current_period_setting == "none":
        return _("{head}: interest not charged").format(head=head)
    return _("{head}: interest in full, less what was paid").format(head=head)


def installment_rows(quote: Any) -> list[tuple[list[Any], bool]]:
    """(cells, overdue) per installment for the table under the quote."""
    out = []
    for r in quote.installments.itertuples(index=False):
        if r.part == "due":
            status = (_("paid") if r.unpaid == 0 else
                      _("{days} days overdue").format(days=int(r.penalty_days)) if r.overdue else
                      _("due, unpaid"))
        else:
            status = _(PART_STATUS[r.part]) + (_(" (prepaid)") if r.unpaid == 0 else "")
        collected = int(r.quoted_principal + r.quoted_charge)
        period = _("Period {period}  {day}").format(period=int(r.period), day=_day(r.due_date))
        cells = [period, int(r.amount_due), int(r.paid), int(r.unpaid), status, int(r.penalty), collected,
                 int(r.not_charged)]
        out.append((cells, bool(r.overdue)))
    return out


def signature_lines(prepared_by: str | None, approved_by: str | None) -> list[str]:
    blank = "____________"
    lines = [(_("Prepared by: {name}"), prepared_by), (_("Reviewed by: {name}"), None),
             (_("Approved by: {name}"), approved_by)]
    return [_gap().join([label.format(name=name or blank), _("Signature: {blank}").format(blank=blank),
                         _("Date: {blank}").format(blank=blank)]) for label, name in lines]


def _below(quote: Any, prepared_by: str | None, approved_by: str | None, recorded: str | None) -> Any:
    """Under the quote's total: the signature lines (still page 1), then from page 2 the installments
    paid and unpaid under their own header, repeated on every page."""

    def after(workbook: Any, ws: Any, context: dict[str, Any], row: int) -> int:
        fmt = context["formats"]
        if recorded:
            ws.write_string(row, 0, recorded, fmt.signature)
            row += 2
        for line in signature_lines(prepared_by, approved_by):
            ws.write_string(row, 0, line, fmt.signature)
            ws.set_row(row, 28)
            row += 1
        row += 1
        context["breaks"].append(row)  # the detail starts on page 2: the signatures stay with the total
        ws.write_string(row, 0, _("Installments paid and unpaid"), fmt.title)
        ws.write_string(row + 1, 0, _("Contract no. {contract}  {customer}  settlement date {day}").format(
            contract=quote.contract_no, customer=text_or_blank(quote.customer_name),
            day=quote.as_of.isoformat()),
            fmt.note)
        row += 2
        ws.repeat_rows(row)  # a long list continues on the next page under its own header
        for col, (header, _kind) in enumerate(INSTALLMENT_HEADERS):
            ws.write_string(row, col, _(header), fmt.header)
        ws.set_row(row, 30)
        sums = [0] * len(INSTALLMENT_HEADERS)
        for cells, hot in installment_rows(quote):
            row += 1
            for col, ((_header, kind), value) in enumerate(zip(INSTALLMENT_HEADERS, cells, strict=True)):
                style = (fmt.hot if hot else fmt.cells)[kind]
                if kind == "yuan":
                    ws.write_number(row, col, value / 100, style)
                    sums[col] += value
                else:
                    ws.write_string(row, col, value, style)
        row += 1
        for col, (_header, kind) in enumerate(INSTALLMENT_HEADERS):
            if kind == "yuan":
                ws.write_number(row, col, sums[col] / 100, fmt.total["yuan"])
            else:
                ws.write_string(row, col, _("Total") if col == 0 else "", fmt.total["text"])
        return row

    return after


def approval_sheet(quote: Any, *, name: str | None = None, prepared_by: str | None = None,
                   approved_by: str | None = None, recorded: str | None = None) -> ReportSheet:
    a = quote.amounts
    return ReportSheet(
        name=name or _("Settlement approval"),
        title=_("Early settlement approval"),
        columns=QUOTE_COLUMNS, rows=quote_rows(quote),
        totals={"item": _("Settlement total (payable by the customer)"), "amount": a["total"],
                "to_bank": a["to_bank"], "to_company": a["to_company"],
                "note": _("to the bank + to the company = settlement total")},
        notes=customer_block(quote), alerts=alerts(quote), landscape=True, repeat_header=False,
        span_last=(EXTRA_WIDTH,) * 3,
        page_header=_("Early settlement approval  {contract}  {customer}").format(
            contract=quote.contract_no, customer=text_or_blank(quote.customer_name)),
        after=_below(quote, prepared_by, approved_by, recorded))


def write_quote(result: Any, path: Path, company: str) -> Path:
    quote = result.quote
    recorded = None
    if result.confirmed:
        recorded = _("Recorded in the ledger: one settlement record, loan status set to settled, settlement "
                     "date {day} (approved by {approved_by}, prepared by {prepared_by}, recorded on "
                     "{today}).").format(
            day=quote.as_of.isoformat(), approved_by=result.approved_by, prepared_by=result.prepared_by,
            today=dt.date.today().isoformat())
    sheet = approval_sheet(quote, prepared_by=result.prepared_by, approved_by=result.approved_by,
                           recorded=recorded)
    return write_book(path, ReportBook(company=company, report=_("Early settlement approval"), as_of=None,
                                       sheets=[sheet]))



def _warning_text(quote: Any) -> str:
    codes = [code for code, _message in quote.warnings]
    return _("; ").join(_(WARNING_LABELS[code]) for code in codes)


def summary_frame(quotes: list[Any]) -> pd.DataFrame:
    return pd.DataFrame([{
        "contract_no": q.contract_no, "customer_name": q.customer_name, "as_of": q.as_of,
        "style_label": _(STYLE_LABELS[q.style]), **{k: q.amounts[k] for k in SUMMARY_MONEY},
        "warning_text": _warning_text(q),
    } for q in quotes], columns=[c.key for c in SUMMARY_COLUMNS])


def summary_columns(frame: pd.DataFrame) -> list[Column]:
    """The summary's columns without those that are zero or empty for every quote: a column of
    nothing only squeezes the page."""
    def empty(key: str) -> bool:
        values = frame[key]
        return bool(values.eq("").all()) if key == "warning_text" else bool(values.eq(0).all())

    return [c for c in SUMMARY_COLUMNS if c.key not in SUMMARY_OPTIONAL or not empty(c.key)]


def write_batch(result: Any, path: Path, company: str, as_of: Any) -> Path:
    """汇总 (one row per quote, totals, signature lines) and one approval sheet per quote."""
    frame = summary_frame(result.quotes)
    columns = summary_columns(frame)
    summary = ReportSheet(
        _("Summary"), _("Early settlements  {file}").format(file=Path(result.batch_path).name), columns,
        frame,
        totals={"contract_no": _("Total"), "customer_name": _("{count} loans").format(count=len(frame)),
                **{k: int(frame[k].sum()) for k in SUMMARY_MONEY}},
        highlight=list(frame["warning_text"].ne("")), landscape=True,
        footer=["", *signature_lines(None, None)])
    names = contract_sheet_names([q.contract_no for q in result.quotes], [_("Summary")])
    sheets = [summary] + [approval_sheet(q, name=n) for q, n in zip(result.quotes, names, strict=True)]
    return write_book(path, ReportBook(company=company, report=_("Early settlements"), as_of=as_of,
                                       sheets=sheets))


# ------------------------------------------------------------------------------------------- console


def _quote_table(quote: Any) -> Any:
    from rich.table import Table

    a = quote.amounts
    title = _("Early settlement {contract} {customer}  settlement date {day}").format(
        contract=quote.contract_no, customer=text_or_blank(quote.customer_name), day=quote.as_of.isoformat())
    table = Table(title=title, caption=_("Basis: {basis}").format(basis=_(STYLE_LABELS[quote.style])),
                  show_footer=True)
    table.add_column(_("Item"), footer=_("Settlement total"), overflow="fold")
    table.add_column(_("Amount"), justify="right", footer=fen_to_display(a["total"]), no_wrap=True)
    table.add_column(_("To the bank"), justify="right", footer=fen_to_display(a["to_bank"]), no_wrap=True)
    table.add_column(_("To the company"), justify="right", footer=fen_to_display(a["to_company"]),
                     no_wrap=True)
    for row in quote_rows(quote):
        table.add_row(row["item"], fen_to_display(row["amount"]), fen_to_display(row["to_bank"]),
                      fen_to_display(row["to_company"]))
    return table


def render_console(result: Any, console: Any) -> None:
    console.print(_quote_table(result.quote))
    if result.confirmed:
        console.print(_("Recorded: {contract} settled on {day} (approved by {name}).").format(
            contract=result.quote.contract_no, day=result.quote.as_of.isoformat(), name=result.approved_by),
            markup=False)
    if result.report_path is not None:
        console.print(report_line(_("Approval sheet: {path}"), result.report_path), markup=False)


def render_batch_console(result: Any, console: Any) -> None:
    from rich.table import Table

    table = Table(title=_("Early settlements {file}").format(file=Path(result.batch_path).name),
                  show_footer=True)
    totals = result.totals()
    table.add_column(_("Contract no."), footer=_("Total"), no_wrap=True)
    table.add_column(_("Customer"), footer=_("{count} loans").format(count=len(result.quotes)),
                     overflow="fold")
    table.add_column(_("Settlement date"), no_wrap=True)
    for key, header in (("total", N_("Settlement total")), ("to_bank", N_("To the bank")),
                        ("to_company", N_("To the company"))):
        table.add_column(_(header), justify="right", footer=fen_to_display(totals[key]), no_wrap=True)
    for q in result.quotes:
        a = q.amounts
        table.add_row(q.contract_no, text_or_blank(q.customer_name), q.as_of.isoformat(),
                      fen_to_display(a["total"]), fen_to_display(a["to_bank"]),
                      fen_to_display(a["to_company"]))
    console.print(table)
    if result.report_path is not None:
        console.print(report_line(_("Approval sheets: {path}"), result.report_path), markup=False)
