"""Bank reconciliation for a month (银行对账) and the advance list (垫款清单), vectorized.

DOMAIN.md, "Bank reconciliation for a month", is the contract:

- *Expected*: every loan active in the month (状态 在贷 or blank, not settled or written off before the
  month starts) expects its installment due in the month, at the bank's monthly amount (银行月还金额)
  where the slip recorded one – except the final installment, which is the schedule's own payment –
  else at the schedule's payment. Settled and written-off loans expect nothing.
- *Statement lines* are classified in this order: 失败 (a failed deduction pays nothing) → duplicate (a
  流水号 already seen on an earlier successful line, in the caller's file and row order) → outside the
  month (listed, not used) → matched or unmatched. Lines join loans by card number (digits only); where
  the card is masked (6222****1234) by customer name among active loans, the visible digits agreeing.
- *Per installment*: received = the sum of its loan's usable lines; status paid (= expected), short
  (0 < received < expected), over (> expected), unpaid (0). A loan that received money but expected
  nothing this month (a settled loan, a month without an installment) gets a row with expected 0 and no
  due date: it is an over-payment, never dropped.
- *Control totals* close to the fen: Σexpected = Σreceived − Σover + Σadvance, where per row
  over = max(received − expected, 0) and advance = max(expected − received, 0); and on the statement
  side every line's amount lands in exactly one of received / unmatched / failed / duplicate / outside.

The advance list and its digest are defined in :func:`canonical_advance_text`.

*Posting* (what of the month is not yet in 还款记录; posting twice changes nothing, DESIGN.md safety
rule 5):
- a customer payment (客户还款) is already posted when 还款记录 holds a row with the same 流水号 (any
  type); a line without a 流水号 is keyed on its file + card + date + amount + occurrence, and when a
  客户还款 of the same contract, date and amount came from another source it is held for review instead
  of posted (:func:`payments_to_post`);
- a company advance (公司垫款) is keyed on (合同编号, the installment's due date); the due date is written
  into 备注 as ``垫付 YYYY-MM-DD 期`` (``ADVANCE_NOTE``) and read back from there (:func:`advances_to_post`);
- an advance is never posted for an installment the customer's payments in 还款记录 already pay in full
  (:func:`advances_paid_by_customer`), and nothing is posted when most usable lines fall outside the
  period (:meth:`Reconciliation.period_mismatch`: the statements belong to another month).

Pure: frames in, frames out; money int64 fen throughout.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..money import fen_to_str
from .allocation import CUSTOMER_PAYMENT_TYPES, allocate
from .loans import active_during

STATUSES = ("paid", "short", "over", "unpaid")
# what happened to a statement line, in the order the tests are applied
CATEGORIES = ("failed", "duplicate", "outside_month", "unmatched", "matched")
# why a usable line matched no loan
REASONS = ("unknown_card", "ambiguous_card", "ambiguous_name", "name_not_found", "digits_mismatch",
           "not_positive")
LINE_COLUMNS = ("source", "excel_row", "card_no", "customer_name", "paid_on", "amount", "bank_ref",
                "deduction_status", "status_text")  # status_text: the status as the bank wrote it
ADVANCE_COLUMNS = ("contract_no", "customer_name", "card_no", "due_date", "amount")
DIGEST_HEADER = "loantool advance list v1"
ADVANCE_NOTE = "垫付 {due} 期"  # the stable key of a posted advance, inside 备注
ADVANCE_KEY = re.compile(r"垫付\s*(\d{4}-\d{2}-\d{2})\s*期")
_MASK_CHARS = r"[*xX×]"  # banks mask the middle of a card with these


@dataclass(frozen=True)
class Period:
    """A calendar month, ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-11`` (also ``2026/11``, ``202611``); ValueError for anything else."""
        match = re.fullmatch(r"(\d{4})[-/.]?(\d{2})", (text or "").strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"{text!r} is not a month")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.year, self.month, 1)

    @property
    def end(self) -> pd.Timestamp:
        """The first day of the next month (exclusive bound)."""
        return self.start + pd.offsets.MonthBegin(1)

    def contains(self, dates: pd.Series) -> pd.Series:
        dates = pd.to_datetime(dates)
        return (dates >= self.start) & (dates < self.end)


@dataclass
class Reconciliation:
    """The month's reconciliation; every frame has documented columns and a RangeIndex.

    ``installments``: contract_no, customer_name, card_no, period_no (installment number; 0 for a
    loan that expected nothing), due_date (NaT when nothing was expected), expected, received,
    line_count, status, advance, over – sorted by contract_no then due_date.
    ``lines``: every statement line in input order with LINE_COLUMNS plus line_id, category (CATEGORIES),
    reason (REASONS, for unmatched), contract_no (the loan it joined, also for failed / duplicate /
    outside lines where known), first_source / first_row (for a duplicate: where its 流水号 was first).
    ``advances``: ADVANCE_COLUMNS sorted by contract_no then due_date; amount = expected − received.
    """

    period: Period
    installments: pd.DataFrame
    lines: pd.DataFrame
    advances: pd.DataFrame
    totals: dict[str, int]
    digest: str

    def period_mismatch(self) -> dict[str, object] | None:
        """The posting guard (DOMAIN.md): when most usable lines (neither failed nor duplicate, dated) fall
        outside the period, the statements belong to another month – ``lines_month`` (the month most of
        those lines are in), ``outside`` and ``usable`` counts; else None."""
        lines = self.lines
        usable = lines["category"].isin(["matched", "unmatched", "outside_month"]) & lines["paid_on"].notna()
        outside = usable & lines["category"].eq("outside_month")
        if not usable.any() or 2 * int(outside.sum()) <= int(usable.sum()):
            return None
        month = pd.to_datetime(lines.loc[outside, "paid_on"]).dt.to_period("M").mode().iloc[0]
        return {"lines_month": str(month), "outside": int(outside.sum()), "usable": int(usable.sum())}

    def findings(self) -> dict[str, int]:
        """Counts that ``--fail-on-diff`` fails on."""
        status = self.installments["status"]
        return {"short": int((status == "short").sum()), "over": int((status == "over").sum()),
                "unpaid": int((status == "unpaid").sum()),
                "unmatched": int((self.lines["category"] == "unmatched").sum())}


# ------------------------------------------------------------------------------------- normalisation


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "").astype(str).str.normalize("NFKC").str.strip()


def name_key(names: pd.Series) -> pd.Series:
    """Names compared without spaces and width differences (张 三 = 张三)."""
    return _text(names).str.replace(r"\s+", "", regex=True)


def card_parts(cards: pd.Series) -> pd.DataFrame:
    """``digits`` (digits only), ``masked`` and, for a masked card, the visible ``prefix`` / ``suffix``."""
    text = _text(cards)
    masked = text.str.contains(_MASK_CHARS, regex=True)
    parts = pd.DataFrame({"digits": text.str.replace(r"\D", "", regex=True), "masked": masked,
                          "prefix": "", "suffix": ""}, index=cards.index)
    if masked.any():  # the split only for the few masked lines
        visible = text[masked].str.extract(r"^([^*xX×]*)[*xX×].*?([^*xX×]*)$")
        parts.loc[masked, "prefix"] = visible[0].str.replace(r"\D", "", regex=True)
        parts.loc[masked, "suffix"] = visible[1].str.replace(r"\D", "", regex=True)
    return parts


def _column(frame: pd.DataFrame, name: str, default: object = None) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


# ------------------------------------------------------------------------------------------ expected


def prepare_loans(loans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """One row per loan: contract_no, customer_name, card_no, card (digits), name_key, bank_monthly_amount,
    active (active on some day of the month: core.loans.active_during)."""
    out = pd.DataFrame({"contract_no": loans["contract_no"].astype(str).to_numpy()})
    out["customer_name"] = _column(loans, "customer_name").to_numpy()
    cards = card_parts(_column(loans, "card_no").reset_index(drop=True))
    out["card_no"] = cards["digits"]
    out["name_key"] = name_key(out["customer_name"])
    out["active"] = active_during(loans, period.start, period.end - pd.Timedelta(days=1)).to_numpy(dtype=bool)
    monthly = pd.Series(_column(loans, "bank_monthly_amount").to_numpy(), dtype="Int64")
    out["bank_monthly_amount"] = monthly.where(monthly.gt(0).fillna(False))
    return out


def expected_installments(loans: pd.DataFrame, installments: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The installments due in the month of loans active in it: contract_no, period_no, due_date, expected.

    ``loans`` as :func:`prepare_loans` returns; ``installments`` as core.schedule.build_schedules returns
    (contract_no, period, due_date, payment; every period of each loan, so the final one is known).
    """
    sched = installments[["contract_no", "period", "due_date", "payment"]]
    final = sched["period"].eq(sched.groupby("contract_no")["period"].transform("max"))
    due = sched.assign(final=final)[period.contains(sched["due_date"]).to_numpy(dtype=bool)]
    due = due.merge(loans.loc[loans["active"], ["contract_no", "bank_monthly_amount"]], on="contract_no")
    use_bank = due["bank_monthly_amount"].notna() & ~due["final"]
    expected = np.where(use_bank, due["bank_monthly_amount"].fillna(0), due["payment"]).astype(np.int64)
    return pd.DataFrame({"contract_no": due["contract_no"].to_numpy(), "period_no": due["period"].to_numpy(),
                         "due_date": due["due_date"].to_numpy(), "expected": expected})


