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
from ..progress import Progress, no_progress
from ..reports.labels import report_name
from ..values import iso_date, text_or_none
from .collection import unknown_record_warnings
from .common import report_target, require_ledger
from .schedule import schedules_for

CONTACT_FIELDS = ("phone", "card_no", "dealer", "guarantor", "guarantor_phone", "excel_row")
SMS_PLACEHOLDERS = ("company", "name", "amount", "due_date", "card_last4", "contract_no")
STEPS = 4  # read, schedules, arrears, report (progress)
BORROWER, GUARANTOR = "borrower", "guarantor"  # recipient codes (reports/labels.py PARTY_NAMES: the words)


@dataclass
class OverdueReport:
    """The arrears of every active loan as of a date, with the desk's lists ready to print.

    ``arrears`` is the core result (money in fen). ``contacts``: one row per active loan in ledger
    order (``contract_no`` + ``CONTACT_FIELDS``). ``sms``: the SMS list (installments due within the
    reminder window and unpaid) with ``phone``, ``card_last4`` and the filled ``message``. ``maturity``
    and ``quarterly_notices``: one row per recipient (``recipient`` borrower/guarantor, ``recipient_name``,
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
        """The --json document (DESIGN.md): every active loan, in arrears or not, and the lists.

        Built column by column (a list per field, then one dict per row): 20,000 loans must not cost a
        second; tests/test_overdue_json.py compares it with the row-by-row construction."""
        small, sms, lian = self.small_balances, self.sms, self.lian3lei6
        inspections, limitation = self.inspections, self.limitation
        return {
            "as_of": self.as_of.isoformat(),
            "ledger": str(self.ledger_path),
            "ledger_sha256": self.ledger_sha256,
            "report": str(self.report_path) if self.report_path else None,
            "letters": str(self.letters_path) if self.letters_path else None,
            "loans": _loan_items(self.arrears.loans),
            "summary": {**self.summary.to_dict(), "recoveries": recoveries_document(self.recoveries)},
            "call_list": call_items(self.call_list),
            "small_balances": _records(
                contract_no=_plain(small["contract_no"]), customer_name=_texts(small["customer_name"]),
                dpd=_ints(small["dpd"]), classification=_plain(small["classification"]),
                overdue_amount=_money_strings(small["overdue_amount"]),
                missed_due_dates=[_dates(d) for d in small["missed_due_dates"].tolist()]),
            "sms": _records(
                contract_no=_plain(sms["contract_no"]), customer_name=_texts(sms["customer_name"]),
                phone=_texts(sms["phone"]), period=_ints(sms["period"]),
                due_date=_iso_strings(sms["due_date"]), amount=_money_strings(sms["unpaid"]),
                message=_plain(sms["message"])),
            "lian3lei6": _records(
                contract_no=_plain(lian["contract_no"]), consecutive_late=_ints(lian["consecutive_late"]),
                cumulative_late=_ints(lian["cumulative_late"]),
                late_due_dates=[_dates(d) for d in lian["late_due_dates"].tolist()]),
            "maturity_notices": _notices(self.maturity, "final_due_date"),
            "quarterly_notices": _notices(self.quarterly_notices, "last_notice_signed"),
            "inspections": _records(
                contract_no=_plain(inspections["contract_no"]), risk_grade=_texts(inspections["risk_grade"]),
                last_inspection=_iso_strings(inspections["last_inspection"]),
                next_inspection=_iso_strings(inspections["next_inspection"]),
                reason=_plain(inspections["inspection_reason"])),
            "limitation": _records(
                contract_no=_plain(limitation["contract_no"]),
                final_due_date=_iso_strings(limitation["final_due_date"]),
                last_notice_signed=_iso_strings(limitation["last_notice_signed"]),
                expiry=_iso_strings(limitation["limitation_expiry"]),
                days_left=_ints(limitation["days_left"]), status=_plain(limitation["limitation_status"]),
                start=_iso_strings(limitation["limitation_start"]),
                basis=_plain(limitation["limitation_basis"])),
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


def _records(**columns: list[Any]) -> list[dict[str, Any]]:
    """One dict per row from equally long lists, keys in the order given."""
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _plain(values: pd.Series) -> list[Any]:
    """The values as they are (text, codes)."""
    return values.tolist()


def _ints(values: pd.Series) -> list[int]:
    return values.astype(int).tolist()


def _texts(values: pd.Series) -> list[str | None]:
    """text_or_none of each value: None for a missing one, else its text."""
    return [text_or_none(v) for v in values.tolist()]


def _money_strings(values: pd.Series) -> list[str]:
    """fen_to_str of each value ("1234.50"), made with two divisions over the column."""
    fen = values.to_numpy(dtype=np.int64)
    whole, cents = np.divmod(np.abs(fen), 100)
    text = [f"{w}.{c:02d}" for w, c in zip(whole.tolist(), cents.tolist(), strict=True)]
    for i in np.flatnonzero(fen < 0).tolist():
        text[i] = fen_to_str(int(fen[i]))
    return text


def _iso_strings(values: pd.Series) -> list[str | None]:
    """iso_date of each value: YYYY-MM-DD, None for a missing date."""
    if not pd.api.types.is_datetime64_dtype(values.dtype):
        return [iso_date(v) for v in values.tolist()]
    days = values.to_numpy().astype("datetime64[D]")
    text = np.datetime_as_string(days).tolist()
    for i in np.flatnonzero(np.isnat(days)).tolist():
        text[i] = None
    return text


def _loan_items(loans: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON item per active loan, built column-wise (20,000 loans must not cost a second)."""
    return _records(
        contract_no=_plain(loans["contract_no"]),
        customer_name=_texts(loans["customer_name"]),
        dpd=_ints(loans["dpd"]),
        bucket=_plain(loans["bucket"]),
        classification=_plain(loans["classification"]),
        overdue_periods=_ints(loans["overdue_periods"]),
        overdue_amount=_money_strings(loans["overdue_amount"]),
        small_balance=loans["small_balance"].astype(bool).tolist(),
        penalty=_money_strings(loans["penalty"]),
        outstanding_principal=_money_strings(loans["outstanding_principal"]),
        consecutive_late=_ints(loans["consecutive_late"]),
        cumulative_late=_ints(loans["cumulative_late"]),
        lian3lei6=loans["lian3lei6"].astype(bool).tolist(),
        actions=[a.split(";") if a else [] for a in loans["actions"].tolist()],
        unrecovered_advances=_money_strings(loans["unrecovered_advances"]),
        oldest_unpaid_due=_iso_strings(loans["oldest_unpaid_due"]),
        missed_due_dates=[_dates(d) for d in loans["missed_due_dates"].tolist()],
        next_due_date=_iso_strings(loans["next_due_date"]),
        next_due_amount=_money_strings(loans["next_due_amount"]),
        final_due_date=_iso_strings(loans["final_due_date"]),
    )


