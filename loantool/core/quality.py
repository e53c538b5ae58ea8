"""Month-end asset quality (资产质量月报): classes at month ends, the migration matrix (迁徙矩阵), the
migration and flow rates (迁徙率), by dealer and by branch.

DOMAIN.md "Month-end asset quality" is the contract:

- For a month with end E and a comparison start S (the previous month end by default; the year start
  Y = December 31 of the previous year for the year-to-date view): each loan's class and balance
  (outstanding principal, with as-of truth – core.history) at S and at E.
- The *start cohort* = the loans active at S. Their status at E is one of the five classes, or 结清
  settled / 核销 written off with balance 0: a loan leaves the books on its 结清日期 / 核销日期 itself,
  and a loan settled after E is still in its class at E.
- *Reduction* of a start loan = its S-balance − its E-balance (its whole S-balance when settled or
  written off).
- *Migration rate* of class X (normal, special_mention, substandard, doubtful) = Σ E-balance of start-X
  loans now in a worse class / (Σ S-balance of start-X loans − Σ their reductions); *正常贷款迁徙率*
  (``performing``) = Σ E-balance of start normal and special-mention loans now NPL / (their Σ S-balance
  − Σ their reductions).
- *Flow rate* Mk→Mk+1 = Σ E-balance of start-Mk loans in bucket Mk+1 at E / Σ S-balance of start-Mk
  loans.
- *NPL ratio* = balance of 次级 + 可疑 + 损失 / all balance at the day.
- Rates are exact ``Fraction``s; shown in percent rounded half up to 0.01 in integer arithmetic
  (``money.round_fraction``); ``None`` when the denominator is 0.

Invariants a test checks (tests/test_quality_core.py, with Hypothesis against a brute-force loop): the
matrix's rows partition the start cohort – Σ loans = the cohort's size, Σ start_balance = the cohort's
balance at S; the end balances into the five classes add up to the cohort's balance at E; reductions
add up to Σ S-balance − Σ E-balance; the class table at a day adds up to the book's balance.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from ..money import round_fraction
from .classify import BUCKETS, CLASSES, NPL_CLASSES
from .history import Snapshots

END_STATUSES = (*CLASSES, "settled", "written_off")
RATE_CLASSES = ("normal", "special_mention", "substandard", "doubtful")
PERFORMING = ("normal", "special_mention")
_RANK = {code: i for i, code in enumerate(CLASSES)}

# ------------------------------------------------------------------------------------------------- days


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def previous_month_end(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1) - dt.timedelta(days=1)


def month_ends_back(end: dt.date, count: int) -> list[dt.date]:
    """``count`` month ends, oldest first, the last being the month end of ``end``'s month."""
    months = [(end.year * 12 + end.month - 1) - k for k in range(count - 1, -1, -1)]
    return [month_end(m // 12, m % 12 + 1) for m in months]


def year_start(day: dt.date) -> dt.date:
    """The year start of the year-to-date view: December 31 of the previous year."""
    return dt.date(day.year - 1, 12, 31)


# ----------------------------------------------------------------------------------------------- rates


def percent_hundredths(ratio: Fraction | None) -> int | None:
    """A ratio in hundredths of a percent, rounded half up (1.25 % → 125); None stays None."""
    return None if ratio is None else round_fraction(ratio * 10_000)


def percent_text(ratio: Fraction | None) -> str | None:
    """"1.25" (percent with two decimals, half up), "-0.40" for a fall; None stays None."""
    hundredths = percent_hundredths(ratio)
    if hundredths is None:
        return None
    sign = "-" if hundredths < 0 else ""
    whole, part = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{part:02d}"


def ratio(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(int(numerator), int(denominator)) if denominator else None


# ------------------------------------------------------------------------------------------ one day


def _tally(index: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts and int64 sums of ``values`` by ``index`` (0..size-1; −1 is left out)."""
    keep = index >= 0
    counts = np.bincount(index[keep], minlength=size).astype(np.int64)
    sums = np.zeros(size, dtype=np.int64)
    np.add.at(sums, index[keep].astype(np.int64), values[keep])
    return counts, sums


def class_table(snap: Snapshots, day) -> pd.DataFrame:
    """The five classes at ``day``: classification, loans, balance (zeros included, CLASSES order)."""
    j = snap.column(day)
    loans, balance = _tally(snap.class_index[:, j], snap.balance[:, j], len(CLASSES))
    return pd.DataFrame({"classification": list(CLASSES), "loans": loans, "balance": balance})


def npl_ratio(table: pd.DataFrame) -> Fraction | None:
    """NPL balance / all balance of a class table; None when nothing is on the books."""
    npl = int(table.loc[table["classification"].isin(NPL_CLASSES), "balance"].sum())
    return ratio(npl, int(table["balance"].sum()))


def group_table(snap: Snapshots, day, key: str, *, start=None) -> pd.DataFrame:
    """By ``key`` (dealer, branch) at ``day``: loans, balance, the balance of each class, npl_loans,
    npl_balance, npl_ratio (Fraction or None), lian3lei6_loans, lian3lei6_balance; with ``start`` also
    npl_ratio_start (the NPL ratio of the same group at ``start``). Sorted by balance, largest first."""
    at = snap.at(day)
    at = at[at["state"] == "active"].copy()
    at[key] = at[key].where(at[key].notna(), "")
    at["npl"] = at["classification"].isin(NPL_CLASSES)
    at["npl_balance"] = np.where(at["npl"], at["balance"], 0)
    at["lian_balance"] = np.where(at["lian3lei6"], at["balance"], 0)
    for code in CLASSES:
        at[f"balance_{code}"] = np.where(at["classification"] == code, at["balance"], 0)
    sums = at.groupby(key, sort=False).agg(
        loans=("balance", "size"), balance=("balance", "sum"), npl_loans=("npl", "sum"),
        npl_balance=("npl_balance", "sum"), lian3lei6_loans=("lian3lei6", "sum"),
        lian3lei6_balance=("lian_balance", "sum"),
        **{f"balance_{c}": (f"balance_{c}", "sum") for c in CLASSES})
    table = sums.reset_index().astype({c: np.int64 for c in sums.columns})
    table["npl_ratio"] = _objects([ratio(n, b) for n, b in zip(table["npl_balance"], table["balance"],
                                                                strict=True)], table.index)
    if start is not None:
        before = group_table(snap, start, key).set_index(key)["npl_ratio"]
        table["npl_ratio_start"] = _objects([before.get(k) for k in table[key]], table.index)
    return table.sort_values(["balance", key], ascending=[False, True], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------ start → end


def cohort(snap: Snapshots, start, end) -> pd.DataFrame:
    """The start cohort: every loan active at ``start``, with its status, bucket and balance at start
    and at end (``from``, ``to``, ``from_bucket``, ``to_bucket``, ``start_balance``, ``end_balance``,
    ``reduction``) beside the loan columns."""
    s, e = snap.column(start), snap.column(end)
    if s >= e:
        raise ValueError("the comparison start must come before the end")
    active = snap.state[:, s] == "active"
    status, bucket, balance = snap.status, snap.bucket, snap.balance
    out = snap.loans[active].copy()
    out["from"] = status[active, s]
    out["to"] = status[active, e]
    out["from_bucket"] = bucket[active, s]
    out["to_bucket"] = bucket[active, e]
    out["start_balance"] = balance[active, s]
    out["end_balance"] = balance[active, e]
    out["reduction"] = out["start_balance"] - out["end_balance"]
    return out.reset_index(drop=True)


def migration_matrix(snap: Snapshots, start, end) -> pd.DataFrame:
    """迁徙矩阵: one row per (from class, to status) – 5 × 7 rows, zeros included – with loans,
    start_balance, end_balance and reduction."""
    return matrix_of(cohort(snap, start, end))


def matrix_of(moves: pd.DataFrame) -> pd.DataFrame:
    grouped = moves.groupby(["from", "to"], sort=False).agg(
        loans=("start_balance", "size"), start_balance=("start_balance", "sum"),
        end_balance=("end_balance", "sum"))
    full = pd.MultiIndex.from_product([list(CLASSES), list(END_STATUSES)], names=["from", "to"])
    grouped = grouped.reindex(full, fill_value=0).reset_index()
    grouped = grouped.astype({"loans": np.int64, "start_balance": np.int64, "end_balance": np.int64})
    grouped["reduction"] = grouped["start_balance"] - grouped["end_balance"]
    return grouped


def _worse(from_code: str, to_code: str) -> bool:
    return to_code in _RANK and _RANK[to_code] > _RANK[from_code]


def migration_rates(matrix: pd.DataFrame) -> dict[str, Fraction | None]:
    """The four class migration rates and 正常贷款迁徙率 (``performing``), exact (see the docstring)."""
    rates: dict[str, Fraction | None] = {}
    for code in RATE_CLASSES:
        rows = matrix[matrix["from"] == code]
        down = rows[[_worse(code, t) for t in rows["to"]]]
        rates[code] = ratio(int(down["end_balance"].sum()),
                            int(rows["start_balance"].sum()) - int(rows["reduction"].sum()))
    rows = matrix[matrix["from"].isin(PERFORMING)]
    down = rows[rows["to"].isin(NPL_CLASSES)]
    rates["performing"] = ratio(int(down["end_balance"].sum()),
                                int(rows["start_balance"].sum()) - int(rows["reduction"].sum()))
    return rates


def flow_rates(snap: Snapshots, start, end) -> pd.DataFrame:
    """Bucket flow rates M0→M1 … M6→M7+: ``from``, ``to``, ``start_balance`` (Σ S-balance of start-Mk
    loans), ``end_balance`` (Σ E-balance of those now in Mk+1) and ``rate`` (Fraction or None)."""
    s, e = snap.column(start), snap.column(end)
    source, target = snap.bucket_index[:, s], snap.bucket_index[:, e]
    _, start_balance = _tally(source, snap.balance[:, s], len(BUCKETS))
    onward = np.where(target == source + 1, source, -1)
    _, end_balance = _tally(onward, snap.balance[:, e], len(BUCKETS))
    table = pd.DataFrame({"from": list(BUCKETS[:-1]), "to": list(BUCKETS[1:]),
                          "start_balance": start_balance[:-1], "end_balance": end_balance[:-1]})
    table["rate"] = _objects([ratio(n, d) for n, d in zip(end_balance[:-1], start_balance[:-1], strict=True)],
                             table.index)
    return table


def _objects(values: list, index: pd.Index) -> pd.Series:
    """Fractions and None as they are (pandas would turn None into NaN beside numbers)."""
    series = pd.Series(index=index, dtype=object)
    series[:] = None
    for i, value in enumerate(values):
        series.iloc[i] = value
    return series


@dataclass
class Comparison:
    """One view from ``start`` to ``end``: the cohort, its matrix, the migration and flow rates."""

    start: dt.date
    end: dt.date
    moves: pd.DataFrame
    matrix: pd.DataFrame
    rates: dict[str, Fraction | None]
    flows: pd.DataFrame


def compare(snap: Snapshots, start, end) -> Comparison:
    moves = cohort(snap, start, end)
    matrix = matrix_of(moves)
    return Comparison(pd.Timestamp(start).date(), pd.Timestamp(end).date(), moves, matrix,
                      migration_rates(matrix), flow_rates(snap, start, end))


# ----------------------------------------------------------------------------------- the month's report


@dataclass
class MonthEndQuality:
    """Everything the 资产质量月报 shows (money in fen, ratios exact).

    ``classes``: the class tables at ``end``, ``since`` and ``year_start`` (keyed by those dates);
    ``since_view`` and ``year_view``: the two comparisons into ``end``; ``lian3lei6``: loans and balance
    of the 连三累六 loans at those days; ``write_offs``: loans written off in (since, end] and in
    (year_start, end] with the balance written off; ``recoveries``: the recovery payments dated up to
    ``end`` (core.writeoff.recoveries rows); ``recoveries_by_month``: month_end, loans, amount for the
    history's months and the year to date; ``history``: per month end of the history, loans, balance,
    loans_<class>, balance_<class>, npl_ratio; ``flow_history``: per month end, the flow rates of the
    month into it (columns ``M0>M1`` …). ``detail``: the start cohort, then the loans new since the start
    (``from`` None, ``reduction`` NA), with ``end_dpd`` and ``end_lian3lei6``.
    """

    end: dt.date
    since: dt.date
    year_start: dt.date
    classes: dict[dt.date, pd.DataFrame]
    since_view: Comparison
    year_view: Comparison
    lian3lei6: dict[dt.date, tuple[int, int]]
    write_offs: dict[str, tuple[int, int]]
    recoveries: pd.DataFrame
    recoveries_by_month: pd.DataFrame
    by_dealer: pd.DataFrame
    by_branch: pd.DataFrame
    detail: pd.DataFrame
    history: pd.DataFrame = field(repr=False)
    flow_history: pd.DataFrame = field(repr=False)

    def npl_ratio(self, day: dt.date) -> Fraction | None:
        return npl_ratio(self.classes[day])

    def recovered(self, after: dt.date) -> tuple[int, int]:
        """Loans and amount of the recoveries dated in (after, end]."""
        rows = self.recoveries
        if not len(rows):
            return 0, 0
        paid = pd.to_datetime(rows["paid_on"])
        inside = ((paid > pd.Timestamp(after)) & (paid <= pd.Timestamp(self.end))).to_numpy(dtype=bool)
        return int(rows.loc[inside, "loan_key"].nunique()), int(rows.loc[inside, "amount"].sum())


def _lian(snap: Snapshots, day) -> tuple[int, int]:
    j = snap.column(day)
    flagged = snap.lian3lei6[:, j] & snap.active[:, j]
    return int(flagged.sum()), int(snap.balance[flagged, j].sum())


def _written_off(snap: Snapshots, after, end) -> tuple[int, int]:
    day = pd.to_datetime(snap.loans["written_off_on"])
    inside = ((day > pd.Timestamp(after)) & (day <= pd.Timestamp(end))).to_numpy(dtype=bool)
    return int(inside.sum()), int(snap.written_off_balance[inside].sum())


def recoveries_by_month(rows: pd.DataFrame, months: list[dt.date]) -> pd.DataFrame:
    """Recovery payments (``loan_key``, ``paid_on``, ``amount`` …) summed by calendar month: one row per
    month end in ``months`` (zeros included) with month_end, loans, amount."""
    table = pd.DataFrame({"month_end": pd.to_datetime(pd.Series([pd.Timestamp(m) for m in months],
                                                                dtype="datetime64[ns]"))})
    table["loans"], table["amount"] = 0, 0
    if len(rows):
        paid = pd.to_datetime(rows["paid_on"])
        frame = pd.DataFrame({"month_end": (paid + pd.offsets.MonthEnd(0)).dt.normalize().to_numpy(),
                              "amount": rows["amount"].to_numpy(dtype=np.int64),
                              "loan": rows["loan_key"].to_numpy(dtype=object)})
        sums = frame.groupby("month_end").agg(loans=("loan", "nunique"), amount=("amount", "sum"))
        found = sums.reindex(table["month_end"])
        table["loans"] = found["loans"].fillna(0).to_numpy(dtype=np.int64)
        table["amount"] = found["amount"].fillna(0).to_numpy(dtype=np.int64)
    return table


def _detail(snap: Snapshots, view: Comparison, end) -> pd.DataFrame:
    """The start cohort, then the loans new since the start, with each loan's DPD and 连三累六 at the end."""
    at = snap.at(end)
    key = ["branch", "contract_no"] if "branch" in at else ["contract_no"]
    new = at[(at["state"] == "active") & (snap.state[:, snap.column(view.start)] != "active")]
    detail = view.moves.assign(reduction=view.moves["reduction"].astype("Int64"))
    if len(new):
        extra = new.assign(**{"from": None, "to": new["status"], "from_bucket": None,
                              "to_bucket": new["bucket"], "start_balance": 0, "end_balance": new["balance"],
                              "reduction": pd.array([pd.NA] * len(new), dtype="Int64")})
        detail = pd.concat([detail, extra[detail.columns]], ignore_index=True)
    figures = at[[*key, "dpd", "lian3lei6"]].rename(columns={"dpd": "end_dpd", "lian3lei6": "end_lian3lei6"})
    return detail.merge(figures, on=key, how="left", validate="one_to_one")


def month_ends_between(after: dt.date, end: dt.date) -> list[dt.date]:
    """The month ends in (after, end], oldest first."""
    out, day = [], month_end(end.year, end.month)
    if day > end:
        day = previous_month_end(day)
    while day > after:
        out.append(day)
        day = previous_month_end(day)
    return out[::-1]


def _in_order(table: pd.DataFrame, key: str, loans: pd.DataFrame) -> pd.DataFrame:
    """The groups in the order they first appear among the loans (branches: the order of the ledgers)."""
    order = {name: i for i, name in enumerate(pd.unique(loans[key]))}
    return table.sort_values(key, key=lambda names: names.map(order), kind="stable").reset_index(drop=True)


def month_end_quality(snap: Snapshots, *, end: dt.date, since: dt.date, year_start_day: dt.date,
                      history_days: list[dt.date], recoveries: pd.DataFrame) -> MonthEndQuality:
    """The month's figures from snapshots holding at least ``end``, ``since``, ``year_start_day`` and
    ``history_days`` (oldest first). ``recoveries``: core.writeoff.recoveries rows, with a ``loan_key``
    column naming the loan (branch and contract)."""
    days = list(dict.fromkeys([end, since, year_start_day]))
    classes = {day: class_table(snap, day) for day in days}
    history_rows = []
    for day in history_days:
        table = classes.get(day)
        table = class_table(snap, day) if table is None else table
        row = {"month_end": day, "npl_ratio": npl_ratio(table), "loans": int(table["loans"].sum()),
               "balance": int(table["balance"].sum())}
        for r in table.itertuples(index=False):
            row[f"loans_{r.classification}"] = int(r.loans)
            row[f"balance_{r.classification}"] = int(r.balance)
        history_rows.append(row)
    flow_rows = []
    for before, after in zip(history_days, history_days[1:], strict=False):
        flows = flow_rates(snap, before, after)
        flow_rows.append({"month_end": after, **{f"{r['from']}>{r['to']}": r["rate"]
                                                  for r in flows.to_dict("records")}})
    recoveries = recoveries[pd.to_datetime(recoveries["paid_on"]) <= pd.Timestamp(end)] if len(
        recoveries) else recoveries
    months = sorted({*history_days, *month_ends_between(year_start_day, end)})
    since_view = compare(snap, since, end)
    return MonthEndQuality(
        end=end, since=since, year_start=year_start_day, classes=classes, since_view=since_view,
        year_view=compare(snap, year_start_day, end) if year_start_day != since else since_view,
        lian3lei6={day: _lian(snap, day) for day in days if pd.Timestamp(day) in snap.lian_days},
        write_offs={"since": _written_off(snap, since, end), "year": _written_off(snap, year_start_day, end)},
        recoveries=recoveries.reset_index(drop=True),
        recoveries_by_month=recoveries_by_month(recoveries, months),
        by_dealer=group_table(snap, end, "dealer", start=since),
        by_branch=_in_order(group_table(snap, end, "branch", start=since), "branch", snap.loans)
        if "branch" in snap.loans else pd.DataFrame(),
        detail=_detail(snap, since_view, end),
        history=pd.DataFrame(history_rows),
        flow_history=pd.DataFrame(flow_rows))
