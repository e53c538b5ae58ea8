"""Surgical edits of an .xlsx/.xlsm ledger: only the parts that change are rewritten (外科式修改).

The zip is streamed entry by entry. An untouched entry is copied as its original bytes – local header,
compressed data, data descriptor, central-directory record, names with backslashes, extra fields and
comments included – so every part we do not edit stays byte-identical. Only the worksheet parts that
receive cells are rewritten (``sheet_xml``), plus, when needed: styles.xml (one date style added),
a table part whose range grows with appended rows, and – when a sheet is added – workbook.xml, its
relationships and [Content_Types].xml. Whatever cannot be edited safely is refused with exit 3.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from ..errors import LedgerUnsafeError
from ..i18n import _
from ..runtime import gc_paused
from .sheet_xml import SheetXml
from .xlsx_cells import MAX_COL, MAX_ROW, CellValue, cell_ref, check_value
from .xlsx_parts import MAIN_NS, REL_NS, Package, StyleBook, check_encoding, decode_part, grow_tables
from .xlsx_rows import insert_rows
from .zip_raw import RawZip, Splice, part_name

__all__ = ["CellValue", "SheetEdits", "SheetPatch", "PatchResult", "patch_xlsx", "check_ledger_format"]

EDITABLE_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class SheetEdits:
    """What one command changes in one sheet.

    ``updates`` (row, col) 1-based → value; ``appends`` rows written after the last row that holds a
    value (rows of empty formatted cells are filled, keeping their formats); ``create_header`` creates
    the sheet with this header row when it is missing. ``header_row``: rows at or above it never lend
    their style to new cells (a bold header must not make data bold). ``new_columns`` (column → header
    text): columns added at the right of the header row (``ledger.columns.place_columns`` chooses them);
    each header cell is written in ``header_row`` styled like its neighbour to the left, and refused if
    that cell already holds something. ``insert_after_row`` (the table's last data row, when a footer
    – 备注/制表人/合计 … – sits under it): the appended rows go right under that row and everything
    below moves down with every reference to it (``xlsx_rows``), or the write is refused. Updates name
    rows as they are before the insertion, and none may lie below it.
    """

    sheet: str
    updates: dict[tuple[int, int], CellValue] = field(default_factory=dict)
    appends: list[dict[int, CellValue]] = field(default_factory=list)
    create_header: list[str] | None = None
    header_row: int | None = None
    new_columns: dict[int, str] = field(default_factory=dict)
    insert_after_row: int | None = None


@dataclass
class SheetPatch:
    """What was done to one sheet: every intended cell at its final place, and what changed."""

    sheet: str
    part: str  # zip entry name of the worksheet part
    created: bool
    cells: dict[tuple[int, int], CellValue]
    appended_rows: list[int]
    cells_written: int  # cells whose XML changed; a cell that already held its value is not counted
    columns_added: dict[int, str] = field(default_factory=dict)  # column → header text
    inserted: tuple[int, int] | None = None  # (first row moved down, rows inserted) when a footer moved
    # where the sheet's text changed – (old start, old end, new start, new end) – and the old rows whose
    # values were already there; None when the whole sheet must be compared (a new sheet, moved rows)
    spans: list[tuple[int, int, int, int]] | None = None
    unchanged_rows: list[tuple[int, int]] = field(default_factory=list)
    # the part's old content as read (spans and rows count in its bytes) and the new content as written:
    # the verification compares with them (and the written file with ``content``), then lets them go
    source: bytes | None = field(default=None, repr=False, compare=False)
    content: bytes | None = field(default=None, repr=False, compare=False)


@dataclass
class PatchResult:
    sheets: list[SheetPatch]
    changed_parts: list[str]  # zip entry names rewritten or added
    date1904: bool = False
    written_sha256: str | None = None  # of the written file as the verification read it

    def release(self) -> None:
        """Let go of the sheets' old and new content (kept for the verification only)."""
        for sheet in self.sheets:
            sheet.source = sheet.content = None

    @property
    def changed(self) -> bool:
        return bool(self.changed_parts)

    @property
    def cells_written(self) -> int:
        return sum(s.cells_written for s in self.sheets)

    @property
    def rows_appended(self) -> int:
        return sum(len(s.appended_rows) for s in self.sheets)


