"""Rows appended under a table that has a footer: the footer moves down, every reference with it (插入行).

A sheet may close its table with a footer (blank rows, then 备注：…, 制表人：…, 合计 …). New rows go right
under the last data row, and every row below moves down by the number of rows added – its cells,
styles and heights, and everything that points at it: merged cells, the dimension, conditional
formats and validations (also those in extLst), hyperlinks, the filter range, ignored errors, page
breaks, print areas and other defined names, and drawings anchored below. A reference is moved as Excel
moves it on "insert rows": a row at or below the insertion point moves down, a range that spans it grows.

What cannot be moved losslessly is refused (``LedgerUnsafeError``, exit 3) with what and where, and
nothing is written: a formula in the rows that move, a formula anywhere (this sheet, another sheet, a
chart, a name, a rule) that refers to them, an Excel table reaching them, comments or controls on
them, pivot tables reading them.
"""

from __future__ import annotations

import re

from ..errors import LedgerUnsafeError
from ..i18n import _
from .sheet_xml import SheetXml
from .xlsx_cells import MAX_ROW, cell_ref, parse_range
from .xlsx_parts import Package, decode_part
from .zip_raw import part_name

# A1 references in formula text: optional sheet, cell or cell:cell, or whole rows n:m
_QUOTED_SHEET = r"'(?:[^']|'')+'"
_PLAIN_SHEET = r"[^\s'!:,()\[\]{}\"=+\-*/^&<>;]+"
_REF = re.compile(
    rf"(?<![\w.$])(?:(?P<sheet>{_QUOTED_SHEET}|{_PLAIN_SHEET})!)?"
    r"(?:(?P<c1>\$?[A-Za-z]{1,3})(?P<r1>\$?\d+)(?::(?P<c2>\$?[A-Za-z]{1,3})(?P<r2>\$?\d+))?"
    r"|(?P<w1>\$?\d+):(?P<w2>\$?\d+))(?![\w(])"
)
_STRING = re.compile(r'"(?:[^"]|"")*"')
_RISKY = ("oleObjects", "controls", "AlternateContent", "customSheetViews", "scenarios", "dataConsolidate",
          "cellWatches", "smartTags", "webPublishItems")


def shift_range(text: str, k: int, n: int) -> str:
    """``A5`` / ``$A$5:$C$9`` after inserting ``n`` rows before row ``k`` (Excel's rule)."""
    def move(match: re.Match) -> str:
        dollar, row = match.group(1), int(match.group(2))
        return f"{dollar}{row + n if row >= k else row}"

    return re.sub(r"(\$?)(\d+)", move, text)


def _shift_list(value: str, k: int, n: int) -> str:
    return " ".join(shift_range(part, k, n) for part in value.split())


def _unquote(sheet: str) -> str:
    return sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet


def references_at_or_below(formula: str, k: int, own_sheet: str, unqualified_is_own: bool,
                           grow: int = 0) -> str | None:
    """The first reference of ``formula`` to row ``k`` or below of ``own_sheet`` (as written), else None.

    ``unqualified_is_own``: a reference without a sheet means ``own_sheet`` (a formula on that sheet).
    ``grow``: a shared formula's relative rows reach this many rows further down."""
    text = _STRING.sub('""', formula)
    for match in _REF.finditer(text):
        sheet = match.group("sheet")
        if sheet is None and not unqualified_is_own:
            continue
        other = sheet is not None and _unquote(sheet).casefold() != own_sheet.casefold()
        if other or (sheet is not None and sheet.startswith("[")):
            continue
        rows = [match.group(g) for g in ("r1", "r2", "w1", "w2") if match.group(g)]
        for row in rows:
            number = int(row.lstrip("$")) + (0 if row.startswith("$") else grow)
            if number >= k:
                return match.group(0)
    return None


