"""Time reconcile-bank on a generated portfolio, beside a bare python-calamine read of the same files.

    python benchmarks/bench_reconcile.py [--loans 20000] [--seed 1] [--repeat 3] [--dir DIR] [--post]

Writes (xlsxwriter) a ledger of ``--loans`` flat-fee loans (36–60 periods, picked up in the last two
years, 3 % settled, half with a bank monthly amount) and one November statement of about as many lines:
most exact, some failed, short, over, masked, duplicated, unknown or dated in December. Then prints, in
one run: the bare calamine read of both files (every cell of every sheet), the core reconciliation alone,
and the whole read-only command (read + schedules + reconcile + report), best of ``--repeat``; with
``--post``, also one ``--post`` on a copy of the ledger.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loantool.core.reconcile import Period, reconcile  # noqa: E402
from loantool.core.schedule import build_schedules  # noqa: E402

PERIOD = Period.parse("2026-11")
AS_OF = "2026-11-30"


def _luhn_cards(n: int, rng: np.random.Generator) -> list[str]:
    """Distinct 19-digit UnionPay-looking card numbers that pass the Luhn check (no warnings)."""
    bodies = [f"621700{i:08d}{d:04d}" for i, d in enumerate(rng.integers(0, 10_000, n))]
    cards = []
    for body in bodies:
        total = 0
        for pos, ch in enumerate(reversed(body)):
            digit = int(ch)
            if pos % 2 == 0:
                digit *= 2
                digit -= 9 if digit > 9 else 0
            total += digit
        cards.append(body + str((10 - total % 10) % 10))
    return cards


def generate(folder: Path, n_loans: int, seed: int) -> tuple[Path, Path]:
    import xlsxwriter

    rng = np.random.default_rng(seed)
    contracts = [f"HT{i:07d}" for i in range(1, n_loans + 1)]
    names = [f"客户{i % (n_loans * 9 // 10):05d}" for i in range(n_loans)]  # some names shared
    cards = _luhn_cards(n_loans, rng)
    term = rng.choice([36, 48, 60], n_loans)
    principal = rng.integers(50_000, 300_000, n_loans) * 100
    pickup = pd.Timestamp("2024-12-01") + pd.to_timedelta(rng.integers(0, 700, n_loans), "D")
    due_day = rng.integers(1, 29, n_loans)
    settled = rng.random(n_loans) < 0.03
    terms = pd.DataFrame({"contract_no": contracts, "principal": principal, "term": term,
                          "method": "flat_fee", "rate": rng.choice([8, 10, 12], n_loans) * 1_000_000,
                          "pickup_date": pickup, "first_due_date": pd.NaT,
                          "due_day": pd.array(due_day, dtype="Int64")})
    schedule = build_schedules(terms)
    payment = schedule.groupby("contract_no")["payment"].first().reindex(contracts).to_numpy()
    bank_amount = np.where(rng.random(n_loans) < 0.5, payment + rng.integers(-2, 3, n_loans), 0)

    ledger = folder / "ledger.xlsx"
    book = xlsxwriter.Workbook(str(ledger), {"constant_memory": True})
    sheet = book.add_worksheet("贷款台账")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    header = ["合同编号", "客户姓名", "银行卡号", "贷款金额", "期数", "年利率", "还款方式", "提车日期",
              "银行还款日", "银行月还金额", "状态", "结清日期"]
    sheet.write_row(0, 0, header)
    for i in range(n_loans):
        r = i + 1
        sheet.write_string(r, 0, contracts[i])
        sheet.write_string(r, 1, names[i])
        sheet.write_string(r, 2, cards[i])
        sheet.write_number(r, 3, principal[i] / 100)
        sheet.write_number(r, 4, int(term[i]))
        sheet.write_string(r, 5, f"{terms['rate'][i] // 1_000_000}%")
        sheet.write_string(r, 6, "等本等费")
        sheet.write_datetime(r, 7, pickup[i].to_pydatetime(), date_format)
        sheet.write_number(r, 8, int(due_day[i]))
        if bank_amount[i]:
            sheet.write_number(r, 9, bank_amount[i] / 100)
        sheet.write_string(r, 10, "结清" if settled[i] else "在贷")
        if settled[i]:
            sheet.write_datetime(r, 11, dt.datetime(2026, 6, 30), date_format)
    payments = book.add_worksheet("还款记录")
    payments.write_row(0, 0, ["合同编号", "交易日期", "金额", "类型", "流水号", "备注"])
    book.close()

    due = schedule[PERIOD.contains(schedule["due_date"]).to_numpy()
                   & ~schedule["contract_no"].isin(np.asarray(contracts)[settled]).to_numpy()]
    index = pd.Index(contracts)
    pos = index.get_indexer(due["contract_no"])
    amount = np.where(bank_amount[pos] > 0, bank_amount[pos], due["payment"].to_numpy())
    kind = rng.choice(["ok", "failed", "short", "over", "masked", "dup", "december"], len(due),
                      p=[0.90, 0.03, 0.02, 0.01, 0.02, 0.01, 0.01])
    statement = folder / "statement_202611.xlsx"
    book = xlsxwriter.Workbook(str(statement), {"constant_memory": True})
    sheet = book.add_worksheet("扣款明细")
    sheet.write_string(0, 0, "某银行 批量代扣明细 2026-11")
    sheet.write_row(1, 0, ["卡号", "姓名", "扣款日期", "金额", "流水号", "状态"])
    row = 2
    dates = pd.to_datetime(due["due_date"]).dt.strftime("%Y-%m-%d").to_numpy()
    for j in range(len(due)):
        i, k = pos[j], kind[j]
        card = f"{cards[i][:4]}****{cards[i][-4:]}" if k == "masked" else cards[i]
        value = amount[j] // 2 if k == "short" else amount[j] + 10_000 if k == "over" else amount[j]
        copies = 2 if k == "dup" else 1
        for _ in range(copies):
            sheet.write_row(row, 0, [card, names[i], "2026-12-01" if k == "december" else dates[j],
                                     f"{value // 100}.{value % 100:02d}", f"R{j:09d}",
                                     "失败" if k == "failed" else "成功"])
            row += 1
    for u in range(max(1, len(due) // 200)):  # unknown cards
        sheet.write_row(row, 0, [f"62220000{u:011d}", "路人", "2026-11-16", "100.00", f"U{u:09d}", "成功"])
        row += 1
    book.close()
    return ledger, statement


def calamine_read(paths: list[Path]) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in paths:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python()
            cells += sum(len(r) for r in rows)
    return cells


def best(repeat: int, func) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="keep the generated files here")
    parser.add_argument("--post", action="store_true", help="also time one --post on a copy")
    args = parser.parse_args()

    from loantool.cli import make_run
    from loantool.ledger.read import load_ledger
    from loantool.workflows import reconcile as workflow

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_reconcile_"))
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ledger, statement = generate(folder, args.loans, args.seed)
    print(f"generated {args.loans} loans and a statement in {time.perf_counter() - start:.1f}s "
          f"under {folder}")

    t_cal, cells = best(args.repeat, lambda: calamine_read([ledger, statement]))
    run = make_run(ledger, None, AS_OF, True, True, False)
    lines = workflow.read_statements([statement], run.settings)
    book = load_ledger(ledger, run.settings, as_of=run.as_of)
    active = book.loans.frame[workflow.prepare_loans(book.loans.frame, PERIOD)["active"].to_numpy()]
    installments = workflow.schedules_for(book, active, run.settings).installments
    t_core, rec = best(args.repeat, lambda: reconcile(book.loans.frame, installments, lines, PERIOD))
    t_all, result = best(args.repeat, lambda: workflow.reconcile_bank(
        run.settings, ledger, [statement], period=PERIOD, as_of=run.as_of, out=folder / "report.xlsx"))
    t = rec.totals
    print(f"statement lines {t['lines_count']}, installments due {t['installment_count']}, "
          f"schedule rows {len(installments)}, calamine cells {cells}")
    print(f"paid {t['paid_count']} short {t['short_count']} over {t['over_count']} "
          f"unpaid {t['unpaid_count']} unmatched {t['unmatched_count']} failed {t['failed_count']} "
          f"duplicate {t['duplicate_count']} outside {t['outside_month_count']}; "
          f"advances {t['advance_count']} = {t['advance_sum'] / 100:,.2f}")
    print(f"digest {result.rec.digest}")
    print(f"calamine bare read (ledger + statement):   {t_cal:7.2f}s")
    print(f"core reconciliation only:                  {t_core:7.2f}s")
    print(f"reconcile-bank, read-only, with report:    {t_all:7.2f}s  ({t_all / t_cal:.1f}× the bare read)")
    if args.post:
        copy = folder / "post"
        copy.mkdir(exist_ok=True)
        ledger_copy = Path(shutil.copy2(ledger, copy / ledger.name))
        start = time.perf_counter()
        posted = workflow.reconcile_bank(run.settings, ledger_copy, [statement], period=PERIOD,
                                         as_of=run.as_of, out=copy / "report.xlsx", post_payments=True)
        print(f"reconcile-bank --post ({posted.posting.payments_added} rows):  "
              f"{time.perf_counter() - start:7.2f}s")


if __name__ == "__main__":
    main()
