"""Typed columns of an .xlsx sheet without a Python object per cell (快速读取): fastexcel → Arrow → numpy.

python-calamine's ``to_python`` makes a Python object for every cell of a sheet – most of the time of
reading a big 还款记录, and most of its memory. fastexcel parses the same sheet with the same Rust reader
(calamine) into typed Arrow columns, which :mod:`arrow_c` copies into numpy arrays. The reader then
builds its :class:`~loantool.ledger.coerce.Column` s (codes into distinct values) from those arrays, so
that the careful coercion of ``coerce.py`` runs per distinct value as before, and makes a row of
Python values only for the few rows it looks at cell by cell (footers, totals, notes).

The values must be python-calamine's, cell for cell, or the sheet is read the careful way
(:meth:`FastBook.table` returns None):

- every column of the data rows is inferred over all its rows with ``dtype_coercion="strict"``: a
  column mixing numbers and text (or dates, or TRUE/FALSE) is refused by fastexcel, and the sheet
  falls back;
- a number column's empty cells may hide text that fastexcel counts as empty ("NA", "NULL", "nan" …):
  those columns are read a second time as text, and such a cell keeps its text;
- an error cell (#N/A …) is empty in both readers; #DIV/0! and the like make fastexcel refuse;
- date cells become ``date`` (whole days) or ``datetime`` as python-calamine makes them; times of day,
  durations, ISO date cells, sub-second times and dates outside years 1–9999 fall back;
- the header row fastexcel sees must name the columns the reader found.

The header is found in the first :data:`HEAD_ROWS` rows, read by python-calamine from a copy of the
workbook whose sheets are cut after those rows (so the cells there are exactly python-calamine's). The
merged cells come from the sheet's XML (``<mergeCell ref="…"/>``, after the cells), read as a stream.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .arrow_c import ArrowColumn, UnsupportedArrow, record_batch
from .coerce import Column
from .readahead import load_table_sheet, trim
from .xlsx_head import HEAD_ROWS, Fallback, head_workbook, worksheet_parts

# a text column at least this long whose sample of _DISTINCT_SAMPLE rows holds no text twice (流水号) is
# kept one entry per row instead of being hashed (tests lower it to reach small sheets)
DISTINCT_MIN_ROWS = 20_000
_DISTINCT_SAMPLE = 1_000
# a table is loaded beside the big one's parse (FastBook.load_beside) when its sheet part is at most this
# share of the big one's: 贷款台账 of 20,000 loans is some 1/7 of its 还款记录
BESIDE_SHARE = 4
_BESIDE_HANDOVER = 0.05  # seconds the big table's load waits at most for the next one's parse to begin
_CHUNK = 1 << 16  # compressed bytes inflated at a time: their ~600 KB stay in the cache (1 MB: 15 % slower)
_TAIL = 4 << 20  # how much of the end of a sheet part is kept to find its merged cells in
_OVERLAP = 64  # bytes of a chunk looked at again with the next for null texts (see _NULL_NEEDLES)
_NULL_SCAN_MAX = 32 << 20  # sheet parts looked at for null texts in the background whether needed or not
_ROW_CLOSE = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
_MERGE = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\sref\s*=\s*["']([^"']+)["']""")
_MS_PER_DAY = 86_400_000
_EXCEL_EPOCH_MS = -25_569 * _MS_PER_DAY  # 1899-12-30 in milliseconds since 1970-01-01
_YEAR_1_MS = -62_135_596_800_000  # 0001-01-01
_YEAR_10000_MS = 253_402_300_800_000  # 10000-01-01
_UNIX = dt.datetime(1970, 1, 1)

try:  # ISA-L's inflate (python-isal): 2.5× zlib's on a sheet part, and it lets go of the GIL as zlib does
    from isal import isal_zlib as _deflate

    _INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _deflate.error)
except ImportError:  # a platform without its wheel: the standard library's
    _deflate = zlib  # type: ignore[assignment]
    _INFLATE_ERRORS = (zlib.error,)

logging.getLogger("fastexcel").setLevel(logging.ERROR)  # "falling back to string" is ours to decide


def available() -> bool:
    try:
        import fastexcel  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------------------------ table


