"""Benchmark: overdue-report on a 20,000-loan ledger beside python-calamine's bare read of the same file.

Generates, in a temporary folder, a ledger workbook (XlsxWriter, constant memory): 贷款台账 with
``--loans`` 等本等费 loans of 36–60 periods picked up 1.5–3 years before the as-of date, and 还款记录 with
a year and a half of payments (about 400,000 rows for 20,000 loans: most installments paid on the due
date, a tenth in two parts, some late, partial or doubled, some loans that stop paying, with company
advances and some of them repaid). Then, in one run, times:

(a) the bare read: ``CalamineWorkbook.from_path`` and ``to_python()`` of every sheet, one after the
    other in one thread, as a calamine user reads a workbook;
(b) the whole ``loantool overdue-report`` command (CliRunner, in process, writing its workbook);

and prints both, the ratio (target: (b) within 1.5× of (a)), and – with ``--stages`` – where (b) spends
its time (read, schedules, assessment, workbook) and, in a fresh process running the command's steps
once, its memory: the resident size after each step and the peak so far (``getrusage``'s ``ru_maxrss``),
so that the step that sets the peak shows. ``--profile`` prints cProfile's top functions of (b).
``--processes``: the command as a new process (``--json``) beside a process that only reads the ledger
with ``to_python``, median of three, with each one's peak memory – the figures of issue 15. The command
reads 还款记录 ahead while it imports (ledger/readahead.py); ``LOANTOOL_READAHEAD=0`` in the environment
times it without.

Not like for like, said plainly: (b) pauses Python's cyclic garbage collector while it makes rows, which
(a) does not; and (b1) times (b) with 还款记录 parsed in a background thread while 贷款台账 is read
(``grid.BACKGROUND_PARSE = True``; off by default since issue 15's second round: it kept a second
malloc arena and raised the peak memory by some 130 MB), which may use two cores where (a) uses one.
The machine's load average is printed too: the timings are only comparable on an idle machine.

    python benchmarks/bench_overdue.py [--loans 20000] [--seed 1] [--repeat 3] [--stages] [--profile]
                                       [--keep DIR]   (generate into DIR once, reuse it afterwards)
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xlsxwriter  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from loantool.cli import app  # noqa: E402
from loantool.core.schedule import build_schedules  # noqa: E402
from loantool.ledger import grid  # noqa: E402
from loantool.money import RATE_SCALE  # noqa: E402

AS_OF = np.datetime64("2026-11-30", "D")
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
LOAN_HEADER = ["合同编号", "客户姓名", "手机号", "银行卡号", "经销商", "车型", "贷款金额", "期数",
               "年利率", "还款方式", "提车日期", "银行还款日", "状态", "结清日期", "风险等级",
               "上次检查日期", "最近催收签收日期", "保证人", "保证人电话"]
PAYMENT_HEADER = ["合同编号", "交易日期", "金额", "类型", "流水号", "备注"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
         "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海涛", "家豪", "思远",
         "春燕", "红梅"]
BRANDS = ("吉利", "长安", "五菱", "比亚迪", "哈弗", "大众", "丰田", "本田", "日产", "奇瑞", "荣威", "名爵",
          "传祺", "红旗")
DEALERS = [f"杭州{brand}汽车销售服务有限公司" for brand in BRANDS]
MODELS = ["吉利 星越L", "长安 CS75", "五菱 宏光MINIEV", "比亚迪 秦PLUS", "哈弗 H6", "大众 朗逸",
          "丰田 卡罗拉"]


# ------------------------------------------------------------------------------------------------ data


def luhn_cards(rng: np.random.Generator, n: int) -> np.ndarray:
    """16-digit card numbers (BIN 622202) with a valid Luhn check digit."""
    body = np.concatenate([np.tile([6, 2, 2, 2, 0, 2], (n, 1)), rng.integers(0, 10, (n, 9))], axis=1)
    from_right = body[:, ::-1].copy()
    doubled = from_right[:, 0::2] * 2  # the digit left of the check digit is doubled
    from_right[:, 0::2] = np.where(doubled > 9, doubled - 9, doubled)
    check = (10 - from_right.sum(axis=1) % 10) % 10
    digits = np.concatenate([body, check[:, None]], axis=1)
    return np.array(["".join(map(str, row)) for row in digits], dtype=object)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefixes = np.array(["138", "139", "150", "151", "158", "186", "188", "135"])
    tails = np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)
    return np.char.add(rng.choice(prefixes, n), tails).astype(object)


def generate_loans(n: int, rng: np.random.Generator) -> pd.DataFrame:
    today = AS_OF.view(np.int64)
    contracts = np.char.add("HT", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
    names = np.char.add(rng.choice(SURNAMES, n), rng.choice(GIVEN, n)).astype(object)
    pickup = today - rng.integers(560, 1100, n)
    settled = rng.random(n) < 0.03
    has_guarantor = rng.random(n) < 0.3
    # the desk inspects on its cadence (好 3 months, 一般 or no grade 1 month, 差 monthly too): most loans
    # were inspected within their cycle, one in ten is up to two months behind
    grade = rng.choice(np.array(["好", "一般", "差", ""], dtype=object), n, p=[0.5, 0.3, 0.1, 0.1])
    cycle = np.where(grade == "好", 91, 30)
    behind = rng.random(n) < 0.1
    inspected_ago = np.where(behind, cycle + rng.integers(1, 60, n), (rng.random(n) * cycle).astype(np.int64))
    return pd.DataFrame({
        "contract_no": contracts, "customer_name": names, "phone": phones(rng, n),
        "card_no": luhn_cards(rng, n),
        "dealer": rng.choice(DEALERS, n).astype(object), "car_model": rng.choice(MODELS, n).astype(object),
        "principal": rng.integers(500, 3000, n) * 10_000,  # 5,000.00 – 299,900.00 yuan, whole hundreds
        "term": rng.choice([36, 48, 60], n),
        "rate": rng.choice([8, 10, 12, 15], n) * RATE_SCALE // 100,  # total fee rate
        "pickup": pickup,
        "due_day": ((pickup.view("datetime64[D]") - pickup.view("datetime64[D]").astype("datetime64[M]"))
                    .astype(np.int64) + 1),
        "status": np.where(settled, "结清", "在贷").astype(object),
        "settled_on": np.where(settled, today - rng.integers(1, 300, n), -1),
        "grade": grade,
        "last_inspection": today - inspected_ago,
        "last_notice": np.where(rng.random(n) < 0.1, today - rng.integers(5, 200, n), -1),
        "guarantor": np.where(has_guarantor, np.char.add(rng.choice(SURNAMES, n), rng.choice(GIVEN, n)), "")
        .astype(object),
        "guarantor_phone": np.where(has_guarantor, phones(rng, n), "").astype(object),
    })


def schedules(loans: pd.DataFrame) -> pd.DataFrame:
    """The installments the tool will compute for these loans (the same engine)."""
    terms = pd.DataFrame({
        "contract_no": loans["contract_no"], "principal": loans["principal"], "term": loans["term"],
        "method": "flat_fee", "rate": loans["rate"],
        "pickup_date": loans["pickup"].to_numpy().view("datetime64[D]").astype("datetime64[us]"),
        "first_due_date": pd.NaT, "due_day": pd.array(loans["due_day"], dtype="Int64"),
    })
    return build_schedules(terms)


def generate_payments(loans: pd.DataFrame, inst: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """还款记录 for the last 18 months, as a real ledger holds it (appended in date order)."""
    today = AS_OF.view(np.int64)
    n = len(loans)
    code = pd.Index(loans["contract_no"]).get_indexer(inst["contract_no"])
    due = inst["due_date"].to_numpy().astype("datetime64[D]").view(np.int64)
    amount_due = inst["payment"].to_numpy(dtype=np.int64)
    period = inst["period"].to_numpy()
    window = (due <= today) & (due > today - 548)
    stops_after = np.where(rng.random(n) < 0.06, rng.integers(1, 30, n), 10_000)
    pays = window & (period < stops_after[code])
    idx = np.flatnonzero(pays)
    amount = amount_due[idx].copy()
    part = rng.random(len(idx))
    amount = np.where(part < 0.003, amount // 2, np.where(part < 0.006, amount * 2, amount))
    delay = np.where(rng.random(len(idx)) < 0.05, rng.integers(1, 45, len(idx)), 0)  # 5 % paid late
    paid_on = np.minimum(due[idx] + delay, today)
    # a tenth paid in two parts: the rest mostly by the bank's second deduction the same day, some 1–4
    # days later
    split = rng.random(len(idx)) < 0.1
    rest = amount[split] // 3
    amount[split] -= rest
    later = np.where(rng.random(int(split.sum())) < 0.7, 0, rng.integers(1, 5, int(split.sum())))
    rows = [(code[idx], paid_on, amount, "客户还款"),
            (code[idx[split]], np.minimum(paid_on[split] + later, today), rest, "客户还款")]
    before = due <= today - 548  # what fell due before the window: one row per loan, on its first due date
    owed = np.bincount(code[before], weights=amount_due[before], minlength=n).astype(np.int64)
    first_due = np.full(n, today, dtype=np.int64)
    np.minimum.at(first_due, code, due)
    has = np.flatnonzero(owed)
    rows.append((has, first_due[has], owed[has], "客户还款"))
    missed = np.flatnonzero(window & ~pays)  # the company advanced these; some were repaid later
    rows.append((code[missed], due[missed], amount_due[missed], "公司垫款"))
    repaid = missed[rng.random(len(missed)) < 0.3]
    rows.append((code[repaid], np.minimum(due[repaid] + 30, today), amount_due[repaid], "客户还垫款"))
    frame = pd.DataFrame({
        "loan": np.concatenate([r[0] for r in rows]),
        "day": np.concatenate([r[1] for r in rows]),
        "amount": np.concatenate([r[2] for r in rows]),
        "kind": np.concatenate([np.full(len(r[0]), r[3], dtype=object) for r in rows]),
    }).sort_values(["day", "loan"], kind="stable").reset_index(drop=True)
    frame["contract_no"] = loans["contract_no"].to_numpy()[frame["loan"].to_numpy()]
    numbers = np.char.zfill(np.arange(1, len(frame) + 1).astype(str), 10)
    frame["bank_ref"] = np.char.add("B", numbers).astype(object)
    return frame


def write_ledger(path: Path, loans: pd.DataFrame, payments: pd.DataFrame) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    serial = -EXCEL_EPOCH.view(np.int64)  # day number → Excel serial

    ws = wb.add_worksheet("贷款台账")
    ws.write_row(0, 0, LOAN_HEADER)
    text = ("contract_no", "customer_name", "phone", "card_no", "dealer", "car_model")
    columns = [loans[c].tolist() for c in text]
    principal = (loans["principal"] / 100).tolist()
    term, rate = loans["term"].tolist(), (loans["rate"] / RATE_SCALE).tolist()
    pickup, due_day = (loans["pickup"] + serial).tolist(), loans["due_day"].tolist()
    status, settled = loans["status"].tolist(), loans["settled_on"].tolist()
    grade, inspected, notice = loans["grade"].tolist(), (loans["last_inspection"] + serial).tolist(), loans[
        "last_notice"].tolist()
    guarantor, guarantor_phone = loans["guarantor"].tolist(), loans["guarantor_phone"].tolist()
    for i in range(len(loans)):
        r = i + 1
        for c in range(6):
            ws.write_string(r, c, columns[c][i])
        ws.write_number(r, 6, principal[i])
        ws.write_number(r, 7, term[i])
        ws.write_number(r, 8, rate[i])
        ws.write_string(r, 9, "等本等费")
        ws.write_number(r, 10, pickup[i], date)
        ws.write_number(r, 11, due_day[i])
        ws.write_string(r, 12, status[i])
        if settled[i] >= 0:
            ws.write_number(r, 13, settled[i] + serial, date)
        if grade[i]:
            ws.write_string(r, 14, grade[i])
        ws.write_number(r, 15, inspected[i], date)
        if notice[i] >= 0:
            ws.write_number(r, 16, notice[i] + serial, date)
        if guarantor[i]:
            ws.write_string(r, 17, guarantor[i])
            ws.write_string(r, 18, guarantor_phone[i])

    ws = wb.add_worksheet("还款记录")
    ws.write_row(0, 0, PAYMENT_HEADER)
    contract, day = payments["contract_no"].tolist(), (payments["day"] + serial).tolist()
    amount = (payments["amount"] / 100).tolist()
    kind, ref = payments["kind"].tolist(), payments["bank_ref"].tolist()
    for i in range(len(payments)):
        r = i + 1
        ws.write_string(r, 0, contract[i])
        ws.write_number(r, 1, day[i], date)
        ws.write_number(r, 2, amount[i])
        ws.write_string(r, 3, kind[i])
        ws.write_string(r, 4, ref[i])
    wb.close()


# ------------------------------------------------------------------------------------------------ timing


def bare_read(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)


def run_command(ledger: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(ledger), "--as-of", str(AS_OF),
                                      "--out", str(out), "--quiet", *extra])
    if result.exit_code != 0:
        raise SystemExit(f"overdue-report failed ({result.exit_code}): {result.stderr}")


def background_parse(func, *args, **kwargs):
    """``func`` with 还款记录 parsed in a background thread while 贷款台账 is read."""
    saved, grid.BACKGROUND_PARSE = grid.BACKGROUND_PARSE, True
    try:
        return func(*args, **kwargs)
    finally:
        grid.BACKGROUND_PARSE = saved


def careful(func, *args, **kwargs):
    """``func`` with every sheet read through python-calamine's to_python (no typed columns)."""
    saved, grid.FAST_READ = grid.FAST_READ, False
    try:
        return func(*args, **kwargs)
    finally:
        grid.FAST_READ = saved


