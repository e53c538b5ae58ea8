"""Two small reads beside ``load_ledger`` for the commands that add to the ledger (write-off):

- ``read_named_table``: a table found by its sheet name only (核销记录), read and typed like the
  others; an empty table when the workbook has no such sheet – never a header search through the other
  sheets (贷款台账 also has a 合同编号 and a 核销日期 column).
- ``header_width``: how many columns a sheet's header row uses, so that a column added to it goes after
  the last one, never over a column the tool does not know.
"""

from __future__ import annotations

from pathlib import Path

from .. import schema
from ..config import Settings
from ..runtime import gc_paused
from .grid import open_book, read_source
from .read import TableRead, _raise_problems, _read_located, empty_table, locate


def read_named_table(path: Path, table: schema.Table, settings: Settings | None = None) -> TableRead:
    data, label, base = read_source(Path(path))
    book = open_book(data, label, base)
    problems: list = []
    with gc_paused():
        try:
            located = locate(book, table, settings, by_name_only=True)
            read = (
                _read_located(book, table, located, Path(path), problems)
                if located
                else empty_table(table, Path(path), label)
            )
        finally:
            book.discard()
    _raise_problems(label, problems)
    return read


def header_width(path: Path, sheet: str, header_row: int) -> int:
    """The 1-based index of the last non-empty cell of row ``header_row`` of ``sheet`` (0 when empty)."""
    data, label, base = read_source(Path(path))
    book = open_book(data, label, base)
    try:
        rows = book.head(sheet, header_row)
    finally:
        book.discard()
    if len(rows) < header_row:
        return 0
    cells = rows[header_row - 1]
    used = [i for i, cell in enumerate(cells, start=1) if cell not in (None, "")]
    return max(used, default=0)
