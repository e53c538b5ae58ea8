"""The console rendering of record-calls / record-call: what was recorded in 催收记录."""

from __future__ import annotations

from typing import Any

from ..i18n import N_, _, ngettext
from ..money import fen_to_display
from .labels import CHANNEL_NAMES, PARTY_NAMES, word


def render_recorded(result: Any, console: Any) -> None:
    """One line of counts, then the rows added (or, in a dry run, that would be added)."""
    from rich.table import Table

    added, known = len(result.records), len(result.already_recorded)
    if result.dry_run:
        head = ngettext(
            "Dry run: {count} collection record would be added to {ledger}; nothing was written.",
            "Dry run: {count} collection records would be added to {ledger}; nothing was written.", added)
    else:
        head = ngettext("{count} collection record added to {ledger} (sheet 催收记录).",
                        "{count} collection records added to {ledger} (sheet 催收记录).", added)
    console.print(head.format(count=added, ledger=result.ledger_path.name), markup=False)
    if known:
        console.print(ngettext("{count} row was recorded before and was not added again.",
                               "{count} rows were recorded before and were not added again.", known
                               ).format(count=known), markup=False)
    if not added:
        return
    from rich import box

    from .console import column_width

    rows = []
    for r in result.records:
        amount = r.get("promise_amount")
        rows.append([str(r["contract_no"]), r["contacted_on"].isoformat(), word(CHANNEL_NAMES, r["channel"]),
                     word(PARTY_NAMES, r["party"]), r.get("result") or "",
                     r["promise_date"].isoformat() if r.get("promise_date") else "",
                     fen_to_display(amount) if amount is not None else "", r.get("handled_by") or ""])
    # the columns of 催收记录 in the run's language; at 80 columns (cron logs) a long header wraps, the
    # identifiers, dates and amounts stay whole, the result and the caller's name wrap
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    columns = [(N_("Contract no."), True), (N_("Call date"), True), (N_("Method"), True), (N_("Party"), True),
               (N_("Call result"), False), (N_("Promise date"), True), (N_("Promised amount"), True),
               (N_("Handled by"), False)]
    shown = [i for i in range(len(columns)) if i not in (5, 6) or any(row[i] for row in rows)]  # promises
    for i in shown:
        name, whole = columns[i]
        width = column_width(_(name), [row[i] for row in rows]) if whole else None
        table.add_column(_(name), overflow="fold", width=width,
                         justify="right" if name == "Promised amount" else "left")
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    console.print(table)
