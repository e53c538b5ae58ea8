"""From the ledger's loan rows to the terms the schedule engine needs (还款明细的输入).

Pure: frames in, frames out. Problems are returned as ``(row_label, field_key, value, reason)`` so
that the caller can name the file, sheet, Excel row and column.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .rates import resolve_rates

SCHEDULE_INPUT_COLUMNS = [
    "contract_no", "principal", "term", "method", "rate", "pickup_date", "first_due_date", "due_day",
]

Problem = tuple[Any, str, Any, str]


def schedule_inputs(loans: pd.DataFrame, rates: pd.DataFrame | None, *, default_method: str
                    ) -> tuple[pd.DataFrame, list[Problem]]:
    """Terms for :func:`core.schedule.build_schedules`, one row per loan (same index as ``loans``).

    The method is the loan's own 还款方式, else the rate table's for its model/product and term, else
    the configured default. The rate is the loan's own 年利率, else the 利率表's (see core.rates).
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
        problems.append((label, "term", None, "期数 is empty: enter the term in months (or 贷款年限 in years)"))
    bad_term = term.notna() & ((term < 1) | (term > 120))
    for label in frame.index[bad_term.fillna(False)]:
        problems.append((label, "term", term[label], "期数 must be 1–120 months"))
    bad_principal = frame["principal"].isna() | (frame["principal"] <= 0)
    for label in frame.index[bad_principal.fillna(True)]:
        problems.append((label, "principal", frame.at[label, "principal"], "贷款金额 must be more than 0"))

    rate, rate_problems = resolve_rates(frame, rates if rates is not None else pd.DataFrame())
    for label, reason in rate_problems:
        problems.append((label, "annual_rate", None, reason))

    out = pd.DataFrame(index=frame.index)
    out["contract_no"] = frame["contract_no"]
    out["principal"] = frame["principal"]
    out["term"] = term
    out["method"] = frame["method"]
    out["rate"] = rate
    out["pickup_date"] = frame["pickup_date"]
    out["first_due_date"] = frame["first_due_date"] if "first_due_date" in frame else pd.NaT
    out["due_day"] = frame["bank_due_day"] if "bank_due_day" in frame else pd.array([pd.NA] * len(frame), "Int64")
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
                 .agg(lambda s: s.iloc[0] if s.nunique() == 1 else None))
        if table.empty:
            continue
        keys = pd.MultiIndex.from_arrays([loans[key], loans["term"]])
        found = pd.Series(table.reindex(keys).to_numpy(), index=loans.index)
        result = result.where(result.notna(), found)
    return result
