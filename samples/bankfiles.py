"""The files that land in the desk's inbox, shaped the way banks and customer service send them.

- a November 2026 repayment statement (代扣明细) as .xlsx with title rows and a 合计 row, and a small
  retry batch (补扣) as a GB18030 CSV;
- disbursement slips (放款单) for the newest loans: an .xlsx, a GB18030 CSV with ``="…"`` wrapped
  numbers, and an ".xls" that is really an HTML table;
- customer service's table (客服信息表) with a few changed contacts.

Every oddity the tools must handle is planted on purpose and listed in samples/README.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from loantool import schema
from loantool.money import fen_to_decimal, fen_to_display, fen_to_str

from .book import SAMPLE_AS_OF
from .history import History
from .ledger_layout import number_format, save_workbook, text_width
from .people import People

Installment = dict[str, Any]
STATEMENT_BANK = "中国工商银行杭州分行"
STATEMENT_ACCOUNT = "1202021009100088888"
PERIOD = (2026, 11)


# --------------------------------------------------------------------------------------- writing


def write_sheet(path: Path, sheet: str, titles: list[str], header: list[str], rows: list[list[Any]],
                kinds: list[str], timestamp: dt.datetime) -> None:
    """A one-sheet workbook: title rows, a bold header, typed cells (identifiers as text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for title in titles:
        ws.append([title])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=len(header))
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    widths = [text_width(h) for h in header]
    formats = [number_format(kind) for kind in kinds]
    first = ws.max_row + 1
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue
            cell = ws.cell(row=first + i, column=j + 1, value=value)
            if formats[j] and not (formats[j] == "@" and not isinstance(cell.value, str)):
                cell.number_format = formats[j]
            shown = fen_to_display(int(cell.value * 100)) if kinds[j] == "amount" and isinstance(
                cell.value, Decimal) else str(cell.value)
            widths[j] = max(widths[j], text_width(shown[:10] if kinds[j] == "date" else shown))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(40, width + 2)
    wb.properties.creator = "Administrator"
    save_workbook(wb, path, timestamp=timestamp)


def write_csv(path: Path, lines: list[list[str]]) -> None:
    """CSV the way Chinese Windows software writes it: GB18030, CRLF line ends, and Excel's ``="…"``
    text guard left bare (not quoted) the way bank systems emit it."""
    buffer = io.StringIO()
    quoting = csv.writer(buffer, lineterminator="")
    out = []
    for line in lines:
        fields = []
        for value in line:
            if value.startswith('="') and value.endswith('"') and "," not in value:
                fields.append(value)
            else:
                buffer.seek(0)
                buffer.truncate()
                quoting.writerow([value])
                fields.append(buffer.getvalue())
        out.append(",".join(fields) + "\r\n")
    path.write_bytes("".join(out).encode("gb18030"))


# ------------------------------------------------------------------------------------- statement


def _in_period(on: dt.date) -> bool:
    return (on.year, on.month) == PERIOD


def _expected(loan: dict[str, Any], row: Installment) -> int:
    """The bank deducts its monthly amount, except in the final period (the schedule's amount)."""
    if loan["bank_monthly_amount"] is not None and row["period"] != loan["term"]:
        return loan["bank_monthly_amount"]
    return row["payment"]


