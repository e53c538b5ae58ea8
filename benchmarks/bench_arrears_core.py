"""Time the arrears core (allocation, DPD, classification, actions) on a generated portfolio.

    python benchmarks/bench_arrears_core.py [--loans 20000] [--seed 1] [--repeat 3]

Generates, in numpy only, ``--loans`` flat-fee loans of 36–60 periods picked up 1.5–3 years ago, and a
year and a half of 还款记录 (plus one row per loan paying ahead what fell due before): most installments
paid on the due date, a tenth in two parts, some late, partial or doubled, some loans that stop paying,
with company advances and their repayments (about 400,000 rows for 20,000 loans). Prints the row
counts, the time of ``assess_portfolio`` (best of ``--repeat``), and a few totals so that a change in
the numbers is visible.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loantool.core.allocation import add_months  # noqa: E402
from loantool.core.arrears import assess_portfolio  # noqa: E402

AS_OF = np.datetime64("2025-06-30", "D")


def generate(n_loans: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    contracts = np.char.add("HT", np.char.zfill(np.arange(1, n_loans + 1).astype(str), 7)).astype(object)
    term = rng.choice([36, 48, 60], n_loans)
    principal = rng.integers(50_000, 300_000, n_loans) * 100
    fee_total = principal * rng.integers(8, 15, n_loans) // 100
    pickup = AS_OF.view(np.int64) - rng.integers(560, 1100, n_loans)
    status = np.where(rng.random(n_loans) < 0.03, "settled", "active").astype(object)
    loans = pd.DataFrame({
        "contract_no": contracts, "customer_name": "客户", "status": status, "principal": principal,
        "risk_grade": rng.choice(np.array(["good", "fair", "poor", None], dtype=object), n_loans),
        "last_inspection": (AS_OF.view(np.int64) - rng.integers(0, 120, n_loans)).view("datetime64[D]"),
        "last_notice_signed": np.where(rng.random(n_loans) < 0.1, AS_OF - 20, np.datetime64("NaT", "D")),
    })

    # installments: period k due on the pickup day, k months later (clamped)
    loan = np.repeat(np.arange(n_loans), term)
    first = np.concatenate(([0], np.cumsum(term)[:-1]))
    period = np.arange(len(loan)) - first[loan] + 1
    due = add_months(pickup[loan], period)
    base = principal // term
    last = period == term[loan]
    inst_principal = np.where(last, principal[loan] - base[loan] * (term[loan] - 1), base[loan])
    fee_base = fee_total // term
    fee = np.where(last, fee_total[loan] - fee_base[loan] * (term[loan] - 1), fee_base[loan])
    installments = pd.DataFrame({
        "contract_no": contracts[loan], "period": period, "due_date": due.view("datetime64[D]"),
        "principal": inst_principal, "interest": np.zeros(len(loan), dtype=np.int64), "fee": fee,
        "payment": inst_principal + fee,
        "balance": principal[loan] - (np.cumsum(inst_principal) - np.cumsum(inst_principal)[first[loan]]
                                      + inst_principal[first[loan]]),
    })

    # payments for installments due in the last 18 months up to as-of
    window = (due <= AS_OF.view(np.int64)) & (due > AS_OF.view(np.int64) - 548)
    stops_after = np.where(rng.random(n_loans) < 0.06, rng.integers(1, 20, n_loans), 10_000)
    pays = window & (period < stops_after[loan])
    idx = np.nonzero(pays)[0]
    amount = (inst_principal + fee)[idx]
    delay = np.where(rng.random(len(idx)) < 0.08, rng.integers(1, 45, len(idx)), 0)
    part = rng.random(len(idx))
    amount = np.where(part < 0.003, amount // 2, np.where(part < 0.006, amount * 2, amount))
    paid_on = np.minimum(due[idx] + delay, AS_OF.view(np.int64))
    # a tenth of the installments are paid in two parts: most of it on time, the rest a few days later
    split = rng.random(len(idx)) < 0.1
    rest = amount[split] // 3
    amount[split] -= rest
    idx = np.concatenate([idx, idx[split]])
    amount = np.concatenate([amount, rest])
    paid_on = np.concatenate([paid_on, np.minimum(paid_on[split] + rng.integers(0, 5, int(split.sum())),
                                                  AS_OF.view(np.int64))])
    # what fell due before the window was paid: one row per loan, paid ahead on the first due date
    before = (due <= AS_OF.view(np.int64) - 548)
    owed_before = np.zeros(n_loans, dtype=np.int64)
    np.add.at(owed_before, loan[before], (inst_principal + fee)[before])
    has_before = np.nonzero(owed_before)[0]
    idx = np.concatenate([idx, first[has_before]])
    amount = np.concatenate([amount, owed_before[has_before]])
    paid_on = np.concatenate([paid_on, due[first[has_before]]])
    kind = np.full(len(idx), "customer_paid", dtype=object)
    # the company advanced the missed ones of the stopped loans; some were repaid later
    missed = np.nonzero(window & ~pays)[0]
    adv_amount = (inst_principal + fee)[missed]
    repaid = rng.random(len(missed)) < 0.3
    payments = pd.DataFrame({
        "contract_no": np.concatenate([contracts[loan[idx]], contracts[loan[missed]],
                                       contracts[loan[missed[repaid]]]]),
        "paid_on": np.concatenate([paid_on, due[missed], np.minimum(due[missed[repaid]] + 30,
                                                                    AS_OF.view(np.int64))]
                                  ).view("datetime64[D]"),
        "amount": np.concatenate([amount, adv_amount, adv_amount[repaid]]),
        "payment_type": np.concatenate([kind, np.full(len(missed), "company_advance", dtype=object),
                                        np.full(int(repaid.sum()), "advance_repaid", dtype=object)]),
    }).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return loans, installments, payments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    loans, installments, payments = generate(args.loans, args.seed)
    print(f"generated {len(loans):,} loans, {len(installments):,} installments, "
          f"{len(payments):,} payment rows"
          f" in {time.perf_counter() - started:.2f} s")
    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = assess_portfolio(loans, installments, payments, as_of=AS_OF)
        best = min(best, time.perf_counter() - started)
    s = result.summary
    print(f"assess_portfolio: {best:.3f} s (best of {args.repeat})")
    print(f"active {s.active_loans:,}  in arrears {s.loans_in_arrears:,}  连三累六 {s.lian3lei6:,}  "
          f"NPL ratio {s.npl_ratio_display}  call list {len(result.call_list):,}  sms {len(result.sms):,}  "
          f"inspections due {len(result.inspections):,}")


if __name__ == "__main__":
    main()
