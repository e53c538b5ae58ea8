"""XlsxWriter, faster for big tables: the same workbook, byte for byte, in a fraction of the time.

A report of 20,000 loans writes a quarter of a million cells, and XlsxWriter spends most of its time on
each cell twice: storing it (a decorated method, a dimension check and a tuple per cell) and writing it
out (attribute lists, escaping and several method calls per cell). Here:

- :class:`FastWorksheet` keeps XlsxWriter's own cell table, shared strings and row settings – every
  other feature (merges, charts, filters, print setup) works unchanged – and adds
  :meth:`FastWorksheet.write_table` (rows of cells given column by column, stored row by row in the
  order the shared strings are numbered) and :meth:`FastWorksheet.set_row_heights` (many rows' heights).
- Its ``_write_rows`` writes the ``<sheetData>`` rows of that table with one string per cell instead of
  the per-cell method calls, and leaves anything it does not know (comments, formulas, rich strings, a
  cell without a format …) to XlsxWriter's own code at the same place.
- :class:`FastWorkbook` writes the shared strings a string per ``<si>`` (XlsxWriter's own ``_write_si``
  for any string that needs escaping or keeps its spaces) and packs the parts with zlib's fastest level:
  a report's XML deflates in a third of the time to a file some 30 % larger (1.4 MB instead of 1.1 MB for
  20,000 loans) – the parts are the same bytes, only their packing differs.

The contract, kept by tests/test_report_fast.py: a workbook written through these classes is the same
file, every part byte for byte, as the one XlsxWriter writes through its public methods
(``write_string`` … ``set_row``) – the shared strings in the same order, the formats given the same
numbers in the same order (XlsxWriter numbers a format the first time it writes a cell with it).
"""

from __future__ import annotations

import functools
import re
import types
import zipfile
from collections.abc import Sequence
from typing import Any

from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellDatetimeTuple,
    CellNumberTuple,
    CellStringTuple,
    RowInfo,
    Worksheet,
)

# kinds of a column's cells for write_table: text, a number (int or float), a date (datetime.datetime)
TEXT, NUMBER, DATE = "text", "number", "date"
BLANK = object()  # a blank cell (with its format) in write_table's values


class PlainWorksheet(Worksheet):
    """:meth:`write_table` and :meth:`set_row_heights` through XlsxWriter's public methods, one cell and
    one row at a time: what :class:`FastWorksheet` must give, byte for byte."""

    def write_table(self, first_row: int, first_col: int, kinds: Sequence[str],
                    values: Sequence[Sequence[Any]], formats: Sequence[Sequence[Any]]) -> None:
        """Cells of rows ``first_row`` … (one per value of each column): column ``j`` (sheet column
        ``first_col + j``) holds ``values[j][i]`` in row ``first_row + i`` – text, a number or a
        ``datetime`` as ``kinds[j]`` says, :data:`BLANK` for a blank cell – with format ``formats[i][j]``.
        Written row by row, column by column: XlsxWriter numbers shared strings in the order written."""
        write = {TEXT: self.write_string, NUMBER: self.write_number, DATE: self.write_datetime}
        for i in range(len(values[0]) if values else 0):
            for j, (kind, column) in enumerate(zip(kinds, values, strict=True)):
                value = column[i]
                if value is BLANK:
                    self.write_blank(first_row + i, first_col + j, None, formats[i][j])
                else:
                    write[kind](first_row + i, first_col + j, value, formats[i][j])

    def write_strings(self, rows: Sequence[int], cols: Sequence[int], strings: Sequence[str],
                      formats: Sequence[Any]) -> None:
        """``write_string(rows[k], cols[k], strings[k], formats[k])`` for each k, in that order."""
        for row, col, string, cell_format in zip(rows, cols, strings, formats, strict=True):
            self.write_string(row, col, string, cell_format)

    def set_row_heights(self, rows: Sequence[int], heights: Sequence[float]) -> None:
        """``set_row(row, height)`` for each row and height."""
        for row, height in zip(rows, heights, strict=True):
            self.set_row(row, height)


