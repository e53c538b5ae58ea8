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
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from ..errors import LedgerUnsafeError
from .sheet_xml import (
    MAX_COL,
    MAX_ROW,
    CellValue,
    SheetXml,
    check_value,
    escape_text,
    format_range,
    parse_range,
    unescape_text,
)
from .zip_raw import RawZip, part_name

__all__ = ["CellValue", "SheetEdits", "SheetPatch", "PatchResult", "patch_xlsx", "check_ledger_format"]

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
EDITABLE_SUFFIXES = (".xlsx", ".xlsm")
_DATE_FMT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass
class SheetEdits:
    """What one command changes in one sheet.

    ``updates`` (row, col) 1-based → value; ``appends`` rows written after the last row that holds a
    value (rows of empty formatted cells are filled, keeping their formats); ``create_header`` creates
    the sheet with this header row when it is missing. ``header_row``: rows at or above it never lend
    their style to new cells (a bold header must not make data bold).
    """

    sheet: str
    updates: dict[tuple[int, int], CellValue] = field(default_factory=dict)
    appends: list[dict[int, CellValue]] = field(default_factory=list)
    create_header: list[str] | None = None
    header_row: int | None = None


@dataclass
class SheetPatch:
    """What was done to one sheet: every intended cell at its final place, and what changed."""

    sheet: str
    part: str  # zip entry name of the worksheet part
    created: bool
    cells: dict[tuple[int, int], CellValue]
    appended_rows: list[int]
    cells_written: int  # cells whose XML changed; a cell that already held its value is not counted


@dataclass
class PatchResult:
    sheets: list[SheetPatch]
    changed_parts: list[str]  # zip entry names rewritten or added
    date1904: bool = False

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
            f"{path.name}: loantool writes only .xlsx or .xlsm ledgers, not {suffix or 'this file type'}; "
            "open it in Excel/WPS and save it as .xlsx (Excel Workbook) first."
        )
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerUnsafeError(
            f"{path.name} is password-protected (encrypted) or an old .xls renamed to .xlsx.",
            "Remove the password or save it as .xlsx in Excel/WPS first.",
        )
    if not head.startswith(b"PK"):
        raise LedgerUnsafeError(f"{path.name} is not an .xlsx workbook (not a zip file).")


# ------------------------------------------------------------------------------------------ package


def _decode(content: bytes, where: str) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerUnsafeError(f"{where} is stored as UTF-16; save the workbook again in Excel/WPS.")
    declaration = re.match(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*[\"']([\w-]+)", content)
    if declaration and declaration.group(1).lower() not in (b"utf-8", b"utf8"):
        raise LedgerUnsafeError(f"{where} is not UTF-8 XML; save the workbook again in Excel/WPS.")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise LedgerUnsafeError(f"{where} is not valid UTF-8 XML; the workbook is damaged.") from None


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part_name(part))
    return posixpath.join(folder, "_rels", base + ".rels")


def _resolve(source_part: str, target: str) -> str:
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part_name(source_part)), target))


def _insert_before_close(text: str, element: str, xml: str, where: str) -> str:
    """``xml`` inserted just before ``</[prefix:]element>``."""
    match = None
    for match in re.finditer(rf"</(?:\w+:)?{element}\s*>", text):
        pass
    if match is None:
        raise LedgerUnsafeError(f"{where}: no <{element}> element to add to; the workbook is unusual.")
    return text[: match.start()] + xml + text[match.start() :]


def _root_prefix(text: str, element: str) -> str:
    match = re.search(rf"<(?:(\w+):)?{element}[\s>/]", text)
    return f"{match.group(1)}:" if match and match.group(1) else ""


