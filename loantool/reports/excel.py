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
import errno
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..i18n import N_, _, is_zh
from ..money import rate_to_str
from ..runtime import gc_paused
from ..values import as_date, is_missing
from .xlsx_fast import BLANK, DATE, NUMBER, TEXT, FastWorkbook, PlainWorkbook

# FastWorkbook (reports/xlsx_fast.py) writes the same file as XlsxWriter's own methods, in a fraction of
# the time; False: those own methods, cell by cell (the reference the tests compare it with)
FAST_CELLS = True

# kinds: text, id (identifier, always text), yuan (integer fen), date, int, rate (1e-8 units), ratio
# (a float fraction shown as %), list (joined with 、)


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # an English message id (translated when written) or a Chinese domain word
    kind: str = "text"
    width: float | None = None
    wrap: bool = False  # long text wraps inside the cell; the row grows to show all of it


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
    # boxed lines between the notes and the table that nobody can miss (an inactive loan, a quote only …)
    alerts: Sequence[str] = ()
    # widths of extra sheet columns the LAST column's cells span (merged): a wide text column above a
    # narrower table that ``after`` writes below it
    span_last: Sequence[float] = ()
    page_header: str | None = None  # printed at the top of every page (who and which contract)
    # a manual page break every this many sheet rows, the totals and footer kept with the last rows
    rows_per_page: int | None = None
    # a sheet laid out by its own writer(workbook, formats, book, sheet), called instead of write_sheet
    writer: Callable[[Any, Any, ReportBook, ReportSheet], None] | None = None


@dataclass
class ReportBook:
    company: str
    report: str
    as_of: dt.date | None
    sheets: list[ReportSheet] = field(default_factory=list)


_WIDE = frozenset({"W", "F"})


class _ExtraWidth(dict):
    """Character → 1 if it shows twice as wide (East Asian Wide or Fullwidth), else 0; filled as met."""

    def __missing__(self, char: str) -> int:
        extra = self[char] = int(unicodedata.east_asian_width(char) in _WIDE)
        return extra


_EXTRA = _ExtraWidth()


