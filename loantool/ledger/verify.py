"""Verify a patched ledger before it replaces the old one: the old file plus exactly the intended cells.

What is provably unchanged is compared as bytes, not parsed again: every zip entry not edited must be
byte-identical (raw records), and in an edited sheet every stretch of XML outside the spans the writer
rewrote must be the old text, character for character. Only the rewritten rows are parsed – the old
and the new version of each, with an XML parser of their own, not the writer's scanner: every cell
not asked for must be the same element as before, every intended cell must read back as its value,
no row may go missing. Rows whose values were already there are read in the old text. A new sheet and
a sheet whose rows moved down (a footer) are read back whole with python-calamine and compared cell by
cell, as is any sheet whose fast check fails (for the precise message). python-calamine opens the new
workbook and finds the same sheets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from ..errors import LedgerUnsafeError
from ..i18n import _
from ..runtime import gc_paused
from .sheet_xml import cell_ref, excel_serial
from .xlsx_cells import parse_ref
from .xlsx_parts import MAIN_NS
from .xlsx_patch import PatchResult, SheetPatch
from .zip_raw import RawZip

_M = f"{{{MAIN_NS}}}"
_ABSENT = object()
_CELL, _IS, _T, _V = f"{_M}c", f"{_M}is", f"{_M}t", f"{_M}v"
_LETTERS = re.compile(r"\$?([A-Z]{1,3})\$?\d+$")


class _Mismatch(Exception):
    """The fast check found a difference; the whole-sheet comparison names it."""


def verify_patch(original: Path, written: Path, patch: PatchResult) -> None:
    """Refuse (``LedgerUnsafeError``, nothing written) unless ``written`` is ``original`` plus exactly the
    intended cells."""
    with gc_paused():  # the parsed rows hold no cycles; a collection would walk the caller's frames too
        _verify(original, written, patch)


def _verify(original: Path, written: Path, patch: PatchResult) -> None:
    old_zip, new_zip = _verify_zip(original, written, patch)
    try:
        checked = {s.part for s in patch.sheets if s.spans is not None}
        if set(patch.changed_parts) - checked:  # styles, tables, names, a new sheet: calamine reads them
            old_names = CalamineWorkbook.from_path(str(original)).sheet_names
            new_names = CalamineWorkbook.from_path(str(written)).sheet_names
            if new_names != old_names + [s.sheet for s in patch.sheets if s.created]:
                raise LedgerUnsafeError(
                    _("verification failed: the sheets of the new {file} differ; nothing was "
                      "written.").format(
                        file=original.name))
        shared: list[list[str]] = []
        for sheet in patch.sheets:
            if sheet.spans is not None:
                try:
                    _verify_spans(old_zip, new_zip, sheet, patch.date1904, shared)
                    continue
                except _Mismatch:
                    pass  # compare the whole sheet: it names the cell (and refuses even if it finds none)
            _verify_whole_sheet(original, written, sheet, patch.date1904, strict=sheet.spans is not None)
    except LedgerUnsafeError:
        raise
    except Exception as exc:  # what we wrote cannot be read: never replace the ledger with it
        raise LedgerUnsafeError(
            _("verification failed: the new {file} cannot be read back ({reason}); nothing was "
              "written.").format(file=original.name, reason=exc)
        ) from None


def _failed(sheet: str, cell: str, got: Any, wanted: Any) -> LedgerUnsafeError:
    return LedgerUnsafeError(
        _("verification failed: sheet {sheet} cell {cell} reads back as {got!r}, not {wanted!r}; nothing was "
          "written.").format(sheet=sheet, cell=cell, got=got, wanted=wanted))


def _changed(sheet: str, cell: str, old: Any, new: Any) -> LedgerUnsafeError:
    return LedgerUnsafeError(
        _("verification failed: sheet {sheet} cell {cell} would change from {old!r} to {new!r}; nothing was "
          "written.").format(sheet=sheet, cell=cell, old=old, new=new))


# ------------------------------------------------------------------------------------------------ zip


def _verify_zip(original: Path, written: Path, patch: PatchResult) -> tuple[RawZip, RawZip]:
    old, new = RawZip(original.read_bytes(), original.name), RawZip(written.read_bytes(), written.name)
    patch.written_sha256 = hashlib.sha256(new.data).hexdigest()  # the file as read here, for the journal
    changed = set(patch.changed_parts)
    new_names = [e.name for e in new.entries]
    kept = [n for n in new_names if n in old.by_name]
    if kept != [e.name for e in old.entries] or not set(new_names) - set(kept) <= changed:
        raise LedgerUnsafeError(
            _("verification failed: the zip entries of the new {file} differ; nothing was written.").format(
                file=original.name))
    for entry in old.entries:
        if entry.name in changed:
            continue
        other = new.by_name[entry.name]
        if old.data[entry.local_start : entry.local_end] != new.data[other.local_start : other.local_end]:
            raise LedgerUnsafeError(
                _("verification failed: part {part} of {file} would change; nothing was written.").format(
                    part=entry.name, file=original.name))
    return old, new


# --------------------------------------------------------------------------------- the fast sheet check


def _verify_spans(old_zip: RawZip, new_zip: RawZip, sheet: SheetPatch, date1904: bool,
                  shared: list[list[str]]) -> None:
    """Bytes outside the rewritten spans equal; the rewritten rows parsed, old and new, and compared.

    The old part is the content the writer read (``sheet.source``, checked against its zip CRC when it
    was read), else read again. The new part is inflated from the written file here (Python's zlib,
    CRC checked), whatever way the writer compressed it; when the writer says what it wrote
    (``sheet.content``), that is checked while the file is inflated in a second thread (zlib works
    without the interpreter lock), and the file must then hold exactly those bytes."""
    old_data = sheet.source if sheet.source is not None else old_zip.read(sheet.part)
    if sheet.part not in new_zip.by_name:
        raise _Mismatch
    if sheet.content is None:
        _compare_spans(old_data, new_zip.read(sheet.part), old_zip, sheet, date1904, shared)
        return
    with ThreadPoolExecutor(1) as pool:
        inflated = pool.submit(new_zip.read, sheet.part)
        _compare_spans(old_data, sheet.content, old_zip, sheet, date1904, shared)
        if inflated.result() != sheet.content:
            raise _Mismatch


def _compare_spans(old_data: bytes, new_data: bytes, old_zip: RawZip, sheet: SheetPatch, date1904: bool,
                   shared: list[list[str]]) -> None:
    new_view = memoryview(new_data)

    def same(o1: int, o2: int, n1: int, n2: int) -> bool:  # compared in place: no copy of the stretches
        return o2 - o1 == n2 - n1 and old_data.startswith(new_view[n1:n2], o1, o2)

    root = re.search(rb"<(?:\w+:)?worksheet\b[^>]*>", old_data)
    if root is None:
        raise _Mismatch
    close = b"</" + root.group(0)[1:].split()[0].rstrip(b">") + b">"
    wrap = (root.group(0).rstrip(b"/>") + b">") if root.group(0).endswith(b"/>") else root.group(0)
    old_pos = new_pos = 0
    intended = sheet.cells
    by_row: dict[int, dict[int, Any]] = {}
    for (row, col), value in intended.items():
        by_row.setdefault(row, {})[col] = value
    covered: set[int] = set()
    for o1, o2, n1, n2 in sheet.spans or []:
        if o1 < old_pos or o2 < o1 or n1 - new_pos != o1 - old_pos:
            raise _Mismatch
        if not same(old_pos, o1, new_pos, n1):
            raise _Mismatch
        old_rows = _rows(wrap + _bare(old_data[o1:o2]) + close)
        new_rows = _rows(wrap + _bare(new_data[n1:n2]) + close)
        if new_rows and not _between(new_data, n1, n2, min(new_rows), max(new_rows)):
            raise _Mismatch  # the rows written do not fit between their neighbours
        covered |= set(new_rows)
        _compare_rows(sheet.sheet, old_rows, new_rows, by_row, date1904, shared, old_zip)
        old_pos, new_pos = o2, n2
    if not same(old_pos, len(old_data), new_pos, len(new_data)):
        raise _Mismatch
    for start, end in sheet.unchanged_rows:  # values already there: outside every span, so the old text
        rows = _rows(wrap + old_data[start:end] + close)
        covered |= set(rows)
        for number, (_attrs, cells) in rows.items():
            for col, value in by_row.get(number, {}).items():
                got = _value(cells.get(col), shared, old_zip)
                if not _same(value, got, date1904):
                    raise _failed(sheet.sheet, cell_ref(number, col), got, value)
    missing = [(r, c) for (r, c), v in intended.items() if r not in covered and v is not None]
    if missing:
        r, c = missing[0]
        raise _failed(sheet.sheet, cell_ref(r, c), None, intended[(r, c)])


_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row(?=[\s/>])[^>]*?\sr\s*=\s*[\"'](\d+)")


def _between(data: bytes, start: int, end: int, first: int, last: int) -> bool:
    """Whether the row before ``start`` has a number below ``first`` and the row after ``end`` one above
    ``last`` (where there is such a row)."""
    size = 1 << 11  # a row is a few hundred bytes: look a little way back, further only when needed
    while True:
        before = list(_ROW_NUMBER.finditer(data, max(start - size, 0), start))
        if before or start - size <= 0:
            break
        size *= 8
    after = _ROW_NUMBER.search(data, end)
    return (not before or int(before[-1].group(1)) < first) and (not after or int(after.group(1)) > last)


def _bare(fragment: bytes) -> bytes:
    """A rewritten span as elements to parse: rows, or the dimension tag; a new <sheetData> unwrapped."""
    return re.sub(rb"</?(?:\w+:)?sheetData\s*/?>", b"", fragment) if b"sheetData" in fragment else fragment


def _rows(xml: bytes) -> dict[int, tuple[ElementTree.Element, dict[int, ElementTree.Element]]]:
    """{row number: (row element, {col: cell element})} of the rows in ``xml``, which must be in
    ascending order, each row and each cell of a row once."""
    rows: dict[int, tuple[ElementTree.Element, dict[int, ElementTree.Element]]] = {}
    last = 0
    try:
        elements = list(ElementTree.fromstring(xml))
    except ElementTree.ParseError:
        raise _Mismatch from None  # the span is not whole elements: the bytes moved
    for element in elements:
        if element.tag == f"{_M}dimension":
            continue
        if element.tag != f"{_M}row":
            raise _Mismatch
        number = int(element.get("r", "0"))
        if number <= last:
            raise _Mismatch  # a row twice, or out of order
        last = number
        cells: dict[int, ElementTree.Element] = {}
        col = 0
        for cell in element.iter(_CELL):
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                col = _COLUMNS.get(letters, 0) if letters != ref else 0
                col = col or _column(ref)
            else:
                col += 1
            if col in cells:
                raise _Mismatch  # a cell twice
            cells[col] = cell
        rows[number] = (element, cells)
    return rows


def _attributes(row: ElementTree.Element) -> dict[str, str]:
    """A row's attributes but spans (which widens with the cells written)."""
    return {k: v for k, v in row.attrib.items() if k != "spans"}


