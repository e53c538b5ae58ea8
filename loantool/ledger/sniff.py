"""What a file really is, decided from its first bytes, never from its extension.

Bank exports lie about their type: a ".xls" may be GBK tab-separated text or an HTML table, and an
Excel/WPS owner file (``~$台账.xlsx``, 165 bytes holding the user's name) sits beside every open
workbook. The reader asks :func:`sniff` and opens the file as what it is.
"""

from __future__ import annotations

import re

from ..errors import InputError
from ..i18n import N_, _

# format names the grid reader understands
ZIP = "zip"  # xlsx / xlsm / xlsb (Office Open XML) – calamine
ODS = "ods"  # OpenDocument spreadsheet (a zip with a mimetype entry) – calamine
XLS = "xls"  # BIFF8 inside an OLE compound file – calamine
HTML = "html"  # an HTML table saved with an .xls name
XMLSS = "xmlss"  # Excel 2003 "XML Spreadsheet"
TEXT = "text"  # CSV / TSV in UTF-8, UTF-16 or GB18030

HEAD_BYTES = 4096  # enough of the start of a file to decide

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIME = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_XMLSS_NS = b"urn:schemas-microsoft-com:office:spreadsheet"
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def sniff(head: bytes) -> str:
    """The format of a file from its first bytes (pass at least :data:`HEAD_BYTES` if there are that many)."""
    if head.startswith(b"PK\x03\x04"):
        return ODS if _ODS_MIME in head[:200] else ZIP
    if head.startswith(_OLE):
        return XLS
    text = _ascii_view(head).lstrip()
    if text.startswith(b"<"):
        return XMLSS if _XMLSS_NS in _ascii_view(head) else HTML
    return TEXT


def _ascii_view(head: bytes) -> bytes:
    """The head without a BOM; UTF-16 is folded to bytes so that markup can be recognised."""
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        body = head[2 : 2 + (len(head) - 2) // 2 * 2]
        return body.decode(encoding, errors="replace").encode("utf-8", errors="replace")
    return head


def looks_like_owner_file(head: bytes, size: int) -> bool:
    """Excel's owner file: a length byte, the user's name padded with spaces to 54 bytes, then the
    same length and name again in UTF-16. It is tiny and never a zip."""
    if size > 512 or len(head) < 57 or head.startswith(b"PK"):
        return False
    n = head[0]
    return 0 < n <= 54 and head[1 + n : 55] == b" " * (54 - n) and head[55] == n


def is_lock_file(name: str | None, head: bytes, size: int) -> bool:
    """An Excel/WPS lock file: named ``~$…`` (and not a real workbook), or shaped like Excel's owner file."""
    if name and name.startswith("~$") and not head.startswith((b"PK\x03\x04", _OLE)):
        return True
    return looks_like_owner_file(head, size)


def refuse_lock_file(label: str) -> InputError:
    return InputError(
        _("{file}: this is Excel's lock file, not data (Excel or WPS creates it while the workbook is open).")
        .format(file=label),
        hint=_("Use the workbook without '~$' in its name; the lock file goes away when the workbook is "
               "closed."),
    )


def declared_charset(head: bytes) -> str | None:
    """The charset an HTML or XML file declares in its first bytes, if any."""
    match = _CHARSET.search(head[:HEAD_BYTES]) or re.search(
        rb"""encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", head[:200]
    )
    return match.group(1).decode("ascii").lower() if match else None


def has_bom(head: bytes) -> bool:
    return head.startswith(_BOMS)


def describe(fmt: str) -> str:
    """Words for a format in messages."""
    words = {
        ZIP: N_("an Excel workbook (.xlsx)"),
        ODS: N_("an OpenDocument spreadsheet (.ods)"),
        XLS: N_("an old Excel workbook (.xls)"),
        HTML: N_("an HTML table"),
        XMLSS: N_("an Excel 2003 XML spreadsheet"),
        TEXT: N_("a text (CSV) file"),
    }
    return _(words[fmt]) if fmt in words else fmt
