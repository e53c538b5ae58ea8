"""sync-customers: customer service's table (客服信息表) into the ledger's 贷款台账.

The table is read first (bad cells: exit 2, nothing written); then, under the ledger's lock, the ledger
is read, core.customers plans the new rows and the contact changes, and the transaction commits them.
Nothing to change commits nothing, so a second run leaves the ledger byte-identical.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..core.customers import SyncPlan, new_loan_problems, plan_sync
from ..errors import CellProblem, InputError
from ..i18n import _
from ..ledger import checks
from ..ledger.read import TableRead, load_ledger, read_table_with_problems
from ..ledger.transaction import ledger_transaction
from ..ledger.xlsx_patch import SheetEdits
from ..money import fen_to_decimal, rate_to_decimal
from ..reports.labels import report_name
from ..schema import CUSTOMERS, LOANS, METHODS, STATUSES, label
from .common import require_ledger

COMMAND = "sync-customers"
TEXT_KINDS = frozenset({"text", "contract", "id_no", "card", "phone"})


@dataclass
class SyncResult:
    ledger_path: Path
    source: str
    source_rows: int
    dry_run: bool
    added: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[CellProblem] = field(default_factory=list)
    rejected: list[CellProblem] = field(default_factory=list)  # bad rows left out (skip-bad)
    written: bool = False
    backup: Path | None = None
    rejects_path: Path | None = None

    @property
    def changed_contracts(self) -> list[str]:
        return list(dict.fromkeys(c["contract_no"] for c in self.changes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ledger": str(self.ledger_path),
            "source": self.source,
            "dry_run": self.dry_run,
            "source_rows": self.source_rows,
            "added": self.added,
            "changed": len(self.changed_contracts),
            "changes": self.changes,
            "unchanged": len(self.unchanged),
            "conflicts": self.conflicts,
            "skipped": self.skipped,
            "warnings": [w.as_dict() for w in self.warnings],
            "rejected": [p.as_dict() for p in self.rejected],
            "written": self.written,
            "backup": str(self.backup) if self.backup else None,
            "rejects": str(self.rejects_path) if self.rejects_path else None,
        }


def _header(read: TableRead, key: str) -> str:
    return read.headers.get(key, LOANS.field(key).header)


def build_result(plan: SyncPlan, source: TableRead, ledger: Any, *, dry_run: bool, today: dt.date
                 ) -> SyncResult:
    customers, loans = source.frame, ledger.loans
    row_of = customers["excel_row"]
    result = SyncResult(ledger_path=Path(ledger.path), source=Path(source.file).name,
                        source_rows=len(customers), dry_run=dry_run, unchanged=list(plan.unchanged))
    for new in plan.new_loans:
        result.added.append({"contract_no": new.contract_no, "customer_name": new.cells.get("customer_name"),
                             "row": int(row_of[new.source])})
    for change in plan.changes:
        result.changes.append({
            "contract_no": change.contract_no, "field": change.field, "column": _header(loans, change.field),
            "old": None if change.old is None else str(change.old), "new": change.new,
            "row": int(row_of[change.source]), "excel_row": int(loans.frame.at[change.loan, "excel_row"]),
        })
    for conflict in plan.conflicts:
        result.conflicts.append({
            "contract_no": conflict.contract_no, "field": conflict.field,
            "column": source.headers.get(conflict.field, CUSTOMERS.field(conflict.field).header),
            "values": list(conflict.variants), "rows": [int(row_of[s]) for s in conflict.sources],
        })
    for skip in plan.skipped:
        result.skipped.append({
            "contract_no": skip.contract_no, "field": skip.field,
            "column": _header(loans, skip.field) if skip.field else None,
            "value": None if skip.value is None else str(skip.value), "reason": skip.reason,
            "row": int(row_of[skip.source]),
        })
    applied: set[Hashable] = {n.source for n in plan.new_loans} | {c.source for c in plan.changes}
    rows = {int(row_of[s]) for s in applied}
    result.warnings = [w for w in checks.check_loans(customers.loc[list(applied)], source.problem, today)
                       if w.row in rows] if applied else []
    result.warnings[:0] = source.warnings  # a footer skipped under the table
    return result


# ------------------------------------------------------------------------------------------------ edits


def sync_edits(plan: SyncPlan, ledger: Any, result: SyncResult) -> list[SheetEdits]:
    """Contact-field updates and appended rows (by the ledger's column positions) for the plan."""
    loans = ledger.loans
    updates = {(c["excel_row"], loans.columns[c["field"]]): c["new"] for c in result.changes}
    appends = []
    for new in plan.new_loans:
        row: dict[int, Any] = {}
        values = dict(new.cells)
        if "term" in values and "term" not in loans.columns and "term_years" in loans.columns:
            months = int(values["term"])
            if months % 12:
                reason = _("the ledger has only 贷款年限 and this term is not whole years: enter it by hand")
                result.skipped.append({"contract_no": new.contract_no, "field": "term", "column": "期数",
                                       "value": str(months), "reason": reason, "row": None})
            else:
                values["term_years"] = months // 12
        elif "term" in values:
            values.pop("term_years", None)  # 期数 says it; the reader derives years from nothing else
        for key, value in values.items():
            column = loans.columns.get(key)
            if column is not None:
                row[column] = _cell(key, value)
        appends.append(row)
    if not updates and not appends:
        return []
    from ..ledger.columns import footer_insertion

    return [SheetEdits(sheet=loans.sheet, updates=updates, appends=appends, header_row=loans.header_row,
                       insert_after_row=footer_insertion(loans) if appends else None)]


def _cell(key: str, value: Any) -> Any:
    """A frame value → the writer's cell value for this ledger column (identifiers as text)."""
    kind = LOANS.field(key).kind
    if kind in TEXT_KINDS:
        return str(value)
    if kind == "amount":
        return fen_to_decimal(int(value))
    if kind == "rate":
        return rate_to_decimal(int(value))
    if kind in ("int", "term_years"):
        return int(value)
    if kind == "date":
        return pd.Timestamp(value).date()
    if kind == "method":
        return label(METHODS, value)
    if kind == "status":
        return label(STATUSES, value)
    if kind == "yesno":
        return "是" if value else "否"
    return str(value)


# ------------------------------------------------------------------------------------------------ the run


def read_customers(source: Path, settings: Settings, *, skip_bad: bool
                   ) -> tuple[TableRead, list[CellProblem]]:
    """The customer table; rows with a bad cell are refused all at once (exit 2), or with ``skip_bad``
    left out and returned."""
    table, problems = read_table_with_problems(source, CUSTOMERS, settings=settings)
    if problems and not skip_bad:
        raise bad_rows_error(problems)
    if problems:
        bad = {p.row for p in problems}
        table.frame = table.frame[~table.frame["excel_row"].isin(bad)]
    return table, problems


def bad_rows_error(problems: list[CellProblem]) -> InputError:
    rows = len({(p.file, p.sheet, p.row) for p in problems})
    return InputError(
        _("{rows} bad row(s) in the customer table, {count} problem(s); nothing was written.").format(
            rows=rows, count=len(problems)), problems,
        hint=_("Correct the listed cells, or skip the bad rows: the good ones are synced and the bad ones "
               "listed in a rejects workbook."), parameter="skip_bad")


def refuse_bad_new_rows(plan: SyncPlan, table: TableRead, ledger: Any, settings: Settings, *,
                        skip_bad: bool) -> list[CellProblem]:
    """New rows the ledger's reader would refuse (their terms give no schedule): an error, or with
    ``skip_bad`` taken out of the plan and returned."""
    found = new_loan_problems(plan.new_loans, ledger.rates.frame if ledger.rates is not None else None,
                              default_method=settings.schedule.default_method)
    problems = [table.problem(label, key, value, reason, "new-loan") for label, key, value, reason in found]
    if problems and not skip_bad:
        raise bad_rows_error(problems)
    bad = {label for label, *_ in found}
    plan.new_loans = [n for n in plan.new_loans if n.source not in bad]
    return problems


def rejects_path(settings: Settings, as_of: dt.date) -> Path:
    name = report_name("customer_rejects", day=as_of)
    return settings.resolve(settings.morning.reports_dir) / name


def sync_customers(settings: Settings, ledger_path: Path, source: Path, *, as_of: dt.date,
                   dry_run: bool = False, skip_bad: bool = False,
                   arguments: Sequence[str] = ()) -> SyncResult:
    """Read the customer table, then (under the lock unless ``dry_run``) plan and commit. Bad rows – a
    bad cell, or new terms that give no schedule – refuse the whole table, or with ``skip_bad`` are left
    out and written to a rejects workbook (a dry run writes none)."""
    from ..reports.imports import write_rejects

    table, rejected = read_customers(source, settings, skip_bad=skip_bad)
    if dry_run:
        ledger = load_ledger(require_ledger(ledger_path), settings, as_of=as_of)
        plan = plan_sync(table.frame, ledger.loans.frame)
        rejected += refuse_bad_new_rows(plan, table, ledger, settings, skip_bad=skip_bad)
        result = build_result(plan, table, ledger, dry_run=True, today=as_of)
        sync_edits(plan, ledger, result)  # the same notes a real run would give
        result.rejected = rejected
        return result
    require_ledger(ledger_path)
    with ledger_transaction(ledger_path, settings, command=COMMAND, arguments=list(arguments),
                            inputs=[Path(source)]) as tx:
        ledger = load_ledger(tx.path, settings, as_of=as_of)
        plan = plan_sync(table.frame, ledger.loans.frame)
        rejected += refuse_bad_new_rows(plan, table, ledger, settings, skip_bad=skip_bad)
        result = build_result(plan, table, ledger, dry_run=False, today=as_of)
        result.rejected = rejected
        edits = sync_edits(plan, ledger, result)
        summary = {"added": [n.contract_no for n in plan.new_loans], "changed": result.changed_contracts,
                   "conflicts": sorted({c.contract_no for c in plan.conflicts}),
                   "rejected_rows": len({(p.file, p.sheet, p.row) for p in rejected})}
        committed = tx.commit(edits, rows_added=len(plan.new_loans), cells_changed=len(plan.changes),
                              summary=summary)
        result.written = committed.written
        result.backup = committed.backup
    if rejected:
        result.rejects_path = write_rejects(rejects_path(settings, as_of), rejected, settings.company.name,
                                            as_of, what="客服信息表")
    return result
