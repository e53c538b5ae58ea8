"""电话催收单 – the caller's page of the overdue report, and the input columns record-calls reads back.

Printed: nine columns on A4 landscape at a fixed 85 % scale (never "fit to width", which shrinks the
text), 11 pt text (about 9.4 pt on paper), rows tall enough to write a result by hand, the header
repeated on every page and a page break every few rows so that no row is split. Columns: 合同编号, 客户,
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

from ..core.collection import PROMISE_LABELS
from ..money import fen_to_display
from ..schema import CHANNELS, PARTIES, label
from ..values import as_date, is_missing
from .excel import Column, FrameRows, ReportSheet, display_width
from .xlsx_fast import BLANK, NUMBER, TEXT

SHEET_NAME = "电话催收单"
DATE_LABEL = "催收日期"
PRINT_SCALE = 85  # percent; with FONT_SIZE 11 the text prints at 9.35 pt
FONT_SIZE = 11
ROW_HEIGHT = 36  # points: two printed lines and room to write
FIRST_PAGE_ROWS = 14  # data rows on page 1 (title, date line and header above them)
PAGE_ROWS = 14  # data rows on each later page (the header repeats)
SHORT_ACTIONS = {"call_daily": "电话", "written_notice": "通知", "escalate": "升级"}
SHORT_PROMISE = {"kept": "兑现", "broken": "违约", "open": "待付"}
# widths in the default font's character units: 124 in all, so that the page fits A4 landscape at 85 %
# even where LibreOffice lacks Calibri and measures with a wider font (DejaVu Sans: a third wider)
PRINTED = [
    Column("contract_no", "合同编号", "id", 14), Column("customer_name", "客户", "text", 8),
    Column("phone", "手机", "id", 12), Column("dpd", "逾期\n天数", "int", 5),
    Column("overdue_amount", "逾期金额", "yuan", 10), Column("periods", "期数 /\n最早应还日", "text", 11),
    Column("history", "上次联系 / 承诺", "text", 25), Column("measure", "措施", "text", 11),
    Column("result", "催收结果", "text", 28),
]
INPUTS = [
    Column("promise_date", "承诺还款日", "date", 12), Column("promise_amount", "承诺金额", "yuan", 12),
    Column("party", "对象", "text", 9), Column("channel", "方式", "text", 9),
    Column("handled_by", "经办", "text", 10), Column("note", "备注", "text", 30),
]
INPUT_NOTE = ("右侧为录入列（不打印）：有承诺还款的填写 承诺还款日 和 承诺金额；"
              "对象、方式 不填即为 借款人、电话；"
              "经办 不填用 --by。录完后运行 loantool record-calls 本文件。")


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
        how = label(CHANNELS, row.last_channel) if row.last_channel in CHANNELS else ""
        if row.last_party in PARTIES and row.last_party != "borrower":
            how += f"·{label(PARTIES, row.last_party)}"
        lines.append(_clip(f"{_md(row.last_contact_on)} {how} {row.last_result or ''}".strip(), width))
    if isinstance(row.promise_status, str):
        lines.append(_clip(f"承诺{_md(row.promise_date)} {fen_to_display(row.promise_amount)} "
                           f"{SHORT_PROMISE[row.promise_status]}", width))
    return "\n".join(lines) if lines else "（无记录）"


def _measure(row: Any) -> str:
    if row.waiting:
        return f"等待承诺日\n{_md(row.promise_date)} 后再打"
    words = [SHORT_ACTIONS[a] for a in str(row.actions).split(";") if a in SHORT_ACTIONS]
    if row.promise_status == "broken":
        words.insert(0, "违约")
    return "\n".join("、".join(words[i:i + 2]) for i in range(0, len(words), 2))  # two words a line


def call_rows(call_list: pd.DataFrame) -> list[dict[str, Any]]:
    """The printed cells of each loan on the call list, in the call list's order."""
    width = int(next(c.width for c in PRINTED if c.key == "history")) - 2  # display columns of a line
    rows = []
    for r in FrameRows(call_list):
        rows.append({
            "contract_no": r.contract_no, "customer_name": r.customer_name, "phone": r.phone,
            "dpd": int(r.dpd),
            "overdue_amount": int(r.overdue_amount),
            "periods": f"{int(r.overdue_periods)} 期\n{as_date(r.oldest_unpaid_due).isoformat()}",
            "history": _history(r, width), "measure": _measure(r), "result": "",
            "broken": r.promise_status == "broken", "waiting": bool(r.waiting),
        })
    return rows


CONTACT_COLUMNS = [Column("last_contact_text", "上次联系", "text", 26),
                   Column("promise_text", "最近承诺", "text", 22),
                   Column("promise_label", "承诺状态", "text", 12)]