def cell_by_cell(func, *args, **kwargs):
    """``func`` with report cells written through XlsxWriter's own methods, one at a time (the same
    files: reports/xlsx_fast.py and tests/test_report_fast.py)."""
    from loantool.reports import excel

    saved, excel.FAST_CELLS = excel.FAST_CELLS, False
    try:
        return func(*args, **kwargs)
    finally:
        excel.FAST_CELLS = saved


def memory_steps(ledger: Path, out: Path) -> None:
    """Run in a fresh process (``--memory-steps``): the command's steps once, as workflows.overdue runs
    them, each step's seconds, the resident size after it and the peak so far (Linux's VmHWM)."""
    import resource

    started = time.perf_counter()
    peak_before = [0.0]

    def status(key: str) -> float:
        """VmRSS / VmHWM in MB (ru_maxrss would still count the parent's size, copied at the fork)."""
        try:
            with open("/proc/self/status") as lines:
                return next(int(line.split()[1]) / 1024 for line in lines if line.startswith(key + ":"))
        except (OSError, StopIteration):
            if key == "VmHWM":
                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            return float("nan")

    def resident() -> float:
        return status("VmRSS")

    def step(name: str) -> None:
        nonlocal started
        peak = status("VmHWM")
        raised = f"peak raised by {peak - peak_before[0]:4.0f} MB" if peak > peak_before[0] else ""
        print(f"  {name:<44} {time.perf_counter() - started:6.2f} s   resident {resident():5.0f} MB   "
              f"peak {peak:5.0f} MB   {raised}", flush=True)
        peak_before[0] = peak
        started = time.perf_counter()

    from loantool.cli import json_bytes
    from loantool.config import Settings
    from loantool.ledger.read import load_ledger
    from loantool.reports.overdue import write_report
    from loantool.workflows.overdue import assess_ledger

    step("imports (beyond the benchmark's own)")
    settings, day = Settings(), dt.date.fromisoformat(str(AS_OF))
    book = load_ledger(ledger, settings, as_of=day)
    step("load_ledger")
    report = assess_ledger(book, settings, day)
    del book
    step("assess_ledger (schedules, core, lists)")
    report.report_path = write_report(report, out, settings.company.name)
    step("write_report (workbook and letters)")
    document = report.to_dict()
    step("to_dict")
    json_bytes(document)
    step("json_bytes")


