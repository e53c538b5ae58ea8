"""催收通知书_YYYYMMDD.xlsx (collection-notices_… in English): the day's notices as printable letters,
one per addressee and page, each with a 回执 (receipt) to cut off, sign and return.

DOMAIN.md "Collection actions" and the source's second text: one month before the final installment,
提示归还到期贷款通知书 to the borrower and 督促履行保证责任通知书 to the guarantor (where 保证人 is known);
each quarter, for a loan in arrears, a 催收通知书 to the borrower and the guarantor, to be signed and kept
as a receipt. A signed receipt restarts the statute of limitations: the desk records it with
``loantool record-call 合同编号 --method 函件 --result 已签收 [--party 保证人] --as-of 签收日期`` (the line
right of each letter, outside the print area, says exactly that).

Written by overdue-report beside its report when the day has notices (setting actions.notice_letters).
Sheets 到期通知书 and 催收通知书; A4 portrait at 90 %, a page break after each letter.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import N_, _, is_zh
from ..money import fen_to_display
from ..values import as_date, is_missing
from .excel import FrameRows, ReportBook, ReportSheet, display_width, write_book
from .labels import CHANNEL_NAMES, PARTY_NAMES, report_name, word

BORROWER, GUARANTOR = "borrower", "guarantor"  # the recipient codes of the overdue report's notice lists
# The letter is one wide column (no merged cells: thousands of letters a day must stay quick to write),
# printed at a fixed scale: 68 character units fit A4 portrait at 90 % even where LibreOffice measures
# with a font wider than Calibri ("fit to width" is not applied to a single column there)
LETTER_WIDTH = 68
PRINT_SCALE = 90
CHARS_PER_LINE = 27  # wide characters per line at BODY_SIZE in Excel's narrowest case (for row heights)
BODY_SIZE = 12
LINE_HEIGHT = 19  # points per line of body text
DASHES = "- - - - - - - - - - - - - - - -"
TITLES = {("maturity", BORROWER): N_("Notice of a loan falling due"),
          ("maturity", GUARANTOR): N_("Notice to the guarantor to perform the guarantee"),
          ("quarterly", BORROWER): N_("Collection notice"), ("quarterly", GUARANTOR): N_("Collection notice")}
SHEETS = {"maturity": N_("Maturity letters"), "quarterly": N_("Collection letters")}
SIGN_AND_RETURN = N_("Please sign the receipt below and return it as proof that this notice was delivered.")


def _yuan(fen: Any) -> str:
    return _("{amount} yuan").format(amount=fen_to_display(int(fen)))


def _day(value: Any) -> str:
    day = as_date(value)
    if not day:
        return _("________ (date)")
    return _("{year}-{month:02d}-{day:02d}").format(year=day.year, month=day.month, day=day.day)


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value).strip()


def _paragraph(text: str) -> str:
    """A paragraph of a letter: indented by two wide spaces in Chinese."""
    return ("\u3000\u3000" if is_zh() else "") + text


def _maturity_body(r: Any, company: str, as_of: dt.date) -> list[str]:
    overdue = (_(", of which {amount} is overdue").format(amount=_yuan(r.overdue_amount))
               if int(r.overdue_amount) else "")
    facts = {"company": company, "contract": r.contract_no, "final": _day(r.final_due_date),
             "day": _day(as_of), "periods": int(r.open_installments),
             "principal": _yuan(r.outstanding_principal), "overdue": overdue, "name": _text(r.customer_name)}
    if r.recipient == BORROWER:
        return [_paragraph(_(
            "The last installment of your car loan with {company} (contract no. {contract}) is due on "
            "{final}. As of {day}, {periods} installment(s) are not fully paid, remaining principal "
            "{principal}{overdue}. Please pay the full amount due into your repayment bank card before the "
            "last due date and repay the loan on time.").format(**facts)),
            _paragraph(_("If you have already paid, please disregard this notice. For any question, please "
                         "contact our post-loan management desk."))]
    return [_paragraph(_(
        "The last installment of the car loan of the borrower {name} with {company} (contract no. "
        "{contract}) is due on {final}. As of {day}, {periods} installment(s) are not fully paid, remaining "
        "principal {principal}{overdue}. You guarantee this loan: please urge the borrower to repay on "
        "time; should the borrower fail to repay when due, please perform your guarantee under the "
        "guarantee contract.").format(**facts)),
        _paragraph(_("If the borrower has already paid, please disregard this notice. For any question, "
                     "please contact our post-loan management desk."))]


def _quarterly_body(r: Any, company: str, as_of: dt.date) -> list[str]:
    facts = {"company": company, "contract": r.contract_no, "day": _day(as_of), "dpd": int(r.dpd),
             "periods": int(r.overdue_periods), "overdue": _yuan(r.overdue_amount),
             "penalty": _yuan(r.penalty), "name": _text(r.customer_name)}
    if r.recipient == BORROWER:
        return [_paragraph(_(
            "Your car loan with {company} (contract no. {contract}) is, as of {day}, {dpd} days overdue: "
            "{periods} installment(s) overdue, overdue amount {overdue}, penalty {penalty}. Please repay "
            "these arrears within seven days of receiving this notice; if they remain unpaid, our company "
            "will recover them according to law.").format(**facts)), _paragraph(_(SIGN_AND_RETURN))]
    return [_paragraph(_(
        "The car loan of the borrower {name} with {company} (contract no. {contract}) is, as of {day}, "
        "{dpd} days overdue: {periods} installment(s) overdue, overdue amount {overdue}, penalty {penalty}. "
        "You guarantee this loan: please urge the borrower to repay at once, or pay on the borrower's "
        "behalf under the guarantee contract.").format(**facts)), _paragraph(_(SIGN_AND_RETURN))]


def _receipt(r: Any, kind: str, company: str, as_of: dt.date) -> str:
    title = _(TITLES[(kind, r.recipient)])
    owed = (_(", and confirm that as of {day} overdue arrears of {amount} are owed").format(
        day=_day(as_of), amount=_yuan(r.overdue_amount)) if kind == "quarterly" else "")
    return _paragraph(_("I have received the “{title}” sent by {company} on {day} (contract no. {contract}, "
                        "borrower {name}){owed}.").format(title=title, company=company, day=_day(as_of),
                                                          contract=r.contract_no, name=_text(r.customer_name),
                                                          owed=owed))


def record_command(contract: str, recipient: str) -> str:
    """The command that records a signed receipt, in the words of the run's language (both are read)."""
    party = "" if recipient == BORROWER else " --party " + word(PARTY_NAMES, recipient)
    method, result, day = word(CHANNEL_NAMES, "letter"), _("signed"), _("DATE-SIGNED")
    return f"loantool record-call {contract} --method {method} --result {result}{party} --as-of {day}"


