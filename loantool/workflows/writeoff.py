"""write-off: the 核销审批表 (the amounts at D) and, with --confirm, the write-off recorded in the ledger.

A quote only reads the ledger (without the lock) and writes the approval sheet. ``confirm`` records the
write-off inside the ledger transaction (lock, backup, atomic replace, journal): one 核销记录 row (the
sheet is created with its header when missing, and a column it lacks is added after its last one), and
状态 = 核销 and 核销日期 = D on the loan (each column added after the header's last one when the sheet
has none). Refused – exit 2, nothing written, every reason named –: an unknown contract, a loan not
on the books at D, settled or already written off (at D or since), not classified loss at D (setting
``writeoff.allow_doubtful``: doubtful too), one that already has a 核销记录 row, and a D after today.
The numbers and the rules are core.writeoff's.

``write_off_batch`` quotes several: a workbook or CSV with 合同编号 and 核销日期 per row (a blank 核销日期
means the run's day). Batches only quote: each write-off is confirmed on its own, with its approver.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..core.arrears import Rules
from ..core.classify import CLASS_LABELS
from ..core.writeoff import allowed_classes, quote_writeoffs
from ..errors import CellProblem, InputError, LoantoolError, OutputError, UsageError
from ..i18n import N_, _
from ..ledger.read import Ledger, TableRead, load_ledger, read_table
from ..money import fen_to_decimal, fen_to_str
from ..reports.labels import CLASS_NAMES, report_name, word
from ..schema import LOANS, STATUSES, WRITEOFFS, Field, Table, label
from ..values import as_date, iso_date, text_or_none
from .common import real_today, report_target, require_ledger
from .schedule import schedules_for

BATCH = Table(
    key="writeoff_batch",
    sheet_aliases=("核销清单", "writeoff_batch"),
    fields=(
        Field(
            "contract_no", ("合同编号", "合同号", "贷款合同号", "contract_no", "contract"), "contract", True
        ),
        Field("written_off_on", ("核销日期", "核销日", "written_off_on", "date"), "date"),
    ),
    header_keys=("contract_no",),
)
AMOUNT_KEYS = ("principal", "interest", "penalty", "total", "unrecovered_advances")
HISTORY_KEYS = (
    "loan_principal",
    "customer_paid",
    "principal_paid",
    "advances",
    "advances_repaid",
    "overdue_periods",
    "overdue_amount",
    "oldest_unpaid_due",
    "last_payment",
)
LOAN_INFO = (
    "customer_name",
    "id_no",
    "phone",
    "card_no",
    "dealer",
    "car_model",
    "principal",
    "term",
    "pickup_date",
    "settled_on",
    "written_off_on",
    "status",
    "excel_row",
)
REASONS = {
    "not-on-books": N_("{contract} was not yet on the books on {day} (picked up {pickup})"),
    "settled": N_("{contract} is settled (结清日期 {settled}); a settled loan is not written off"),
    "written-off": N_("{contract} is already written off (核销日期 {written})"),
    "class": N_(
        "{contract} is classified {label} on {day} ({dpd} days past due); only {allowed} loans "
        "are written off"
    ),
    "recorded": N_("{contract} already has a 核销记录 row (sheet {sheet}, row {row})"),
    "future": N_(
        "the write-off day {day} is after today ({today}): a write-off is recorded only for a "
        "day that has come"
    ),
}


@dataclass
class WriteOffQuote:
    """One loan's write-off at ``as_of`` (money in fen): the amounts (AMOUNT_KEYS), the loan's history in
    brief (HISTORY_KEYS), its class since when, and why it cannot be written off (empty: it can)."""

    contract_no: str
    customer_name: str | None
    as_of: dt.date
    state: str
    classification: str | None
    dpd: int
    class_since: dt.date | None
    amounts: dict[str, int]
    history: dict[str, Any]
    loan: dict[str, Any]
    allowed: tuple[str, ...]
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (code, message)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def to_dict(self) -> dict[str, Any]:
        """The --json document of one quote (DESIGN.md: contract_no, as_of, classification, principal,
        interest, penalty, advances, total; written_off is added by the result)."""
        history = {
            k: (
                iso_date(v)
                if k in ("oldest_unpaid_due", "last_payment")
                else int(v)
                if k == "overdue_periods"
                else fen_to_str(v)
            )
            for k, v in self.history.items()
        }
        return {
            "contract_no": self.contract_no,
            "customer_name": self.customer_name,
            "as_of": self.as_of.isoformat(),
            "classification": self.classification,
            "dpd": self.dpd,
            "class_since": iso_date(self.class_since),
            "principal": fen_to_str(self.amounts["principal"]),
            "interest": fen_to_str(self.amounts["interest"]),
            "penalty": fen_to_str(self.amounts["penalty"]),
            "total": fen_to_str(self.amounts["total"]),
            "advances": fen_to_str(self.amounts["unrecovered_advances"]),
            "history": {"pickup_date": iso_date(self.loan.get("pickup_date")), **history},
            "eligible": self.eligible,
            "refusals": [{"code": c, "message": m} for c, m in self.reasons],
        }


@dataclass
class WriteOffResult:
    """``write-off CONTRACT``: the quote, the approval sheet written, and whether it was recorded."""

    quote: WriteOffQuote
    ledger_path: Path
    report_path: Path | None = None
    written_off: bool = False
    prepared_by: str | None = None
    reviewed_by: str | None = None
    approved_by: str | None = None
    columns_added: dict[str, list[str]] = field(default_factory=dict)  # sheet → headers added by --confirm

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.quote.to_dict(),
            "written_off": self.written_off,
            "columns_added": self.columns_added,
            "prepared_by": self.prepared_by,
            "reviewed_by": self.reviewed_by,
            "approved_by": self.approved_by,
            "ledger": str(self.ledger_path),
            "report": str(self.report_path) if self.report_path else None,
        }


@dataclass
class BatchWriteOffResult:
    """``write-off --batch FILE``: one quote per row, in file order, and the totals."""

    quotes: list[WriteOffQuote]
    batch_path: Path
    ledger_path: Path
    report_path: Path | None = None

    def totals(self) -> dict[str, int]:
        return {k: sum(q.amounts[k] for q in self.quotes) for k in AMOUNT_KEYS}

    def to_dict(self) -> dict[str, Any]:
        totals = self.totals()
        return {
            "batch": str(self.batch_path),
            "ledger": str(self.ledger_path),
            "quotes": [{**q.to_dict(), "written_off": False} for q in self.quotes],
            "totals": {
                "count": len(self.quotes),
                "eligible": sum(q.eligible for q in self.quotes),
                **{
                    ("advances" if k == "unrecovered_advances" else k): fen_to_str(v)
                    for k, v in totals.items()
                },
            },
            "report": str(self.report_path) if self.report_path else None,
        }


# -------------------------------------------------------------------------------------------- quoting


def request_problems(ledger: Ledger, requests: pd.DataFrame) -> list[tuple[int, str, Any, str]]:
    """(request position, field, value, reason) for a contract not in the ledger or asked twice."""
    known = pd.Index(ledger.loans.frame["contract_no"].astype(str).str.strip())
    problems, seen = [], set()
    for i, contract in enumerate(requests["contract_no"]):
        if known.get_indexer([contract])[0] < 0:
            problems.append(
                (
                    i,
                    "contract_no",
                    contract,
                    _("contract {contract} is not in {file} (sheet {sheet})").format(
                        contract=contract, file=ledger.path.name, sheet=ledger.loans.sheet
                    ),
                )
            )
        elif contract in seen:
            problems.append(
                (
                    i,
                    "contract_no",
                    contract,
                    _("contract {contract} is asked for twice").format(contract=contract),
                )
            )
        seen.add(contract)
    return problems


def compute_quotes(ledger: Ledger, requests: pd.DataFrame, settings: Settings, today: dt.date
                   ) -> list[WriteOffQuote]:
    """Quotes for ``requests`` (contract_no, written_off_on as dates), checked by request_problems; a loan
    with a 核销记录 row already (``ledger.writeoffs``) is refused."""
    records = ledger.writeoffs
    loans = ledger.loans.frame
    positions = pd.Index(loans["contract_no"].astype(str).str.strip()).get_indexer(requests["contract_no"])
    selected = loans.iloc[positions].reset_index(drop=True)
    schedules = schedules_for(ledger, selected, settings)
    allowed = allowed_classes(settings.writeoff.allow_doubtful)
    rules = Rules.from_settings(settings.arrears, settings.actions)
    core_requests = pd.DataFrame(
        {
            "contract_no": selected["contract_no"].to_numpy(dtype=object),
            "written_off_on": pd.to_datetime(pd.Series(list(requests["written_off_on"]))),
        }
    )
    payments = ledger.payments.frame
    payments = payments[payments["contract_no"].isin(set(selected["contract_no"]))]
    rows = quote_writeoffs(
        selected, schedules.installments, payments, core_requests, rules=rules, allowed=allowed
    )
    recorded = _recorded(records)
    quotes = []
    for row, (_label, loan) in zip(rows.to_dict("records"), selected.iterrows(), strict=True):
        quote = WriteOffQuote(
            contract_no=str(row["contract_no"]),
            customer_name=text_or_none(loan.get("customer_name")),
            as_of=as_date(row["as_of"]),
            state=str(row["state"]),
            classification=row["classification"],
            dpd=int(row["dpd"]),
            class_since=row["class_since"],
            amounts={k: int(row[k]) for k in AMOUNT_KEYS},
            history={k: row[k] for k in HISTORY_KEYS},
            loan={k: loan.get(k) for k in LOAN_INFO},
            allowed=allowed,
        )
        codes = list(row["reasons"])
        if quote.contract_no in recorded:
            codes.append("recorded")
        if quote.as_of > today:
            codes.append("future")
        quote.reasons = [(code, _reason(code, quote, records, recorded, today)) for code in codes]
        quotes.append(quote)
    return quotes


def _recorded(records: TableRead | None) -> dict[str, int]:
    """Contract → Excel row of its 核销记录 row."""
    if records is None or not len(records.frame):
        return {}
    frame = records.frame
    return dict(
        zip(frame["contract_no"].astype(str).str.strip(), frame["excel_row"].astype(int), strict=True)
    )


def _reason(
    code: str, quote: WriteOffQuote, records: TableRead | None, recorded: dict[str, int], today: dt.date
) -> str:
    loan = quote.loan
    labels = {c: word(CLASS_NAMES, c) for c in CLASS_NAMES}
    facts = {
        "contract": quote.contract_no,
        "day": quote.as_of.isoformat(),
        "today": today.isoformat(),
        "pickup": iso_date(loan.get("pickup_date")) or "?",
        "settled": iso_date(loan.get("settled_on")) or "?",
        "written": iso_date(loan.get("written_off_on")) or "?",
        "label": labels.get(quote.classification or "", ""),
        "dpd": quote.dpd,
        "allowed": _("、").join(labels[c] for c in quote.allowed),
        "sheet": records.sheet if records is not None else "",
        "row": recorded.get(quote.contract_no, ""),
    }
    return _(REASONS[code]).format(**facts)


def _raise_for_requests(ledger: Ledger, problems: list[tuple[int, str, Any, str]]) -> None:
    if problems:
        raise UsageError(
            problems[0][3] + _("."), _("Check the 合同编号 (sheet {sheet}).").format(sheet=ledger.loans.sheet)
        )


def _refuse(ledger: Ledger, quote: WriteOffQuote) -> None:
    """Exit 2, nothing written, every reason named with the loan's row and the cell it rests on."""
    read = ledger.loans
    column = {"settled": "settled_on", "written-off": "written_off_on", "not-on-books": "pickup_date"}
    problems = []
    for code, message in quote.reasons:
        key = column.get(code, "contract_no")
        value = iso_date(quote.loan.get(key)) if key != "contract_no" else quote.contract_no
        problems.append(CellProblem(read.file, read.sheet, int(quote.loan["excel_row"]),
                                    read.headers.get(key, LOANS.field(key).header), value, message,
                                    f"writeoff-{code}"))
    hint = _("Print the approval sheet again without recording the write-off to check the figures.")
    if quote.classification == "doubtful" and "doubtful" not in quote.allowed:
        hint += " " + _("A doubtful (可疑) loan can be written off only with writeoff.allow_doubtful = true "
                        "in loantool.toml.")
    raise InputError(_("{contract} cannot be written off on {day}; nothing was written.").format(
        contract=quote.contract_no, day=quote.as_of.isoformat()), problems, hint)


