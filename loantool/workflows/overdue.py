"""overdue-report: the morning collection view (逾期催收日报) – arrears, 五级分类 and the post-loan calendar.

Read-only (DESIGN.md safety rule 2): the ledger is read without the lock and never written; the only
file written is the report workbook. The numbers all come from ``core.arrears.assess_portfolio``; this
module joins them with the loans' contact details (phone, card, dealer, guarantor), fills the SMS
template and lays the lists out per recipient, so that the workbook, the console and ``--json`` are
three renderings of one :class:`OverdueReport`.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Settings
from ..core.arrears import ArrearsResult, Rules, assess_portfolio
from ..core.loans import active_on
from ..core.writeoff import recoveries, recoveries_summary
from ..errors import CellProblem, UsageError
from ..i18n import _
from ..ledger.read import Ledger, load_ledger
from ..money import fen_to_str
from ..reports.labels import report_name
from ..values import iso_date, text_or_none
from .collection import unknown_record_warnings
from .common import report_target, require_ledger
from .schedule import schedules_for

CONTACT_FIELDS = ("phone", "card_no", "dealer", "guarantor", "guarantor_phone", "excel_row")
SMS_PLACEHOLDERS = ("company", "name", "amount", "due_date", "card_last4", "contract_no")
BORROWER, GUARANTOR = "借款人", "保证人"


@dataclass
class OverdueReport:
    """The arrears of every active loan as of a date, with the desk's lists ready to print.

    ``arrears`` is the core result (money in fen). ``contacts``: one row per active loan in ledger
    order (``contract_no`` + ``CONTACT_FIELDS``). ``sms``: the SMS list (installments due within the
    reminder window and unpaid) with ``phone``, ``card_last4`` and the filled ``message``. ``maturity``
    and ``quarterly_notices``: one row per recipient (``recipient`` 借款人/保证人, ``recipient_name``,
    ``recipient_phone``); ``limitation`` adds ``days_left``.
    """

    arrears: ArrearsResult
    contacts: pd.DataFrame
    call_list: pd.DataFrame
    small_balances: pd.DataFrame
    sms: pd.DataFrame
    lian3lei6: pd.DataFrame
    maturity: pd.DataFrame
    quarterly_notices: pd.DataFrame
    inspections: pd.DataFrame
    limitation: pd.DataFrame
    ledger_path: Path
    ledger_sha256: str
    warnings: list[CellProblem] = field(default_factory=list)
    report_path: Path | None = None
    notice_letters: bool = False  # also write the notices as letters (催收通知书_YYYYMMDD.xlsx)
    letters_path: Path | None = None
    # 核销后收回: customer payments after a loan's write-off, by month (core.writeoff.recoveries_summary)
    recoveries: pd.DataFrame | None = None

    @property
    def as_of(self) -> dt.date:
        return self.arrears.as_of.date()

    @property
    def summary(self) -> Any:
        return self.arrears.summary

    def to_dict(self) -> dict[str, Any]:
        """The --json document (DESIGN.md): every active loan, in arrears or not, and the lists."""
        return {
            "as_of": self.as_of.isoformat(),
            "ledger": str(self.ledger_path),
            "ledger_sha256": self.ledger_sha256,
            "report": str(self.report_path) if self.report_path else None,
            "letters": str(self.letters_path) if self.letters_path else None,
            "loans": _loan_items(self.arrears.loans),
            "summary": {**self.summary.to_dict(), "recoveries": recoveries_document(self.recoveries)},
            "call_list": call_items(self.call_list),
            "small_balances": [
                {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name),
                 "dpd": int(r.dpd), "classification": r.classification, "overdue_amount": fen_to_str(r.overdue_amount),
                 "missed_due_dates": _dates(r.missed_due_dates)}
                for r in self.small_balances.itertuples(index=False)],
            "sms": [
                {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name),
                 "phone": text_or_none(r.phone),
                 "period": int(r.period), "due_date": iso_date(r.due_date), "amount": fen_to_str(r.unpaid),
                 "message": r.message}
                for r in self.sms.itertuples(index=False)],
            "lian3lei6": [
                {"contract_no": r.contract_no, "consecutive_late": int(r.consecutive_late),
                 "cumulative_late": int(r.cumulative_late), "late_due_dates": _dates(r.late_due_dates)}
                for r in self.lian3lei6.itertuples(index=False)],
            "maturity_notices": _notices(self.maturity, "final_due_date"),
            "quarterly_notices": _notices(self.quarterly_notices, "last_notice_signed"),
            "inspections": [
                {"contract_no": r.contract_no, "risk_grade": text_or_none(r.risk_grade),
                 "last_inspection": iso_date(r.last_inspection), "next_inspection": iso_date(r.next_inspection),
                 "reason": r.inspection_reason}
                for r in self.inspections.itertuples(index=False)],
            "limitation": [
                {"contract_no": r.contract_no, "final_due_date": iso_date(r.final_due_date),
                 "last_notice_signed": iso_date(r.last_notice_signed), "expiry": iso_date(r.limitation_expiry),
                 "days_left": int(r.days_left), "status": r.limitation_status,
                 "start": iso_date(r.limitation_start), "basis": r.limitation_basis}
                for r in self.limitation.itertuples(index=False)],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def recoveries_document(table: pd.DataFrame | None) -> dict[str, Any]:
    """核销后收回 in the summary: the total to date and by month."""
    rows = [] if table is None else table.to_dict("records")
    return {"total": fen_to_str(sum(int(r["amount"]) for r in rows)),
            "by_month": [{"month": r["month"], "loans": int(r["loans"]), "amount": fen_to_str(r["amount"])}
                         for r in rows]}


def _dates(joined: str) -> list[str]:
    return joined.split(";") if joined else []


def _money_strings(values: pd.Series) -> list[str]:
    return [fen_to_str(v) for v in values.to_numpy(dtype=np.int64)]


def _iso_strings(values: pd.Series) -> list[str | None]:
    text = pd.Series(values).dt.strftime("%Y-%m-%d")
    return [None if isinstance(t, float) or t is None else t for t in text.tolist()]


def _loan_items(loans: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON item per active loan, built column-wise (20,000 loans must not cost a second)."""
    columns = {
        "contract_no": loans["contract_no"].tolist(),
        "customer_name": [text_or_none(v) for v in loans["customer_name"].tolist()],
        "dpd": loans["dpd"].astype(int).tolist(),
        "bucket": loans["bucket"].tolist(),
        "classification": loans["classification"].tolist(),
        "overdue_periods": loans["overdue_periods"].astype(int).tolist(),
        "overdue_amount": _money_strings(loans["overdue_amount"]),
        "small_balance": loans["small_balance"].astype(bool).tolist(),
        "penalty": _money_strings(loans["penalty"]),
        "outstanding_principal": _money_strings(loans["outstanding_principal"]),
        "consecutive_late": loans["consecutive_late"].astype(int).tolist(),
        "cumulative_late": loans["cumulative_late"].astype(int).tolist(),
        "lian3lei6": loans["lian3lei6"].astype(bool).tolist(),
        "actions": [a.split(";") if a else [] for a in loans["actions"].tolist()],
        "unrecovered_advances": _money_strings(loans["unrecovered_advances"]),
        "oldest_unpaid_due": _iso_strings(loans["oldest_unpaid_due"]),
        "missed_due_dates": [_dates(d) for d in loans["missed_due_dates"].tolist()],
        "next_due_date": _iso_strings(loans["next_due_date"]),
        "next_due_amount": _money_strings(loans["next_due_amount"]),
        "final_due_date": _iso_strings(loans["final_due_date"]),
    }
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def call_items(calls: pd.DataFrame) -> list[dict[str, Any]]:
    """The call list for --json (DESIGN.md): who to call, worst first with broken promises ahead, and per
    loan the last contact and the latest promise with its status (催收记录); ``waiting``: an open promise,
    marked 等待承诺日 until its day."""
    return [
        {"contract_no": r.contract_no, "customer_name": text_or_none(r.customer_name),
         "phone": text_or_none(r.phone), "dpd": int(r.dpd), "overdue_periods": int(r.overdue_periods),
         "overdue_amount": fen_to_str(r.overdue_amount),
         "oldest_unpaid_due": iso_date(r.oldest_unpaid_due),
         "last_contact_on": iso_date(r.last_contact_on), "last_result": text_or_none(r.last_result),
         "promise_date": iso_date(r.promise_date),
         "promise_amount": fen_to_str(r.promise_amount) if iso_date(r.promise_date) else None,
         "promise_status": r.promise_status if isinstance(r.promise_status, str) else None,
         "waiting": bool(r.waiting)}
        for r in calls.itertuples(index=False)]


