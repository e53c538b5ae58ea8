"""Benchmark: reading the 20,000-loan ledger – python-calamine, fastexcel and loantool's load_ledger.

Uses the ledger of ``bench_overdue.py`` (generated there; ``--keep DIR`` reuses the one kept in DIR) and
times, in one run, best of ``--repeat`` (the runs taking turns), wall and CPU time (all threads):

(a) python-calamine ``to_python()`` of every sheet (a Python object per cell), one thread;
(b) fastexcel's bare read: ``load_sheet`` of every sheet and its Arrow export (``__arrow_c_array__``,
    what a fastexcel user gets without pyarrow), one thread;
(b1) the same as load_ledger asks fastexcel for it (``readahead.load_table_sheet``: every column typed
    from all its cells, ``strict``) – the share of (c) that is fastexcel's own, not the target's yardstick;
(c) ``load_ledger`` – typed frames, every check on entry – as loantool reads it: 还款记录 parsed in the
    calling thread, then 贷款台账 in a background thread while the payments' columns are made
    (``FastBook.load_beside``; ``grid.BACKGROUND_PARSE`` is off since issue 15's second round, for memory);
(c1) the same with the big sheet loaded in a background thread while 贷款台账 is read
    (``grid.BACKGROUND_PARSE = True``);
(d) ``load_ledger`` the careful way only (``grid.FAST_READ = False``: to_python, as before issue 15).

Target (issue 15): (c) ≤ 1.3 × (b). The load average is printed before and after: the machine is shared,
and (c)'s background thread only helps the wall time when a second core is free – the CPU-time ratio is
the steadier figure.

    python benchmarks/bench_read.py [--keep /tmp/bench_keep] [--loans 20000] [--seed 1] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fastexcel  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from loantool.config import Settings  # noqa: E402
from loantool.ledger import grid  # noqa: E402
from loantool.ledger.read import load_ledger  # noqa: E402
from loantool.ledger.readahead import load_table_sheet  # noqa: E402

AS_OF = dt.date(2026, 11, 30)


def calamine_read(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)


def fastexcel_read(path: Path) -> int:
    reader = fastexcel.read_excel(str(path))
    rows = 0
    for name in reader.sheet_names:
        sheet = reader.load_sheet_by_name(name)
        sheet.__arrow_c_array__()
        rows += sheet.height
    return rows


def fastexcel_typed_read(path: Path) -> int:
    """fastexcel as load_ledger must ask it (readahead.load_table_sheet): every column typed from all its
    cells and refused when they mix types – not the target's yardstick, shown for where the time goes."""
    reader = fastexcel.read_excel(str(path))
    rows = 0
    for name in reader.sheet_names:
        sheet = load_table_sheet(reader, name, 0)
        sheet.__arrow_c_array__()
        rows += sheet.height
    return rows


def loantool_read(path: Path) -> int:
    ledger = load_ledger(path, Settings(), as_of=AS_OF)
    return len(ledger.loans.frame) + len(ledger.payments.frame)


def with_flags(func, **flags):
    def run(*args):
        saved = {name: getattr(grid, name) for name in flags}
        for name, value in flags.items():
            setattr(grid, name, value)
        try:
            return func(*args)
        finally:
            for name, value in saved.items():
                setattr(grid, name, value)
    return run


def interleaved(repeat: int, runs: dict, *args) -> tuple[dict[str, float], dict[str, float]]:
    """Best wall time and best CPU time (every thread of the process) of each run, the runs taking turns
    so that a change in the machine's load falls on all of them alike."""
    wall = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, func in runs.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            func(*args)
            wall[name] = min(wall[name], time.perf_counter() - started)
            cpu[name] = min(cpu[name], time.process_time() - started_cpu)
    return wall, cpu


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="folder of bench_overdue.py's kept ledger")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_read_") as tmp:
        folder = args.keep or Path(tmp)
        ledger = folder / f"ledger_{args.loans}_{args.seed}.xlsx"
        if not ledger.is_file():
            import bench_overdue as gen
            import numpy as np

            rng = np.random.default_rng(args.seed)
            loans = gen.generate_loans(args.loans, rng)
            payments = gen.generate_payments(loans, gen.schedules(loans), rng)
            folder.mkdir(parents=True, exist_ok=True)
            gen.write_ledger(ledger, loans, payments)
        print(f"{ledger} ({ledger.stat().st_size / 1e6:.1f} MB)")
        runs = {
            "(a)  python-calamine to_python, every sheet": calamine_read,
            "(b)  fastexcel load_sheet + Arrow export, every sheet": fastexcel_read,
            "(b1) the same, every cell typed, strict (as loantool asks)": fastexcel_typed_read,
            "(c)  loantool load_ledger": loantool_read,
            "(c1) load_ledger, 还款记录 in a background thread": with_flags(loantool_read,
                                                                           BACKGROUND_PARSE=True),
            "(d)  load_ledger the careful way (to_python)": with_flags(loantool_read, FAST_READ=False),
        }
        for func in runs.values():  # warm the file cache and the imports
            func(ledger)
        print(f"before: {load()}")
        wall, cpu = interleaved(args.repeat, runs, ledger)
        print(f"after:  {load()}")
        bare = "(b)  fastexcel load_sheet + Arrow export, every sheet"
        print(f"{'':<55} {'wall':>9}  {'× (b)':>6}   {'CPU':>9}  {'× (b)':>6}   (best of {args.repeat}, "
              "interleaved)")
        for name in runs:
            print(f"{name:<55} {wall[name]:7.3f} s  {wall[name] / wall[bare]:6.2f}   {cpu[name]:7.3f} s  "
                  f"{cpu[name] / cpu[bare]:6.2f}")
        ours = "(c)  loantool load_ledger"
        print(f"(c)/(b) = {wall[ours] / wall[bare]:.2f} wall, {cpu[ours] / cpu[bare]:.2f} CPU"
              "  (target ≤ 1.3)")


if __name__ == "__main__":
    main()
