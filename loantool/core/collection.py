"""Collection records (催收记录): promises kept / broken / open, the last contact per loan, and what
restarts the statute of limitations (诉讼时效) – vectorized over the portfolio, no per-loan loop.

DOMAIN.md "Collection record" and "Statute of limitations" are the contract. Records frame: the reader's
催收记录 (schema.COLLECTIONS): ``contract_no``, ``contacted_on`` (催收日期), ``channel`` (phone / sms /
visit / letter), ``party`` (borrower / guarantor / dealer; empty = borrower), ``result`` (结果 text),
``promise_date`` (承诺还款日), ``promise_amount`` (承诺金额, fen), ``handled_by``, ``note``. Payments: the
还款记录 frame (core.allocation.payment_rows).

Rules, fixed here:

- As-of truth: a record counts at D only when its 催收日期 ≤ D; a payment only when dated ≤ D.
- A *promise* is a record with both 承诺还款日 P and 承诺金额 A > 0, made on its 催收日期 C, with P ≥ C
  (:func:`record_problems` refuses anything else as bad cells). Its window is C … P + grace, both days
  included. S = the customer payments (客户还款 and 客户还垫款, the payments that count for the customer)
  of the loan dated inside the window and ≤ D:
    * ``kept``   when S ≥ A (paid on the promise day + grace is in time);
    * ``broken`` when S < A and D > P + grace (that day has passed without it – a day late is broken,
      and so is a part payment);
    * ``open``   otherwise: D ≤ P + grace and not yet paid in full – the desk waits for that day.
  A promise is a test of the customer's word, not an allocation: one payment inside two overlapping
  windows counts for both.
- *Last contact* of a loan: its record with the latest 催收日期 (the later row of the sheet on a tie).
  *Latest promise*: its promise with the latest 催收日期 (the later row on a tie).
- A *signed notice*: 方式 函件 with 结果 已签收 (or 签收 / 已签 / signed: ``SIGNED_RESULTS``).
- *Limitation start* of a loan = the latest of its final due date, its last signed notice (a 催收记录 row
  or the ledger's 最近催收签收日期), the day its last promise was made (the promise is the borrower's
  acknowledgment of the debt, so its 催收日期 counts, not the promised day) and its last customer payment
  (an amount > 0), each ≤ D; expiry = start + ``years`` calendar years (Feb 29 → Feb 28).

Invariants (tests/test_collection_core.py, against a slow per-promise reference with Hypothesis): every
promise has exactly one status at D; a kept promise stays kept on every later day; an open promise is
never past its deadline; the limitation start never precedes the final due date and moves only
forward when an event is added.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from .allocation import (
    CUSTOMER_PAYMENT_TYPES,
    NAT_DAY,
    PaymentRows,
    add_months,
    day_number,
    day_numbers,
    days_to_dates,
    payment_rows,
)

PROMISE_STATUSES = ("kept", "broken", "open")
SIGNED_RESULTS = ("已签收", "签收", "已签", "signed")
LIMITATION_BASES = ("final_due", "notice", "promise", "payment")
RECORD_COLUMNS = ("contract_no", "contacted_on", "channel", "party", "result", "promise_date",
                  "promise_amount", "handled_by", "note")
_DAY_OFFSET = 1 << 20  # day numbers of 1900–2199 lie well inside ±2^20
_DAY_SPAN = 1 << 22

Problem = tuple[object, str, object, str]  # (row label, field key, value, reason)


def _column(frame: pd.DataFrame, key: str) -> pd.Series:
    return frame[key] if key in frame else pd.Series(None, index=frame.index, dtype=object)


def _days(frame: pd.DataFrame, key: str) -> np.ndarray:
    if key not in frame:
        return np.full(len(frame), NAT_DAY, dtype=np.int64)
    return day_numbers(frame[key])


def _amounts(frame: pd.DataFrame, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(fen with 0 for empty, present mask)."""
    if key not in frame:
        return np.zeros(len(frame), dtype=np.int64), np.zeros(len(frame), dtype=bool)
    series = pd.Series(frame[key], copy=False)
    present = series.notna().to_numpy(dtype=bool)
    return series.fillna(0).to_numpy(dtype=np.int64), present


