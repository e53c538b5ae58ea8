"""客户对账单: the statement workbook (installments, how each payment was allocated, advances, the
settlement quote) and its console summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..i18n import N_, _
from ..money import fen_to_display, rate_to_str
from ..values import as_date, is_missing
from .console import column_width
from .excel import Column, ReportBook, ReportSheet, report_line, write_book
from .labels import METHOD_NAMES, PAYMENT_NAMES, STATE_NAMES, word

YUAN = 13
QUOTE_ITEMS = (("due_amount", N_("Due, unpaid")), ("penalty", N_("Penalty")),
               ("remaining_principal", N_("Remaining principal")),
               ("current_interest", N_("Current interest / fees")),
               ("settlement_fee", N_("Early settlement fee")), ("fixed_fees", N_("Fixed fees")),
               ("total", N_("Settlement total")), ("to_bank", N_("of which to the bank")),
               ("to_company", N_("of which to the company")))
SIGNATURES = N_("Prepared by: ____________    Checked by: ____________    Customer's signature: "
                "____________    Date: ____________")


def _status(row: Any, as_of: Any) -> str:
    if int(row.unpaid) == 0:
        return _("paid off")
    if as_date(row.due_date) > as_of:
        return _("partly paid ahead") if int(row.paid) else _("not yet due")
    if bool(row.overdue):
        return _("overdue")
    return _("due, unpaid (in grace)") if int(row.unpaid) else _("paid off")


def _percent(rate: int) -> str:
    """A rate with at least two decimals (4.75%, 5.10%, 6.00%; 3.875% stays exact)."""
    text = rate_to_str(rate).rstrip("%")
    whole, _dot, part = text.partition(".")
    return f"{whole}.{part.ljust(2, '0')}%"


def _yuan(fen: int) -> str:
    return _("{amount} yuan").format(amount=fen_to_display(fen))


def _customer_lines(statement: Any) -> list[str]:
    loan, quote = statement.quote.loan, statement.quote
    pickup = as_date(loan.get("pickup_date"))
    rate = _("total fee rate {rate}") if quote.method == "flat_fee" else _("annual rate {rate}")
    return [
        _("Contract no. {contract}    Customer {name}    ID number {id_no}    Mobile {phone}").format(
            contract=statement.contract_no, name=quote.customer_name or "", id_no=loan.get("id_no") or "",
            phone=loan.get("phone") or ""),
        _("Loan amount {principal}    {term} periods    {method}    {rate}    Pickup date {pickup}    "
          "Repayment card {card}    Dealer {dealer}").format(
            principal=_yuan(int(loan["principal"])), term=int(loan["term"]),
            method=word(METHOD_NAMES, quote.method, str(quote.method)),
            rate=rate.format(rate=_percent(quote.rate)),
            pickup=pickup.isoformat() if pickup else "", card=loan.get("card_no") or "",
            dealer=loan.get("dealer") or ""),
        _("As of {day}, status: {status}").format(day=statement.as_of.isoformat(),
                                                   status=word(STATE_NAMES, quote.status)),
    ]


def _summary_lines(statement: Any) -> list[str]:
    t, q = statement.totals, statement.quote.amounts
    return [
        _("Paid by the customer {paid} (to the schedule {scheduled}, beyond the schedule {credit}); due and "
          "unpaid {due}, of which overdue {overdue}; penalty {penalty}; not yet due {later}; remaining "
          "principal {principal}.").format(
            paid=_yuan(t["customer_paid"]), scheduled=_yuan(t["paid"]), credit=_yuan(t["credit"]),
            due=_yuan(t["due_unpaid"]), overdue=_yuan(t["overdue_amount"]), penalty=_yuan(t["penalty"]),
            later=_yuan(t["not_yet_due"]), principal=_yuan(t["outstanding_principal"])),
        _("Company advances {advances}, advances repaid by the customer {repaid}, unrecovered advances "
          "{unrecovered}.").format(advances=_yuan(t["advances"]), repaid=_yuan(t["advances_repaid"]),
                                   unrecovered=_yuan(t["unrecovered_advances"])),
        _("Early settlement as of {day}: {total} (to the bank {bank}, to the company {company}); details on "
          "the sheet {sheet}.").format(day=statement.as_of.isoformat(), total=_yuan(q["total"]),
                                       bank=_yuan(q["to_bank"]), company=_yuan(q["to_company"]),
                                       sheet=_(QUOTE_SHEET)),
        _(SIGNATURES),
    ]


QUOTE_SHEET = N_("Settlement quote")


def _installment_rows(statement: Any) -> list[dict[str, Any]]:
    return [{"period": int(r.period), "due_date": r.due_date, "principal": int(r.principal),
             "charge": int(r.charge), "amount_due": int(r.amount_due), "paid_charge": int(r.paid_charge),
             "paid_principal": int(r.paid_principal), "paid": int(r.paid), "unpaid": int(r.unpaid),
             "paid_on": None if is_missing(r.fully_paid_on) else r.fully_paid_on,
             "status": _status(r, statement.as_of), "penalty_days": int(r.penalty_days) or None,
             "penalty": int(r.penalty), "overdue": bool(r.overdue)}
            for r in statement.installments.sort_values("period").itertuples(index=False)]


def installments_sheet(statement: Any) -> ReportSheet:
    rows = _installment_rows(statement)
    columns = [Column("period", N_("Period no."), "int", 6), Column("due_date", N_("Due on"), "date", 12),
               Column("principal", N_("Principal part"), "yuan", YUAN),
               Column("charge", N_("Interest / fee"), "yuan", YUAN),
               Column("amount_due", N_("Due in all"), "yuan", YUAN),
               Column("paid_charge", N_("Interest / fee paid"), "yuan", YUAN),
               Column("paid_principal", N_("Principal paid"), "yuan", YUAN),
               Column("paid", N_("Paid in all"), "yuan", YUAN),
               Column("unpaid", N_("Unpaid"), "yuan", YUAN), Column("paid_on", N_("Paid off on"), "date", 12),
               Column("status", N_("Status"), "text", 12),
               Column("penalty_days", N_("Penalty days"), "int", 8),
               Column("penalty", N_("Penalty"), "yuan", YUAN)]
    sums = ("principal", "charge", "amount_due", "paid_charge", "paid_principal", "paid", "unpaid", "penalty")
    return ReportSheet(_("Statement"), _("Customer statement"), columns, rows,
                       totals={k: sum(r[k] for r in rows) for k in sums},
                       highlight=[r["overdue"] for r in rows], notes=_customer_lines(statement),
                       footer=_summary_lines(statement), landscape=True)


def allocation_sheet(statement: Any) -> ReportSheet:
    rows: list[dict[str, Any]] = []
    for p in statement.payments:
        kind = word(PAYMENT_NAMES, p["type"], str(p["type"]))
        base = {"date": p["date"], "amount": p["amount"], "type": kind, "bank_ref": p["bank_ref"],
                "note": p["note"]}
        if not p["counts"]:
            rows.append({**base, "use": _("paid to the bank for the customer, still owed")})
            continue
        if not p["allocations"]:
            rows.append({**base, "use": _("beyond the schedule") if p["credit"] else ""})
        for i, (period, charge, principal) in enumerate(p["allocations"]):
            rows.append({**(base if i == 0 else {}), "period": period, "charge": charge,
                         "principal": principal})
        if p["credit"] and p["allocations"]:
            rows.append({"use": _("beyond the schedule"), "credit": p["credit"]})
        elif p["credit"]:
            rows[-1]["credit"] = p["credit"]
    columns = [Column("date", N_("Transaction date"), "date", 12),
               Column("amount", N_("Amount"), "yuan", YUAN),
               Column("type", N_("Type"), "text", 10), Column("bank_ref", N_("Bank reference"), "id", 18),
               Column("period", N_("Allocated to period"), "int", 10),
               Column("charge", N_("Interest / fee"), "yuan", YUAN),
               Column("principal", N_("Principal part"), "yuan", YUAN),
               Column("credit", N_("Beyond the schedule"), "yuan", YUAN),
               Column("use", N_("Note"), "text", 20), Column("note", N_("Remarks"), "text", 16)]
    customer = [p for p in statement.payments if p["counts"]]
    totals = {"amount": sum(p["amount"] for p in customer),
              "charge": sum(c for p in customer for _, c, _ in p["allocations"]),
              "principal": sum(q for p in customer for _, _, q in p["allocations"]),
              "credit": sum(p["credit"] for p in customer), "type": _("Customer payments in all")}
    notes = [_("Customer payments and advance repayments pay, in the order of their dates, the oldest "
               "unpaid period first: interest / fee first, then principal (on the same day in the ledger's "
               "row order). A company advance pays the bank for the customer and does not reduce what the "
               "customer owes.")]
    return ReportSheet(_("Allocation"), _("How each payment was allocated"), columns, rows, totals=totals,
                       notes=notes, landscape=True)


def quote_sheet(statement: Any) -> ReportSheet:
    amounts = statement.quote.amounts
    rows = [{"item": _(name), "amount": amounts[key]} for key, name in QUOTE_ITEMS]
    columns = [Column("item", N_("Item"), "text", 20), Column("amount", N_("Amount"), "yuan", 16)]
    notes = [_("Worked out by the same rules as the settle command (as of {day}); a settlement follows its "
               "approval sheet.").format(day=statement.as_of.isoformat()),
             *(message for _code, message in statement.quote.warnings)]
    return ReportSheet(_(QUOTE_SHEET), _("Early settlement quote"), columns, rows, notes=notes)


def build_book(statement: Any, company: str) -> ReportBook:
    return ReportBook(company=company, report=_("Customer statement"), as_of=statement.as_of,
                      sheets=[installments_sheet(statement), allocation_sheet(statement),
                              quote_sheet(statement)])


def write_statement(statement: Any, path: Path, company: str) -> Path:
    return write_book(path, build_book(statement, company))


def render_console(statement: Any, console: Any) -> None:
    """The customer block, the totals and the settlement total; the installments not fully paid."""
    from rich.table import Table

    for line in _customer_lines(statement) + _summary_lines(statement)[:3]:
        console.print(line, markup=False)
    open_rows = [r for r in _installment_rows(statement)
                 if r["unpaid"] and as_date(r["due_date"]) <= statement.as_of]
    if open_rows:
        from rich import box

        cells = [[str(r["period"]), as_date(r["due_date"]).isoformat(), fen_to_display(r["amount_due"]),
                  fen_to_display(r["paid"]), fen_to_display(r["unpaid"]), r["status"],
                  str(r["penalty_days"] or ""), fen_to_display(r["penalty"])] for r in open_rows]
        # 80 columns (cron logs) without cutting a date or an amount: those columns are as wide as their
        # widest value, a header too long for them wraps, and so does the status
        table = Table(title=_("Periods due and unpaid"), box=box.SIMPLE_HEAD, pad_edge=False,
                      collapse_padding=True)
        names = (N_("Period no."), N_("Due on"), N_("Due"), N_("Paid"), N_("Unpaid"), N_("Status"),
                 N_("Penalty days"), N_("Penalty"))
        for i, name in enumerate(names):
            left = name in ("Due on", "Status")
            width = None if name == "Status" else column_width(_(name), [row[i] for row in cells])
            table.add_column(_(name), justify="left" if left else "right", overflow="fold", width=width)
        for row in cells:
            table.add_row(*row)
        console.print(table)
    if statement.report_path is not None:
        console.print(report_line(_("Statement: {path}"), statement.report_path), markup=False,
                      soft_wrap=True)