class _Package:
    """The workbook part, its sheets and relationships, read from the raw zip."""

    def __init__(self, zip_: RawZip, label: str):
        self.zip, self.label = zip_, label
        self.changed: dict[str, bytes] = {}  # entry name → new content
        self._added_rids: list[str] = []
        self.workbook = "xl/workbook.xml"
        for _, rel_type, target in self.relationships(""):
            if rel_type.endswith("/officeDocument"):
                self.workbook = target
        workbook_name = zip_.find(self.workbook)
        if workbook_name is None:
            raise LedgerUnsafeError(f"{label} has no workbook part; it is not an Excel workbook.")
        self.workbook_name = workbook_name
        self.workbook_text = _decode(zip_.read(workbook_name), "workbook.xml")
        if "http://purl.oclc.org/ooxml/spreadsheetml/main" in self.workbook_text[:2000]:
            raise LedgerUnsafeError(f"{label} is saved as Strict Open XML; save it as a normal .xlsx first.")
        try:
            root = ElementTree.fromstring(self.workbook_text.encode("utf-8"))
        except ElementTree.ParseError as exc:
            raise LedgerUnsafeError(f"{label}: workbook.xml cannot be read ({exc}).") from None
        pr = root.find(f"{{{MAIN_NS}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        self.rels = {rid: (rel_type, target) for rid, rel_type, target in self.relationships(self.workbook)}
        self.sheets: list[tuple[str, int, str]] = []  # name, sheetId, r:id
        for sheet in root.iter(f"{{{MAIN_NS}}}sheet"):
            self.sheets.append((sheet.get("name", ""), int(sheet.get("sheetId", "0") or 0),
                                sheet.get(f"{{{REL_NS}}}id", "")))
        self.backslashes = "\\" in workbook_name
        styles = [t for rel_type, t in self.rels.values() if rel_type.endswith("/styles")]
        self.styles_name = zip_.find(styles[0]) if styles else None

    def relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(Id, Type, resolved target part) of ``part``'s internal relationships ("" = the package)."""
        name = self.zip.find("_rels/.rels" if not part else _rels_name(part))
        if name is None:
            return []
        try:
            root = ElementTree.fromstring(self.zip.read(name))
        except ElementTree.ParseError:
            raise LedgerUnsafeError(f"{self.label}: relationships part {name!r} cannot be read.") from None
        found = []
        for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
            if rel.get("TargetMode", "Internal") == "External":
                continue
            found.append((rel.get("Id", ""), rel.get("Type", ""), _resolve(part or "/", rel.get("Target", ""))))
        return found

    def find_sheet(self, name: str) -> tuple[str, str] | None:
        """(sheet name as written, zip entry of its part) or None when the workbook has no such sheet."""
        matches = [s for s in self.sheets if s[0] == name] or [
            s for s in self.sheets if s[0].casefold() == name.casefold()]
        if not matches:
            return None
        sheet_name, _, rid = matches[0]
        rel_type, target = self.rels.get(rid, ("", ""))
        kind = rel_type.rsplit("/", 1)[-1]
        if kind != "worksheet":
            raise LedgerUnsafeError(f"sheet {sheet_name} is a {kind or 'sheet of unknown kind'}; loantool cannot write it.")
        entry = self.zip.find(target)
        if entry is None:
            raise LedgerUnsafeError(f"{self.label}: the part of sheet {sheet_name} ({target}) is missing.")
        return sheet_name, entry

    def text(self, name: str) -> str:
        if name in self.changed:
            return self.changed[name].decode("utf-8")
        return _decode(self.zip.read(name), name)

    def entry_name(self, part: str) -> str:
        return part.replace("/", "\\") if self.backslashes else part

    def add_sheet(self, name: str) -> str:
        """Register a new empty worksheet; returns its zip entry name (the part itself is added later)."""
        if not 1 <= len(name) <= 31 or _SHEET_NAME_FORBIDDEN.search(name) or name.startswith("'") or name.endswith("'"):
            raise ValueError(f"{name!r} cannot be a sheet name (1–31 characters, none of []:*?/\\)")
        if any(s[0].casefold() == name.casefold() for s in self.sheets):
            raise ValueError(f"the workbook already has a sheet named {name!r}")
        folder = posixpath.dirname(part_name(self.workbook))
        number = 1
        while self.zip.find(posixpath.join(folder, f"worksheets/sheet{number}.xml")) or any(
                posixpath.join(folder, f"worksheets/sheet{number}.xml") == a for a in self._added_parts()):
            number += 1
        part = posixpath.join(folder, f"worksheets/sheet{number}.xml")
        ids = {rid for rid in self.rels} | set(self._added_rids)
        rid_number = 1 + max((int(r[3:]) for r in ids if re.fullmatch(r"rId\d+", r)), default=0)
        rid = f"rId{rid_number}"
        sheet_id = 1 + max((s[1] for s in self.sheets), default=0)
        prefix = _root_prefix(self.workbook_text, "workbook")
        rel_prefix = re.search(rf'xmlns:(\w+)\s*=\s*["\']{re.escape(REL_NS)}["\']', self.workbook_text)
        rid_attr = f'{rel_prefix.group(1)}:id="{rid}"' if rel_prefix else f'xmlns:r="{REL_NS}" r:id="{rid}"'
        sheet_xml = f'<{prefix}sheet name="{escape_text(name).replace(chr(34), "&quot;")}" sheetId="{sheet_id}" {rid_attr}/>'
        self.workbook_text = _insert_before_close(self.workbook_text, "sheets", sheet_xml, "workbook.xml")
        self.changed[self.workbook_name] = self.workbook_text.encode("utf-8")
        rels_name = self.zip.find(_rels_name(self.workbook))
        if rels_name is None:
            raise LedgerUnsafeError(f"{self.label} has no workbook relationships part; cannot add a sheet.")
        rels = self.text(rels_name)
        target = posixpath.relpath(part, folder) if folder else part
        rels_prefix = _root_prefix(rels, "Relationships")
        rels = _insert_before_close(rels, "Relationships", f'<{rels_prefix}Relationship Id="{rid}" Type="{REL_NS}/worksheet" Target="{target}"/>', "workbook relationships")
        self.changed[rels_name] = rels.encode("utf-8")
        types_name = self.zip.find("[Content_Types].xml")
        if types_name is None:
            raise LedgerUnsafeError(f"{self.label} has no [Content_Types].xml; it is not a valid workbook.")
        types = self.text(types_name)
        types_prefix = _root_prefix(types, "Types")
        types = _insert_before_close(types, "Types", f'<{types_prefix}Override PartName="/{part}" ContentType="{WORKSHEET_TYPE}"/>', "[Content_Types].xml")
        self.changed[types_name] = types.encode("utf-8")
        self.sheets.append((name, sheet_id, rid))
        self.rels[rid] = (f"{REL_NS}/worksheet", part)
        self._added_rids.append(rid)
        return self.entry_name(part)

    def _added_parts(self) -> list[str]:
        return [part_name(t) for rid, (_, t) in self.rels.items() if rid in self._added_rids]


# -------------------------------------------------------------------------------------------- styles

_ATTR = r"""\s{name}\s*=\s*["']([^"']*)["']"""


def _set_attr(tag: str, name: str, value: str) -> str:
    found = re.search(_ATTR.format(name=name), tag)
    if found:
        return tag[: found.start(1)] + value + tag[found.end(1) :]
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end].rstrip()} {name}="{value}"{tag[end:]}'