def statement_lines(loans: list[dict[str, Any]], inst: dict[str, list[Installment]], history: History,
                    rng: random.Random, people: People) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """November's deductions (main statement) and the retry batch (补扣), as line dicts."""
    seen: dict[str, None] = {}

    def ref(on: dt.date) -> str:
        while True:
            value = f"{on:%Y%m%d}{rng.randrange(10**8):08d}"
            if value not in seen:
                seen[value] = None
                return value

    due: list[tuple[dict[str, Any], Installment]] = [
        (loan, row) for loan in loans if loan["status"] == "active" and loan["disbursed_on"] is not None
        for row in inst[loan["contract_no"]] if _in_period(row["due_date"])
    ]
    normal = [(loan, row) for loan, row in due if history.behaviour[loan["contract_no"]] == "on_time"]
    early = [pair for pair in normal if pair[1]["due_date"].day <= 24]
    retry_ok, retry_fail = rng.sample(early, 3), None
    rest = [pair for pair in early if pair not in retry_ok]
    retry_fail = rng.choice(rest)
    month_end = [pair for pair in normal if pair[1]["due_date"].day >= 28 and pair not in retry_ok]
    late_run = month_end[-1] if month_end else None
    taken = [*retry_ok, retry_fail, late_run]
    others = rng.sample([pair for pair in normal if pair not in taken], 6)
    plain_fail, masked, duplicated, short, over = others[:2], others[2], others[3], others[4], others[5]

    main: list[dict[str, Any]] = []
    retries: list[dict[str, Any]] = []
    for loan, row in due:
        pair = (loan, row)
        amount = _expected(loan, row)
        line = {"card": loan["card_no"], "name": loan["customer_name"], "on": row["due_date"],
                "amount": amount, "ok": True}
        if history.behaviour[loan["contract_no"]].startswith("stopper") or pair in plain_fail:
            line["ok"] = False
        elif pair in retry_ok or pair == retry_fail:
            line["ok"] = False
            retries.append({**line, "on": row["due_date"] + dt.timedelta(days=3), "ok": pair != retry_fail})
        elif pair == masked:
            line["card"] = f"{loan['card_no'][:4]}****{loan['card_no'][-4:]}"
        elif pair == late_run:
            line["on"] = dt.date(2026, 12, 1)  # the run slipped past month end: not November's
        elif pair == short:
            line["amount"] = amount - min(50_000, amount // 2)  # card short of funds, part deducted
        elif pair == over:
            line["amount"] = amount + 10_000
        line["ref"] = ref(line["on"])
        main.append(line)
        if pair == duplicated:
            main.append(dict(line))  # the bank exported this line twice: same 流水号
    stranger = {"card": people.card(), "name": people.name(), "on": dt.date(2026, 11, 16),
                "amount": 345_600, "ok": True}
    main.append({**stranger, "ref": ref(stranger["on"])})
    for line in retries:
        line["ref"] = ref(line["on"])
    main.sort(key=lambda line: (line["on"], line["card"]))
    retries.sort(key=lambda line: (line["on"], line["card"]))
    return main, retries


def write_statements(folder: Path, main: list[dict[str, Any]], retries: list[dict[str, Any]],
                     company: str, timestamp: dt.datetime) -> list[Path]:
    header = ["卡号", "姓名", "扣款日期", "金额", "流水号", "状态"]
    rows = [[line["card"], line["name"], line["on"].isoformat(), fen_to_decimal(line["amount"]), line["ref"],
             "成功" if line["ok"] else "失败"] for line in main]
    ok = [line for line in main if line["ok"]]
    rows.append(["合计", f"{len(main)}笔", None, fen_to_decimal(sum(line["amount"] for line in ok)), None,
                 f"成功{len(ok)}笔"])
    xlsx = folder / "工商银行代扣明细_202611.xlsx"
    write_sheet(xlsx, "代扣明细", [
        f"{STATEMENT_BANK} 批量代扣明细",
        f"账户：{STATEMENT_ACCOUNT}　户名：{company}",
        "期间：2026-11-01 至 2026-11-30",
    ], header, rows, ["card", "text", "text", "amount", "contract", "text"], timestamp)

    lines = [[f"{STATEMENT_BANK} 代扣补扣明细"],
             [f"账户：{STATEMENT_ACCOUNT}", "期间：2026-11-01至2026-11-30"],
             header]
    for line in retries:
        lines.append([line["card"], line["name"], f"{line['on']:%Y/%m/%d}", fen_to_display(line["amount"]),
                      line["ref"], "成功" if line["ok"] else "失败"])
    csv_path = folder / "工商银行补扣明细_202611.csv"
    write_csv(csv_path, lines)
    return [xlsx, csv_path]


# ------------------------------------------------------------------------------------------ slips


def slip_rows(new_loans: list[dict[str, Any]], extra: dict[str, Any], inst: dict[str, list[Installment]],
              rng: random.Random) -> list[dict[str, Any]]:
    """One slip row per new loan and for the loan the ledger does not know yet."""
    rows = []
    for loan in [*new_loans, extra]:
        rows.append({
            "name": loan["customer_name"], "id_no": loan["id_no"], "card": loan["card_no"],
            "principal": loan["principal"], "term": loan["term"],
            "on": min(loan["pickup_date"] + dt.timedelta(days=rng.randint(1, 4)), dt.date(2026, 11, 26)),
            "monthly": inst[loan["contract_no"]][0]["payment"], "due_day": loan["pickup_date"].day,
        })
    return rows


SLIP_HEADER = ["姓名", "身份证号", "卡号", "放款金额", "放款日期", "期数", "月还金额", "还款日", "银行"]


def write_slips(folder: Path, rows: list[dict[str, Any]], timestamp: dt.datetime) -> list[Path]:
    """rows: the new loans in order, then the unknown customer. Oddities: one monthly amount 0.01 off
    our schedule, one row for a customer the ledger lacks, one row exported twice."""
    *new, unknown = rows
    icbc, ccb, abc = new[:4], new[4:7], new[7:]
    icbc = [dict(r) for r in icbc]
    icbc[1]["monthly"] += 1
    icbc_rows = [*icbc, unknown, icbc[0]]

    bank = "中国工商银行杭州分行"
    xlsx = folder / "放款单_工商银行_20261126.xlsx"
    write_sheet(xlsx, "放款单", [f"{bank} 个人汽车消费分期放款通知单", "打印日期：2026-11-26"], SLIP_HEADER,
                [[r["name"], r["id_no"], r["card"], fen_to_decimal(r["principal"]), r["on"], r["term"],
                  fen_to_decimal(r["monthly"]), r["due_day"], bank] for r in icbc_rows],
                ["text", "id_no", "card", "amount", "date", "int", "amount", "int", "text"], timestamp)

    bank = "中国建设银行浙江省分行"
    lines = [[f"{bank} 汽车分期放款明细"], SLIP_HEADER]
    for r in ccb:
        lines.append([r["name"], f'="{r["id_no"]}"', f'="{r["card"]}"', fen_to_display(r["principal"]),
                      f"{r['on'].year}年{r['on'].month}月{r['on'].day}日", str(r["term"]),
                      fen_to_str(r["monthly"]), str(r["due_day"]), bank])
    csv_path = folder / "放款单_建设银行_20261125.csv"
    write_csv(csv_path, lines)

    bank = "中国农业银行杭州分行"
    cells = "".join(f"<td>{html.escape(h)}</td>" for h in SLIP_HEADER)
    body = [f'<tr><td colspan="{len(SLIP_HEADER)}">{bank} 放款清单</td></tr>', f"<tr>{cells}</tr>"]
    for r in abc:
        values = [r["name"], r["id_no"], r["card"], fen_to_str(r["principal"]), r["on"].isoformat(),
                  str(r["term"]), fen_to_str(r["monthly"]), str(r["due_day"]), bank]
        cells = "".join(f'<td style="mso-number-format:\\@">{html.escape(v)}</td>' for v in values)
        body.append(f"<tr>{cells}</tr>")
    page = ('<html xmlns:x="urn:schemas-microsoft-com:office:excel">\r\n'
            '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>\r\n'
            '<body><table border="1">\r\n'
            + "\r\n".join(body) + "\r\n</table></body></html>\r\n")
    xls = folder / "放款单_农业银行_20261127.xls"
    xls.write_bytes(page.encode("utf-8"))
    return [xlsx, csv_path, xls]


# ------------------------------------------------------------------------------ customer service

CS_KEYS = ("contract_no", "customer_name", "id_no", "phone", "card_no", "dealer", "car_model", "product",
           "principal", "term", "method", "pickup_date", "guarantor", "guarantor_phone")


def write_customer_table(path: Path, loans: list[dict[str, Any]], extra: dict[str, Any], rng: random.Random,
                         people: People, timestamp: dt.datetime) -> dict[str, list[str]]:
    """客服信息表: every loan's contact columns, with what customer service changed since the last sync.
    Returns the planted changes (for the README and tests)."""
    fields = [schema.CUSTOMERS.field(key) for key in CS_KEYS]
    records = sorted((dict(loan) for loan in loans), key=lambda r: r["contract_no"])
    active = [r for r in records if r["status"] == "active"]
    changed_phone = rng.sample(active, 6)
    for r in changed_phone:
        r["phone"] = people.phone()
    conflict = changed_phone.pop()  # its second row below keeps the old number: a conflict
    changed_card = rng.choice([r for r in active if r not in changed_phone and r is not conflict])
    changed_card["card_no"] = people.card()
    old = next(loan for loan in loans if loan["contract_no"] == conflict["contract_no"])
    rows = [*records, dict(extra), {**conflict, "phone": old["phone"]}]

    def cell(f: schema.Field, r: dict[str, Any]) -> Any:
        value = r[f.key]
        if value is None:
            return None
        if f.kind == "amount":
            return fen_to_decimal(value)
        if f.kind == "method":
            return schema.label(schema.METHODS, value)
        return value

    write_sheet(path, "客服信息表", [f"客服信息表（导出时间：{SAMPLE_AS_OF - dt.timedelta(days=2)} 17:30）"],
                [f.header for f in fields], [[cell(f, r) for f in fields] for r in rows],
                [f.kind for f in fields], timestamp)
    return {"phone_changed": [r["contract_no"] for r in changed_phone],
            "card_changed": [changed_card["contract_no"]], "new_contract": [extra["contract_no"]],
            "conflicting_duplicate": [conflict["contract_no"]]}
