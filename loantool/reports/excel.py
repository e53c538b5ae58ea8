"""Print-ready report workbooks (new files only – the ledger is never written here).

Every report sheet has the same shape (DESIGN.md, "Output people look at"): a title row naming the
company, the report and the as-of date; a frozen header with filters; column widths that fit Chinese
text; yuan number format; a totals row; highlighted rows (overdue); A4, fitting the width. Reports are
written to a temporary file beside the target and renamed, so a failed run leaves no half file.
XlsxWriter is used because it writes large sheets quickly and sets every print option we need; it only
ever creates new files. (Its constant-memory mode is off: merged title rows and the totals and notes
written under a table need rows written out of order.)
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LoantoolError
from ..ledger.grid import gc_paused
from ..values import as_date, is_missing

# kinds: text, id (identifier, always text), yuan (integer fen), date, int, rate (1e-8 units), ratio
# (a float fraction shown as %), list (joined with 、)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"
    width: float | None = None


@dataclass
class ReportSheet:
    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]] | Any  # list of dicts or a DataFrame
    totals: dict[str, Any] | None = None  # key -> value for the 合计 row ("" label goes in column 1)
    highlight: Sequence[bool] | None = None  # rows shown in the overdue colour
    notes: Sequence[str] = ()  # lines under the title, above the table
    footer: Sequence[str] = ()  # lines under the table (signature lines, digests)
    landscape: bool = False
    # called as after(workbook, worksheet, {"formats", "header_row", "last_row"}, next_row)
    after: Callable[[Any, Any, dict[str, Any], int], None] | None = None
    repeat_header: bool = True  # print the table's header on every page (False: ``after`` sets its own)


@dataclass
class ReportBook:
    company: str
    report: str
    as_of: dt.date | None
    sheets: list[ReportSheet] = field(default_factory=list)


_WIDE = frozenset({"W", "F"})


def display_width(text: str) -> float:
    """Columns needed to show text: CJK characters count twice."""
    if text.isascii():
        return len(text)
    return len(text) + sum(map(_WIDE.__contains__, map(unicodedata.east_asian_width, text)))


class _Formats:
    def __init__(self, workbook: Any):
        base = {"font_name": "等线", "font_size": 10, "valign": "vcenter"}
        self.base = base

        def fmt(**extra: Any) -> Any:
            return workbook.add_format({**base, **extra})

        self.title = fmt(bold=True, font_size=14)
        self.note = fmt(font_color="#444444")
        self.header = fmt(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, align="center")
        self.cells = {}
        self.hot = {}
        self.total = {}
        numfmt = {"text": "@", "id": "@", "yuan": "#,##0.00", "date": "yyyy-mm-dd", "int": "0",
                  "rate": "0.00##%", "ratio": "0.00%", "list": "@"}
        for kind, nf in numfmt.items():
            self.cells[kind] = fmt(num_format=nf, border=1)
            self.hot[kind] = fmt(num_format=nf, border=1, bg_color="#FCE4D6")
            self.total[kind] = fmt(num_format=nf, border=1, bold=True, top=2)
        self.signature = fmt(font_size=11)
        self.wrap = fmt(text_wrap=True, valign="top")


def _write_value(ws: Any, row: int, col: int, column: Column, value: Any, cell_format: Any) -> None:
    kind = column.kind
    if is_missing(value) or (kind != "text" and value == ""):
        ws.write_blank(row, col, None, cell_format)
    elif kind == "yuan":
        ws.write_number(row, col, int(value) / 100, cell_format)
    elif kind == "rate":
        ws.write_number(row, col, int(value) / 10**8, cell_format)
    elif kind in ("int", "ratio"):
        ws.write_number(row, col, float(value), cell_format)
    elif kind == "date":
        ws.write_datetime(row, col, dt.datetime.combine(as_date(value), dt.time()), cell_format)
    elif kind == "list":
        text = "、".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        ws.write_string(row, col, text, cell_format)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", cell_format)
    else:
        ws.write_string(row, col, str(value), cell_format)


def _cell_text(column: Column, value: Any) -> str:
    if is_missing(value):
        return ""
    if column.kind == "yuan":
        return f"{int(value) / 100:,.2f}"
    if column.kind == "date":
        return "yyyy-mm-dd"
    if column.kind == "list" and isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value)


def _column_values(rows: Any, columns: Sequence[Column]) -> tuple[int, list[list[Any]]]:
    """The number of rows and each column's values, as ``to_dict("records")`` would give them
    (``Series.tolist`` makes the same Python values, without a dict per row)."""
    if hasattr(rows, "to_dict"):
        n = len(rows)
        return n, [rows[c.key].tolist() if c.key in rows else [None] * n for c in columns]
    records = list(rows)
    return len(records), [[record.get(c.key) for record in records] for c in columns]


def _bool_text(value: Any) -> str:
    return ("是" if value else "否") if isinstance(value, bool) else str(value)


def _list_text(value: Any) -> str:
    return "、".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)


def _midnight(value: Any) -> dt.datetime:
    return dt.datetime.combine(as_date(value), dt.time())


_NUMBER = {"yuan": lambda v: int(v) / 100, "rate": lambda v: int(v) / 10**8, "int": float, "ratio": float}


def _cells(ws: Any, column: Column, values: list[Any]) -> tuple[Any, list[Any]]:
    """The worksheet method for a column's cells and each cell's value for it, ``_BLANK`` for a blank
    cell – exactly what :func:`_write_value` writes, decided per column instead of per cell."""
    kind = column.kind
    missing = [is_missing(v) or (kind != "text" and v == "") for v in values]
    if kind in _NUMBER:
        method, convert = ws.write_number, _NUMBER[kind]
    elif kind == "date":
        method, convert = ws.write_datetime, _midnight
    else:
        method, convert = ws.write_string, (_list_text if kind == "list" else _bool_text)
    return method, [_BLANK if m else convert(v) for v, m in zip(values, missing, strict=True)]


_BLANK = object()


def write_sheet(workbook: Any, formats: _Formats, book: ReportBook, sheet: ReportSheet) -> None:
    ws = workbook.add_worksheet(sheet.name[:31])
    columns = list(sheet.columns)
    n_rows, values = _column_values(sheet.rows, columns)
    as_of = f"  截至 {book.as_of.isoformat()}" if book.as_of else ""
    ws.write_string(0, 0, f"{book.company}  {sheet.title}{as_of}", formats.title)
    ws.set_row(0, 24)
    row = 1
    for note in sheet.notes:
        ws.write_string(row, 0, note, formats.note)
        row += 1
    header_row = row
    for col, column in enumerate(columns):
        ws.write_string(header_row, col, column.header, formats.header)
    widths = [max(display_width(c.header) + 2, 6) for c in columns]
    sample_every = max(1, n_rows // 2000)  # widths from a sample of large sheets
    for col, column in enumerate(columns):
        if column.width is None and n_rows:  # a fixed width needs no measuring
            texts = {_cell_text(column, value) for value in values[col][::sample_every]}
            widths[col] = max(widths[col], max(map(display_width, texts)) + 2)
    # the cells row by row (the order XlsxWriter numbers shared strings in), each column's method and
    # values prepared once
    cells = [_cells(ws, column, column_values) for column, column_values in zip(columns, values, strict=True)]
    plain = [formats.cells[c.kind] for c in columns]
    hot = [formats.hot[c.kind] for c in columns]
    highlight = list(sheet.highlight) if sheet.highlight is not None else [False] * n_rows
    blank = ws.write_blank
    for i in range(n_rows):
        r = header_row + 1 + i
        cell_formats = hot if highlight[i] else plain
        for col, (method, column_values) in enumerate(cells):
            value = column_values[i]
            if value is _BLANK:
                blank(r, col, None, cell_formats[col])
            else:
                method(r, col, value, cell_formats[col])
    last = header_row + n_rows
    if sheet.totals is not None:
        last += 1
        for col, column in enumerate(columns):
            value = sheet.totals.get(column.key, "")
            if col == 0 and not value:
                value = "合计"
            kind = "text" if col == 0 else column.kind
            _write_value(ws, last, col, Column(column.key, column.header, kind), value, formats.total[kind])
    for col, column in enumerate(columns):
        ws.set_column(col, col, min(column.width or widths[col], 60))
    ws.freeze_panes(header_row + 1, 0)
    if columns:
        ws.autofilter(header_row, 0, max(header_row, header_row + n_rows), len(columns) - 1)
    row = last + 2
    for line in sheet.footer:
        ws.write_string(row, 0, line, formats.signature)
        row += 1
    if sheet.after is not None:
        sheet.after(workbook, ws, {"formats": formats, "header_row": header_row, "last_row": last}, row)
    ws.set_paper(9)  # A4
    if sheet.landscape or len(columns) > 8:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if sheet.repeat_header:
        ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页 / 共 &N 页")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_book(path: Path, book: ReportBook) -> Path:
    """Write every sheet of the book to ``path`` atomically; returns the path."""
    import xlsxwriter

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise LoantoolError(f"cannot write the report to {path.parent}: {exc.strerror}.",
                            "Choose another --out folder you can write to.") from None
    tmp = Path(tmp_name)
    try:
        # XlsxWriter keeps a tuple per cell until close: without the pause, the collector walks them
        # (and everything else alive) again and again as they pile up
        with gc_paused():
            workbook = xlsxwriter.Workbook(str(tmp), {"constant_memory": False, "strings_to_numbers": False,
                                                      "strings_to_formulas": False, "strings_to_urls": False})
            workbook.set_properties({"title": book.report, "company": book.company, "author": "loantool",
                                     "created": dt.datetime(2000, 1, 1)})
            formats = _Formats(workbook)
            for sheet in book.sheets:
                write_sheet(workbook, formats, book, sheet)
            workbook.close()
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        raise LoantoolError(f"cannot write the report {path}: {exc.strerror or exc}.",
                            "Close it if it is open in Excel/WPS, or choose another --out.") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def columns(*specs: tuple[str, str] | tuple[str, str, str]) -> list[Column]:
    return [Column(*spec) for spec in specs]