DETAIL_NOTE = ("明细表，供屏幕查看和筛选，不打印（隐藏工作表：右键工作表标签 → 取消隐藏）；"
               "打印请用 电话催收单。")


def hide_detail(_workbook: Any, ws: Any, _info: dict[str, Any], _row: int) -> None:
    """The 20-column 催收名单 is for the screen: hidden, so that printing the workbook (or exporting it to
    PDF) gives the 电话催收单 instead of a 40 % page nobody can read."""
    ws.hide()


def contact_columns(calls: pd.DataFrame) -> dict[str, list[str]]:
    """The 催收名单's last contact, latest promise and its status (等待承诺日 for a loan waiting on it)."""
    last, promise, status = [], [], []
    for r in FrameRows(calls):
        how = label(CHANNELS, r.last_channel) if r.last_channel in CHANNELS else ""
        last.append(f"{as_date(r.last_contact_on).isoformat()} {how} {r.last_result or ''}".strip()
                    if not is_missing(r.last_contact_on) else "")
        has = isinstance(r.promise_status, str)
        promise.append(f"{as_date(r.promise_date).isoformat()} {fen_to_display(r.promise_amount)}"
                       if has else "")
        status.append(("等待承诺日" if r.waiting else PROMISE_LABELS[r.promise_status]) if has else "")
    return {"last_contact_text": last, "promise_text": promise, "promise_label": status}


def call_sheet(report: Any) -> ReportSheet:
    rows = call_rows(report.call_list)
    return ReportSheet(SHEET_NAME, "电话催收单", [*PRINTED, *INPUTS], rows, landscape=True,
                       writer=write_call_sheet)


def _formats(workbook: Any) -> dict[str, Any]:
    base = {"font_name": "等线", "font_size": FONT_SIZE, "valign": "vcenter"}

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
    ws.write_string(0, 0, f"{book.company}  电话催收单  截至 {as_of.isoformat()}", f["title"])
    ws.set_row(0, 24)
    ws.write_string(1, 0, DATE_LABEL, f["label"])
    ws.merge_range(1, 1, 1, 2, None, f["date"])
    ws.write_datetime(1, 1, dt.datetime.combine(as_of, dt.time()), f["date"])
    broken = sum(r["broken"] for r in rows)
    waiting = sum(r["waiting"] for r in rows)
    ws.write_string(1, 4, f"共 {len(rows)} 户（承诺违约 {broken} 户在前，等待承诺日 {waiting} 户在后）    "
                          "催收员：________", f["note"])
    ws.set_row(1, 20)
    header = 2
    ws.write_string(1, len(PRINTED), INPUT_NOTE, f["note"])
    ws.write_string(header + len(rows) + 3, 0,
                    "明细（账龄、五级分类、罚息、垫款、保证人等）见隐藏工作表 催收名单。", f["note"])
    for col, column in enumerate(PRINTED):
        ws.write_string(header, col, column.header, f["header"])
    for col, column in enumerate(INPUTS, start=len(PRINTED)):
        ws.write_string(header, col, column.header, f["input_header"])
    ws.set_row(header, 30)
    for col, column in enumerate([*PRINTED, *INPUTS]):
        ws.set_column(col, col, column.width)
    _write_rows(ws, header + 1, rows, f)
    last = header + len(rows)
    total_row = last + 1
    ws.write_string(total_row, 0, "合计", f["total_text"])
    ws.write_string(total_row, 1, f"{len(rows)} 户", f["total_text"])
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
    ws.set_header(f"&L&9电话催收单  截至 {as_of.isoformat()}&R&9催收员：__________")
    ws.set_footer("&C&9第 &P 页 / 共 &N 页")
    breaks = list(range(header + 1 + FIRST_PAGE_ROWS, total_row, PAGE_ROWS))  # each starts a new page
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.activate()


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
    ws.data_validation(first, col["party"], last, col["party"],
                       {"validate": "list", "source": [label(PARTIES, p) for p in PARTIES]})
    ws.data_validation(first, col["channel"], last, col["channel"],
                       {"validate": "list", "source": [label(CHANNELS, c) for c in CHANNELS]})
    ws.data_validation(first, col["promise_date"], last, col["promise_date"],
                       {"validate": "date", "criteria": ">=", "value": dt.datetime.combine(as_of, dt.time()),
                        "error_message": "承诺还款日不能早于催收日期"})
    ws.data_validation(first, col["promise_amount"], last, col["promise_amount"],
                       {"validate": "decimal", "criteria": ">", "value": 0,
                        "error_message": "承诺金额须为大于 0 的金额"})