@dataclass
class FastTable:
    """The data rows under a header row: ``height`` rows, one :class:`ArrowColumn` per sheet column
    (0-based absolute index), header names as fastexcel read them, cells with text hidden from the
    typed column (``patches``), and the sheet's merged cells (0-based, as python-calamine gives them)."""

    height: int
    columns: dict[int, ArrowColumn]
    names: dict[int, str]
    merges: list[tuple[int, int, int, int]]
    patches: dict[int, dict[int, str]] = field(default_factory=dict)
    _objects: dict[int, np.ndarray] = field(default_factory=dict)
    _columns: dict[int, Column] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return max(self.columns, default=-1) + 1

    def objects(self, col: int) -> np.ndarray:
        """The column's cells as python-calamine gives them ("" for an empty cell), a new array."""
        if col not in self._objects:
            self._objects[col] = _objects(self.columns.get(col), self.height, self.patches.get(col, {}))
        return self._objects[col].copy()

    def column(self, col: int) -> Column:
        """The column as :meth:`Column.of` would make it from python-calamine's cells."""
        if col not in self._columns:
            self._columns[col] = self._column(col)
        return self._columns[col]

    def _column(self, col: int) -> Column:
        arrow = self.columns.get(col)
        if arrow is not None and arrow.kind == "u" and col not in self.patches:
            if arrow.length >= DISTINCT_MIN_ROWS and arrow.sample_distinct(_DISTINCT_SAMPLE):
                return _distinct_column(arrow)
            factorized = arrow.factorize()
            if factorized is not None:
                codes, uniques = factorized
                plain = np.empty(len(uniques), dtype=object)
                plain[:] = uniques
                return Column(codes, plain, _strings=np.arange(len(uniques)))
        if arrow is None or arrow.kind == "u" or col in self.patches:
            return Column.of(self.objects(col))
        if arrow.kind == "n" or arrow.null_count == arrow.length:
            return Column(np.full(self.height, -1, dtype=np.intp), np.empty(0, dtype=object))
        values = arrow.numbers
        assert values is not None
        codes = np.full(self.height, -1, dtype=np.intp)
        valid = arrow.valid
        present = values if valid is None else values[valid]
        found, uniques = pd.factorize(present, use_na_sentinel=True)
        if valid is None:
            codes[:] = found
        else:
            codes[valid] = found
        plain = np.empty(len(uniques), dtype=object)
        plain[:] = _python_values(arrow.kind, np.asarray(uniques))
        return Column(codes, plain)

    @property
    def rows(self) -> LazyRows:
        return LazyRows(self)


def _distinct_column(arrow: ArrowColumn) -> Column:
    """A text column whose values look all different (流水号): each row its own entry of ``uniques``, as
    :meth:`Column.of` keeps such a column – hashing the texts would buy nothing. The type and the
    blankness of every entry are known from the Arrow column without asking each string."""
    height = arrow.length
    plain = np.empty(height, dtype=object)
    plain[:] = arrow.strings()
    codes = np.arange(height, dtype=np.intp)
    if arrow.valid is not None:
        codes[~arrow.valid] = -1
    return Column(codes, plain, np.full(height, str, dtype=object), arrow.blank_texts(),
                  _strings=np.arange(height), alnum=arrow.alnum())


class LazyRows:
    """The data rows as lists of python-calamine values, made one at a time when asked for."""

    def __init__(self, table: FastTable):
        self._table = table

    def __len__(self) -> int:
        return self._table.height

    def __getitem__(self, position: int) -> list[Any]:
        table = self._table
        if not 0 <= position < table.height:
            raise IndexError(position)
        position = int(position)
        return [_cell(table.columns.get(col), position, table.patches.get(col, {}))
                for col in range(table.width)]


def _cell(arrow: ArrowColumn | None, position: int, patches: dict[int, str]) -> Any:
    if position in patches:
        return patches[position]
    if arrow is None or arrow.kind == "n" or (arrow.valid is not None and not arrow.valid[position]):
        return ""
    if arrow.kind == "u":
        assert arrow.offsets is not None
        return arrow.data[int(arrow.offsets[position]):int(arrow.offsets[position + 1])].decode("utf-8")
    assert arrow.numbers is not None
    return _python_values(arrow.kind, arrow.numbers[position:position + 1])[0]


