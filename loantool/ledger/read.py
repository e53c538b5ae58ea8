"""Typed reading of the team's workbooks and the bank's files (读取台账与银行文件).

``read_table`` finds a table's header row by its column aliases (schema.py, plus ``[aliases]`` in
loantool.toml), skips title rows above it and blank and total rows (合计/总计) below it, and coerces
every column to its kind. Every bad cell of a file is reported at once in one ``InputError``; a file
either reads completely or not at all. ``load_ledger`` reads the four sheets of the ledger workbook
(还款记录 first; 贷款台账, when it is the smaller sheet, parsed in a background thread while the payments'
columns are made – fast_sheet.FastBook.load_beside; the optional ones parsed ahead in a background thread
when ``grid.BACKGROUND_PARSE`` is on – off by default, for memory) and runs the checks on entry.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from .. import schema
from ..config import Settings
from ..errors import CellProblem, InputError, UsageError
from ..i18n import N_, _, ngettext
from ..money import percent_text
from ..runtime import gc_paused
from . import checks, readahead
from .coerce import (
    CoerceError,
    Column,
    StatusWords,
    as_series,
    coerce_column,
    is_blank,
    is_footer_label,
    is_total_label,
    shown,
    to_date,
)
from .collections import check_records
from .grid import Book, open_book, read_source
from .headers import (
    HEADER_SEARCH_ROWS,
    _configured,
    _satisfied,
    alias_map,
    is_header,
    match_header,
    named_sheets,
    normalize_header,  # noqa: F401 – read.normalize_header, as it always was
)

_TOTAL_LABEL = re.compile(r"(?:人民币)?(?:合计|总计|小计)[:：]?")
_RANGES = {"bank_due_day": (1, 31, N_("a due day must be 1–31"))}


@dataclass
class TableRead:
    """One table read from a file: typed frame plus where each row and column came from."""

    frame: pd.DataFrame  # field keys found + excel_row (1-based row in the file)
    path: Path | None
    sheet: str | None  # None for CSV/HTML and for a missing optional sheet
    header_row: int | None  # 1-based
    columns: dict[str, int] = field(default_factory=dict)  # field key → 1-based column index
    headers: dict[str, str] = field(default_factory=dict)  # field key → header text as written
    warnings: list[CellProblem] = field(default_factory=list)
    file: str = ""  # the name used in messages
    table: schema.Table | None = None
    # 1-based Excel row of the last data row (the header row when there is none; 0 for a missing sheet)
    # and of the first row of a footer under the table (None when there is none): rows appended to the
    # table go between the two (the writer moves the footer down)
    last_data_row: int = 0
    footer_row: int | None = None

    def problem(self, label: Any, key: str, value: Any, reason: str, code: str = "bad-cell") -> CellProblem:
        """A problem about the cell of frame row ``label`` and field ``key`` (for callers' own checks)."""
        row = int(self.frame.loc[label, "excel_row"]) if label in self.frame.index else None
        column = self.headers.get(key)
        if column is None and self.table is not None:
            column = next((f.header for f in self.table.fields if f.key == key), key)
        return CellProblem(self.file, self.sheet, row, column or key, value, reason, code)


@dataclass
class Ledger:
    """The ledger workbook (台账): loans, rates, payments and settlements, read under one digest."""

    path: Path
    sha256: str  # of the bytes read
    loans: TableRead
    rates: TableRead
    payments: TableRead
    settlements: TableRead
    collections: TableRead  # 催收记录 (optional sheet; empty frame when absent)
    writeoffs: TableRead  # 核销记录 (optional sheet; empty frame when absent)


# --------------------------------------------------------------------------------------------- headers


def _expected(table: schema.Table, key: str, settings: Settings | None) -> str:
    keys = (key, *table.alternatives.get(key, ()))
    names = [a for k in keys for a in (*table.field(k).aliases, *_configured(table, k, settings))]
    if len(names) == 1:
        return names[0]
    return _("{name} (or {others})").format(name=names[0], others=_(", ").join(names[1:]))


@dataclass
class _Located:
    sheet: str | None
    header_index: int  # 0-based row of the header
    found: dict[str, int]
    header_cells: list[Any]


def _sheet_order(book: Book, table: schema.Table, sheet: str | None, by_name_only: bool,
                 setting: str | None = None) -> list[str | None]:
    if sheet is not None and book.sheet_names != [None]:
        if sheet not in book.sheet_names:
            message = (_("{file}: has no sheet {sheet} (the sheet {setting} in loantool.toml names).")
                       if setting else _("{file}: has no sheet {sheet}."))
            raise InputError(message.format(file=book.label, sheet=sheet, setting=setting),
                             hint=_("Its sheets are: {sheets}.").format(
                                 sheets=_(", ").join(str(s) for s in book.sheet_names)))
        return [sheet]
    named = named_sheets(table, book.sheet_names)
    if by_name_only:
        return list(named)
    return [*named, *(s for s in book.sheet_names if s not in named)]


def locate(book: Book, table: schema.Table, settings: Settings | None, sheet: str | None = None,
           by_name_only: bool = False, choose_with: str | None = None) -> _Located | None:
    """The sheet and header row of ``table``; None only when ``by_name_only`` finds no sheet by name.

    A sheet named by ``table.sheet_aliases`` is taken first. Without one, any sheet holding the header
    will do – unless ``choose_with`` (the setting that names the sheet) is given: then several such
    sheets are an error listing them, never a guess (a ledger workbook often keeps a settled archive
    beside the live loans)."""
    aliases = alias_map(table, settings)
    order = _sheet_order(book, table, sheet, by_name_only, choose_with)
    if not order:
        return None
    by_name = set(_sheet_order(book, table, None, True)) if sheet is None else {sheet}
    best: tuple[tuple[int, int], str | None, int, dict[str, int]] | None = None
    candidates: list[_Located] = []
    for name in order:
        for index, row in enumerate(book.head(name, HEADER_SEARCH_ROWS)):
            found = match_header(row, aliases)
            if is_header(table, found):
                hit = _Located(name, index, found, list(row))
                if choose_with is None or name in by_name or name is None:
                    return hit
                candidates.append(hit)
                break
            score = (sum(_satisfied(table, k, found) for k in table.header_keys), len(found))
            if best is None or score > best[0]:
                best = (score, name, index, found)
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        names = _(", ").join(str(c.sheet) for c in candidates)
        raise InputError(
            _("{file}: no sheet is named {name}, and {count} sheets hold a {name} table: {sheets}; the tool "
              "does not guess which one is the live one.").format(
                file=book.label, name=table.sheet_name, count=len(candidates), sheets=names),
            [CellProblem(book.label, c.sheet, c.header_index + 1, None, None,
                         _("a candidate {name} sheet").format(name=table.sheet_name), "ambiguous-sheet")
             for c in candidates],
            hint=_("Name the sheet in loantool.toml ({setting} = \"{sheet}\"), or rename it {name}.").format(
                setting=choose_with, sheet=candidates[0].sheet, name=table.sheet_name))
    if order == [None]:
        where = _("the file")
    else:
        where = ngettext("sheet {sheets}", "sheets {sheets}", len(order)).format(
            sheets=_(", ").join(str(s) for s in order))
    missing = [k for k in table.header_keys if best is None or not _satisfied(table, k, best[3])]
    problems = [
        CellProblem(book.label, best[1] if best else None, None, None, None,
                    _("no column {names}").format(names=_expected(table, key, settings)), "missing-column")
        for key in missing
    ]
    raise InputError(
        _("{file}: no header row of the {table} table in the first {rows} rows of {where}.").format(
            file=book.label, table=table.sheet_name, rows=HEADER_SEARCH_ROWS, where=where), problems,
        hint=_("The header row must name these columns (Chinese or English); check the file and the "
               "[aliases] in loantool.toml."),
    )


# ----------------------------------------------------------------------------------------------- rows


def _data_rows(book: Book, located: _Located) -> tuple[list[list[Any]], int]:
    rows = book.rows(located.sheet)
    return rows[located.header_index + 1:], located.header_index + 2  # first data row's Excel number


def _object_grid(rows: list[list[Any]], width: int) -> np.ndarray:
    """Rows as an (n, width) object array (calamine's rows are rectangular; CSV rows may be ragged)."""
    lengths = set(map(len, rows))
    if len(lengths) == 1 and min(lengths) >= width:
        full = lengths.pop()
        # one flat pass (np.array on a list of lists checks every row's shape first: 3× slower)
        cells = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * full)
        return cells.reshape(len(rows), full)[:, :width]
    grid = np.empty((len(rows), width), dtype=object)
    for i, row in enumerate(rows):
        grid[i, : min(len(row), width)] = row[:width]
    return grid


