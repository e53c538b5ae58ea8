"""Aging buckets, five-level classification (五级分类), NPL summary, and the post-loan calendar.

DOMAIN.md "Rules for the numbers": buckets M0–M7+ and the five classes by days past due, the NPL ratio,
collection actions (短信提醒 / 每日电话催收 / 季度书面催收通知 / 升级 / 到期提示), the inspection cadence by
risk grade (贷后检查) and the statute of limitations (诉讼时效). Every function here is vectorized over
loans and takes plain parameters, so it can be tested and reused without the rest of the arrears code.
Dates are int64 day numbers (see ``allocation.day_numbers``), ``NAT_DAY`` when missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from ..money import fen_to_str, round_fraction
from ..settings import CLASSIFICATION_PRESETS, ArrearsSettings
from .allocation import NAT_DAY, add_months

DEFAULT_BUCKET_BOUNDS = tuple(ArrearsSettings().bucket_bounds)  # config.py holds the default
BUCKETS = ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7+")
CLASSES = ("normal", "special_mention", "substandard", "doubtful", "loss")
CLASS_LABELS = {"normal": "正常", "special_mention": "关注", "substandard": "次级", "doubtful": "可疑",
                "loss": "损失"}
NPL_CLASSES = ("substandard", "doubtful", "loss")
CLASS_PRESETS = CLASSIFICATION_PRESETS  # "2023": (90, 270, 360), "legacy": (90, 180, 360)

ACTIONS = ("sms", "call_daily", "written_notice", "escalate", "maturity_notice")


def _checked_bounds(bounds, size: int, what: str) -> np.ndarray:
    values = np.asarray(list(bounds), dtype=np.int64)
    if len(values) != size or values[0] < 1 or np.any(np.diff(values) <= 0):
        raise ValueError(f"{what} must be {size} increasing day counts ≥ 1, got {list(bounds)}")
    return values


def bucket_of(dpd: np.ndarray, bounds=DEFAULT_BUCKET_BOUNDS) -> np.ndarray:
    """账龄: M0 for 0 days, M1 for 1..bounds[0], … M6 up to bounds[5], M7+ above."""
    edges = np.concatenate(([0], _checked_bounds(bounds, 6, "bucket_bounds")))
    # number of edges strictly below dpd: 0 → 0, 1..30 → 1, 31..60 → 2, …, > 180 → 7
    return np.asarray(BUCKETS, dtype=object)[np.searchsorted(edges, np.asarray(dpd), side="left")]


def classify_dpd(dpd: np.ndarray, class_bounds=CLASS_PRESETS["2023"]) -> np.ndarray:
    """五级分类 by DPD: normal 0; special_mention 1..b0; substandard ..b1; doubtful ..b2; loss above."""
    edges = np.concatenate(([0], _checked_bounds(class_bounds, 3, "class_bounds")))
    return np.asarray(CLASSES, dtype=object)[np.searchsorted(edges, np.asarray(dpd), side="left")]


def quarter_start(day: int) -> int:
    """Day number of the first day of the calendar quarter holding ``day``."""
    month = int(np.int64(day).view("datetime64[D]").astype("datetime64[M]").view(np.int64))
    return int(np.int64(month - month % 3).view("datetime64[M]").astype("datetime64[D]").view(np.int64))


def notice_this_quarter(last_notice_day: np.ndarray, as_of_day: int) -> np.ndarray:
    """A collection notice signed in the as-of date's calendar quarter, on or before the as-of date."""
    last = np.asarray(last_notice_day, dtype=np.int64)
    return (last != NAT_DAY) & (last >= quarter_start(as_of_day)) & (last <= as_of_day)


def _join_codes(flags: dict[str, np.ndarray], words: dict[str, str], sep: str) -> np.ndarray:
    n = len(next(iter(flags.values())))
    text = np.full(n, "", dtype=object)
    for code, flag in flags.items():
        if code in words:
            text = text + np.where(flag, words[code] + sep, "")
    return pd.Series(text, dtype=object).str.removesuffix(sep).to_numpy(dtype=object)


