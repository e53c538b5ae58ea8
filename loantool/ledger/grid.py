"""The raw cell grid of any input file: workbook sheets, CSV/TSV text, HTML tables.

Every format ends as rows of Python values (``str``, ``float``, ``int``, ``bool``, ``date``,
``datetime`` …; an empty cell is ``""`` or ``None``), row 0 being the file's row 1, column 0 its
column A, so that an Excel row number can always be named in a message. Workbooks (.xlsx .xlsm .xls
.ods) are read by python-calamine, one sheet at a time and only when asked for (or, after
:meth:`Book.prefetch`, parsed ahead in a background thread). In a CSV the row number is the record
number (what Excel shows when it opens the file). Nothing here knows about headers or columns: that
is ``read.py``.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError
from ..i18n import N_, _
from ..runtime import gc_paused
from . import sniff

Rows = list[list[Any]]

_DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_LINES = 200
_SAVE_AS = N_("Open it in Excel or WPS and save it as .xlsx (or CSV), then try again.")
# Book.prefetch parses sheets in a background thread; False parses every sheet in the caller's thread.
# Off: on two shared cores it saved no time measurably (benchmarks/README), and what the thread freed
# stayed in its own malloc arena, out of the main thread's reach – the overdue report's peak memory was
# 490 MB with it, 360 MB without (issue 15)
BACKGROUND_PARSE = False
# .xlsx sheets are read as typed columns (fast_sheet.py) where that gives python-calamine's values; False
# reads every sheet through to_python (tests compare the two; benchmarks time both)
FAST_READ = True


def read_source(source: Path | str | BinaryIO | bytes, name: str | None = None
                ) -> tuple[bytes, str, str | None]:
    """The bytes of a path or binary file object, a label for messages and the file's base name."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        label = name or str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(_("{file}: file not found.").format(file=label),
                             hint=_("Check the path.")) from None
        except (IsADirectoryError, PermissionError) as exc:
            if isinstance(exc, IsADirectoryError) or path.is_dir():  # Windows says "permission denied"
                raise InputError(_("{file}: is a folder, not a file.").format(file=label),
                                 hint=_("Name a workbook or CSV file inside it.")) from None
            raise InputError(_("{file}: cannot be read (permission denied).").format(file=label),
                             hint=_("Close it in Excel or WPS, or check the file's permissions.")) from None
        return data, label, path.name
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), name or "<data>", name
    data = source.read()
    if not isinstance(data, bytes):
        raise TypeError("read_table needs a binary file object (open the file with 'rb')")
    stream_name = getattr(source, "name", None)
    label = name or (str(stream_name) if isinstance(stream_name, str) else "<stream>")
    return data, label, Path(label).name if (name or isinstance(stream_name, str)) else None


