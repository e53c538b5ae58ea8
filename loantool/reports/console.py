"""Console helpers shared by the commands: the ledger's warnings, shown in full once per ledger state, and
the progress of a long command (a bar on a terminal, plain lines in a log).

A ledger with data warnings (a card failing its check digit, a payment for an unknown contract …) gives
the same warnings on every run until someone corrects it. Printed in full each morning they bury the
day's news in a cron log, so they are printed in full once for a ledger state – the SHA-256 of the
ledger file together with the warnings themselves – and afterwards as one line saying they are unchanged.
What was shown is remembered in the ledger's ``.loantool/`` folder (``warnings-shown.json``), never in
the ledger; when that folder cannot be written the warnings are simply shown in full again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..i18n import _, ngettext
from ..progress import Progress, no_progress

STATE_FILE = "warnings-shown.json"
REMEMBERED = 50  # ledger states kept in the file (newest last)


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def warnings_digest(warnings: Sequence[Any]) -> str:
    """The same warnings give the same digest, whatever the language they are shown in."""
    keys = sorted(json.dumps([Path(str(w.file)).name, w.sheet, w.row, w.column,
                              None if w.value is None else str(w.value), getattr(w, "code", "")],
                             ensure_ascii=False, default=str) for w in warnings)
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def _state_path(ledger_path: Path) -> Path:
    return Path(ledger_path).resolve().parent / ".loantool" / STATE_FILE


def _read_state(path: Path) -> list[list[str]]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        return [e for e in entries if isinstance(e, list) and len(e) == 2]
    except (OSError, ValueError, TypeError):
        return []


def _remember(path: Path, entries: list[list[str]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".warnings.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entries[-REMEMBERED:], handle)
        os.replace(tmp, path)
    except OSError:
        pass  # not remembered: the next run shows the warnings in full again


def print_ledger_warnings(console: Any, warnings: Sequence[Any], ledger_path: Path | None, *, limit: int = 10,
                          rest: str = "") -> bool:
    """Show ``warnings`` on ``console`` (stderr): the first ``limit`` in full and how many more, the first
    time for this ledger state; one line when the same ledger gave the same warnings before. Returns
    True when they were shown in full."""
    if not warnings:
        return False
    key = None
    if ledger_path is not None:
        ledger_sha = _sha256(Path(ledger_path))
        if ledger_sha is not None:
            key = [ledger_sha, warnings_digest(warnings)]
    state = _state_path(ledger_path) if key is not None else None
    entries = _read_state(state) if state is not None else []
    if key is not None and key in entries:
        console.print(ngettext(
            "{count} ledger warning is the same as last time (the ledger has not changed) and is not listed "
            "again; the Data warnings sheet of the daily arrears report lists it.",
            "{count} ledger warnings are the same as last time (the ledger has not changed) and are not "
            "listed again; the Data warnings sheet of the daily arrears report lists them all.",
            len(warnings)).format(count=len(warnings)), markup=False)
        return False
    for warning in warnings[:limit]:
        console.print(_("Warning: {text}").format(text=warning.describe()), markup=False)
    if len(warnings) > limit:
        console.print(_("… and {count} more warnings{rest}.").format(count=len(warnings) - limit, rest=rest),
                      markup=False)
    if key is not None and state is not None:
        _remember(state, [e for e in entries if e != key] + [key])
    return True


# ------------------------------------------------------------------------------------------- progress


class _PlainProgress:
    """One line per step on stderr when it is not a terminal (a cron log, a pipe): the step's number, its
    text and the seconds since the command started. A step counting its items prints once, not per item."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.last: tuple[str, int] | None = None

    def __call__(self, text: str, number: int, total: int) -> None:
        key = (text, total)
        if key == self.last:
            return
        self.last = key
        line = _("[{number}/{total}] {step} (started at {seconds:.1f} s)").format(
            number=number, total=total, step=text, seconds=time.monotonic() - self.started)
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe: progress is not worth failing for
            pass


class _BarProgress:
    """A rich progress bar on stderr (a terminal): the step's text, a bar of the steps done, n/N and the
    time so far. Transient: the command's results print where it stood."""

    def __init__(self, console: Any) -> None:
        from rich import progress as rich

        columns = (rich.SpinnerColumn(), rich.TextColumn("{task.description}"), rich.BarColumn(),
                   rich.MofNCompleteColumn(), rich.TimeElapsedColumn())
        self.bar = rich.Progress(*columns, console=console, transient=True)
        self.task: Any = None

    def __call__(self, text: str, number: int, total: int) -> None:
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task(text, total=total)
        self.bar.update(self.task, description=text, completed=max(number - 1, 0), total=total)

    def stop(self) -> None:
        if self.task is not None:
            self.bar.stop()


@contextmanager
def progress_display(*, shown: bool, console: Any = None) -> Iterator[Progress]:
    """The progress callback a command hands its workflow (progress.py): a rich bar when stderr is a
    terminal, plain lines when it is not, nothing when not ``shown`` (--json, --quiet). The bar is gone
    when the block ends, whatever happened inside it."""
    if not shown:
        yield no_progress
        return
    if console is None:
        from rich.console import Console

        console = Console(stderr=True, highlight=False)
    if not console.is_terminal:
        yield _PlainProgress(console.file)
        return
    bar = _BarProgress(console)
    try:
        yield bar
    finally:
        bar.stop()


def column_width(header: str, values: Sequence[str]) -> int:
    """A console table column exactly as wide as its widest value (an amount, a date, a contract number
    is never cut or folded) or its header's longest word, whichever is wider: the header wraps in it.
    Rich's own min_width does not hold when a table must shrink to 80 columns; a fixed width does."""
    from .excel import display_width

    words = [display_width(w) for w in header.split()] or [0]
    return int(max([*words, *(display_width(v) for v in values)]))
