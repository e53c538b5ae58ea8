"""Issuing schedules from the ledger: letters, the combined workbook, and marking 还款明细已出 = 是."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ledger.read import load_ledger
from ..ledger.transaction import ledger_transaction
from ..ledger.xlsx_patch import SheetEdits
from ..reports.labels import report_name
from ..reports.schedule import write_combined, write_letters
from ..schema import LOANS
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
        mark = f"; 还款明细已出 set to 是 for {len(self.marked)}" if self.marked else ""
        return f"{len(self.letters)} schedule(s) written to {self.out_dir}{mark}."


def mark_edits(ledger: Any, contracts: list[str]) -> tuple[list[SheetEdits], list[str]]:
    """Cell edits that set 还款明细已出 = 是 on the given loans where it is not 是 already."""
    loans = ledger.loans
    column = loans.columns.get("schedule_issued")
    if column is None:
        raise InputError(
            f"{ledger.path.name} sheet {loans.sheet} has no 还款明细已出 column to mark.",
            hint="Add a column headed 还款明细已出, or run with --no-mark.",
        )
    frame = loans.frame
    chosen = frame[frame["contract_no"].isin(contracts) & ~frame["schedule_issued"].fillna(False).astype(bool)]
    updates = {(int(row), column): "是" for row in chosen["excel_row"]}
    edits = [SheetEdits(sheet=loans.sheet, updates=updates, appends=[])] if updates else []
    return edits, list(chosen["contract_no"])


def issue_schedules(run: Any, *, contracts: list[str], pending: bool, out: Path | None, mark: bool) -> IssueResult:
    settings = run.settings
    out_dir = out or settings.resolve(settings.morning.reports_dir) / report_name("schedules", day=run.as_of)
    guard = (ledger_transaction(run.ledger_path, settings, command="compute-schedule",
                                arguments=[*contracts, *(["--pending"] if pending else [])], inputs=[])
             if mark else nullcontext(None))
    with guard as tx:
        ledger = load_ledger(tx.path if tx is not None else run.ledger_path, settings)
        result = from_ledger(ledger, contracts=contracts, pending=pending, settings=settings, as_of=run.as_of)
        letters = write_letters(result, out_dir, settings.company.name, run.as_of)
        combined = None
        if len(result.loans):
            combined = write_combined(result, out_dir / report_name("schedules_combined", day=run.as_of),
                                      settings.company.name, run.as_of)
        marked: list[str] = []
        if tx is not None:
            edits, marked = mark_edits(ledger, list(result.loans["contract_no"]))
            tx.commit(edits, rows_added=0, cells_changed=len(marked),
                      summary={"marked": marked, "field": LOANS.field("schedule_issued").header})
    return IssueResult(result=result, out_dir=out_dir, letters=letters, combined=combined, marked=marked)

