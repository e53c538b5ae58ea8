"""reconcile-bank: a month's bank statements against what was due (银行对账), the advance list (垫款清单),
and – only when asked – posting to 还款记录.

Read-only by default: the ledger is read without the lock and nothing is written but the report.
Posting customer payments and advances runs inside the ledger transaction (lock, backup, atomic
replace, journal) and is idempotent: what is already in 还款记录 is decided by core.reconcile
(``payments_to_post``, ``advances_to_post``; the rules are in its docstring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..core.reconcile import (
    ADVANCE_NOTE,
    Period,
    Reconciliation,
    advances_paid_by_customer,
    advances_to_post,
    payments_to_post,
    prepare_loans,
    reconcile,
)
from ..errors import UsageError
from ..i18n import _
from ..ledger.read import Ledger, load_ledger, read_table
from ..ledger.transaction import ledger_transaction
from ..money import fen_to_decimal, fen_to_str, to_fen
from ..progress import Progress, no_progress
from ..reports.labels import report_name
from ..schema import PAYMENT_TYPES, PAYMENTS, STATEMENT, code_lookup, label
from ..values import iso_date, text_or_none
from .common import refuse_future, report_target, require_ledger
from .schedule import schedules_for

COMMAND = "reconcile-bank"

LINE_FIELDS = ("source", "excel_row", "card_no", "customer_name", "paid_on", "amount", "bank_ref")


def parse_period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        raise UsageError(_("'{text}' is not a month.").format(text=text),
                         _("Write it as YYYY-MM, e.g. 2026-11."), parameter="period") from None


@dataclass
class Posting:
    """What --post / --post-advances did (or found already done)."""

    payments_added: int = 0
    payments_already: int = 0
    advances_added: int = 0
    advances_already: int = 0
    advance_date: dt.date | None = None
    requested: tuple[str, ...] = ()
    # advance-list rows not posted: the customer's payments in 还款记录 already pay the installment
    advances_paid: pd.DataFrame | None = None
    # lines without a 流水号 not posted: 还款记录 already holds the same payment from another source
    review: pd.DataFrame | None = None

    def to_dict(self) -> dict[str, Any]:
        paid = self.advances_paid if self.advances_paid is not None else pd.DataFrame(columns=["contract_no"])
        return {"requested": list(self.requested), "payments_added": self.payments_added,
                "payments_already": self.payments_already, "advances_added": self.advances_added,
                "advances_already": self.advances_already,
                "advances_paid_by_customer": [
                    {"contract_no": r.contract_no, "due_date": iso_date(r.due_date),
                     "amount": fen_to_str(r.amount)}
                    for r in paid.itertuples(index=False)],
                "payments_for_review": 0 if self.review is None else len(self.review),
                "advance_date": self.advance_date.isoformat() if self.advance_date else None}


@dataclass
class ReconcileResult:
    rec: Reconciliation
    statements: list[Path]
    ledger_path: Path
    posting: Posting | None = None
    report_path: Path | None = None
    warnings: list[Any] = field(default_factory=list)
    # the ledger as it now stands, in memory (posted rows applied): the next step needs no second read
    ledger: Ledger | None = field(default=None, repr=False)

    def review_lines(self) -> list[dict[str, Any]]:
        """Lines without a 流水号 held back from posting, with why (the payment's other source)."""
        review = self.posting.review if self.posting is not None else None
        if review is None or review.empty:
            return []
        items = _lines(review)
        for item, other in zip(items, review["other"], strict=True):
            item["reason"] = review_reason(item, other)
        return items

    def period_warning(self) -> str | None:
        """The first line a read-only run prints when the statements belong to another month."""
        mismatch = self.rec.period_mismatch()
        if mismatch is None:
            return None
        return _("Warning: {outside} of the {usable} usable statement lines are dated outside {period}, most "
                 "of them in {month}; these statements seem to belong to {month}.").format(
                    period=self.rec.period.label, month=mismatch["lines_month"], outside=mismatch["outside"],
                    usable=mismatch["usable"])

    def to_dict(self) -> dict[str, Any]:
        rec = self.rec
        lines = rec.lines
        return {
            "period": rec.period.label,
            "statements": [p.name for p in self.statements],
            "installments": [
                {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name),
                 "due_date": iso_date(r.due_date), "expected": fen_to_str(r.expected),
                 "received": fen_to_str(r.received), "status": r.status}
                for r in rec.installments.itertuples(index=False)],
            "unmatched_lines": _lines(lines[lines["category"] == "unmatched"], "reason"),
            "duplicate_lines": _lines(lines[lines["category"] == "duplicate"], "first"),
            "failed_lines": _lines(lines[lines["category"] == "failed"], "status"),
            "outside_month_lines": _lines(lines[lines["category"] == "outside_month"]),
            "advances": [
                {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name),
                 "card_no": text_or_none(r.card_no), "due_date": iso_date(r.due_date),
                 "amount": fen_to_str(r.amount)}
                for r in rec.advances.itertuples(index=False)],
            "totals": {k: (v if k.endswith("_count") else fen_to_str(v)) for k, v in rec.totals.items()},
            "digest": rec.digest,
            "period_mismatch": rec.period_mismatch(),
            "review_lines": self.review_lines(),
            "posted": self.posting.to_dict() if self.posting else None,
            "report": str(self.report_path) if self.report_path else None,
        }