def collection_actions(*, dpd: np.ndarray, lian3lei6: np.ndarray, sms_due: np.ndarray,
                       final_due_day: np.ndarray, open_installments: np.ndarray,
                       last_notice_day: np.ndarray, as_of_day: int, maturity_notice_days: int = 30,
                       escalate_dpd: int = 90, small_balance: np.ndarray | None = None) -> pd.DataFrame:
    """催收措施 per loan: one boolean column per action code and ``actions`` (codes joined by ';'); the
    reports put them in words (reports/overdue.py, reports/call_sheet.py).

    ``sms_due``: the loan has an installment due in [D, D + sms_days_before] that is not paid (computed
    per installment by the caller); the friendly reminder goes only to a loan that is not being called
    (not in arrears, or only for a small balance). ``open_installments``: installments not counted as
    paid. ``small_balance``: in arrears for less than the small-balance setting – it keeps its DPD and
    class but gets no call, written notice or escalation (the desk checks it on the 尾差核对 list).
    """
    dpd = np.asarray(dpd)
    final_due = np.asarray(final_due_day, dtype=np.int64)
    small = np.zeros(len(dpd), dtype=bool) if small_balance is None else np.asarray(small_balance, dtype=bool)
    collected = (dpd >= 1) & ~small  # the loans the desk chases
    flags = {
        "sms": np.asarray(sms_due, dtype=bool) & ~collected,
        "call_daily": collected,
        "written_notice": collected & ~notice_this_quarter(last_notice_day, as_of_day),
        "escalate": (np.asarray(lian3lei6, dtype=bool) | (dpd > escalate_dpd)) & ~small,
        "maturity_notice": (final_due != NAT_DAY) & (final_due >= as_of_day)
        & (final_due <= as_of_day + maturity_notice_days) & (np.asarray(open_installments) > 0),
    }
    frame = pd.DataFrame({f"action_{code}": flag for code, flag in flags.items()})
    frame["actions"] = _join_codes(flags, {c: c for c in ACTIONS}, ";")
    return frame


def inspection_plan(*, risk_grade: np.ndarray, last_inspection_day: np.ndarray, in_arrears: np.ndarray,
                    as_of_day: int, inspection_months: dict[str, int], start_day: np.ndarray | None = None,
                    window_days: int = 0) -> pd.DataFrame:
    """贷后检查: ``next_inspection_day``, ``inspection_due`` and ``inspection_reason``.

    Next = last inspection + the grade's months (好 3, 一般 1, 差 0 by default). A loan never inspected
    counts from ``start_day`` (its pickup day: the first inspection falls one cadence after it), or is
    due now when that is unknown too. Due now (next = D) for a loan in arrears or a poor grade. A loan
    without a grade follows the 一般 (fair) cadence: the middle setting, so an unfilled grade column
    neither floods nor empties the list. The plan lists the inspections due: overdue (next ≤ D) or due
    within ``window_days`` after D – never every loan of the book.
    """
    grade = pd.Series(risk_grade, dtype=object).to_numpy(dtype=object)
    last = np.asarray(last_inspection_day, dtype=np.int64)
    fair = inspection_months.get("fair", 1)
    months = np.full(len(grade), fair, dtype=np.int64)
    for name, value in inspection_months.items():
        months[grade == name] = value
    start = np.full(len(grade), NAT_DAY, dtype=np.int64) if start_day is None else np.asarray(start_day,
                                                                                                 dtype=np.int64)
    never = last == NAT_DAY
    baseline = np.where(never, start, last)
    reason = np.where(never, "never", "cadence").astype(object)
    reason[grade == "poor"] = "poor"
    reason[np.asarray(in_arrears, dtype=bool)] = "arrears"
    now = (reason == "poor") | (reason == "arrears") | (baseline == NAT_DAY)
    next_day = np.where(now, as_of_day, add_months(baseline, months))
    due = next_day <= as_of_day + max(int(window_days), 0)
    reason[~due] = ""
    return pd.DataFrame({"next_inspection_day": next_day, "inspection_due": due, "inspection_reason": reason})


def limitation_plan(*, final_due_day: np.ndarray, last_notice_day: np.ndarray, in_arrears: np.ndarray,
                    as_of_day: int, years: int = 3, warn_days: int = 90) -> pd.DataFrame:
    """诉讼时效 per loan in arrears: ``limitation_expiry_day`` = the later of (final due date, last signed
    collection notice) + ``years``; ``limitation_status`` "expired" (expiry before D), "expiring" (D ≤
    expiry ≤ D + warn_days) or "". A notice dated after D is ignored: it had not been signed as of D.
    """
    final_due = np.asarray(final_due_day, dtype=np.int64)
    notice = np.asarray(last_notice_day, dtype=np.int64)
    notice = np.where(notice <= as_of_day, notice, NAT_DAY)  # NAT_DAY is the smallest int64
    start = np.maximum(final_due, notice)
    arrears = np.asarray(in_arrears, dtype=bool) & (start != NAT_DAY)
    expiry = np.where(arrears, add_months(start, 12 * years), NAT_DAY)
    status = np.full(len(final_due), "", dtype=object)
    status[arrears & (expiry < as_of_day)] = "expired"
    status[arrears & (expiry >= as_of_day) & (expiry <= as_of_day + warn_days)] = "expiring"
    return pd.DataFrame({"limitation_expiry_day": expiry, "limitation_status": status})


