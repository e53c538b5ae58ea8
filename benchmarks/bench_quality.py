"""Benchmark: quality-report on a 20,000-loan ledger beside python-calamine's bare read of the same file.

The ledger is bench_overdue.py's (its generator, reused): 20,000 等本等费 loans of 36–60 periods picked up
1.5–3 years before 2026-11-30 (3 % settled), and about 418,000 rows of 还款记录 – a year and a half of
payments, some late, partial or missing, with company advances and some of them repaid. Then, in one run
and each as a whole new process (interpreter start and imports included on both sides), best of
``--repeat``:

(a)  the bare read: python-calamine opens the ledger and reads every sheet to Python rows;
(b)  ``loantool quality-report --period 2026-11 --history 0``: the month end, the previous month end and
     the year start – classes, migration matrix and rates, flow rates, dealers, 连三累六, the 明细 of
     every loan – with its workbook written;
(c)  the same with ``--history 12`` (the default): the last twelve month ends for the charts (thirteen
     days in the one pass, for the first month's flow rates).

Targets (issue 13): (b) within 3× (a), and (c) at most 2× (b). The machine's load average and core count
are printed: compare ratios, not seconds, and only on an idle machine. The CPU time of each process
(user + system) is printed too: on a shared machine it moves less than the wall time.

    python benchmarks/bench_quality.py [--loans 20000] [--seed 1] [--repeat 3] [--keep DIR] [--stages]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from bench_overdue import AS_OF, generate_loans, generate_payments, schedules, write_ledger  # noqa: E402

PERIOD = str(AS_OF)[:7]
BARE = ("import sys; from python_calamine import CalamineWorkbook as W; b = W.from_path(sys.argv[1]); "
        "[b.get_sheet_by_name(n).to_python() for n in b.sheet_names]")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def best_of(repeat: int, command: list[str]) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system of the child process) of ``repeat`` runs."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best, best_cpu


def report_command(ledger: Path, out: Path, history: int) -> list[str]:
    return [sys.executable, "-m", "loantool", "quality-report", "--ledger", str(ledger), "--period", PERIOD,
            "--as-of", str(AS_OF), "--history", str(history), "--out", str(out), "--quiet"]


def stages(ledger: Path, out: Path) -> None:
    """Each stage of (c) on its own, in this process."""
    from loantool.config import Settings
    from loantool.core import quality
    from loantool.core.arrears import Rules
    from loantool.core.history import on_books_any, snapshots
    from loantool.ledger.read import load_ledger
    from loantool.reports.quality import write_report
    from loantool.workflows.quality import quality_report
    from loantool.workflows.schedule import schedules_for

    settings = Settings()
    end = dt.date.fromisoformat(str(AS_OF))
    days = sorted({*quality.month_ends_back(end, 13), quality.year_start(end)})

    def timed(name, func, *args, **kwargs):
        started = time.perf_counter()
        result = func(*args, **kwargs)
        print(f"  {name:<62} {time.perf_counter() - started:7.3f} s")
        return result

    book = timed("load_ledger", load_ledger, ledger, settings, as_of=end)
    loans = book.loans.frame
    chosen = timed("on_books_any (loan states at the 13 days)", lambda: loans[on_books_any(loans, days)])
    inst = timed("schedules_for (the loans on the books at one of the days)", schedules_for, book, chosen,
                 settings).installments
    rules = Rules.from_settings(settings.arrears, settings.actions)
    timed("snapshots (13 days, 连三累六 at 3)", snapshots, chosen, inst, book.payments.frame, days,
          rules=rules, lian_days=days[-2:] + [quality.year_start(end)])
    report = timed("quality_report (the whole workflow, workbook included)", quality_report, settings,
                   [ledger], as_of=end, period=PERIOD, out=out)
    timed("write_report (the workbook alone)", write_report, report, out, settings.company.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to generate the ledger into once and reuse")
    parser.add_argument("--stages", action="store_true", help="time the stages of (c) one by one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_quality_") as tmp:
        folder = Path(tmp)
        ledger = folder / "ledger.xlsx"
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            ledger = args.keep / f"ledger_{args.loans}_{args.seed}.xlsx"
        if ledger.is_file():
            print(f"reusing {ledger} ({ledger.stat().st_size / 1e6:.1f} MB)")
        else:
            started = time.perf_counter()
            rng = np.random.default_rng(args.seed)
            loans = generate_loans(args.loans, rng)
            inst = schedules(loans)
            payments = generate_payments(loans, inst, rng)
            write_ledger(ledger, loans, payments)
            print(f"generated {len(loans):,} loans ({len(inst):,} installments), {len(payments):,} rows in "
                  f"还款记录, {ledger.stat().st_size / 1e6:.1f} MB, in {time.perf_counter() - started:.1f} s")
        out = folder / "资产质量月报.xlsx"
        bare = [sys.executable, "-c", BARE, str(ledger)]
        subprocess.run(bare, check=True)  # warm the file cache and the imports of both sides
        subprocess.run(report_command(ledger, out, 0), check=True)
        print(f"before: {load()}")
        read, read_cpu = best_of(args.repeat, bare)
        three, three_cpu = best_of(args.repeat, report_command(ledger, out, 0))
        history, history_cpu = best_of(args.repeat, report_command(ledger, out, 12))
        best = f"(best of {args.repeat}, whole processes; CPU = user + system)"
        print(f"(a) python-calamine bare read of every sheet:                   {read:7.3f} s  "
              f"CPU {read_cpu:6.3f} s  {best}")
        print(f"(b) quality-report, month end + previous month end + year start: {three:7.3f} s  "
              f"CPU {three_cpu:6.3f} s")
        print(f"(c) the same with the 12-month history (13 month ends, charts):  {history:7.3f} s  "
              f"CPU {history_cpu:6.3f} s")
        print(f"ratio (b)/(a): {three / read:.2f}  (target ≤ 3)    (c)/(b): {history / three:.2f}  "
              f"(target ≤ 2)    (c)/(a): {history / read:.2f}    report {out.stat().st_size / 1e6:.1f} MB")
        print(f"CPU-time ratios (less moved by other work on a shared machine; the command parses 还款记录 "
              f"in a second thread, so its wall time can be below its CPU time): (b)/(a) "
              f"{three_cpu / read_cpu:.2f}  (c)/(b) {history_cpu / three_cpu:.2f}")
        print(f"after: {load()}")
        if args.stages:
            print("stages of (c), in this process:")
            stages(ledger, out)


if __name__ == "__main__":
    main()