def is_total_row(row: list[Any]) -> bool:
    """A total row: its first non-empty cell starts with 合计/总计/人民币合计/小计, or one of its cells
    is such a label on its own (合计 in the middle of the row, say)."""
    first = next((cell for cell in row if not is_blank(cell)), None)
    if is_total_label(first):
        return True
    return any(isinstance(cell, str) and _TOTAL_LABEL.fullmatch(re.sub(r"\s+", "", cell)) for cell in row)


def _total_rows(body: list[list[Any]], kept: np.ndarray, suspect: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Which of the kept rows are totals, and which are notes (备注：…, is_footer_label) between data
    rows; only the suspect ones are looked at cell by cell."""
    totals = np.zeros(len(kept), dtype=bool)
    notes = np.zeros(len(kept), dtype=bool)
    for position in np.flatnonzero(suspect).tolist():
        row = body[kept[position]]
        totals[position] = is_total_row(row)
        notes[position] = not totals[position] and is_footer_label(_first_cell(row))
    return totals, notes


def _read_located(book: Book, table: schema.Table, located: _Located, path: Path | None,
                  problems: list[CellProblem], settings: Settings | None = None) -> TableRead:
    """Coerce every column of a located table; its problems go to ``problems`` in row, column order."""
    found: list[CellProblem] = []
    read = _coerce_located(book, table, located, path, found, settings)
    order = {header: col for col, header in enumerate(read.headers.values())}
    problems += sorted(found, key=lambda p: (p.row or 0, order.get(p.column, -1)))
    return read


def _coerce_located(book: Book, table: schema.Table, located: _Located, path: Path | None,
                    problems: list[CellProblem], settings: Settings | None = None) -> TableRead:
    sheet = located.sheet
    found_at = dict(located.found)
    fast = book.fast_table(sheet, located.header_index,
                           {col: str(located.header_cells[col]) for col in found_at.values()})
    cells: _GridCells | _FastCells
    body: Any
    if fast is None:
        body, first_row = _data_rows(book, located)
        cells = _GridCells(_object_grid(body, max(found_at.values()) + 1))
        merges = book.merged_ranges(sheet)
    else:  # typed columns: Python values only for the cells that are looked at one by one
        body, first_row = fast.rows, located.header_index + 2
        cells = _FastCells(fast)
        merges = fast.merges
    _read_percent_formats(book, table, located, found_at, cells, first_row)
    _fill_merged(table, located, found_at, cells, merges)
    columns = {key: cells.column(col) for key, col in found_at.items()}
    blank = np.ones(len(body), dtype=bool)
    for column in columns.values():
        blank &= column.blank()
    headers = {key: str(located.header_cells[col]).strip() for key, col in found_at.items()}
    end, footer = _footer(table, body, columns, blank)
    if end < len(body):  # the footer and everything under it is not the table's
        columns = {key: column.take(np.arange(end)) for key, column in columns.items()}
        blank = blank[:end]
    statuses = StatusWords.from_settings(settings)
    if _summary_is_status(table, columns, statuses):
        found_at["deduction_status"] = found_at["summary"]
        columns["deduction_status"] = columns["summary"]
        headers["deduction_status"] = headers["summary"]
    read = TableRead(pd.DataFrame(), path, sheet, located.header_index + 1,
                     {key: col + 1 for key, col in found_at.items()}, headers, [], book.label, table)
    for f in table.fields:
        if f.required and not _satisfied(table, f.key, found_at):
            problems.append(CellProblem(book.label, sheet, located.header_index + 1, None, None,
                                        _("no column {names}").format(names=_expected(table, f.key, None)),
                                        "missing-column"))
    kept = np.flatnonzero(~blank)
    if len(kept) < len(blank):  # (no blank row – a big sheet, most of the time: the columns as they are)
        columns = {key: column.take(kept) for key, column in columns.items()}
    values: dict[str, Any] = {}
    bad: dict[str, list[tuple[int, Any, str]]] = {}
    for f in table.fields:
        if f.key not in columns:
            continue
        if f.kind == "deduction_status":
            # a status column says for every line whether it paid: an empty or unknown one is a bad cell
            values[f.key], bad[f.key] = coerce_column(
                f.kind, columns[f.key], required=True, scalar=statuses.read,
                empty_reason=_("no status: the line does not say whether the deduction succeeded"))
            # the status as the bank wrote it, for the failed-lines list
            values["status_text"], _unused = coerce_column("text", columns[f.key])
        else:
            values[f.key], bad[f.key] = coerce_column(f.kind, columns[f.key], required=f.required)
    # A total row leaves its key cells empty or unreadable, or puts its label in the first column: only
    # such rows are inspected whole, so a big sheet costs nothing here.
    suspect = np.zeros(len(kept), dtype=bool)
    for cells in bad.values():
        suspect[[cell[0] for cell in cells]] = True
    keys = {f.key for f in table.fields if f.required} | set(table.header_keys)
    for key in keys & set(columns):
        suspect |= columns[key].blank()
    first = min(found_at, key=found_at.__getitem__)
    suspect |= columns[first].total_label()
    totals, notes = _total_rows(body, kept, suspect)
    rows = ~(totals | notes)
    every_row = bool(rows.all())
    excel_rows = kept + first_row
    for position in np.flatnonzero(notes).tolist():
        read.warnings.append(CellProblem(
            book.label, sheet, int(excel_rows[position]), None, shown(_first_cell(body[kept[position]])),
            _("a note between the table's rows (备注, 制表人 …): skipped, not read as data"), "note-skipped"))
    row_numbers = excel_rows if every_row else excel_rows[rows]
    data: dict[str, Any] = {}
    for key, array in values.items():
        for position, value, reason in bad.get(key, ()):
            if rows[position]:
                problems.append(CellProblem(book.label, sheet, int(excel_rows[position]), headers[key],
                                            shown(value), reason))
        if not every_row:
            array = array[rows]
        if key in _RANGES:
            low, high, reason = _RANGES[key]
            reason = _(reason)
            outside = ((array < low) | (array > high)).fillna(False).to_numpy(dtype=bool)
            for position in np.flatnonzero(outside).tolist():
                problems.append(CellProblem(book.label, sheet, int(row_numbers[position]), headers[key],
                                            int(array[position]), reason))
        data[key] = as_series(array)
    frame = pd.DataFrame(data, index=pd.RangeIndex(int(rows.sum())))
    frame["excel_row"] = row_numbers.astype(np.int64)
    read.frame = frame
    read.last_data_row = int(row_numbers[-1]) if len(row_numbers) else located.header_index + 1
    if footer is not None:
        read.footer_row = first_row + footer.start
        read.warnings.append(CellProblem(
            book.label, sheet, read.footer_row, None, shown(footer.label),
            (_("a footer under the table (备注, 制表人, 审核, 合计 …): row {first} skipped, not read as data")
             if footer.rows == 1 else
             _("a footer under the table (备注, 制表人, 审核, 合计 …): rows {first}–{last} skipped, not read "
               "as data")).format(
                first=read.footer_row, last=first_row + footer.last), "footer-skipped"))
        for position in footer.data_like:
            problems.append(CellProblem(
                book.label, sheet, first_row + position, None, shown(footer.first_cell(position)),
                _("this row holds data but lies under the footer that starts on row {row}; move it above "
                  "the footer (or delete it)").format(row=read.footer_row), "under-footer"))
    if "term_years" in frame:
        _term_from_years(read, problems)
    return read


@dataclass
class _Footer:
    """Rows under a table that are not data: from ``start`` (a body index) to ``last``."""

    start: int
    last: int
    label: Any  # the first cell of the first footer row
    body: list[list[Any]]
    data_like: list[int]  # rows inside the footer that look like data (an error, never skipped)

    @property
    def rows(self) -> int:
        return self.last - self.start + 1

    def first_cell(self, position: int) -> Any:
        return next((cell for cell in self.body[position] if not is_blank(cell)), None)


def _first_cell(row: list[Any]) -> Any:
    return next((cell for cell in row if not is_blank(cell)), None)


def _footer(table: schema.Table, body: list[list[Any]], columns: dict[str, Column], blank: np.ndarray
            ) -> tuple[int, _Footer | None]:
    """Where the table ends: (the body index after its last row, the footer under it or None).

    A footer (DOMAIN.md "Bank files") is the block that starts with a row whose first non-empty cell is
    a footer label (备注：…, 制表人：…, 审核：…, 合计 …, is_footer_label) below the last complete data row
    (one holding every header column: 合同编号, 客户姓名 and 贷款金额 for the loans); every row from
    there down is the footer's, except a row that looks like data (two or more cells of the table's
    columns, not a label row): that one is an error, so nothing that may be a loan is silently
    dropped. Only the rows below the last complete row are looked at one by one."""
    keys = [key for key in table.header_keys if key in columns]
    complete = ~blank.copy()
    for key in keys:
        complete &= ~columns[key].blank()
    candidates = np.flatnonzero(complete)
    # the last complete row that is not itself a label row (合计 with its amounts, say)
    last_complete = -1
    for position in candidates[::-1].tolist():
        if not is_footer_label(_first_cell(body[position])):
            last_complete = position
            break
    start = None
    for position in range(last_complete + 1, len(body)):
        first = _first_cell(body[position])
        if first is not None and is_footer_label(first):
            start = position
            break
    if start is None:
        return len(body), None
    found = np.zeros(len(body), dtype=int)
    for column in columns.values():
        found += ~column.blank()
    data_like = [position for position in range(start + 1, len(body))
                 if found[position] >= 2 and not is_footer_label(_first_cell(body[position]))]
    last = max((p for p in range(start, len(body)) if _first_cell(body[p]) is not None), default=start)
    return start, _Footer(start, last, _first_cell(body[start]), body, data_like)


# kinds whose merged cell speaks for every row it spans (a 放款日期 merged over a batch of slip rows); an
# amount, a rate or an identifier merged over rows is never copied: that would invent money or a loan
MERGE_FILLS = frozenset(schema.KINDS) - {"amount", "rate", "contract", "id_no", "card", "phone"}


class _GridCells:
    """The cells of a sheet's data rows as one object grid (python-calamine's rows)."""

    def __init__(self, grid: np.ndarray):
        self._grid = grid

    def __len__(self) -> int:
        return len(self._grid)

    def cells(self, col: int) -> np.ndarray:
        return self._grid[:, col]  # a view: changes reach the grid

    def column(self, col: int) -> Column:
        return Column.of(self._grid[:, col])


class _FastCells:
    """The cells of a sheet's data rows as typed columns (fast_sheet.FastTable); a column becomes Python
    objects only when a cell of it is changed (a merged cell filled, a percentage read)."""

    def __init__(self, table: Any):
        self._table = table
        self._changed: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return int(self._table.height)

    def cells(self, col: int) -> np.ndarray:
        if col not in self._changed:
            self._changed[col] = self._table.objects(col)
        return self._changed[col]

    def column(self, col: int) -> Column:
        if col in self._changed:
            return Column.of(self._changed[col])
        return self._table.column(col)


def _fill_merged(table: schema.Table, located: _Located, found_at: dict[str, int],
                 grid: _GridCells | _FastCells, merges: list[tuple[int, int, int, int]]) -> None:
    """A cell merged down over several rows is read for every one of them (the sheet shows it beside
    each), not left blank below its first row; only in the columns of :data:`MERGE_FILLS` kinds."""
    fill = {col for key, col in found_at.items() if table.field(key).kind in MERGE_FILLS}
    if not fill or not len(grid):
        return
    offset = located.header_index + 1  # sheet row (0-based) of the grid's first row
    for r1, c1, r2, _c2 in merges:
        if c1 not in fill or r2 <= r1 or r1 < offset:
            continue
        top = r1 - offset
        if top >= len(grid):
            continue
        cells = grid.cells(c1)
        value = cells[top]
        for position in range(top + 1, min(r2 - offset, len(grid) - 1) + 1):
            if is_blank(cells[position]):
                cells[position] = value


def _read_percent_formats(book: Book, table: schema.Table, located: _Located, found_at: dict[str, int],
                          grid: _GridCells | _FastCells, first_row: int) -> None:
    """A number in a rate column shown with a percentage format means the percentage shown (1.5 shown
    as 150.00 % is 150 %, not 1.5 %): such cells become the text "150%" before they are coerced."""
    rate_columns = {found_at[f.key] for f in table.fields if f.kind == "rate" and f.key in found_at}
    if not rate_columns or not len(grid):
        return
    for row, col in book.percent_cells(located.sheet, sorted(c + 1 for c in rate_columns)):
        position = row - first_row
        if 0 <= position < len(grid):
            cells = grid.cells(col - 1)
            value = cells[position]
            if type(value) in (int, float) and math.isfinite(value):
                cells[position] = percent_text(value)


def _summary_is_status(table: schema.Table, columns: dict[str, Column], statuses: StatusWords) -> bool:
    """摘要 stands for the status only in a file without a status column, and only when some of its
    cells are status words (扣款成功, 余额不足 …): a bank's 摘要 is often a description (代扣还款, 消费),
    and a file without a status column lists successful deductions only (DOMAIN.md "Bank files")."""
    if "deduction_status" not in {f.key for f in table.fields} or "deduction_status" in columns:
        return False
    summary = columns.get("summary")
    if summary is None:
        return False
    words = summary.uniques[~summary.blank_unique()].tolist()
    return any(statuses.classify(word) is not None for word in words)


def _term_from_years(read: TableRead, problems: list[CellProblem]) -> None:
    """贷款年限 (years) stands for 期数 (months) where 期数 is missing; the two must agree where both are."""
    frame = read.frame
    months = frame["term_years"] * 12
    if "term" not in frame:
        frame["term"] = months
        return
    term = frame["term"]
    disagree = (term.notna() & months.notna() & (term != months)).to_numpy(dtype=bool)
    for label in frame.index[disagree]:
        problems.append(read.problem(
            label, "term_years", int(frame.loc[label, "term_years"]),
            _("{years} years is {months} months, but {column} says {term}").format(
                years=int(frame.loc[label, "term_years"]), months=int(months[label]),
                column=read.headers.get("term", "期数"), term=int(term[label]))))
    frame["term"] = term.fillna(months)


def empty_table(table: schema.Table, path: Path | None, label: str) -> TableRead:
    """A table with every field column and no rows (a missing optional sheet)."""
    data = {}
    for f in table.fields:
        values, _none = coerce_column(f.kind, Column.of([]))
        data[f.key] = as_series(values)
    frame = pd.DataFrame(data, index=pd.RangeIndex(0))
    frame["excel_row"] = np.zeros(0, dtype=np.int64)
    return TableRead(frame, path, None, None, {}, {}, [], label, table)


def _raise_problems(label: str, problems: list[CellProblem]) -> None:
    if problems:
        raise InputError(
            ngettext("{file}: {count} problem; nothing was read.",
                     "{file}: {count} problems; nothing was read.", len(problems)).format(
                file=label, count=len(problems)), problems,
            hint=_("Correct each listed cell in the file and run again."))


# ------------------------------------------------------------------------------------------- entry points


def read_table(source: Path | BinaryIO, table: schema.Table, *, settings: Settings | None = None,
               sheet: str | None = None, name: str | None = None) -> TableRead:
    """Read one table from a workbook, CSV or HTML file (a path or a binary file object).

    ``sheet`` forces the sheet; otherwise a sheet named by ``table.sheet_aliases`` is tried first,
    then every sheet in order. ``name`` names a file object in messages. Raises ``InputError`` listing
    every bad cell.
    """
    result, problems = read_table_with_problems(source, table, settings=settings, sheet=sheet, name=name)
    _raise_problems(result.file, problems)
    return result


def read_table_with_problems(source: Path | BinaryIO, table: schema.Table, *,
                             settings: Settings | None = None, sheet: str | None = None,
                             name: str | None = None) -> tuple[TableRead, list[CellProblem]]:
    """Like :func:`read_table`, but bad cells are returned instead of raised (for ``--skip-bad``): the
    frame keeps every data row, a bad cell reading as empty. A file without the table's header, or a
    file that cannot be opened, still raises ``InputError``."""
    data, label, base = read_source(source, name)
    path = Path(source) if isinstance(source, (str, Path)) else (Path(name) if name else None)
    book = open_book(data, label, base)
    problems: list[CellProblem] = []
    with gc_paused():  # the rows are dropped before the collector is back, so it never walks them
        try:
            located = locate(book, table, settings, sheet)
            assert located is not None  # locate raises unless asked for named sheets only
            return _read_located(book, table, located, path, problems, settings), problems
        finally:
            book.discard()


def load_ledger(path: Path, settings: Settings, *, as_of: date | None = None) -> Ledger:
    """The ledger workbook: 贷款台账 (required; any sheet with its header will do), 利率表, 还款记录,
    结清记录 and 催收记录 (optional, found by sheet name; empty frames when absent). Checks on entry become
    ``loans.warnings``; a contract number used twice is an error like a bad cell."""
    path = Path(path)
    ahead = readahead.take(path)  # the file's bytes and 还款记录 read while the command was importing
    if ahead is not None:
        data, label, base, digest = ahead.data, str(path), path.name, ahead.sha256
        ahead.data = b""
        hashing = None
    else:
        data, label, base = read_source(path)
        hashing = _Digest(data)  # worked out on another core (hashlib lets go of the GIL) while this reads
        hashing.start()
    book = open_book(data, label, base)
    if ahead is not None and not book.parsed_ahead(ahead):
        ahead.drop()  # not wanted after all: waited for and dropped before the sheets are parsed here
    del ahead
    optional = (schema.PAYMENTS, schema.RATES, schema.SETTLEMENTS, schema.COLLECTIONS, schema.WRITEOFFS)
    # with grid.BACKGROUND_PARSE on, the optional tables are parsed in the background from here
    if not _prefetch_tables(book, optional, settings):
        book.prefetch([name for table in optional for name in _sheet_order(book, table, None, True)
                       if name is not None])
    problems: list[CellProblem] = []
    tables: dict[str, TableRead] = {}
    with gc_paused():  # the rows are dropped before the collector is back, so it never walks them
        try:
            early = None
            for table in (schema.LOANS, *optional):
                if table is schema.LOANS:
                    located = locate(book, table, settings, sheet=settings.ledger.loans_sheet or None,
                                     choose_with="[ledger] loans_sheet")
                    # the big sheet is read first, while little else is held: its parse is the read's
                    # peak of memory; what it finds is reported in its turn, as if read in order
                    # (贷款台账 parsed in the background as soon as it is, when it is the smaller sheet)
                    early = _read_early(book, schema.PAYMENTS, path, label, settings, beside=located)
                elif table is schema.PAYMENTS and early is not None:
                    outcome, found = early
                    if isinstance(outcome, InputError):
                        raise outcome
                    problems += found
                    tables[table.key] = outcome
                    continue
                else:
                    located = locate(book, table, settings, by_name_only=True)
                tables[table.key] = (_read_located(book, table, located, path, problems, settings) if located
                                     else empty_table(table, path, label))
        finally:
            book.discard()
    del book, data  # the file's bytes (and the book's hold on them) are let go before the checks on entry
    if hashing is not None:
        hashing.join()
        digest = hashing.hexdigest
    loans = tables["loans"]
    try:
        today = as_of or (to_date(settings.as_of) if settings.as_of else None) or date.today()
    except CoerceError:  # load_settings refuses it; a Settings made in code may still hold it
        raise UsageError(_("as_of {value} in loantool.toml is not a date.").format(
            value=repr(settings.as_of)), _("Write it as YYYY-MM-DD.")) from None
    problems += checks.duplicate_contracts(loans.frame, loans.problem)
    problems += check_records(tables["collections"])
    if problems:  # the file is refused: say at once what else the commands would refuse in it
        problems += _schedule_problems(loans, tables["rates"], settings, today, problems)
    _raise_problems(label, problems)
    # the footers skipped under any sheet, then the checks on entry of the loans
    footers = [w for table in tables.values() if table is not loans for w in table.warnings]
    loans.warnings = [*loans.warnings, *footers, *checks.check_loans(loans.frame, loans.problem, today)]
    return Ledger(path, digest, loans, tables["rates"], tables["payments"], tables["settlements"],
                  tables["collections"], tables["writeoffs"])


class _Digest(threading.Thread):
    """The SHA-256 of a file's bytes, worked out in a thread of its own."""

    def __init__(self, data: bytes):
        super().__init__(name="loantool-sha256", daemon=True)
        self._data = data
        self.hexdigest = ""

    def run(self) -> None:
        self.hexdigest = hashlib.sha256(self._data).hexdigest()
        self._data = b""