def display_width(text: str) -> float:
    """Columns needed to show text: CJK characters count twice (each character looked up once per
    process: thousands of letters' paragraphs are measured for their row heights)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(map(_EXTRA.__getitem__, text))


class _Formats:
    def __init__(self, workbook: Any):
        base = {"font_name": "等线", "font_size": 10, "valign": "vcenter"}
        self.base = base

        def fmt(**extra: Any) -> Any:
            return workbook.add_format({**base, **extra})

        self.title = fmt(bold=True, font_size=14)
        self.note = fmt(font_color="#444444")
        self.note_wrap = fmt(font_color="#444444", text_wrap=True, valign="top")
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
        self.signature_wrap = fmt(font_size=11, text_wrap=True, valign="top")
        self.wrap = fmt(text_wrap=True, valign="top")
        self.wrapped = {kind: fmt(num_format="@", border=1, text_wrap=True) for kind in ("plain", "hot")}
        self.wrapped["hot"].set_bg_color("#FCE4D6")
        self.wrapped_total = fmt(num_format="@", border=1, bold=True, top=2, text_wrap=True)
        self.alert = fmt(bold=True, font_size=12, font_color="#C00000", bg_color="#FFE7E7", border=5,
                         border_color="#C00000", text_wrap=True, valign="vcenter")


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
        ws.write_string(row, col, _list_text(value), cell_format)
    elif isinstance(value, bool):
        ws.write_string(row, col, _bool_text(value), cell_format)
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
        return list_separator().join(map(str, value))
    return str(value)


def _column_values(rows: Any, columns: Sequence[Column]) -> tuple[int, list[list[Any]]]:
    """The number of rows and each column's values, as ``to_dict("records")`` would give them
    (``Series.tolist`` makes the same Python values, without a dict per row)."""
    if hasattr(rows, "to_dict"):
        n = len(rows)
        return n, [rows[c.key].tolist() if c.key in rows else [None] * n for c in columns]
    records = list(rows)
    return len(records), [[record.get(c.key) for record in records] for c in columns]


class FrameRows:
    """The rows of a frame for code that reads a few fields of each (``r.contract_no`` …): the values
    ``frame.itertuples(index=False)`` gives, but a column is made a list only when a row first asks
    for it – the report frames carry some seventy columns, a dozen of them dates that itertuples would
    make a Timestamp of in every row."""

    def __init__(self, frame: Any):
        self._frame = frame
        self._lists: dict[str, list[Any]] = {}

    def __len__(self) -> int:
        return len(self._frame)

    def __iter__(self) -> Any:
        return (_FrameRow(self, i) for i in range(len(self._frame)))

    def column(self, name: str) -> list[Any]:
        values = self._lists.get(name)
        if values is None:
            if name not in self._frame.columns:
                raise AttributeError(name)
            values = self._lists[name] = self._frame[name].tolist()
        return values


class _FrameRow:
    __slots__ = ("_i", "_rows")

    def __init__(self, rows: FrameRows, i: int):
        self._rows = rows
        self._i = i

    def __getattr__(self, name: str) -> Any:
        return self._rows.column(name)[self._i]


def list_separator() -> str:
    """Between the items of a list in one cell: 、 in Chinese, a comma in English."""
    return "、" if is_zh() else ", "


def _bool_text(value: Any) -> str:
    return (_("yes") if value else _("no")) if isinstance(value, bool) else str(value)


def _list_text(value: Any) -> str:
    return list_separator().join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)


def _midnight(value: Any) -> dt.datetime:
    return dt.datetime.combine(as_date(value), dt.time())


_NUMBER = {"yuan": lambda v: int(v) / 100, "rate": lambda v: int(v) / 10**8, "int": float, "ratio": float}


def _cells(column: Column, values: list[Any]) -> tuple[str, list[Any]]:
    """The kind of a column's cells for ``write_table`` (text, number, date) and each cell's value,
    ``BLANK`` for a blank cell – exactly what :func:`_write_value` writes, decided per column instead of
    per cell."""
    kind = column.kind
    missing = [is_missing(v) or (kind != "text" and v == "") for v in values]
    if kind in _NUMBER:
        cell_kind, convert = NUMBER, _NUMBER[kind]
    elif kind == "date":
        cell_kind, convert = DATE, _midnight
    elif kind == "list":
        cell_kind, convert = TEXT, _list_text
    else:
        yes, no = _("yes"), _("no")  # once per column, not per cell

        def convert(value: Any) -> str:
            return (yes if value else no) if isinstance(value, bool) else str(value)

        cell_kind = TEXT
    return cell_kind, [BLANK if m else convert(v) for v, m in zip(values, missing, strict=True)]


def header_text(text: str) -> str:
    """Text for a page header or footer: XlsxWriter reads ``&`` as a code, so a literal one is doubled."""
    return text.replace("&", "&&")


def _lines_needed(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` character columns needs for ``text``."""
    usable = max(width - 1.5, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in str(text).split("\n"))


def _row_height(lines: int) -> float:
    return 15 if lines <= 1 else 13.5 * lines + 3


def write_lines(ws: Any, row: int, last_col: int, lines: Sequence[str], width: float, plain: Any,
                wrapped: Any) -> int:
    """Lines of text above or under the table; one wider than the table wraps inside it (text running
    past the table's right edge would make the printed page smaller). Returns the next free row."""
    for text in lines:
        needed = _lines_needed(text, width * 0.8) if last_col > 0 else 1
        if needed > 1:
            ws.merge_range(row, 0, row, last_col, text, wrapped)
            ws.set_row(row, _row_height(needed))
        else:
            ws.write_string(row, 0, text, plain)
        row += 1
    return row


def write_alerts(ws: Any, formats: _Formats, row: int, last_col: int, alerts: Sequence[str],
                 width: float) -> int:
    """Each alert in a red box across the table's width; returns the next free row."""
    for alert in alerts:
        if last_col > 0:
            ws.merge_range(row, 0, row, last_col, alert, formats.alert)
        else:
            ws.write_string(row, 0, alert, formats.alert)
        ws.set_row(row, max(24, 16 * _lines_needed(alert, width * 0.85) + 8))
        row += 1
    return row


_WRITE = {TEXT: "write_string", NUMBER: "write_number", DATE: "write_datetime"}