def _python_values(kind: str, values: np.ndarray) -> list[Any]:
    if kind == "g":
        return values.astype(np.float64).tolist()
    if kind == "l":
        return values.astype(np.int64).tolist()
    if kind == "b":
        return values.astype(bool).tolist()
    if kind == "tsm":
        _check_dates(values)
        return [_datetime_value(int(ms)) for ms in values.tolist()]
    raise UnsupportedArrow(kind)


def _check_dates(ms: np.ndarray) -> None:
    """Dates (milliseconds since 1970) that python-calamine makes what :func:`_datetime_value` makes of
    them – else :class:`Fallback`: a time of day alone (a serial under 1), a date outside years 1–9999 or
    a fraction of a second. Asked of a whole column at once."""
    if len(ms) and (ms.min() < max(_EXCEL_EPOCH_MS + _MS_PER_DAY, _YEAR_1_MS) or ms.max() >= _YEAR_10000_MS
                    or (ms % 1000).any()):
        raise Fallback("a time of day, a date outside years 1–9999 or a fraction of a second")


def _datetime_value(ms: int) -> dt.date | dt.datetime:
    """python-calamine's value of a date cell (its serial: whole days → date, else datetime); only for
    dates :func:`_check_dates` let through."""
    moment = _UNIX + dt.timedelta(milliseconds=ms)
    return moment.date() if ms % _MS_PER_DAY == 0 else moment


def _objects(arrow: ArrowColumn | None, height: int, patches: dict[int, str]) -> np.ndarray:
    cells = np.empty(height, dtype=object)
    if arrow is None or arrow.kind == "n":
        cells[:] = ""
    elif arrow.kind == "u":
        cells[:] = arrow.strings()
        if arrow.valid is not None:
            cells[~arrow.valid] = ""
    else:
        numbers = arrow.numbers
        assert numbers is not None
        codes, uniques = pd.factorize(numbers, use_na_sentinel=True)
        plain = np.empty(len(uniques) + 1, dtype=object)
        plain[:-1] = _python_values(arrow.kind, np.asarray(uniques))
        plain[-1] = ""
        empty = codes < 0 if arrow.valid is None else (codes < 0) | ~arrow.valid
        cells[:] = plain[np.where(empty, len(uniques), codes)]
    for position, text in patches.items():
        cells[position] = text
    return cells


# ------------------------------------------------------------------------------------------------ book