def _read_early(book: Book, table: schema.Table, path: Path, label: str, settings: Settings,
                beside: _Located | None = None) -> tuple[TableRead | InputError, list[CellProblem]]:
    """``table`` located and read ahead of its turn: the table and its problems, or the error that
    refuses it (raised by the caller in the table's turn, so that an earlier table's error still comes
    first). ``beside``: a (smaller) table parsed in the background, on the second core, once this
    one's sheet is parsed."""
    found: list[CellProblem] = []
    try:
        located = locate(book, table, settings, by_name_only=True)
        if located and beside:
            book.load_beside(beside.sheet, beside.header_index, sorted(beside.found.values()), located.sheet)
        read = (_read_located(book, table, located, path, found, settings) if located
                else empty_table(table, path, label))
    except InputError as exc:
        return exc, []
    return read, found


def _prefetch_tables(book: Book, tables: tuple[schema.Table, ...], settings: Settings) -> bool:
    """Start loading the optional tables' typed columns in the background (fast reading only): their
    header rows are found here quietly; a sheet without one is left for the reading to report."""
    if not book.fast:
        return False
    for table in tables:
        try:
            located = locate(book, table, settings, by_name_only=True)
        except InputError:
            continue
        if located is not None:
            book.prefetch_table(located.sheet, located.header_index, sorted(located.found.values()))
    return True


