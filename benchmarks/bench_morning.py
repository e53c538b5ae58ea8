"""Benchmark: `loantool morning` on a 20,000-loan portfolio beside the bare calamine read of its inputs.

Generates (with bench_overdue.py's generator) a ledger of ``--loans`` loans with a year and a half of
payments (about 400,000 rows in 还款记录), and a December 2026 bank repayment statement (title rows, one
line per installment due that month, 3 % failed deductions) in the statements inbox. Then, in one run:

(a) the bare read: python-calamine ``to_python()`` of every sheet of the ledger and the statement;
(b) the whole ``loantool morning`` as of 2026-12-31 (reconcile the statement, post the customer payments
    through the lossless writer, write the overdue report), each repetition on a fresh copy of the folder;

each of them a new Python process (interpreter start and imports included), median of ``--repeat``, wall
and CPU time; then (c) ``morning`` once more on the same folder, where the statement is already
processed and only the overdue report is new (an ordinary morning). The morning run does strictly more
than read its inputs: it verifies its ledger write, backs the ledger up, journals, and writes two report
workbooks. Target (issue 15): (b) within 3× (a).

``--stages`` times the parts of one morning run in this process (reading, reconciling, the writer's
patch, verification and backup, the reports); ``--profile`` prints cProfile's top functions of one.

    python benchmarks/bench_morning.py [--loans 20000] [--seed 1] [--repeat 3] [--keep DIR] [--stages]
                                       [--profile]     (--keep: generate into DIR once, reuse it)
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import xlsxwriter  # noqa: E402
from bench_overdue import bare_read, generate_loans, generate_payments, schedules, write_ledger  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from loantool.cli import app  # noqa: E402
from loantool.workflows import common  # noqa: E402

AS_OF = "2026-12-31"
# the run simulates the month-end of AS_OF: that day has come (a posting dated after today is refused)
common.real_today = lambda: dt.date.fromisoformat(AS_OF)
CONFIG = """as_of = "{as_of}"
[morning]
slips_inbox = "inbox/slips"
statements_inbox = "inbox/statements"
reports_dir = "reports"
post_payments = true
"""


def write_statement(path: Path, loans, installments, rng: np.random.Generator) -> int:
    """December's deductions as a bank exports them: title rows, then one line per installment due."""
    active = loans[loans["status"] == "在贷"]
    days = installments["due_date"]
    due = installments[(days >= "2026-12-01") & (days <= "2026-12-31")]
    due = due[due["contract_no"].isin(active["contract_no"])]
    info = active.set_index("contract_no")
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("扣款明细")
    ws.write_string(0, 0, "中国工商银行 代扣明细")
    ws.write_string(1, 0, "期间：2026-12-01 至 2026-12-31")
    ws.write_row(3, 0, ["卡号", "姓名", "扣款日期", "金额", "流水号", "状态"])
    failed = rng.random(len(due)) < 0.03
    cards, names = info["card_no"], info["customer_name"]
    for i, (row, fail) in enumerate(zip(due.itertuples(index=False), failed, strict=True)):
        r = 4 + i
        ws.write_string(r, 0, cards[row.contract_no])
        ws.write_string(r, 1, names[row.contract_no])
        ws.write_string(r, 2, str(row.due_date.date()))
        ws.write_number(r, 3, row.payment / 100)
        ws.write_string(r, 4, f"D{i + 1:09d}")
        ws.write_string(r, 5, "失败" if fail else "成功")
    wb.close()
    return len(due)


MORNING_CHILD = (
    "import datetime as dt, sys\n"
    "from loantool.workflows import common\n"
    f"common.real_today = lambda: dt.date.fromisoformat({AS_OF!r})\n"
    "from loantool.entry import main\n"
    "sys.argv = ['loantool', 'morning', '--config', sys.argv[1], '--quiet']\n"
    "main()\n"
)
BARE_CHILD = (
    "import sys\n"
    "from python_calamine import CalamineWorkbook\n"
    "for path in sys.argv[1:]:\n"
    "    book = CalamineWorkbook.from_path(path)\n"
    "    [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]\n"
)


def run_morning(folder: Path) -> None:
    """``loantool morning`` in this process (for --stages and --profile)."""
    result = CliRunner().invoke(app, ["morning", "--config", str(folder / "loantool.toml"), "--quiet"])
    if result.exit_code != 0:
        raise SystemExit(f"morning failed ({result.exit_code}): {result.stderr}")


