"""Words for codes, in the reader's language, and the report file names – each in one place.

The core and the ledger speak in codes (``annuity``, ``settled``, ``substandard``); people read the
desk's words: 等额本息, 结清, 次级 in Chinese, "equal instalments", "settled", "substandard" with
``--lang en``. Every report and console view takes its words from here.

Report file names (逾期催收日报_YYYYMMDD.xlsx …) are Chinese by default and English with ``--lang en``;
the workflows call :func:`report_name` so that a name is built the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..i18n import N_, _

METHOD_NAMES = {"annuity": N_("equal instalments"), "equal_principal": N_("equal principal"),
                "flat_fee": N_("flat fee")}
STATE_NAMES = {"not_yet": N_("not yet on the books"), "active": N_("active"), "settled": N_("settled"),
               "written_off": N_("written off")}
CLASS_NAMES = {"normal": N_("normal"), "special_mention": N_("special mention"),
               "substandard": N_("substandard"), "doubtful": N_("doubtful"), "loss": N_("loss")}
GRADE_NAMES = {"good": N_("good"), "fair": N_("fair"), "poor": N_("poor")}
# a promise's status (core.collection) and where a limitation period runs from
PROMISE_NAMES = {"kept": N_("promise kept"), "broken": N_("promise broken"), "open": N_("promise open")}
BASIS_NAMES = {"final_due": N_("final due date"), "notice": N_("signed notice"),
               "promise": N_("promise to pay"), "payment": N_("customer payment")}
# how a collection contact was made and whom it reached; the English words are schema.CHANNELS /
# PARTIES words too, so a call sheet filled in either language is read back
CHANNEL_NAMES = {"phone": N_("phone"), "sms": N_("sms"), "visit": N_("visit"), "letter": N_("letter")}
PARTY_NAMES = {"borrower": N_("borrower"), "guarantor": N_("guarantor"), "dealer": N_("dealer")}
PAYMENT_NAMES = {"customer_paid": N_("customer payment"), "company_advance": N_("company advance"),
                 "advance_repaid": N_("advance repaid")}


def word(names: dict[str, str], code: Any, default: str = "") -> str:
    """The word for ``code`` in the current language (``default`` for an unknown or empty code)."""
    if not isinstance(code, str) or code not in names:
        return default
    return _(names[code])


# ------------------------------------------------------------------------------------ report file names

# name patterns: {day} YYYYMMDD, {period} YYYY-MM (YYYYMM for the quality report), {subject} a contract
# number or batch file's name
REPORT_NAMES = {
    "overdue": N_("overdue-report_{day}.xlsx"),
    "reconcile": N_("bank-reconciliation_{period}.xlsx"),
    "settle": N_("settlement-approval_{subject}_{day}.xlsx"),
    "schedules": N_("schedules_{day}"),
    "schedules_combined": N_("schedules-summary_{day}.xlsx"),
    "import": N_("disbursement-import_{day}.xlsx"),
    "rejects": N_("disbursement-rejects_{day}.xlsx"),
    "customer_rejects": N_("customer-table-rejects_{day}.xlsx"),
    "rejects_beside": N_("{subject}_rejects.xlsx"),
    "statement": N_("statement_{subject}_{day}.xlsx"),
    "writeoff": N_("write-off-approval_{subject}_{day}.xlsx"),
    "quality": N_("asset-quality_{period}.xlsx"),
    "notices": N_("collection-notices_{day}.xlsx"),
}


def safe_name(text: str) -> str:
    """Text made safe inside a file name (no path separators, wildcards or spaces)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "-", str(text)).strip("-")


def report_name(kind: str, *, day: dt.date | None = None, period: str | None = None,
                subject: str | None = None) -> str:
    """The file (or folder) name of a report in the current language, e.g. ``report_name("overdue",
    day=date(2026, 11, 30))`` → 逾期催收日报_20261130.xlsx (overdue-report_20261130.xlsx in English)."""
    return _(REPORT_NAMES[kind]).format(day=f"{day:%Y%m%d}" if day else "", period=period or "",
                                        subject=safe_name(subject or "") or "quote")