def letters(frame: pd.DataFrame, kind: str, company: str, as_of: dt.date) -> list[dict[str, Any]]:
    """One letter per row (addressee) of the overdue report's notice list."""
    out = []
    for r in FrameRows(frame):
        body = (_maturity_body if kind == "maturity" else _quarterly_body)(r, company, as_of)
        recipient = word(PARTY_NAMES, r.recipient)
        out.append({
            "title": _(TITLES[(kind, r.recipient)]),
            "to": _("To {name} ({recipient}):").format(name=_text(r.recipient_name) or "________",
                                                     recipient=recipient),
            "body": body, "receipt": _receipt(r, kind, company, as_of),
            "signer": _("Signed by ({recipient}): ________________    ID number: "
                        "______________________").format(recipient=recipient),
            "record": _("Once the receipt is back, record it: {command}").format(
                command=record_command(r.contract_no, r.recipient)),
            "contract_no": r.contract_no, "recipient": r.recipient,
        })
    return out


def _lines(text: str) -> int:
    return max(1, math.ceil(display_width(text) / 2 / CHARS_PER_LINE))


def write_letters_sheet(workbook: Any, _formats: Any, book: ReportBook, sheet: ReportSheet) -> None:
    ws = workbook.add_worksheet(sheet.name)
    base = {"font_name": "宋体", "font_size": BODY_SIZE, "valign": "top"}

    def fmt(**extra: Any) -> Any:
        return workbook.add_format({**base, **extra})

    title = fmt(bold=True, font_size=18, align="center", valign="vcenter")
    receipt_title = fmt(bold=True, font_size=15, align="center", valign="vcenter")
    bold = fmt(bold=True)
    body = fmt(text_wrap=True)
    right = fmt(align="right")
    cut = fmt(align="center", font_size=9, font_color="#595959")
    note = fmt(font_name="等线", font_size=10, font_color="#595959")  # font names
    ws.set_column(0, 0, LETTER_WIDTH)
    ws.set_column(1, 1, 80)
    # every cell and row height of every letter collected first, then handed over in one go (in the
    # order written: XlsxWriter numbers the shared strings in that order)
    cell_rows: list[int] = []
    cell_cols: list[int] = []
    texts: list[str] = []
    cell_formats: list[Any] = []
    height_rows: list[int] = []
    heights: list[float] = []
    row, breaks = 0, []
    cut_text = _("cut along this line, sign and return")
    dated = _day(book.as_of)

    def line(text: str, cell_format: Any, height: float) -> None:
        nonlocal row
        cell_rows.append(row)
        cell_cols.append(0)
        texts.append(text)
        cell_formats.append(cell_format)
        gap(height)

    def gap(height: float) -> None:
        nonlocal row
        height_rows.append(row)
        heights.append(height)
        row += 1

    for letter in sheet.rows:
        if row:
            breaks.append(row)
        # right of the print area: not printed
        cell_rows.append(row)
        cell_cols.append(1)
        texts.append(letter["record"])
        cell_formats.append(note)
        line(letter["title"], title, 40)
        gap(10)
        line(letter["to"], bold, 24)
        for paragraph in letter["body"]:
            line(paragraph, body, _lines(paragraph) * LINE_HEIGHT + 6)
        gap(18)
        line(book.company, right, 22)
        line(dated, right, 22)
        gap(48)
        line(f"{DASHES}  ✂  {cut_text}  {DASHES}", cut, 20)
        gap(8)
        line(_("Receipt"), receipt_title, 30)
        line(letter["receipt"], body, _lines(letter["receipt"]) * LINE_HEIGHT + 6)
        gap(14)
        line(letter["signer"], body, 28)
        line(_("Date signed: ______________"), body, 28)
    ws.write_strings(cell_rows, cell_cols, texts, cell_formats)
    ws.set_row_heights(height_rows, heights)
    ws.print_area(0, 0, max(row - 1, 0), 0)
    ws.set_paper(9)
    ws.set_portrait()
    ws.set_print_scale(PRINT_SCALE)
    ws.set_margins(left=0.8, right=0.8, top=0.8, bottom=0.7)
    ws.set_footer("&C&9" + _("Page &P of &N"))
    if breaks:
        ws.set_h_pagebreaks(breaks)


def build_letters(report: Any, company: str) -> ReportBook:
    as_of = report.as_of
    sheets = [
        ReportSheet(_(SHEETS[kind]), _(SHEETS[kind]), [], letters(frame, kind, company, as_of),
                    writer=write_letters_sheet)
        for kind, frame in (("maturity", report.maturity), ("quarterly", report.quarterly_notices))
        if len(frame)  # a sheet only for the kinds of notice the day has
    ]
    return ReportBook(company=company, report=_("Collection letters"), as_of=as_of, sheets=sheets)


def letters_path(report_path: Path, as_of: dt.date) -> Path:
    return Path(report_path).parent / report_name("notices", day=as_of)


def write_letters(report: Any, report_path: Path, company: str) -> Path | None:
    """The letters workbook beside the report, when the day has notices to send; else nothing."""
    if not (len(report.maturity) or len(report.quarterly_notices)):
        return None
    return write_book(letters_path(report_path, report.as_of), build_letters(report, company))