def _lines(frame: pd.DataFrame, extra: str | None = None) -> list[dict[str, Any]]:
    out = []
    for r in frame.itertuples(index=False):
        item = {"file": r.source, "row": int(r.excel_row), "card_no": text_or_none(r.card_no),
                "customer_name": text_or_none(r.customer_name), "paid_on": iso_date(r.paid_on),
                "amount": None if pd.isna(r.amount) else fen_to_str(r.amount),
                "bank_ref": text_or_none(r.bank_ref),
                "contract_no": text_or_none(r.contract_no)}
        if extra == "reason":
            item["reason"] = r.reason
        elif extra == "status":
            item["status"] = text_or_none(getattr(r, "status_text", None))
        elif extra == "first":
            item["first_file"], item["first_row"] = r.first_source, int(r.first_row)
        out.append(item)
    return out


def review_reason(item: dict[str, Any], other: str) -> str:
    """Why a line without a 流水号 was not posted (a report cell and the JSON's reason)."""
    return _("还款记录 already holds a 客户还款 of {contract} on {date} for {amount} from {other}: the same "
             "deduction without its 流水号? Check it, and post it by hand if it is a second payment.").format(
        contract=item["contract_no"], date=item["paid_on"], amount=item["amount"], other=other)


# ------------------------------------------------------------------------------------------------ reading


def read_statements(paths: list[Path], settings: Settings, warnings: list[Any] | None = None) -> pd.DataFrame:
    """Every line of every statement, files in the order given, rows in file order (read-only).
    ``warnings`` receives what the reader skipped (a footer under a statement's lines)."""
    if not paths:
        raise UsageError(_("Name at least one bank statement file."))
    frames = []
    for path in paths:
        if not Path(path).is_file():
            raise UsageError(_("Statement {path} not found.").format(path=path),
                             _("Check the file name and folder."))
        read = read_table(Path(path), STATEMENT, settings=settings)
        if warnings is not None:
            warnings += read.warnings
        frame = read.frame.assign(source=Path(path).name)
        frames.append(frame)
    columns = [*LINE_FIELDS, "deduction_status", "status_text"]
    lines = pd.concat([f.reindex(columns=columns) for f in frames], ignore_index=True)
    lines["amount"] = pd.array(lines["amount"], dtype="Int64")
    lines["paid_on"] = pd.to_datetime(lines["paid_on"])
    return lines


def month_installments(ledger: Ledger, period: Period, settings: Settings) -> pd.DataFrame:
    """Schedules of the loans active in the month (only those: a settled loan's old data cannot block the
    run)."""
    loans = ledger.loans.frame
    active = prepare_loans(loans, period)["active"].to_numpy()
    return schedules_for(ledger, loans[active], settings).installments


