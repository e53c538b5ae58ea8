"""Which rate a loan's schedule uses: its own 年利率, else the 利率表 (rate table) row for it.

The 利率表 (schema.RATES) lists a rate per 车型 car model or 产品 product and 期数 term, optionally per
还款方式 method: 年利率 (annual rate) for annuity / equal principal, 总费率 (total fee rate over the
term) for flat fee. A row naming a car model is more specific than one naming only a product, and a
row naming the loan's method more specific than one naming none; the most specific rows found decide.
Rows that disagree there are ambiguous and reported, never guessed between.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import _
from ..money import RATE_SCALE, parse_rate, rate_to_str

_KEYS = ("car_model", "product")


@dataclass(frozen=True)
class RateLimits:
    """The highest rate a loan may carry (DOMAIN.md "Rates", both settable): an annual rate above
    ``annual`` (default 36 %) or a flat-fee total rate above ``total_fee`` (default 100 %) is a bad
    cell, never computed with – a typed 0.75 or 1.5 (shown as 150.00 %) is a slip of the keyboard, not
    someone's loan. Rate units (money.RATE_SCALE)."""

    annual: int = 36 * RATE_SCALE // 100
    total_fee: int = RATE_SCALE

    @classmethod
    def from_settings(cls, settings: Any) -> RateLimits:
        schedule = settings.schedule
        return cls(parse_rate(schedule.max_annual_rate), parse_rate(schedule.max_total_fee_rate))

    def problem(self, method: Any, rate: int) -> str | None:
        """Why ``rate`` cannot be the rate of a loan repaid by ``method``; None when it can."""
        if method == "flat_fee":
            if rate <= self.total_fee:
                return None
            return _("a total fee rate of {rate} is above {limit} ([schedule] max_total_fee_rate in "
                     "loantool.toml); check the cell: a fee rate is written like 12% or 0.12").format(
                rate=rate_to_str(rate), limit=rate_to_str(self.total_fee))
        if rate <= self.annual:
            return None
        return _("an annual rate of {rate} is above {limit} ([schedule] max_annual_rate in loantool.toml); "
                 "check the cell: a rate is written like 4.75%, 0.0475 or 4.75").format(
            rate=rate_to_str(rate), limit=rate_to_str(self.annual))


def rate_limit_problems(rate: pd.Series, method: pd.Series, own: pd.Series, limits: RateLimits
                        ) -> list[tuple[Any, str]]:
    """``(label, reason)`` for each loan whose rate is above the limit of its method; ``own`` says
    which rates are the loan's own 年利率 (else they came from the 利率表)."""
    found: list[tuple[Any, str]] = []
    known = rate.notna().to_numpy(dtype=bool)
    flat = method.eq("flat_fee").fillna(False).to_numpy(dtype=bool)
    values = rate.fillna(0).to_numpy(dtype=np.int64)
    over = known & np.where(flat, values > limits.total_fee, values > limits.annual)
    for position in np.flatnonzero(over).tolist():
        label = rate.index[position]
        reason = limits.problem(method.iloc[position], int(values[position])) or ""
        if not bool(own.iloc[position]):
            reason = _("the 利率表 rate for this loan: {reason}").format(reason=reason)
        found.append((label, reason))
    return found


def _norm(values: pd.Series) -> pd.Series:
    """Text keys compared the way a person reads them: NFKC, spaces collapsed, case folded."""
    def one(value: Any) -> Any:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        text = " ".join(unicodedata.normalize("NFKC", str(value)).split()).casefold()
        return text or None

    return values.map(one).astype(object)


def _column(frame: pd.DataFrame, name: str, dtype: str | None = None) -> pd.Series:
    if name in frame.columns:
        column = frame[name]
    else:
        column = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return column.astype(dtype) if dtype else column


