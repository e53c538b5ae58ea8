"""催收通知书_YYYYMMDD.xlsx: the day's notices as printable letters, one per addressee and page, each with a
回执 (receipt) to cut off, sign and return.

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

from ..money import fen_to_display
from ..values import as_date, is_missing
from .excel import FrameRows, ReportBook, ReportSheet, display_width, write_book

BORROWER, GUARANTOR = "借款人", "保证人"
# The letter is one wide column (no merged cells: thousands of letters a day must stay quick to write),
# printed at a fixed scale: 68 character units fit A4 portrait at 90 % even where LibreOffice measures
# with a font wider than Calibri ("fit to width" is not applied to a single column there)
LETTER_WIDTH = 68
PRINT_SCALE = 90
CHARS_PER_LINE = 27  # wide characters per line at BODY_SIZE in Excel's narrowest case (for row heights)
BODY_SIZE = 12
LINE_HEIGHT = 19  # points per line of body text
CUT_LINE = "- - - - - - - - - - - - - - - -  ✂  沿此线剪下，签字后交回  - - - - - - - - - - - - - - - -"
TITLES = {("maturity", BORROWER): "提示归还到期贷款通知书", ("maturity", GUARANTOR): "督促履行保证责任通知书",
          ("quarterly", BORROWER): "催收通知书", ("quarterly", GUARANTOR): "催收通知书"}


def _yuan(fen: Any) -> str:
    return f"{fen_to_display(int(fen))} 元"


def _day(value: Any) -> str:
    day = as_date(value)
    return f"{day.year} 年 {day.month} 月 {day.day} 日" if day else "____年__月__日"


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value).strip()


def _maturity_body(r: Any, company: str, as_of: dt.date) -> list[str]:
    overdue = f"，其中已逾期 {_yuan(r.overdue_amount)}" if int(r.overdue_amount) else ""
    loan = (f"与{company}签订的汽车贷款合同（合同编号 {r.contract_no}）最后一期应还日为 "
            f"{_day(r.final_due_date)}。"
            f"截至 {_day(as_of)}，尚有 {int(r.open_installments)} 期未还清，剩余本金 "
            f"{_yuan(r.outstanding_principal)}{overdue}。")
    if r.recipient == BORROWER:
        return [f"　　您{loan}请您于最后一期应还日前将应还款项足额存入还款银行卡，按期归还贷款本息。",
                "　　如您已还款，请忽略本通知。如有疑问，请与我公司贷后管理岗联系。"]
    return [f"　　借款人 {_text(r.customer_name)} {loan}您为该笔贷款提供保证，请督促借款人按期归还贷款本息；"
            "借款人到期未能归还的，请您依照保证合同履行保证责任。",
            "　　如借款人已还款，请忽略本通知。如有疑问，请与我公司贷后管理岗联系。"]


def _quarterly_body(r: Any, company: str, as_of: dt.date) -> list[str]:
    debt = (f"与{company}签订的汽车贷款合同（合同编号 {r.contract_no}），截至 {_day(as_of)} "
            f"已逾期 {int(r.dpd)} 天，逾期 {int(r.overdue_periods)} 期，逾期金额 {_yuan(r.overdue_amount)}，"
            f"罚息 {_yuan(r.penalty)}。")
    if r.recipient == BORROWER:
        return [f"　　您{debt}请您于收到本通知之日起七日内归还上述欠款。逾期不还的，我公司将依法追收。",
                "　　请在下方回执上签字并交回，作为本通知的送达凭证。"]
    return [f"　　借款人 {_text(r.customer_name)} {debt}您为该笔贷款提供保证，请督促借款人立即归还欠款，"
            "或依照保证合同代为清偿。",
            "　　请在下方回执上签字并交回，作为本通知的送达凭证。"]


def _receipt(r: Any, kind: str, company: str, as_of: dt.date) -> str:
    title = TITLES[(kind, r.recipient)]
    owed = (f"，确认截至 {_day(as_of)} 尚欠逾期款项 {_yuan(r.overdue_amount)}" if kind == "quarterly" else "")
    return (f"　　本人已收到{company}于 {_day(as_of)} 发出的《{title}》（合同编号 {r.contract_no}，借款人 "
            f"{_text(r.customer_name)}）{owed}。")


def letters(frame: pd.DataFrame, kind: str, company: str, as_of: dt.date) -> list[dict[str, Any]]:
    """One letter per row (addressee) of the overdue report's notice list."""
    out = []
    for r in FrameRows(frame):
        body = (_maturity_body if kind == "maturity" else _quarterly_body)(r, company, as_of)
        party = "" if r.recipient == BORROWER else " --party 保证人"
        out.append({
            "title": TITLES[(kind, r.recipient)],
            "to": f"{_text(r.recipient_name) or '________'}（{r.recipient}）：",
            "body": body, "receipt": _receipt(r, kind, company, as_of),
            "signer": f"签收人（{r.recipient}）：________________    身份证号：______________________",
            "record": (f"回执交回后登记：loantool record-call {r.contract_no} --method 函件 "
                       f"--result 已签收{party} --as-of 签收日期"),
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
    note = fmt(font_name="等线", font_size=10, font_color="#595959")
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
        line(CUT_LINE, cut, 20)
        gap(8)
        line("回　执", receipt_title, 30)
        line(letter["receipt"], body, _lines(letter["receipt"]) * LINE_HEIGHT + 6)
        gap(14)
        line(letter["signer"], body, 28)
        line("签收日期：______年____月____日", body, 28)
    ws.write_strings(cell_rows, cell_cols, texts, cell_formats)
    ws.set_row_heights(height_rows, heights)
    ws.print_area(0, 0, max(row - 1, 0), 0)
    ws.set_paper(9)
    ws.set_portrait()
    ws.set_print_scale(PRINT_SCALE)
    ws.set_margins(left=0.8, right=0.8, top=0.8, bottom=0.7)
    ws.set_footer("&C&9第 &P 页 / 共 &N 页")
    if breaks:
        ws.set_h_pagebreaks(breaks)


def build_letters(report: Any, company: str) -> ReportBook:
    as_of = report.as_of
    sheets = [
        ReportSheet(name, name, [], letters(frame, kind, company, as_of), writer=write_letters_sheet)
        for name, kind, frame in (("到期通知书", "maturity", report.maturity),
                                  ("催收通知书", "quarterly", report.quarterly_notices))
        if len(frame)  # a sheet only for the kinds of notice the day has
    ]
    return ReportBook(company=company, report="催收通知书", as_of=as_of, sheets=sheets)


def letters_path(report_path: Path, as_of: dt.date) -> Path:
    return Path(report_path).parent / f"催收通知书_{as_of:%Y%m%d}.xlsx"


def write_letters(report: Any, report_path: Path, company: str) -> Path | None:
    """The letters workbook beside the report, when the day has notices to send; else nothing."""
    if not (len(report.maturity) or len(report.quarterly_notices)):
        return None
    return write_book(letters_path(report_path, report.as_of), build_letters(report, company))