def _write_spanned_rows(ws: Any, first_row: int, cells: list[tuple[str, list[Any]]],
                        row_formats: list[list[Any]], last_col: int) -> None:
    """The table's rows when its last column's cells are merged over the spanned sheet columns."""
    end = len(cells) - 1
    for i, cell_formats in enumerate(row_formats):
        r = first_row + i
        for col, (kind, column_values) in enumerate(cells):
            value = column_values[i]
            if col == end:
                ws.merge_range(r, col, r, last_col, "" if value is BLANK or value is None else value,
                               cell_formats[col])
            elif value is BLANK:
                ws.write_blank(r, col, None, cell_formats[col])
            else:
                getattr(ws, _WRITE[kind])(r, col, value, cell_formats[col])


def write_sheet(workbook: Any, formats: _Formats, book: ReportBook, sheet: ReportSheet) -> None:
    ws = workbook.add_worksheet(sheet.name[:31])
    columns = list(sheet.columns)
    n_rows, values = _column_values(sheet.rows, columns)
    as_of = "  " + _("as of {date}").format(date=book.as_of.isoformat()) if book.as_of else ""
    ws.write_string(0, 0, f"{book.company}  {sheet.title}{as_of}", formats.title)
    ws.set_row(0, 24)
    headers = [_(c.header) for c in columns]
    spans = list(sheet.span_last)
    last_col = len(columns) - 1 + len(spans)  # the last sheet column the table covers
    widths = [max(display_width(h) + 2, 6) for h in headers]
    sample_every = max(1, n_rows // 2000)  # widths from a sample of large sheets
    for col, column in enumerate(columns):
        if column.width is None and n_rows:  # a fixed width needs no measuring
            texts = {_cell_text(column, value) for value in values[col][::sample_every]}
            widths[col] = max(widths[col], max(map(display_width, texts)) + 2)
    widths = [min(column.width or widths[col], 60) for col, column in enumerate(columns)]
    table_width = sum(widths) + sum(spans)
    row = write_lines(ws, 1, last_col, sheet.notes, table_width, formats.note, formats.note_wrap)
    if sheet.alerts:
        row = write_alerts(ws, formats, row, last_col, sheet.alerts, table_width)
    header_row = row

    header_lines = max([_lines_needed(h, widths[col] + (sum(spans) if col == len(columns) - 1 else 0))
                        for col, h in enumerate(headers)] or [1])
    if header_lines > 1:  # a header wider than its column wraps (the header format wraps)
        ws.set_row(header_row, _row_height(header_lines))
    for col, header in enumerate(headers):
        if spans and col == len(columns) - 1:
            ws.merge_range(header_row, col, header_row, last_col, header, formats.header)
        else:
            ws.write_string(header_row, col, header, formats.header)
    # the cells row by row (the order XlsxWriter numbers shared strings in), each column's kind and
    # values prepared once
    cells = [_cells(column, column_values) for column, column_values in zip(columns, values, strict=True)]
    plain = [formats.wrapped["plain"] if c.wrap else formats.cells[c.kind] for c in columns]
    hot = [formats.wrapped["hot"] if c.wrap else formats.hot[c.kind] for c in columns]
    highlight = list(sheet.highlight) if sheet.highlight is not None else [False] * n_rows
    row_formats = [hot if h else plain for h in highlight[:n_rows]]
    if spans and columns:
        _write_spanned_rows(ws, header_row + 1, cells, row_formats, last_col)
    elif columns:
        ws.write_table(header_row + 1, 0, [kind for kind, _values in cells],
                       [column_values for _kind, column_values in cells], row_formats)
    wrapped = [(col, widths[col] + (sum(spans) if col == len(columns) - 1 else 0))
               for col, column in enumerate(columns) if column.wrap]
    if wrapped:  # rows grow to show wrapped text (merged cells never grow on their own)
        for i in range(n_rows):
            lines = max(_lines_needed(values[col][i], width) if not is_missing(values[col][i]) else 1
                        for col, width in wrapped)
            if lines > 1:
                ws.set_row(header_row + 1 + i, _row_height(lines))
    last = header_row + n_rows
    if sheet.totals is not None:
        last += 1
        for col, column in enumerate(columns):
            value = sheet.totals.get(column.key, "")
            if col == 0 and not value:
                value = _("Total")
            kind = "text" if col == 0 else column.kind
            total_format = formats.wrapped_total if column.wrap else formats.total[kind]
            if spans and col == len(columns) - 1:
                ws.merge_range(last, col, last, last_col, "" if is_missing(value) else value, total_format)
                if kind == "yuan" and not is_missing(value) and value != "":
                    ws.write_number(last, col, int(value) / 100, total_format)
            else:
                _write_value(ws, last, col, Column(column.key, column.header, kind), value, total_format)
        texts = [(sheet.totals.get(columns[col].key), width) for col, width in wrapped]
        lines = max([_lines_needed(t, w) for t, w in texts if isinstance(t, str)] or [1])
        if lines > 1:
            ws.set_row(last, _row_height(lines))
    for col in range(len(columns)):
        ws.set_column(col, col, widths[col])
    for extra, width in enumerate(spans, start=len(columns)):
        ws.set_column(extra, extra, width)
    if sheet.rows_per_page is None:
        ws.freeze_panes(header_row + 1, 0)
        if columns:
            ws.autofilter(header_row, 0, max(header_row, header_row + n_rows), len(columns) - 1)
    row = write_lines(ws, last + 2, last_col, sheet.footer, table_width, formats.signature,
                      formats.signature_wrap)
    end = row - 1
    # ``after`` writes under the table; it may return its last row and add manual page breaks
    breaks: list[int] = []
    if sheet.after is not None:
        context = {"formats": formats, "header_row": header_row, "last_row": last, "breaks": breaks}
        end = sheet.after(workbook, ws, context, row) or end
    ws.set_paper(9)  # A4
    landscape = sheet.landscape or len(columns) > 8
    if landscape:
        ws.set_landscape()
    if sheet.rows_per_page:
        breaks += page_breaks(sheet.rows_per_page, header_row, last, end)
    if breaks:  # kept with "fit to 1 page wide": no height limit, so the manual breaks still count
        ws.set_h_pagebreaks(sorted(set(breaks)))
    ws.fit_to_pages(1, 0)
    if sheet.repeat_header:
        ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.7 if sheet.page_header else 0.6, bottom=0.6)
    if sheet.page_header:
        ws.set_header("&L" + header_text(sheet.page_header), {"margin": 0.3})
    ws.set_footer("&C" + _("Page &P of &N"))


