"""Where the ``loantool`` command and ``python -m loantool`` begin: before typer, pydantic and the
command's modules are imported (some 0.07 s before the command line is parsed, and more before the
command runs), the ledger of overdue-report and morning begins to be read ahead (ledger/readahead.py)
from the command line as written; then :mod:`loantool.cli` takes over. Nothing here imports more than the
settings and the read-ahead need."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

# commands whose ledger is read ahead from the first moment: importing the command line's modules and
# parsing the options takes a fifth of a second that fastexcel's parse of 还款记录 can use
READS_AHEAD = ("overdue-report", "morning")


def read_ahead(args: list[str]) -> None:
    """Start the read-ahead of the ledger of ``loantool overdue-report …`` (or ``morning``: its first
    step that reads the ledger takes it – the import, or the reconciliation) before typer parses the
    options, from ``--ledger`` and ``--config`` as written (``--x v`` or ``--x=v``; the last one given,
    as click takes it). Help, ``--``, a missing value or settings that do not load: nothing here – the
    command starts it itself once its options are parsed (make_run). A wrong guess costs only time: the
    reading takes a read-ahead only for the same bytes, sheet and header row, and a read-ahead of another
    file is ended before the command's own begins."""
    if not args or args[0] not in READS_AHEAD or {"-h", "--help", "--"} & set(args):
        return
    ledger, config = option_value(args[1:], ("--ledger",)), option_value(args[1:], ("--config",))
    if ledger == "" or config == "":  # given without a value: the command says so
        return
    try:
        from .config import load_settings
        from .ledger import readahead

        settings = load_settings(Path(config) if config else None)
        readahead.start(Path(ledger) if ledger else settings.ledger_path, settings)
    except Exception:  # noqa: BLE001 – the command reads its settings itself and says what is wrong
        return


def option_value(args: list[str], names: tuple[str, ...]) -> str | None:
    """The value given to an option in the raw arguments (``--x v`` or ``--x=v``): the last one given, as
    click takes it; "" when the option ends the line or is given as ``--x=``; None when it is not given.
    Nothing after ``--`` is an option."""
    found = None
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if name in names:
            found = value if equals else next(rest, "")
    return found


def main() -> None:
    read_ahead(sys.argv[1:])
    from .cli import app

    try:
        app()
    finally:
        # the command is done, its files written and closed: the collector's last pass over every object
        # still alive as the interpreter exits (70 ms after an overdue report of 20,000 loans) is skipped.
        # Standard output and error are still flushed, and nothing of loantool's waits for a finalizer.
        gc.freeze()
