"""The ledger workbook's look (台账版式): one sheet per table, header from schema.py, typed cells.

Used by samples/generate.py for ``templates/ledger.xlsx`` (the blank ledger ``loantool init`` copies)
and for the sample ledger in ``samples/``; the tool itself never writes a workbook with openpyxl. Frames
use the reader's shapes (docs/ARCHITECTURE.md): field keys as columns, money in integer fen, rates in
``money.RATE_SCALE`` units, dates, and English codes – so a frame read from a ledger can be written back
through here unchanged.

Cells are written the way the desk's people expect to find them: identifiers (contract, ID, phone,
card, bank reference) as TEXT cells with the ``@`` format so that Excel/WPS never turns a 19-digit card
into 6.22202E+18; money as a number with ``#,##0.00``; dates as real dates shown ``yyyy-mm-dd``; rates
as a fraction shown as a percent; codes in their Chinese words (等本等费, 在贷, 客户还款 …).
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from loantool import schema
from loantool.money import fen_to_decimal, fen_to_display, rate_to_decimal, rate_to_str
from loantool.values import is_missing

if TYPE_CHECKING:  # pandas and openpyxl stay out of start-up
    import pandas as pd
    from openpyxl import Workbook

LEDGER_TABLES: tuple[schema.Table, ...] = (schema.LOANS, schema.RATES, schema.PAYMENTS, schema.SETTLEMENTS)

DATE_FORMAT = "yyyy-mm-dd"
YUAN_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"
PERCENT_FORMAT = "0.00%"
INT_FORMAT = "0"

IDENTIFIER_KINDS = frozenset({"contract", "id_no", "card", "phone"})
_NUMBER_FORMATS = {
    "date": DATE_FORMAT,
    "amount": YUAN_FORMAT,
    "rate": PERCENT_FORMAT,
    "int": INT_FORMAT,
    "term_years": INT_FORMAT,
    **{kind: TEXT_FORMAT for kind in IDENTIFIER_KINDS},
}
_CODE_WORDS = {
    "method": schema.METHODS,
    "status": schema.STATUSES,
    "grade": schema.GRADES,
    "payment_type": schema.PAYMENT_TYPES,
    "channel": schema.CHANNELS,
    "party": schema.PARTIES,
}
_MIN_WIDTH, _MAX_WIDTH = 6, 42
# widths (characters) a column of this kind needs for typical values, so a blank template is usable too
_KIND_WIDTH = {"card": 21, "id_no": 20, "phone": 13, "contract": 15, "date": 11, "amount": 13, "rate": 8}
_HEADER_FILL = "DDEBF7"


def number_format(kind: str) -> str | None:
    """The Excel number format for a field kind (None: General)."""
    return _NUMBER_FORMATS.get(kind)


def ledger_fields(table: schema.Table, present: Iterable[str] = ()) -> list[schema.Field]:
    """The columns a ledger sheet gets: every field of ``table`` except the stand-in forms
    (贷款年限 stands for 期数), which appear only when the frame carries them."""
    present = set(present)
    stand_ins = {alt for alts in table.alternatives.values() for alt in alts}
    return [f for f in table.fields if f.key not in stand_ins or f.key in present]


def cell_value(kind: str, value: Any) -> Any:
    """A typed frame value → the value an openpyxl cell gets (None for an empty cell).

    Identifiers must arrive as text: a float card or ID number has already lost digits, so it is
    refused here rather than written.
    """
    if _is_missing(value):
        return None
    if kind in IDENTIFIER_KINDS or kind == "text":
        if isinstance(value, float):
            raise ValueError(f"a {kind} value must be text, not the float {value!r}")
        return str(value)
    if kind == "date":
        if isinstance(value, dt.datetime):  # also pandas Timestamp
            return value.date()
        if isinstance(value, dt.date):
            return value
        raise ValueError(f"not a date: {value!r}")
    if kind == "amount":
        return fen_to_decimal(_whole(value, kind))
    if kind == "rate":
        return rate_to_decimal(_whole(value, kind))
    if kind in ("int", "term_years"):
        return _whole(value, kind)
    if kind == "yesno":
        return "是" if bool(value) else "否"
    if kind in _CODE_WORDS:
        words = _CODE_WORDS[kind]
        return schema.label(words, value) if value in words else str(value)
    return str(value)


def display_text(kind: str, value: Any) -> str:
    """How a cell reads on screen; used to size the columns."""
    if value is None:
        return ""
    if kind == "amount":
        return fen_to_display(int(value * 100))
    if kind == "rate":
        return rate_to_str(int(value * 10**8))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def text_width(text: str) -> int:
    """Display width in Excel character units: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def write_ledger_workbook(
    target: Path | str | BinaryIO,
    frames: Mapping[str, pd.DataFrame] | None = None,
    *,
    tables: Iterable[schema.Table] = LEDGER_TABLES,
    timestamp: dt.datetime | None = None,
) -> None:
    """Write a ledger workbook: one styled sheet per table, rows from ``frames[table.key]``.

    ``frames`` maps a table key (``loans``, ``rates``, ``payments``, ``settlements``) to a frame in the
    reader's shape; a table without a frame gets its header row only (the blank template). Columns of
    a frame that are not fields of its table are ignored. ``timestamp`` fixes the workbook's created /
    modified times and the zip entry times, so the same frames give the same bytes.
    """
    from openpyxl import Workbook

    frames = frames or {}
    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        frame = frames.get(table.key)
        add_table_sheet(wb, table, frame)
    wb.properties.title = "贷款台账"
    wb.properties.creator = "loantool"
    save_workbook(wb, target, timestamp=timestamp)


