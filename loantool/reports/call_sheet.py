"""电话催收单 – the caller's page of the overdue report, and the input columns record-calls reads back.

Printed: nine columns on A4 landscape at a fixed 85 % scale (never "fit to width", which shrinks the
text), 11 pt text (about 9.4 pt on paper), rows tall enough to write a result by hand, the header
repeated on every page and the rows spread evenly over as few pages as hold them, a break between rows,
so that no row is split and the last page (with the total) never holds a row alone. Columns: 合同编号, 客户,
手机, 逾期天数, 逾期金额, 期数 and the earliest unpaid due date, the last contact and the latest promise
(with its status), 措施, and an empty 催收结果 to write in.

Not printed (right of the print area, shaded): 承诺还款日, 承诺金额, 对象, 方式, 经办, 备注 – where the
caller (or whoever types the paper in) records a promise, whom the call reached, how, and who called.
The 催收日期 cell above the table dates every row; ``loantool record-calls`` reads the sheet back
(ledger/call_sheet.py) by its header names, so rows may be sorted or filtered and columns widened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..i18n import N_, _, ngettext
from ..money import fen_to_display
from ..schema import CHANNELS, PARTIES
from ..values import as_date, is_missing
from .excel import Column, FrameRows, ReportSheet, display_width, list_separator
from .labels import CHANNEL_NAMES, PARTY_NAMES, PROMISE_NAMES, word
from .xlsx_fast import BLANK, NUMBER, TEXT

# the sheet's name and the label of its date cell; ledger/call_sheet.py reads either language's
SHEET_NAME = N_("Call sheet")
DATE_LABEL = N_("Call date")
PRINT_SCALE = 85  # percent; with FONT_SIZE 11 the text prints at 9.35 pt
FONT_SIZE = 11
ROW_HEIGHT = 36  # points: two printed lines and room to write
FIRST_PAGE_ROWS = 14  # data rows page 1 holds (title, date line and header above them)
PAGE_ROWS = FIRST_PAGE_ROWS  # data rows a later page holds (the header repeats; page_breaks wants them equal)
SHORT_ACTIONS = {"call_daily": N_("call"), "written_notice": N_("notify"), "escalate": N_("escalate")}
SHORT_PROMISE = {"kept": N_("kept"), "broken": N_("broken"), "open": N_("open")}
# widths in the default font's character units: 124 in all, so that the page fits A4 landscape at 85 %
# even where LibreOffice lacks Calibri and measures with a wider font (DejaVu Sans: a third wider)
# headers: English message ids, written in the run's language; ledger/call_sheet.py reads both
PRINTED = [
    Column("contract_no", N_("Contract no."), "id", 14),
    Column("customer_name", N_("Client"), "text", 8),
    Column("phone", N_("Mobile phone"), "id", 12), Column("dpd", N_("DPD"), "int", 5),  # days past due
    Column("overdue_amount", N_("Overdue amount"), "yuan", 10),
    Column("periods", N_("Periods /\nearliest due"), "text", 11),
    Column("history", N_("Last contact / promise"), "text", 25),
    Column("measure", N_("Action"), "text", 11),
    Column("result", N_("Call result"), "text", 28),
]
INPUTS = [
    Column("promise_date", N_("Promise date"), "date", 12),
    Column("promise_amount", N_("Promised amount"), "yuan", 12),
    Column("party", N_("Party"), "text", 9), Column("channel", N_("Method"), "text", 9),
    Column("handled_by", N_("Handled by"), "text", 10), Column("note", N_("Remarks"), "text", 30),
]
INPUT_NOTE = N_("Input columns on the right (not printed): for a promise to pay fill in Promise date and "
                "Promised amount; Party and Method left empty mean borrower and phone; Handled by left "
                "empty takes the caller named with --by. Then run loantool record-calls with this file.")


def _clip(text: str, width: int) -> str:
    """At most ``width`` display columns (a wide character counts 2), with … when cut."""
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch + "…") > width:
            break
        out += ch
    return out + "…"


def _md(value: Any) -> str:
    day = as_date(value)
    return f"{day:%m-%d}" if day else ""


def _history(row: Any, width: int) -> str:
    lines = []
    if not is_missing(row.last_contact_on):
        how = word(CHANNEL_NAMES, row.last_channel)
        if row.last_party in PARTIES and row.last_party != "borrower":
            how += f"·{word(PARTY_NAMES, row.last_party)}"
        lines.append(_clip(f"{_md(row.last_contact_on)} {how} {row.last_result or ''}".strip(), width))
    if isinstance(row.promise_status, str):
        lines.append(_clip(_("PTP {day} {amount} {status}").format(
            day=_md(row.promise_date), amount=fen_to_display(row.promise_amount),
            status=_(SHORT_PROMISE[row.promise_status])), width))
    return "\n".join(lines) if lines else _("(no record)")


def _measure(row: Any) -> str:
    if row.waiting:
        return _("waiting\ncall after {day}").format(day=_md(row.promise_date))
    words = [_(SHORT_ACTIONS[a]) for a in str(row.actions).split(";") if a in SHORT_ACTIONS]
    if row.promise_status == "broken":
        words.insert(0, _(SHORT_PROMISE["broken"]))
    separator = list_separator()
    return "\n".join(separator.join(words[i:i + 2]) for i in range(0, len(words), 2))  # two words a line


def call_rows(call_list: pd.DataFrame) -> list[dict[str, Any]]:
    """The printed cells of each loan on the call list, in the call list's order."""
    width = int(next(c.width for c in PRINTED if c.key == "history")) - 2  # display columns of a line
    rows = []
    for r in FrameRows(call_list):
        rows.append({
            "contract_no": r.contract_no, "customer_name": r.customer_name, "phone": r.phone,
            "dpd": int(r.dpd),
            "overdue_amount": int(r.overdue_amount),
            "periods": ngettext("{count} period\n{day}", "{count} periods\n{day}",
                                int(r.overdue_periods)).format(count=int(r.overdue_periods),
                                                               day=as_date(r.oldest_unpaid_due).isoformat()),
            "history": _history(r, width), "measure": _measure(r), "result": "",
            "broken": r.promise_status == "broken", "waiting": bool(r.waiting),
        })
    return rows