def reconcile_ledger(ledger: Ledger, lines: pd.DataFrame, period: Period, settings: Settings
                     ) -> Reconciliation:
    """The core reconciliation of the month over the ledger's loans (see month_installments)."""
    return reconcile(ledger.loans.frame, month_installments(ledger, period, settings), lines, period)


def check_advance_date(day: dt.date, period: Period) -> None:
    """An advance is dated from the period's first day to 31 days after its last (DOMAIN.md)."""
    first = period.start.date()
    last = (period.end - pd.Timedelta(days=1)).date() + dt.timedelta(days=31)
    if not first <= day <= last:
        raise UsageError(
            _("The advance date {day} is outside {first} – {last}: an advance for {period} is dated from the "
              "month's first day to 31 days after its end.").format(
                day=day.isoformat(), first=first.isoformat(), last=last.isoformat(), period=period.label),
            _("Check the date and the period."), parameter="post_advances")


def refuse_other_month(rec: Reconciliation) -> None:
    """The posting guard: most usable lines outside the period means the statements belong to another
    month – nothing is posted (exit 2, naming that month)."""
    mismatch = rec.period_mismatch()
    if mismatch:
        raise UsageError(
            _("{outside} of the {usable} usable statement lines are dated outside {period}, most of them in "
              "{month}: these statements belong to another month; nothing was posted.").format(
                period=rec.period.label, month=mismatch["lines_month"], outside=mismatch["outside"],
                usable=mismatch["usable"]),
            _("Check the period: reconcile them for {month}.").format(month=mismatch["lines_month"]),
            parameter="period")


# ------------------------------------------------------------------------------------------------ posting


def payment_columns(ledger: Ledger) -> tuple[str, list[str] | None, dict[str, int]]:
    """Sheet name, header to create (when 还款记录 is missing) and field key → column of 还款记录."""
    read = ledger.payments
    if read.sheet is None:
        return PAYMENTS.sheet_name, [f.header for f in PAYMENTS.fields], {
            f.key: i for i, f in enumerate(PAYMENTS.fields, start=1)}
    from ..ledger.columns import place_columns

    # a missing 流水号 / 备注 (what recognises a posting on the next run) is added at the right end
    return read.sheet, None, {**read.columns, **place_columns(read, ["bank_ref", "note"])}


def posting_edits(ledger: Ledger, payments: pd.DataFrame, advances: pd.DataFrame, rec: Reconciliation,
                  advance_date: dt.date | None) -> list[Any]:
    """The rows appended to 还款记录 (the sheet is created with its header when missing)."""
    from ..ledger.xlsx_patch import SheetEdits

    sheet, create, columns = payment_columns(ledger)
    period = rec.period.label
    rows: list[dict[int, Any]] = []
    kind = label(PAYMENT_TYPES, "customer_paid")
    at = [columns[k] for k in ("contract_no", "paid_on", "amount", "payment_type", "bank_ref", "note")]
    fields = ("contract_no", "paid_on", "amount", "bank_ref", "source", "excel_row")
    values = (payments[k].to_numpy(dtype=object) for k in fields)
    for contract, paid_on, amount, bank_ref, source, excel_row in zip(*values, strict=True):
        ref = text_or_none(bank_ref)
        note = f"银行对账 {period} {source} 第{int(excel_row)}行"
        rows.append(dict(zip(at, (contract, pd.Timestamp(paid_on).date(), fen_to_decimal(amount), kind,
                                  ref.strip() if ref else None, note), strict=True)))
    for r in advances.itertuples(index=False):
        due = pd.Timestamp(r.due_date).date().isoformat()
        rows.append({columns["contract_no"]: r.contract_no, columns["paid_on"]: advance_date,
                     columns["amount"]: fen_to_decimal(r.amount),
                     columns["payment_type"]: label(PAYMENT_TYPES, "company_advance"),
                     columns["bank_ref"]: None,
                     columns["note"]: f"{ADVANCE_NOTE.format(due=due)} 银行对账 {period}"})
    if not rows:
        return []
    from ..ledger.columns import footer_insertion, new_headers

    added = new_headers(ledger.payments, columns) if create is None else {}
    return [SheetEdits(sheet=sheet, appends=rows, create_header=create,
                       header_row=ledger.payments.header_row, new_columns=added,
                       insert_after_row=footer_insertion(ledger.payments))]


