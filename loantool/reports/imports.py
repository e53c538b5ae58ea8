"""Renderings of the data-entry commands: import-disbursements and sync-customers.

The Excel report, the rejects workbook and the rich console summary all show the same result object
that ``--json`` prints (workflows/imports.py, workflows/customers.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..core.matching import KEY_LABELS
from ..errors import CellProblem
from ..i18n import N_, _
from ..money import fen_to_display
from .excel import Column, ReportBook, ReportSheet, report_line, write_book

CONSOLE_ROWS = 30  # rows per console table; the report and --json have them all


def display(kind: str, value: Any) -> str:
    """A cell value for people: 1,234.50 for money, 2026-03-15 for dates."""
    if value is None:
        return ""
    if kind == "yuan":
        return fen_to_display(value)
    if kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]
    return str(value)


def _matched_by(match: dict[str, Any]) -> str:
    """How a slip row was matched, in words: the key, then what narrowed several loans down to one."""
    key = match["matched_by"]
    text = _(KEY_LABELS[key]) if key in KEY_LABELS else str(key)
    narrowed = [_(KEY_LABELS[k]) for k in match.get("narrowed_by") or () if k in KEY_LABELS]
    if narrowed:
        text = _("{key}, narrowed by {others}").format(key=text, others=_(", ").join(narrowed))
    return text


def _shown(records: list[dict[str, Any]], pairs: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    """Records with their mixed-kind values (old/new, ledger/slip …) rendered as text columns."""
    return [{**r, **{target: display(r["kind"], r[source]) for source, target in pairs}} for r in records]


WHERE = [Column("file", N_("Slip file"), "text"), Column("sheet", N_("Sheet"), "text"),
         Column("row", N_("Row"), "int", 6)]
OUTCOME_LABELS = {"updated": N_("updated"), "unchanged": N_("unchanged"), "conflict": N_("conflict")}
LOAN = [Column("contract_no", N_("Contract no."), "id"), Column("customer_name", N_("Customer"), "text")]


def import_book(result: Any, company: str, as_of: dt.date) -> ReportBook:
    summary = _("Ledger {ledger}; slips: {files} files, {rows} rows; matched {matched}, updated {updated}, "
                "unchanged {unchanged}, conflicts {conflicts}, unmatched {unmatched}, discrepancies "
                "{discrepancies}").format(
        ledger=result.ledger_path.name, files=len(result.files), rows=result.slip_rows,
        matched=len(result.matches), updated=len(result.updated_contracts), unchanged=len(result.unchanged),
        conflicts=len(result.conflicts), unmatched=len(result.unmatched),
        discrepancies=len(result.discrepancies))
    if result.dry_run:
        summary += _(" (dry run: the ledger was not changed)")
    notes = [summary]
    sheets = [
        ReportSheet(_("Matched"), _("Slip rows matched to loans"), [
            *LOAN, Column("matched_label", N_("Matched by")), Column("outcome_label", N_("Outcome")), *WHERE,
            Column("notes", N_("Notes"), "list"),
        ], [{**m, "outcome_label": _(OUTCOME_LABELS[m["outcome"]]), "matched_label": _matched_by(m)}
            for m in result.matches], notes=notes),
        ReportSheet(_("Updated"),
                    _("Ledger cells to update") if result.dry_run else _("Ledger cells updated"), [
            *LOAN, Column("column", N_("Column")), Column("old_text", N_("Old value")),
            Column("new_text", N_("New value")), Column("excel_row", N_("Ledger row"), "int", 8), *WHERE,
        ], _shown(result.changes, (("old", "old_text"), ("new", "new_text"))), notes=notes),
        ReportSheet(_("Unchanged"), _("Loans already up to date"), [*LOAN, *WHERE], result.unchanged,
                    notes=notes),
        ReportSheet(_("Conflicts"), _("Different from the ledger's value (kept; --overwrite replaces it)"), [
            *LOAN, Column("column", N_("Column")), Column("ledger_text", N_("Ledger value")),
            Column("slip_text", N_("Slip value")), *WHERE,
        ], _shown(result.conflicts, (("ledger", "ledger_text"), ("slip", "slip_text"))), notes=notes),
        ReportSheet(_("Unmatched"), _("Slip rows matched to no loan (not used)"), [
            *WHERE, Column("customer_name", N_("Name")), Column("id_no", N_("ID no."), "id"),
            Column("card_no", N_("Card no."), "id"), Column("principal", N_("Amount disbursed"), "yuan"),
            Column("disbursed_on", N_("Disbursement date"), "date"),
            Column("reason", N_("Reason"), "text", 60),
            Column("candidates", N_("Candidate contracts"), "list"),
        ], result.unmatched, notes=notes, landscape=True),
        ReportSheet(_("Discrepancies"), _("The bank's figures against ours"), [
            *LOAN, Column("label", N_("Item")), Column("bank_text", N_("Bank")),
            Column("ours_text", N_("Ours")),
            Column("difference_text", N_("Difference (bank − ours)")), *WHERE,
        ], _shown(result.discrepancies, (("bank", "bank_text"), ("ours", "ours_text"),
                                          ("difference", "difference_text"))), notes=notes),
    ]
    if result.duplicates:
        sheets.append(ReportSheet(_("Duplicates"), _("Duplicate slip rows (used once)"), [
            *WHERE, Column("contract_no", N_("Contract no."), "id"), Column("same_as", N_("Same as")),
        ], result.duplicates))
    if result.not_checked:
        sheets.append(ReportSheet(_("Not checked"), _("Loans whose monthly amount could not be checked"), [
            *LOAN, Column("reason", N_("Reason"), "text", 60), *WHERE,
        ], result.not_checked))
    return ReportBook(company=company, report=_("Disbursement slip import"), as_of=as_of, sheets=sheets)


def write_import_report(path: Path, result: Any, company: str, as_of: dt.date) -> Path:
    return write_book(path, import_book(result, company, as_of))


def write_rejects(path: Path, problems: list[CellProblem], company: str, as_of: dt.date, *,
                  what: str = "放款单") -> Path:
    """The bad rows (of slips, or of the customer table: ``what``) and why each was refused, for the desk to
    correct and send again."""
    rows = [{"file": Path(p.file).name, "sheet": p.sheet, "row": p.row, "column": p.column,
             "value": None if p.value is None else str(p.value), "reason": p.reason} for p in problems]
    sheet = ReportSheet(_("Rejected"), _("Rows of the {what} not imported, and why").format(what=what), [
        Column("file", N_("File")), Column("sheet", N_("Sheet")), Column("row", N_("Row"), "int", 6),
        Column("column", N_("Column")), Column("value", N_("Value")),
        Column("reason", N_("Reason"), "text", 60, wrap=True),
    ], rows, notes=[_("These rows were not imported. Correct them and import again (the other rows were "
                      "processed).")])
    report = _("Rejected rows of the {what}").format(what=what)
    return write_book(path, ReportBook(company=company, report=report, as_of=as_of, sheets=[sheet]))


# ---------------------------------------------------------------------------------------------- console


def _table(title: str, headers: list[str], rows: list[list[str]], console: Any,
           keep: tuple[int, ...] = ()) -> None:
    """A console table; the columns in ``keep`` (contract numbers, amounts, rows) never wrap or get cut,
    the others fold, so that 80 columns hold it."""
    from rich.table import Table

    if not rows:
        return
    table = Table(title=title, title_justify="left")
    for i, header in enumerate(headers):
        table.add_column(header, overflow="fold", no_wrap=i in keep)
    for row in rows[:CONSOLE_ROWS]:
        table.add_row(*[str(cell) if cell is not None else "" for cell in row])
    console.print(table)
    if len(rows) > CONSOLE_ROWS:
        more = _("… and {count} more (see the report or --json).").format(count=len(rows) - CONSOLE_ROWS)
        console.print(more, markup=False)


def _summary_table(title: str, pairs: list[tuple[str, int]]) -> Any:
    from rich.table import Table

    summary = Table(title=title, title_justify="left", show_header=False)
    summary.add_column("", style="bold")
    summary.add_column("", justify="right", no_wrap=True)
    for label, value in pairs:
        summary.add_row(label, str(value))
    return summary


def render_import_console(result: Any, console: Any) -> None:
    dry = result.dry_run
    if dry:
        console.print(_("Dry run: nothing was written; this is what a real run would change."), markup=False)
    rejected_rows = len({(p.file, p.sheet, p.row) for p in result.rejected})
    console.print(_summary_table(_("Disbursement slip import"), [
        (_("slip files"), len(result.files)), (_("slip rows"), result.slip_rows),
        (_("matched"), len(result.matches)),
        (_("loans to update") if dry else _("loans updated"), len(result.updated_contracts)),
        (_("cells to change") if dry else _("cells changed"), len(result.changes)),
        (_("unchanged"), len(result.unchanged)), (_("conflicting cells"), len(result.conflicts)),
        (_("unmatched"), len(result.unmatched)), (_("discrepancies"), len(result.discrepancies)),
        (_("duplicate rows"), len(result.duplicates)), (_("rejected rows"), rejected_rows),
    ]))
    empty = _("(empty)")
    _table(_("Changes (old → new)"), [_("Contract no."), _("Customer"), _("Column"), _("Old → new")],
           [[c["contract_no"], c["customer_name"], c["column"],
             f"{display(c['kind'], c['old']) or empty} → {display(c['kind'], c['new'])}"
             + (_(" (overwritten)") if c["overwritten"] else "")] for c in result.changes],
           console, keep=(0,))
    _table(_("Conflicts (kept; --overwrite replaces them)"),
           [_("Contract no."), _("Customer"), _("Column"), _("Ledger"), _("Slip")],
           [[c["contract_no"], c["customer_name"], c["column"], display(c["kind"], c["ledger"]),
             display(c["kind"], c["slip"])] for c in result.conflicts], console, keep=(0,))
    _table(_("Unmatched slip rows"), [_("File"), _("Row"), _("Name"), _("Reason")],
           [[u["file"], u["row"], u["customer_name"], u["reason"]] for u in result.unmatched],
           console, keep=(1,))
    _table(_("Discrepancies (bank against ours)"),
           [_("Contract no."), _("Customer"), _("Item"), _("Bank"), _("Ours"), _("Difference")],
           [[d["contract_no"], d["customer_name"], d["label"], display(d["kind"], d["bank"]),
             display(d["kind"], d["ours"]), display(d["kind"], d["difference"])]
            for d in result.discrepancies], console, keep=(0, 3, 4, 5))
    _table(_("Duplicate slip rows (used once)"), [_("File"), _("Row"), _("Contract no."), _("Same as")],
           [[d["file"], d["row"], d["contract_no"], d["same_as"]] for d in result.duplicates],
           console, keep=(1, 2))
    _table(_("Monthly amount not checked"), [_("Contract no."), _("Reason")],
           [[n["contract_no"], n["reason"]] for n in result.not_checked], console, keep=(0,))
    for line in _paths(result):
        console.print(line, markup=False, soft_wrap=True)


def _paths(result: Any) -> list[str]:
    lines = []
    if getattr(result, "report_path", None):
        lines.append(report_line(_("Report: {path}"), result.report_path))
    if getattr(result, "rejects_path", None):
        lines.append(report_line(_("Rejected rows: {path}"), result.rejects_path))
    return lines


def render_sync_console(result: Any, console: Any) -> None:
    dry = result.dry_run
    if dry:
        console.print(_("Dry run: nothing was written; this is what a real run would change."), markup=False)
    console.print(_summary_table(_("Customer service sync"), [
        (_("source rows"), result.source_rows),
        (_("new loans to add") if dry else _("new loans added"), len(result.added)),
        (_("loans to change") if dry else _("loans changed"), len(result.changed_contracts)),
        (_("fields to change") if dry else _("fields changed"), len(result.changes)),
        (_("unchanged"), len(result.unchanged)), (_("conflicting duplicates"), len(result.conflicts)),
        (_("skipped"), len(result.skipped)),
    ]))
    empty = _("(empty)")
    _table(_("New loans"), [_("Contract no."), _("Customer"), _("Row")],
           [[a["contract_no"], a["customer_name"], a["row"]] for a in result.added], console, keep=(0, 2))
    _table(_("Changes (old → new)"), [_("Contract no."), _("Column"), _("Old → new")],
           [[c["contract_no"], c["column"], f"{c['old'] or empty} → {c['new']}"] for c in result.changes],
           console, keep=(0,))
    _table(_("Conflicting duplicates in the source (not applied)"),
           [_("Contract no."), _("Column"), _("Values"), _("Rows")],
           [[c["contract_no"], c["column"], " / ".join(c["values"]), ", ".join(map(str, c["rows"]))]
            for c in result.conflicts], console, keep=(0,))
    _table(_("Skipped"), [_("Contract no."), _("Column"), _("Reason")],
           [[s["contract_no"], s["column"] or "", s["reason"]] for s in result.skipped], console, keep=(0,))
