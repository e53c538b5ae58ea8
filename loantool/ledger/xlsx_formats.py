"""Which cells of an .xlsx sheet show a percentage (单元格的百分比格式), read from the workbook itself.

python-calamine gives a cell's value, not its number format, and a rate cell's format decides what its
number means (DOMAIN.md "Rates"): 1.5 shown as 150.00 % is 150 %, 0.0475 shown as 4.75 % is 4.75 %.
So for the few rate columns only, the styles part is read (``cellXfs`` → ``numFmtId``: the built-in
formats 9 ``0%`` and 10 ``0.00%`` (ECMA-376 Part 1, 18.8.30), or a custom ``formatCode`` with a ``%``
outside quotes and escapes) and the cells of those columns whose ``s`` attribute names such a style
are found in the sheet's XML. Without any percentage style in the workbook the sheet is never
scanned. A workbook whose parts this cannot read simply gives no formats (the reader then reads the
values as before); parts are only read, never written (the writer's parsers are reused read-only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import LedgerUnsafeError
from .xlsx_cells import parse_ref
from .xlsx_parts import Package, StyleBook, decode_part
from .zip_raw import RawZip

PERCENT_FORMAT_IDS = frozenset({9, 10})
_ATTR = r"""\s{name}\s*=\s*["']([^"']*)["']"""
_R_ATTR = re.compile(_ATTR.format(name="r"))
_S_ATTR = re.compile(_ATTR.format(name="s"))
_NUMFMT_ID = re.compile(_ATTR.format(name="numFmtId"))


def is_percent_code(code: str) -> bool:
    """Whether a custom number format scales by 100 and shows %: a ``%`` outside quoted text, escapes
    (``\\%``), padding/fill characters (``_%``, ``*%``) and ``[…]`` sections."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]', "", code)
    return "%" in code


def percent_styles(styles_text: str | None) -> frozenset[int]:
    """Indexes of the ``cellXfs`` styles that show a percentage."""
    book = StyleBook(styles_text)
    text = book.text or ""
    found = set()
    for index, (start, tag_end, _end) in enumerate(book.xfs):
        match = _NUMFMT_ID.search(text[start:tag_end])
        number = int(match.group(1)) if match and match.group(1).isdigit() else 0
        if number in PERCENT_FORMAT_IDS or (number in book.formats and is_percent_code(book.formats[number])):
            found.add(index)
    return frozenset(found)


def percent_cells(data: bytes, sheet: str, columns: Iterable[int], label: str = "") -> set[tuple[int, int]]:
    """(row, column), both 1-based, of the cells in ``columns`` (1-based) of ``sheet`` whose style shows
    a percentage. Empty when the workbook has no such style or its parts cannot be read."""
    wanted = set(columns)
    if not wanted:
        return set()
    try:
        package = Package(RawZip(data, label), label)
        styles = percent_styles(package.text(package.styles_name) if package.styles_name else None)
        if not styles:
            return set()
        located = package.find_sheet(sheet)
        if located is None:
            return set()
        text = decode_part(package.zip.read(located[1]), sheet)
    except (LedgerUnsafeError, ValueError, KeyError):
        return set()
    if 0 in styles:  # every cell without an s attribute shows a percentage: look at every cell
        return _scan_all(text, wanted, styles)
    return _scan_styled(text, wanted, styles)


def _scan_styled(text: str, wanted: set[int], styles: frozenset[int]) -> set[tuple[int, int]]:
    """The cells whose ``s`` is one of ``styles``: found by the attribute (a plain substring search),
    the cell's reference read from its own tag. A cell without ``r`` needs the full scan."""
    found: set[tuple[int, int]] = set()
    # s="5" as every spreadsheet program writes it (a literal start keeps the scan of a big sheet fast)
    pattern = re.compile(r"""s=["'](?:{})["']""".format("|".join(map(str, sorted(styles)))))
    for match in pattern.finditer(text):
        if not text[match.start() - 1].isspace():
            continue  # the end of another attribute's name (cs="5" …)
        start = text.rfind("<", 0, match.start())
        if not re.match(r"<(?:\w+:)?c[\s/>]", text[start:start + 12]):
            continue  # the s of a row or another element
        end = text.find(">", match.end())
        ref = _R_ATTR.search(text, start, end)
        if ref is None:
            return _scan_all(text, wanted, styles)
        try:
            row, col = parse_ref(ref.group(1))
        except ValueError:
            continue
        if col in wanted:
            found.add((row, col))
    return found


def _scan_all(text: str, wanted: set[int], styles: frozenset[int]) -> set[tuple[int, int]]:
    """Every row and cell in document order (cells and rows without ``r`` follow the one before)."""
    found: set[tuple[int, int]] = set()
    row = 0
    col = 0
    for match in re.finditer(r"<(?:\w+:)?(row|c)(?=[\s/>])([^>]*)>", text):
        attrs = match.group(2)
        ref = _R_ATTR.search(attrs)
        if match.group(1) == "row":
            row = int(ref.group(1)) if ref and ref.group(1).isdigit() else row + 1
            col = 0
            continue
        if ref:
            try:
                row, col = parse_ref(ref.group(1))
            except ValueError:
                col += 1
        else:
            col += 1
        style = _S_ATTR.search(attrs)
        index = int(style.group(1)) if style and style.group(1).isdigit() else 0
        if col in wanted and index in styles:
            found.add((row, col))
    return found