class FastBook:
    """The fast reading of one .xlsx file's bytes: sheet heads, and tables loaded in the background."""

    def __init__(self, data: bytes, label: str):
        self._data = data
        self._label = label
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        self._worksheets = worksheet_parts(self._zip)
        if not self._worksheets:
            raise Fallback("no worksheet parts where .xlsx keeps them")
        self._head_book: Any = None
        self._parts: dict[str, str] | None = None
        self._parts_lock = threading.Lock()
        self._package: Any = None
        self._shared_null: bool | None = None
        self._pending: dict[tuple[str, int], Future[FastTable | None]] = {}
        # per sheet: its merged cells and whether its XML may hold a null text, from one pass over the part
        self._merging: dict[str, Future[tuple[list[tuple[int, int, int, int]], bool | None]]] = {}
        self._merging_lock = threading.Lock()
        self._shared_lock = threading.Lock()
        # (sheet, header row) → the read-ahead of that table (readahead.Ahead)
        self.ahead: dict[tuple[str, int], Any] = {}
        self._executor: ThreadPoolExecutor | None = None
        # (big sheet, sheet, header row, columns): the table to load once the big sheet is parsed
        self._after_big: tuple[str, str, int, tuple[int, ...]] | None = None
        self._beside_started = threading.Event()  # that table has begun its parse

    # -- the first rows

    def head(self, sheet: str, nrows: int) -> list[list[Any]] | None:
        """The first ``nrows`` rows (≤ HEAD_ROWS) of a sheet as python-calamine reads them, without
        parsing the whole sheet; None when that cannot be done exactly."""
        if nrows > HEAD_ROWS:
            return None
        try:
            if self._head_book is None:
                self._head_book = head_workbook(self._zip, self._worksheets)
            rows = self._head_book[0].get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
        except Exception:  # noqa: BLE001 – any doubt: the careful reader decides
            return None
        cut = self._head_book[1]
        if not rows and cut:  # nothing in the first rows of a longer sheet: let the whole sheet say so
            return None
        return rows

    # -- the data

    def prefetch(self, sheet: str, header_index: int, columns: list[int] = (), *, beside: bool = False
                 ) -> None:
        """Start loading the table under ``header_index`` of ``sheet`` in a background thread (and its
        ``columns`` made ready to coerce), its merged cells in another. ``beside``: a small table loaded
        once the big one is parsed (:meth:`load_beside`)."""
        key = (sheet, header_index)
        if key in self._pending:
            return
        self._pending[key] = self._submit(self._load_quietly, sheet, header_index, tuple(columns), beside)
        self._scan(sheet)

    def load_beside(self, sheet: str, header_index: int, columns: list[int], big_sheet: str) -> None:
        """Plan to load a table in the background as soon as the caller's parse of ``big_sheet`` (or a
        read-ahead's) has ended and its cells are let go: fastexcel parses it (letting go of the GIL) while
        the caller makes the big table's columns (Python work). Only when the table's sheet part is at
        most 1/:data:`BESIDE_SHARE` of the big one's: it then takes less time than those columns, and its
        parse never meets the big one's in memory. Otherwise the table loads in its turn, as always."""
        try:
            small = self._zip.getinfo(self._part(sheet).lstrip("/")).file_size
            big = self._zip.getinfo(self._part(big_sheet).lstrip("/")).file_size
        except Exception:  # noqa: BLE001 – a part this cannot find: loaded in its turn
            return
        if sheet != big_sheet and small * BESIDE_SHARE <= big and self._after_big is None:
            self._after_big = (big_sheet, sheet, header_index, tuple(columns))

    def table(self, sheet: str, header_index: int, header_cells: dict[int, str]) -> FastTable | None:
        """The data rows under the header, or None (read them the careful way). The merged cells are
        looked for in a background thread meanwhile: that scan inflates the sheet a chunk at a time
        (some 5 MB held), and fastexcel lets go of the GIL while it parses, so on a second core it costs
        no wall time and no memory to speak of (the tables themselves load in the background only when
        :meth:`prefetch` asks)."""
        self._scan(sheet)
        pending = self._pending.pop((sheet, header_index), None)
        table = pending.result() if pending is not None else self._load_quietly(sheet, header_index)
        if table is None:
            return None
        for col, text in header_cells.items():
            name = table.names.get(col)
            if name is None or not (name == text or name.startswith(f"{text}_")):
                return None
        try:
            table.merges = self._merging[sheet].result()[0]
        except Exception:  # noqa: BLE001 – a sheet part this cannot read: the careful reader decides
            return None
        return table

    def _submit(self, func: Any, *args: Any) -> Future[Any]:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="loantool-fast")
        return self._executor.submit(func, *args)

    def discard(self) -> None:
        for future in [*self._pending.values(), *self._merging.values()]:
            future.cancel()
        self._pending.clear()
        self._merging.clear()
        self.ahead.clear()
        self._after_big = None
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
        self._head_book = None

    def _load_quietly(self, sheet: str, header_index: int, columns: tuple[int, ...] = (),
                      beside: bool = False) -> FastTable | None:
        try:
            table = self._load(sheet, header_index, beside)
            for col in columns:
                table.column(col)
            if beside:  # what its parse freed in this thread's malloc arena goes back (readahead.trim)
                trim()
            return table
        except Exception:  # noqa: BLE001 – fastexcel's refusal (mixed types, error cells …) or ours
            return None

    def _load(self, sheet: str, header_index: int, beside: bool = False) -> FastTable:
        if beside:
            infos, arrows, height = _exported(self._parse(sheet, header_index, self._beside_started))
        else:
            try:
                loaded, parsed_ahead = self._parse_or_take(sheet, header_index)
                infos, arrows, height = _exported(loaded)
                del loaded  # fastexcel's cells: gone before the next parse begins
                if parsed_ahead:  # its buffers were the read-ahead thread's: pages go back (readahead.trim)
                    trim()
            finally:
                self._start_after(sheet)
        columns: dict[int, ArrowColumn] = {}
        names: dict[int, str] = {}
        hidden: dict[int, int] = {}  # absolute column → fastexcel's index
        for info, arrow in zip(infos, arrows, strict=True):
            col = int(info.absolute_index)
            if arrow.length != height or arrow.kind not in ("g", "l", "b", "u", "tsm", "n"):
                raise Fallback(f"column {col}: {arrow.kind}")
            columns[col] = arrow
            names[col] = str(info.name)
            if arrow.kind == "g" and np.isnan(arrow.numbers).any():
                raise Fallback(f"column {col}: NaN, a number cell or the text nan")
            if arrow.kind not in ("u", "n") and arrow.null_count:
                hidden[col] = int(info.index)
            if arrow.kind == "tsm":  # every date must convert exactly (_datetime_value)
                _check_dates(arrow.numbers if arrow.valid is None else arrow.numbers[arrow.valid])
        if hidden and self._may_hold_null_text(sheet):
            patches = _hidden_text(_reader(self._data), sheet, header_index, hidden, columns, height)
        else:
            patches = {}
        return FastTable(height, columns, names, [], patches)

    def _start_after(self, sheet: str) -> None:
        """The big sheet is parsed (or failed to be): the table planned to load after it
        (:meth:`load_beside`) begins in the background, and it is given the GIL to begin its parse before
        the Python work on the big table's columns takes it."""
        after = self._after_big
        if after is None or after[0] != sheet:
            return
        self._after_big = None
        _big, small, header_index, columns = after
        self.prefetch(small, header_index, list(columns), beside=True)
        self._beside_started.wait(_BESIDE_HANDOVER)

    def _parse_or_take(self, sheet: str, header_index: int) -> tuple[Any, bool]:
        """fastexcel's load of the table – the read-ahead's parse of it (readahead.py) when there is one –
        and whether it was the read-ahead's."""
        ahead = self.ahead.pop((sheet, header_index), None)
        if ahead is not None:
            loaded = ahead.loaded()
            if loaded is not None:
                return loaded, True
        for other in [*self.ahead.values()]:  # a read-ahead of another table: ended before this parse
            other.drop()
        self.ahead.clear()
        return self._parse(sheet, header_index), False

    def _parse(self, sheet: str, header_index: int, started: threading.Event | None = None) -> Any:
        # a reader per parse (it parses one sheet at a time), let go with it: it holds a copy of the file
        reader = _reader(self._data)
        if started is not None:
            started.set()
        return load_table_sheet(reader, sheet, header_index)

    def _may_hold_null_text(self, sheet: str) -> bool:
        """Whether a cell of the sheet may hold a text that fastexcel counts as empty ("NA", "NULL" …):
        looked for in the sheet's XML and in the shared strings (:func:`may_hold_null_text`); any doubt
        (a part this cannot read) says yes.

        The scan of a sheet part of up to :data:`_NULL_SCAN_MAX` bytes for merged cells (:meth:`_scan`,
        in the background while fastexcel parses) looks at the same XML as it inflates it, and has the
        answer by the time fastexcel is done; a bigger part is looked at here, only when asked (it costs
        some 9 ns a byte). A scan still waiting for a thread is not waited for (the threads may be
        loading tables, this among them)."""
        try:
            scan = self._scan(sheet)
            in_sheet = scan.result()[1] if scan.running() or scan.done() else None
            if in_sheet is None:
                in_sheet = may_hold_null_text(_inflate(self._zip, self._part(sheet).lstrip("/"), self._data))
            return in_sheet or self._shared_may_hold_null_text()
        except Exception:  # noqa: BLE001 – read the columns again as text: always right
            return True

    def _shared_may_hold_null_text(self) -> bool:
        with self._shared_lock:  # asked from the scans' threads and from the loading one
            if self._shared_null is None:
                self._shared_null = any(may_hold_null_text(_inflate(self._zip, name, self._data))
                                        for name in self._shared_parts())
            return self._shared_null

    def _scan(self, sheet: str) -> Future[tuple[list[tuple[int, int, int, int]], bool | None]]:
        """The sheet's scan (:meth:`_merges`), started in the background on first asking."""
        with self._merging_lock:
            scan = self._merging.get(sheet)
            if scan is None:
                scan = self._merging[sheet] = self._submit(self._merges, sheet)
            return scan

    def _shared_parts(self) -> list[str]:
        """The zip entries that may hold the shared strings (the workbook's relationship says which;
        any entry named like one counts too)."""
        assert self._package is not None  # _part made it
        names = {n for n in self._zip.namelist() if n.casefold().endswith("sharedstrings.xml")}
        for rel_type, target in self._package.rels.values():
            if rel_type.endswith("/sharedStrings"):
                found = self._package.zip.find(target)
                if found is not None:
                    names.add(found)
        return sorted(names)

    def _merges(self, sheet: str) -> tuple[list[tuple[int, int, int, int]], bool | None]:
        """The sheet's merged cells (0-based) and, for a part of up to :data:`_NULL_SCAN_MAX` bytes,
        whether its XML may hold a null text (None: not looked for); small shared strings are looked at
        for null texts too, once for the book, while fastexcel is still parsing."""
        from .xlsx_cells import parse_range

        part = self._part(sheet)
        merges = []
        small = self._zip.getinfo(part.lstrip("/")).file_size <= _NULL_SCAN_MAX
        refs, may_null = _scan_part(self._zip, part, self._data, null_texts=small)
        for ref in refs:
            r1, c1, r2, c2 = parse_range(ref.decode("ascii", "replace"))
            merges.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
        if may_null is False:
            try:
                if sum(self._zip.getinfo(n).file_size for n in self._shared_parts()) <= _NULL_SCAN_MAX:
                    self._shared_may_hold_null_text()
            except Exception:  # noqa: BLE001 – asked again (and answered yes) where it is needed
                pass
        return merges, may_null

    def _part(self, sheet: str) -> str:
        with self._parts_lock:  # asked from the merged-cell thread and from the caller's at once
            if self._parts is None:
                from .xlsx_parts import Package
                from .zip_raw import RawZip

                package = Package(RawZip(self._data, self._label), self._label)
                parts = {}
                for name, *_rest in package.sheets:
                    try:
                        found = package.find_sheet(name)
                    except Exception:  # noqa: BLE001 – a chart sheet, a missing part: not ours to read
                        continue
                    if found is not None:
                        parts[name] = found[1]
                self._package, self._parts = package, parts
        part = self._parts.get(sheet)
        if part is None:
            raise Fallback(f"no part for sheet {sheet}")
        return part