def _compare_rows(sheet: str, old_rows: dict, new_rows: dict, by_row: dict[int, dict[int, Any]],
                  date1904: bool, shared: list[list[str]], zip_: RawZip) -> None:
    for number in old_rows:
        if number not in new_rows:
            raise _Mismatch  # a row went missing
    nothing: dict[int, Any] = {}
    for number, (row, cells) in new_rows.items():
        wanted = by_row.get(number, nothing)
        if number not in old_rows:  # a new row: its cells are all asked for, and read back as asked
            for col, cell in cells.items():
                expected = wanted.get(col, _ABSENT)
                if expected is _ABSENT:
                    raise _Mismatch
                got = _value(cell, shared, zip_)
                if not _same(expected, got, date1904):
                    raise _failed(sheet, cell_ref(number, col), got, expected)
            if len(wanted) > len(cells):
                for col, value in wanted.items():
                    if col not in cells and value is not None:
                        raise _failed(sheet, cell_ref(number, col), None, value)
            continue
        old_row, old_cells = old_rows[number]
        if _attributes(row) != _attributes(old_row):
            raise _Mismatch
        for col in cells.keys() | old_cells.keys():
            if col in wanted:
                got = _value(cells.get(col), shared, zip_)
                if not _same(wanted[col], got, date1904):
                    raise _failed(sheet, cell_ref(number, col), got, wanted[col])
            elif col not in cells or col not in old_cells or not _same_element(cells[col], old_cells[col]):
                raise _Mismatch  # a cell nobody asked for changed, appeared or went
        for col, value in wanted.items():
            if col not in cells and value is not None:
                raise _failed(sheet, cell_ref(number, col), None, value)