def _schedule_problems(loans: TableRead, rates: TableRead, settings: Settings, today: date,
                       known: list[CellProblem]) -> list[CellProblem]:
    """The cells of loans not yet settled or written off that hold a value their schedule would refuse
    (期数 outside 1–120, 贷款金额 ≤ 0, a 年利率 above its limit – core.loans.schedule_inputs), not
    already reported: with the reading's own problems they make every bad cell of the ledger one list,
    not one fix at a time. What is merely missing (a rate to look up, say) is left to the commands
    that need it."""
    from ..core.loans import loan_states, schedule_inputs
    from ..core.rates import RateLimits
    from ..money import MoneyError

    frame = loans.frame
    if frame.empty or "contract_no" not in frame:
        return []
    states = loan_states(frame, today)
    current = frame[~states["settled"] & ~states["written_off"]]
    try:
        limits = RateLimits.from_settings(settings)
    except MoneyError:
        limits = RateLimits()
    _terms, found = schedule_inputs(current, rates.frame, default_method=settings.schedule.default_method,
                                    limits=limits)
    taken = {(p.sheet, p.row, p.column) for p in known}
    extra = []
    for label, key, value, reason in found:
        if value is None:
            continue
        problem = loans.problem(label, key, value, reason, "schedule-input")
        if (problem.sheet, problem.row, problem.column) not in taken:
            taken.add((problem.sheet, problem.row, problem.column))
            extra.append(problem)
    order = {header: col for header, col in ((loans.headers.get(k), c) for k, c in loans.columns.items())}
    return sorted(extra, key=lambda p: (p.row or 0, order.get(p.column, 0)))