def call_items(calls: pd.DataFrame) -> list[dict[str, Any]]:
    """The call list for --json (DESIGN.md): who to call, worst first with broken promises ahead, and per
    loan the last contact and the latest promise with its status (催收记录); ``waiting``: an open promise,
    marked 等待承诺日 until its day."""
    promise_date = _iso_strings(calls["promise_date"])
    return _records(
        contract_no=_plain(calls["contract_no"]), customer_name=_texts(calls["customer_name"]),
        phone=_texts(calls["phone"]), dpd=_ints(calls["dpd"]),
        overdue_periods=_ints(calls["overdue_periods"]),
        overdue_amount=_money_strings(calls["overdue_amount"]),
        oldest_unpaid_due=_iso_strings(calls["oldest_unpaid_due"]),
        last_contact_on=_iso_strings(calls["last_contact_on"]), last_result=_texts(calls["last_result"]),
        promise_date=promise_date,
        promise_amount=[fen_to_str(amount) if day else None
                        for amount, day in zip(calls["promise_amount"].tolist(), promise_date, strict=True)],
        promise_status=[s if isinstance(s, str) else None for s in calls["promise_status"].tolist()],
        waiting=calls["waiting"].astype(bool).tolist())


def _notices(frame: pd.DataFrame, date_column: str) -> list[dict[str, Any]]:
    return _records(**{
        "contract_no": _plain(frame["contract_no"]),
        "recipient": _plain(frame["recipient"]),  # codes: borrower / guarantor
        "name": _texts(frame["recipient_name"]), "phone": _texts(frame["recipient_phone"]),
        date_column: _iso_strings(frame[date_column])})


# ------------------------------------------------------------------------------------------------ building


def check_sms_template(template: str) -> None:
    """Refuse a template with a placeholder we cannot fill before anything is read."""
    try:
        names = {field for _text, field, _spec, _conv in string.Formatter().parse(template)
                 if field is not None}
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
    """``frame.merge(contacts, on="contract_no", how="left", validate="one_to_one")``, by position where
    that is the same thing (every contract of ``frame`` once, each found once among ``contacts``, no
    other column name shared): the report's lists are rows of the active loans, whose contacts these
    are, and seven merges cost a tenth of a second on 20,000 loans."""
    keys = frame["contract_no"]
    known = pd.Index(contacts["contract_no"])
    text = all(pd.api.types.is_object_dtype(k) or pd.api.types.is_string_dtype(k) for k in (keys, known))
    usable = len(keys) and text and known.is_unique and keys.is_unique and not keys.isna().any()
    at = known.get_indexer(keys) if usable else None
    shared = set(frame.columns) & set(contacts.columns) - {"contract_no"}
    if at is None or (at < 0).any() or shared:
        return frame.merge(contacts, on="contract_no", how="left", validate="one_to_one")
    extra = contacts.drop(columns="contract_no").take(at).reset_index(drop=True)
    joined = pd.concat([frame.reset_index(drop=True), extra], axis=1)
    if keys.dtype != known.dtype:  # the merge's key: text of two kinds (str and object) becomes object
        joined["contract_no"] = joined["contract_no"].astype(object)
    return joined


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


def assess_ledger(ledger: Ledger, settings: Settings, as_of: dt.date,
                  progress: Progress = no_progress) -> OverdueReport:
    """Schedules of the active loans (only those: a settled loan's old data cannot block the report),
    the core assessment, and the lists joined with contact details."""
    check_sms_template(settings.actions.sms_template)
    loans = ledger.loans.frame
    active = loans[active_on(loans, as_of)]
    progress(_("Computing the schedules"), 2, STEPS)
    schedules = schedules_for(ledger, active, settings)
    progress(_("Assessing the arrears"), 3, STEPS)
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
                   ledger: Ledger | None = None, progress: Progress = no_progress) -> OverdueReport:
    """Read the ledger (read-only), assess it as of ``as_of`` and write the report workbook.

    ``ledger``: the ledger as the caller has it in memory already (morning, after its postings);
    ``progress``: told of each step (loantool/progress.py)."""
    from ..reports.overdue import write_report

    target = report_target(out, default_report_path(settings, as_of), ledger_path)
    if ledger is None:
        path = require_ledger(ledger_path)
        progress(_("Reading the ledger"), 1, STEPS)
        ledger = load_ledger(path, settings, as_of=as_of)
    report = assess_ledger(ledger, settings, as_of, progress)
    del ledger  # the frames are done with (if the caller still holds them, they stay theirs)
    progress(_("Writing the report"), STEPS, STEPS)
    report.report_path = write_report(report, target, settings.company.name)
    return report