def post(ledger: Ledger, rec: Reconciliation, installments: pd.DataFrame, *, payments: bool,
         advance_date: dt.date | None) -> tuple[list[Any], Posting]:
    """Edits for whatever of the month is not in 还款记录 yet, and the counts (``installments``: the
    schedules the reconciliation used)."""
    payment_columns(ledger)  # refuse before anything is decided
    refuse_other_month(rec)
    existing = ledger.payments.frame.reindex(columns=[*(f.key for f in PAYMENTS.fields), "excel_row"])
    plan = payments_to_post(rec, existing) if payments else None
    new_payments = plan.post if plan is not None else rec.lines.iloc[:0]
    paid_before = plan.already if plan is not None else 0
    if len(new_payments):
        latest = pd.Timestamp(new_payments["paid_on"].max()).date()
        refuse_future(latest, _("A statement line to post"))
    new_advances, advanced_before = (advances_to_post(rec, existing) if advance_date
                                     else (rec.advances.iloc[:0], 0))
    paid = rec.advances.iloc[:0]
    if len(new_advances):
        # the customer's payments as they will stand: 还款记录 and what this run posts
        posted = new_payments.reindex(columns=["contract_no", "paid_on", "amount"]).assign(
            payment_type="customer_paid")
        standing = pd.concat([existing.dropna(subset=["contract_no", "paid_on", "amount", "payment_type"]),
                              posted], ignore_index=True)
        latest = max([pd.Timestamp(advance_date), *pd.to_datetime(standing["paid_on"]).dropna().tolist()])
        covered = advances_paid_by_customer(new_advances, installments, standing, as_of=latest)
        new_advances, paid = new_advances[~covered], new_advances[covered]
    edits = posting_edits(ledger, new_payments, new_advances, rec, advance_date)
    requested = tuple(name for name, on in (("payments", payments), ("advances", advance_date)) if on)
    return edits, Posting(len(new_payments), paid_before, len(new_advances), advanced_before, advance_date,
                          requested, advances_paid=paid.reset_index(drop=True),
                          review=plan.review.reset_index(drop=True) if plan is not None else None)


# ------------------------------------------------------------------------------------------------ the run


def reconcile_bank(settings: Settings, ledger_path: Path, statements: list[Path], *, period: Period,
                   as_of: dt.date, out: Path | None = None, post_payments: bool = False,
                   post_advances: dt.date | None = None, lines: pd.DataFrame | None = None,
                   arguments: Sequence[str] = (), ledger: Ledger | None = None,
                   progress: Progress = no_progress) -> ReconcileResult:
    """Read the statements and the ledger, reconcile the month, post if asked, write the report.

    ``lines``: the statements' lines when the caller has read them already (read_statements' frame);
    ``arguments``: the command line as given, for the journal; ``ledger``: the ledger as the caller
    read it (as of ``as_of``) – used when it is still the file on disk, else read again. The result's
    ``ledger`` is the ledger after the posting, in memory. ``progress``: told of each step."""
    from ..reports.reconcile import write_report

    target = report_target(out, default_report_path(settings, period), ledger_path)
    if post_advances is not None:
        check_advance_date(post_advances, period)
        refuse_future(post_advances, _("The advance posting"), parameter="post_advances")
    skipped: list[Any] = []
    if lines is None:
        progress(_("Reading the statements"), 1, 5)
        lines = read_statements(statements, settings, skipped)
    require_ledger(ledger_path)
    writing = post_payments or post_advances is not None
    guard = (ledger_transaction(ledger_path, settings, command=COMMAND, arguments=list(arguments),
                                inputs=list(statements)) if writing else nullcontext(None))
    posting = None
    with guard as tx:
        progress(_("Reading the ledger"), 2, 5)
        if tx is None:
            if not still_on_disk(ledger, ledger_path):
                ledger = load_ledger(ledger_path, settings, as_of=as_of)
        elif ledger is None or ledger.sha256 != tx.sha256:  # read under the lock unless it is that file
            ledger = load_ledger(tx.path, settings, as_of=as_of)
        progress(_("Computing the month's installments"), 3, 5)
        installments = month_installments(ledger, period, settings)
        progress(_("Reconciling") if tx is None else _("Reconciling and posting"), 4, 5)
        rec = reconcile(ledger.loans.frame, installments, lines, period)
        if tx is not None:
            edits, posting = post(ledger, rec, installments, payments=post_payments,
                                  advance_date=post_advances)
            committed = tx.commit(edits, rows_added=posting.payments_added + posting.advances_added,
                                  cells_changed=0,
                                  summary={"period": period.label, "digest": rec.digest, **posting.to_dict()})
            ledger = with_appended_payments(ledger, edits, committed)
    result = ReconcileResult(rec=rec, statements=list(statements), ledger_path=ledger.path, posting=posting,
                             warnings=[*skipped, *ledger.loans.warnings], ledger=ledger)
    if tx is not None:
        from ..ledger.columns import added_notes

        result.warnings += added_notes(ledger.path, committed.columns_added)
    progress(_("Writing the report"), 5, 5)
    result.report_path = write_report(result, target, settings.company.name, as_of)
    return result