# ---------------------------------------------------------------------------------------------- lines


def classify_lines(lines: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Lines with line_id, card parts, name_key and a first category: failed, duplicate, outside_month or
    usable (decided later: matched / unmatched). Duplicates: a 流水号 seen on an earlier non-failed line."""
    out = lines.reset_index(drop=True).copy()
    for column in LINE_COLUMNS:
        if column not in out:
            out[column] = None
    out["line_id"] = np.arange(len(out), dtype=np.int64)
    out = pd.concat([out, card_parts(out["card_no"]).add_prefix("card_")], axis=1)
    out["name_key"] = name_key(out["customer_name"])
    failed = out["deduction_status"].eq("failed").fillna(False).to_numpy(dtype=bool)
    ref = _text(out["bank_ref"])
    refs = ref.where(~failed & ref.ne(""))
    first = out.groupby(refs, sort=False)["line_id"].transform("min")
    duplicate = (refs.notna() & first.ne(out["line_id"])).to_numpy(dtype=bool)
    first_id = first.where(duplicate, -1).fillna(-1).astype(np.int64)
    out["first_source"] = out["source"].reindex(first_id).to_numpy()
    out["first_row"] = out["excel_row"].reindex(first_id).to_numpy()
    out.loc[~duplicate, ["first_source", "first_row"]] = None
    in_month = period.contains(out["paid_on"]).fillna(False).to_numpy(dtype=bool)
    out["category"] = np.select([failed, duplicate, ~in_month], ["failed", "duplicate", "outside_month"],
                                "usable")
    return out


def match_lines(lines: pd.DataFrame, loans: pd.DataFrame) -> pd.DataFrame:
    """The loan of each line (``contract_no``, None when none) and why not (``reason``), by line_id.

    Full card: the loans holding that card; with several, the one that expects money this month
    (``live``) if exactly one does, else ``ambiguous_card``. Masked card: active loans of the same name
    whose card shows the same visible digits; none by name → ``name_not_found``; by name but not by
    digits → ``digits_mismatch``; several → ``ambiguous_name``.
    """
    result = pd.DataFrame({"line_id": lines["line_id"].to_numpy(), "contract_no": None, "reason": None})
    result = result.set_index("line_id")
    keys = loans.loc[loans["card_no"].ne(""), ["contract_no", "card_no", "live"]]
    full = lines.loc[~lines["card_masked"], ["line_id", "card_digits"]]
    pairs = full.merge(keys, left_on="card_digits", right_on="card_no")
    counts = pairs.groupby("line_id").agg(n=("contract_no", "size"), n_live=("live", "sum"))
    pairs = pairs.join(counts, on="line_id")
    chosen = pairs[(pairs["n"] == 1) | ((pairs["n_live"] == 1) & pairs["live"])]
    result.loc[full["line_id"], "reason"] = "unknown_card"
    result.loc[counts.index, "reason"] = "ambiguous_card"
    result.loc[chosen["line_id"], "contract_no"] = chosen["contract_no"].to_numpy()

    masked = lines.loc[lines["card_masked"], ["line_id", "name_key", "card_prefix", "card_suffix"]]
    by_name = masked[masked["name_key"].ne("")].merge(
        loans.loc[loans["active"], ["contract_no", "name_key", "card_no"]], on="name_key")
    agree = pd.Series(False, index=by_name.index)
    # one vectorized comparison per mask shape (length of the visible head and tail), not per line
    shapes = [by_name["card_prefix"].str.len(), by_name["card_suffix"].str.len()]
    for (head, tail), group in by_name.groupby(shapes):
        card = group["card_no"]
        ok = card.str.len().ge(head + tail) & card.str[:head].eq(group["card_prefix"])
        if tail:
            ok &= card.str[-tail:].eq(group["card_suffix"])
        agree[group.index] = ok
    good = by_name[agree]
    n_good = good.groupby("line_id")["contract_no"].transform("size")
    result.loc[masked["line_id"], "reason"] = "name_not_found"
    result.loc[by_name["line_id"], "reason"] = "digits_mismatch"
    result.loc[good["line_id"], "reason"] = "ambiguous_name"
    single = good[n_good == 1]
    result.loc[single["line_id"], "contract_no"] = single["contract_no"].to_numpy()
    result.loc[result["contract_no"].notna(), "reason"] = None
    return result.reset_index()


# ------------------------------------------------------------------------------------------ reconcile


def reconcile(loans: pd.DataFrame, installments: pd.DataFrame, lines: pd.DataFrame, period: Period
              ) -> Reconciliation:
    """Everything for the month. ``loans``: ledger loan rows (contract_no, customer_name, card_no, status,
    settled_on, written_off_on, bank_monthly_amount – missing optional columns mean empty);
    ``installments``: their schedules (build_schedules); ``lines``: the statements' rows (LINE_COLUMNS),
    files in the order given, rows in file order."""
    book = prepare_loans(loans, period)
    expected = expected_installments(book, installments, period)
    book["live"] = book["contract_no"].isin(expected["contract_no"])
    classified = classify_lines(lines, period)
    matched = match_lines(classified, book)
    classified["contract_no"] = matched["contract_no"].to_numpy()
    usable = classified["category"].eq("usable")
    positive = pd.Series(classified["amount"], dtype="Int64").gt(0).fillna(False)
    reason = matched["reason"].where(usable, None)
    reason = reason.where(~(usable & ~positive), "not_positive")
    classified["reason"] = reason.to_numpy()
    classified["category"] = np.where(usable & reason.isna(), "matched",
                                      np.where(usable, "unmatched", classified["category"]))

    rows = installment_status(expected, classified[classified["category"].eq("matched")], book)
    advances = advance_list(rows)
    totals = control_totals(rows, classified)
    columns = [*LINE_COLUMNS, "line_id", "category", "reason", "contract_no", "first_source", "first_row"]
    return Reconciliation(period=period, installments=rows, lines=classified[columns], advances=advances,
                          totals=totals, digest=advance_digest(advances, period))


def installment_status(expected: pd.DataFrame, used: pd.DataFrame, loans: pd.DataFrame) -> pd.DataFrame:
    """Expected installments joined with what their loans received (see :class:`Reconciliation`)."""
    received = (used.assign(amount=used["amount"].astype(np.int64)).groupby("contract_no")
                .agg(received=("amount", "sum"), line_count=("amount", "size")).reset_index())
    rows = expected.merge(received, on="contract_no", how="outer")
    rows = rows.merge(loans[["contract_no", "customer_name", "card_no"]], on="contract_no", how="left")
    for column in ("expected", "received", "line_count", "period_no"):
        rows[column] = rows[column].fillna(0).astype(np.int64)
    gap = rows["expected"] - rows["received"]
    rows["status"] = np.select([rows["received"].eq(0) & gap.gt(0), gap.gt(0), gap.lt(0)],
                               ["unpaid", "short", "over"], "paid")
    rows["advance"] = gap.clip(lower=0)
    rows["over"] = (-gap).clip(lower=0)
    rows["due_date"] = pd.to_datetime(rows["due_date"])
    rows = rows.sort_values(["contract_no", "due_date"], kind="stable", na_position="last")
    return rows[["contract_no", "customer_name", "card_no", "period_no", "due_date", "expected", "received",
                 "line_count", "status", "advance", "over"]].reset_index(drop=True)


def advance_list(rows: pd.DataFrame) -> pd.DataFrame:
    """垫款清单: what the company advances to the bank for short and unpaid installments."""
    owed = rows[rows["status"].isin(["short", "unpaid"])]
    out = pd.DataFrame({"contract_no": owed["contract_no"], "customer_name": owed["customer_name"].fillna(""),
                        "card_no": owed["card_no"].fillna(""), "due_date": owed["due_date"],
                        "amount": owed["advance"].astype(np.int64)})
    return out.sort_values(["contract_no", "due_date"], kind="stable").reset_index(drop=True)


def control_totals(rows: pd.DataFrame, lines: pd.DataFrame) -> dict[str, int]:
    """Counts and fen sums; ``expected == received - over_sum + advance_sum`` and
    ``lines_amount == received + unmatched_sum + failed_sum + duplicate_sum + outside_month_sum``."""
    totals = {"installment_count": int(rows["period_no"].gt(0).sum()),
              "expected": int(rows["expected"].sum()), "received": int(rows["received"].sum())}
    for status in STATUSES:
        totals[f"{status}_count"] = int(rows["status"].eq(status).sum())
    totals["over_sum"] = int(rows["over"].sum())
    totals["advance_count"] = int(rows["advance"].gt(0).sum())
    totals["advance_sum"] = int(rows["advance"].sum())
    amount = pd.Series(lines["amount"], dtype="Int64").fillna(0).astype(np.int64)
    totals["lines_count"] = len(lines)
    totals["lines_amount"] = int(amount.sum())
    for category in CATEGORIES:
        chosen = lines["category"].eq(category)
        totals[f"{category}_count"] = int(chosen.sum())
        totals[f"{category}_sum"] = int(amount[chosen].sum())
    return totals


# --------------------------------------------------------------------------------------------- digest


def canonical_advance_text(advances: pd.DataFrame, period: Period) -> str:
    """The text the digest is taken over, so that a colleague can rebuild it by hand.

    UTF-8, lines ended by a single LF, fields separated by one TAB:
    line 1 ``loantool advance list v1``; line 2 ``period<TAB>YYYY-MM``; then one line per advance, sorted
    by 合同编号 then 还款日 (code-point order): ``合同编号<TAB>客户姓名<TAB>银行卡号 (digits only)<TAB>
    还款日 YYYY-MM-DD<TAB>金额 (yuan, two decimals, no separators)``; last ``count<TAB>N`` and
    ``sum<TAB>yuan``. Names are NFKC-normalised and stripped.
    """
    ordered = advances.sort_values(["contract_no", "due_date"], kind="stable")
    names = _text(ordered["customer_name"])
    dates = pd.to_datetime(ordered["due_date"]).dt.strftime("%Y-%m-%d")
    amounts = [fen_to_str(v) for v in ordered["amount"]]
    body = [f"{c}\t{n}\t{k}\t{d}\t{a}\n" for c, n, k, d, a in
            zip(ordered["contract_no"], names, ordered["card_no"], dates, amounts, strict=True)]
    total = int(ordered["amount"].sum()) if len(ordered) else 0
    return (f"{DIGEST_HEADER}\nperiod\t{period.label}\n" + "".join(body)
            + f"count\t{len(ordered)}\nsum\t{fen_to_str(total)}\n")


def advance_digest(advances: pd.DataFrame, period: Period) -> str:
    """SHA-256 (hex) of :func:`canonical_advance_text` encoded as UTF-8."""
    return hashlib.sha256(canonical_advance_text(advances, period).encode("utf-8")).hexdigest()


# -------------------------------------------------------------------------------------------- posting


@dataclass
class PaymentsToPost:
    """What posting the month's customer payments would do: ``post`` (matched lines not yet in 还款记录),
    ``already`` (how many are there), ``review`` (lines without a 流水号 held back: 还款记录 already holds a
    客户还款 of the same contract, date and amount from another source – ``other`` says which)."""

    post: pd.DataFrame
    already: int
    review: pd.DataFrame


def _trimmed(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _other_source(rows: pd.DataFrame) -> pd.Series:
    """How a 还款记录 row names where it came from: its 流水号, else its 备注, else its Excel row."""
    ref, note = _trimmed(rows["bank_ref"]), _trimmed(rows["note"])
    where = (("row " + rows["excel_row"].astype(str)) if "excel_row" in rows
             else pd.Series("", index=rows.index))
    return ref.where(ref.ne(""), note.where(note.ne(""), where))


def payments_to_post(rec: Reconciliation, existing: pd.DataFrame) -> PaymentsToPost:
    """The matched, successful, in-month lines to post (``existing``: 还款记录's rows with the payment
    field keys contract_no, paid_on, amount, payment_type, bank_ref, note).

    A line with a 流水号 is there when any row carries it. A line without one is keyed on its file, card,
    date, amount and occurrence (the k-th identical line of a file): it is there when 还款记录 holds k
    客户还款 rows without a 流水号 posted from that file (its name in 备注) for the same contract, date and
    amount. Otherwise, when a 客户还款 of that contract, date and amount came from anywhere else – a row
    with a 流水号, another file, a hand entry, or a line posted earlier in this run – it is not posted but
    listed for review: the same deduction copied into a file without 流水号 must not be booked twice."""
    lines = rec.lines[rec.lines["category"] == "matched"].copy()
    key = ["contract_no", "paid_on", "amount"]
    lines["amount"] = lines["amount"].astype("int64")
    lines["paid_on"] = pd.to_datetime(lines["paid_on"]).astype("datetime64[ns]")
    ref = _trimmed(lines["bank_ref"])
    # every 流水号 of 还款记录, trimmed, as a set (还款记录 has hundreds of thousands of rows, a statement
    # tens of thousands of lines: each line is looked up, the column is not searched per line)
    refs = existing["bank_ref"].dropna().to_numpy(dtype=object)
    try:
        known_refs = set(map(str.strip, refs))
    except TypeError:  # not all text
        known_refs = {str(value).strip() for value in refs}
    with_ref = ref.ne("")
    found = np.fromiter((value in known_refs for value in ref.to_numpy(dtype=object)), dtype=bool,
                        count=len(ref))
    already = with_ref & pd.Series(found, index=ref.index)
    review = pd.Series(False, index=lines.index)
    other = pd.Series(None, index=lines.index, dtype=object)
    bare = lines[~with_ref]
    if bare.empty:  # every line has its 流水号 (the usual month-end statement): nothing more to look at
        return PaymentsToPost(lines[~already], int(already.sum()), lines.iloc[:0].assign(other=None))

    # only the 客户还款 rows that could be one of these payments: same contract, date and amount
    paid = existing[(existing["payment_type"] == "customer_paid")
                    & existing["contract_no"].isin(set(bare["contract_no"]))].dropna(subset=key).copy()
    paid["amount"] = paid["amount"].astype("int64")
    paid["paid_on"] = pd.to_datetime(paid["paid_on"]).astype("datetime64[ns]")
    paid = paid.merge(bare[key].drop_duplicates(), on=key, how="inner")
    paid_bare, paid_note = _trimmed(paid["bank_ref"]).eq(""), _trimmed(paid["note"])
    paid["source_text"] = _other_source(paid)
    # this run's postings so far: the new lines with a 流水号 first, then each file's bare lines in order
    ran = lines.loc[with_ref & ~already, key].assign(source_text=lines["source"] + " " + ref)
    for source in dict.fromkeys(bare["source"]):
        mine = bare[bare["source"] == source]
        card = mine["card_no"].astype(object).where(mine["card_no"].notna(), "").astype(str)
        occurrence = mine.assign(card=card).groupby(["card", "paid_on", "amount"], sort=False).cumcount() + 1
        from_here = paid_bare & paid_note.str.contains(str(source), regex=False)
        have = paid[from_here].groupby(key).size().rename("have")
        have_count = mine[key].join(have, on=key)["have"].fillna(0).to_numpy()
        done = occurrence.to_numpy() <= have_count
        elsewhere = pd.concat([paid.loc[~from_here, [*key, "source_text"]], ran], ignore_index=True)
        first = elsewhere.drop_duplicates(key).set_index(key)["source_text"]
        found = mine[key].join(first, on=key)["source_text"]
        held = ~done & found.notna().to_numpy()
        already.loc[mine.index[done]] = True
        review.loc[mine.index[held]] = True
        other.loc[mine.index[held]] = found[held].to_numpy()
        posted = mine[~done & ~held]
        source_text = posted["source"] + " 第" + posted["excel_row"].astype(str) + "行"
        ran = pd.concat([ran, posted[key].assign(source_text=source_text)], ignore_index=True)
    held_back = lines[review].assign(other=other[review])
    return PaymentsToPost(lines[~already & ~review], int(already.sum()), held_back)


def advances_to_post(rec: Reconciliation, existing: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Advance-list rows whose (合同编号, due date) has no 公司垫款 row with that due date in 备注."""
    advances = rec.advances
    rows = existing[existing["payment_type"] == "company_advance"]
    due = rows["note"].fillna("").astype(str).str.extract(ADVANCE_KEY, expand=False)
    posted = pd.MultiIndex.from_arrays([rows["contract_no"].astype(str), due.fillna("")])
    wanted = pd.MultiIndex.from_arrays([advances["contract_no"].astype(str),
                                        advances["due_date"].dt.strftime("%Y-%m-%d")])
    done = wanted.isin(posted)
    return advances[~done], int(done.sum())


def advances_paid_by_customer(advances: pd.DataFrame, installments: pd.DataFrame, payments: pd.DataFrame, *,
                              as_of: object) -> np.ndarray:
    """For each advance-list row, whether the customer's payments in ``payments`` (还款记录 rows, dated ≤
    ``as_of``, allocated oldest first: core.allocation) already pay its installment in full – the bank
    then needs no advance for it."""
    if advances.empty:
        return np.zeros(0, dtype=bool)
    contracts = set(advances["contract_no"])
    mine = installments[installments["contract_no"].isin(contracts)]
    paid = payments[payments["contract_no"].isin(contracts)
                    & payments["payment_type"].isin(CUSTOMER_PAYMENT_TYPES)]
    allocation = allocate(mine, paid, as_of=as_of)
    done = allocation.installments[allocation.installments["unpaid"] <= 0]
    keys = pd.MultiIndex.from_arrays([done["contract_no"].astype(str),
                                      pd.to_datetime(done["due_date"]).dt.strftime("%Y-%m-%d")])
    wanted = pd.MultiIndex.from_arrays([advances["contract_no"].astype(str),
                                        pd.to_datetime(advances["due_date"]).dt.strftime("%Y-%m-%d")])
    return np.asarray(wanted.isin(keys), dtype=bool)