def page_breaks(rows_per_page: int, header_row: int, totals_row: int, end: int) -> list[int]:
    """Manual breaks (the first row of each new page, 0-based) for a table printed ``rows_per_page``
    sheet rows a page with its header repeated, so that the last two rows of the table, the totals and
    everything under them (signature lines) stay together on one page."""
    keep_from = max(header_row + 1, totals_row - 2)  # the last two installments, the totals, the footer
    breaks: list[int] = []
    at = rows_per_page
    while at <= end:
        if keep_from < at <= end:
            at = keep_from
            if breaks and at <= breaks[-1]:
                break  # the block is taller than a page: let it run on
        breaks.append(at)
        at += rows_per_page - 1  # the repeated header takes one row of each later page
    return breaks


def contract_sheet_names(contracts: Sequence[str], taken: Sequence[str] = ()) -> list[str]:
    """A sheet name per contract of a batch: the contract number with the characters Excel refuses in a
    sheet name replaced, cut to Excel's 31 characters, made unique (case aside, as Excel compares them)
    against each other and ``taken`` (the batch's summary sheet)."""
    names, used = [], {name.lower() for name in taken}
    for contract in contracts:
        base = _SHEET_FORBIDDEN.sub("-", contract)[:28] or "quote"
        name, k = base, 1
        while name.lower() in used:
            k += 1
            name = f"{base[:26]}~{k}"
        used.add(name.lower())
        names.append(name)
    return names


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def rate_text(rate_units: Any) -> str:
    """A rate for people, always with at least two decimals: 4.75%, 5.10%, 16.00% (never rounded: a
    rate with more decimals shows them all)."""
    if is_missing(rate_units):
        return ""
    text = rate_to_str(int(rate_units)).rstrip("%")
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}%"


# report paths that were moved to the next free name because the wanted one existed: actual → wanted
_MOVED: dict[Path, Path] = {}


def free_path(path: Path) -> Path:
    """``path`` if nothing is there yet, else the next free name beside it: 银行对账_2026-11_2.xlsx,
    _3 … A report already written for the same day or period may be the signed one: never replaced."""
    path = Path(path)
    if not path.exists():
        return path
    suffix = "".join(path.suffixes[-1:])
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    k = 2
    while (candidate := path.with_name(f"{stem}_{k}{suffix}")).exists():
        k += 1
    return candidate


def moved_from(path: Path | None) -> Path | None:
    """The name a report was meant to have when an older report held it (None: written as asked)."""
    return None if path is None else _MOVED.get(Path(path))


