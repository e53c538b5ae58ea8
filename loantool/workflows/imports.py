"""import-disbursements: bank disbursement slips (放款单) into the ledger's 贷款台账.

Slips are read first (every file, every bad row reported at once); then, under the ledger's lock, the
ledger is read, each slip row is matched to one loan (core.matching), the cells to fill are planned and
the bank's monthly amount is checked against our schedule (core.disbursement), and the changes are
committed through the ledger transaction. Nothing to change commits nothing (the journal records
"nothing to do"), so a second run over the same slips leaves the ledger byte-identical.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..core.disbursement import (
    AMOUNT_FIELDS,
    CONFLICT,
    DATE_FIELDS,
    UNCHANGED,
    UPDATE,
    cross_check,
    disbursement_problems,
    loan_outcomes,
    plan_disbursements,
    slip_problems,
)
from ..core.matching import match_slips
from ..core.rates import RateLimits
from ..errors import CellProblem, InputError
from ..i18n import _
from ..ledger.read import TableRead, load_ledger, read_table_with_problems
from ..ledger.transaction import ledger_transaction
from ..ledger.xlsx_patch import SheetEdits
from ..money import fen_to_decimal, fen_to_str, to_fen
from ..progress import Progress, no_progress
from ..reports.labels import report_name
from ..schema import LOANS, SLIPS
from ..values import text_or_none

COMMAND = "import-disbursements"
# the short words people see for a slip's fields
FIELD_LABELS = {
    "disbursed_on": "放款日期", "bank_due_day": "银行还款日", "bank_monthly_amount": "银行月还金额",
    "first_due_date": "首期还款日", "principal": "贷款金额", "term": "期数",
}


def kind_of(field_key: str) -> str:
    """How a value of this field is shown: ``date``, ``yuan`` (fen) or ``int``."""
    return "date" if field_key in DATE_FIELDS else "yuan" if field_key in AMOUNT_FIELDS else "int"


def json_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        return value.isoformat()
    if kind == "yuan":
        return fen_to_str(value)
    return int(value)


@dataclass
class SlipBatch:
    """Every slip row read, one frame; ``reads`` keeps each file's header names for messages."""

    frame: pd.DataFrame  # SLIPS field keys + excel_row, file, sheet, read (position in ``reads``)
    reads: list[TableRead]
    rejected: list[CellProblem] = field(default_factory=list)
    warnings: list[CellProblem] = field(default_factory=list)
    skip_bad: bool = False


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do). Lists hold plain records; values are fen,
    dates and ints (``kind`` says which) until :meth:`to_dict` turns them into the JSON shape."""

    ledger_path: Path
    files: list[str]
    slip_rows: int
    dry_run: bool
    overwrite: bool
    matches: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # cells written (or to be written)
    unchanged: list[dict[str, Any]] = field(default_factory=list)  # matched loans with nothing to change
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    not_checked: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[CellProblem] = field(default_factory=list)
    warnings: list[CellProblem] = field(default_factory=list)
    written: bool = False
    backup: Path | None = None  # the previous ledger, kept by the transaction
    report_path: Path | None = None
    rejects_path: Path | None = None
    ledger: Any = field(default=None, repr=False)  # the ledger read, when the import left it unchanged

    @property
    def updated_contracts(self) -> list[str]:
        return list(dict.fromkeys(c["contract_no"] for c in self.changes))

    def to_dict(self) -> dict[str, Any]:
        def cells(records: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
            return [{k: (json_value(r["kind"], v) if k in keys else v) for k, v in r.items() if k != "kind"}
                    for r in records]

        return {
            "ledger": str(self.ledger_path),
            "dry_run": self.dry_run,
            "overwrite": self.overwrite,
            "files": self.files,
            "slip_rows": self.slip_rows,
            "matched": len(self.matches),
            "updated": len(self.updated_contracts),
            "unchanged": len(self.unchanged),
            "cells_changed": len(self.changes),
            "written": self.written,
            "backup": str(self.backup) if self.backup else None,
            "matches": self.matches,
            "changes": cells(self.changes, ("old", "new")),
            "unchanged_loans": self.unchanged,
            "conflicts": cells(self.conflicts, ("ledger", "slip")),
            "unmatched": [{**r, "principal": json_value("yuan", r["principal"]),
                           "disbursed_on": json_value("date", r["disbursed_on"])} for r in self.unmatched],
            "discrepancies": cells(self.discrepancies, ("bank", "ours", "difference")),
            "duplicates": self.duplicates,
            "not_checked": self.not_checked,
            "rejected": [p.as_dict() for p in self.rejected],
            "warnings": [p.as_dict() for p in self.warnings],
            "report": str(self.report_path) if self.report_path else None,
            "rejects": str(self.rejects_path) if self.rejects_path else None,
        }


# ------------------------------------------------------------------------------------------ reading


def _bad_slips(problems: list[CellProblem]) -> InputError:
    """The refusal of a batch with bad slip rows (without --skip-bad): every problem, nothing written."""
    rows = len({(p.file, p.sheet, p.row) for p in problems})
    return InputError(
        _("{rows} bad slip row(s), {count} problem(s); nothing was written.").format(
            rows=rows, count=len(problems)),
        problems, hint=_("Correct the listed cells, or skip the bad rows: the good ones are imported and the "
                         "bad ones listed in a rejects workbook."), parameter="skip_bad")


def read_slips(paths: Sequence[Path], settings: Settings, *, skip_bad: bool,
               as_of: dt.date | None = None) -> SlipBatch:
    """Every slip file into one frame. Bad rows: all reported in one InputError, or with ``skip_bad``
    left out and returned in ``rejected``. A file that cannot be read at all is always an error."""
    reads: list[TableRead] = []
    bad: list[CellProblem] = []
    fatal: list[InputError] = []
    for path in paths:
        try:  # one read per file: its rows and its bad cells (every problem of every file at once)
            read, problems = read_table_with_problems(path, SLIPS, settings=settings)
        except InputError as error:
            fatal.append(error)  # no header, not a table, not found: not a matter of rows
            continue
        bad += problems
        reads.append(read)
    if fatal:
        problems = [p for error in fatal for p in error.problems] + bad
        message = "; ".join(error.message for error in fatal)
        raise InputError(message, problems, fatal[0].hint)

    frames = []
    for position, read in enumerate(reads):
        value_problems = [read.problem(label, key, value, reason)
                          for label, key, value, reason in slip_problems(read.frame, as_of)]
        known = {(p.file, p.sheet, p.row, p.column) for p in bad}
        bad += [p for p in value_problems if (p.file, p.sheet, p.row, p.column) not in known]
        frames.append(read.frame.assign(file=Path(read.file).name, sheet=read.sheet, read=position))
    if bad and not skip_bad:
        raise _bad_slips(bad)
    empty = pd.DataFrame(columns=["excel_row", "file", "sheet", "read"])
    frame = pd.concat(frames, ignore_index=True) if frames else empty
    if bad:
        rejected_rows = {(p.file, p.sheet, p.row) for p in bad}
        keep = [(reads[int(r)].file, s if isinstance(s, str) else None, int(x)) not in rejected_rows
                for r, s, x in zip(frame["read"], frame["sheet"], frame["excel_row"], strict=True)]
        frame = frame[keep].reset_index(drop=True)
    warnings = [w for read in reads for w in read.warnings]
    return SlipBatch(frame=frame, reads=reads, rejected=bad, warnings=warnings, skip_bad=skip_bad)


# ------------------------------------------------------------------------------------------ planning


def _slip_where(batch: SlipBatch, label: Hashable) -> dict[str, Any]:
    row = batch.frame.loc[label]
    return {"file": row["file"], "sheet": row["sheet"] if isinstance(row["sheet"], str) else None,
            "row": int(row["excel_row"])}


def plan_import(batch: SlipBatch, ledger: Any, settings: Settings, *, overwrite: bool, dry_run: bool
                ) -> tuple[ImportResult, list[SheetEdits]]:
    """Match, plan and cross-check; the result and the ledger edits that carry it out."""
    slips = batch.frame
    loans = ledger.loans.frame
    result = ImportResult(ledger_path=Path(ledger.path), files=[Path(r.file).name for r in batch.reads],
                          slip_rows=len(slips) + len({(p.file, p.sheet, p.row) for p in batch.rejected}),
                          dry_run=dry_run, overwrite=overwrite, rejected=list(batch.rejected),
                          warnings=list(batch.warnings))
    matching = match_slips(slips, loans)
    _refuse_far_disbursements(batch, loans, matching, result)
    changes = plan_disbursements(slips, loans, matching.matches, overwrite=overwrite)
    outcomes = loan_outcomes(matching.matches, changes)
    name_of = {m.loan: text_or_none(loans.at[m.loan, "customer_name"]) for m in matching.matches}
    headers = ledger.loans.headers

    for match in matching.matches:
        outcome = outcomes[match.loan]
        record = {"contract_no": match.contract_no, "customer_name": name_of[match.loan],
                  **_slip_where(batch, match.slip),
                  "matched_by": match.key,  # codes (core.matching KEY_LABELS)
                  "narrowed_by": list(match.narrowed_by),
                  "outcome": {UPDATE: "updated", UNCHANGED: "unchanged", CONFLICT: "conflict"}[outcome],
                  "notes": list(match.notes)}
        result.matches.append(record)
        if outcome == UNCHANGED:
            keys = ("contract_no", "customer_name", "file", "sheet", "row")
            result.unchanged.append({k: record[k] for k in keys})
    for change in changes:
        base = {"contract_no": change.contract_no, "customer_name": name_of[change.loan],
                "field": change.field, "column": headers.get(change.field, LOANS.field(change.field).header),
                "kind": kind_of(change.field), **_slip_where(batch, change.slip)}
        if change.status == UPDATE:
            result.changes.append({**base, "excel_row": int(loans.at[change.loan, "excel_row"]),
                                   "old": change.old, "new": change.new, "overwritten": change.overwritten})
        elif change.status == CONFLICT:
            result.conflicts.append({**base, "ledger": change.old, "slip": change.new})

    for miss in matching.unmatched:
        row = slips.loc[miss.slip]
        result.unmatched.append({
            **_slip_where(batch, miss.slip),
            "customer_name": text_or_none(row.get("customer_name")), "id_no": text_or_none(row.get("id_no")),
            "card_no": text_or_none(row.get("card_no")),
            "principal": None if pd.isna(row.get("principal", pd.NA)) else int(row["principal"]),
            "disbursed_on": (None if pd.isna(row.get("disbursed_on", pd.NaT))
                             else pd.Timestamp(row["disbursed_on"]).date()),
            "reason": miss.reason, "candidates": list(miss.candidates),
        })
    for dup in matching.duplicates:
        first = _slip_where(batch, dup.first)
        same_as = _("{file} row {row}").format(file=first["file"], row=first["row"])
        result.duplicates.append({**_slip_where(batch, dup.slip), "contract_no": dup.contract_no,
                                  "same_as": same_as})

    found, not_checked = cross_check(
        slips, loans, ledger.rates.frame if ledger.rates is not None else None, matching.matches,
        tolerance_fen=to_fen(settings.imports.monthly_amount_tolerance),
        default_method=settings.schedule.default_method, residue=settings.schedule.residue,
        limits=RateLimits.from_settings(settings))
    for diff in found:
        result.discrepancies.append({
            "contract_no": diff.contract_no, "customer_name": name_of[diff.loan], "field": diff.field,
            "label": FIELD_LABELS[diff.field], "kind": kind_of(diff.field),
            "bank": diff.bank, "ours": diff.ours, "difference": diff.difference, "period": diff.period,
            **_slip_where(batch, diff.slip)})
    for skip in not_checked:
        result.not_checked.append({"contract_no": skip.contract_no, "customer_name": name_of[skip.loan],
                                   "reason": skip.reason, **_slip_where(batch, skip.slip)})
    return result, _edits(ledger, result)


def _refuse_far_disbursements(batch: SlipBatch, loans: pd.DataFrame, matching: Any, result: ImportResult
                              ) -> None:
    """A matched slip whose 放款日期 is more than a year from its loan's pickup is a bad row: refused
    (exit 2), or with ``skip_bad`` left out and listed with the rejects."""
    found = disbursement_problems(batch.frame, loans, matching.matches)
    if not found:
        return
    problems = []
    for label, key, value, reason in found:
        row = batch.frame.loc[label]
        read = batch.reads[int(row["read"])]
        problems.append(CellProblem(read.file, read.sheet, int(row["excel_row"]),
                                    read.headers.get(key, SLIPS.field(key).header), value, reason))
    if not batch.skip_bad:
        raise _bad_slips(problems)
    refused = {label for label, _key, _value, _reason in found}
    matching.matches = [m for m in matching.matches if m.slip not in refused]
    result.rejected += problems


def _edits(ledger: Any, result: ImportResult) -> list[SheetEdits]:
    """The cell updates of the planned changes; a ledger without a needed column is refused whole."""
    from ..ledger.columns import new_headers, place_columns

    loans = ledger.loans
    if not result.changes:
        return []
    # a column the slips fill and the ledger lacks (放款日期, 银行月还金额 …) is added at the right end
    columns = place_columns(loans, sorted({c["field"] for c in result.changes}))
    updates: dict[tuple[int, int], Any] = {}
    for change in result.changes:
        updates[(change["excel_row"], columns[change["field"]])] = _cell(change["kind"], change["new"])
    return [SheetEdits(sheet=loans.sheet, updates=updates, appends=[], header_row=loans.header_row,
                       new_columns=new_headers(loans, columns))]


def _cell(kind: str, value: Any) -> Any:
    if kind == "yuan":
        return fen_to_decimal(value)
    if kind == "date":
        return value if isinstance(value, dt.date) else pd.Timestamp(value).date()
    return int(value)


# ------------------------------------------------------------------------------------------ the run


def import_disbursements(settings: Settings, ledger_path: Path, slip_paths: Sequence[Path], *, as_of: dt.date,
                         dry_run: bool = False, overwrite: bool = False, skip_bad: bool = False,
                         out: Path | None = None, arguments: Sequence[str] = (),
                         progress: Progress = no_progress) -> ImportResult:
    """Read the slips, then (under the ledger's lock unless ``dry_run``) match, plan and commit.

    ``out`` names the Excel report; the rejects workbook (``skip_bad``) goes beside it, else into the
    configured reports folder. A dry run never touches the ledger (no lock, no backup, no journal).
    ``progress``: told of each step.
    """
    from ..reports.imports import write_import_report, write_rejects

    progress(_("Reading the slips"), 1, 5)
    batch = read_slips(slip_paths, settings, skip_bad=skip_bad, as_of=as_of)
    if dry_run:
        progress(_("Reading the ledger"), 2, 5)
        ledger = load_ledger(ledger_path, settings, as_of=as_of)
        progress(_("Matching the slips to the loans"), 3, 5)
        result, _planned = plan_import(batch, ledger, settings, overwrite=overwrite, dry_run=True)
    else:
        with ledger_transaction(ledger_path, settings, command=COMMAND, arguments=list(arguments),
                                inputs=[Path(p) for p in slip_paths]) as tx:
            progress(_("Reading the ledger"), 2, 5)
            ledger = load_ledger(tx.path, settings, as_of=as_of)
            progress(_("Matching the slips to the loans"), 3, 5)
            result, edits = plan_import(batch, ledger, settings, overwrite=overwrite, dry_run=False)
            progress(_("Writing the ledger"), 4, 5)
            committed = tx.commit(edits, rows_added=0, cells_changed=len(result.changes), summary={
                "matched": len(result.matches), "updated": result.updated_contracts,
                "conflicts": len(result.conflicts), "unmatched": len(result.unmatched),
                "rejected_rows": len({(p.file, p.sheet, p.row) for p in result.rejected}),
            })
            result.written = committed.written
            result.backup = committed.backup
            from ..ledger.columns import added_notes

            result.warnings += added_notes(ledger.path, committed.columns_added)
            if not committed.written:
                result.ledger = ledger  # still the file on disk: a later step needs no second read
    progress(_("Writing the report"), 5, 5)
    if result.rejected and (out is not None or not dry_run):
        result.rejects_path = write_rejects(rejects_path(settings, out, as_of), result.rejected,
                                            settings.company.name, as_of)
    if out is not None:
        result.report_path = write_import_report(out, result, settings.company.name, as_of)
    return result


def rejects_path(settings: Settings, out: Path | None, as_of: dt.date) -> Path:
    """Beside the report (<report>_拒收.xlsx), else in the reports folder (放款单_拒收_YYYYMMDD.xlsx)."""
    if out is not None:
        return out.with_name(report_name("rejects_beside", subject=out.stem))
    return settings.resolve(settings.morning.reports_dir) / report_name("rejects", day=as_of)
