"""Benchmark: update 1,000 loans of a 50,000-loan ledger – loantool's writer beside openpyxl.

Generates a 贷款台账 of ``--loans`` rows (columns as in DOMAIN.md) with XlsxWriter in a temporary folder,
then, in one run, times:

* ours: ``patch_xlsx`` of 还款明细已出 and 银行月还金额 on ``--rows`` rows, plus the verification (only
  what changed is parsed, issue 15), and the whole ``ledger_transaction`` (lock, patch, verify, backup,
  replace, journal); beside it, the verification as it was – both sheets read back whole with
  python-calamine and compared cell by cell;
* openpyxl: ``load_workbook`` → the same change → ``save``, on the same file.

Prints the times and the ratio. Target (issue 3): ours at least 4× faster.

Then the month-end case (issue 15): ``--appends`` rows (default 19,000 – a month's bank statement)
appended to a 还款记录 sheet of ``--payments`` rows (default 420,000), through ``patch_xlsx`` + the
verification and through the whole ``ledger_transaction``; beside it python-calamine's bare read of the
same workbook (the yardstick of bench_morning.py). ``--payments 0`` skips it.

    python benchmarks/bench_writer.py [--loans 50000] [--rows 1000] [--payments 420000] [--appends 19000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl  # noqa: E402
import xlsxwriter  # noqa: E402

from loantool.config import Settings  # noqa: E402
from loantool.ledger.transaction import ledger_transaction, verify_patch  # noqa: E402
from loantool.ledger.verify import _verify_whole_sheet  # noqa: E402
from loantool.ledger.xlsx_patch import SheetEdits, patch_xlsx  # noqa: E402

HEADERS = [
    "合同编号",
    "客户姓名",
    "身份证号",
    "手机号",
    "银行卡号",
    "经销商",
    "车型",
    "产品",
    "贷款金额",
    "期数",
    "年利率",
    "还款方式",
    "提车日期",
    "首期还款日",
    "银行还款日",
    "银行月还金额",
    "放款日期",
    "还款明细已出",
    "状态",
    "结清日期",
    "风险等级",
    "上次检查日期",
    "最近催收签收日期",
]
COL = {name: i + 1 for i, name in enumerate(HEADERS)}
SHEET = "贷款台账"


def make_ledger(path: Path, loans: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(SHEET)
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    yuan = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    text = book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, HEADERS, bold)
    surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋"
    for i in range(1, loans + 1):
        pickup = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1400))
        principal = rng.randrange(30_000, 300_000) * 100 / 100
        row = [
            (f"HT{2021 + i % 4}{i:07d}", text),
            (rng.choice(surnames) + rng.choice(given), None),
            (f"1101011990{rng.randrange(10**7, 10**8)}", text),
            (f"13{rng.randrange(10**8, 10**9)}", text),
            (f"62220{rng.randrange(10**13, 10**14)}", text),
            (f"经销商{rng.randrange(40)}", None),
            (rng.choice(["轩逸", "卡罗拉", "朗逸", "宝来"]), None),
            (rng.choice(["标准贷", "贴息贷"]), None),
            (principal, yuan),
            (rng.choice([12, 24, 36, 48, 60]), None),
            (0.0388, None),
            (rng.choice(["等额本息", "等本等费"]), None),
            (pickup, day),
            (pickup + dt.timedelta(days=30), day),
            (rng.randrange(1, 29), None),
            (round(principal / 30, 2), yuan),
            (pickup, day),
            ("否", None),
            ("在贷", None),
            (None, day),
            (rng.choice(["好", "一般", "差"]), None),
            (None, day),
            (None, day),
        ]
        for col, (value, fmt) in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(i, col, dt.datetime(value.year, value.month, value.day), fmt)
            elif fmt is text:
                sheet.write_string(i, col, value, fmt)
            else:
                sheet.write(i, col, value, fmt)
    book.close()


def chosen_rows(loans: int, rows: int) -> list[int]:
    return sorted(random.Random(11).sample(range(2, loans + 2), rows))


def our_edits(rows: list[int]) -> list[SheetEdits]:
    updates = {}
    for n, row in enumerate(rows):
        updates[(row, COL["还款明细已出"])] = "是"
        updates[(row, COL["银行月还金额"])] = Decimal(1000 + n) + Decimal("0.35")
    return [SheetEdits(SHEET, updates=updates, header_row=1)]


def openpyxl_edit(src: Path, dst: Path, rows: list[int]) -> None:
    book = openpyxl.load_workbook(src)
    sheet = book[SHEET]
    for n, row in enumerate(rows):
        sheet.cell(row, COL["还款明细已出"]).value = "是"
        sheet.cell(row, COL["银行月还金额"]).value = float(Decimal(1000 + n) + Decimal("0.35"))
    book.save(dst)


PAYMENT_HEADERS = ["合同编号", "交易日期", "金额", "类型", "流水号", "备注"]


def make_payments(path: Path, rows: int, seed: int = 7) -> None:
    """A ledger whose 还款记录 holds ``rows`` payments (constant memory: written row by row)."""
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("还款记录")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, PAYMENT_HEADERS)
    start = dt.datetime(2025, 6, 1)
    for r in range(1, rows + 1):
        sheet.write_string(r, 0, f"HT{rng.randrange(20_000):07d}")
        sheet.write_datetime(r, 1, start + dt.timedelta(days=r * 540 // rows), day)
        sheet.write_number(r, 2, rng.randrange(100_000, 900_000) / 100)
        sheet.write_string(r, 3, "客户还款")
        sheet.write_string(r, 4, f"B{r:010d}")
    book.close()


def month_appends(count: int) -> list[SheetEdits]:
    rng = random.Random(12)
    rows = [{1: f"HT{rng.randrange(20_000):07d}", 2: dt.date(2026, 12, 1 + i % 28),
             3: Decimal(rng.randrange(100_000, 900_000)) / 100, 4: "客户还款", 5: f"D{i + 1:09d}",
             6: f"银行对账 2026-12 代扣明细_202612.xlsx 第{i + 5}行"} for i in range(count)]
    return [SheetEdits("还款记录", appends=rows, header_row=1)]


def month_end(work: Path, payments: int, appends: int) -> None:
    from python_calamine import CalamineWorkbook

    ledger = work / "payments.xlsx"
    start = time.perf_counter()
    make_payments(ledger, payments)
    print(f"generated 还款记录 of {payments:,} rows: {ledger.stat().st_size / 1e6:.1f} MB "
          f"in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    book = CalamineWorkbook.from_path(str(ledger))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    bare = time.perf_counter() - start
    patched = work / "payments-patched.xlsx"
    start = time.perf_counter()
    result = patch_xlsx(ledger, patched, month_appends(appends))
    patch_time = time.perf_counter() - start
    verify_patch(ledger, patched, result)
    verify_time = time.perf_counter() - start - patch_time
    tx_ledger = work / "tx2" / "payments.xlsx"
    tx_ledger.parent.mkdir()
    shutil.copy2(ledger, tx_ledger)
    start = time.perf_counter()
    with ledger_transaction(tx_ledger, Settings(), "bench", [], []) as tx:
        tx.commit(month_appends(appends), rows_added=appends)
    whole = time.perf_counter() - start
    print(f"month end, {appends:,} rows appended to {payments:,}: patch {patch_time:.2f} s + verification "
          f"{verify_time:.2f} s = {patch_time + verify_time:.2f} s; whole transaction {whole:.2f} s; "
          f"python-calamine bare read of the workbook {bare:.2f} s (transaction / bare read "
          f"{whole / bare:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--payments", type=int, default=420_000)
    parser.add_argument("--appends", type=int, default=19_000)
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-writer-") as folder:
        work = Path(folder)
        ledger = work / "ledger.xlsx"
        start = time.perf_counter()
        make_ledger(ledger, args.loans)
        print(
            f"generated {args.loans:,} loans × {len(HEADERS)} columns: {ledger.stat().st_size / 1e6:.1f} MB "
            f"in {time.perf_counter() - start:.1f} s"
        )
        rows = chosen_rows(args.loans, args.rows)

        start = time.perf_counter()
        patched = work / "patched.xlsx"
        result = patch_xlsx(ledger, patched, our_edits(rows))
        patch_time = time.perf_counter() - start
        verify_patch(ledger, patched, result)
        ours = time.perf_counter() - start
        verify_time = ours - patch_time
        assert result.cells_written == 2 * args.rows, result.cells_written
        # the verification as it was before issue 15: both sheets read back whole and compared cell by cell
        start = time.perf_counter()
        for sheet in result.sheets:
            _verify_whole_sheet(ledger, patched, sheet, result.date1904, strict=False)
        whole_sheet = time.perf_counter() - start

        tx_ledger = work / "tx" / "ledger.xlsx"
        tx_ledger.parent.mkdir()
        shutil.copy2(ledger, tx_ledger)
        start = time.perf_counter()
        with ledger_transaction(tx_ledger, Settings(), "bench", [], []) as tx:
            tx.commit(our_edits(rows), cells_changed=2 * args.rows)
        whole = time.perf_counter() - start

        start = time.perf_counter()
        openpyxl_edit(ledger, work / "openpyxl.xlsx", rows)
        theirs = time.perf_counter() - start

        print(
            f"ours: patch {patch_time:.2f} s + verification {verify_time:.2f} s = {ours:.2f} s "
            f"(whole transaction with lock, backup, journal: {whole:.2f} s)"
        )
        print(
            f"verification: only what changed {verify_time:.2f} s; both sheets read back whole (before "
            f"issue 15) {whole_sheet:.2f} s; ratio {whole_sheet / verify_time:.1f}×"
        )
        print(f"openpyxl load → change → save: {theirs:.2f} s")
        print(
            f"ratio openpyxl / ours: {theirs / ours:.1f}× (whole transaction: {theirs / whole:.1f}×; "
            "target ≥ 4×)"
        )
        if args.payments:
            month_end(work, args.payments, args.appends)


if __name__ == "__main__":
    main()