# ------------------------------------------------------------------------------------------- portfolio


@dataclass
class PortfolioSummary:
    """Counts and balances of the active loans by bucket and by class, and the NPL ratio (不良率).

    ``npl_ratio`` is exact (outstanding principal of 次级+可疑+损失 over all outstanding principal;
    0 for an empty portfolio); ``npl_ratio_display`` is it in percent, rounded half up to 2 places.
    ``by_bucket``: bucket, loans, outstanding_principal, overdue_amount (every bucket, zeros included).
    ``by_class``: classification, label, loans, outstanding_principal, overdue_amount.
    """

    active_loans: int
    loans_in_arrears: int
    outstanding_principal: int
    overdue_amount: int
    penalty: int
    unrecovered_advances: int
    credit: int
    lian3lei6: int
    npl_loans: int
    npl_outstanding: int
    npl_ratio: Fraction
    npl_ratio_display: str
    by_bucket: pd.DataFrame = field(repr=False)
    by_class: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict:
        """JSON shape (DESIGN.md): amounts as "1234.50" strings, the ratio as a percent string."""
        money = ("outstanding_principal", "overdue_amount", "penalty", "unrecovered_advances", "credit",
                 "npl_outstanding")
        out: dict = {k: fen_to_str(getattr(self, k)) for k in money}
        out.update(active_loans=self.active_loans, loans_in_arrears=self.loans_in_arrears,
                   lian3lei6=self.lian3lei6, npl_loans=self.npl_loans, npl_ratio=self.npl_ratio_display)
        out["by_bucket"] = [
            {"bucket": r.bucket, "loans": int(r.loans),
             "outstanding_principal": fen_to_str(r.outstanding_principal),
             "overdue_amount": fen_to_str(r.overdue_amount)} for r in self.by_bucket.itertuples()]
        out["by_class"] = [
            {"classification": r.classification, "loans": int(r.loans),
             "outstanding_principal": fen_to_str(r.outstanding_principal),
             "overdue_amount": fen_to_str(r.overdue_amount)} for r in self.by_class.itertuples()]
        return out


def percent_display(ratio: Fraction, places: int = 2) -> str:
    scaled = round_fraction(ratio * 100 * 10**places)
    whole, part = divmod(scaled, 10**places)
    return f"{whole}.{part:0{places}d}%" if places else f"{whole}%"


def _tally(keys: pd.Series, labels: tuple[str, ...], frame: pd.DataFrame, name: str) -> pd.DataFrame:
    sums = frame.groupby(keys.to_numpy(), sort=False)[["outstanding_principal", "overdue_amount"]].sum()
    counts = keys.value_counts()
    table = pd.DataFrame({name: list(labels)})
    table["loans"] = counts.reindex(labels, fill_value=0).to_numpy(dtype=np.int64)
    for column in ("outstanding_principal", "overdue_amount"):
        table[column] = sums[column].reindex(labels, fill_value=0).to_numpy(dtype=np.int64)
    return table


def portfolio_summary(loans: pd.DataFrame) -> PortfolioSummary:
    """Summary of a per-loan arrears frame (columns bucket, classification, dpd, outstanding_principal,
    overdue_amount, penalty, unrecovered_advances, credit, lian3lei6)."""
    by_bucket = _tally(loans["bucket"], BUCKETS, loans, "bucket")
    by_class = _tally(loans["classification"], CLASSES, loans, "classification")
    by_class.insert(1, "label", [CLASS_LABELS[c] for c in CLASSES])
    total = int(loans["outstanding_principal"].sum())
    npl = by_class[by_class["classification"].isin(NPL_CLASSES)]
    npl_outstanding = int(npl["outstanding_principal"].sum())
    ratio = Fraction(npl_outstanding, total) if total > 0 else Fraction(0)
    return PortfolioSummary(
        active_loans=len(loans),
        loans_in_arrears=int((loans["dpd"] > 0).sum()),
        outstanding_principal=total,
        overdue_amount=int(loans["overdue_amount"].sum()),
        penalty=int(loans["penalty"].sum()),
        unrecovered_advances=int(loans["unrecovered_advances"].sum()),
        credit=int(loans["credit"].sum()),
        lian3lei6=int(loans["lian3lei6"].sum()),
        npl_loans=int(npl["loans"].sum()),
        npl_outstanding=npl_outstanding,
        npl_ratio=ratio,
        npl_ratio_display=percent_display(ratio),
        by_bucket=by_bucket,
        by_class=by_class,
    )