# ------------------------------------------------------------------------------------------- recording


def writeoff_edits(
    ledger: Ledger,
    quote: WriteOffQuote,
    *,
    prepared_by: str,
    reviewed_by: str | None,
    approved_by: str,
) -> tuple[list[Any], int]:
    """The loan's 状态 / 核销日期 (a missing column added at the right end) and the 核销记录 row (the
    sheet created with its header when missing; under its last data row when a footer sits below), and
    how many existing cells change."""
    from ..ledger.columns import footer_insertion, new_headers, place_columns
    from ..ledger.xlsx_patch import SheetEdits

    loans = ledger.loans
    row = int(quote.loan["excel_row"])
    placed = place_columns(loans, ["status", "written_off_on"])
    updates: dict[tuple[int, int], Any] = {(row, placed["status"]): label(STATUSES, "written_off"),
                                           (row, placed["written_off_on"]): quote.as_of}
    loan_edit = SheetEdits(sheet=loans.sheet, updates=updates, header_row=loans.header_row,
                           new_columns=new_headers(loans, placed))
    values: dict[str, Any] = {
        "contract_no": quote.contract_no,
        "written_off_on": quote.as_of,
        "classification": CLASS_LABELS.get(quote.classification or "", None),
        "dpd": quote.dpd,
        **{k: fen_to_decimal(quote.amounts[k]) for k in AMOUNT_KEYS},
        "prepared_by": prepared_by,
        "reviewed_by": reviewed_by,
        "approved_by": approved_by,
    }
    records = ledger.writeoffs
    if records.sheet is None:
        columns = {f.key: i for i, f in enumerate(WRITEOFFS.fields, start=1)}
        record = SheetEdits(sheet=WRITEOFFS.sheet_name, appends=[{columns[k]: v for k, v in values.items()}],
                            create_header=[f.header for f in WRITEOFFS.fields])
    else:
        columns = place_columns(records, [f.key for f in WRITEOFFS.fields])
        record = SheetEdits(sheet=records.sheet, appends=[{columns[k]: v for k, v in values.items()}],
                            header_row=records.header_row, new_columns=new_headers(records, columns),
                            insert_after_row=footer_insertion(records))
    return [loan_edit, record], 2