def _notices(frame: pd.DataFrame, date_column: str) -> list[dict[str, Any]]:
    return [
        {"contract_no": r.contract_no, "recipient": "borrower" if r.recipient == BORROWER else "guarantor",
         "name": text_or_none(r.recipient_name), "phone": text_or_none(r.recipient_phone),
         date_column: iso_date(getattr(r, date_column))}
        for r in frame.itertuples(index=False)]


# ------------------------------------------------------------------------------------------------ building


def check_sms_template(template: str) -> None:
    """Refuse a template with a placeholder we cannot fill before anything is read."""
    try:
        names = {field for _text, field, _spec, _conv in string.Formatter().parse(template) if field is not None}
    except ValueError as exc:
        raise UsageError(
            _("The setting actions.sms_template is not a valid template ({error}).").format(error=exc),
            _("Write placeholders as {example}; a literal brace doubled, as {braces}.").format(
                example="{name}", braces="{{ }}")) from None
    unknown = sorted(n for n in names if n not in SMS_PLACEHOLDERS)
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in SMS_PLACEHOLDERS)
        raise UsageError(_("The setting actions.sms_template has unknown placeholders: {names}.").format(
                             names=", ".join(unknown)), _("Use only {names}.").format(names=allowed))


def _card_last4(cards: pd.Series) -> pd.Series:
    digits = cards.fillna("").astype(str).str.replace(r"\D", "", regex=True)
    return digits.str[-4:]