# fastexcel's NULL_STRING_VALUES (src/types/dtype: texts it counts as an empty cell when it works out a
# column's type); tests/test_fast_read.py checks the installed fastexcel against this list
NULL_TEXTS = ("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
              "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")


def _null_needles() -> tuple[bytes, ...]:
    """Each null text as it may be written as a whole text node in XML: after a ``>``, escaped (``<`` as
    ``&lt;``, ``>`` as ``&gt;`` or as itself)."""
    needles = set()
    for text in NULL_TEXTS:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;")
        needles |= {b">" + escaped.encode(), b">" + escaped.replace(">", "&gt;").encode()}
    return tuple(sorted(needles))


_NULL_NEEDLES = _null_needles()
# a chunk's last bytes looked at again with the next: a needle, the two bytes before a "<" and the two
# after it (CDATA, a run, &#, _x, :r) all fit
assert _OVERLAP >= max(map(len, _NULL_NEEDLES)) + 4
_NULL_ENDS = np.zeros(1 << 16, dtype=bool)  # the last two bytes of a needle, as one 16-bit number
for _needle in _NULL_NEEDLES:
    _NULL_ENDS[_needle[-2] << 8 | _needle[-1]] = True
_NULL_CANDIDATES_MAX = 20_000
_SPACE_OR_CLOSE = np.zeros(256, dtype=bool)
_SPACE_OR_CLOSE[list(b" \t\r\n>/")] = True


