"""settle: early payoff quotes (提前结清试算), the approval sheet (结清审批表), and closing the loan.

A quote only reads the ledger (without the lock) and writes the report workbook. ``--confirm`` records
the settlement inside the ledger transaction (lock, backup, atomic replace, journal): one 结清记录 row
holding every component, and 状态 = 结清 and 结清日期 = the settlement date on the loan. It refuses, with
exit 2 and nothing written, an unknown contract, a loan that is not active (结清 or 核销), and a loan
that already has a 结清记录 row. The numbers come from ``core.settlement.quote_settlements``; see its
docstring for every rule (styles, the current period, who receives what).

``--batch FILE`` quotes the month's payoffs: a workbook or CSV with 合同编号 and 结清日期 per row (a
blank 结清日期 means --as-of). Batches only quote: each settlement is confirmed on its own, with its
own approver.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..core.loans import loan_states
from ..core.settlement import (
    AMOUNT_COLUMNS,
    SettlementProblem,
    SettlementRules,
    quote_settlements,
    recording_problems,
)
from ..core.settlement import request_problems as core_request_problems
from ..errors import CellProblem, InputError, LoantoolError, OutputError, UsageError
from ..i18n import N_, _
from ..ledger.read import Ledger, load_ledger, read_table
from ..money import fen_to_decimal, fen_to_str
from ..reports.labels import STATE_NAMES, report_name, word
from ..schema import SETTLEMENTS, STATUSES, Field, Table, label
from ..values import as_date, text_or_none
from .common import refuse_future, report_target, require_ledger
from .schedule import schedules_for

BATCH = Table(
    key="settle_batch",
    sheet_aliases=("结清清单", "提前结清清单", "settle_batch"),
    fields=(
        Field("contract_no", ("合同编号", "合同号", "贷款合同号", "contract_no", "contract"),
              "contract", True),
        Field("settled_on", ("结清日期", "提前结清日期", "结清日", "settled_on", "settle_on", "date"),
              "date"),
    ),
    header_keys=("contract_no",),
)
MONEY_KEYS = (*AMOUNT_COLUMNS, "total", "to_bank", "to_company")
WARNINGS = {  # translated where shown (_quote)
    "not-active": N_("loan {contract_no} is {status_label}, not active: this quote is for reference only"),
    "advances-exceed-due": N_("unrecovered advances {advances} exceed the amount due {due}: the bank's share "
                              "of the amount due is negative (did the customer also pay the bank?) – check "
                              "before paying out"),
    "negative-advances": N_("advances repaid exceed advances by {neg}: the company holds that much for the "
                            "bank"),
    "credit": N_("the customer paid {credit} beyond the whole schedule; the quote neither refunds nor "
                 "offsets it"),
}
LOAN_INFO = ("customer_name", "id_no", "phone", "card_no", "dealer", "car_model", "principal", "term",
             "pickup_date", "bank_due_day", "settled_on", "excel_row")
EXTRA_AMOUNTS = ("unrecovered_advances", "bank_due", "credit", "due_principal", "due_charge")


@dataclass
class SettlementQuote:
    """One loan's payoff quote as of ``as_of`` (money in fen). ``installments`` are core.settlement's
    rows of this loan; ``loan`` its ledger details for the customer block."""

    contract_no: str
    customer_name: str | None
    as_of: dt.date
    status: str  # active / settled / written_off
    method: str
    style: str  # card / loan
    current_period_setting: str
    fee_rate: int  # settlement fee rate, 1e-8 units
    fee_to: str
    amounts: dict[str, int]  # MONEY_KEYS and EXTRA_AMOUNTS
    fixed_fee_items: list[tuple[str, int]]
    due_periods: int
    overdue_periods: int
    current: dict[str, Any] | None  # period, due_date, start_date, days_elapsed, days_in_period
    loan: dict[str, Any]
    rate: int
    installments: pd.DataFrame
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)

    def to_dict(self) -> dict[str, Any]:
        """The --json document of one quote (DESIGN.md: contract_no, as_of, style, the components,
        total, to_bank, to_company; current_interest holds the card style's remaining fees)."""
        current = None
        if self.current is not None:
            current = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.current.items()}
        return {
            "contract_no": self.contract_no,
            "customer_name": self.customer_name,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "method": self.method,
            "style": self.style,
            "current_period_setting": self.current_period_setting if self.style == "loan" else None,
            **{k: fen_to_str(self.amounts[k]) for k in MONEY_KEYS},
            "fixed_fee_items": [{"name": n, "amount": fen_to_str(a)} for n, a in self.fixed_fee_items],
            "settlement_fee_to": self.fee_to,
            "unrecovered_advances": fen_to_str(self.amounts["unrecovered_advances"]),
            "credit": fen_to_str(self.amounts["credit"]),
            "due_periods": self.due_periods,
            "overdue_periods": self.overdue_periods,
            "current_period": current,
            "warnings": [{"code": c, "message": m} for c, m in self.warnings],
        }


