"""Time the vectorized schedule engine beside a plain per-loan Decimal loop, in one run.

    python benchmarks/bench_schedule.py [--loans 100000] [--periods 60] [--sample N] [--repeat 5] [--seed 7]

Generates ``--loans`` loans (the three methods mixed; principals 30,000–500,000 yuan; annual rates
3–15 %, flat-fee totals 4–20 %; pickups over four years with month ends; some with a first due date or a
bank due day), all of ``--periods`` periods. Times ``build_schedules`` over all of them (the first call,
and the best of ``--repeat``), and a straightforward Decimal loop – one loan at a time, ROUND_HALF_UP,
calendar.monthrange for due dates – over the same loans (all of them, about 15–25 s; or a random
``--sample`` of them, its time extrapolated linearly and said so). Checks that the two agree to the fen
on every installment of the loans both computed, and prints both times and the ratio – by wall clock
and by CPU time, since on a shared machine the memory-bound engine suffers more from neighbours than
the loop does. The loop only builds Python lists (no DataFrame), which flatters it.
Exit status 1 if they disagree anywhere.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import resource
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
    next_month = (month + 1).astype("datetime64[D]")
    first_due = np.where(rng.random(n_loans) < 0.1, next_month + rng.integers(0, 28, n_loans),
                         np.datetime64("NaT", "D"))
    due_day = pd.array(np.where(rng.random(n_loans) < 0.3, rng.integers(1, 29, n_loans), 0), dtype="Int64")
    due_day[due_day == 0] = pd.NA
    return pd.DataFrame({
        "contract_no": np.array([f"HT{i:07d}" for i in range(1, n_loans + 1)], dtype=object),
        # whole yuan mostly, a fifth with fen
        "principal": rng.integers(30_000, 500_001, n_loans) * 100
        + np.where(rng.random(n_loans) < 0.2, rng.integers(0, 100, n_loans), 0),
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


def mismatches(schedule: pd.DataFrame, first_row: pd.Series, loans: pd.DataFrame, reference: list[list[tuple]]
               ) -> int:
    """Installments of ``loans`` where the engine and the loop differ in any amount or the due date."""
    pairs = zip(loans["contract_no"], loans["term"], strict=True)
    rows = np.concatenate([first_row[c] + np.arange(n) for c, n in pairs])
    got = schedule.iloc[rows]
    flat = [r for loan in reference for r in loan]
    expected = np.array([r[:1] + r[2:] for r in flat], dtype=np.int64)
    money = got[["period", "principal", "interest", "fee", "payment", "balance"]].to_numpy(dtype=np.int64)
    due = got["due_date"].to_numpy().astype("datetime64[D]")
    differ = (money != expected).any(axis=1) | (due != np.array([r[1] for r in flat], dtype="datetime64[D]"))
    contracts = np.repeat(loans["contract_no"].to_numpy(), loans["term"].to_numpy())
    differ |= got["contract_no"].to_numpy() != contracts
    return int(differ.sum())


# ------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--periods", type=int, default=60)
    parser.add_argument("--sample", type=int, default=0,
                        help="run the Decimal loop over a random sample of this many loans and extrapolate "
                             "(default 0: over every loan)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    loans = generate(args.loans, args.periods, args.seed)
    rows = args.loans * args.periods
    print(f"{args.loans:,} loans × {args.periods} periods = {rows:,} installments "
          f"({', '.join(f'{m} {c:,}' for m, c in loans['method'].value_counts().sort_index().items())})")

    times, cpu_times, system_times = [], [], []
    for _ in range(max(1, args.repeat)):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        start, cpu_start = time.perf_counter(), time.process_time()
        schedule = build_schedules(loans)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        system_times.append(resource.getrusage(resource.RUSAGE_SELF).ru_stime - usage.ru_stime)
    engine, engine_cpu = min(times), min(cpu_times)
    # The first call also pays the kernel for the fresh memory of its output (system time).
    print(f"build_schedules: first call {times[0]:.3f} s (of which system time {system_times[0]:.3f} s), "
          f"best of {len(times)} {engine:.3f} s (CPU {engine_cpu:.3f} s; "
          f"{rows / engine / 1e6:.1f} M installments/s)")

    if 0 < args.sample < args.loans:
        picked = np.sort(np.random.default_rng(args.seed + 1).choice(args.loans, args.sample, replace=False))
        sample = loans.iloc[picked]
    else:
        sample = loans
    starts = np.flatnonzero(schedule["period"].to_numpy() == 1)
    first_row = pd.Series(starts, index=schedule["contract_no"].to_numpy()[starts])
    # The loop runs in chunks so that its rows can be checked and dropped as it goes (6 million Python
    # tuples would not fit comfortably); only the loop itself is timed.
    loop_sample = loop_sample_cpu = 0.0
    differ = 0
    for chunk_start in range(0, len(sample), 5_000):
        chunk = sample.iloc[chunk_start:chunk_start + 5_000]
        start, cpu_start = time.perf_counter(), time.process_time()
        reference = decimal_loop(chunk)
        loop_sample += time.perf_counter() - start
        loop_sample_cpu += time.process_time() - cpu_start
        differ += mismatches(schedule, first_row, chunk, reference)
    scale = len(loans) / len(sample)
    loop, loop_cpu = loop_sample * scale, loop_sample_cpu * scale
    if len(sample) == len(loans):
        print(f"Decimal loop over all {len(loans):,} loans: {loop:.1f} s (CPU {loop_cpu:.1f} s)")
    else:
        print(f"Decimal loop over a random sample of {len(sample):,} loans: {loop_sample:.2f} s; "
              f"extrapolated linearly to {len(loans):,} loans: {loop:.1f} s (CPU {loop_cpu:.1f} s)")

    compared = int(sample["term"].sum())
    print(f"agreement on {len(sample):,} loans ({compared:,} installments): "
          + ("every amount and due date equal to the fen" if differ == 0
             else f"{differ:,} installments DIFFER"))
    ratio = loop / engine
    print(f"ratio: {ratio:.1f}× faster than the Decimal loop (wall, best engine run; first call "
          f"{loop / times[0]:.1f}×; CPU time {loop_cpu / engine_cpu:.1f}×); "
          f"target ≥ {TARGET:.0f}×: {'met' if ratio >= TARGET else 'NOT met'}")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