def insert_rows(pkg: Package, entry: str, sheet_name: str, sheet: SheetXml, k: int, n: int) -> str:
    """The sheet's text with ``n`` empty rows inserted before row ``k``; the other parts that point at
    the moved rows are changed in ``pkg.changed``. Refuses what it cannot move."""
    where = sheet.where
    if k + n > MAX_ROW or (sheet.row_nums and sheet.row_nums[-1] + n > MAX_ROW):
        raise LedgerUnsafeError(
            _("{where} is full (Excel holds {rows} rows).").format(where=where, rows=MAX_ROW))
    text, p = sheet.text, sheet.prefix
    _refuse_risky(sheet, k)
    _refuse_formulas_of_the_sheet(sheet, sheet_name, k)
    pieces, pos = [], 0
    first = next((i for i, r in enumerate(sheet.row_nums) if r >= k), len(sheet.row_nums))
    for i in range(first, len(sheet.row_nums)):
        row = sheet.row_nums[i]
        start, tag_end = sheet.row_starts[i], sheet.row_tag_ends[i]
        pieces += [text[pos:start], _set_r(text[start:tag_end], str(row + n))]
        pos = tag_end
        for col, c_start, _end, _attrs, has_r in sheet._cells(i):
            if has_r:
                open_end = text.find(">", c_start) + 1
                pieces += [text[pos:c_start], _set_r(text[c_start:open_end], cell_ref(row + n, col))]
                pos = open_end
    pieces.append(text[pos:])
    moved = "".join(pieces)
    head_end = moved.find(f"<{p}sheetData")
    close = f"</{p}sheetData>"
    tail_start = moved.rfind(close)
    tail_start = tail_start + len(close) if tail_start >= 0 else head_end
    head = _shift_attributes(moved[:head_end], p, k, n, ("dimension",))
    tail = _shift_tail(moved[tail_start:], p, k, n, where, sheet_name)
    _move_other_parts(pkg, entry, sheet_name, k, n, where)
    return head + moved[head_end:tail_start] + tail


def _set_r(tag: str, value: str) -> str:
    return re.sub(r"""(\sr\s*=\s*["'])[^"']*(["'])""", lambda m: f"{m.group(1)}{value}{m.group(2)}", tag,
                  count=1)


def _refuse(what: str, where: str) -> LedgerUnsafeError:
    return LedgerUnsafeError(
        _("{where}: new rows cannot be put above the footer without breaking {what}; "
          "nothing was written.").format(where=where, what=what),
        _("Move the footer (备注/制表人/合计 …) away from under the table, or remove what is named, then run "
          "again."),
    )


def _refuse_risky(sheet: SheetXml, k: int) -> None:
    outside = sheet.text[: sheet.sd_start] + sheet.text[sheet.sd_close :]
    for element in _RISKY:
        if re.search(rf"<(?:\w+:)?{element}[\s>/]", outside):
            raise _refuse(_("the {element} element of the sheet").format(element=element), sheet.where)


def _refuse_formulas_of_the_sheet(sheet: SheetXml, sheet_name: str, k: int) -> None:
    """No formula in the rows that move; none above that refers to them."""
    from bisect import bisect_right

    text, p = sheet.text, sheet.prefix
    opening = re.compile(rf"<{re.escape(p)}f(?=[\s/>])")
    close = f"</{p}f>"
    pos = sheet.sd_open_end
    while True:
        match = opening.search(text, pos, sheet.sd_close)
        if not match:
            return
        tag_end = text.find(">", match.end()) + 1
        attrs = text[match.end() : tag_end - 1].rstrip("/")
        if text[tag_end - 2] == "/":
            body, pos = "", tag_end
        else:
            end = text.find(close, tag_end)
            body, pos = text[tag_end:end], end + len(close)
        i = bisect_right(sheet.row_starts, match.start()) - 1
        row = sheet.row_nums[i] if i >= 0 else 0
        cell_start = text.rfind(f"<{p}c", 0, match.start())
        ref = re.search(r"""\sr\s*=\s*["']([A-Z]+\d+)["']""", text[cell_start : match.start()])
        where_cell = ref.group(1) if ref else _("row {row}").format(row=row)
        if row >= k:
            raise _refuse(_("the formula in cell {cell}").format(cell=where_cell), sheet.where)
        grow = 0
        group = re.search(r"""\sref\s*=\s*["']([^"']+)["']""", attrs)
        if group:
            try:
                last = parse_range(group.group(1))[2]
            except ValueError:
                raise _refuse(_("the formula in cell {cell}").format(cell=where_cell), sheet.where) from None
            if last >= k:
                raise _refuse(_("the formula in cell {cell}").format(cell=where_cell), sheet.where)
            if re.search(r"""\st\s*=\s*["']shared["']""", attrs):
                grow = last - row  # the cells that share it reach that many rows further down
        hit = references_at_or_below(_unescape(body), k, sheet_name, True, grow)
        if hit:
            what = _("the formula in cell {cell} (it refers to {ref})").format(cell=where_cell, ref=hit)
            raise _refuse(what, sheet.where)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'") \
        .replace("&amp;", "&")