def may_hold_null_text(xml: bytes) -> bool:
    """Whether the XML of a sheet or shared-strings part may hold a text node that is one of
    :data:`NULL_TEXTS` – False only when it certainly holds none.

    A text node ends where a ``<`` follows it: only the ``<`` whose two bytes before end a null text are
    looked at, one by one. What could spell such a text otherwise says yes at once: a character
    reference (``&#``), an escape (``_x004E_``), CDATA, a run of rich text (its pieces joined), or more
    candidates than is worth looking at."""
    if not xml:
        return False
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    raw = np.frombuffer(xml, dtype=np.uint8)
    opens = np.flatnonzero(raw == 0x3C)  # "<"
    opens = opens[(opens >= 2) & (opens < len(raw) - 2)]
    before = raw[opens - 2].astype(np.uint16) << 8 | raw[opens - 1]
    candidates = opens[_NULL_ENDS[before]]
    if len(candidates) > _NULL_CANDIDATES_MAX:
        return True
    if any(xml.endswith(_NULL_NEEDLES, 0, int(p)) for p in candidates.tolist()):
        return True
    after = raw[opens + 1]
    if (after == 0x21).any():  # <![CDATA[ (or a comment: no matter)
        return True
    runs = opens[after == 0x72]  # <r> or <r …> – not <row
    if _SPACE_OR_CLOSE[raw[runs + 2]].any():
        return True
    for mark, follow in ((b"&", b"#"), (b"_", b"x"), (b":", b"r")):  # &#, _x, :r (a prefixed run)
        if mark not in xml:  # one memchr pass: these are rare in a sheet
            continue
        at = np.flatnonzero(raw[:-2] == mark[0])
        at = at[raw[at + 1] == follow[0]]
        if mark == b":":
            at = at[_SPACE_OR_CLOSE[raw[at + 2]]]
        if len(at):
            return True
    return False


