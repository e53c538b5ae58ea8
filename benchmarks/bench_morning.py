"""Benchmark: `loantool morning` on a 20,000-loan portfolio beside the bare python-calamine read of its inputs.

Generates (with bench_overdue.py's generator) a ledger of ``--loans`` loans with a year and a half of
payments (about 400,000 rows in 还款记录), and a December 2026 bank repayment statement (title rows, one
line per installment due that month, 3 % failed deductions) in the statements inbox. Then, in one run:

(a) the bare read: python-calamine ``to_python()`` of every sheet of the ledger and the statement;
(b) the whole ``loantool morning`` as of 2026-12-31 (reconcile the statement, post the customer payments
    through the lossless writer, write the overdue report), each repetition on a fresh copy of the folder;

and prints both and the ratio; then (c) ``morning`` once more on the same folder, where the statement is
already processed and only the overdue report is new (an ordinary morning). The morning run does strictly more than read its inputs: it also
verifies its ledger write by reading the patched sheet back and writes two report workbooks.

    python benchmarks/bench_morning.py [--loans 20000] [--seed 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
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
    due = installments[(installments["due_date"] >= "2026-12-01") & (installments["due_date"] <= "2026-12-31")]
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


def run_morning(folder: Path) -> None:
    result = CliRunner().invoke(app, ["morning", "--config", str(folder / "loantool.toml"), "--quiet"])
    if result.exit_code != 0:
        raise SystemExit(f"morning failed ({result.exit_code}): {result.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench_morning_") as tmp:
        pristine = Path(tmp) / "pristine"
        (pristine / "inbox" / "statements").mkdir(parents=True)
        (pristine / "inbox" / "slips").mkdir(parents=True)
        started = time.perf_counter()
        loans = generate_loans(args.loans, rng)
        installments = schedules(loans)
        payments = generate_payments(loans, installments, rng)
        ledger = pristine / "ledger.xlsx"
        write_ledger(ledger, loans, payments)
        statement = pristine / "inbox" / "statements" / "代扣明细_202612.xlsx"
        lines = write_statement(statement, loans, installments, rng)
        (pristine / "loantool.toml").write_text(CONFIG.format(as_of=AS_OF), encoding="utf-8")
        print(f"generated {len(loans):,} loans, {len(payments):,} payment rows, a statement of {lines:,} lines "
              f"in {time.perf_counter() - started:.1f} s")

        def bare() -> int:
            return bare_read(ledger) + bare_read(statement)

        rows = bare()  # warm the file cache and imports
        best_read = best_run = best_quiet = float("inf")
        for k in range(args.repeat):
            t0 = time.perf_counter()
            bare()
            best_read = min(best_read, time.perf_counter() - t0)
            folder = Path(tmp) / f"run{k}"
            shutil.copytree(pristine, folder)
            t0 = time.perf_counter()
            run_morning(folder)
            best_run = min(best_run, time.perf_counter() - t0)
            t0 = time.perf_counter()
            run_morning(folder)  # the next day: the statement is known, only the overdue report is new
            best_quiet = min(best_quiet, time.perf_counter() - t0)
        print(f"(a) python-calamine bare read of the ledger and the statement ({rows:,} rows): "
              f"{best_read:7.3f} s  (best of {args.repeat})")
        print(f"(b) loantool morning (reconcile, post, overdue report):                  "
              f"{best_run:7.3f} s  (best of {args.repeat})")
        print(f"ratio (b)/(a): {best_run / best_read:.2f}")
        print(f"(c) loantool morning again, nothing new (overdue report only):         "
              f"{best_quiet:7.3f} s  ratio (c)/(a): {best_quiet / best_read:.2f}")


if __name__ == "__main__":
    main()
