"""The first rows of every sheet of an .xlsx file, without parsing the rest: python-calamine reads a copy
of the workbook whose sheet parts are cut after their first :data:`HEAD_ROWS` rows. Where a header row
is looked for (ledger/read.py ``locate``, ledger/readahead.py), a 400,000-row sheet costs no more than a
short one.

No pandas and no numpy here: the read-ahead finds its sheet's header row with it while the command is
still importing them.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

HEAD_ROWS = 30
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_SHEETDATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData(\s*/?)>")
_SHEETDATA_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*/>")
_WORKSHEET_PART = re.compile(r"(?i)^/?xl/worksheets/[^/]+\.xml$")


class Fallback(Exception):
    """The sheet cannot be read exactly this way: read it the careful way."""


def worksheet_parts(archive: zipfile.ZipFile) -> list[str]:
    """The zip entries where an .xlsx keeps its worksheets."""
    return [n for n in archive.namelist() if _WORKSHEET_PART.match(n)]


def head_workbook(archive: zipfile.ZipFile, worksheets: list[str]) -> tuple[Any, bool]:
    """python-calamine's workbook of a copy whose sheets are cut after their first HEAD_ROWS rows, and
    whether any sheet was cut."""
    import python_calamine

    out = io.BytesIO()
    cut_any = False
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in archive.infolist():
            if info.filename in worksheets:
                data, cut = _sheet_head(archive, info.filename)
                cut_any |= cut
            else:
                data = archive.read(info.filename)
            copy.writestr(info.filename, data)
    out.seek(0)
    return python_calamine.CalamineWorkbook.from_filelike(out), cut_any


def _sheet_head(archive: zipfile.ZipFile, name: str) -> tuple[bytes, bool]:
    """A sheet's XML up to the first row after HEAD_ROWS (closed again), and whether it was cut."""
    buffer = b""
    start: int | None = None
    prefix = b""
    count = 0
    scan = 0
    with archive.open(name) as stream:
        while True:
            chunk = stream.read(1 << 16)
            if not buffer and chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise Fallback("a UTF-16 sheet part")
            buffer += chunk
            if start is None:
                found = _SHEETDATA.search(buffer)
                if found is None:
                    if not chunk:
                        return buffer, False
                    continue
                if found.group(2).strip() == b"/":
                    return buffer, False
                prefix, start, scan = found.group(1), found.end(), found.end()
            end = _SHEETDATA_END.search(buffer, scan)
            limit = end.start() if end is not None else len(buffer) - 256 if chunk else len(buffer)
            for match in _ROW_TAG.finditer(buffer, scan):
                if match.start() >= limit:
                    break
                close = buffer.find(b">", match.end())
                if close < 0:
                    break
                count += 1
                number = _R_ATTR.search(buffer, match.end(), close)
                row = int(number.group(1)) if number else count
                if row > HEAD_ROWS:
                    head = _DIMENSION.sub(b"", buffer[:match.start()])
                    return head + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>", True
                scan = close + 1
            if end is not None:
                return buffer[:end.end()] + b"</" + prefix + b"worksheet>", False
            if not chunk:
                return buffer, False
