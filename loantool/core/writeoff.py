"""Write-off (核销) at a day D, and the recoveries after it (核销后收回).

DOMAIN.md "Write-off" and "As-of truth" are the contract:

- A loan can be written off at D when it is on the books at D, neither settled nor written off – at D or
  later: a 结清日期 / 核销日期 on the loan, or 状态 结清 / 核销, refuses it –, and classified loss at D
  (``allowed`` may add doubtful: setting ``writeoff.allow_doubtful``). That D has come (≤ today) and
  that no 核销记录 row exists are the workflow's checks.
- 核销本金 ``principal`` = the outstanding principal at D (principal − the principal part of the
  customer's payments dated ≤ D); 核销利息 ``interest`` = the unpaid interest and fees of the installments
  due on or before D; 核销罚息 ``penalty`` = the penalty to D (overdue-report's rule); ``total`` =
  principal + interest + penalty. 未收回垫款 ``unrecovered_advances`` = company advances − advances repaid
  (dated ≤ D) is shown beside them, never added: that part the company already paid the bank.
- ``class_since``: the first day of the uninterrupted stretch, ending at D, in which the loan was in its
  class at D (its class on each day with as-of truth: the payments dated up to that day).
- From D on, the loan is written off (core.loans.loan_states): it leaves the active, arrears and NPL
  figures. Customer payments (客户还款, 客户还垫款) dated after D are *recoveries*, reported by month.

Invariants a test checks (tests/test_writeoff_core.py): total = principal + interest + penalty;
principal + the principal paid = the loan's principal; principal, penalty, advances, DPD and class equal
core.arrears.assess_portfolio's at D; class_since agrees with a day-by-day brute force.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .allocation import CUSTOMER_PAYMENT_TYPES, NAT_DAY, day_number, day_numbers
from .arrears import Rules, assess_portfolio
from .classify import classify_dpd
from .history import History
from .loans import loan_states

# why a loan cannot be written off at D (the workflow adds "future" and "recorded")
REASONS = ("not-on-books", "settled", "written-off", "class")
AMOUNTS = ("principal", "interest", "penalty", "total", "unrecovered_advances")
QUOTE_COLUMNS = (
    "contract_no", "as_of", "state", "dpd", "classification", "class_since", *AMOUNTS, "loan_principal",
    "customer_paid", "principal_paid", "advances", "advances_repaid", "overdue_periods", "overdue_amount",
    "oldest_unpaid_due", "last_payment", "eligible", "reasons")
_ENDLESS = pd.Timestamp("2262-01-01")
_EPOCH = dt.date(1970, 1, 1)


def class_bounds(rules: Rules) -> dict[str, tuple[int, int | None]]:
    """Lowest and highest DPD of each class (None: no upper bound)."""
    b = rules.class_bounds
    return {"normal": (0, 0), "special_mention": (1, b[0]), "substandard": (b[0] + 1, b[1]),
            "doubtful": (b[1] + 1, b[2]), "loss": (b[2] + 1, None)}


def _as_if_active(loans: pd.DataFrame) -> pd.DataFrame:
    """The loans with their end (状态, 结清日期, 核销日期) blanked: the figures of a loan at D do not
    depend on whether it ended later, so a refused quote still shows them."""
    out = loans.copy()
    for column in ("settled_on", "written_off_on"):
        if column in out:
            out[column] = pd.NaT
    if "status" in out:
        out["status"] = None
    return out


def quote_writeoffs(loans: pd.DataFrame, installments: pd.DataFrame, payments: pd.DataFrame,
                    requests: pd.DataFrame, *, rules: Rules | None = None,
                    allowed: tuple[str, ...] = ("loss",)) -> pd.DataFrame:
    """One row per request (``contract_no``, ``written_off_on`` – the day D), QUOTE_COLUMNS, money in fen.

    ``loans`` must hold every requested contract once; ``installments`` their schedules. ``reasons`` is
    a tuple of REASONS codes (empty when ``eligible``).
    """
    rules = rules or Rules()
    unknown = sorted(set(requests["contract_no"]) - set(loans["contract_no"]))
    if unknown:
        raise ValueError(f"requests name contracts not in loans: {unknown}")
    by_contract = loans.set_index("contract_no", drop=False)
    rows = []
    for day, group in requests.groupby(pd.to_datetime(requests["written_off_on"]), sort=True):
        chosen = by_contract.loc[list(group["contract_no"])].reset_index(drop=True)
        rows.append(_quote_day(chosen, installments, payments, day, rules, allowed)
                    .set_index(group.index))
    return pd.concat(rows).loc[requests.index, list(QUOTE_COLUMNS)].reset_index(drop=True)


def _quote_day(loans: pd.DataFrame, installments: pd.DataFrame, payments: pd.DataFrame, day: pd.Timestamp,
               rules: Rules, allowed: tuple[str, ...]) -> pd.DataFrame:
    mine = payments[payments["contract_no"].isin(set(loans["contract_no"]))]
    figures = _as_if_active(loans)
    result = assess_portfolio(figures, installments, mine, as_of=day, rules=rules)
    assessed = result.loans.set_index("contract_no")
    inst = result.installments
    due_by_day = inst[inst["due_date"] <= day]
    interest = (due_by_day["charge"] - due_by_day["paid_charge"]).groupby(due_by_day["contract_no"]).sum()
    today = day_number(day)
    kinds = mine[day_numbers(mine["paid_on"]) <= today]
    totals = kinds.groupby(["contract_no", "payment_type"])["amount"].sum()
    customer = kinds[kinds["payment_type"].isin(CUSTOMER_PAYMENT_TYPES)]
    last_payment = customer.groupby("contract_no")["paid_on"].max()
    state = loan_states(loans, day)["state"].to_numpy(dtype=object)
    ever = loan_states(loans, _ENDLESS)["state"].to_numpy(dtype=object)
    since = _class_since(figures, installments, mine, day, rules, assessed)
    out = []
    for i, loan in enumerate(loans.itertuples(index=False)):
        contract = loan.contract_no
        on_books = contract in assessed.index
        a = assessed.loc[contract] if on_books else None
        principal = int(a["outstanding_principal"]) if on_books else 0
        unpaid_charge = int(interest.get(contract, 0)) if on_books else 0
        penalty = int(a["penalty"]) if on_books else 0
        classification = str(a["classification"]) if on_books else None
        reasons = []
        if not on_books:
            reasons.append("not-on-books")
        if ever[i] == "settled" or state[i] == "settled":
            reasons.append("settled")
        if ever[i] == "written_off" or state[i] == "written_off":
            reasons.append("written-off")
        if on_books and classification not in allowed:
            reasons.append("class")
        out.append({
            "contract_no": contract, "as_of": day.date(), "state": state[i],
            "dpd": int(a["dpd"]) if on_books else 0, "classification": classification,
            "class_since": since.get(contract), "principal": principal, "interest": unpaid_charge,
            "penalty": penalty, "total": principal + unpaid_charge + penalty,
            "unrecovered_advances": int(a["unrecovered_advances"]) if on_books else 0,
            "loan_principal": int(loan.principal),
            "customer_paid": int(a["customer_paid"]) if on_books else 0,
            "principal_paid": int(a["principal_paid"]) if on_books else 0,
            "advances": int(totals.get((contract, "company_advance"), 0)),
            "advances_repaid": int(totals.get((contract, "advance_repaid"), 0)),
            "overdue_periods": int(a["overdue_periods"]) if on_books else 0,
            "overdue_amount": int(a["overdue_amount"]) if on_books else 0,
            "oldest_unpaid_due": a["oldest_unpaid_due"] if on_books else pd.NaT,
            "last_payment": last_payment.get(contract, pd.NaT),
            "eligible": not reasons, "reasons": tuple(reasons)})
    return pd.DataFrame(out, columns=list(QUOTE_COLUMNS))


def _class_since(loans: pd.DataFrame, installments: pd.DataFrame, payments: pd.DataFrame, day: pd.Timestamp,
                 rules: Rules, assessed: pd.DataFrame) -> dict[str, dt.date]:
    """class_since of every assessed loan (see the module docstring).

    Between two payment days a loan's oldest unpaid due date o stays put and its DPD grows a day a day,
    so its class can only fall on a payment day. Walking back from D over the spans between payment
    days: inside a span beginning on day a, the loan was in class X from max(a, o + X's lowest DPD) on;
    the stretch reaches into the span before only when X already held on the eve of a.
    """
    chosen = loans[loans["contract_no"].isin(assessed.index)].reset_index(drop=True)
    if not len(chosen):
        return {}
    history = History(chosen, installments, payments, until=day, rules=rules)
    today = day_number(day)
    customer = payments[payments["payment_type"].isin(CUSTOMER_PAYMENT_TYPES)]
    paid_day = day_numbers(customer["paid_on"])
    by_loan: dict[str, set[int]] = {}
    for contract, paid in zip(customer["contract_no"].tolist(), paid_day.tolist(), strict=True):
        if paid <= today:
            by_loan.setdefault(contract, set()).add(paid)
    starts = _start_days(chosen)
    bounds = class_bounds(rules)
    out: dict[str, dt.date] = {}
    for pos, contract in enumerate(chosen["contract_no"]):
        days = sorted(by_loan.get(contract, ()))
        first = int(starts[pos]) if starts[pos] != NAT_DAY else min([*days, today])
        # span k begins on begins[k] (span 0: before any payment) and ends on ends[k]; its oldest unpaid
        # due date is the one after the payments dated up to its beginning
        begins = [first, *days]
        ends = [*(d - 1 for d in days), today]
        seen_at = [days[0] - 1 if days else today, *days]
        oldest = history.evaluate(np.full(len(seen_at), pos), np.array(seen_at, dtype=np.int64)).oldest_due
        target = str(assessed.loc[contract, "classification"])
        low = max(bounds[target][0], rules.grace_days + 1)

        def in_class(t: int, o: int, target: str = target) -> bool:
            dpd = t - o if o != NAT_DAY and o + rules.grace_days < t else 0
            return str(classify_dpd(np.array([dpd]), rules.class_bounds)[0]) == target

        since = today
        for k in range(len(begins) - 1, -1, -1):
            begin, end = max(begins[k], first), ends[k]
            if end < begin:
                continue
            if not in_class(end, int(oldest[k])):
                since = end + 1
                break
            since = begin if target == "normal" else max(begin, int(oldest[k]) + low)
            if since > begin:
                break
        out[contract] = _EPOCH + dt.timedelta(days=since)
    return out


def _start_days(loans: pd.DataFrame) -> np.ndarray:
    """The day each loan came on the books (pickup, else disbursement; NAT_DAY when neither is known)."""
    start = np.full(len(loans), NAT_DAY, dtype=np.int64)
    for column in ("disbursed_on", "pickup_date"):
        if column in loans:
            days = day_numbers(loans[column])
            start = np.where(days != NAT_DAY, days, start)
    return start


def recoveries(loans: pd.DataFrame, payments: pd.DataFrame, *, until=None) -> pd.DataFrame:
    """核销后收回: the customer payments of written-off loans dated after their 核销日期 (and ≤ ``until``):
    contract_no, written_off_on, paid_on, amount, payment_type, in date order."""
    columns = ["contract_no", "written_off_on", "paid_on", "amount", "payment_type"]
    if "written_off_on" not in loans or not len(payments):
        return pd.DataFrame(columns=columns)
    written = loans.loc[loans["written_off_on"].notna(), ["contract_no", "written_off_on"]]
    rows = payments[payments["payment_type"].isin(CUSTOMER_PAYMENT_TYPES)
                    & payments["contract_no"].isin(set(written["contract_no"]))]
    rows = rows.merge(written, on="contract_no", how="inner")
    paid = pd.to_datetime(rows["paid_on"])
    keep = paid > pd.to_datetime(rows["written_off_on"])
    if until is not None:
        keep &= paid <= pd.Timestamp(until)
    rows = rows.loc[keep, columns].sort_values(["paid_on", "contract_no"], kind="stable")
    return rows.reset_index(drop=True)


def recoveries_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Recoveries by calendar month: month ("YYYY-MM"), loans, amount (only months with recoveries)."""
    if not len(rows):
        return pd.DataFrame({"month": pd.Series(dtype=object), "loans": pd.Series(dtype=np.int64),
                             "amount": pd.Series(dtype=np.int64)})
    month = pd.to_datetime(rows["paid_on"]).dt.strftime("%Y-%m")
    table = rows.assign(month=month.to_numpy()).groupby("month", sort=True).agg(
        loans=("contract_no", "nunique"), amount=("amount", "sum")).reset_index()
    return table.astype({"loans": np.int64, "amount": np.int64})


def allowed_classes(allow_doubtful: bool) -> tuple[str, ...]:
    return ("doubtful", "loss") if allow_doubtful else ("loss",)