def is_signed(result: pd.Series) -> np.ndarray:
    """结果 says the notice was signed (NFKC, spaces removed, any case)."""
    words = {w.lower() for w in SIGNED_RESULTS}
    return np.array([isinstance(r, str) and "".join(unicodedata.normalize("NFKC", r).split()).lower() in words
                     for r in result.tolist()], dtype=bool)


def record_problems(records: pd.DataFrame) -> list[Problem]:
    """The rows a 催收记录 cannot hold, as (label, field, value, code) – ``RECORD_PROBLEMS`` codes the
    reader turns into the user's language: a promise date before the contact date (``promise-before-
    contact``, value = the promised day), a promise date without an amount (``promise-without-amount``)
    or an amount without a date (``amount-without-promise``), a promised amount of zero or less
    (``promise-not-positive``)."""
    problems: list[Problem] = []
    contacted = _days(records, "contacted_on")
    promised = _days(records, "promise_date")
    amount, has_amount = _amounts(records, "promise_amount")
    has_date = promised != NAT_DAY
    labels = records.index
    for i in np.flatnonzero(has_date & (contacted != NAT_DAY) & (promised < contacted)).tolist():
        problems.append((labels[i], "promise_date", _iso(promised[i]), "promise-before-contact"))
    for i in np.flatnonzero(has_date & ~has_amount).tolist():
        problems.append((labels[i], "promise_amount", None, "promise-without-amount"))
    for i in np.flatnonzero(has_amount & ~has_date).tolist():
        problems.append((labels[i], "promise_date", None, "amount-without-promise"))
    for i in np.flatnonzero(has_amount & (amount <= 0)).tolist():
        problems.append((labels[i], "promise_amount", f"{amount[i] / 100:.2f}", "promise-not-positive"))
    return problems


RECORD_PROBLEMS = ("promise-before-contact", "promise-without-amount", "amount-without-promise",
                   "promise-not-positive")