CONTACT_COLUMNS = [Column("last_contact_text", N_("Last contact"), "text", 26),
                   Column("promise_text", N_("Latest promise"), "text", 22),
                   Column("promise_label", N_("Promise status"), "text", 12)]
DETAIL_NOTE = N_("The detail list, for the screen and for filtering; it does not print (a hidden sheet: "
                 "right-click a sheet tab → Unhide). To print, use the Call sheet.")


def hide_detail(_workbook: Any, ws: Any, _info: dict[str, Any], _row: int) -> None:
    """The 20-column 催收名单 is for the screen: hidden, so that printing the workbook (or exporting it to
    PDF) gives the 电话催收单 instead of a 40 % page nobody can read."""
    ws.hide()


def contact_columns(calls: pd.DataFrame) -> dict[str, list[str]]:
    """The 催收名单's last contact, latest promise and its status (等待承诺日 for a loan waiting on it)."""
    last, promise, status = [], [], []
    for r in FrameRows(calls):
        how = word(CHANNEL_NAMES, r.last_channel)
        last.append(f"{as_date(r.last_contact_on).isoformat()} {how} {r.last_result or ''}".strip()
                    if not is_missing(r.last_contact_on) else "")
        has = isinstance(r.promise_status, str)
        promise.append(f"{as_date(r.promise_date).isoformat()} {fen_to_display(r.promise_amount)}"
                       if has else "")
        waiting = _("waiting for the promised day")
        status.append((waiting if r.waiting else word(PROMISE_NAMES, r.promise_status)) if has else "")
    return {"last_contact_text": last, "promise_text": promise, "promise_label": status}


def call_sheet(report: Any) -> ReportSheet:
    rows = call_rows(report.call_list)
    return ReportSheet(_(SHEET_NAME), _(SHEET_NAME), [*PRINTED, *INPUTS], rows, landscape=True,
                       writer=write_call_sheet)