def memory(ledger: Path, out: Path) -> None:
    print("memory by step (a fresh process, each step once):")
    subprocess.run([sys.executable, __file__, "--memory-steps", str(ledger), str(out)], check=True)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def best_of(repeat: int, func, *args, **kwargs) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        func(*args, **kwargs)
        best = min(best, time.perf_counter() - started)
    return best


def timed_process(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one new process, its stdout discarded."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{command[:4]} failed ({status})")
    return seconds, usage.ru_maxrss / 1024  # kilobytes on Linux


def processes(ledger: Path, out: Path) -> None:
    """overdue-report --json as a whole process beside a process that only reads the ledger with
    python-calamine's to_python: median of three each, interleaved, with each one's peak memory."""
    bare = [sys.executable, "-c", "import sys; from python_calamine import CalamineWorkbook as W; "
            "b = W.from_path(sys.argv[1]); [b.get_sheet_by_name(n).to_python() for n in b.sheet_names]",
            str(ledger)]
    report = [sys.executable, "-m", "loantool", "overdue-report", "--ledger", str(ledger),
              "--as-of", str(AS_OF), "--out", str(out), "--json"]
    timed_process(bare)  # warm the file cache
    print(f"before: {load()}")
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "report": []}
    for _ in range(3):
        runs["bare"].append(timed_process(bare))
        runs["report"].append(timed_process(report))
    print(f"after:  {load()}")
    median = {name: sorted(t for t, _m in values)[1] for name, values in runs.items()}
    peak = {name: max(m for _t, m in values) for name, values in runs.items()}
    print(f"(a') to_python read, new process:        {median['bare']:6.2f} s (median of 3)  "
          f"peak {peak['bare']:5.0f} MB")
    print(f"(j)  overdue-report --json, new process: {median['report']:6.2f} s (median of 3)  "
          f"peak {peak['report']:5.0f} MB")
    print(f"ratio (j)/(a'): {median['report'] / median['bare']:.2f}  (target ≤ 1.5; peak target ≤ 350 MB)")