# ------------------------------------------------------------------------------------------ format


def check_ledger_format(path: Path) -> None:
    """Refuse (exit 3) what this writer cannot edit: .xls/.ods/.xlsb, encrypted or non-zip files."""
    suffix = path.suffix.lower()
    if suffix not in EDITABLE_SUFFIXES:
        raise LedgerUnsafeError(
            _("{file}: loantool writes only .xlsx or .xlsm ledgers, not {kind}; open it in Excel/WPS and "
              "save it as .xlsx (Excel Workbook) first.").format(
                file=path.name, kind=suffix or _("this file type"))
        )
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerUnsafeError(
            _("{file} is password-protected (encrypted) or an old .xls renamed to .xlsx.").format(
                file=path.name),
            _("Remove the password or save it as .xlsx in Excel/WPS first."),
        )
    if not head.startswith(b"PK"):
        raise LedgerUnsafeError(_("{file} is not an .xlsx workbook (not a zip file).").format(file=path.name))


class _StylePicker:
    """The s= a written cell gets: its own for an existing cell, else the nearest styled cell above."""

    def __init__(
        self, sheet: SheetXml, styles: StyleBook, stop_row: int, new_headers: frozenset = frozenset()
    ):
        self.sheet, self.styles, self.stop_row = sheet, styles, stop_row
        self.new_headers = new_headers  # (row, col) of header cells of added columns
        self.ours: dict[int, tuple[int, int]] = {}  # col → (row, s) of the last cell we wrote there
        self.last_row = sheet.row_nums[-1] if sheet.row_nums else 0

    def __call__(
        self, row: int, col: int, existing: int | None, value: CellValue, is_new: bool
    ) -> int | None:
        style = existing
        if (row, col) in self.new_headers:
            return self.sheet.style_left(row, col)  # a new header looks like the header beside it
        if is_new:
            mine = self.ours.get(col)
            if mine is not None and mine[0] > self.last_row:
                style = mine[1]  # ours is below every row of the sheet: no styled cell there is nearer
            else:
                found = self.sheet.style_above(row, col, self.stop_row)
                if mine is not None and (found is None or mine[0] >= found[0]):
                    style = mine[1]
                elif found is not None:
                    style = found[1]
        if isinstance(value, dt.date) and not self.styles.is_date(style):
            style = self.styles.date_style(style)  # a date must show as a date, whatever the column held
        if style is not None or row > self.last_row:  # below the sheet, "no style" is as final as a style
            self.ours[col] = (row, style)
        return style


# --------------------------------------------------------------------------------------------- patch

_NEW_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><dimension ref="A1"/><sheetData/>'
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
)