def _formats(workbook: Any) -> dict[str, Any]:
    base = {"font_name": "等线", "font_size": FONT_SIZE, "valign": "vcenter"}  # the font's own name

    def fmt(**extra: Any) -> Any:
        return workbook.add_format({**base, **extra})

    numfmt = {"text": "@", "id": "@", "yuan": "#,##0.00", "date": "yyyy-mm-dd", "int": "0"}
    cell = {k: fmt(num_format=v, border=1, text_wrap=True) for k, v in numfmt.items()}
    return {
        "title": fmt(bold=True, font_size=14), "label": fmt(bold=True),
        "date": fmt(num_format="yyyy-mm-dd", bold=True, align="left"), "note": fmt(font_color="#444444"),
        "header": fmt(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, align="center"),
        "input_header": fmt(bold=True, bg_color="#FFF2CC", border=1, text_wrap=True, align="center"),
        "cell": cell,
        "hot": {k: fmt(num_format=v, border=1, text_wrap=True, bg_color="#FCE4D6")
                for k, v in numfmt.items()},
        "quiet": {k: fmt(num_format=v, border=1, text_wrap=True, font_color="#595959")
                  for k, v in numfmt.items()},
        "input": {k: fmt(num_format=v, border=1, bg_color="#FFFBEA") for k, v in numfmt.items()},
        "total": fmt(bold=True, top=2, num_format="#,##0.00"),
        "total_text": fmt(bold=True, top=2),
    }