@dataclass
class Book:
    """A file opened once; sheets are read on demand and kept. ``sheet_names`` holds ``None`` for
    the single table of a CSV or HTML file."""

    label: str
    fmt: str
    sheet_names: list[str | None]
    _rows: dict[str | None, Rows] = field(default_factory=dict)
    _workbook: Any = None
    _sheets: dict[str, Any] = field(default_factory=dict)
    _data: bytes | None = None  # a workbook's bytes, for the background thread's own workbook object
    _pending: dict[str, Future[Any]] = field(default_factory=dict)  # sheets being parsed in the background
    _fast: Any = None  # fast_sheet.FastBook of an .xlsx file, when fastexcel is there

    def head(self, sheet: str | None, nrows: int) -> Rows:
        """The first ``nrows`` rows of a sheet (without converting the rest of a big sheet)."""
        if sheet in self._rows:
            return self._rows[sheet][:nrows]
        if self._fast is not None and sheet is not None:
            rows = self._fast.head(sheet, nrows)
            if rows is not None:
                return rows
        calamine_sheet = self._calamine_sheet(sheet)
        if calamine_sheet is None:
            return []
        return calamine_sheet.to_python(skip_empty_area=False, nrows=nrows)

    def rows(self, sheet: str | None) -> Rows:
        if sheet not in self._rows:
            calamine_sheet = self._calamine_sheet(sheet)
            with gc_paused():
                rows = [] if calamine_sheet is None else calamine_sheet.to_python(skip_empty_area=False)
            self._rows[sheet] = rows
        return self._rows[sheet]

    def prefetch(self, sheets: Sequence[str]) -> None:
        """Start parsing these workbook sheets, in this order, in one background thread.

        python-calamine releases the GIL while it parses a sheet's XML (most of the cost of a big
        sheet), so the caller can work on another sheet meanwhile. A workbook object parses one sheet
        at a time (a second thread gets "Already borrowed"), so the thread opens its own from the same
        bytes. A damaged sheet is reported when it is asked for, as without prefetching."""
        wanted = [s for s in dict.fromkeys(sheets)
                  if s in self.sheet_names and s not in self._sheets and s not in self._pending]
        if not BACKGROUND_PARSE or self._workbook is None or self._data is None or not wanted:
            return
        import python_calamine

        data = self._data
        own: list[Any] = []

        def parse(sheet: str) -> Any:
            if not own:
                own.append(python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)))
            return own[0].get_sheet_by_name(sheet)

        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loantool-sheet")
        try:
            for sheet in wanted:
                self._pending[sheet] = executor.submit(parse, sheet)
        finally:
            executor.shutdown(wait=False)  # the thread ends when its queue is done

    def fast_table(self, sheet: str | None, header_index: int, header_cells: dict[int, str]) -> Any:
        """The data rows under a header row as typed columns (fast_sheet.FastTable), or None: then read
        the sheet's rows (:meth:`rows`)."""
        if self._fast is None or sheet is None or sheet in self._rows:
            return None
        return self._fast.table(sheet, header_index, header_cells)

    @property
    def fast(self) -> bool:
        """Whether the sheets are read as typed columns (:meth:`fast_table`)."""
        return self._fast is not None

    def parsed_ahead(self, ahead: Any) -> bool:
        """The read-ahead of these bytes (readahead.Ahead): the fast reading of its table takes the parse
        made there instead of parsing the sheet again. False when this book is not read the fast way."""
        if self._fast is None:
            return False
        self._fast.ahead[(ahead.sheet, ahead.header_index)] = ahead
        return True

    def prefetch_table(self, sheet: str | None, header_index: int, columns: Sequence[int] = ()) -> None:
        """Start loading the table under a header row in the background (fast reading only)."""
        if self._fast is not None and sheet is not None and BACKGROUND_PARSE:
            self._fast.prefetch(sheet, header_index, list(columns))

    def load_beside(self, sheet: str | None, header_index: int, columns: Sequence[int], big_sheet: str | None
                    ) -> None:
        """Plan to load a small table in the background as soon as the big sheet is parsed (fast reading
        only; see ``FastBook.load_beside``)."""
        if self._fast is not None and sheet is not None and big_sheet is not None:
            self._fast.load_beside(sheet, header_index, list(columns), big_sheet)

    def merged_ranges(self, sheet: str | None) -> list[tuple[int, int, int, int]]:
        """The merged cells of a workbook sheet as (first row, first col, last row, last col), 0-based
        like the rows (python-calamine reads them from .xlsx and .xls); none for text and HTML."""
        calamine_sheet = self._calamine_sheet(sheet)
        ranges = getattr(calamine_sheet, "merged_cell_ranges", None) if calamine_sheet is not None else None
        return [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (ranges or [])]

    def percent_cells(self, sheet: str | None, columns: Sequence[int]) -> set[tuple[int, int]]:
        """(row, column), 1-based, of the cells in ``columns`` (1-based) that show a percentage. Only an
        .xlsx tells (see :mod:`xlsx_formats`); other formats give none."""
        if self.fmt != sniff.ZIP or self._data is None or sheet is None or not columns:
            return set()
        from .xlsx_formats import percent_cells

        return percent_cells(self._data, sheet, columns, self.label)

    def discard(self) -> None:
        """Cancel the background parses that have not started and drop a workbook's parsed sheets and
        rows (read again if asked for) – once its tables are made, or after an error. The rows of a
        text or HTML file are all there is of it: they stay."""
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        if self._fast is not None:
            self._fast.discard()
        if self._workbook is not None:
            self._rows.clear()
            self._sheets.clear()

    def _calamine_sheet(self, sheet: str | None) -> Any:
        if self._workbook is None or sheet is None:
            return None
        if sheet not in self._sheets:
            try:
                pending = self._pending.pop(sheet, None)
                self._sheets[sheet] = (pending.result() if pending is not None
                                       else self._workbook.get_sheet_by_name(sheet))
            except Exception as exc:  # calamine raises several unrelated types for a damaged sheet
                raise InputError(_("{file}: sheet {sheet} cannot be read ({detail}).").format(
                    file=self.label, sheet=sheet, detail=exc), hint=_(_SAVE_AS)) from None
        return self._sheets[sheet]