def _iso(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _customer_payments(payments, as_of_day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(contract, day, amount) of the customer payments dated ≤ D; ``payments`` is the 还款记录 frame or
    its ``allocation.PaymentRows`` (the arrears code has them already)."""
    if payments is None or len(getattr(payments, "day", payments)) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=object), empty, empty
    rows = payments if isinstance(payments, PaymentRows) else payment_rows(payments, as_of_day)
    rows = rows.of(*CUSTOMER_PAYMENT_TYPES)
    keep = rows.day <= as_of_day
    return rows.contract_no[keep], rows.day[keep], rows.amount[keep]


def promise_status(records: pd.DataFrame, payments, *, as_of, grace_days: int = 0) -> pd.DataFrame:
    """Per record (same index): ``is_promise``, ``counts`` (dated ≤ D), ``promise_deadline`` (P + grace),
    ``promise_paid`` (S, fen) and ``promise_status`` (kept / broken / open; None for a record that is no
    promise or is dated after D). ``payments``: the 还款记录 frame or its PaymentRows."""
    if grace_days < 0:
        raise ValueError("grace_days cannot be negative")
    today = day_number(as_of)
    return _promise_status(records, _customer_payments(payments, today), today, grace_days)


def _promise_status(records: pd.DataFrame, paid: tuple[np.ndarray, np.ndarray, np.ndarray], today: int,
                    grace_days: int) -> pd.DataFrame:
    contacted = _days(records, "contacted_on")
    promised = _days(records, "promise_date")
    amount, has_amount = _amounts(records, "promise_amount")
    counts = (contacted != NAT_DAY) & (contacted <= today)
    is_promise = (promised != NAT_DAY) & has_amount & (amount > 0) & (promised >= contacted)
    deadline = np.where(promised != NAT_DAY, promised + grace_days, NAT_DAY)

    live = is_promise & counts
    status = np.full(len(records), None, dtype=object)
    if not live.any():  # no promise to test: the payments need not be looked at
        return pd.DataFrame({
            "is_promise": is_promise, "counts": counts, "promise_deadline": days_to_dates(deadline),
            "promise_paid": np.zeros(len(records), dtype=np.int64),
            "promise_status": pd.Series(status, index=records.index, dtype=object)}, index=records.index)
    pay_contract, pay_day, pay_amount = paid
    record_contracts = _column(records, "contract_no").to_numpy(dtype=object)
    names = pd.Index(pd.unique(np.concatenate([record_contracts, pay_contract])))
    rec_code = names.get_indexer(record_contracts).astype(np.int64)
    pay_code = names.get_indexer(pay_contract).astype(np.int64)
    pay_key = pay_code * _DAY_SPAN + pay_day + _DAY_OFFSET
    order = np.argsort(pay_key, kind="stable")
    pay_key = pay_key[order]
    running = np.concatenate(([0], np.cumsum(pay_amount[order])))
    start = np.where(live, contacted, 0)
    end = np.where(live, np.minimum(deadline, today), 0)
    lo = np.searchsorted(pay_key, rec_code * _DAY_SPAN + start + _DAY_OFFSET, side="left")
    hi = np.searchsorted(pay_key, rec_code * _DAY_SPAN + end + _DAY_OFFSET, side="right")
    paid_sum = np.where(live & (hi > lo), running[np.maximum(hi, lo)] - running[lo], 0)

    kept = live & (paid_sum >= amount)
    status[kept] = "kept"
    status[live & ~kept & (today > deadline)] = "broken"
    status[live & ~kept & (today <= deadline)] = "open"
    return pd.DataFrame({
        "is_promise": is_promise,
        "counts": counts,
        "promise_deadline": days_to_dates(deadline),
        "promise_paid": paid_sum.astype(np.int64),
        "promise_status": pd.Series(status, index=records.index, dtype=object),
    }, index=records.index)


def _last_per_loan(code: np.ndarray, day: np.ndarray, chosen: np.ndarray, n: int) -> np.ndarray:
    """Per loan code 0..n-1, the position of its chosen row with the latest day (the later row on a tie);
    −1 when it has none."""
    positions = np.flatnonzero(chosen & (code >= 0))
    out = np.full(n, -1, dtype=np.int64)
    if len(positions):
        order = positions[np.lexsort((positions, day[positions], code[positions]))]
        last = np.r_[code[order][1:] != code[order][:-1], True]
        out[code[order][last]] = order[last]
    return out


def contact_summary(records: pd.DataFrame | None, payments, contracts, *, as_of,
                    grace_days: int = 0) -> pd.DataFrame:
    """One row per contract of ``contracts`` (in that order): ``contacts`` (records dated ≤ D),
    ``last_contact_on``, ``last_channel``, ``last_party``, ``last_result``, ``last_handled_by``,
    ``promise_made_on``, ``promise_date``, ``promise_amount``, ``promise_paid``, ``promise_status``
    (of the latest promise; None/NaT when none), ``last_signed_notice`` (the latest signed 函件),
    ``last_promise_on`` (= promise_made_on) and ``last_customer_payment`` (the latest customer payment
    of an amount > 0). Dates datetime64, money fen."""
    contracts = pd.Index(contracts)
    n = len(contracts)
    today = day_number(as_of)
    if records is None:
        records = pd.DataFrame({k: pd.Series(dtype=object) for k in RECORD_COLUMNS})
    if grace_days < 0:
        raise ValueError("grace_days cannot be negative")
    records = records.reset_index(drop=True)
    paid = _customer_payments(payments, today)
    status = _promise_status(records, paid, today, grace_days)
    code = contracts.get_indexer(_column(records, "contract_no").to_numpy(dtype=object)).astype(np.int64)
    contacted = _days(records, "contacted_on")
    counts = status["counts"].to_numpy(dtype=bool)
    last = _last_per_loan(code, contacted, counts, n)
    promise = _last_per_loan(code, contacted, counts & status["is_promise"].to_numpy(dtype=bool), n)
    channel = _column(records, "channel").to_numpy(dtype=object)
    signed = counts & (channel == "letter") & is_signed(_column(records, "result"))
    notice = _last_per_loan(code, contacted, signed, n)

    def pick(values: np.ndarray, at: np.ndarray, empty):
        out = np.full(n, empty, dtype=values.dtype if values.dtype != object else object)
        has = at >= 0
        out[has] = values[at[has]]
        return out

    def text(key: str) -> np.ndarray:
        values = _column(records, key).to_numpy(dtype=object)
        out = np.full(n, None, dtype=object)
        out[last >= 0] = values[last[last >= 0]]
        return out

    promise_amount, _ = _amounts(records, "promise_amount")
    has_promise = promise >= 0
    pay_contract, pay_day, pay_amount = paid
    if isinstance(payments, PaymentRows) and payments.code is not None:  # the caller's look-up, if any
        customer = payments.of(*CUSTOMER_PAYMENT_TYPES)
        pay_code = customer.code[customer.day <= today]
    else:
        pay_code = contracts.get_indexer(pay_contract)
    keep = (pay_code >= 0) & (pay_amount > 0)
    last_payment = np.full(n, NAT_DAY, dtype=np.int64)
    np.maximum.at(last_payment, pay_code[keep], pay_day[keep])
    made_on = pick(contacted, promise, NAT_DAY)
    party = pd.Series(text("party"), dtype=object)
    party = party.where(party.notna(), "borrower").where(last >= 0, None)
    columns = {
        "contract_no": contracts.to_numpy(dtype=object),
        "contacts": np.bincount(code[counts & (code >= 0)], minlength=n).astype(np.int64),
        "last_contact_on": days_to_dates(pick(contacted, last, NAT_DAY)),
        "last_channel": text("channel"),
        "last_party": party.to_numpy(dtype=object),
        "last_result": text("result"),
        "last_handled_by": text("handled_by"),
        "promise_made_on": days_to_dates(made_on),
        "promise_date": days_to_dates(pick(_days(records, "promise_date"), promise, NAT_DAY)),
        "promise_amount": np.where(has_promise, pick(promise_amount, promise, 0), 0).astype(np.int64),
        "promise_paid": pick(status["promise_paid"].to_numpy(dtype=np.int64), promise, 0),
        "promise_status": pick(status["promise_status"].to_numpy(dtype=object), promise, None),
        "last_signed_notice": days_to_dates(pick(contacted, notice, NAT_DAY)),
        "last_promise_on": days_to_dates(made_on),
        "last_customer_payment": days_to_dates(last_payment),
    }
    # text columns stay Python str / None (object), never pandas' string dtype
    return pd.DataFrame({k: pd.Series(v, dtype=object) if getattr(v, "dtype", None) is np.dtype(object) else v
                         for k, v in columns.items()})


def limitation_start(*, final_due_day: np.ndarray, notice_day: np.ndarray, promise_day: np.ndarray,
                     payment_day: np.ndarray, as_of_day: int) -> tuple[np.ndarray, np.ndarray]:
    """(start day, basis) per loan: the latest of the final due date and the restarting events dated
    ≤ D (``LIMITATION_BASES``; on a tie the earlier basis in that order). NAT_DAY / None without any."""
    events = [np.asarray(final_due_day, dtype=np.int64)]
    for day in (notice_day, promise_day, payment_day):
        day = np.asarray(day, dtype=np.int64)
        events.append(np.where(day <= as_of_day, day, NAT_DAY))  # NAT_DAY is the smallest int64
    stacked = np.vstack(events)
    start = stacked.max(axis=0)
    which = stacked.argmax(axis=0)
    basis = np.asarray(LIMITATION_BASES, dtype=object)[which]
    basis[start == NAT_DAY] = None
    return start, basis


def limitation_expiry(start_day: np.ndarray, years: int) -> np.ndarray:
    """start + ``years`` calendar years (the schedule's month rule: Feb 29 → Feb 28); NAT_DAY stays."""
    return add_months(np.asarray(start_day, dtype=np.int64), 12 * years)


def order_call_list(call_list: pd.DataFrame, *, keep_calling: bool = False) -> pd.DataFrame:
    """The call list with ``waiting`` (an open promise: marked 等待承诺日 until that day, unless
    ``keep_calling``) and sorted: broken promises first, then the rest, then the loans waiting for a
    promise; inside each group the incoming order (worst first) is kept."""
    status = (call_list["promise_status"] if "promise_status" in call_list
              else pd.Series(None, index=call_list.index, dtype=object))
    waiting = status.eq("open").fillna(False).to_numpy(dtype=bool) & (not keep_calling)
    rank = np.where(status.eq("broken").fillna(False).to_numpy(dtype=bool), 0, np.where(waiting, 2, 1))
    out = call_list.assign(waiting=waiting, call_rank=rank)
    return out.sort_values("call_rank", kind="stable").reset_index(drop=True)