def _merge(edits: list[SheetEdits]) -> list[SheetEdits]:
    """One SheetEdits per sheet (later updates win, appends in order), every value checked first."""
    merged: dict[str, SheetEdits] = {}
    for edit in edits:
        key = edit.sheet.casefold()
        target = merged.setdefault(key, SheetEdits(edit.sheet))
        target.updates.update(edit.updates)
        target.appends.extend(edit.appends)
        target.create_header = target.create_header or edit.create_header
        target.header_row = target.header_row or edit.header_row
        target.new_columns.update(edit.new_columns)
        if edit.insert_after_row is not None:
            target.insert_after_row = edit.insert_after_row
    for edit in merged.values():
        if edit.new_columns and not edit.header_row:
            raise ValueError(f"sheet {edit.sheet}: new columns need the header row")
        places = chain(
            edit.updates.items(),
            (((0, col), value) for row in edit.appends for col, value in row.items()),
            (((1, col), title) for col, title in enumerate(edit.create_header or [], 1)),
            (((edit.header_row or 1, col), title) for col, title in edit.new_columns.items()),
        )
        for (row, col), value in places:
            if not (0 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                raise ValueError(f"sheet {edit.sheet}: no cell at row {row}, column {col}")
            try:
                check_value(value)
            except ValueError as exc:
                raise LedgerUnsafeError(
                    _("cannot write {value} to sheet {sheet}: {reason}.").format(
                        value=repr(value), sheet=edit.sheet, reason=exc)) from None
    return list(merged.values())


def _plan(
    sheet: SheetXml, edit: SheetEdits, created: bool, after_row: int | None = None
) -> tuple[dict[int, dict[int, CellValue]], list[int], int]:
    """{row: {col: value}} of every cell to write, the appended row numbers, and the header row."""
    cells: dict[int, dict[int, CellValue]] = {}
    header_row = edit.header_row or 0
    if created and edit.create_header:
        cells[1] = dict(enumerate(edit.create_header, 1))
        header_row = max(header_row, 1)
    for (row, col), value in edit.updates.items():
        cells.setdefault(row, {})[col] = value
    for col, title in edit.new_columns.items():
        if sheet.holds_value(header_row, col):
            raise LedgerUnsafeError(
                _("{where}: cell {cell} of the header row is not empty; the column {header} cannot be added "
                  "there, nothing was written.").format(
                    where=sheet.where, cell=cell_ref(header_row, col), header=title),
                _("Run the command again (the ledger was changed meanwhile), or add the column by hand."),
            )
        cells.setdefault(header_row, {})[col] = title
    base = after_row if after_row is not None else max(
        sheet.last_data_row(),
        header_row if created else 0,
        max((r for (r, _), v in edit.updates.items() if v is not None), default=0),
    )
    appended = []
    rows = edit.appends
    if after_row is not None:  # exactly as many rows were made free as there are rows to write
        rows = [values for values in rows if any(v is not None for v in values.values())]
    for number, values in enumerate(rows, base + 1):
        if number > MAX_ROW:
            raise LedgerUnsafeError(
                _("sheet {sheet} is full (Excel holds {rows} rows).").format(sheet=edit.sheet, rows=MAX_ROW))
        if any(v is not None for v in values.values()):
            cells.setdefault(number, {}).update(values)
            appended.append(number)
    return cells, appended, header_row


def patch_xlsx(src: Path, dst: Path, edits: list[SheetEdits]) -> PatchResult:
    """Write ``src`` with ``edits`` applied to ``dst``; every part not edited is copied byte for byte.

    Raises ``LedgerUnsafeError`` (nothing written) for a workbook or value it cannot edit safely,
    including a formula cell whose value would change.
    """
    with gc_paused():  # rows and cells built here hold no cycles (see runtime.gc_paused)
        return _patch(src, dst, edits)


def _patch(src: Path, dst: Path, edits: list[SheetEdits]) -> PatchResult:
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ValueError("patch_xlsx writes a new file; use ledger_transaction to replace the ledger")
    check_ledger_format(src)
    label = src.name
    # the workbook is opened and the edited sheets inflated in a second thread (zlib runs without the
    # interpreter lock) while every value is checked here; a bad value is still refused first
    with ThreadPoolExecutor(1) as pool:
        opening = pool.submit(_open, src, label, list(dict.fromkeys(e.sheet for e in edits)))
        plan = _merge(edits)
        zip_, pkg, inflated = opening.result()
    styles = StyleBook(pkg.text(pkg.styles_name) if pkg.styles_name else None)
    results: list[SheetPatch] = []
    added: dict[str, bytes] = {}
    for edit in plan:
        found = pkg.find_sheet(edit.sheet)
        created = found is None
        if created:
            if not edit.create_header:
                raise LedgerUnsafeError(
                    _("{file} has no sheet named {sheet}.").format(file=label, sheet=edit.sheet),
                    _("Check the sheet name, or run `loantool init` for a new ledger."),
                )
            try:
                entry = pkg.add_sheet(edit.sheet)
            except ValueError as exc:
                raise LedgerUnsafeError(
                    _("cannot add sheet to {file}: {reason}.").format(file=label, reason=exc)) from None
            sheet_name, data, blocks = edit.sheet, _NEW_SHEET.encode("utf-8"), None
        else:
            sheet_name, entry = found
            # bytes: a big sheet is never decoded whole
            data, blocks = inflated.pop(entry) if entry in inflated else zip_.read_blocks(entry)
            check_encoding(data, entry)
        where = _("{file} sheet {sheet}").format(file=label, sheet=sheet_name)
        sheet = SheetXml(data, where, pkg.date1904)
        inserted = None
        after = edit.insert_after_row
        rows_in = sum(1 for values in edit.appends if any(v is not None for v in values.values()))
        if after is not None and not created and rows_in and sheet.last_data_row() > after:
            if any(r > after for r, _ in edit.updates):
                raise ValueError(f"sheet {edit.sheet}: an update below row {after}, where rows are inserted")
            inserted = (after + 1, rows_in)
            text = SheetXml(decode_part(data, entry), where, pkg.date1904)  # rows move: on the text
            moved = insert_rows(pkg, entry, sheet_name, text, *inserted).encode("utf-8")
            sheet = SheetXml(moved, sheet.where, pkg.date1904)
        else:
            after = None  # nothing under the table: an ordinary append
        cells, appended, header_row = _plan(sheet, edit, created, after)
        headers = frozenset((header_row, col) for col in edit.new_columns)
        new_data, written = sheet.apply(cells, _StylePicker(sheet, styles, header_row, headers))
        if created:
            added[entry] = new_data
        elif inserted:
            pkg.changed[entry] = new_data
        elif written:  # only the deflate blocks around the changed spans are compressed again
            pkg.changed[entry] = Splice(data, new_data, list(sheet.spans), blocks)
        if (written or inserted) and not created:
            grow_tables(pkg, entry, appended, {c for r in appended for c in cells[r]})
        intended = {(r, c): v for r, row in cells.items() for c, v in row.items()}
        results.append(
            SheetPatch(
                sheet_name, entry, created, intended, appended, written, dict(edit.new_columns), inserted,
                None if created or inserted else list(getattr(sheet, "spans", [])),
                list(getattr(sheet, "unchanged_rows", [])),
                source=None if created else data, content=new_data if written or inserted else None,
            )
        )
    if styles.modified and pkg.styles_name:
        pkg.changed[pkg.styles_name] = (styles.text or "").encode("utf-8")
    after = _insert_after(zip_, pkg)
    try:
        with open(dst, "wb") as handle:
            zip_.write(handle, pkg.changed, [(after, name, content) for name, content in added.items()])
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        dst.unlink(missing_ok=True)
        raise
    return PatchResult(results, sorted(pkg.changed) + list(added), pkg.date1904)


def _open(src: Path, label: str, sheets: list[str]) -> tuple[RawZip, Package, dict[str, tuple]]:
    """The workbook read, and the content (with its deflate blocks) of each of ``sheets`` it has."""
    zip_ = RawZip(src.read_bytes(), label)
    pkg = Package(zip_, label)
    inflated: dict[str, tuple] = {}
    for name in sheets:
        try:
            found = pkg.find_sheet(name)
        except LedgerUnsafeError:
            continue  # refused in its turn
        if found is not None and found[1] not in inflated:
            inflated[found[1]] = zip_.read_blocks(found[1])
    return zip_, pkg, inflated


def _insert_after(zip_: RawZip, pkg: Package) -> str:
    """The entry a new sheet part follows: the last worksheet part in the file, else the workbook."""
    sheets = [e for e in zip_.local_order if re.search(r"(^|/)worksheets/[^/]+\.xml$", part_name(e.name))]
    return (sheets[-1] if sheets else zip_.by_name[pkg.workbook_name]).name