def still_on_disk(ledger: Ledger | None, ledger_path: Path) -> bool:
    """Whether ``ledger`` (read earlier in this run) is still the file at ``ledger_path``."""
    from ..ledger.transaction import sha256_file

    return ledger is not None and Path(ledger.path).resolve() == Path(ledger_path).resolve() and (
        sha256_file(Path(ledger_path)) == ledger.sha256)


def with_appended_payments(ledger: Ledger, edits: list[Any], committed: Any) -> Ledger:
    """The ledger after a committed posting, without reading the file again: the rows appended to
    还款记录 (as the writer placed them, verified by the transaction) added to the payments frame."""
    if not committed.written or committed.patch is None:
        return ledger
    read = ledger.payments
    columns = dict(read.columns)
    sheet = read.sheet
    appended: list[tuple[int, dict[int, Any]]] = []
    for edit, placed in ((e, p) for e in edits for p in committed.patch.sheets if p.sheet == e.sheet):
        if edit.create_header:
            columns = {f.key: i for i, f in enumerate(PAYMENTS.fields, start=1)}
        sheet = edit.sheet
        appended += list(zip(placed.appended_rows, edit.appends, strict=True))
    types = code_lookup(PAYMENT_TYPES)

    def cells_of(key: str) -> list[Any]:  # the column's values of the appended rows
        at = columns.get(key)
        return [None if at is None else cells.get(at) for _row, cells in appended]

    rows = {"contract_no": cells_of("contract_no"),
            "paid_on": [pd.Timestamp(v) for v in cells_of("paid_on")],
            "amount": [to_fen(v) for v in cells_of("amount")],
            "payment_type": [types[str(v).lower()] for v in cells_of("payment_type")],
            "bank_ref": cells_of("bank_ref"), "note": cells_of("note"), "excel_row": [r for r, _ in appended]}
    added = pd.DataFrame(rows, columns=[*(f.key for f in PAYMENTS.fields), "excel_row"])
    frame = read.frame
    added = added[[c for c in frame.columns if c in added.columns]].astype(
        {c: frame[c].dtype for c in frame.columns if c in added.columns})
    for column in added.columns:  # empty text is None, as the reader gives it
        if pd.api.types.is_object_dtype(added[column]):
            added[column] = added[column].where(added[column].notna(), None)
    payments = replace(read, frame=pd.concat([frame, added], ignore_index=True), sheet=sheet,
                       columns=columns, header_row=read.header_row or 1)
    return replace(ledger, sha256=committed.sha256_after, payments=payments)


def default_report_path(settings: Settings, period: Period) -> Path:
    return settings.resolve(settings.morning.reports_dir) / report_name("reconcile", period=period.label)