def open_book(data: bytes, label: str, name: str | None = None) -> Book:
    """Open the bytes of a file as what they really are (see :mod:`sniff`)."""
    head = data[: sniff.HEAD_BYTES]
    if sniff.is_lock_file(name, head, len(data)):
        raise sniff.refuse_lock_file(label)
    if not data:  # a save or a copy cut short, or a file made and never written
        raise InputError(_("{file}: the file is empty (0 bytes).").format(file=label),
                         hint=_("It may still be being saved or copied: wait and try again, or restore it "
                                "from a backup."))
    fmt = sniff.sniff(head)
    if fmt in (sniff.ZIP, sniff.ODS, sniff.XLS):
        return _open_workbook(data, label, fmt)
    if fmt == sniff.HTML:
        tables = parse_html(decode_text(data, label, markup=True))
        if not tables:
            raise InputError(_("{file}: is an HTML file without any table, not a spreadsheet.").format(
                file=label), hint=_(_SAVE_AS))
        if len(tables) == 1:
            return Book(label, fmt, [None], {None: tables[0]})
        names = [f"table {i}" for i in range(1, len(tables) + 1)]
        return Book(label, fmt, list(names), dict(zip(names, tables, strict=True)))
    if fmt == sniff.XMLSS:
        sheets = parse_xml_spreadsheet(data, label)
        return Book(label, fmt, list(sheets), dict(sheets))
    if b"\x00" in head and not sniff.has_bom(head):
        raise InputError(_("{file}: is not a spreadsheet or a text file (unknown binary format).").format(
            file=label), hint=_(_SAVE_AS))
    return Book(label, fmt, [None], {None: parse_csv(decode_text(data, label))})


def _zip_readable(data: bytes) -> bool:
    """Whether the bytes are a whole zip archive (its central directory found and read)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return True


def _open_workbook(data: bytes, label: str, fmt: str) -> Book:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise InputError(_("{file}: is protected by a password.").format(file=label),
                         hint=_("Save an unprotected copy in Excel or WPS and use that.")) from None
    except Exception as exc:  # a damaged or unknown zip/OLE file: calamine's error types vary by format
        if fmt == sniff.XLS and "EncryptedPackage".encode("utf-16-le") in data:
            # an .xlsx saved with a password is an OLE container holding the encrypted workbook
            raise InputError(_("{file}: is protected by a password.").format(file=label),
                             hint=_("Save an unprotected copy in Excel or WPS and use that.")) from None
        if fmt == sniff.ZIP and not _zip_readable(data):
            message = _("{file}: is damaged or incomplete (its zip structure cannot be read).")
            raise InputError(message.format(file=label), hint=_(
                "If it is still being copied or saved, wait and try again; else open it in Excel or WPS, "
                "which may repair it, or restore it from a backup.")) from None
        raise InputError(_("{file}: cannot be opened as {format} ({detail}).").format(
            file=label, format=sniff.describe(fmt), detail=exc), hint=_(_SAVE_AS)) from None
    names = [
        meta.name for meta in workbook.sheets_metadata
        if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]
    fast = None
    if FAST_READ and fmt == sniff.ZIP:
        from . import fast_sheet

        if fast_sheet.available():
            try:
                fast = fast_sheet.FastBook(data, label)
            except Exception:  # noqa: BLE001 – a zip the standard library cannot list: read it the careful way
                fast = None
    return Book(label, fmt, list(names), _workbook=workbook, _data=data, _fast=fast)


# ------------------------------------------------------------------------------------------------ text


def decode_text(data: bytes, label: str, *, markup: bool = False) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (which covers GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
        declared = sniff.declared_charset(data) if markup else None
        if declared in ("gbk", "gb2312", "gb18030", "cp936"):
            candidates = ["gb18030", "utf-8"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(_("{file}: is neither UTF-8 nor GB18030/GBK text.").format(file=label),
                     hint=_("Save it again as CSV UTF-8, or as .xlsx."))


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits most sample lines cleanly.

    A line counts when it splits into two or more fields and no field keeps a stray quote (a
    wrong delimiter leaves the quotes of properly quoted fields inside the cells). Ties go to the
    comma, then tab.
    """
    lines = [line for line in text.splitlines()[:_SAMPLE_LINES] if line.strip()]
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        score = 0
        for fields in csv.reader(lines, delimiter=delimiter):
            if len(fields) >= 2 and not any(_stray_quote(f) for f in fields):
                score += 1
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _stray_quote(cell: str) -> bool:
    # ="…" is how exports keep codes as text; any other quote left in a cell means a wrong split
    return '"' in cell and not (cell.startswith('="') and cell.endswith('"') and cell.count('"') == 2)


def parse_csv(text: str, delimiter: str | None = None) -> Rows:
    delimiter = delimiter or sniff_delimiter(text)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise InputError(_("cannot read the text as CSV ({detail}).").format(detail=exc),
                         hint=_("Save it again as CSV UTF-8.")) from None


