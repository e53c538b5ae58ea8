"""The console rendering of record-calls / record-call: what was recorded in 催收记录."""

from __future__ import annotations

from typing import Any

from ..i18n import ngettext
from ..money import fen_to_display
from ..schema import CHANNELS, PARTIES, label


def render_recorded(result: Any, console: Any) -> None:
    """One line of counts, then the rows added (or, with --dry-run, that would be added)."""
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
    table = Table()
    columns = (("合同编号", True), ("催收日期", True), ("方式", True), ("对象", True), ("结果", False),
               ("承诺还款日", True), ("承诺金额", True), ("经办", False))
    for name, fixed in columns:
        table.add_column(name, no_wrap=fixed, overflow="fold",
                         justify="right" if name == "承诺金额" else "left")
    for r in result.records:
        amount = r.get("promise_amount")
        table.add_row(str(r["contract_no"]), r["contacted_on"].isoformat(), label(CHANNELS, r["channel"]),
                      label(PARTIES, r["party"]), r.get("result") or "",
                      r["promise_date"].isoformat() if r.get("promise_date") else "",
                      fen_to_display(amount) if amount is not None else "", r.get("handled_by") or "")
    console.print(table)