def stages(ledger: Path, out: Path, repeat: int) -> None:
    """Each stage of the command on its own, best of ``repeat`` (the machine may be shared)."""
    from loantool.config import Settings
    from loantool.core.arrears import Rules, assess_portfolio
    from loantool.core.loans import active_on
    from loantool.ledger.read import load_ledger
    from loantool.reports.overdue import write_report
    from loantool.workflows.overdue import assess_ledger
    from loantool.workflows.schedule import schedules_for

    settings = Settings()
    day = dt.date.fromisoformat(str(AS_OF))

    def timed(name: str, func, *args, **kwargs):
        best, result = float("inf"), None
        for _ in range(repeat):
            started = time.perf_counter()
            result = func(*args, **kwargs)
            best = min(best, time.perf_counter() - started)
        print(f"  {name:<58} {best:7.3f} s")
        return result

    book = timed("load_ledger (calamine, typed columns, checks on entry)", load_ledger, ledger, settings,
                 as_of=day)
    timed("load_ledger, 还款记录 parsed in a background thread", background_parse, load_ledger,
          ledger, settings, as_of=day)
    timed("load_ledger the careful way (to_python, before issue 15)", careful, load_ledger, ledger,
          settings, as_of=day)
    active = book.loans.frame[active_on(book.loans.frame, day)]
    inst = timed("schedules_for (the active loans' installments)", schedules_for, book, active,
                 settings).installments
    timed("assess_portfolio (the core)", assess_portfolio, book.loans.frame, inst, book.payments.frame,
          as_of=day, rules=Rules.from_settings(settings.arrears, settings.actions))
    report = timed("assess_ledger (schedules + core + the lists)", assess_ledger, book, settings, day)
    report.notice_letters = False
    timed("write_report, the workbook only", write_report, report, out, settings.company.name)
    report.notice_letters = True
    timed("write_report (the workbook, and the notice letters beside it)", write_report, report, out,
          settings.company.name)
    timed("write_report the cell-by-cell way (XlsxWriter's own methods)", cell_by_cell, write_report, report,
          out, settings.company.name)
    document = timed("to_dict (the --json document, not part of (b))", report.to_dict)
    from loantool.cli import json_text

    timed("json_text (the document serialised, orjson)", json_text, document)
    print(f"  rows: call list {len(report.call_list):,}  sms {len(report.sms):,}  "
          f"连三累六 {len(report.lian3lei6):,}  maturity {len(report.maturity):,}  "
          f"quarterly {len(report.quarterly_notices):,}  "
          f"inspections {len(report.inspections):,}  limitation {len(report.limitation):,}  "
          f"warnings {len(report.warnings):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="time the command's stages one by one")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the command, print the top functions")
    parser.add_argument("--keep", type=Path, help="folder to generate the ledger into once and reuse")
    parser.add_argument("--memory-steps", nargs=2, type=Path, metavar=("LEDGER", "OUT"),
                        help=argparse.SUPPRESS)  # the child process of --stages' memory figures
    parser.add_argument("--processes", action="store_true",
                        help="only the new-process figures: median of three of overdue-report --json beside "
                             "a bare to_python read, with each process's peak memory")
    args = parser.parse_args()
    if args.memory_steps:
        memory_steps(*args.memory_steps)
        return
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench_overdue_") as tmp:
        folder = Path(tmp)
        ledger, out = folder / "ledger.xlsx", folder / "reports" / "逾期催收日报.xlsx"
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            ledger = args.keep / f"ledger_{args.loans}_{args.seed}.xlsx"
        if ledger.is_file():
            print(f"reusing {ledger} ({ledger.stat().st_size / 1e6:.1f} MB)")
        else:
            started = time.perf_counter()
            loans = generate_loans(args.loans, rng)
            inst = schedules(loans)
            payments = generate_payments(loans, inst, rng)
            write_ledger(ledger, loans, payments)
            print(f"generated {len(loans):,} loans ({len(inst):,} installments), {len(payments):,} rows in "
                  f"还款记录, {ledger.stat().st_size / 1e6:.1f} MB, in {time.perf_counter() - started:.1f} s")

        if args.processes:
            processes(ledger, out)
            return
        rows = bare_read(ledger)  # warm the file cache and the imports for both sides
        run_command(ledger, out)
        print(f"before: {load()}")
        read = best_of(args.repeat, bare_read, ledger)
        command = best_of(args.repeat, run_command, ledger, out)
        one_thread = best_of(args.repeat, background_parse, run_command, ledger, out)
        with_json = best_of(args.repeat, run_command, ledger, out, "--json")
        best = f"(best of {args.repeat})"
        print(f"(a)  python-calamine bare read, all sheets, one thread ({rows:,} rows): "
              f"{read:7.3f} s  {best}")
        print(f"(b)  loantool overdue-report, report written (sheets parsed in one thread):  "
              f"{command:7.3f} s  {best}")
        print(f"(b1) the same, 还款记录 parsed in a background thread:                "
              f"{one_thread:7.3f} s  {best}")
        print(f"(bj) loantool overdue-report --json (the document on stdout, report written): "
              f"{with_json:7.3f} s  {best}")
        print(f"ratio (b)/(a): {command / read:.2f}  (target ≤ 1.5)   (b1)/(a): {one_thread / read:.2f}   "
              f"(bj)/(a): {with_json / read:.2f}   report {out.stat().st_size / 1e6:.1f} MB")
        # the same two as new processes: interpreter start, imports and first-touch memory included
        bare_script = ("import sys; from python_calamine import CalamineWorkbook as W; "
                       "b = W.from_path(sys.argv[1]); "
                       "[b.get_sheet_by_name(n).to_python() for n in b.sheet_names]")
        cold_read = best_of(1, subprocess.run, [sys.executable, "-c", bare_script, str(ledger)], check=True)
        command_line = [sys.executable, "-m", "loantool", "overdue-report", "--ledger", str(ledger),
                        "--as-of", str(AS_OF), "--out", str(out), "--quiet"]
        cold_command = best_of(1, subprocess.run, command_line, check=True)
        print(f"as new processes: (a') {cold_read:.3f} s  (b') {cold_command:.3f} s  "
              f"ratio {cold_command / cold_read:.2f}  (imports included)")
        print(f"after: {load()}")
        if args.stages:
            print("stages of (b):")
            stages(ledger, out, args.repeat)
            memory(ledger, out)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(run_command, ledger, out)
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
            print(text.getvalue())


if __name__ == "__main__":
    main()