_COLUMNS: dict[str, int] = {}  # letters → column, of references seen in the plain form (AB12)


def _column(ref: str) -> int:
    """The column number of a reference such as ``AB12``."""
    known = _COLUMNS.get(ref.rstrip("0123456789"))
    if known is not None and ref[-1:].isdigit():
        return known
    letters = _LETTERS.match(ref)
    if letters is None:
        return parse_ref(ref)[1]  # refuses what is not a reference
    number = 0
    for char in letters.group(1):
        number = number * 26 + ord(char) - 64
    if "$" not in ref:
        _COLUMNS[letters.group(1)] = number
    return number


def _same_element(a: ElementTree.Element, b: ElementTree.Element) -> bool:
    """The same element: tag, attributes, text and children (the whitespace after it aside)."""
    if a.tag != b.tag or a.attrib != b.attrib or a.text != b.text or len(a) != len(b):
        return False
    return all(_same_element(x, y) and x.tail == y.tail for x, y in zip(a, b, strict=True))


def _value(cell: ElementTree.Element | None, shared: list[list[str]], zip_: RawZip) -> Any:
    """A cell's value as python-calamine would give it: text, bool, float, or "" when empty."""
    if cell is None:
        return ""
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        box = cell.find(_IS)
        if box is None:
            return ""
        if len(box) == 1 and box[0].tag == _T:  # one <t>, as loantool writes it
            return _ooxml(box[0].text or "")
        parts = [t.text or "" for t in box.findall(f"{_M}t")]
        parts += [t.text or "" for run in box.findall(f"{_M}r") for t in run.findall(f"{_M}t")]
        return _ooxml("".join(parts))
    v = cell.find(_V)
    if v is None or v.text is None:
        return ""
    if kind == "s":
        return _shared(shared, zip_)[int(v.text)]
    if kind == "b":
        return v.text.strip() == "1"
    if kind in ("str", "e"):
        return _ooxml(v.text)
    return float(v.text)


