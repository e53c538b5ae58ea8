"""Issuing schedules from the ledger: letters, the combined workbook, and marking 还款明细已出 = 是."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InputError
from ..i18n import _
from ..ledger.read import load_ledger
from ..ledger.transaction import ledger_transaction
from ..ledger.xlsx_patch import SheetEdits
from ..progress import Progress, no_progress
from ..reports.labels import report_name
from ..reports.schedule import write_combined, write_letters
from ..schema import LOANS
from .common import require_ledger
from .schedule import ScheduleResult, from_ledger


@dataclass
class IssueResult:
    result: ScheduleResult
    out_dir: Path
    letters: list[Path]
    combined: Path | None
    marked: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "letters": [str(p) for p in self.letters],
            "combined": str(self.combined) if self.combined else None,
            "marked": self.marked,
        }

    def summary_line(self) -> str:
        if self.marked:
            return _("{count} schedule(s) written to {folder}; 还款明细已出 set to 是 for {marked}.").format(
                count=len(self.letters), folder=self.out_dir, marked=len(self.marked))
        return _("{count} schedule(s) written to {folder}.").format(
            count=len(self.letters), folder=self.out_dir)


def mark_edits(ledger: Any, contracts: list[str]) -> tuple[list[SheetEdits], list[str]]:
    """Cell edits that set 还款明细已出 = 是 on the given loans where it is not 是 already."""
    loans = ledger.loans
    column = loans.columns.get("schedule_issued")
    if column is None:
        raise InputError(
            _("{file} sheet {sheet} has no 还款明细已出 column to mark.").format(file=ledger.path.name,
                                                                            sheet=loans.sheet),
            hint=_("Add a column headed 还款明细已出, or issue the schedules without marking them."),
            parameter="no_mark")
    frame = loans.frame
    issued = frame["schedule_issued"].fillna(False).astype(bool)
    chosen = frame[frame["contract_no"].isin(contracts) & ~issued]
    updates = {(int(row), column): "是" for row in chosen["excel_row"]}
    edits = [SheetEdits(sheet=loans.sheet, updates=updates, appends=[])] if updates else []
    return edits, list(chosen["contract_no"])


def issue_schedules(settings: Settings, ledger_path: Path, *, as_of: dt.date, contracts: list[str],
                    pending: bool, out: Path | None = None, mark: bool = True,
                    arguments: Sequence[str] = (), progress: Progress = no_progress) -> IssueResult:
    """The letters and the combined workbook of the chosen loans; with ``mark``, 还款明细已出 = 是 in the
    ledger (inside the transaction; ``arguments``: the command line as given, for the journal;
    ``progress``: told of each step and each letter)."""
    out_dir = out or settings.resolve(settings.morning.reports_dir) / report_name("schedules", day=as_of)
    require_ledger(ledger_path)
    guard = (ledger_transaction(ledger_path, settings, command="compute-schedule", arguments=list(arguments),
                                inputs=[])
             if mark else nullcontext(None))
    with guard as tx:
        steps = 4 if tx is not None else 3
        progress(_("Reading the ledger"), 1, steps)
        ledger = load_ledger(tx.path if tx is not None else ledger_path, settings, as_of=as_of)
        progress(_("Computing the schedules"), 2, steps)
        result = from_ledger(ledger, contracts=contracts, pending=pending, settings=settings, as_of=as_of)
        letters = write_letters(result, out_dir, settings.company.name, as_of, progress)
        combined = None
        if len(result.loans):
            progress(_("Writing the summary workbook"), 3, steps)
            combined = write_combined(result, out_dir / report_name("schedules_combined", day=as_of),
                                      settings.company.name, as_of)
        marked: list[str] = []
        if tx is not None:
            progress(_("Marking 还款明细已出 in the ledger"), 4, 4)
            edits, marked = mark_edits(ledger, list(result.loans["contract_no"]))
            tx.commit(edits, rows_added=0, cells_changed=len(marked),
                      summary={"marked": marked, "field": LOANS.field("schedule_issued").header})
    return IssueResult(result=result, out_dir=out_dir, letters=letters, combined=combined, marked=marked)