def write_call_sheet(workbook: Any, _formats_unused: Any, book: Any, sheet: ReportSheet) -> None:
    """Lay the sheet out for the caller (see the module docstring)."""
    ws = workbook.add_worksheet(sheet.name)
    f = _formats(workbook)
    rows: list[dict[str, Any]] = list(sheet.rows)
    as_of: dt.date = book.as_of
    ws.write_string(0, 0, _("{company}  Call sheet  as of {day}").format(company=book.company,
                                                                          day=as_of.isoformat()), f["title"])
    ws.set_row(0, 24)
    ws.write_string(1, 0, _(DATE_LABEL), f["label"])
    ws.merge_range(1, 1, 1, 2, None, f["date"])
    ws.write_datetime(1, 1, dt.datetime.combine(as_of, dt.time()), f["date"])
    broken = sum(r["broken"] for r in rows)
    waiting = sum(r["waiting"] for r in rows)
    ws.write_string(1, 4, _("{count} customers ({broken} with a broken promise first, {waiting} waiting "
                            "for a promised day last)    Caller: ________").format(
                                count=len(rows), broken=broken, waiting=waiting), f["note"])
    ws.set_row(1, 20)
    header = 2
    ws.write_string(1, len(PRINTED), _(INPUT_NOTE), f["note"])
    ws.write_string(header + len(rows) + 3, 0,
                    _("The details (aging, class, penalty, advances, guarantor …) are on the hidden sheet "
                      "{sheet}.").format(sheet=_("Call list")), f["note"])
    for col, column in enumerate(PRINTED):
        ws.write_string(header, col, _(column.header), f["header"])
    for col, column in enumerate(INPUTS, start=len(PRINTED)):
        ws.write_string(header, col, _(column.header), f["input_header"])
    ws.set_row(header, 30)
    for col, column in enumerate([*PRINTED, *INPUTS]):
        ws.set_column(col, col, column.width)
    _write_rows(ws, header + 1, rows, f)
    last = header + len(rows)
    total_row = last + 1
    ws.write_string(total_row, 0, _("Total"), f["total_text"])
    ws.write_string(total_row, 1, ngettext("{count} customer", "{count} customers", len(rows)).format(
        count=len(rows)), f["total_text"])
    ws.write_number(total_row, 4, sum(r["overdue_amount"] for r in rows) / 100, f["total"])
    ws.set_row(total_row, 22)
    _validations(ws, header, max(last, header + 1), as_of)
    ws.freeze_panes(header + 1, 2)
    ws.autofilter(header, 0, max(last, header), len(PRINTED) + len(INPUTS) - 1)
    # print: the nine columns only, at a fixed scale, header on every page, no row split across pages
    ws.print_area(0, 0, total_row, len(PRINTED) - 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_print_scale(PRINT_SCALE)
    ws.repeat_rows(header)
    ws.set_margins(left=0.3, right=0.3, top=0.55, bottom=0.55)
    ws.set_header("&L&9" + _("Call sheet  as of {day}").format(day=as_of.isoformat()) + "&R&9"
                  + _("Caller: __________"))
    ws.set_footer("&C&9" + _("Page &P of &N"))
    breaks = page_breaks(header, len(rows))
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.activate()


def page_breaks(header: int, count: int) -> list[int]:
    """The first row (0-based) of each new page for ``count`` loans under the header row ``header``: as
    few pages as hold them (FIRST_PAGE_ROWS on page 1, PAGE_ROWS on each later one), the rows spread over
    them evenly – no two pages differ by more than a row – so 15 loans print 8 and 7, not 14 and then one
    alone with the total."""
    if count <= FIRST_PAGE_ROWS:
        return []
    pages = 1 + -(-(count - FIRST_PAGE_ROWS) // PAGE_ROWS)
    base, extra = divmod(count, pages)
    sizes = [base + 1] * extra + [base] * (pages - extra)  # ≤ PAGE_ROWS each: count ≤ pages × PAGE_ROWS
    breaks, at = [], header + 1
    for size in sizes[:-1]:
        at += size
        breaks.append(at)
    return breaks


def _write_rows(ws: Any, first: int, rows: list[dict[str, Any]], f: dict[str, Any]) -> None:
    """The loans' rows from ``first`` on: the printed cells and the empty input cells, in one table."""
    ws.set_row_heights(range(first, first + len(rows)), [ROW_HEIGHT] * len(rows))
    kinds, values = [], []
    for column in PRINTED:
        cells = [row[column.key] for row in rows]
        if column.kind == "yuan":
            kinds.append(NUMBER)
            values.append([value / 100 for value in cells])
        elif column.kind == "int":
            kinds.append(NUMBER)
            values.append(cells)
        else:
            kinds.append(TEXT)
            values.append([BLANK if is_missing(value) or value == "" else str(value) for value in cells])
    kinds += [TEXT] * len(INPUTS)
    values += [[BLANK] * len(rows)] * len(INPUTS)
    inputs = [f["input"][column.kind] for column in INPUTS]
    styles = {}
    for name in ("hot", "quiet", "cell"):
        styles[name] = [f[name][column.kind] for column in PRINTED] + inputs
    formats = [styles["hot" if row["broken"] else "quiet" if row["waiting"] else "cell"] for row in rows]
    ws.write_table(first, 0, kinds, values, formats)


def _validations(ws: Any, header: int, last: int, as_of: dt.date) -> None:
    """Drop-down lists for 对象 and 方式, a date and an amount check on the promise – Excel, WPS and
    LibreOffice show them while the caller types; record-calls checks the same again."""
    first = header + 1
    col = {c.key: i for i, c in enumerate(INPUTS, start=len(PRINTED))}
    # the words offered are schema.PARTIES / CHANNELS words in the run's language: record-calls reads both
    ws.data_validation(first, col["party"], last, col["party"],
                       {"validate": "list", "source": [word(PARTY_NAMES, p) for p in PARTIES]})
    ws.data_validation(first, col["channel"], last, col["channel"],
                       {"validate": "list", "source": [word(CHANNEL_NAMES, c) for c in CHANNELS]})
    ws.data_validation(first, col["promise_date"], last, col["promise_date"],
                       {"validate": "date", "criteria": ">=", "value": dt.datetime.combine(as_of, dt.time()),
                        "error_message": _("The promise date cannot be before the call date.")})
    ws.data_validation(first, col["promise_amount"], last, col["promise_amount"],
                       {"validate": "decimal", "criteria": ">", "value": 0,
                        "error_message": _("The promised amount must be an amount above 0.")})