def _looks_like_date(code: str) -> bool:
    """Whether a custom number format shows a date or time (y m d h s outside quotes and [colour])."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    code = re.sub(r"\[(?![hms]+\])[^\]]*\]", "", code, flags=re.I)
    return re.search(r"[ymdhs]", code.lower()) is not None


class _StyleBook:
    """cellXfs of styles.xml: which styles show a date, and a date style added once when one is needed."""

    def __init__(self, text: str | None):
        self.text = text
        self.modified = False
        self._date_style: dict[int | None, int | None] = {}
        self.xfs: list[tuple[int, int, int]] = []  # (start, open tag end, end) of each cellXfs <xf>
        self.formats: dict[int, str] = {}
        if text:
            self._index()

    def _index(self) -> None:
        text = self.text or ""
        self.prefix = _root_prefix(text, "styleSheet")
        p = re.escape(self.prefix)
        self.formats = {}
        for tag in re.finditer(rf"<{p}numFmt\b[^>]*>", text):
            fid, code = (re.search(_ATTR.format(name=n), tag.group()) for n in ("numFmtId", "formatCode"))
            if fid and code and fid.group(1).isdigit():
                self.formats[int(fid.group(1))] = unescape_text(code.group(1))
        region = re.search(rf"<{p}cellXfs\b[^>]*?(/?)>", text)
        self.xfs = []
        if not region or region.group(1):
            return
        self.open_span = (region.start(), region.end())
        self.close = text.find(f"</{self.prefix}cellXfs>", region.end())
        for match in re.finditer(rf"<{p}xf(?=[\s/>])", text[region.end() : self.close]):
            start = region.end() + match.start()
            tag_end = text.find(">", start) + 1
            end = tag_end if text[tag_end - 2] == "/" else text.find(f"</{self.prefix}xf>", tag_end) + len(
                f"</{self.prefix}xf>")
            self.xfs.append((start, tag_end, end))

    def is_date(self, style: int | None) -> bool:
        index = style or 0
        if index >= len(self.xfs):
            return False
        start, tag_end, _ = self.xfs[index]
        fid = re.search(_ATTR.format(name="numFmtId"), self.text[start:tag_end])
        number = int(fid.group(1)) if fid and fid.group(1).isdigit() else 0
        return number in _DATE_FMT_IDS or (number in self.formats and _looks_like_date(self.formats[number]))

    def date_style(self, style: int | None) -> int | None:
        """``style`` with a date number format (built-in 14), reusing an identical <xf> if one exists."""
        if not self.xfs:
            return style  # no styles part: the date is written as its day number
        if style in self._date_style:
            return self._date_style[style]
        base = style if style is not None and style < len(self.xfs) else 0
        text = self.text or ""
        start, tag_end, end = self.xfs[base]
        tag = _set_attr(_set_attr(text[start:tag_end], "numFmtId", "14"), "applyNumberFormat", "1")
        clone = tag + text[tag_end:end]
        existing = [i for i, (s, _, e) in enumerate(self.xfs) if text[s:e] == clone]
        if existing:
            index = existing[0]
        else:
            index = len(self.xfs)
            open_tag = _set_attr(text[self.open_span[0] : self.open_span[1]], "count", str(index + 1))
            self.text = (text[: self.open_span[0]] + open_tag + text[self.open_span[1] : self.close] + clone
                         + text[self.close :])
            self.modified = True
            self._index()
        self._date_style[style] = index
        return index


class _StylePicker:
    """The s= a written cell gets: its own for an existing cell, else the nearest styled cell above."""

    def __init__(self, sheet: SheetXml, styles: _StyleBook, stop_row: int):
        self.sheet, self.styles, self.stop_row = sheet, styles, stop_row
        self.ours: dict[int, tuple[int, int]] = {}  # col → (row, s) of the last cell we wrote there

    def __call__(self, row: int, col: int, existing: int | None, value: CellValue, is_new: bool) -> int | None:
        style = existing
        if is_new:
            found = self.sheet.style_above(row, col, self.stop_row)
            mine = self.ours.get(col)
            if mine is not None and (found is None or mine[0] >= found[0]):
                style = mine[1]
            elif found is not None:
                style = found[1]
        if isinstance(value, dt.date) and not self.styles.is_date(style):
            style = self.styles.date_style(style)  # a date must show as a date, whatever the column held
        if style is not None:
            self.ours[col] = (row, style)
        return style


# -------------------------------------------------------------------------------------------- tables


def _grow_tables(pkg: _Package, sheet_entry: str, rows: list[int], cols: set[int]) -> None:
    """Excel tables of the sheet that end just above the appended rows grow to include them."""
    if not rows:
        return
    first, last = min(rows), max(rows)
    for _, rel_type, target in pkg.relationships(part_name(sheet_entry)):
        name = pkg.zip.find(target) if rel_type.endswith("/table") else None
        if name is None:
            continue
        text = pkg.text(name)
        table = re.search(r"<(?:\w+:)?table\b[^>]*>", text)
        ref = re.search(_ATTR.format(name="ref"), table.group()) if table else None
        totals = re.search(_ATTR.format(name="totalsRowCount"), table.group()) if table else None
        if not ref or (totals and totals.group(1) not in ("", "0")):
            continue  # a totals row would end up above the new rows: leave such a table alone
        try:
            r1, c1, r2, c2 = parse_range(ref.group(1))
        except ValueError:
            continue
        if not (r1 < first <= r2 + 1 and last > r2 and any(c1 <= c <= c2 for c in cols)):
            continue
        tag = table.group()
        new_tag = tag[: ref.start(1)] + format_range(r1, c1, last, c2) + tag[ref.end(1) :]
        text = text[: table.start()] + new_tag + text[table.end() :]
        auto = re.search(r"<(?:\w+:)?autoFilter\b[^>]*>", text)
        auto_ref = re.search(_ATTR.format(name="ref"), auto.group()) if auto else None
        if auto and auto_ref:
            try:
                a1, b1, _, b2 = parse_range(auto_ref.group(1))
                tag = auto.group()
                tag = tag[: auto_ref.start(1)] + format_range(a1, b1, last, b2) + tag[auto_ref.end(1) :]
                text = text[: auto.start()] + tag + text[auto.end() :]
            except ValueError:
                pass
        pkg.changed[name] = text.encode("utf-8")


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
    for edit in merged.values():
        places = [(pos, value) for pos, value in edit.updates.items()]
        places += [((0, col), value) for row in edit.appends for col, value in row.items()]
        places += [((1, col), title) for col, title in enumerate(edit.create_header or [], 1)]
        for (row, col), value in places:
            if not (0 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                raise ValueError(f"sheet {edit.sheet}: no cell at row {row}, column {col}")
            try:
                check_value(value)
            except ValueError as exc:
                raise LedgerUnsafeError(f"cannot write {value!r} to sheet {edit.sheet}: {exc}.") from None
    return list(merged.values())


def _plan(sheet: SheetXml, edit: SheetEdits, created: bool) -> tuple[dict[int, dict[int, CellValue]], list[int], int]:
    """{row: {col: value}} of every cell to write, the appended row numbers, and the header row."""
    cells: dict[int, dict[int, CellValue]] = {}
    header_row = edit.header_row or 0
    if created and edit.create_header:
        cells[1] = dict(enumerate(edit.create_header, 1))
        header_row = max(header_row, 1)
    for (row, col), value in edit.updates.items():
        cells.setdefault(row, {})[col] = value
    base = max(sheet.last_data_row(), header_row if created else 0,
               max((r for (r, _), v in edit.updates.items() if v is not None), default=0))
    appended = []
    for number, values in enumerate(edit.appends, base + 1):
        if number > MAX_ROW:
            raise LedgerUnsafeError(f"sheet {edit.sheet} is full (Excel holds {MAX_ROW} rows).")
        if any(v is not None for v in values.values()):
            cells.setdefault(number, {}).update(values)
            appended.append(number)
    return cells, appended, header_row


def patch_xlsx(src: Path, dst: Path, edits: list[SheetEdits]) -> PatchResult:
    """Write ``src`` with ``edits`` applied to ``dst``; every part not edited is copied byte for byte.

    Raises ``LedgerUnsafeError`` (nothing written) for a workbook or value it cannot edit safely,
    including a formula cell whose value would change.
    """
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ValueError("patch_xlsx writes a new file; use ledger_transaction to replace the ledger")
    check_ledger_format(src)
    plan = _merge(edits)
    label = src.name
    zip_ = RawZip(src.read_bytes(), label)
    pkg = _Package(zip_, label)
    styles = _StyleBook(pkg.text(pkg.styles_name) if pkg.styles_name else None)
    results: list[SheetPatch] = []
    added: dict[str, bytes] = {}
    for edit in plan:
        found = pkg.find_sheet(edit.sheet)
        created = found is None
        if created:
            if not edit.create_header:
                raise LedgerUnsafeError(f"{label} has no sheet named {edit.sheet}.",
                                        "Check the sheet name, or run `loantool init` for a new ledger.")
            try:
                entry = pkg.add_sheet(edit.sheet)
            except ValueError as exc:
                raise LedgerUnsafeError(f"cannot add sheet to {label}: {exc}.") from None
            sheet_name, text = edit.sheet, _NEW_SHEET
        else:
            sheet_name, entry = found
            text = pkg.text(entry)
        sheet = SheetXml(text, f"{label} sheet {sheet_name}", pkg.date1904)
        cells, appended, header_row = _plan(sheet, edit, created)
        new_text, written = sheet.apply(cells, _StylePicker(sheet, styles, header_row))
        if created:
            added[entry] = new_text.encode("utf-8")
        elif written:
            pkg.changed[entry] = new_text.encode("utf-8")
            _grow_tables(pkg, entry, appended, {c for r in appended for c in cells[r]})
        intended = {(r, c): v for r, row in cells.items() for c, v in row.items()}
        results.append(SheetPatch(sheet_name, entry, created, intended, appended, written))
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


def _insert_after(zip_: RawZip, pkg: _Package) -> str:
    """The entry a new sheet part follows: the last worksheet part in the file, else the workbook."""
    sheets = [e for e in zip_.local_order if re.search(r"(^|/)worksheets/[^/]+\.xml$", part_name(e.name))]
    return (sheets[-1] if sheets else zip_.by_name[pkg.workbook_name]).name
