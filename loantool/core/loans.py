"""Loans: where each stands on a day (as-of truth), and the terms the schedule engine needs (还款明细的输入).

The loan-state rule (DOMAIN.md "As-of truth") – the one place that decides whether a loan is on the
books, active, settled or written off on a day D:

- a loan is *on the books* from its pickup date (提车日期; else its disbursement date 放款日期) on;
  a loan without either date is taken as on the books;
- it is *settled* at D when its 结清日期 ≤ D, *written off* at D when its 核销日期 ≤ D: it leaves the
  books on that day itself. A loan whose 状态 says 结清 / 核销 but has no date is taken as ended
  on every day (its end cannot be placed; the reader warns about it);
- *active* at D = on the books, not settled, not written off – whatever its 状态 says today, so a
  loan settled after D is still active at D and a report for a past day never changes.

Pure: frames in, frames out. Problems are returned as ``(row_label, field_key, value, reason)`` so
that the caller can name the file, sheet, Excel row and column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import _
from ..money import fen_to_str, rate_to_str
from .rates import RateLimits, rate_limit_problems, resolve_rates

LOAN_STATES = ("not_yet", "active", "settled", "written_off")


def _column(loans: pd.DataFrame, key: str) -> pd.Series:
    if key in loans:
        return loans[key]
    return pd.Series(None, index=loans.index, dtype=object)


def _dates(loans: pd.DataFrame, key: str) -> pd.Series:
    return pd.to_datetime(_column(loans, key)).astype("datetime64[ns]")


def _day(value: Any, index: pd.Index | None = None) -> Any:
    """A day as a Timestamp, or – for one day per loan – a datetime Series on ``index``."""
    if index is not None and not np.isscalar(value) and not isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Series(pd.to_datetime(np.asarray(value)), index=index).dt.normalize()
    return pd.Timestamp(value).normalize()


def loan_states(loans: pd.DataFrame, as_of: Any) -> pd.DataFrame:
    """Each loan's state on ``as_of`` (one day, or one day per loan in ``loans`` order): boolean columns
    ``on_books``, ``settled``, ``written_off``,
    ``active`` and the code ``state`` (one of LOAN_STATES; written-off wins over settled), same index
    as ``loans``. Columns used: ``status`` (codes), ``pickup_date``, ``disbursed_on``, ``settled_on``,
    ``written_off_on`` – each optional."""
    day = _day(as_of, loans.index)
    status = _column(loans, "status")
    start = _dates(loans, "pickup_date").fillna(_dates(loans, "disbursed_on"))
    on_books = (start <= day) | start.isna()
    settled_on, written_off_on = _dates(loans, "settled_on"), _dates(loans, "written_off_on")
    settled = (settled_on <= day) | (settled_on.isna() & status.eq("settled").fillna(False))
    written_off = (written_off_on <= day) | (written_off_on.isna() & status.eq("written_off").fillna(False))
    settled, written_off = settled.astype(bool), written_off.astype(bool)
    active = on_books.astype(bool) & ~settled & ~written_off
    state = np.select([~on_books.astype(bool), written_off, settled], ["not_yet", "written_off", "settled"],
                      default="active")
    return pd.DataFrame({"on_books": on_books.astype(bool).to_numpy(), "settled": settled.to_numpy(),
                         "written_off": written_off.to_numpy(), "active": active.to_numpy(),
                         "state": state}, index=loans.index)


def active_on(loans: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.Series:
    """Boolean Series: which loans are active on ``as_of`` (see :func:`loan_states`)."""
    return loan_states(loans, as_of)["active"]


def active_during(loans: pd.DataFrame, start: dt.date | pd.Timestamp, end: dt.date | pd.Timestamp
                  ) -> pd.Series:
    """Boolean Series: loans active on some day of [start, end] – on the books by ``end`` and not
    settled or written off before ``start`` (a loan settled inside the window was active in it)."""
    before = _day(start) - pd.Timedelta(days=1)
    at_end = loan_states(loans, end)
    ended_before = loan_states(loans, before)
    return at_end["on_books"] & ~ended_before["settled"] & ~ended_before["written_off"]

Problem = tuple[Any, str, Any, str]


def schedule_inputs(loans: pd.DataFrame, rates: pd.DataFrame | None, *, default_method: str,
                    limits: RateLimits | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Terms for :func:`core.schedule.build_schedules`, one row per loan (same index as ``loans``).

    The method is the loan's own 还款方式, else the rate table's for its model/product and term, else
    the configured default. The rate is the loan's own 年利率, else the 利率表's (see core.rates); a
    rate above the limit of the loan's method (``limits``, default RateLimits()) is a problem, and so is
    a 首期还款日 before the 提车日期 (DOMAIN.md "Checks on entry").
    """
    problems: list[Problem] = []
    frame = loans.copy()
    if "method" not in frame:
        frame["method"] = None
    frame["method"] = frame["method"].where(frame["method"].notna(), None)
    table_method = _rate_table_method(frame, rates)
    frame["method"] = frame["method"].fillna(table_method).fillna(default_method)

    term = frame["term"] if "term" in frame else pd.Series(pd.NA, index=frame.index, dtype="Int64")
    for label in frame.index[term.isna()]:
        problems.append((label, "term", None,
                         _("期数 is empty: enter the term in months (or 贷款年限 in years)")))
    bad_term = term.notna() & ((term < 1) | (term > 120))
    for label in frame.index[bad_term.fillna(False)]:
        problems.append((label, "term", int(term[label]), _("期数 must be 1–120 months")))
    principal = frame["principal"]
    bad_principal = principal.isna() | (principal <= 0)
    for label in frame.index[bad_principal.fillna(True)]:
        shown = None if pd.isna(principal[label]) else fen_to_str(int(principal[label]))  # yuan, as written
        problems.append((label, "principal", shown, _("贷款金额 must be more than 0")))

    if "first_due_date" in frame and "pickup_date" in frame:
        first_due, pickup = pd.to_datetime(frame["first_due_date"]), pd.to_datetime(frame["pickup_date"])
        for label in frame.index[(first_due < pickup).to_numpy(dtype=bool)]:
            problems.append((label, "first_due_date", first_due[label].date().isoformat(),
                             _("首期还款日 is before the pickup date (提车日期 {day}): the schedule cannot "
                               "start before the car is picked up").format(
                                 day=pickup[label].date().isoformat())))
    rate, rate_problems = resolve_rates(frame, rates if rates is not None else pd.DataFrame())
    for label, reason in rate_problems:
        problems.append((label, "annual_rate", None, reason))
    own = (frame["annual_rate"].notna() if "annual_rate" in frame
           else pd.Series(False, index=frame.index))
    for label, reason in rate_limit_problems(rate, frame["method"], own, limits or RateLimits()):
        shown = rate_to_str(int(rate[label])) if bool(own[label]) else None
        problems.append((label, "annual_rate", shown, reason))

    out = pd.DataFrame(index=frame.index)
    out["contract_no"] = frame["contract_no"]
    out["principal"] = frame["principal"]
    out["term"] = term
    out["method"] = frame["method"]
    out["rate"] = rate
    out["pickup_date"] = frame["pickup_date"]
    out["first_due_date"] = frame["first_due_date"] if "first_due_date" in frame else pd.NaT
    out["due_day"] = (frame["bank_due_day"] if "bank_due_day" in frame
                      else pd.array([pd.NA] * len(frame), "Int64"))
    return out, problems


def _rate_table_method(loans: pd.DataFrame, rates: pd.DataFrame | None) -> pd.Series:
    """The 还款方式 the rate table gives for a loan's model or product and term, where unambiguous."""
    empty = pd.Series([None] * len(loans), index=loans.index, dtype=object)
    if rates is None or rates.empty or "method" not in rates or rates["method"].isna().all():
        return empty
    known = rates.dropna(subset=["method"])
    result = empty.copy()
    for key in ("car_model", "product"):
        if key not in known or key not in loans:
            continue
        table = (known.dropna(subset=[key]).groupby([key, "term"])["method"]
                 .agg(lambda s: s.iloc[0] if (s == s.iloc[0]).all() else None))
        if table.empty:
            continue
        keys = pd.MultiIndex.from_arrays([loans[key], loans["term"]])
        found = pd.Series(table.reindex(keys).to_numpy(), index=loans.index)
        result = result.where(result.notna(), found)
    return result
