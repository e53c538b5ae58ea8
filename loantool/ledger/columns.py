"""Columns a command needs and the ledger lacks are added, not refused (缺列自动补在表头最右).

A command that must write 结清日期, 流水号, 放款日期 … into a sheet without that column asks
:func:`place_columns` where each field goes: a column the sheet has keeps its place; a missing one
gets a new column right of the last column in use – the last one holding a value in any row, or covered
by a merged header cell, so that a new header never claims cells somebody filled without a header.
:func:`new_headers` gives the header cells to write (``SheetEdits.new_columns``: the writer styles each
like its neighbour to the left); :func:`added_notes` turns what ``tx.commit`` added
(``CommitResult.columns_added``, also journaled) into the notes the command's summary shows.

    columns = place_columns(ledger.loans, ["status", "settled_on"])
    edit = SheetEdits(loans.sheet, updates=..., header_row=loans.header_row,
                      new_columns=new_headers(ledger.loans, columns))
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CellProblem, LedgerUnsafeError
from ..i18n import _
from .sheet_xml import SheetXml
from .xlsx_cells import MAX_COL
from .xlsx_parts import Package
from .xlsx_patch import check_ledger_format
from .zip_raw import RawZip

if TYPE_CHECKING:
    from .read import TableRead

_cache: dict[tuple, int] = {}


def last_used_column(path: Path, sheet: str, header_row: int) -> int:
    """The last column in use in ``sheet`` of the workbook at ``path`` (``SheetXml.last_used_column``)."""
    path = Path(path)
    check_ledger_format(path)
    info = path.stat()
    key = (str(path.resolve()), info.st_size, info.st_mtime_ns, sheet, header_row)
    if key not in _cache:
        zip_ = RawZip(path.read_bytes(), path.name)
        pkg = Package(zip_, path.name)
        found = pkg.find_sheet(sheet)
        if found is None:
            raise LedgerUnsafeError(
                _("{file} has no sheet named {sheet}.").format(file=path.name, sheet=sheet))
        name, entry = found
        _cache.clear()  # one workbook at a time is all a run needs
        where = _("{file} sheet {sheet}").format(file=path.name, sheet=name)
        _cache[key] = SheetXml(pkg.text(entry), where).last_used_column(header_row)
    return _cache[key]


def place_columns(read: TableRead, keys: Iterable[str]) -> dict[str, int]:
    """Field key → column for every key: the sheet's own column, else a new one at the right end."""
    keys = list(dict.fromkeys(keys))
    columns = {k: read.columns[k] for k in keys if k in read.columns}
    missing = [k for k in keys if k not in columns]
    if not missing:
        return columns
    if read.path is None or read.sheet is None or read.header_row is None:
        raise ValueError("columns can be added only to a sheet read from a workbook")
    start = max(last_used_column(read.path, read.sheet, read.header_row), *read.columns.values(), 0) + 1
    if start + len(missing) - 1 > MAX_COL:
        raise LedgerUnsafeError(
            _("{file} sheet {sheet} has no free column left for {headers}.").format(
                file=Path(read.path).name, sheet=read.sheet,
                headers="、".join(_header(read, k) for k in missing)))
    columns.update({key: start + i for i, key in enumerate(missing)})
    return columns


def new_headers(read: TableRead, columns: dict[str, int]) -> dict[int, str]:
    """Column → header text of the columns in ``columns`` that the sheet does not have yet."""
    return {col: _header(read, key) for key, col in columns.items() if key not in read.columns}


def added_notes(ledger: Path, columns_added: dict[str, list[str]]) -> list[CellProblem]:
    """One note per column a write added (``CommitResult.columns_added``), for the command's summary."""
    return [
        CellProblem(Path(ledger).name, sheet, None, header, None,
                    _("column added at the right end of the header row"), "column-added")
        for sheet, headers in columns_added.items()
        for header in headers
    ]


def footer_insertion(read: TableRead) -> int | None:
    """Where rows appended to this table go when a footer (备注/制表人/合计 …) sits under it: right under
    its last data row (``SheetEdits.insert_after_row``); None – an ordinary append – without a footer.
    The reader tells both (``TableRead.footer_row``, ``TableRead.last_data_row``)."""
    if getattr(read, "footer_row", None) is None:
        return None
    last = getattr(read, "last_data_row", None)
    return int(last) if last is not None else None


def _header(read: TableRead, key: str) -> str:
    if read.table is not None:
        return read.table.field(key).header
    return key