def _sms(result: ArrearsResult, contacts: pd.DataFrame, template: str, company: str) -> pd.DataFrame:
    """短信提醒: the core's SMS installments with phone, card tail and the message text."""
    sms = result.sms.merge(result.loans[["contract_no", "customer_name"]], on="contract_no", how="left")
    sms = sms.merge(contacts[["contract_no", "phone", "card_no"]], on="contract_no", how="left")
    sms["card_last4"] = _card_last4(sms["card_no"])
    sms["message"] = [
        template.format(company=company, name=text_or_none(name) or "", amount=fen_to_str(amount),
                        due_date=iso_date(due), card_last4=tail, contract_no=contract)
        for contract, name, amount, due, tail in zip(
            sms["contract_no"], sms["customer_name"], sms["unpaid"], sms["due_date"], sms["card_last4"],
            strict=True)]
    return sms


def _with_contacts(frame: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    return frame.merge(contacts, on="contract_no", how="left", validate="one_to_one")


def per_recipient(frame: pd.DataFrame) -> pd.DataFrame:
    """Notices go to the borrower and, where the ledger names one, the guarantor (保证人): one row each,
    the guarantor's right after the borrower's."""
    borrower = frame.assign(recipient=BORROWER, recipient_name=frame["customer_name"],
                            recipient_phone=frame["phone"], _order=0)
    has_guarantor = frame["guarantor"].fillna("").astype(str).str.strip().ne("")
    guarantor = frame[has_guarantor]
    guarantor = guarantor.assign(recipient=GUARANTOR, recipient_name=guarantor["guarantor"],
                                 recipient_phone=guarantor["guarantor_phone"], _order=1)
    both = pd.concat([borrower.reset_index(names="_row"), guarantor.reset_index(names="_row")],
                     ignore_index=True)
    return both.sort_values(["_row", "_order"], kind="stable").drop(columns=["_row", "_order"]).reset_index(
        drop=True)


def _unknown_payment_warnings(result: ArrearsResult, ledger: Ledger) -> list[CellProblem]:
    read = ledger.payments
    reason = _("no loan in the ledger has this 合同编号, so the payment counts for no one; correct the "
               "合同编号 or add the loan to 贷款台账")
    return [read.problem(label, "contract_no", contract, reason, "unknown-contract")
            for label, contract in zip(_labels(result.unknown_payments, read.frame),
                                       result.unknown_payments["contract_no"], strict=True)]


def _labels(unknown: pd.DataFrame, payments: pd.DataFrame) -> list[Any]:
    """Frame labels of the unknown payments in ``payments`` (matched on excel_row, which is unique)."""
    by_row = pd.Series(payments.index, index=payments["excel_row"].to_numpy())
    return by_row.reindex(unknown["excel_row"].to_numpy()).tolist()


def _contacts(active: pd.DataFrame) -> pd.DataFrame:
    """Contact details of the active loans; a column the ledger lacks is all None (not NaN)."""
    contacts = active.reindex(columns=["contract_no", *CONTACT_FIELDS]).reset_index(drop=True)
    text = [c for c in CONTACT_FIELDS if c != "excel_row"]
    contacts[text] = contacts[text].astype(object).where(contacts[text].notna(), None)
    return contacts


def assess_ledger(ledger: Ledger, settings: Settings, as_of: dt.date) -> OverdueReport:
    """Schedules of the active loans (only those: a settled loan's old data cannot block the report),
    the core assessment, and the lists joined with contact details."""
    check_sms_template(settings.actions.sms_template)
    loans = ledger.loans.frame
    active = loans[active_on(loans, as_of)]
    schedules = schedules_for(ledger, active, settings)
    rules = Rules.from_settings(settings.arrears, settings.actions)
    payments = ledger.payments.frame
    result = assess_portfolio(loans, schedules.installments, payments, as_of=as_of, rules=rules,
                              collections=ledger.collections.frame, keep_installments=False)
    del schedules  # the installments (some 60 MB for 20,000 loans) are done with
    contacts = _contacts(active)
    limitation = _with_contacts(result.limitation, contacts)
    limitation["days_left"] = (limitation["limitation_expiry"] - pd.Timestamp(as_of)).dt.days
    return OverdueReport(
        arrears=result,
        contacts=contacts,
        call_list=_with_contacts(result.call_list, contacts),
        small_balances=_with_contacts(result.small_balances, contacts),
        sms=_sms(result, contacts, settings.actions.sms_template, settings.company.name),
        lian3lei6=_with_contacts(result.lian3lei6, contacts),
        maturity=per_recipient(_with_contacts(result.maturity, contacts)),
        quarterly_notices=per_recipient(_with_contacts(result.quarterly_notices, contacts)),
        inspections=_with_contacts(result.inspections, contacts),
        limitation=limitation,
        ledger_path=ledger.path,
        ledger_sha256=ledger.sha256,
        warnings=[*ledger.loans.warnings, *_unknown_payment_warnings(result, ledger),
                  *unknown_record_warnings(ledger)],
        notice_letters=bool(settings.actions.notice_letters),
        recoveries=recoveries_summary(recoveries(loans, payments, until=as_of)),
    )


def default_report_path(settings: Settings, as_of: dt.date) -> Path:
    return settings.resolve(settings.morning.reports_dir) / report_name("overdue", day=as_of)


def overdue_report(settings: Settings, ledger_path: Path, *, as_of: dt.date, out: Path | None = None,
                   ledger: Ledger | None = None) -> OverdueReport:
    """Read the ledger (read-only), assess it as of ``as_of`` and write the report workbook.

    ``ledger``: the ledger as the caller has it in memory already (morning, after its postings)."""
    from ..reports.overdue import write_report

    target = report_target(out, default_report_path(settings, as_of), ledger_path)
    if ledger is None:
        ledger = load_ledger(require_ledger(ledger_path), settings, as_of=as_of)
    report = assess_ledger(ledger, settings, as_of)
    report.report_path = write_report(report, target, settings.company.name)
    return report