def add_table_sheet(wb: Workbook, table: schema.Table, frame: pd.DataFrame | None) -> None:
    """Append one sheet for ``table`` to ``wb``: header row, data rows, formats, widths, frozen header."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(table.sheet_name)
    columns = ledger_fields(table, [] if frame is None else frame.columns)
    ws.append([f.header for f in columns])
    widths = [max(text_width(f.header), _KIND_WIDTH.get(f.kind, 0)) for f in columns]

    if frame is not None and len(frame):
        missing = [f.key for f in columns if f.key not in frame.columns]
        series = [None if f.key in missing else frame[f.key].tolist() for f in columns]
        formats = [number_format(f.kind) for f in columns]
        for i in range(len(frame)):
            for j, f in enumerate(columns):
                value = None if series[j] is None else cell_value(f.kind, series[j][i])
                if value is None:
                    continue
                cell = ws.cell(row=i + 2, column=j + 1, value=value)
                if formats[j] is not None:
                    cell.number_format = formats[j]
                widths[j] = max(widths[j], text_width(display_text(f.kind, value)))

    thin = Side(style="thin", color="A6A6A6")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = Border(bottom=thin)
    for j, f in enumerate(columns, start=1):
        letter = get_column_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = min(_MAX_WIDTH, max(_MIN_WIDTH, widths[j - 1] + 2))
        fmt = number_format(f.kind)
        if fmt is not None:
            # a column style makes rows typed in later (Excel/WPS) take the same format
            dim.number_format = fmt
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"


def save_workbook(wb: Workbook, target: Path | str | BinaryIO, *,
                  timestamp: dt.datetime | None = None) -> None:
    """Save ``wb``; with ``timestamp`` the bytes depend only on the content (fixed document properties
    and zip entry times), which the committed samples and templates need."""
    from openpyxl.writer.excel import ExcelWriter

    when = timestamp or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    wb.properties.created = when
    wb.properties.modified = when
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    data = buffer.getvalue()
    if timestamp is not None:
        data = _fixed_zip_times(data, timestamp)
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(data)
    else:
        target.write(data)


def _fixed_zip_times(data: bytes, timestamp: dt.datetime) -> bytes:
    """The same zip with every entry dated ``timestamp`` (zip writers stamp the current time)."""
    stamp = (max(timestamp.year, 1980), timestamp.month, timestamp.day,
             timestamp.hour, timestamp.minute, timestamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def _whole(value: Any, kind: str) -> int:
    if isinstance(value, (Decimal, float)) and value != int(value):
        raise ValueError(f"a {kind} value must be a whole number of units, not {value!r}")
    return int(value)


def _is_missing(value: Any) -> bool:
    """Missing (values.is_missing), or an empty string: the layout writes no cell for either."""
    return is_missing(value) or value == ""
