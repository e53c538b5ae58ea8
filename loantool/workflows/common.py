"""What every workflow checks the same way: the ledger is there, a report path is usable, a date has come.

Workflows take explicit parameters (settings, ledger path, as-of day, options) and never the CLI's
objects; an error about one of those parameters names it (``parameter="out"``) and the CLI edge adds
the option's spelling. The real today (:func:`real_today`, not the as-of day) decides whether an event
may be recorded: a settlement or a posting dated after it is refused (DOMAIN.md "As-of truth").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import UsageError
from ..i18n import _


def real_today() -> dt.date:
    """The calendar's today (tests replace it); --as-of never moves it."""
    return dt.date.today()


def require_ledger(ledger_path: Path) -> Path:
    """The ledger file, or a usage error naming it (a folder is not a ledger)."""
    path = Path(ledger_path)
    if path.is_dir():
        raise UsageError(
            _("The ledger {path} is a folder, not a workbook.").format(path=path),
            _("Name the ledger file itself, e.g. {example}.").format(example=path / "ledger.xlsx"),
            parameter="ledger")
    if not path.is_file():
        raise UsageError(_("Ledger {path} not found.").format(path=path),
                         _("Name it, set [ledger] path in loantool.toml, or run `loantool init`."),
                         parameter="ledger")
    return path


def report_target(out: Path | None, default: Path, ledger_path: Path) -> Path:
    """The report file to write: ``out`` or the default; an .xlsx file that is not the ledger."""
    target = Path(out) if out is not None else default
    if target.suffix.lower() != ".xlsx":
        raise UsageError(_("The report file {path} is not an .xlsx file.").format(path=target),
                         _("Name a file ending in .xlsx, e.g. {example}.").format(example=default.name),
                         parameter="out")
    if target.resolve() == Path(ledger_path).resolve():
        raise UsageError(_("The report file {path} is the ledger itself; a report never overwrites the "
                           "ledger.").format(path=target),
                         _("Choose another file name for the report."), parameter="out")
    return target


def refuse_future(day: dt.date, what: str, parameter: str | None = None) -> None:
    """An event (settlement, advance, payment) can be recorded only for a day that has come."""
    today = real_today()
    if day > today:
        raise UsageError(
            _("{what} is dated {day}, after today ({today}); an event is recorded only once its day has "
              "come.").format(what=what, day=day.isoformat(), today=today.isoformat()),
            _("Record it on or after {day}, or correct the date.").format(day=day.isoformat()),
            parameter=parameter)
