"""Time the vectorized schedule engine beside a plain per-loan Decimal loop, in one run.

    python benchmarks/bench_schedule.py [--loans 100000] [--periods 60] [--sample 5000] [--full]
                                        [--repeat 5] [--seed 7]

Generates ``--loans`` loans (the three methods mixed; principals 30,000–500,000 yuan; annual rates
3–15 %, flat-fee totals 4–20 %; pickups over four years with month ends; some with a first due date or a
bank due day), all of ``--periods`` periods. Times ``build_schedules`` over all of them (the first call,
and the best of ``--repeat``), and a straightforward Decimal loop – one loan at a time, ROUND_HALF_UP,
calendar.monthrange for due dates – over a random ``--sample`` of the same loans, extrapolated linearly
to all loans (``--full`` runs the loop over every loan instead). Checks that the two agree to the fen
on every installment of the loans both computed, and prints both times and the ratio – by wall clock
and by CPU time, since on a shared machine the memory-bound engine suffers more from neighbours than
the loop does. The loop only builds Python lists (no DataFrame), which flatters it.
Exit status 1 if they disagree anywhere.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import sys
import time
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loantool.core.schedule import build_schedules  # noqa: E402
from loantool.money import RATE_SCALE  # noqa: E402

TARGET = 25.0


def generate(n_loans: int, periods: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    method = rng.choice(np.array(["annuity", "equal_principal", "flat_fee"], dtype=object), n_loans)
    annual = rng.integers(300, 1_501, n_loans) * 10_000  # 3.00–15.00 % in steps of 0.01 %
    fee_total = rng.integers(400, 2_001, n_loans) * 10_000  # 4.00–20.00 % over the term
    pickup = np.datetime64("2021-01-01", "D") + rng.integers(0, 4 * 365, n_loans)
    month_end = rng.random(n_loans) < 0.1  # a tenth picked up on the 28th–31st
    month = pickup.astype("datetime64[M]")
    last_day = (month + 1).astype("datetime64[D]") - 1
    pickup = np.where(month_end, last_day - rng.integers(0, 4, n_loans), pickup)
    first_due = np.where(rng.random(n_loans) < 0.1,
                         (month + 1).astype("datetime64[D]") + rng.integers(0, 28, n_loans), np.datetime64("NaT", "D"))
    due_day = pd.array(np.where(rng.random(n_loans) < 0.3, rng.integers(1, 29, n_loans), 0), dtype="Int64")
    due_day[due_day == 0] = pd.NA
    return pd.DataFrame({
        "contract_no": np.char.add("HT", np.char.zfill(np.arange(1, n_loans + 1).astype(str), 7)).astype(object),
        "principal": rng.integers(30_000, 500_001, n_loans) * 100 + np.where(rng.random(n_loans) < 0.2,
                                                                              rng.integers(0, 100, n_loans), 0),
        "term": np.full(n_loans, periods, dtype=np.int64),
        "method": method,
        "rate": np.where(method == "flat_fee", fee_total, annual),
        "pickup_date": pd.to_datetime(pickup),
        "first_due_date": pd.to_datetime(first_due),
        "due_day": due_day,
    })


# --------------------------------------------------------------------------------- the plain loop


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _due_date(pickup: dt.date, first_due: dt.date | None, bank_day: int | None, period: int) -> dt.date:
    day = bank_day or (first_due.day if first_due else pickup.day)
    start = first_due if first_due else pickup
    index = start.year * 12 + start.month - 1 + (period - 1) + (0 if first_due else 1)
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def decimal_schedule(principal: int, term: int, method: str, rate_units: int, pickup: dt.date,
                     first_due: dt.date | None, bank_day: int | None) -> list[tuple]:
    """One loan, the obvious way: rows of (period, due date, principal, interest, fee, payment, balance)."""
    rows = []
    with localcontext() as ctx:
        ctx.prec = 50
        rate = Decimal(rate_units) / RATE_SCALE
        balance = principal
        payment = level = fee = fee_total = 0
        if method == "annuity" and rate_units:
            r = rate / 12
            growth = (1 + r) ** term
            payment = _half_up(principal * r * growth / (growth - 1))
        else:
            level = _half_up(Decimal(principal) / term)
        if method == "flat_fee":
            fee_total = _half_up(principal * rate)
            fee = _half_up(principal * rate / term)
        for k in range(1, term + 1):
            last = k == term
            interest = 0 if method == "flat_fee" else _half_up(balance * rate / 12)
            if method == "annuity" and rate_units:
                part = balance if last else payment - interest
            else:
                part = balance if last else level
            fee_k = fee_total - (term - 1) * fee if last else fee
            balance -= part
            rows.append((k, _due_date(pickup, first_due, bank_day, k), part, interest, fee_k,
                         part + interest + fee_k, balance))
    return rows


def decimal_loop(loans: pd.DataFrame) -> list[list[tuple]]:
    out = []
    for row in loans.itertuples(index=False):
        first_due = None if pd.isna(row.first_due_date) else row.first_due_date.date()
        bank_day = None if pd.isna(row.due_day) else int(row.due_day)
        out.append(decimal_schedule(int(row.principal), int(row.term), row.method, int(row.rate),
                                    row.pickup_date.date(), first_due, bank_day))
    return out


# ------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--periods", type=int, default=60)
    parser.add_argument("--sample", type=int, default=5_000, help="loans the Decimal loop runs over")
    parser.add_argument("--full", action="store_true", help="run the Decimal loop over every loan")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    loans = generate(args.loans, args.periods, args.seed)
    rows = args.loans * args.periods
    print(f"{args.loans:,} loans × {args.periods} periods = {rows:,} installments "
          f"({', '.join(f'{m} {c:,}' for m, c in loans['method'].value_counts().sort_index().items())})")

    times, cpu_times = [], []
    for _ in range(max(1, args.repeat)):
        start, cpu_start = time.perf_counter(), time.process_time()
        schedule = build_schedules(loans)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    engine, engine_cpu = min(times), min(cpu_times)
    print(f"build_schedules: first call {times[0]:.3f} s, best of {len(times)} {engine:.3f} s "
          f"(CPU {engine_cpu:.3f} s; {rows / engine / 1e6:.1f} M installments/s)")

    if args.full or args.sample >= args.loans:
        sample = loans
    else:
        picked = np.sort(np.random.default_rng(args.seed + 1).choice(args.loans, args.sample, replace=False))
        sample = loans.iloc[picked]
    start, cpu_start = time.perf_counter(), time.process_time()
    reference = decimal_loop(sample)
    loop_sample, loop_sample_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    scale = len(loans) / len(sample)
    loop, loop_cpu = loop_sample * scale, loop_sample_cpu * scale
    if len(sample) == len(loans):
        print(f"Decimal loop over all {len(loans):,} loans: {loop:.2f} s (CPU {loop_cpu:.2f} s)")
    else:
        print(f"Decimal loop over a random sample of {len(sample):,} loans: {loop_sample:.2f} s; "
              f"extrapolated linearly to {len(loans):,} loans: {loop:.1f} s (CPU {loop_cpu:.1f} s)")

    # agreement to the fen on every installment of the loans both computed
    first_row = pd.Series(np.arange(0, rows, args.periods), index=loans["contract_no"])
    wanted = (first_row[sample["contract_no"]].to_numpy()[:, None] + np.arange(args.periods)).ravel()
    got = schedule.iloc[wanted]
    expected = np.array([r[:1] + r[2:] for loan in reference for r in loan], dtype=np.int64)
    columns = ["period", "principal", "interest", "fee", "payment", "balance"]
    money_ok = np.array_equal(got[columns].to_numpy(dtype=np.int64), expected)
    dates_ok = np.array_equal(got["due_date"].dt.date.to_numpy(),
                              np.array([r[1] for loan in reference for r in loan], dtype=object))
    contracts_ok = (got["contract_no"].to_numpy() == np.repeat(sample["contract_no"].to_numpy(), args.periods)).all()
    agree = money_ok and dates_ok and contracts_ok
    print(f"agreement on {len(sample):,} loans ({len(expected):,} installments): "
          f"{'every amount and due date equal to the fen' if agree else 'MISMATCH'}"
          f" (amounts {'ok' if money_ok else 'DIFFER'}, due dates {'ok' if dates_ok else 'DIFFER'})")

    ratio = loop / engine
    print(f"ratio: {ratio:.1f}× faster than the Decimal loop (wall, best engine run; first call "
          f"{loop / times[0]:.1f}×; CPU time {loop_cpu / engine_cpu:.1f}×); "
          f"target ≥ {TARGET:.0f}×: {'met' if ratio >= TARGET else 'NOT met'}")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
