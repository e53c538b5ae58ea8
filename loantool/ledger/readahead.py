"""Reading ahead: the ledger's big sheet parsed while the command is still importing.

A command that reads the ledger spends its first third of a second importing pandas and its own modules
(Python work, one core), and then waits a second and more for fastexcel to parse 还款记录 – work that
needs no Python and lets go of the GIL. :func:`start` (called by a command once it knows the ledger and
its settings, before those imports) finds that sheet and its header row the way ``load_ledger`` will –
the same head read of the workbook (xlsx_head.py), the same header matching (headers.py) – and parses it
in a background thread, on the second core. ``load_ledger`` takes its bytes and its parse only while
they are still the file's content (the file's SHA-256, worked out when the reading comes to it, is the
one of the bytes the thread read: :func:`take`) and only for the sheet and header row ``locate`` finds;
in any other case they are dropped and the file read as always. So the result never depends on whether,
or how far, the read-ahead got.

Nothing of it is ever reported: a file it cannot read, a sheet it cannot find, fastexcel's refusal – it
just stops, and the reading says what it has to say when it gets there. ``LOANTOOL_READAHEAD=0`` turns it
off. Only .xlsx files, and only where fastexcel is installed.

Memory: the thread holds the file's bytes (the reading takes them rather than reading the file again),
fastexcel's copy of them and its parse – what the reading would hold. On glibc a thread allocates from a
malloc arena of its own, and what the parse frees there (some 150 MB of cells for 400,000 rows) stays
resident beside the rest of the run's memory: :func:`start` caps the arenas at two (``M_ARENA_MAX``; the
read-ahead, the reading's merged-cell scan and the main thread share them – measured: 346 MB at the peak
instead of 383 MB), and :func:`trim` hands free pages back to the system once the parse is done and once
the reading lets go of it.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import io
import os
import threading
import zipfile
from pathlib import Path
from typing import Any

from .. import schema
from ..config import Settings
from .headers import HEADER_SEARCH_ROWS, alias_map, is_header, match_header, named_sheets
from .xlsx_head import head_workbook, worksheet_parts


def load_table_sheet(reader: Any, sheet: str, header_index: int) -> Any:
    """fastexcel's load of the table under row ``header_index`` of ``sheet`` – every column typed from
    all its cells (``schema_sample_rows=None``) and refused when they mix types (``strict``): the one
    call the reading and the read-ahead both make."""
    return reader.load_sheet(sheet, header_row=header_index, skip_rows=0, schema_sample_rows=None,
                             dtype_coercion="strict")


class Ahead:
    """One file's read-ahead: where it found 还款记录 (``sheet``, ``header_index``) in the bytes ``data``
    (SHA-256 ``sha256``), known once :attr:`located` is set, and fastexcel's parse, once :attr:`parsed`
    is."""

    def __init__(self) -> None:
        self.located = threading.Event()
        self.parsed = threading.Event()  # set once the parse is made (or given up)
        self.data = b""  # the bytes read, kept for the reading (it does not read the file again)
        self.sha256: str | None = None
        self.sheet: str | None = None
        self.header_index = -1
        self.thread: threading.Thread | None = None
        self._loaded: Any = None

    def loaded(self) -> Any:
        """fastexcel's load of the table, waiting for the parse to end; None if it did not succeed (then
        the reading parses the sheet itself). Given once."""
        if self.thread is not None:
            self.parsed.wait()
        loaded, self._loaded = self._loaded, None
        return loaded

    def drop(self) -> None:
        """Not wanted: waited for (never two parses at once) and everything it holds let go."""
        self.loaded()
        self.data = b""

    def run(self, path: Path, settings: Settings | None) -> None:
        try:
            self._run(path, settings)
        except Exception:  # noqa: BLE001 – nothing reported: the reading will meet whatever this met
            self._loaded = None
        finally:
            self.located.set()
            self.parsed.set()
            trim()  # the parse's freed cells go back to the system; the reading does not wait for this

    def _run(self, path: Path, settings: Settings | None) -> None:
        import fastexcel

        data = path.read_bytes()
        if not data.startswith(b"PK\x03\x04"):
            return
        found = _payments_header(data, settings)
        if found is None:
            return
        self.data, self.sha256 = data, hashlib.sha256(data).hexdigest()
        self.sheet, self.header_index = found
        self.located.set()  # the reading may take it from here and wait for the parse where it needs it
        reader = fastexcel.read_excel(data)
        self._loaded = load_table_sheet(reader, self.sheet, self.header_index)


_PENDING: dict[Path, Ahead] = {}
_LOCK = threading.Lock()


def enabled() -> bool:
    return os.environ.get("LOANTOOL_READAHEAD", "1").strip() not in ("0", "no", "off", "false")


def start(path: Path | str, settings: Settings | None) -> None:
    """Begin parsing the ledger's 还款记录 in the background (nothing when turned off, or already begun
    for this file; one begun for another file is ended first, so that two parses never run at once)."""
    if not enabled():
        return
    try:
        key = Path(path).expanduser().resolve()
        import fastexcel  # noqa: F401 – without it there is nothing to read ahead with
    except Exception:  # noqa: BLE001 – no read-ahead; the reading goes on as always
        return
    with _LOCK:
        if key in _PENDING:
            return
        stale = [*_PENDING.values()]
        _PENDING.clear()
    for other in stale:  # a read-ahead of another file (a wrong guess): ended before this one begins
        other.drop()
    with _LOCK:
        if key in _PENDING:
            return
        _limit_arenas()
        ahead = _PENDING[key] = Ahead()
        ahead.thread = threading.Thread(target=ahead.run, args=(key, settings), name="loantool-readahead")
    ahead.thread.start()


def take(path: Path | str) -> Ahead | None:
    """The read-ahead of ``path`` when it found 还款记录 in bytes that are still the file's – its SHA-256
    is the file's now, worked out reading the file a piece at a time (not a second copy of it in memory):
    the reading then takes its bytes (:attr:`Ahead.data`) and its parse (:meth:`Ahead.loaded`, which
    waits for it). None otherwise – having waited for a read-ahead of other bytes to end, so that two
    parses never hold memory at once. Either way it is forgotten here."""
    try:
        key = Path(path).expanduser().resolve()
    except OSError:
        return None
    with _LOCK:
        ahead = _PENDING.pop(key, None)
    if ahead is None:
        return None
    ahead.located.wait()
    try:
        if ahead.sheet is not None:
            with open(key, "rb") as stream:
                if hashlib.file_digest(stream, "sha256").hexdigest() == ahead.sha256:
                    return ahead
    except OSError:  # the reading says what is wrong with the file
        pass
    ahead.drop()
    return None


def _payments_header(data: bytes, settings: Settings | None) -> tuple[str, int] | None:
    """Where ``locate(book, schema.PAYMENTS, settings, by_name_only=True)`` finds 还款记录: the first
    sheet named for it whose first rows hold its header, and that row."""
    table = schema.PAYMENTS
    archive = zipfile.ZipFile(io.BytesIO(data))
    book, _cut = head_workbook(archive, worksheet_parts(archive))
    aliases = alias_map(table, settings)
    for name in named_sheets(table, book.sheet_names):
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)
        for index, row in enumerate(rows):
            if is_header(table, match_header(row, aliases)):
                return name, index
    return None


_M_ARENA_MAX = -8  # glibc's mallopt parameter


@functools.cache
def _libc() -> Any:
    """The C library the process runs with, when it is glibc (``gnu_get_libc_version``); else None."""
    try:
        libc = ctypes.CDLL(None)  # the program's own symbols: its C library among them (POSIX)
    except (OSError, TypeError):  # Windows
        return None
    return libc if hasattr(libc, "gnu_get_libc_version") else None


def _limit_arenas() -> None:
    """glibc: at most two malloc arenas for the process's threads (see the module's docstring)."""
    try:
        libc = _libc()
        if libc is not None:
            libc.mallopt(_M_ARENA_MAX, 2)
    except Exception:  # noqa: BLE001 – not glibc: its allocator decides
        pass


def trim() -> None:
    """glibc's ``malloc_trim(0)``: free pages of every malloc arena back to the system (elsewhere
    nothing)."""
    try:
        libc = _libc()
        if libc is not None:
            libc.malloc_trim(0)
    except Exception:  # noqa: BLE001 – not glibc: nothing to trim
        pass
