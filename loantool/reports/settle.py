"""结清审批表: the print-ready approval sheet of a payoff quote, the batch workbook, and the console view.

One sheet per quote: the customer block, the quote table (each component, what goes to the bank and to
the company, how it was worked out), the installments paid and unpaid with what the quote collects of
each, and the signature lines 经办 / 复核 / 审批 with dates. A batch adds a 汇总 sheet in front.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..money import fen_to_display, rate_to_str
from ..schema import LOAN_STATE_LABELS, METHODS, STATUSES, label
from ..values import iso_date, text_or_blank
from .excel import Column, ReportBook, ReportSheet, write_book

STYLE_LABELS = {"card": "信用卡分期式", "loan": "贷款式"}
CURRENT_LABELS = {"full": "全额收取", "accrued": "按天计息", "none": "不收"}
PART_STATUS = {"due": "到期", "current": "当期", "later": "未到期"}
WARNING_LABELS = {  # the workflow's warning codes, for people reading the sheet
    "not-active": "非在贷合同，本表仅供核对",
    "advances-exceed-due": "未收回垫款大于到期未还，付银行的到期部分为负（客户是否又向银行还款？），付款前请核查",
    "negative-advances": "客户还垫款多于公司垫款，差额为公司代收、应付银行",
    "credit": "客户溢缴款（超过全部应还）未冲抵、未退还，需人工处理",
}
QUOTE_COLUMNS = [Column("item", "项目", "text", 26), Column("amount", "金额（元）", "yuan", 15),
                 Column("to_bank", "付银行", "yuan", 15), Column("to_company", "付公司", "yuan", 15),
                 Column("note", "计算说明", "text", 46)]
# the installment table sits under the quote table: its first five columns share those widths
INSTALLMENT_HEADERS = [("期数 · 还款日", "text"), ("应还", "yuan"), ("已还", "yuan"), ("未还", "yuan"),
                       ("状态", "text"), ("罚息", "yuan"), ("结清计收", "yuan"), ("按规则不收", "yuan")]
EXTRA_WIDTH = 13
SUMMARY_COLUMNS = [
    Column("contract_no", "合同编号", "id"), Column("customer_name", "客户姓名"), Column("as_of", "结清日期", "date", 12),
    Column("style_label", "结清口径"), Column("due_amount", "到期未还", "yuan"), Column("penalty", "罚息", "yuan"),
    Column("remaining_principal", "剩余本金", "yuan"), Column("current_interest", "当期利息/费用", "yuan"),
    Column("settlement_fee", "提前结清手续费", "yuan"), Column("fixed_fees", "固定费用", "yuan"),
    Column("total", "结清总额", "yuan"), Column("to_bank", "付银行", "yuan"), Column("to_company", "付公司", "yuan"),
    Column("unrecovered_advances", "其中未收回垫款", "yuan"), Column("warning_text", "提示", "text", 40),
]
SUMMARY_MONEY = ("due_amount", "penalty", "remaining_principal", "current_interest", "settlement_fee",
                 "fixed_fees", "total", "to_bank", "to_company", "unrecovered_advances")


def _day(value: Any) -> str:
    return iso_date(value) or ""


def customer_block(quote: Any) -> list[str]:
    loan = quote.loan
    rate_label = "总费率" if quote.method == "flat_fee" else "年利率"
    due_day = text_or_blank(loan.get("bank_due_day"))
    lines = [
        f"客户姓名：{text_or_blank(quote.customer_name)}    合同编号：{quote.contract_no}    "
        f"身份证号：{text_or_blank(loan.get('id_no'))}    手机号：{text_or_blank(loan.get('phone'))}",
        f"银行卡号：{text_or_blank(loan.get('card_no'))}    车型：{text_or_blank(loan.get('car_model'))}    "
        f"经销商：{text_or_blank(loan.get('dealer'))}",
        f"贷款金额：{fen_to_display(int(loan['principal']))} 元    {rate_label}：{rate_to_str(quote.rate)}    "
        f"期数：{text_or_blank(loan.get('term'))} 期    还款方式：{label(METHODS, quote.method)}    "
        f"提车日期：{_day(loan.get('pickup_date'))}" + (f"    每月还款日：{due_day} 日" if due_day else ""),
        f"结清日期：{quote.as_of.isoformat()}    结清口径：{STYLE_LABELS[quote.style]}"
        + (f"（当期利息{CURRENT_LABELS[quote.current_period_setting]}）" if quote.style == "loan" else
           "（收取结清日后各期未还手续费，已还手续费不退）"),
    ]
    if quote.status != "active":
        settled = _day(loan.get("settled_on"))
        lines.append(f"注意：本合同状态为 {LOAN_STATE_LABELS[quote.status]}"
                     + (f"（结清日期 {settled}）" if settled else "") + "，本表仅供核对。")
    lines += [f"提示：{WARNING_LABELS[code]}" for code, _ in quote.warnings if code != "not-active"]
    return lines


def quote_rows(quote: Any) -> list[dict[str, Any]]:
    """The quote table: every component with its recipient(s) and how it was worked out."""
    a = quote.amounts
    inst = quote.installments
    due = inst[inst["part"].eq("due") & inst["unpaid"].gt(0)]
    charge_word = "手续费" if quote.method == "flat_fee" else "利息"
    rows = [{
        "item": "到期未还（含结清日当日到期）", "amount": a["due_amount"], "to_bank": a["bank_due"],
        "to_company": a["unrecovered_advances"],
        "note": (f"{len(due)} 期未还：本金 {fen_to_display(a['due_principal'])}、{charge_word} "
                 f"{fen_to_display(a['due_charge'])}" if len(due) else "无")
        + (f"；其中公司垫款未收回 {fen_to_display(a['unrecovered_advances'])}，归公司"
           if a["unrecovered_advances"] else ""),
    }, {
        "item": "罚息", "amount": a["penalty"], "to_bank": 0, "to_company": a["penalty"],
        "note": (f"{quote.overdue_periods} 期逾期，按未还金额 × 日罚息率 × 逾期天数逐期计算"
                 if quote.overdue_periods else "无逾期"),
    }, {
        "item": "剩余本金", "amount": a["remaining_principal"], "to_bank": a["remaining_principal"],
        "to_company": 0,
        "note": "结清日之后到期各期的未还本金（已提前还款的部分已扣除）",
    }, {
        "item": "剩余各期手续费" if quote.style == "card" else "当期利息", "amount": a["current_interest"],
        "to_bank": a["current_interest"], "to_company": 0, "note": _current_note(quote),
    }]
    if quote.style == "loan":
        bank = quote.fee_to == "bank"
        fee = a["settlement_fee"]
        rows.append({"item": "提前结清手续费", "amount": fee, "to_bank": fee if bank else 0,
                     "to_company": 0 if bank else fee,
                     "note": f"剩余本金 × 费率 {rate_to_str(quote.fee_rate)}，归{'银行' if bank else '公司'}"})
    for name, amount in quote.fixed_fee_items:
        rows.append({"item": f"固定费用：{name}", "amount": amount, "to_bank": 0, "to_company": amount,
                     "note": "loantool.toml [settlement.fixed_fees]，归公司"})
    return rows


def _current_note(quote: Any) -> str:
    current = quote.current
    if current is None:
        return "结清日已过最后一期还款日，无当期"
    if quote.style == "card":
        return f"第 {current['period']} 期起各期未还的手续费（已还手续费不退）"
    head = f"第 {current['period']} 期（{current['start_date']} 至 {current['due_date']}）"
    if quote.current_period_setting == "accrued":
        return (f"{head}利息按天计：已过 {current['days_elapsed']}/{current['days_in_period']} 天，"
                "减去已还利息（多还不退）")
    if quote.current_period_setting == "none":
        return f"{head}利息不收"
    return f"{head}利息全额，减去已还部分"


def installment_rows(quote: Any) -> list[tuple[list[Any], bool]]:
    """(cells, overdue) per installment for the table under the quote."""
    out = []
    for r in quote.installments.itertuples(index=False):
        if r.part == "due":
            status = ("已还" if r.unpaid == 0 else f"逾期 {int(r.penalty_days)} 天" if r.overdue else "到期未还")
        else:
            status = PART_STATUS[r.part] + ("（已提前还清）" if r.unpaid == 0 else "")
        collected = int(r.quoted_principal + r.quoted_charge)
        cells = [f"第 {int(r.period)} 期  {_day(r.due_date)}", int(r.amount_due), int(r.paid), int(r.unpaid),
                 status, int(r.penalty), collected, int(r.not_charged)]
        out.append((cells, bool(r.overdue)))
    return out


def signature_lines(prepared_by: str | None, approved_by: str | None) -> list[str]:
    blank = "____________"
    return [f"经办：{prepared_by or blank}    签字：{blank}    日期：{blank}",
            f"复核：{blank}    签字：{blank}    日期：{blank}",
            f"审批：{approved_by or blank}    签字：{blank}    日期：{blank}"]


def _below(quote: Any, prepared_by: str | None, approved_by: str | None, recorded: str | None) -> Any:
    """Under the quote table: the installments paid and unpaid, then the signature lines."""

    def after(workbook: Any, ws: Any, context: dict[str, Any], row: int) -> None:
        fmt = context["formats"]
        ws.write_string(row, 0, "还款情况（已还与未还各期）", fmt.title)
        row += 1
        ws.repeat_rows(row)  # a long list continues on the next page under its own header
        for col, (header, _) in enumerate(INSTALLMENT_HEADERS):
            ws.write_string(row, col, header, fmt.header)
        for col in range(len(QUOTE_COLUMNS), len(INSTALLMENT_HEADERS)):
            ws.set_column(col, col, EXTRA_WIDTH)
        sums = [0] * len(INSTALLMENT_HEADERS)
        for cells, hot in installment_rows(quote):
            row += 1
            for col, ((_, kind), value) in enumerate(zip(INSTALLMENT_HEADERS, cells, strict=True)):
                style = (fmt.hot if hot else fmt.cells)[kind]
                if kind == "yuan":
                    ws.write_number(row, col, value / 100, style)
                    sums[col] += value
                else:
                    ws.write_string(row, col, value, style)
        row += 1
        for col, (_, kind) in enumerate(INSTALLMENT_HEADERS):
            if kind == "yuan":
                ws.write_number(row, col, sums[col] / 100, fmt.total["yuan"])
            else:
                ws.write_string(row, col, "合计" if col == 0 else "", fmt.total["text"])
        row += 2
        if recorded:
            ws.write_string(row, 0, recorded, fmt.signature)
            row += 2
        for line in signature_lines(prepared_by, approved_by):
            ws.write_string(row, 0, line, fmt.signature)
            ws.set_row(row, 30)
            row += 1

    return after


def approval_sheet(quote: Any, *, name: str = "结清审批表", prepared_by: str | None = None,
                   approved_by: str | None = None, recorded: str | None = None) -> ReportSheet:
    a = quote.amounts
    return ReportSheet(
        name=name, title=f"提前结清审批表  合同编号 {quote.contract_no}  结清日 {quote.as_of.isoformat()}",
        columns=QUOTE_COLUMNS, rows=quote_rows(quote),
        totals={"item": "结清总额（客户应付）", "amount": a["total"], "to_bank": a["to_bank"],
                "to_company": a["to_company"], "note": "付银行 + 付公司 = 结清总额"},
        notes=customer_block(quote), landscape=True, repeat_header=False,
        after=_below(quote, prepared_by, approved_by, recorded))


def write_quote(result: Any, path: Path, company: str) -> Path:
    quote = result.quote
    recorded = None
    if result.confirmed:
        recorded = (f"已记入台账：结清记录一行，贷款状态改为 结清，结清日期 {quote.as_of.isoformat()}"
                    f"（审批 {result.approved_by}，经办 {result.prepared_by}，记录于 {dt.date.today().isoformat()}）。")
    sheet = approval_sheet(quote, prepared_by=result.prepared_by, approved_by=result.approved_by,
                           recorded=recorded)
    return write_book(path, ReportBook(company=company, report="提前结清审批表", as_of=None, sheets=[sheet]))


def _sheet_names(quotes: list[Any]) -> list[str]:
    names, used = [], {"汇总"}
    for quote in quotes:
        base = re.sub(r"[\[\]:*?/\\]", "-", quote.contract_no)[:28] or "quote"
        name, k = base, 1
        while name.lower() in used:
            k += 1
            name = f"{base[:26]}~{k}"
        used.add(name.lower())
        names.append(name)
    return names


def summary_frame(quotes: list[Any]) -> pd.DataFrame:
    return pd.DataFrame([{
        "contract_no": q.contract_no, "customer_name": q.customer_name, "as_of": q.as_of,
        "style_label": STYLE_LABELS[q.style], **{k: q.amounts[k] for k in SUMMARY_MONEY},
        "warning_text": "；".join(WARNING_LABELS[code] for code, _ in q.warnings),
    } for q in quotes], columns=[c.key for c in SUMMARY_COLUMNS])


def write_batch(result: Any, path: Path, company: str, as_of: Any) -> Path:
    """汇总 (one row per quote, totals, signature lines) and one approval sheet per quote."""
    frame = summary_frame(result.quotes)
    summary = ReportSheet(
        "汇总", f"提前结清汇总  {Path(result.batch_path).name}", SUMMARY_COLUMNS, frame,
        totals={"contract_no": "合计", "customer_name": f"{len(frame)} 笔",
                **{k: int(frame[k].sum()) for k in SUMMARY_MONEY}},
        highlight=list(frame["warning_text"].ne("")), landscape=True,
        footer=["", *signature_lines(None, None)])
    names = _sheet_names(result.quotes)
    sheets = [summary] + [approval_sheet(q, name=n) for q, n in zip(result.quotes, names, strict=True)]
    return write_book(path, ReportBook(company=company, report="提前结清汇总", as_of=as_of, sheets=sheets))


# ------------------------------------------------------------------------------------------- console


def _quote_table(quote: Any) -> Any:
    from rich.table import Table

    a = quote.amounts
    title = f"提前结清 {quote.contract_no} {text_or_blank(quote.customer_name)}  结清日 {quote.as_of.isoformat()}".strip()
    table = Table(title=title, caption=f"结清口径：{STYLE_LABELS[quote.style]}", show_footer=True)
    table.add_column("项目", footer="结清总额")
    table.add_column("金额", justify="right", footer=fen_to_display(a["total"]))
    table.add_column("付银行", justify="right", footer=fen_to_display(a["to_bank"]))
    table.add_column("付公司", justify="right", footer=fen_to_display(a["to_company"]))
    for row in quote_rows(quote):
        table.add_row(row["item"], fen_to_display(row["amount"]), fen_to_display(row["to_bank"]),
                      fen_to_display(row["to_company"]))
    return table


def render_console(result: Any, console: Any) -> None:
    console.print(_quote_table(result.quote))
    if result.confirmed:
        console.print(f"Recorded: {result.quote.contract_no} settled on {result.quote.as_of.isoformat()} "
                      f"(approved by {result.approved_by}).", markup=False)
    if result.report_path is not None:
        console.print(f"Approval sheet: {result.report_path}", markup=False)


def render_batch_console(result: Any, console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"提前结清汇总 {Path(result.batch_path).name}", show_footer=True)
    totals = result.totals()
    table.add_column("合同编号", footer="合计")
    table.add_column("客户姓名", footer=f"{len(result.quotes)} 笔")
    table.add_column("结清日期")
    for key, header in (("total", "结清总额"), ("to_bank", "付银行"), ("to_company", "付公司")):
        table.add_column(header, justify="right", footer=fen_to_display(totals[key]))
    for q in result.quotes:
        a = q.amounts
        table.add_row(q.contract_no, text_or_blank(q.customer_name), q.as_of.isoformat(), fen_to_display(a["total"]),
                      fen_to_display(a["to_bank"]), fen_to_display(a["to_company"]))
    console.print(table)
    if result.report_path is not None:
        console.print(f"Approval sheets: {result.report_path}", markup=False)