# -------------------------------------------------------------------------------------------- the runs


def _default_target(settings: Settings, subject: str, day: dt.date) -> Path:
    """reports/核销审批表_<合同编号 or batch name>_YYYYMMDD.xlsx (write-off-approval_… in English)."""
    return settings.resolve(settings.morning.reports_dir) / report_name("writeoff", subject=subject, day=day)


def write_off(
    settings: Settings,
    ledger_path: Path,
    as_of: dt.date,
    *,
    contract: str,
    out: Path | None = None,
    confirm: bool = False,
    approved_by: str | None = None,
    prepared_by: str | None = None,
    reviewed_by: str | None = None,
    today: dt.date | None = None,
    arguments: Sequence[str] = (),
) -> WriteOffResult:
    """Quote ``contract`` at ``as_of``; with ``confirm`` record the write-off; write the approval sheet.
    ``today``: the real today (default common.real_today(); a write-off day after it is refused);
    ``arguments``: the command line as given, for the journal."""
    from ..reports.writeoff import write_quote

    today = today or real_today()
    contract = contract.strip()
    require_ledger(ledger_path)
    target = report_target(out, _default_target(settings, contract, as_of), ledger_path)
    requests = pd.DataFrame({"contract_no": [contract], "written_off_on": [as_of]})
    reviewed = (reviewed_by or "").strip() or None
    if confirm:
        from ..ledger.lock import current_user
        from ..ledger.transaction import ledger_transaction

        approver = (approved_by or "").strip()
        if not approver:
            raise UsageError(_("Recording a write-off needs the name of who approved it."),
                             parameter="approved_by")
        preparer = (prepared_by or "").strip() or current_user()
        with ledger_transaction(Path(ledger_path), settings, command="write-off",
                                arguments=list(arguments)) as tx:
            ledger = load_ledger(tx.path, settings, as_of=as_of)
            _raise_for_requests(ledger, request_problems(ledger, requests))
            quote = compute_quotes(ledger, requests, settings, today)[0]
            if quote.reasons:
                _refuse(ledger, quote)
            edits, changed = writeoff_edits(
                ledger, quote, prepared_by=preparer, reviewed_by=reviewed, approved_by=approver
            )
            committed = tx.commit(
                edits,
                rows_added=1,
                cells_changed=changed,
                summary={k: v for k, v in quote.to_dict().items() if k != "refusals"},
            )
        result = WriteOffResult(
            quote,
            ledger.path,
            written_off=True,
            prepared_by=preparer,
            reviewed_by=reviewed,
            approved_by=approver,
            columns_added=committed.columns_added,
        )
    else:
        ledger = load_ledger(Path(ledger_path), settings, as_of=as_of)
        _raise_for_requests(ledger, request_problems(ledger, requests))
        quote = compute_quotes(ledger, requests, settings, today)[0]
        result = WriteOffResult(
            quote, ledger.path, prepared_by=(prepared_by or "").strip() or None, reviewed_by=reviewed
        )
    try:
        result.report_path = write_quote(result, target, settings.company.name)
    except LoantoolError as exc:
        if not confirm:
            raise
        kind = OutputError if isinstance(exc, OutputError) else LoantoolError  # a full disk stays exit 3
        raise kind(
            _("the write-off of {contract} was recorded in the ledger, but {error}").format(
                contract=contract, error=exc.message
            ),
            _("Print the approval sheet again: quote the write-off of {contract} as of {day} without "
              "recording it.").format(
                contract=contract, day=as_of.isoformat()
            ),
        ) from None
    return result


