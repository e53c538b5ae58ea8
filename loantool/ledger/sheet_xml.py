"""Splicing cells and rows into one worksheet part's XML text (工作表 XML 的局部修改).

The sheet is never parsed into a tree and serialised again: that would rewrite namespace prefixes,
attribute order and whitespace, and drop what a tree model does not know. Instead the rows of
``<sheetData>`` are indexed by a scan of the raw text, and only the ``<row>`` elements that receive
a changed cell are rebuilt; every other byte of the part stays where it was. The dimension grows with
the cells written. Anything this scanner does not understand is refused (``LedgerUnsafeError``), never
guessed at.

The writer hands the part over as bytes (as it is in the zip: a 400,000-row sheet is never decoded or
encoded whole); the row insertion under a footer (``xlsx_rows``) works on its text. The row numbers of
the whole sheet are read and checked (all there, ascending) with one regular-expression pass; where each
row starts is found only for the rows a write needs – counted back from ``</sheetData>`` for appended
rows, or by one scan of the rows when cells deep inside the sheet change.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from bisect import bisect_left
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from ..errors import LedgerUnsafeError
from ..i18n import _
from .xlsx_cells import (
    CellValue,
    cell_ref,
    col_letters,
    col_number,
    escape_text,
    excel_serial,
    format_range,
    number_text,
    parse_range,
    parse_ref,
    serial_text,
    unescape_text,
)

_ROOT = re.compile(r"<(?:(\w+):)?(worksheet|chartsheet|dialogsheet|macrosheet)[\s/>]")
STYLE_SEARCH_ROWS = 1000  # how far up a new cell looks for a styled cell in its column
_R_ATTR = re.compile(r"""\sr\s*=\s*["']([^"']*)["']""")
_S_ATTR = re.compile(r"""\ss\s*=\s*["'](\d+)["']""")
_T_ATTR = re.compile(r"""\st\s*=\s*["'](\w+)["']""")
_SPANS = re.compile(r"""\sspans\s*=\s*["']([\d: ]*)["']""")
_REF_ATTR = re.compile(r"""(\sref\s*=\s*["'])([^"']*)(["'])""")
_LOCAL_ROWS = 50_000  # rows counted from either end of the sheet before it is indexed whole
_SPACE = " \t\r\n/>"  # what may follow a tag name


@lru_cache(maxsize=256)
def _pattern(source: str, binary: bool, flags: int = 0) -> re.Pattern:
    """``source`` compiled for text or for bytes (the patterns are ASCII)."""
    return re.compile(source.encode("ascii") if binary else source, flags)


# -------------------------------------------------------------------------------------------- sheet

# Resolves the style index a cell gets: (row, col, existing s or None, value, is_new_cell) → s or None
StylePicker = Callable[[int, int, "int | None", CellValue, bool], "int | None"]


class SheetXml:
    """One worksheet part as text, with its rows indexed for splicing."""

    def __init__(self, text: str | bytes, where: str, date1904: bool = False):
        self.text = text  # bytes (the part as stored) or str; every offset below counts in its units
        self.binary = isinstance(text, bytes)
        self.where = where  # "sheet 贷款台账" – for messages
        self.date1904 = date1904
        root = self._re(_ROOT.pattern).search(text)
        if not root or self._str(root.group(2)) != "worksheet":
            kind = self._str(root.group(2)) if root else _("unknown part")
            raise LedgerUnsafeError(
                _("{where} is a {kind}, not a worksheet with cells; loantool cannot edit it.").format(
                    where=where, kind=kind)
            )
        self.prefix = f"{self._str(root.group(1))}:" if root.group(1) else ""
        p = self.prefix
        self._close_row = self._lit(f"</{p}row>")
        self._close_cell = self._lit(f"</{p}c>")
        self._opening = self._lit(f"<{p}row")
        self._space = self._lit(_SPACE)
        self._cell_start = self._re(rf"<{re.escape(p)}c(?=[\s/>])")
        # a cell spelled with another prefix would be invisible to the scan: refuse rather than miss it
        self._foreign_cell = self._re(r"<c[\s/>]" if p else r"<\w+:c[\s/>]")
        self._s_attr = self._re(_S_ATTR.pattern)
        self._r_attr = self._re(_R_ATTR.pattern)
        sd = self._re(rf"<{re.escape(p)}sheetData\s*(/?)>").search(text)
        # the last </sheetData> (found at once, near the end) is the first when "sheetData" is nowhere
        # between: one scan says both that there is a single <sheetData> and where it closes
        close = self._lit(f"</{p}sheetData>")
        last = text.rfind(close) if sd else -1
        if sd and last > sd.end() and text.find(self._lit("sheetData"), sd.end(), last) == -1:
            self.sd_close = last
        elif not sd or text.find(self._lit(f"<{p}sheetData"), sd.end()) != -1:
            raise LedgerUnsafeError(
                _("{where}: no single <sheetData> element found; cannot edit this sheet safely.").format(
                    where=where)
            )
        else:
            self.sd_close = text.find(close, sd.end())
        self.sd_start, self.sd_open_end = sd.start(), sd.end()
        self.sd_self_closing = bool(sd.group(1))
        if self.sd_self_closing:
            self.sd_close = self.sd_open_end
        elif self.sd_close < 0:
            raise LedgerUnsafeError(
                _("{where}: <sheetData> is not closed; the sheet is damaged.").format(where=where))
        # "<!" inside the cell data can only open a comment or a CDATA section ("!" looked for alone:
        # it is rare in a sheet, while "<" is everywhere)
        bang = text.find(self._lit("!"), self.sd_open_end, self.sd_close)
        while bang >= 0:
            if text[bang - 1 : bang] == self._lit("<"):
                raise LedgerUnsafeError(
                    _("{where}: comments or CDATA inside the cell data; cannot edit it safely.").format(
                        where=where)
                )
            bang = text.find(self._lit("!"), bang + 1, self.sd_close)
        self._index_rows()
        self._cells_cache: dict[int, list[tuple[int, int, int, str | bytes, bool]]] = {}
        self._style_memo: dict[int, tuple[int, tuple[int, int] | None]] = {}
        self._letters: dict[int, str] = {}  # column → its letters, for the cells written
        self._encoded: dict[tuple[type, CellValue], tuple[str | None, str]] = {}  # numbers, dates, bools

    # the buffer's own kind: text patterns and literals as bytes when the part is bytes
    def _re(self, source: str, flags: int = 0) -> re.Pattern:
        return _pattern(source, self.binary, flags)

    def _lit(self, text: str) -> str | bytes:
        return text.encode("utf-8") if self.binary else text

    def _str(self, piece: str | bytes) -> str:
        if isinstance(piece, str):
            return piece
        try:
            return piece.decode("utf-8")
        except UnicodeDecodeError:
            raise LedgerUnsafeError(_("{where} is not valid UTF-8 XML; the workbook is damaged.").format(
                where=self.where)) from None

    # --------------------------------------------------------------------------------- indexing

    def _index_rows(self) -> None:
        text, p = self.text, self.prefix
        # a row with another prefix than the worksheet's would be invisible to the scan below
        other = self._lit(":row" if not p else "<row")
        word = self._re(r"<\w+$")
        k = text.find(other, self.sd_open_end, self.sd_close)
        while k >= 0:
            if text[k + 4 : k + 5] in self._space and (p or word.search(text[max(k - 40, 0) : k])):
                raise LedgerUnsafeError(
                    _("{where}: rows written with mixed namespace prefixes; not editable.").format(
                        where=self.where)
                )
            k = text.find(other, k + 4, self.sd_close)
        # every row's number in one pass ("" for a row without one), then checked: all there, ascending
        numbers = self._re(rf"<{re.escape(p)}row(?=[\s/>])(?:[^>]*?\sr\s*=\s*[\"'](\d+)[\"']|)").findall(
            text, self.sd_open_end, self.sd_close)
        missing = numbers.index(self._lit("")) if self._lit("") in numbers else len(numbers)
        nums = list(map(int, numbers[:missing]))
        if any(map(operator.ge, nums, nums[1:])):
            first = next(i for i in range(1, len(nums)) if nums[i] <= nums[i - 1])
            raise LedgerUnsafeError(
                _("{where}: rows out of order near row {row}; not editable.").format(
                    where=self.where, row=nums[first])
            )
        if missing < len(numbers):
            raise LedgerUnsafeError(
                _("{where}: a row without a row number (r=…); save the file in Excel/WPS "
                  "first.").format(where=self.where)
            )
        self.row_nums = nums
        self._starts = [-1] * len(nums)  # where row i starts, -1 while not looked for
        self._tag_ends = [-1] * len(nums)
        self._head, self._tail = 0, len(nums)  # rows below _head and from _tail on are located

    def _locate(self, i: int) -> None:
        """Find where row ``i`` starts (and its neighbours towards the nearer end of the sheet)."""
        if self._starts[i] >= 0:
            return
        count = len(self.row_nums)
        if self._tail - i <= _LOCAL_ROWS:
            pos = self._starts[self._tail] if self._tail < count else self.sd_close
            for j in range(self._tail - 1, i - 1, -1):
                pos = self.text.rfind(self._opening, self.sd_open_end, pos)
                while pos >= 0 and self.text[pos + len(self._opening) : pos + len(self._opening) + 1] \
                        not in self._space:
                    pos = self.text.rfind(self._opening, self.sd_open_end, pos)
                self._place(j, pos)
            self._tail = i
        elif i - self._head < _LOCAL_ROWS:
            pos = self._tag_ends[self._head - 1] if self._head else self.sd_open_end
            for j in range(self._head, i + 1):
                pos = self.text.find(self._opening, pos, self.sd_close)
                while pos >= 0 and self.text[pos + len(self._opening) : pos + len(self._opening) + 1] \
                        not in self._space:
                    pos = self.text.find(self._opening, pos + 1, self.sd_close)
                pos = self._place(j, pos)
            self._head = i + 1
        else:
            self._index_all()

    def _place(self, j: int, pos: int) -> int:
        """Row ``j`` starts at ``pos``: its tag is checked against the number read for it."""
        tag_end = self.text.find(self._lit(">"), pos + len(self._opening)) + 1 if pos >= 0 else 0
        found = self._r_attr.search(self.text, pos + len(self._opening), tag_end) if tag_end else None
        if not found or j >= len(self.row_nums) or int(found.group(1)) != self.row_nums[j]:
            raise LedgerUnsafeError(
                _("{where}: rows out of order near row {row}; not editable.").format(
                    where=self.where, row=self.row_nums[min(j, len(self.row_nums) - 1)])
            )
        self._starts[j], self._tag_ends[j] = pos, tag_end
        return tag_end

    def start(self, i: int) -> int:
        """Where row index ``i`` starts."""
        self._locate(i)
        return self._starts[i]

    def tag_end(self, i: int) -> int:
        """Where the opening tag of row index ``i`` ends."""
        self._locate(i)
        return self._tag_ends[i]

    def _index_all(self) -> None:
        opening = self._re(rf"<{re.escape(self.prefix)}row(?=[\s/>])")
        for j, match in enumerate(opening.finditer(self.text, self.sd_open_end, self.sd_close)):
            self._place(j, match.start())
        self._head, self._tail = len(self.row_nums), 0

    @property
    def row_starts(self) -> list[int]:
        """Where every row starts (the whole sheet is indexed)."""
        if self._head < self._tail:
            self._index_all()
        return self._starts

    @property
    def row_tag_ends(self) -> list[int]:
        if self._head < self._tail:
            self._index_all()
        return self._tag_ends

    def _row_end(self, i: int) -> int:
        tag_end = self.tag_end(i)
        if self.text[tag_end - 2 : tag_end - 1] == self._lit("/"):
            return tag_end
        close = self.text.find(self._close_row, tag_end)
        limit = self.start(i + 1) if i + 1 < len(self.row_nums) else self.sd_close
        if close < 0 or close > limit:
            raise LedgerUnsafeError(
                _("{where}: row {row} is not closed; the sheet is damaged.").format(
                    where=self.where, row=self.row_nums[i])
            )
        return close + len(self._close_row)

    def _cells(self, i: int) -> list[tuple[int, int, int, str | bytes, bool]]:
        """(col, start, end, attributes, has_r) of each cell of row index ``i``, in document order."""
        cached = self._cells_cache.get(i)
        if cached is not None:
            return cached
        text = self.text
        tag_end, end = self.tag_end(i), self._row_end(i)
        if self._foreign_cell.search(text, tag_end, end):
            raise LedgerUnsafeError(
                _("{where}: cells of row {row} use another namespace prefix; not editable.").format(
                    where=self.where, row=self.row_nums[i])
            )
        cells = []
        col = 0
        pos = tag_end
        gt, slash = self._lit(">"), self._lit("/")
        while True:
            match = self._cell_start.search(text, pos, end)
            if not match:
                break
            open_end = text.find(gt, match.end(), end) + 1
            if open_end <= 0:
                raise LedgerUnsafeError(
                    _("{where}: a damaged cell in row {row}.").format(where=self.where, row=self.row_nums[i]))
            self_closing = text[open_end - 2 : open_end - 1] == slash
            attrs = text[match.end() : open_end - (2 if self_closing else 1)]
            if self_closing:
                cell_end = open_end
            else:
                close = text.find(self._close_cell, open_end, end)
                if close < 0:
                    raise LedgerUnsafeError(
                        _("{where}: a cell in row {row} is not closed.").format(
                            where=self.where, row=self.row_nums[i]))
                cell_end = close + len(self._close_cell)
            ref = self._r_attr.search(attrs)
            if ref:
                try:
                    _row, col = parse_ref(self._str(ref.group(1)))
                except ValueError:
                    raise LedgerUnsafeError(
                        _("{where}: bad cell reference {ref}.").format(
                            where=self.where, ref=repr(self._str(ref.group(1))))) from None
            else:
                col += 1  # a cell without r= follows the one before it (ECMA-376 18.3.1.4)
            cells.append((col, match.start(), cell_end, attrs, bool(ref)))
            pos = cell_end
        self._cells_cache[i] = cells
        return cells

    def row_index(self, row: int) -> int | None:
        i = bisect_left(self.row_nums, row)
        return i if i < len(self.row_nums) and self.row_nums[i] == row else None

    def last_data_row(self) -> int:
        """The last row holding a value or formula (rows of empty formatted cells do not count)."""
        p = self.prefix
        marks = [self._lit(m) for m in (f"<{p}v>", f"<{p}v ", f"<{p}is>", f"<{p}is ", f"<{p}f>", f"<{p}f ",
                                        f"<{p}f/")]
        for i in range(len(self.row_nums) - 1, -1, -1):
            body = self.text[self.tag_end(i) : self._row_end(i)]
            if any(mark in body for mark in marks):
                return self.row_nums[i]
        return 0

    def holds_value(self, row: int, col: int) -> bool:
        """Whether cell (row, col) holds a value or a formula."""
        i = self.row_index(row)
        if i is None:
            return False
        for cell_col, start, end, _attrs, _has_r in self._cells(i):
            if cell_col == col:
                return self._has_content(self.text[start:end])
        return False

    def _has_content(self, cell_xml: str | bytes) -> bool:
        p = self.prefix
        return any(self._lit(mark) in cell_xml for mark in (f"<{p}v>", f"<{p}v ", f"<{p}is", f"<{p}f"))

    def style_left(self, row: int, col: int) -> int | None:
        """The s= of the nearest cell left of (row, col) in its row that has one."""
        i = self.row_index(row)
        if i is None:
            return None
        found = None
        for cell_col, _start, _end, attrs, _has_r in self._cells(i):
            if cell_col >= col:
                break
            style = self._s_attr.search(attrs)
            if style:
                found = int(style.group(1))
        return found

    def last_used_column(self, header_row: int) -> int:
        """The last column that holds a value or formula in any row, or that a merged cell of the header
        row covers – a column right of it belongs to nobody."""
        body = self.text[self.sd_open_end : self.sd_close]
        last = 0
        p = re.escape(self.prefix)
        if self._re(rf"<{p}c(?![^>]*\sr\s*=)[\s/>]").search(body):  # cells placed by their order: walk them
            for i in range(len(self.row_nums)):
                for col, start, end, _attrs, _has_r in self._cells(i):
                    if col > last and self._has_content(self.text[start:end]):
                        last = col
        else:
            found = self._re(rf"<{p}c\s[^>]*?\br\s*=\s*[\"']([A-Z]{{1,3}})\d").findall(body)
            letters = {self._str(x) for x in found}
            for text in sorted(letters, key=lambda t: (len(t), t), reverse=True):
                valued = self._re(
                    rf"<{p}c\s[^>]*?\br\s*=\s*[\"']{text}\d+[\"'][^>]*?(?<!/)>\s*<{p}(?:v|f|is)[\s/>]"
                )
                if valued.search(body):
                    last = col_number(text)
                    break
        tail = self._str(self.text[self.sd_close :])
        merges = re.findall(rf"<{p}mergeCell\b[^>]*?\bref\s*=\s*[\"']([^\"']+)[\"']", tail)
        for ref in merges:
            try:
                r1, _c1, r2, c2 = parse_range(ref)
            except ValueError:
                continue
            if r1 <= header_row <= r2:
                last = max(last, c2)
        return last

    def style_above(self, row: int, col: int, stop_row: int = 0) -> tuple[int, int] | None:
        """(row, s) of the nearest cell above (row, col) that has an s=, in the original sheet, looking
        at most ``STYLE_SEARCH_ROWS`` rows up.

        Rows at or above ``stop_row`` (the header) are never a source. Callers ask in ascending row
        order per column, so each column's rows are walked once however many cells ask.
        """
        memo = self._style_memo.get(col)
        use_memo = memo is not None and memo[0] <= row
        lowest = max(memo[0] - 1, stop_row) if use_memo else stop_row
        found: tuple[int, int] | None = None
        i = bisect_left(self.row_nums, row) - 1
        # A column with no styled cell near the end (a 备注 column nobody formatted) would otherwise be
        # walked to the top of a 400,000-row sheet; a style that far up is no neighbour to copy anyway.
        floor = i - STYLE_SEARCH_ROWS
        while found is None and i >= 0 and i > floor and self.row_nums[i] > lowest:
            for cell_col, _start, _end, attrs, _has_r in self._cells(i):
                if cell_col == col:
                    style = self._s_attr.search(attrs)
                    if style:
                        found = (self.row_nums[i], int(style.group(1)))
                    break
            i -= 1
        if found is None and use_memo:
            found = memo[1]
        self._style_memo[col] = (row, found)
        return found

    # --------------------------------------------------------------------------------- writing

    def apply(
        self, cells: dict[int, dict[int, CellValue]], pick_style: StylePicker
    ) -> tuple[str | bytes, int]:
        """New sheet text (bytes for bytes) with ``cells`` ({row: {col: value}}) written, and how many
        cells changed; ``spans`` says where it differs from the old.

        Rows are visited in ascending order, cells by column, so ``pick_style`` sees the sheet top-down.
        A cell that already holds its value is left byte-identical and not counted.
        """
        text, p = self.text, self.prefix
        edits: list[tuple[int, int, str | bytes]] = []  # (start, end, xml) over the original text
        tail_rows: list[str] = []  # new rows after the last existing row
        self.spans: list[tuple[int, int, int, int]] = []
        self.unchanged_rows: list[tuple[int, int]] = []
        written = 0
        box: list[int] | None = None  # r1, c1, r2, c2 of the cells given a value
        for row in sorted(cells):
            values = cells[row]
            i = self.row_index(row)
            if i is None:
                xml, count = self._new_row(row, values, pick_style)
                if count:
                    k = bisect_left(self.row_nums, row)
                    if k < len(self.row_nums):
                        edits.append((self.start(k), self.start(k), self._lit(xml)))
                    else:
                        tail_rows.append(xml)
            else:
                xml, count = self._edit_row(i, values, pick_style)
                if count:
                    edits.append((self.start(i), self._row_end(i), xml))
                else:  # every value already there: the verification reads it in the old text
                    self.unchanged_rows.append((self.start(i), self._row_end(i)))
            if count:
                written += count
                cols = [col for col, value in values.items() if value is not None]
                if cols:
                    low, high = min(cols), max(cols)
                    box = ([row, low, row, high] if box is None else
                           [min(box[0], row), min(box[1], low), max(box[2], row), max(box[3], high)])
        if not written:
            return text, 0
        dimension = self._dimension_edit(box)
        if dimension:
            edits.append(dimension)
        if tail_rows and self.sd_self_closing:
            rows = "".join(tail_rows)
            edits.append((self.sd_start, self.sd_open_end, self._lit(f"<{p}sheetData>{rows}</{p}sheetData>")))
        elif tail_rows:
            edits.append((self.sd_close, self.sd_close, self._lit("".join(tail_rows))))
        edits.sort(key=lambda e: (e[0], e[1]))
        pieces: list[str | bytes] = []
        pos = shift = 0
        for start, end, xml in edits:
            pieces.append(text[pos:start])
            pieces.append(xml)
            pos = end
            # (old start, old end, new start, new end): outside these the new text is the old one
            self.spans.append((start, end, start + shift, start + shift + len(xml)))
            shift += len(xml) - (end - start)
        pieces.append(text[pos:])
        return self._lit("").join(pieces), written

    def encode(self, value: CellValue) -> tuple[str | None, str]:
        """(t attribute or None, inner XML) of a cell holding ``value``."""
        if isinstance(value, str):
            return self._encode(value)
        key = (type(value), value)  # a month's postings repeat their days and many of their amounts
        known = self._encoded.get(key)
        if known is None:
            known = self._encoded[key] = self._encode(value)
        return known

    def _encode(self, value: CellValue) -> tuple[str | None, str]:
        p = self.prefix
        if isinstance(value, str):
            escaped = escape_text(value)
            space = (
                ' xml:space="preserve"'
                if value != value.strip() or "\n" in value or "\r" in value or "\t" in value
                else ""
            )
            return "inlineStr", f"<{p}is><{p}t{space}>{escaped}</{p}t></{p}is>"
        if isinstance(value, bool):
            return "b", f"<{p}v>{int(value)}</{p}v>"
        if isinstance(value, dt.date):
            return None, f"<{p}v>{serial_text(excel_serial(value, self.date1904))}</{p}v>"
        return None, f"<{p}v>{number_text(value)}</{p}v>"

    def _cell_xml(self, row: int, col: int, style: int | None, value: CellValue) -> str:
        p = self.prefix
        letters = self._letters.get(col)
        if letters is None:
            letters = self._letters[col] = col_letters(col)
        attrs = f' r="{letters}{row}"'
        if style is not None:
            attrs += f' s="{style}"'
        if value is None:
            return f"<{p}c{attrs}/>"
        cell_type, inner = self.encode(value)
        if cell_type:
            attrs += f' t="{cell_type}"'
        return f"<{p}c{attrs}>{inner}</{p}c>"

    def _new_row(self, row: int, values: dict[int, CellValue], pick_style: StylePicker) -> tuple[str, int]:
        p = self.prefix
        parts = []
        for col in sorted(values):
            value = values[col]
            if value is None:
                continue  # clearing a cell that does not exist changes nothing
            parts.append(self._cell_xml(row, col, pick_style(row, col, None, value, True), value))
        return f'<{p}row r="{row}">{"".join(parts)}</{p}row>', len(parts)

    def _edit_row(
        self, i: int, values: dict[int, CellValue], pick_style: StylePicker
    ) -> tuple[str | bytes, int]:
        """The row's new XML (in the buffer's kind) and how many of its cells changed."""
        text, p = self.text, self.prefix
        row = self.row_nums[i]
        cells = self._cells(i)
        if not all(has_r for *_, has_r in cells):
            raise LedgerUnsafeError(
                _("{where}: row {row} has cells without references; save it in Excel first.").format(
                    where=self.where, row=row)
            )
        cols = [c[0] for c in cells]
        if any(a >= b for a, b in zip(cols, cols[1:], strict=False)):
            raise LedgerUnsafeError(
                _("{where}: cells of row {row} are out of order; not editable safely.").format(
                    where=self.where, row=row)
            )
        tag_start, tag_end = self.start(i), self.tag_end(i)
        self_closing = text[tag_end - 2 : tag_end - 1] == self._lit("/")
        pieces: list[str | bytes] = []
        pos = tag_end
        written = 0
        for col in sorted(values):
            value = values[col]
            k = bisect_left(cols, col)
            if k < len(cols) and cols[k] == col:
                _col, start, end, attrs, _has_r = cells[k]
                new = self._replace_cell(row, col, self._str(text[start:end]), self._str(attrs), value,
                                         pick_style)
                if new is None:
                    continue
                pieces += [text[pos:start], self._lit(new)]
                pos = end
            else:
                if value is None:
                    continue
                at = cells[k][1] if k < len(cells) else (cells[-1][2] if cells else tag_end)
                style = pick_style(row, col, None, value, True)
                pieces += [text[pos:at], self._lit(self._cell_xml(row, col, style, value))]
                pos = at
            written += 1
        if not written:
            return self._lit(""), 0
        open_tag = self._widen_spans(self._str(text[tag_start:tag_end]),
                                     [c for c in values if values[c] is not None])
        if self_closing:
            return self._lit(open_tag[:-2].rstrip() + ">") + self._lit("").join(pieces) \
                + self._lit(f"</{p}row>"), written
        pieces.append(text[pos : self._row_end(i)])
        return self._lit(open_tag) + self._lit("").join(pieces), written

    def _replace_cell(
        self, row: int, col: int, old: str, attrs: str, value: CellValue, pick_style: StylePicker
    ) -> str | None:
        """The new XML of an existing cell, or None when it already holds ``value``."""
        p = re.escape(self.prefix)
        style_match = _S_ATTR.search(attrs)
        style = int(style_match.group(1)) if style_match else None
        type_match = _T_ATTR.search(attrs)
        old_type = type_match.group(1) if type_match else "n"
        formula = re.search(rf"<{p}f(?=[\s/>])", old)
        cached = re.search(rf"<{p}v>(.*?)</{p}v>", old, re.S)
        if cached is None and old_type == "inlineStr" and f"<{self.prefix}rPh" not in old:
            runs = re.findall(rf"<{p}t(?:\s[^>]*)?>(.*?)</{p}t>", old, re.S)
            cached = re.match(r"(.*)", "".join(runs), re.S) if runs else None
            old_type = "str"  # an inline string compares like a formula's text result
        if value is None:
            if cached is None and formula is None and f"<{self.prefix}is" not in old:
                return None
        elif cached is not None and self._holds(old_type, cached.group(1), value):
            return None  # also a formula whose result already is the value: not an edit
        if formula is not None:
            body = re.search(rf"<{p}f[^>]*>(.*?)</{p}f>", old, re.S)
            shown = f"={unescape_text(body.group(1))[:60]}" if body else _("a shared formula")
            raise LedgerUnsafeError(
                _("{where} cell {cell} holds a formula ({formula}); loantool will not overwrite "
                  "formulas.").format(
                    where=self.where, cell=cell_ref(row, col), formula=shown),
                _("Move the formula out of the ledger's data columns, or clear it, and run again."),
            )
        return self._cell_xml(row, col, pick_style(row, col, style, value, False), value)

    def _holds(self, old_type: str, cached: str, value: CellValue) -> bool:
        """Whether a cell's cached ``<v>`` (of type ``old_type``) already equals ``value``."""
        if isinstance(value, str):
            return old_type == "str" and unescape_text(cached) == value
        if isinstance(value, bool):
            return old_type == "b" and cached.strip() == str(int(value))
        if old_type != "n":
            return False
        try:
            old = Fraction(Decimal(cached.strip()))
        except ArithmeticError:
            return False
        if isinstance(value, dt.date):
            return old == excel_serial(value, self.date1904)
        return old == Fraction(Decimal(value))

    @staticmethod
    def _widen_spans(open_tag: str, cols: list[int]) -> str:
        spans = _SPANS.search(open_tag)
        bounds = [int(x) for x in re.split(r"[: ]+", spans.group(1).strip()) if x] if spans else []
        if not bounds or not cols or (min(bounds) <= min(cols) and max(cols) <= max(bounds)):
            return open_tag
        new = f"{min(*bounds, *cols)}:{max(*bounds, *cols)}"
        return open_tag[: spans.start(1)] + new + open_tag[spans.end(1) :]

    def _dimension_edit(self, box: list[int] | None) -> tuple[int, int, str | bytes] | None:
        if box is None:
            return None
        match = self._re(rf"<{re.escape(self.prefix)}dimension\b[^>]*>").search(self.text, 0, self.sd_start)
        ref = _REF_ATTR.search(self._str(match.group())) if match else None
        if not match or not ref:
            return None
        try:
            r1, c1, r2, c2 = parse_range(ref.group(2))
        except ValueError:
            r1, c1, r2, c2 = box
        new = format_range(min(r1, box[0]), min(c1, box[1]), max(r2, box[2]), max(c2, box[3]))
        if new == ref.group(2):
            return None
        tag = self._str(match.group())
        return match.start(), match.end(), self._lit(tag[: ref.start(2)] + new + tag[ref.end(2) :])