def report_line(template: str, path: Path) -> str:
    """"Report: PATH" (``template`` translated, with {path}), saying so when an existing report kept
    its name and this one took the next free name."""
    line = template.format(path=path)
    wanted = moved_from(path)
    if wanted is not None:  # on a line of its own: the path line stays whole and short
        line += "\n" + _("({name} already exists and was kept)").format(name=wanted.name)
    return line


_OS_REASONS = {
    errno.EACCES: N_("permission denied"), errno.EPERM: N_("permission denied"),
    errno.ENOTDIR: N_("part of the path is a file, not a folder"),
    errno.ENOENT: N_("the folder does not exist"),
    errno.ENOSPC: N_("the disk is full"), errno.EROFS: N_("the disk is read-only"),
    errno.EISDIR: N_("a folder of that name is in the way"),
    errno.EEXIST: N_("a file of that name is in the way of the folder"),
}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in the reader's language (the system's own words for anything rarer)."""
    reason = _OS_REASONS.get(exc.errno or 0)
    return _(reason) if reason else str(exc.strerror or exc)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_book(path: Path, book: ReportBook) -> Path:
    """Write every sheet of the book to ``path`` atomically; returns the path written. When ``path``
    exists (an earlier run's report, perhaps signed) the book goes to the next free name instead
    (:func:`free_path`); :func:`report_line` says so on the console."""
    from xlsxwriter.exceptions import FileCreateError

    wanted = Path(path)
    path = free_path(wanted)
    if path != wanted:
        _MOVED[path] = wanted
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise report_not_written(path, exc) from None
    tmp = Path(tmp_name)
    try:
        # XlsxWriter keeps a tuple per cell until close: without the pause, the collector walks them
        # (and everything else alive) again and again as they pile up
        with gc_paused():
            workbook = (FastWorkbook if FAST_CELLS else PlainWorkbook)(str(tmp), {
                "constant_memory": False, "strings_to_numbers": False, "strings_to_formulas": False,
                "strings_to_urls": False})
            workbook.set_properties({"title": book.report, "company": book.company, "author": "loantool",
                                     "created": dt.datetime(2000, 1, 1)})
            formats = _Formats(workbook)
            for sheet in book.sheets:
                (sheet.writer or write_sheet)(workbook, formats, book, sheet)
            try:
                workbook.close()
            finally:
                _release(workbook)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except (OSError, FileCreateError) as exc:
        # XlsxWriter wraps the OSError of its close (a full disk, say) in FileCreateError
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc
        raise report_not_written(path, cause) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _release(workbook: Any) -> None:
    """Empty a closed workbook's cell tables and shared strings. XlsxWriter's objects refer to each other
    (the workbook to its sheets and formats, and back): without this, the quarter of a million cell
    tuples of a big report wait for the cyclic collector, which then walks every one of them."""
    for worksheet in workbook.worksheets():
        for name in ("table", "row_info", "row_sizes", "comments"):
            container = getattr(worksheet, name, None)
            if isinstance(container, dict):
                container.clear()
    strings = getattr(workbook, "str_table", None)
    for name in ("string_table", "string_array"):
        container = getattr(strings, name, None)
        if isinstance(container, dict | list):
            container.clear()


def report_not_written(path: Path, exc: BaseException) -> OutputError:
    """Exit 3, naming the report and what to do: a full disk, a folder without write access, a file open."""
    reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
    number = getattr(exc, "errno", None)
    if number in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return OutputError(
            _("cannot write the report {path}: the disk is full ({reason}).").format(
                path=path, reason=reason),
            _("Free some space on that disk, or choose another folder with --out (or reports_dir in "
              "loantool.toml), then run again."))
    if number in (errno.EACCES, errno.EPERM, errno.EROFS) and not path.exists():
        return OutputError(
            _("cannot write the report {path}: the folder {folder} is not writable ({reason}).").format(
                path=path, folder=path.parent, reason=reason),
            _("Make the folder writable, or choose another folder with --out (or reports_dir in "
              "loantool.toml), then run again."))
    return OutputError(
        _("cannot write the report {path} ({reason}).").format(path=path, reason=reason),
        _("Close it if it is open in Excel/WPS, or choose another --out, then run again."))


def columns(*specs: tuple[str, str] | tuple[str, str, str]) -> list[Column]:
    return [Column(*spec) for spec in specs]
