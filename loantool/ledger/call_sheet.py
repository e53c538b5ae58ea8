"""The filled 电话催收单 (the caller's page of the overdue report), read back with the caller's edits.

The overdue report writes the sheet (reports/call_sheet.py): a 催收日期 cell above the table, then one
row per loan with 合同编号 … and an empty 催收结果, and – outside the print area – the input columns
承诺还款日, 承诺金额, 对象, 方式, 经办, 备注. The caller fills them in Excel, WPS or LibreOffice (rows may be
sorted or filtered, columns widened: the header is found by its names, the rows in any order) and
``loantool record-calls`` reads them here. A row whose 催收结果 and input columns are all empty was not
called and is skipped.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import schema
from ..config import Settings
from ..errors import CellProblem
from ..i18n import _
from .coerce import CoerceError, to_date
from .grid import open_book, read_source
from .read import TableRead, read_table_with_problems

F = schema.Field
# The overdue report writes the sheet in the run's language (reports/call_sheet.py: the Chinese of its
# English message ids); the sheet is read back whatever language it was written in, so every name,
# header and the date label is known here in both – a sheet printed in English is recorded by a run in
# Chinese and the other way round.
CALL_SHEET_NAME = "电话催收单"
DATE_LABELS = ("催收日期", "Call date")
CALL_SHEET = schema.Table(
    key="call_sheet",
    sheet_aliases=(CALL_SHEET_NAME, "Call sheet", "call_sheet"),
    fields=(
        F("contract_no", ("合同编号", "合同号", "Contract no.", "contract_no", "contract"), "contract", True),
        F("result", ("催收结果", "结果", "Call result", "result"), "text"),
        F("promise_date", ("承诺还款日", "承诺日期", "Promise date", "promise_date"), "date"),
        F("promise_amount", ("承诺金额", "承诺还款金额", "Promised amount", "promise_amount"), "amount"),
        F("party", ("对象", "催收对象", "Party", "party"), "party"),
        F("channel", ("方式", "催收方式", "Method", "channel"), "channel"),
        F("handled_by", ("经办", "催收员", "经办人", "Handled by", "handled_by", "by"), "text"),
        F("note", ("备注", "Remarks", "note"), "text"),
    ),
    header_keys=("contract_no", "result"),
)
_DATE_KEYS = {"".join(t.split()).lower() for t in DATE_LABELS}  # as _label() gives them, lower case
INPUT_KEYS = ("result", "promise_date", "promise_amount", "party", "channel", "handled_by", "note")
_DATE_SEARCH_ROWS = 10


@dataclass
class CallSheet:
    """One filled call sheet: its rows (``read.frame``: CALL_SHEET keys + excel_row; only the rows the
    caller filled), the 催收日期 written above the table, and the problems found (bad cells)."""

    path: Path
    read: TableRead
    call_date: dt.date | None
    problems: list[CellProblem]
    date_label: str = DATE_LABELS[0]  # the date's label as the sheet writes it (催收日期, Call date)


def _label(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).rstrip(":：") if isinstance(text, str) else ""


def _call_date(path: Path, sheet: str | None, header_row: int | None
               ) -> tuple[dt.date | None, CellProblem | None, str]:
    """The date beside the 催收日期 (Call date) label above the table (the first non-empty cell to its
    right)."""
    data, label, base = read_source(path)
    book = open_book(data, label, base)
    try:
        rows = book.head(sheet, min(header_row or _DATE_SEARCH_ROWS, _DATE_SEARCH_ROWS))
    finally:
        book.discard()
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if _label(cell).lower() not in _DATE_KEYS:
                continue
            value = next((v for v in row[c + 1:] if v not in (None, "")), None)
            where = (label, sheet, r + 1, str(cell).strip())
            if value is None:
                return None, CellProblem(*where, None, _("the call date (催收日期) beside it is empty: write "
                                                         "the day of the calls")), where[3]
            try:
                return to_date(value), None, where[3]
            except CoerceError as exc:
                return None, CellProblem(*where, value, str(exc)), where[3]
    return None, CellProblem(label, sheet, None, DATE_LABELS[0], None,
                             _("no 催收日期 above the table: write 催收日期 and the day of the calls in the "
                               "rows above the header (the overdue report's 电话催收单 has it)"),
                             "missing-column"), DATE_LABELS[0]


def read_call_sheet(path: Path, settings: Settings | None = None) -> CallSheet:
    """Read a filled 电话催收单; every bad cell is kept in ``problems`` (the caller lists them all)."""
    path = Path(path)
    read, problems = read_table_with_problems(path, CALL_SHEET, settings=settings)
    frame = read.frame
    filled = frame.reindex(columns=[k for k in INPUT_KEYS if k in frame]).notna().any(axis=1)
    bad_rows = {p.row for p in problems}
    keep = filled | frame["excel_row"].isin(bad_rows)
    read.frame = frame[keep].reset_index(drop=True)
    frame = read.frame
    no_result = frame["result"].isna() if "result" in frame else None
    if no_result is not None:
        for label in frame.index[no_result.to_numpy(dtype=bool)]:
            if int(frame.loc[label, "excel_row"]) in bad_rows:
                continue
            problems.append(read.problem(label, "result", None,
                                         _("催收结果 is empty but other columns of the row are filled: write "
                                           "what the call found")))
    call_date, date_problem, date_label = _call_date(path, read.sheet, read.header_row)
    if date_problem is not None:
        problems.insert(0, date_problem)
    return CallSheet(path, read, call_date, problems, date_label)