class FastWorksheet(PlainWorksheet):
    """An XlsxWriter worksheet with bulk writing (see the module docstring)."""

    def write_table(self, first_row: int, first_col: int, kinds: Sequence[str],
                    values: Sequence[Sequence[Any]], formats: Sequence[Sequence[Any]]) -> None:
        """As :meth:`PlainWorksheet.write_table`, storing the cells straight into the table."""
        n_rows = len(values[0]) if values else 0
        if not n_rows:
            return
        n_cols = len(values)
        if self.constant_memory or first_row < 0 or first_col < 0 \
                or first_row + n_rows > self.xls_rowmax or first_col + n_cols > self.xls_colmax:
            super().write_table(first_row, first_col, kinds, values, formats)
            return
        if any(len(column) != n_rows for column in values) or len(formats) != n_rows:
            raise ValueError("write_table: every column needs one value per row and every row its formats")
        strings = self.str_table
        index_of = strings.string_table
        limit = self.xls_strmax // 2  # a string this short cannot exceed Excel's limit
        convert_date = self._convert_date_time
        table = self.table
        columns = list(enumerate(zip(kinds, values, strict=True), start=first_col))
        count = 0
        unformatted_blank = False
        for i in range(n_rows):
            at = first_row + i
            row = table[at]
            row_formats = formats[i]
            for col, (kind, column) in columns:
                value = column[i]
                cell_format = row_formats[col - first_col]
                if value is BLANK:
                    if cell_format is None:  # XlsxWriter writes no such cell (nor stretches the sheet)
                        unformatted_blank = True
                    else:
                        row[col] = CellBlankTuple(cell_format)
                elif kind == TEXT:
                    if value.__class__ is not str or len(value) > limit:  # XlsxWriter's own way (cut
                        strings.count += count  # to Excel's limit, or its error)
                        count = 0
                        self._write_string(at, col, value, cell_format)
                        continue
                    index = index_of.get(value)
                    if index is None:
                        index = index_of[value] = strings.unique_count
                        strings.unique_count += 1
                    count += 1
                    row[col] = CellStringTuple(index, cell_format)
                elif kind == NUMBER:
                    if value.__class__ is int or (value.__class__ is float and value - value == 0):
                        row[col] = CellNumberTuple(value, cell_format)
                    else:  # NaN, ±inf, a Fraction, numpy numbers …: XlsxWriter's own rules
                        self._write_number(at, col, value, cell_format)
                else:
                    if cell_format is None:
                        cell_format = self.default_date_format
                    row[col] = CellDatetimeTuple(convert_date(value), cell_format)
        strings.count += count
        # the dimensions each of those writes would have stretched
        if unformatted_blank:
            for i in range(n_rows):
                for col in table[first_row + i]:
                    self._check_dimensions(first_row + i, col)
        else:
            self._check_dimensions(first_row, first_col)
            self._check_dimensions(first_row + n_rows - 1, first_col + n_cols - 1)

    def write_strings(self, rows: Sequence[int], cols: Sequence[int], strings: Sequence[str],
                      formats: Sequence[Any]) -> None:
        """As :meth:`PlainWorksheet.write_strings`, storing the cells straight into the table."""
        if not rows:
            return
        if self.constant_memory or len({len(rows), len(cols), len(strings), len(formats)}) != 1 \
                or not self._inside(rows, cols):
            super().write_strings(rows, cols, strings, formats)
            return
        table, strings_table = self.table, self.str_table
        index_of = strings_table.string_table
        limit = self.xls_strmax // 2
        count = 0
        for row, col, string, cell_format in zip(rows, cols, strings, formats, strict=True):
            if string.__class__ is not str or len(string) > limit:
                strings_table.count += count
                count = 0
                self._write_string(row, col, string, cell_format)  # XlsxWriter's own way
                continue
            index = index_of.get(string)
            if index is None:
                index = index_of[string] = strings_table.unique_count
                strings_table.unique_count += 1
            count += 1
            table[row][col] = CellStringTuple(index, cell_format)
        strings_table.count += count
        # the dimensions the writes stretch (smallest and largest row and column, in any order)
        self._check_dimensions(min(rows), min(cols))
        self._check_dimensions(max(rows), max(cols))

    def _inside(self, rows: Sequence[int], cols: Sequence[int]) -> bool:
        return (0 <= min(rows) and max(rows) < self.xls_rowmax
                and 0 <= min(cols) and max(cols) < self.xls_colmax)

    def set_row_heights(self, rows: Sequence[int], heights: Sequence[float]) -> None:
        """As :meth:`PlainWorksheet.set_row_heights`, storing the rows straight into the table."""
        if not rows:
            return
        first_col = self.dim_colmin if self.dim_colmin is not None else 0
        if not self._inside(rows, [first_col]):
            super().set_row_heights(rows, heights)
            return
        # set_row's dimension check of each row, at once: the rows stretch the sheet, and a sheet without
        # columns yet gets column 0
        self._check_dimensions(min(rows), first_col)
        self._check_dimensions(max(rows), first_col)
        info, sizes = self.row_info, self.row_sizes
        settings: dict[float, tuple[Any, list[Any]] | None] = {}  # XlsxWriter never changes them in place
        for row, height in zip(rows, heights, strict=True):
            setting = settings.get(height, False)
            if setting is False:
                pixels = int(height * 4.0 / 3.0 + 0.5)
                setting = settings[height] = None if pixels == 0 else (
                    RowInfo(height=pixels, row_format=None, hidden=False, level=0, collapsed=False),
                    [pixels, False])
            if setting is None:  # hidden: XlsxWriter's own handling
                self.set_row(row, height)
                continue
            info[row], sizes[row] = setting

    # ------------------------------------------------------------------------------------- writing out

    def _calculate_spans(self) -> None:
        # XlsxWriter's rule, from the cells' columns: each block of 16 rows gets "first:last" (1-based) of
        # the columns its cells use (comments count too)
        spans: dict[int, list[int]] = {}
        row_min, row_max = self.dim_rowmin, self.dim_rowmax
        col_min, col_max = self.dim_colmin, self.dim_colmax
        for source in (self.table, self.comments):
            for row_num, cells in source.items():
                if not cells or not row_min <= row_num <= row_max:
                    continue
                low, high = min(cells), max(cells)
                if low < col_min or high > col_max:
                    used = [c for c in cells if col_min <= c <= col_max]
                    if not used:
                        continue
                    low, high = min(used), max(used)
                block = spans.get(row_num >> 4)
                if block is None:
                    spans[row_num >> 4] = [low, high]
                else:
                    if low < block[0]:
                        block[0] = low
                    if high > block[1]:
                        block[1] = high
        self.row_spans = {index: f"{low + 1}:{high + 1}" for index, (low, high) in spans.items()}

    def _write_rows(self) -> None:
        if self.excel_version != 2007 or self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        out: list[str] = []
        fh = self.fh
        self.fh = _Collector(out)  # XlsxWriter's own methods, where used, write into the same list
        try:
            self._rows_xml(out)
        finally:
            self.fh = fh
        fh.write("".join(out))

    def _rows_xml(self, out: list[str]) -> None:
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        row_min, row_max = self.dim_rowmin, self.dim_rowmax
        col_min, col_max = self.dim_colmin, self.dim_colmax
        names = {col: xl_col_to_name(col) for col in range(col_min, col_max + 1)}
        xf_of: dict[Any, int] = {}  # formats numbered on first use, as XlsxWriter's own loop numbers them
        tails: dict[tuple[Any, Any], str | None | bool] = {}
        append = out.append
        rows = set(table)
        rows.update(row_info)
        rows.update(comments)
        for row_num in sorted(rows):
            if not row_min <= row_num <= row_max:
                continue
            cells = table.get(row_num)
            info = row_info.get(row_num)
            if not cells and info is None and row_num not in comments:
                continue
            span = spans.get(row_num >> 4)
            if info is None or (info.row_format is None
                                and not (info.hidden or info.level or info.collapsed)):
                key = (span, None if info is None else info.height)  # rows alike get the same attributes
                tail = tails.get(key, False)
                if tail is False:
                    tail = tails[key] = self._row_tail(span, info)
            else:
                tail = None
            if tail is None:  # a row with a format, hidden or outlined: XlsxWriter's own writing
                if cells:
                    self._write_row(row_num, span, info)
                else:
                    self._write_empty_row(row_num, span, info)
                    continue
            elif cells:
                append(f'<row r="{row_num + 1}"{tail}>')
            else:
                append(f'<row r="{row_num + 1}"{tail}/>')
                continue
            r = str(row_num + 1)
            row_format = info.row_format if info is not None else None
            for col_num in sorted(cells):
                if not col_min <= col_num <= col_max:
                    continue
                cell = cells[col_num]
                cell_format = cell.format
                kind = cell.__class__
                if cell_format is None or row_format is not None:
                    self._write_cell(row_num, col_num, cell)
                    continue
                xf = xf_of.get(cell_format)
                if xf is None:
                    if kind is not CellStringTuple and kind is not CellBlankTuple \
                            and kind is not CellNumberTuple and kind is not CellDatetimeTuple:
                        self._write_cell(row_num, col_num, cell)
                        continue
                    xf = xf_of[cell_format] = cell_format._get_xf_index()
                if kind is CellStringTuple:
                    append(f'<c r="{names[col_num]}{r}" s="{xf}" t="s"><v>{cell.string}</v></c>')
                elif kind is CellBlankTuple:
                    append(f'<c r="{names[col_num]}{r}" s="{xf}"/>')
                elif kind is CellNumberTuple or kind is CellDatetimeTuple:
                    append(f'<c r="{names[col_num]}{r}" s="{xf}"><v>{cell.number:.16G}</v></c>')
                else:
                    self._write_cell(row_num, col_num, cell)
            append("</row>")

    def _row_tail(self, span: str | None, info: Any) -> str | None:
        """The attributes after ``r`` of ``<row …>`` as XlsxWriter's ``_write_row`` writes them for a row
        without a format, not hidden nor outlined; None for any other row."""
        if info is None:
            height = self.default_row_height
        elif info.row_format is not None or info.hidden or info.level or info.collapsed:
            return None
        else:
            height = info.height if info.height is not None else self.default_row_height
        tail = f' spans="{span}"' if span else ""
        if height != self.original_row_height or height != self.default_row_height:
            tail += f' ht="{height * 0.75:.16g}" customHeight="1"'
        return tail