def _shift_attributes(text: str, p: str, k: int, n: int, elements: tuple[str, ...],
                      attributes: tuple[str, ...] = ("ref", "sqref")) -> str:
    for element in elements:
        def fix(match: re.Match) -> str:
            tag = match.group(0)
            for name in attributes:
                tag = re.sub(rf"""(\s{name}\s*=\s*["'])([^"']*)(["'])""",
                             lambda m: m.group(1) + _shift_list(m.group(2), k, n) + m.group(3), tag)
            return tag

        text = re.sub(rf"<{re.escape(p)}{element}\b[^>]*>", fix, text)
    return text


def _shift_tail(tail: str, p: str, k: int, n: int, where: str, sheet_name: str) -> str:
    tail = _shift_attributes(tail, p, k, n, ("mergeCell", "conditionalFormatting", "dataValidation",
                                             "ignoredError", "autoFilter", "sortState", "sortCondition",
                                             "protectedRange"))
    # hyperlinks: the cell moves; a link into the moved rows would point at the wrong cell
    def link(match: re.Match) -> str:
        tag = match.group(0)
        location = re.search(r"""\slocation\s*=\s*["']([^"']*)["']""", tag)
        if location and references_at_or_below(_unescape(location.group(1)), k, sheet_name, True):
            raise _refuse(_("the hyperlink to {target}").format(target=location.group(1)), where)
        return _shift_attributes(tag, p, k, n, ("hyperlink",), ("ref",))

    tail = re.sub(rf"<{re.escape(p)}hyperlink\b[^>]*>", link, tail)
    # page breaks: <brk id="row">
    def brk(match: re.Match) -> str:
        tag = match.group(0)
        return re.sub(r"""(\sid\s*=\s*["'])(\d+)(["'])""",
                      lambda m: m.group(1) + str(int(m.group(2)) + n if int(m.group(2)) >= k else m.group(2))
                      + m.group(3), tag)

    breaks = re.search(rf"<{re.escape(p)}rowBreaks\b.*?</{re.escape(p)}rowBreaks>", tail, re.S)
    if breaks:
        tail = tail[: breaks.start()] + re.sub(rf"<{re.escape(p)}brk\b[^>]*>", brk, breaks.group(0)) \
            + tail[breaks.end() :]
    # rule formulas: relative to the rule's first cell, which does not move unless the whole rule does
    rule = r"<(?:\w+:)?(?:formula|formula1|formula2|f)>(.*?)</(?:\w+:)?(?:formula|formula1|formula2|f)>"
    for formula in re.findall(rule, tail, re.S):
        hit = references_at_or_below(_unescape(formula), k, sheet_name, True)
        if hit:
            raise _refuse(_("the rule formula {formula}").format(formula=_unescape(formula)[:60]), where)
    # x14 validations and formats in extLst carry their ranges as element text
    tail = re.sub(r"(<(?:\w+:)?sqref>)(.*?)(</(?:\w+:)?sqref>)",
                  lambda m: m.group(1) + _shift_list(m.group(2), k, n) + m.group(3), tail)
    return tail