def _inflate(archive: zipfile.ZipFile, name: str, data: bytes) -> bytes:
    """A zip entry's content, inflated from the file's bytes (no checksum: fastexcel reads it too)."""
    info = archive.getinfo(name)
    header = data[info.header_offset:info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04" or info.compress_type not in (0, 8):
        return archive.read(name)
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    begin = info.header_offset + 30 + name_length + extra_length
    packed = data[begin:begin + info.compress_size]
    return _deflate.decompress(packed, -15) if info.compress_type == 8 else packed


def _reader(data: bytes) -> Any:
    import fastexcel

    return fastexcel.read_excel(data)


def _exported(loaded: Any) -> tuple[Any, list[ArrowColumn], int]:
    """fastexcel's column infos, the Arrow columns and the height of a loaded sheet."""
    return loaded.selected_columns, record_batch(loaded), int(loaded.height)


def _hidden_text(reader: Any, sheet: str, header_index: int, hidden: dict[int, int],
                 columns: dict[int, ArrowColumn], height: int) -> dict[int, dict[int, str]]:
    """Text cells that fastexcel counted as empty in a typed column ("NA", "NULL", "nan" …): the columns
    whose typed reading has empty cells are read again as text, and each such cell keeps its text."""
    indexes = sorted(hidden.values())
    loaded = reader.load_sheet(sheet, header_row=header_index, skip_rows=0, use_columns=indexes,
                               dtypes=dict.fromkeys(indexes, "string"))
    infos = loaded.selected_columns
    arrows = record_batch(loaded)
    patches: dict[int, dict[int, str]] = {}
    for info, text in zip(infos, arrows, strict=True):
        col = int(info.absolute_index)
        typed = columns.get(col)
        if typed is None or hidden.get(col) != int(info.index):
            raise Fallback(f"column {col} read again is another column")
        if text.length != height or text.kind != "u":
            raise Fallback(f"column {col} as text: {text.kind}")
        text_valid = np.ones(height, dtype=bool) if text.valid is None else text.valid
        typed_valid = np.ones(height, dtype=bool) if typed.valid is None else typed.valid
        extra = np.flatnonzero(text_valid & ~typed_valid)
        if len(extra):
            strings = text.strings()
            patches[col] = {int(p): strings[p] for p in extra.tolist()}
    return patches


def _merge_refs(archive: zipfile.ZipFile, part: str, data: bytes) -> list[bytes]:
    """The ``ref`` of every ``<mergeCell>`` of a sheet part (they follow the cells)."""
    return _scan_part(archive, part, data)[0]


def _scan_part(archive: zipfile.ZipFile, part: str, data: bytes, null_texts: bool = False
               ) -> tuple[list[bytes], bool | None]:
    """The ``ref`` of every ``<mergeCell>`` of a sheet part and, with ``null_texts``, whether the part
    may hold a null text (:func:`may_hold_null_text`, asked of each inflated chunk with the
    :data:`_OVERLAP` bytes before it, so that nothing it looks for is cut in two; None when not asked).

    The part is inflated straight from the file's bytes, a chunk at a time, keeping only its last
    :data:`_TAIL` bytes, where ``</sheetData>`` is looked for: the cells end there when rows close before
    it in that tail (else the part is read again as a stream from its start, :func:`_merge_refs_stream`).
    A part that is not deflated or stored, or bytes that do not inflate, go the stream way too; that way
    does not look for null texts (the answer is None: not looked for)."""
    info = archive.getinfo(part.lstrip("/"))
    header = data[info.header_offset:info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04" or info.compress_type not in (0, 8):
        return _merge_refs_stream(archive, part), None
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    begin = info.header_offset + 30 + name_length + extra_length
    packed = memoryview(data)[begin:begin + info.compress_size]
    tail: list[bytes] = []
    kept = 0
    dropped = False
    first = True
    may_null = False if null_texts else None
    before = b""
    inflate = _deflate.decompressobj(-15) if info.compress_type == 8 else None

    def chunks() -> Iterator[bytes]:
        for at in range(0, len(packed), _CHUNK):
            piece = packed[at:at + _CHUNK]
            yield inflate.decompress(piece) if inflate is not None else bytes(piece)
        if inflate is not None:
            yield inflate.flush()

    try:
        for chunk in chunks():
            if first and chunk:
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise Fallback("a UTF-16 sheet part")
                first = False
            if may_null is False and chunk:
                may_null = may_hold_null_text(before + chunk)
                before = chunk[-_OVERLAP:]
            tail.append(chunk)
            kept += len(chunk)
            while kept - len(tail[0]) >= _TAIL:
                kept -= len(tail.pop(0))
                dropped = True
        if inflate is not None and not inflate.eof:
            return _merge_refs_stream(archive, part), None
    except _INFLATE_ERRORS:
        return _merge_refs_stream(archive, part), None
    text = b"".join(tail)
    end = _cells_end(text)
    # a tail that starts after the cells could find a later "sheetData" (in an extLst): rows closing
    # before the end found show that the tail starts among the cells
    if end is None or dropped and not _ROW_CLOSE.search(text, 0, end):
        return _merge_refs_stream(archive, part), may_null
    return _MERGE.findall(text, end), may_null


def _merge_refs_stream(archive: zipfile.ZipFile, part: str) -> list[bytes]:
    """:func:`_merge_refs` reading the part whole as a stream from its start."""
    rest: list[bytes] = []
    tail = b""
    with archive.open(part.lstrip("/")) as stream:
        first = True
        while True:
            chunk = stream.read(_CHUNK)
            if first and chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise Fallback("a UTF-16 sheet part")
            first = False
            if not chunk:
                break
            if rest:
                rest.append(chunk)
                continue
            text = tail + chunk
            end = _cells_end(text)
            if end is not None:
                rest.append(text[end:])
            else:
                tail = text[-64:]
    return _MERGE.findall(b"".join(rest))


def _cells_end(text: bytes) -> int | None:
    """Where the cells of a sheet's XML end (after ``</sheetData>`` or ``<sheetData/>``), if in ``text``."""
    at = text.find(b"sheetData")
    while at >= 0:
        tag = text.rfind(b"<", 0, at)
        close = text.find(b">", at)
        if tag >= 0 and close >= 0:
            if text[tag + 1:tag + 2] == b"/" or text[close - 1:close] == b"/":
                return close + 1
        at = text.find(b"sheetData", at + 9)
    return None