class _Collector:
    """A file-like ``write`` into a list (XlsxWriter's XML methods write to ``self.fh``)."""

    def __init__(self, parts: list[str]):
        self.write = parts.append


# a string XlsxWriter's _write_si would change or mark: escapes, control characters, a literal _xHHHH_,
# a rich string (it starts with "<r>"), leading or trailing whitespace (its _preserve_whitespace rule)
_SI_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|^\s|\s$")


class FastSharedStrings(SharedStrings):
    """sharedStrings.xml with one ``<si><t>…</t></si>`` string per plain text; the rest through
    XlsxWriter's own ``_write_si``, in the same order, into the same output."""

    def _write_sst_strings(self) -> None:
        out: list[str] = []
        fh = self.fh
        self.fh = _Collector(out)
        try:
            special = _SI_SPECIAL.search
            append = out.append
            for string in self.string_table.string_array:
                if special(string):
                    self._write_si(string)
                else:
                    append(f"<si><t>{string}</t></si>")
        finally:
            self.fh = fh
        fh.write("".join(out))


class FastPackager(Packager):
    def _write_shared_strings_file(self) -> None:
        # Packager's own, with FastSharedStrings
        if not self.workbook.str_table.count:
            return
        sst = FastSharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


def _packed_fast(store: Any) -> Any:
    """XlsxWriter's ``Workbook._store_workbook`` itself, its ``ZipFile`` deflating at level 1: the same
    code with that one name bound otherwise (nothing of XlsxWriter's module is changed). It applies to
    the parts XlsxWriter writes through temporary files, as the reports are written; an ``in_memory``
    workbook's parts carry their own settings and keep zlib's default level."""
    names = dict(store.__globals__)
    names["ZipFile"] = functools.partial(zipfile.ZipFile, compresslevel=1)
    fast = types.FunctionType(store.__code__, names, store.__name__, store.__defaults__, store.__closure__)
    fast.__doc__, fast.__qualname__ = store.__doc__, store.__qualname__
    return fast


class FastWorkbook(Workbook):
    """An XlsxWriter workbook whose worksheets are :class:`FastWorksheet`, its shared strings written by
    :class:`FastSharedStrings` and its parts deflated at zlib's fastest level."""

    worksheet_class = FastWorksheet
    _store_workbook = _packed_fast(Workbook._store_workbook)

    def _get_packager(self) -> Packager:
        return FastPackager()


class PlainWorkbook(Workbook):
    """An XlsxWriter workbook whose worksheets are :class:`PlainWorksheet` (the reference)."""

    worksheet_class = PlainWorksheet