def process(*argv: str) -> tuple[float, float]:
    """(wall, CPU of the child) of one new Python process running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv[:2]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def generate(pristine: Path, n_loans: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    (pristine / "inbox" / "statements").mkdir(parents=True)
    (pristine / "inbox" / "slips").mkdir(parents=True)
    started = time.perf_counter()
    loans = generate_loans(n_loans, rng)
    installments = schedules(loans)
    payments = generate_payments(loans, installments, rng)
    write_ledger(pristine / "ledger.xlsx", loans, payments)
    statement = pristine / "inbox" / "statements" / "代扣明细_202612.xlsx"
    lines = write_statement(statement, loans, installments, rng)
    (pristine / "loantool.toml").write_text(CONFIG.format(as_of=AS_OF), encoding="utf-8")
    print(f"generated {len(loans):,} loans, {len(payments):,} payment rows, a statement of {lines:,} lines "
          f"in {time.perf_counter() - started:.1f} s")


# the functions --stages times (inclusive: a stage inside another counts in both)
STAGES = [
    ("loantool.workflows.morning", "done_to_ledger", "morning: what the journal says is done"),
    ("loantool.workflows.reconcile", "read_statements", "read the statement"),
    ("loantool.workflows.reconcile", "load_ledger", "load_ledger (reconcile step)"),
    ("loantool.workflows.reconcile", "month_installments", "schedules of the month"),
    ("loantool.workflows.reconcile", "reconcile", "core reconcile"),
    ("loantool.workflows.reconcile", "post", "posting plan (payments_to_post, edits)"),
    ("loantool.ledger.transaction.LedgerTransaction", "commit", "tx.commit (all of the write)"),
    ("loantool.ledger.transaction", "patch_xlsx", "  patch_xlsx"),
    ("loantool.ledger.xlsx_patch.SheetXml", "__init__", "    SheetXml index"),
    ("loantool.ledger.xlsx_patch.SheetXml", "apply", "    SheetXml.apply"),
    ("loantool.ledger.zip_raw.RawZip", "write", "    zip write (compress)"),
    ("loantool.ledger.transaction", "verify_patch", "  verify_patch"),
    ("loantool.ledger.verify", "_verify_zip", "    the zip entries compared"),
    ("loantool.ledger.verify", "_verify_spans", "    the rewritten rows parsed and compared"),
    ("loantool.ledger.verify", "_verify_whole_sheet", "    whole sheets read back (calamine)"),
    ("loantool.ledger.transaction.LedgerTransaction", "_backup", "  backup"),
    ("loantool.ledger.transaction", "sha256_file", "sha256_file (every call)"),
    ("loantool.workflows.reconcile", "with_appended_payments", "posted rows applied in memory"),
    ("loantool.reports.reconcile", "write_report", "reconciliation workbook"),
    ("loantool.workflows.overdue", "overdue_report", "overdue step (all)"),
    ("loantool.workflows.overdue", "assess_ledger", "  assess_ledger"),
    ("loantool.reports.overdue", "write_report", "  overdue workbook"),
]


def stages(folder: Path) -> None:
    """One morning in this process with the functions of STAGES timed (calls and seconds)."""
    import importlib

    totals: dict[str, list[float]] = {}
    undo = []
    for module_name, attribute, label in STAGES:
        parts = module_name.split(".")
        try:
            owner = importlib.import_module(module_name)
        except ModuleNotFoundError:
            owner = getattr(importlib.import_module(".".join(parts[:-1])), parts[-1])
        original = getattr(owner, attribute)
        totals[label] = [0, 0.0]

        def timed(*args, _original=original, _label=label, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_label][0] += 1
                totals[_label][1] += time.perf_counter() - started

        setattr(owner, attribute, timed)
        undo.append((owner, attribute, original))
    try:
        started = time.perf_counter()
        run_morning(folder)
        whole = time.perf_counter() - started
    finally:
        for owner, attribute, original in undo:
            setattr(owner, attribute, original)
    print(f"stages of one morning in this process ({whole:.2f} s in all; {load()}):")
    for label, (calls, seconds) in totals.items():
        print(f"  {label:<48} {seconds:7.3f} s  ({int(calls)} call{'s' if calls != 1 else ''})")


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to generate the inputs into once and reuse")
    parser.add_argument("--stages", action="store_true", help="time the stages of one morning (in process)")
    parser.add_argument("--profile", action="store_true", help="cProfile one morning (top functions)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_morning_") as tmp:
        pristine = Path(tmp) / "pristine"
        if args.keep is not None:
            pristine = args.keep / f"morning_{args.loans}_{args.seed}"
        if (pristine / "loantool.toml").is_file():
            print(f"reusing {pristine}")
        else:
            generate(pristine, args.loans, args.seed)
        ledger = pristine / "ledger.xlsx"
        statement = pristine / "inbox" / "statements" / "代扣明细_202612.xlsx"
        inputs = [str(ledger), str(statement)]
        rows = bare_read(ledger) + bare_read(statement)  # warm the file cache
        print(f"before: {load()}")
        reads, runs, quiet = [], [], []
        for k in range(args.repeat):
            folder = Path(tmp) / f"run{k}"
            shutil.copytree(pristine, folder)
            reads.append(process("-c", BARE_CHILD, *inputs))
            runs.append(process("-c", MORNING_CHILD, str(folder / "loantool.toml")))
            # the next day: the statement is known, only the overdue report is new
            quiet.append(process("-c", MORNING_CHILD, str(folder / "loantool.toml")))
        print(f"after: {load()}")
        n = f"median of {args.repeat}, whole processes"

        def show(name: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
            wall, cpu = median([w for w, _c in runs]), median([c for _w, c in runs])
            print(f"{name:<66} wall {wall:7.3f} s  CPU {cpu:7.3f} s  ({n}; walls "
                  + ", ".join(f"{w:.2f}" for w, _c in runs) + ")")
            return wall, cpu

        a = show(f"(a) python-calamine to_python of the ledger and the statement ({rows:,} rows)", reads)
        b = show("(b) loantool morning (reconcile, post, overdue report)", runs)
        c = show("(c) loantool morning again, nothing new (overdue report only)", quiet)
        print(f"ratio (b)/(a): wall {b[0] / a[0]:.2f}  CPU {b[1] / a[1]:.2f}   (target ≤ 3)")
        print(f"ratio (c)/(a): wall {c[0] / a[0]:.2f}  CPU {c[1] / a[1]:.2f}")
        if args.stages:
            folder = Path(tmp) / "stages"
            shutil.copytree(pristine, folder)
            stages(folder)
        if args.profile:
            folder = Path(tmp) / "profile"
            shutil.copytree(pristine, folder)
            profiler = cProfile.Profile()
            profiler.runcall(run_morning, folder)
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            print(text.getvalue())


if __name__ == "__main__":
    main()