@dataclass
class SettleResult:
    """``settle CONTRACT``: the quote, the approval sheet written, and whether it was recorded."""

    quote: SettlementQuote
    ledger_path: Path
    report_path: Path | None = None
    confirmed: bool = False
    prepared_by: str | None = None
    approved_by: str | None = None
    columns_added: dict[str, list[str]] = field(default_factory=dict)  # sheet → headers added by --confirm

    def to_dict(self) -> dict[str, Any]:
        return {**self.quote.to_dict(), "confirmed": self.confirmed, "prepared_by": self.prepared_by,
                "approved_by": self.approved_by, "ledger": str(self.ledger_path),
                "report": str(self.report_path) if self.report_path else None,
                "columns_added": self.columns_added}


@dataclass
class BatchSettleResult:
    """``settle --batch FILE``: one quote per row, in file order, and the totals."""

    quotes: list[SettlementQuote]
    batch_path: Path
    ledger_path: Path
    report_path: Path | None = None

    def totals(self) -> dict[str, int]:
        keys = (*MONEY_KEYS, "unrecovered_advances")
        return {k: sum(q.amounts[k] for q in self.quotes) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {"batch": str(self.batch_path), "ledger": str(self.ledger_path),
                "quotes": [q.to_dict() for q in self.quotes],
                "totals": {"count": len(self.quotes), **{k: fen_to_str(v) for k, v in self.totals().items()}},
                "report": str(self.report_path) if self.report_path else None}


# -------------------------------------------------------------------------------------------- quoting




def request_problems(ledger: Ledger, requests: pd.DataFrame, **names: str) -> list[SettlementProblem]:
    """core.settlement.request_problems over the ledger's loans (kept here for callers of the workflow)."""
    return core_request_problems(ledger.loans.frame, requests, **names)


def compute_quotes(ledger: Ledger, requests: pd.DataFrame, settings: Settings) -> list[SettlementQuote]:
    """Quotes for ``requests`` (contract_no, settle_on as datetime.date), checked by request_problems."""
    loans = ledger.loans.frame
    positions = pd.Index(loans["contract_no"].astype(str).str.strip()).get_indexer(requests["contract_no"])
    selected = loans.iloc[positions]
    schedules = schedules_for(ledger, selected, settings)
    info = schedules.loans
    rules = SettlementRules.from_settings(settings)
    core_loans = pd.DataFrame({
        "contract_no": info["contract_no"].to_numpy(dtype=object),
        "method": info["method"].to_numpy(dtype=object),
        "pickup_date": pd.to_datetime(info["pickup_date"]).to_numpy(),
        "settle_on": pd.to_datetime(pd.Series(list(requests["settle_on"]))).to_numpy(),
    })
    payments = ledger.payments.frame
    payments = payments[payments["contract_no"].isin(set(core_loans["contract_no"]))]
    result = quote_settlements(core_loans, schedules.installments, payments, rules=rules)
    details = {k: g.reset_index(drop=True) for k, g in result.installments.groupby("contract_no", sort=False)}
    quotes = []
    states = loan_states(selected, list(requests["settle_on"]))["state"].tolist()
    rows = zip(result.quotes.to_dict("records"), selected.iterrows(), info["rate"], states, strict=True)
    for row, (_label, loan), rate, state in rows:
        quotes.append(_quote(row, loan, int(rate), rules, details[row["contract_no"]], state))
    return quotes


def _quote(row: dict[str, Any], loan: pd.Series, rate: int, rules: SettlementRules,
           installments: pd.DataFrame, status: str) -> SettlementQuote:
    """``status``: the loan's state on the settlement day (core.loans.loan_states)."""
    amounts = {k: int(row[k]) for k in (*MONEY_KEYS, *EXTRA_AMOUNTS)}
    current = None
    if int(row["current_period"]):
        current = {"period": int(row["current_period"]), "due_date": as_date(row["current_due_date"]),
                   "start_date": as_date(row["period_start"]), "days_elapsed": int(row["days_elapsed"]),
                   "days_in_period": int(row["days_in_period"])}
    quote = SettlementQuote(
        contract_no=str(row["contract_no"]), customer_name=text_or_none(loan.get("customer_name")),
        as_of=as_date(row["settle_on"]), status=status, method=str(row["method"]), style=str(row["style"]),
        current_period_setting=rules.current_period, fee_rate=rules.fee_rate_units, fee_to=rules.fee_to,
        amounts=amounts,
        fixed_fee_items=list(rules.fixed_fees), due_periods=int(row["due_periods"]),
        overdue_periods=int(row["overdue_periods"]), current=current,
        loan={k: loan.get(k) for k in LOAN_INFO}, rate=rate, installments=installments)
    advances = amounts["unrecovered_advances"]
    facts = {"contract_no": quote.contract_no, "status_label": word(STATE_NAMES, status),
             "advances": fen_to_str(advances), "due": fen_to_str(amounts["due_amount"]),
             "neg": fen_to_str(-advances), "credit": fen_to_str(amounts["credit"])}
    flags = {"not-active": status != "active", "advances-exceed-due": bool(row["advances_exceed_due"]),
             "negative-advances": bool(row["negative_advances"]), "credit": amounts["credit"] > 0}
    quote.warnings = [(code, _(WARNINGS[code]).format(**facts)) for code, on in flags.items() if on]
    return quote


def _raise_for_requests(ledger: Ledger, problems: list[SettlementProblem]) -> None:
    """One contract's request problems: exit 2 naming the ledger."""
    if problems:
        where = _("{file} sheet {sheet}").format(file=ledger.path.name, sheet=ledger.loans.sheet)
        raise UsageError(_("{reason} ({where}).").format(reason=problems[0].reason, where=where),
                         _("Check the 合同编号 (sheet 贷款台账) and the settlement date."))


# ------------------------------------------------------------------------------------------- recording


def refuse_settlement(ledger: Ledger, quote: SettlementQuote) -> None:
    """Exit 2, nothing written, unless the loan is active on the settlement day and has no 结清记录 row
    yet (core.settlement.recording_problems); each problem names its file, sheet, row and column."""
    loans = ledger.loans.frame
    label = loans.index[loans["contract_no"].astype(str).str.strip() == quote.contract_no][0]
    problems = recording_problems(quote.contract_no, quote.status, label, quote.loan.get("settled_on"),
                                  ledger.settlements.frame)
    if problems:
        reads = {"loans": ledger.loans, "settlements": ledger.settlements}
        cells = [reads[p.table].problem(p.label, p.field, p.value, p.reason, p.code) for p in problems]
        raise InputError(_("{reason}; nothing was written.").format(reason=problems[0].reason), cells,
                         hint=_("Only an active (在贷) loan without a 结清记录 row can be settled; a quote "
                                "without recording prints its sheet again."))


def settlement_edits(ledger: Ledger, quote: SettlementQuote, *, prepared_by: str,
                     approved_by: str) -> list[Any]:
    """The 结清记录 row (the sheet is created with its header when missing) and 状态 / 结清日期 on the
    loan."""
    from ..ledger.columns import footer_insertion, new_headers, place_columns
    from ..ledger.xlsx_patch import SheetEdits

    loans = ledger.loans
    placed = place_columns(loans, ["status", "settled_on"])  # a missing 状态 / 结清日期 is added
    row = int(quote.loan["excel_row"])
    updates = {(row, placed["status"]): label(STATUSES, "settled"),
               (row, placed["settled_on"]): quote.as_of}
    loan_edit = SheetEdits(sheet=loans.sheet, updates=updates, header_row=loans.header_row,
                           new_columns=new_headers(loans, placed))
    read = ledger.settlements
    added: dict[int, str] = {}
    if read.sheet is None:
        sheet, create = SETTLEMENTS.sheet_name, [f.header for f in SETTLEMENTS.fields]
        columns = {f.key: i for i, f in enumerate(SETTLEMENTS.fields, start=1)}
    else:
        sheet, create = read.sheet, None
        columns = place_columns(read, [f.key for f in SETTLEMENTS.fields])
        added = new_headers(read, columns)
    values: dict[str, Any] = {"contract_no": quote.contract_no, "settled_on": quote.as_of,
                              "prepared_by": prepared_by, "approved_by": approved_by}
    for f in SETTLEMENTS.fields:
        if f.kind == "amount":
            values[f.key] = fen_to_decimal(quote.amounts[f.key])
    record = SheetEdits(sheet=sheet, appends=[{columns[k]: v for k, v in values.items()}],
                        create_header=create, header_row=read.header_row, new_columns=added,
                        insert_after_row=footer_insertion(read))
    return [loan_edit, record]


# -------------------------------------------------------------------------------------------- the runs


def settle_contract(settings: Settings, ledger_path: Path, contract: str, *, as_of: dt.date,
                    out: Path | None = None, confirm: bool = False, approved_by: str | None = None,
                    prepared_by: str | None = None, arguments: Sequence[str] = ()) -> SettleResult:
    """Quote one contract as of ``as_of``, record it if ``confirm``, and write the approval sheet.

    ``arguments``: the command line as given, for the journal."""
    from ..reports.settle import write_quote

    contract = contract.strip()
    target = report_target(out, settings.resolve(settings.morning.reports_dir) / report_name(
        "settle", subject=contract, day=as_of), ledger_path)
    requests = pd.DataFrame({"contract_no": [contract], "settle_on": [as_of]})
    require_ledger(ledger_path)
    if confirm:
        from ..ledger.lock import current_user
        from ..ledger.transaction import ledger_transaction

        if not approved_by or not approved_by.strip():
            raise UsageError(_("Recording a settlement needs the name of who approved it."),
                             parameter="approved_by")
        refuse_future(as_of, _("The settlement of {contract}").format(contract=contract), parameter="as_of")
        prepared_by = (prepared_by or "").strip() or current_user()
        with ledger_transaction(ledger_path, settings, command="settle", arguments=list(arguments)) as tx:
            ledger = load_ledger(tx.path, settings, as_of=as_of)
            _raise_for_requests(ledger, request_problems(ledger, requests))
            quote = compute_quotes(ledger, requests, settings)[0]
            refuse_settlement(ledger, quote)
            edits = settlement_edits(ledger, quote, prepared_by=prepared_by, approved_by=approved_by.strip())
            committed = tx.commit(edits, rows_added=1, cells_changed=2,
                                  summary={k: v for k, v in quote.to_dict().items() if k != "warnings"})
        result = SettleResult(quote, ledger.path, confirmed=True, prepared_by=prepared_by,
                              approved_by=approved_by.strip(), columns_added=committed.columns_added)
    else:
        ledger = load_ledger(ledger_path, settings, as_of=as_of)
        _raise_for_requests(ledger, request_problems(ledger, requests))
        quote = compute_quotes(ledger, requests, settings)[0]
        result = SettleResult(quote, ledger.path, prepared_by=(prepared_by or "").strip() or None)
    try:
        result.report_path = write_quote(result, target, settings.company.name)
    except LoantoolError as exc:
        if not confirm:
            raise
        kind = OutputError if isinstance(exc, OutputError) else LoantoolError  # a full disk stays exit 3
        raise kind(
            _("The settlement of {contract} was recorded in the ledger, but {error}").format(
                contract=contract, error=exc.message),
            _("Print the approval sheet again: quote {contract} as of {day} without recording it.").format(
                contract=contract, day=as_of.isoformat())) from None
    return result


def read_batch(path: Path, settings: Settings, default_date: dt.date) -> tuple[pd.DataFrame, Any]:
    """The batch file's requests (contract_no, settle_on, excel_row) and its TableRead."""
    if not Path(path).is_file():
        raise UsageError(_("Batch file {path} not found.").format(path=path),
                         _("Check the file name and folder."), parameter="batch")
    read = read_table(Path(path), BATCH, settings=settings)
    frame = read.frame
    if frame.empty:
        raise UsageError(_("Batch file {file} lists no contracts.").format(file=Path(path).name),
                         _("Put one 合同编号 (and its 结清日期) per row under the header."),
                         parameter="batch")
    dates = frame["settled_on"] if "settled_on" in frame else pd.Series(pd.NaT, index=frame.index)
    requests = pd.DataFrame({
        "contract_no": frame["contract_no"].astype(str).str.strip().to_numpy(dtype=object),
        "settle_on": [as_date(d) or default_date for d in dates],
        "excel_row": frame["excel_row"].to_numpy(),
    })
    return requests, read


def settle_batch(settings: Settings, ledger_path: Path, batch: Path, *, as_of: dt.date,
                 out: Path | None = None) -> BatchSettleResult:
    """Quote every row of the batch file (each on its own date) and write one workbook."""
    from ..reports.settle import write_batch

    target = report_target(out, settings.resolve(settings.morning.reports_dir) / report_name(
        "settle", subject=Path(batch).stem, day=as_of), ledger_path)
    requests, read = read_batch(batch, settings, as_of)
    ledger = load_ledger(require_ledger(ledger_path), settings, as_of=as_of)
    problems = request_problems(ledger, requests)
    if problems:
        cells = [CellProblem(read.file, read.sheet, int(requests["excel_row"].iloc[p.label]),
                             read.headers.get(p.field, BATCH.field(p.field).header), p.value, p.reason,
                             p.code)
                 for p in problems]
        raise InputError(_("{file}: {count} row(s) cannot be quoted; nothing was written.").format(
                             file=Path(batch).name, count=len(cells)),
                         cells, hint=_("Correct these rows and run again."))
    quotes = compute_quotes(ledger, requests, settings)
    result = BatchSettleResult(quotes, Path(batch), ledger.path)
    result.report_path = write_batch(result, target, settings.company.name, as_of)
    return result
