"""The workbook parts around the sheets: package relationships, workbook.xml, styles and tables.

``Package`` finds the workbook part and its sheets through the relationships (tolerating backslashes,
absolute targets and explicit directory entries) and adds a sheet with its relationship and content
type. ``StyleBook`` knows which cell styles show dates and adds one date style when a date needs it.
``grow_tables`` extends an Excel table over appended rows. Writes splice the XML text; reads may parse.
"""

from __future__ import annotations

import posixpath
import re
from xml.etree import ElementTree

from ..errors import LedgerUnsafeError
from ..i18n import _
from .xlsx_cells import escape_text, format_range, parse_range, unescape_text
from .zip_raw import RawZip, Splice, part_name

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_DATE_FMT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ATTR = r"""\s{name}\s*=\s*["']([^"']*)["']"""


# ------------------------------------------------------------------------------------------ package


def check_encoding(content: bytes, where: str) -> None:
    """Refuse a part that does not say it is UTF-8 (a UTF-16 one, or another declared encoding)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerUnsafeError(
            _("{where} is stored as UTF-16; save the workbook again in Excel/WPS.").format(where=where))
    declaration = re.match(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*[\"']([\w-]+)", content)
    if declaration and declaration.group(1).lower() not in (b"utf-8", b"utf8"):
        raise LedgerUnsafeError(
            _("{where} is not UTF-8 XML; save the workbook again in Excel/WPS.").format(where=where))


def decode_part(content: bytes, where: str) -> str:
    check_encoding(content, where)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise LedgerUnsafeError(
            _("{where} is not valid UTF-8 XML; the workbook is damaged.").format(where=where)) from None


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
    closings = list(re.finditer(rf"</(?:\w+:)?{element}\s*>", text))
    if not closings:
        raise LedgerUnsafeError(
            _("{where}: no <{element}> element to add to; the workbook is unusual.").format(
                where=where, element=element))
    at = closings[-1].start()
    return text[:at] + xml + text[at:]


def _root_prefix(text: str, element: str) -> str:
    match = re.search(rf"<(?:(\w+):)?{element}[\s>/]", text)
    return f"{match.group(1)}:" if match and match.group(1) else ""


class Package:
    """The workbook part, its sheets and relationships, read from the raw zip."""

    def __init__(self, zip_: RawZip, label: str):
        self.zip, self.label = zip_, label
        self.changed: dict[str, bytes | Splice] = {}  # entry name → new content
        self._added_rids: list[str] = []
        self.workbook = "xl/workbook.xml"
        for _rid, rel_type, target in self.relationships(""):
            if rel_type.endswith("/officeDocument"):
                self.workbook = target
        workbook_name = zip_.find(self.workbook)
        if workbook_name is None:
            raise LedgerUnsafeError(
                _("{file} has no workbook part; it is not an Excel workbook.").format(file=label))
        self.workbook_name = workbook_name
        self.workbook_text = decode_part(zip_.read(workbook_name), "workbook.xml")
        if "http://purl.oclc.org/ooxml/spreadsheetml/main" in self.workbook_text[:2000]:
            raise LedgerUnsafeError(
                _("{file} is saved as Strict Open XML; save it as a normal .xlsx first.").format(file=label))
        try:
            root = ElementTree.fromstring(self.workbook_text.encode("utf-8"))
        except ElementTree.ParseError as exc:
            raise LedgerUnsafeError(
                _("{file}: workbook.xml cannot be read ({reason}).").format(file=label, reason=exc)) from None
        pr = root.find(f"{{{MAIN_NS}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        self.rels = {rid: (rel_type, target) for rid, rel_type, target in self.relationships(self.workbook)}
        self.sheets: list[tuple[str, int, str]] = []  # name, sheetId, r:id
        for sheet in root.iter(f"{{{MAIN_NS}}}sheet"):
            self.sheets.append(
                (sheet.get("name", ""), int(sheet.get("sheetId", "0") or 0), sheet.get(f"{{{REL_NS}}}id", ""))
            )
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
            raise LedgerUnsafeError(
                _("{file}: relationships part {part} cannot be read.").format(
                    file=self.label, part=repr(name))) from None
        found = []
        for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
            if rel.get("TargetMode", "Internal") == "External":
                continue
            found.append(
                (rel.get("Id", ""), rel.get("Type", ""), _resolve(part or "/", rel.get("Target", "")))
            )
        return found

    def find_sheet(self, name: str) -> tuple[str, str] | None:
        """(sheet name as written, zip entry of its part) or None when the workbook has no such sheet."""
        matches = [s for s in self.sheets if s[0] == name] or [
            s for s in self.sheets if s[0].casefold() == name.casefold()
        ]
        if not matches:
            return None
        sheet_name, _sheet_id, rid = matches[0]
        rel_type, target = self.rels.get(rid, ("", ""))
        kind = rel_type.rsplit("/", 1)[-1]
        if kind != "worksheet":
            raise LedgerUnsafeError(
                _("sheet {sheet} is a {kind}; loantool cannot write it.").format(
                    sheet=sheet_name, kind=kind or _("sheet of unknown kind"))
            )
        entry = self.zip.find(target)
        if entry is None:
            raise LedgerUnsafeError(
                _("{file}: the part of sheet {sheet} ({target}) is missing.").format(
                    file=self.label, sheet=sheet_name, target=target))
        return sheet_name, entry

    def text(self, name: str) -> str:
        if name in self.changed:
            content = self.changed[name]
            return (content.new if isinstance(content, Splice) else content).decode("utf-8")
        return decode_part(self.zip.read(name), name)

    def entry_name(self, part: str) -> str:
        return part.replace("/", "\\") if self.backslashes else part

    def add_sheet(self, name: str) -> str:
        """Register a new empty worksheet; returns its zip entry name (the part itself is added later)."""
        if (
            not 1 <= len(name) <= 31
            or _SHEET_NAME_FORBIDDEN.search(name)
            or name.startswith("'")
            or name.endswith("'")
            or any(ord(char) < 32 for char in name)
            or name.casefold() == "history"  # reserved by Excel for change tracking
        ):
            raise ValueError(f"{name!r} cannot be a sheet name (1–31 characters, none of []:*?/\\)")
        if any(s[0].casefold() == name.casefold() for s in self.sheets):
            raise ValueError(f"the workbook already has a sheet named {name!r}")
        folder = posixpath.dirname(part_name(self.workbook))
        number = 1
        while self.zip.find(posixpath.join(folder, f"worksheets/sheet{number}.xml")) or any(
            posixpath.join(folder, f"worksheets/sheet{number}.xml") == a for a in self._added_parts()
        ):
            number += 1
        part = posixpath.join(folder, f"worksheets/sheet{number}.xml")
        ids = {rid for rid in self.rels} | set(self._added_rids)
        rid_number = 1 + max((int(r[3:]) for r in ids if re.fullmatch(r"rId\d+", r)), default=0)
        rid = f"rId{rid_number}"
        sheet_id = 1 + max((s[1] for s in self.sheets), default=0)
        prefix = _root_prefix(self.workbook_text, "workbook")
        rel_prefix = re.search(rf'xmlns:(\w+)\s*=\s*["\']{re.escape(REL_NS)}["\']', self.workbook_text)
        rid_attr = f'{rel_prefix.group(1)}:id="{rid}"' if rel_prefix else f'xmlns:r="{REL_NS}" r:id="{rid}"'
        quoted = escape_text(name).replace('"', "&quot;")
        sheet_xml = f'<{prefix}sheet name="{quoted}" sheetId="{sheet_id}" {rid_attr}/>'
        self.workbook_text = _insert_before_close(self.workbook_text, "sheets", sheet_xml, "workbook.xml")
        self.changed[self.workbook_name] = self.workbook_text.encode("utf-8")
        rels_name = self.zip.find(_rels_name(self.workbook))
        if rels_name is None:
            raise LedgerUnsafeError(
                _("{file} has no workbook relationships part; cannot add a sheet.").format(file=self.label))
        rels = self.text(rels_name)
        target = posixpath.relpath(part, folder) if folder else part
        rels_prefix = _root_prefix(rels, "Relationships")
        rels = _insert_before_close(
            rels,
            "Relationships",
            f'<{rels_prefix}Relationship Id="{rid}" Type="{REL_NS}/worksheet" Target="{target}"/>',
            "workbook.xml.rels",
        )
        self.changed[rels_name] = rels.encode("utf-8")
        types_name = self.zip.find("[Content_Types].xml")
        if types_name is None:
            raise LedgerUnsafeError(
                _("{file} has no [Content_Types].xml; it is not a valid workbook.").format(file=self.label))
        types = self.text(types_name)
        types_prefix = _root_prefix(types, "Types")
        types = _insert_before_close(
            types,
            "Types",
            f'<{types_prefix}Override PartName="/{part}" ContentType="{WORKSHEET_TYPE}"/>',
            "[Content_Types].xml",
        )
        self.changed[types_name] = types.encode("utf-8")
        self.sheets.append((name, sheet_id, rid))
        self.rels[rid] = (f"{REL_NS}/worksheet", part)
        self._added_rids.append(rid)
        return self.entry_name(part)

    def _added_parts(self) -> list[str]:
        return [part_name(t) for rid, (_, t) in self.rels.items() if rid in self._added_rids]


# -------------------------------------------------------------------------------------------- styles


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


class StyleBook:
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
        self._dates: dict[int, bool] = {}  # style → shows a date (is_date, asked once per cell written)
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
            end = (
                tag_end
                if text[tag_end - 2] == "/"
                else text.find(f"</{self.prefix}xf>", tag_end) + len(f"</{self.prefix}xf>")
            )
            self.xfs.append((start, tag_end, end))

    def is_date(self, style: int | None) -> bool:
        index = style or 0
        if index >= len(self.xfs):
            return False
        known = self._dates.get(index)
        if known is None:
            start, tag_end, _end = self.xfs[index]
            fid = re.search(_ATTR.format(name="numFmtId"), self.text[start:tag_end])
            number = int(fid.group(1)) if fid and fid.group(1).isdigit() else 0
            known = number in _DATE_FMT_IDS or (
                number in self.formats and _looks_like_date(self.formats[number]))
            self._dates[index] = known
        return known

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
            self.text = (
                text[: self.open_span[0]]
                + open_tag
                + text[self.open_span[1] : self.close]
                + clone
                + text[self.close :]
            )
            self.modified = True
            self._index()
        self._date_style[style] = index
        return index


# -------------------------------------------------------------------------------------------- tables


def grow_tables(pkg: Package, sheet_entry: str, rows: list[int], cols: set[int]) -> None:
    """Excel tables of the sheet that end just above the appended rows grow to include them."""
    if not rows:
        return
    first, last = min(rows), max(rows)
    for _rid, rel_type, target in pkg.relationships(part_name(sheet_entry)):
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
                a1, b1, _a2, b2 = parse_range(auto_ref.group(1))
                tag = auto.group()
                tag = tag[: auto_ref.start(1)] + format_range(a1, b1, last, b2) + tag[auto_ref.end(1) :]
                text = text[: auto.start()] + tag + text[auto.end() :]
            except ValueError:
                pass
        pkg.changed[name] = text.encode("utf-8")
