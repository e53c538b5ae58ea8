"""银行对账 report: the summary with the advance-list digest and signature lines, the advance list for the
cashier, the differences, unmatched lines, duplicates and failures; and the console summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..core.reconcile import DIGEST_HEADER
from ..i18n import N_, _
from ..money import fen_to_display
from .excel import Column, ReportBook, ReportSheet, list_separator, report_line, write_book

STATUS_LABELS = {"paid": N_("paid in full"), "short": N_("short"), "over": N_("over"), "unpaid": N_("unpaid")}
REASON_LABELS = {
    "unknown_card": N_("card not in the ledger"),
    "ambiguous_card": N_("card belongs to several loans"),
    "ambiguous_name": N_("masked card, more than one customer of that name"),
    "name_not_found": N_("masked card, name not found"),
    "digits_mismatch": N_("masked card, visible digits differ from the ledger"),
    "not_positive": N_("amount not positive"),
}
CATEGORY_LABELS = {"failed": N_("failed deduction"), "duplicate": N_("duplicate line"),
                   "outside_month": N_("other month"), "unmatched": N_("unmatched"), "matched": N_("matched")}

LINE_COLUMNS = [
    Column("source", N_("File"), "text"), Column("excel_row", N_("Row"), "int", 6),
    Column("card_no", N_("Card no."), "id"), Column("customer_name", N_("Name")),
    Column("paid_on", N_("Transaction date"), "date", 12), Column("amount", N_("Amount"), "yuan"),
    Column("bank_ref", N_("Bank reference"), "id"),
]


def signatures() -> str:
    blank = "______________"
    return "    ".join([_("Prepared by: {name}").format(name=blank),
                        _("Reviewed by: {name}").format(name=blank),
                        _("Approved by: {name}").format(name=blank),
                        _("Date: {blank}").format(blank="____________")])


def digest_explanation() -> str:
    """How a colleague re-computes the digest (DOMAIN.md: a second person confirms the same list)."""
    return _("Digest: UTF-8 text, each line ending in LF, fields separated by TAB. Line 1 “{header}”; line 2 "
             "“period<TAB>YYYY-MM”; then one line per advance (sorted by contract number, then due date): "
             "contract number<TAB>customer name<TAB>bank card (digits only)<TAB>due date YYYY-MM-DD"
             "<TAB>amount (yuan, two decimals, no thousands separator); the last two lines "
             "“count<TAB>number of advances” "
             "and “sum<TAB>total amount”. The SHA-256 of that text (lower-case hex). A reviewer who runs "
             "reconcile-bank again on their own copy gets the same digest.").format(header=DIGEST_HEADER)


def _summary_rows(result: Any) -> list[dict[str, Any]]:
    t = result.rec.totals
    closes = t["expected"] == t["received"] - t["over_sum"] + t["advance_sum"]
    rows = [
        (_("Due this month"), t["installment_count"], t["expected"],
         _("installments of active loans due this month (the bank's monthly amount first, the final one "
           "from the schedule)")),
        (_("Matched receipts"), t["matched_count"], t["received"],
         _("successful lines of this month matched to a loan")),
        (_("Paid in full"), t["paid_count"], None, ""),
        (_("Short"), t["short_count"], None, _("the difference goes on the advance list")),
        (_("Unpaid"), t["unpaid_count"], None, _("the whole amount goes on the advance list")),
        (_("Over"), t["over_count"], t["over_sum"], _("received beyond what was due")),
        (_("Advances"), t["advance_count"], t["advance_sum"], _("the shortfall of short and unpaid")),
        (_("Check: due = received − over + advances"), None, t["received"] - t["over_sum"] + t["advance_sum"],
         _("balances") if closes else _("does not balance – check")),
        (_("Statement lines"), t["lines_count"], t["lines_amount"], _("every line of every statement")),
        (_("of which unmatched"), t["unmatched_count"], t["unmatched_sum"], _("see Unmatched lines")),
        (_("of which failed deductions"), t["failed_count"], t["failed_sum"],
         _("not counted as received, see Duplicates and failures")),
        (_("of which duplicate bank references"), t["duplicate_count"], t["duplicate_sum"],
         _("not counted as received, see Duplicates and failures")),
        (_("of which other months"), t["outside_month_count"], t["outside_month_sum"],
         _("listed only, see Duplicates and failures")),
    ]
    posting = result.posting
    if posting is not None:
        rows.append((_("Recorded now in 还款记录: customer payments"), posting.payments_added, None,
                     _("{count} already there, not recorded twice").format(count=posting.payments_already)))
        if posting.advance_date:
            rows.append((_("Recorded now in 还款记录: company advances"), posting.advances_added, None,
                         _("dated {day}; {count} already there").format(
                             day=posting.advance_date.isoformat(), count=posting.advances_already)))
        if posting.review is not None and len(posting.review):
            rows.append((_("Not recorded: lines held for review"), len(posting.review),
                         int(posting.review["amount"].sum()),
                         _("no 流水号, and 还款记录 already holds a customer payment of the same contract, "
                           "day and amount: see the sheet of lines held for review")))
    return [{"item": a, "count": b, "amount": c, "note": d} for a, b, c, d in rows]


def _digest_block(result: Any, width: int, explain: bool) -> Any:
    """Under the table: the digest big and boxed, the control totals, the signature lines for
    经办 / 复核 / 审批, and (on 汇总) how to re-compute the digest."""
    rec = result.rec

    def after(workbook: Any, worksheet: Any, formats: dict[str, Any], row: int) -> int:
        big = workbook.add_format({"bold": True, "font_size": 13, "font_name": "Consolas", "border": 2,
                                   "bg_color": "#FFF2CC", "valign": "vcenter", "text_wrap": True})
        plain = workbook.add_format({"font_size": 11, "font_name": "等线"})
        wrap = workbook.add_format({"font_size": 9, "font_name": "等线", "text_wrap": True, "valign": "top"})
        last = max(width - 1, 1)
        # the 64 hex digits on a line of their own, so a narrow sheet prints them whole
        worksheet.merge_range(row, 0, row, last, _("Advance list digest SHA-256:") + f"\n{rec.digest}", big)
        worksheet.set_row(row, 44)
        totals = _("Month {period}    advances {count}    total {amount} yuan").format(
            period=rec.period.label, count=rec.totals["advance_count"],
            amount=fen_to_display(rec.totals["advance_sum"]))
        worksheet.write_string(row + 1, 0, totals, plain)
        worksheet.write_string(row + 3, 0, signatures(), plain)
        worksheet.set_row(row + 3, 30)
        if explain:
            worksheet.merge_range(row + 5, 0, row + 5, last, digest_explanation(), wrap)
            worksheet.set_row(row + 5, 80)
            return row + 5
        return row + 3

    return after


def _lines_frame(lines: pd.DataFrame) -> pd.DataFrame:
    return lines.assign(
        category_label=[_(CATEGORY_LABELS[c]) if c in CATEGORY_LABELS else "" for c in lines["category"]],
        reason_label=[_(REASON_LABELS[r]) if r in REASON_LABELS else "" for r in lines["reason"]],
        first=[_("{file} row {row}").format(file=s, row=int(r)) if isinstance(s, str) else "" for s, r in
               zip(lines["first_source"], lines["first_row"].fillna(0), strict=True)],
    )


def build_book(result: Any, company: str, as_of: Any) -> ReportBook:
    rec = result.rec
    period = rec.period.label
    header = [_("Month: {period}    statements: {files}    ledger: {ledger}").format(
        period=period, files=list_separator().join(p.name for p in result.statements),
        ledger=result.ledger_path.name)]
    rows = rec.installments.assign(
        status_label=[_(STATUS_LABELS[s]) if s in STATUS_LABELS else "" for s in rec.installments["status"]],
        difference=rec.installments["received"] - rec.installments["expected"])
    differences = rows[rows["status"].isin(["short", "over"])]
    advances = rec.advances.assign(seq=range(1, len(rec.advances) + 1))
    lines = _lines_frame(rec.lines)
    installment_columns = [
        Column("contract_no", N_("Contract no."), "id"), Column("customer_name", N_("Customer")),
        Column("card_no", N_("Bank card"), "id"), Column("due_date", N_("Due date"), "date", 12),
        Column("expected", N_("Due"), "yuan"), Column("received", N_("Received"), "yuan"),
        Column("difference", N_("Difference (received − due)"), "yuan"), Column("status_label", N_("Status")),
    ]
    money = {"expected", "received", "difference"}
    unmatched = lines["category"].eq("unmatched")
    sheets = [
        ReportSheet(_("Summary"), _("Bank reconciliation summary {period}").format(period=period), [
            Column("item", N_("Item"), "text", 34), Column("count", N_("Count"), "int", 10),
            Column("amount", N_("Amount"), "yuan", 18), Column("note", N_("Note"), "text", 48, wrap=True)],
            _summary_rows(result), notes=header, after=_digest_block(result, 4, explain=True)),
        ReportSheet(_("Advance list"), _("Advance list {period}").format(period=period), [
            Column("seq", N_("No."), "int", 6), Column("contract_no", N_("Contract no."), "id"),
            Column("customer_name", N_("Customer")), Column("card_no", N_("Bank card"), "id"),
            Column("due_date", N_("Due date"), "date", 12), Column("amount", N_("Advance"), "yuan")],
            advances,
            totals={"seq": _("Total"), "customer_name": _("{count} loans").format(count=len(advances)),
                    "amount": int(advances["amount"].sum())},
            notes=header, after=_digest_block(result, 6, explain=False)),
        ReportSheet(_("Differences"), _("Short and over {period}").format(period=period), installment_columns,
                    differences, totals={k: int(differences[k].sum()) for k in money}, notes=header,
                    highlight=list(differences["status"].eq("short"))),
        ReportSheet(_("Unmatched lines"), _("Unmatched lines {period}").format(period=period),
                    [*LINE_COLUMNS, Column("reason_label", N_("Reason"))], lines[unmatched], notes=header,
                    totals={"amount": int(lines.loc[unmatched, "amount"].sum())}),
        ReportSheet(_("Duplicates and failures"),
                    _("Duplicate, failed and other-month lines {period}").format(period=period),
                    [Column("category_label", N_("Kind")), *LINE_COLUMNS,
                     Column("status_text", N_("Bank status")),
                     Column("contract_no", N_("Contract no."), "id"),
                     Column("first", N_("Bank reference first seen"))],
                    lines[lines["category"].isin(["duplicate", "failed", "outside_month"])], notes=header),
    ]
    review = result.review_lines()
    if review:
        held = result.posting.review.assign(reason=[item["reason"] for item in review])
        sheets.append(ReportSheet(
            _("Held for review"),
            _("Lines held for review (not recorded in 还款记录) {period}").format(period=period),
            [*LINE_COLUMNS[:6], Column("contract_no", N_("Contract no."), "id"),
             Column("reason", N_("Reason"), "text", 60)],
            held, notes=header, totals={"amount": int(held["amount"].sum())}, landscape=True))
    return ReportBook(company=company, report=_("Bank reconciliation {period}").format(period=period),
                      as_of=as_of, sheets=sheets)


def write_report(result: Any, path: Path, company: str, as_of: Any) -> Path:
    return write_book(path, build_book(result, company, as_of))


def render_console(result: Any, console: Any) -> None:
    """The totals, the digest and where the report is; 80 columns wide without cutting an amount."""
    from rich.table import Table

    rec = result.rec
    table = Table(title=_("Bank reconciliation {period}").format(period=rec.period.label), show_header=True)
    table.add_column(_("Item"), overflow="fold")  # Chinese has no spaces to wrap at: fold, never cut
    table.add_column(_("Count"), justify="right", no_wrap=True)
    table.add_column(_("Amount"), justify="right", no_wrap=True)
    table.add_column(_("Note"), overflow="fold")
    for row in _summary_rows(result):
        table.add_row(row["item"], "" if row["count"] is None else str(row["count"]),
                      "" if row["amount"] is None else fen_to_display(row["amount"]), row["note"])
    console.print(table)
    console.print(_("Advance list: {count} loans, total {amount} yuan").format(
        count=rec.totals["advance_count"], amount=fen_to_display(rec.totals["advance_sum"])), markup=False)
    console.print(_("Digest SHA-256: {digest}").format(digest=rec.digest), markup=False, style="bold",
                  soft_wrap=True)
    if result.report_path is not None:
        console.print(report_line(_("Report: {path}"), result.report_path), markup=False, soft_wrap=True)