def read_batch(path: Path, settings: Settings, default_date: dt.date) -> tuple[pd.DataFrame, TableRead]:
    """The batch file's requests (contract_no, written_off_on, excel_row) and its TableRead."""
    if not Path(path).is_file():
        raise UsageError(
            _("Batch file {path} not found.").format(path=path), _("Check the file name and folder."),
            parameter="batch",
        )
    read = read_table(Path(path), BATCH, settings=settings)
    frame = read.frame
    if frame.empty:
        raise UsageError(
            _("Batch file {file} lists no contracts.").format(file=Path(path).name),
            _("Put one 合同编号 (and its 核销日期) per row under the header."),
            parameter="batch",
        )
    dates = frame["written_off_on"] if "written_off_on" in frame else pd.Series(pd.NaT, index=frame.index)
    requests = pd.DataFrame(
        {
            "contract_no": frame["contract_no"].astype(str).str.strip().to_numpy(dtype=object),
            "written_off_on": [as_date(d) or default_date for d in dates],
            "excel_row": frame["excel_row"].to_numpy(),
        }
    )
    return requests, read


def write_off_batch(
    settings: Settings,
    ledger_path: Path,
    as_of: dt.date,
    *,
    batch: Path,
    out: Path | None = None,
    today: dt.date | None = None,
) -> BatchWriteOffResult:
    """Quote every row of the batch file (each on its own day) into one workbook; nothing is recorded."""
    from ..reports.writeoff import write_batch

    today = today or real_today()
    require_ledger(ledger_path)
    target = report_target(out, _default_target(settings, Path(batch).stem, as_of), ledger_path)
    requests, read = read_batch(batch, settings, as_of)
    ledger = load_ledger(Path(ledger_path), settings, as_of=as_of)
    problems = request_problems(ledger, requests)
    if problems:
        cells = [
            CellProblem(
                read.file,
                read.sheet,
                int(requests["excel_row"].iloc[i]),
                read.headers.get(key, BATCH.field(key).header),
                value,
                reason,
                "writeoff-request",
            )
            for i, key, value, reason in problems
        ]
        raise InputError(
            _("{file}: {count} row(s) cannot be quoted; nothing was written.").format(
                file=Path(batch).name, count=len(cells)
            ),
            cells,
            _("Correct these rows and run again."),
        )
    quotes = compute_quotes(ledger, requests, settings, today)
    result = BatchWriteOffResult(quotes, Path(batch), ledger.path)
    result.report_path = write_batch(result, target, settings.company.name, as_of)
    return result