def _ooxml(text: str) -> str:
    """OOXML's escapes of characters XML cannot carry (``_x000D_``; ``_x005F_`` for a literal "_")."""
    if "_x" not in text:
        return text
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _shared(shared: list[list[str]], zip_: RawZip) -> list[str]:
    """The shared strings of the old workbook (read once, and only when a cell needs them)."""
    if not shared:
        names = [e.name for e in zip_.entries if e.name.replace("\\", "/").endswith("sharedStrings.xml")]
        name = names[0] if names else None
        strings: list[str] = []
        if name:
            for item in ElementTree.fromstring(zip_.read(name)).findall(f"{_M}si"):
                parts = [t.text or "" for t in item.findall(f"{_M}t")]
                parts += [t.text or "" for run in item.findall(f"{_M}r") for t in run.findall(f"{_M}t")]
                strings.append(_ooxml("".join(parts)))
        shared.append(strings)
    return shared[0]


# ---------------------------------------------------------------------------- the whole-sheet comparison


def _verify_whole_sheet(
    original: Path, written: Path, sheet: SheetPatch, date1904: bool, strict: bool
) -> None:
    # The old and new grids are parsed at once in two threads (calamine releases the GIL while it parses;
    # each thread opens its own workbook) with the collector paused: the row lists hold nothing cyclic.
    with gc_paused(), ThreadPoolExecutor(2) as pool:
        new_grid = pool.submit(_sheet_grid, written, sheet.sheet)
        old_grid = None if sheet.created else pool.submit(_sheet_grid, original, sheet.sheet)
        new = new_grid.result()
        old = [] if old_grid is None else old_grid.result()
    if sheet.inserted:  # the rows below the table moved down: compare them where they went
        first, count = sheet.inserted
        old[first - 1 : first - 1] = [[] for _ in range(count)]
    _compare_grid(sheet.sheet, old, new, sheet.cells, date1904)
    if strict:  # the bytes differ where nothing was to change, though every value reads the same
        raise LedgerUnsafeError(
            _("verification failed: sheet {sheet} of the new file differs outside the cells written; nothing "
              "was written.").format(sheet=sheet.sheet))


def _sheet_grid(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _canonical(value: Any, date1904: bool) -> Any:
    """Values as calamine shows them, made comparable: numbers and dates as floats, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, dt.date):
        return float(excel_serial(value, date1904))
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    return value


_SERIALS: dict[tuple[dt.date, bool], float] = {}


def _same(expected: Any, got: Any, date1904: bool) -> bool:
    kind = type(expected)  # the common cases first, each as the general rule below decides it
    if kind is str:
        return type(got) is str and got == expected
    if type(got) is float:
        if kind is Decimal or kind is int:
            return float(expected) == got
        if kind is dt.date:
            serial = _SERIALS.get((expected, date1904))
            if serial is None:
                serial = _SERIALS[(expected, date1904)] = float(excel_serial(expected, date1904))
            return serial == got
    a, b = _canonical(expected, date1904), _canonical(got, date1904)
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    if isinstance(expected, dt.datetime) or isinstance(got, dt.datetime):
        return abs(a - b) < 2e-8  # calamine reads times to the millisecond
    return a == b


def _compare_grid(
    sheet: str, old: list[list[Any]], new: list[list[Any]], cells: dict[tuple[int, int], Any], date1904: bool
) -> None:
    by_row: dict[int, dict[int, Any]] = {}
    for (row, col), value in cells.items():
        by_row.setdefault(row - 1, {})[col - 1] = value
    height = max(len(old), len(new), max(by_row, default=-1) + 1)
    for i in range(height):
        old_row = old[i] if i < len(old) else []
        new_row = new[i] if i < len(new) else []
        wanted = by_row.get(i)
        if wanted is None and old_row == new_row:
            continue
        width = max(len(old_row), len(new_row), max(wanted, default=-1) + 1 if wanted else 0)
        old_row = list(old_row) + [""] * (width - len(old_row))
        new_row = list(new_row) + [""] * (width - len(new_row))
        for j in range(width):
            if wanted and j in wanted:
                if not _same(wanted[j], new_row[j], date1904):
                    raise _failed(sheet, cell_ref(i + 1, j + 1), new_row[j], wanted[j])
            elif old_row[j] != new_row[j]:
                raise _changed(sheet, cell_ref(i + 1, j + 1), old_row[j], new_row[j])