# ------------------------------------------------------------------------------------------------ HTML


_BR = "\x00"


class _TableParser(HTMLParser):
    """Collects every ``<table>`` as rows of cell texts; colspan and rowspan keep columns aligned."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Rows] = []
        self._stack: list[dict[str, Any]] = []  # open tables (they may nest)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append({"rows": [], "row": None, "cell": None, "spans": {}})
            return
        if not self._stack:
            return
        table = self._stack[-1]
        if tag == "tr":
            self._end_row(table)
            table["row"] = []
        elif tag in ("td", "th"):
            self._end_cell(table)
            if table["row"] is None:
                table["row"] = []
            values = dict(attrs)
            table["cell"] = {"text": [], "colspan": _span(values.get("colspan")),
                             "rowspan": _span(values.get("rowspan"))}
        elif tag == "br" and table["cell"] is not None:
            table["cell"]["text"].append(_BR)

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            return
        table = self._stack[-1]
        if tag in ("td", "th"):
            self._end_cell(table)
        elif tag == "tr":
            self._end_row(table)
        elif tag == "table":
            self._end_row(table)
            self.tables.append(self._stack.pop()["rows"])

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"]["text"].append(data)

    def close(self) -> None:
        super().close()
        while self._stack:
            self.handle_endtag("table")

    def _fill_spans(self, table: dict[str, Any]) -> None:
        row, spans = table["row"], table["spans"]
        while len(row) in spans:
            col = len(row)
            row.append("")
            spans[col] -= 1
            if spans[col] == 0:
                del spans[col]

    def _end_cell(self, table: dict[str, Any]) -> None:
        cell = table["cell"]
        if cell is None:
            return
        table["cell"] = None
        self._fill_spans(table)
        row = table["row"]
        # source line breaks are layout; only <br> is a line break inside the cell
        parts = "".join(cell["text"]).split(_BR)
        text = "\n".join(re.sub(r"\s+", " ", part).strip() for part in parts).strip()
        for k in range(cell["colspan"]):
            if cell["rowspan"] > 1:
                table["spans"][len(row)] = cell["rowspan"] - 1
            row.append(text if k == 0 else "")

    def _end_row(self, table: dict[str, Any]) -> None:
        self._end_cell(table)
        if table["row"] is None:
            return
        if table["spans"]:
            width = max(table["spans"]) + 1
            while len(table["row"]) < width and len(table["row"]) in table["spans"]:
                self._fill_spans(table)
        table["rows"].append(table["row"])
        table["row"] = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def parse_html(text: str) -> list[Rows]:
    """Every non-empty table of an HTML document, in document order (inner tables first)."""
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return [rows for rows in parser.tables if any(any(cell for cell in row) for row in rows)]


# --------------------------------------------------------------------------------- XML Spreadsheet 2003

_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def parse_xml_spreadsheet(data: bytes, label: str) -> dict[str, Rows]:
    """Excel 2003 XML: ``Worksheet/Table/Row/Cell/Data``, with ``ss:Index`` skipping empty cells."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(_("{file}: is damaged XML ({detail}).").format(file=label, detail=exc),
                         hint=_(_SAVE_AS)) from None
    sheets: dict[str, Rows] = {}
    for number, worksheet in enumerate(root.iter(f"{_SS}Worksheet"), start=1):
        name = worksheet.get(f"{_SS}Name") or f"Sheet{number}"
        rows: Rows = []
        for row in worksheet.iter(f"{_SS}Row"):
            index = int(row.get(f"{_SS}Index") or len(rows) + 1)
            while len(rows) < index - 1:
                rows.append([])
            cells: list[Any] = []
            for cell in row.iter(f"{_SS}Cell"):
                col = int(cell.get(f"{_SS}Index") or len(cells) + 1)
                cells.extend([""] * (col - 1 - len(cells)))
                item = cell.find(f"{_SS}Data")
                cells.append(_xml_value(item))
                cells.extend([""] * int(cell.get(f"{_SS}MergeAcross") or 0))
            rows.append(cells)
        sheets[name] = rows
    if not sheets:
        raise InputError(_("{file}: is XML but not a spreadsheet.").format(file=label), hint=_(_SAVE_AS))
    return sheets


def _xml_value(item: ET.Element | None) -> Any:
    if item is None:
        return ""
    text = "".join(item.itertext())
    kind = item.get(f"{_SS}Type")
    try:
        if kind == "Number":
            return float(text)
        if kind == "DateTime":
            return datetime.fromisoformat(text.rstrip("Z"))
        if kind == "Boolean":
            return text.strip() == "1"
    except ValueError:
        pass
    return text