def _move_other_parts(pkg: Package, entry: str, sheet_name: str, k: int, n: int, where: str) -> None:
    """Tables, comments, drawings of the sheet; names, other sheets, charts and pivots of the book."""
    related = pkg.relationships(part_name(entry))
    for _rid, rel_type, target in related:
        name = pkg.zip.find(target)
        if name is None:
            continue
        kind = rel_type.rsplit("/", 1)[-1]
        if kind == "table":
            ref = re.search(r"""<(?:\w+:)?table\b[^>]*?\sref\s*=\s*["']([^"']+)["']""", pkg.text(name))
            if ref and parse_range(ref.group(1))[2] >= k:
                raise _refuse(_("the Excel table {range}").format(range=ref.group(1)), where)
        elif kind == "comments":
            comments = r"""<(?:\w+:)?comment\b[^>]*?\sref\s*=\s*["']([^"']+)["']"""
            for ref in re.findall(comments, pkg.text(name)):
                if parse_range(ref)[2] >= k:
                    raise _refuse(_("the comment in cell {cell}").format(cell=ref), where)
        elif kind == "vmlDrawing":
            vml = decode_part(pkg.zip.read(name), name)
            rows = [int(r) for r in re.findall(r"<x:Row>\s*(\d+)\s*</x:Row>", vml)]
            anchors = [int(a.split(",")[2]) for a in re.findall(r"<x:Anchor>\s*([\d,\s]+)</x:Anchor>", vml)
                       if len(a.split(",")) >= 4]
            if any(r >= k - 1 for r in rows + anchors):
                raise _refuse(_("a note or form control drawn on the rows that move"), where)
        elif kind == "drawing":
            pkg.changed[name] = _shift_drawing(pkg.text(name), k, n).encode("utf-8")
        elif kind in ("pivotTable", "threadedComment", "control", "oleObject"):
            raise _refuse(_("the sheet's {kind}").format(kind=kind), where)
    _move_names(pkg, sheet_name, k, n, where)
    for other in pkg.zip.entries:
        name = other.name
        lowered = part_name(name).lower()
        if name == entry or name in pkg.changed or not lowered.endswith(".xml"):
            continue
        if not re.search(r"(worksheets|charts|pivotcache|drawings)/", lowered):
            continue
        content = pkg.zip.read(name)
        if sheet_name.encode("utf-8") not in content:
            continue
        text = decode_part(content, name)
        source = re.search(r"""<(?:\w+:)?worksheetSource\b[^>]*>""", text)
        if source and re.search(r"""\ssheet\s*=\s*["']""" + re.escape(sheet_name) + "[\"']", source.group(0)):
            ref = re.search(r"""\sref\s*=\s*["']([^"']+)["']""", source.group(0))
            if ref is None or parse_range(ref.group(1))[2] >= k - 1:
                raise _refuse(_("the pivot table that reads this sheet"), where)
        for formula in re.findall(r"<(?:\w+:)?f(?:\s[^>]*?)?(?<!/)>(.*?)</(?:\w+:)?f>", text, re.S):
            hit = references_at_or_below(_unescape(formula), k, sheet_name, False)
            if hit:
                raise _refuse(_("the formula {formula} in {part}").format(formula=hit, part=part_name(name)),
                              where)


def _move_names(pkg: Package, sheet_name: str, k: int, n: int, where: str) -> None:
    text = pkg.workbook_text

    def fix(match: re.Match) -> str:
        body = _unescape(match.group(2))
        if not references_at_or_below(body, k, sheet_name, False):
            return match.group(0)
        areas = [a.strip() for a in body.split(",")]
        if not all(_REF.fullmatch(a) for a in areas):
            raise _refuse(_("the defined name {name}").format(name=match.group(1)[:80]), where)
        moved = ",".join(_shift_if_own(a, sheet_name, k, n) for a in areas)
        escaped = moved.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return match.group(1) + escaped + match.group(3)

    new = re.sub(r"(<(?:\w+:)?definedName\b[^>]*>)(.*?)(</(?:\w+:)?definedName>)", fix, text, flags=re.S)
    if new != text:
        pkg.workbook_text = new
        pkg.changed[pkg.workbook_name] = new.encode("utf-8")


def _shift_if_own(area: str, sheet_name: str, k: int, n: int) -> str:
    match = _REF.fullmatch(area)
    sheet = match.group("sheet") if match else None
    if sheet is None or _unquote(sheet).casefold() != sheet_name.casefold():
        return area
    return area[: len(sheet) + 1] + shift_range(area[len(sheet) + 1 :], k, n)


def _shift_drawing(text: str, k: int, n: int) -> str:
    """Anchors (0-based rows) at or below row ``k`` move down; one spanning it grows – but not an
    anchor that says it moves with nothing (``editAs="absolute"``)."""
    def anchor(match: re.Match) -> str:
        block = match.group(0)
        if re.search(r"""editAs\s*=\s*["']absolute["']""", block[:200]):
            return block
        def row(m: re.Match) -> str:
            number = int(m.group(2))
            return m.group(1) + str(number + n if number >= k - 1 else number) + m.group(3)

        return re.sub(r"(<(?:\w+:)?row>)(\d+)(</(?:\w+:)?row>)", row, block)

    anchors = r"<(?:\w+:)?(twoCellAnchor|oneCellAnchor)\b.*?</(?:\w+:)?\1>"
    return re.sub(anchors, anchor, text, flags=re.S)