def resolve_rates(loans: pd.DataFrame, rates: pd.DataFrame) -> tuple[pd.Series, list[tuple[Any, str]]]:
    """The rate (rate units, pandas Int64, same index as ``loans``) each loan's schedule uses.

    ``loans`` columns used: ``annual_rate`` (Int64; the loan's own 年利率 – for a flat-fee loan its
    总费率), ``car_model``, ``product``, ``term``, ``method``; ``rates`` is the 利率表 frame (columns
    ``car_model, product, term, annual_rate, total_fee_rate, method``, any may be missing or NA).
    A flat-fee loan takes the row's 总费率, or its 年利率 column where that is the one the team filled.
    Returns the rates (NA where none was found) and ``(index label, reason)`` for each such loan.
    """
    own = _column(loans, "annual_rate", "Int64")
    result = pd.Series(own.to_numpy(), index=loans.index, dtype="Int64", name="rate")
    need = np.flatnonzero(np.asarray(own.isna()))
    if len(need) == 0:
        return result, []

    wanted = pd.DataFrame({
        "loan": need,
        "car_model": _norm(_column(loans, "car_model")).to_numpy()[need],
        "product": _norm(_column(loans, "product")).to_numpy()[need],
        "term": _column(loans, "term", "Int64").to_numpy()[need],
        "method": _column(loans, "method").to_numpy(dtype=object)[need],
        "car_model_text": _column(loans, "car_model").to_numpy(dtype=object)[need],
        "product_text": _column(loans, "product").to_numpy(dtype=object)[need],
    })
    table = pd.DataFrame({
        "car_model": _norm(_column(rates, "car_model")),
        "product": _norm(_column(rates, "product")),
        "term": _column(rates, "term", "Int64"),
        "row_method": _column(rates, "method").astype(object),
        "annual_rate": _column(rates, "annual_rate", "Int64"),
        "total_fee_rate": _column(rates, "total_fee_rate", "Int64"),
    }).dropna(subset=["term"])

    # A row naming a car model matches on it (and on its product, if it names one too); a row naming
    # only a product matches on the product. Tier 0 is the most specific.
    by_model = wanted.dropna(subset=["car_model", "term"]).merge(
        table.dropna(subset=["car_model"]), on=["car_model", "term"], suffixes=("", "_row"))
    by_model = by_model[by_model["product_row"].isna() | (by_model["product_row"] == by_model["product"])]
    by_product = wanted.dropna(subset=["product", "term"]).merge(
        table[table["car_model"].isna()].dropna(subset=["product"]), on=["product", "term"],
        suffixes=("", "_row"))
    candidates = pd.concat([by_model.assign(tier=0), by_product.assign(tier=2)], ignore_index=True)
    method_given = candidates["row_method"].notna()
    candidates = candidates[~method_given | (candidates["row_method"] == candidates["method"])]
    candidates = candidates.assign(tier=candidates["tier"] + (~method_given).astype(int))
    flat = (candidates["method"] == "flat_fee").to_numpy(dtype=bool)
    candidates = candidates.assign(value=candidates["total_fee_rate"].where(flat, pd.NA).fillna(
        candidates["annual_rate"]).astype("Int64"))

    best = candidates[candidates["tier"] == candidates.groupby("loan")["tier"].transform("min")]
    values = best.dropna(subset=["value"]).groupby("loan")["value"].unique()
    single = values[values.map(len) == 1]
    positions = single.index.to_numpy(dtype=np.int64)
    result.iloc[positions] = pd.array([v[0] for v in single], dtype="Int64")

    problems: list[tuple[Any, str]] = []
    found = set(best["loan"].tolist())
    detail = wanted.set_index("loan")
    for loan in np.setdiff1d(need, positions).tolist():
        row = detail.loc[loan]
        method = row["method"]
        what = _describe(row)
        if what is None:
            reason = _("no 年利率, and no 车型 or 产品 to look it up in 利率表")
        elif pd.isna(row["term"]):
            reason = _("no 年利率 and no 期数 to look up {what} in 利率表").format(what=what)
        elif loan not in found:
            reason = _("no rate in 利率表 for {what}, 期数 {term}").format(what=what, term=row["term"])
        elif loan in values.index:
            shown = _(", ").join(rate_to_str(int(v)) for v in sorted(values[loan]))
            reason = _("利率表 has different rates for {what}, 期数 {term}: {rates}").format(
                what=what, term=row["term"], rates=shown)
        else:
            column = "总费率" if method == "flat_fee" else "年利率"
            reason = _("the 利率表 row for {what}, 期数 {term} has no {column}").format(
                what=what, term=row["term"], column=column)
        problems.append((loans.index[loan], reason))
    return result, problems


def _describe(row: pd.Series) -> str | None:
    """"车型 朗逸 or 产品 新车贷" (in the user's language), None when the loan names neither."""
    labels = zip(_KEYS, ("车型", "产品"), strict=True)
    parts = [(label, str(row[f"{key}_text"]).strip()) for key, label in labels if pd.notna(row[key])]
    if not parts:
        return None
    return _(" or ").join(f"{label} {value}" for label, value in parts)
