"""核销审批表: the print-ready write-off approval sheet, the batch workbook, and the console view.

One page per loan: the customer block, the amounts written off (核销本金, 核销利息, 核销罚息 and their
total, 未收回垫款 beside them – not added), the loan's history in brief (disbursed, paid, advanced, DPD,
class since when), whether it may be written off, and the signature lines 经办 / 复核 / 审批 with dates.
A batch adds a 汇总 sheet in front.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.classify import CLASS_LABELS
from ..i18n import _
from ..money import fen_to_display
from ..values import iso_date, text_or_blank
from .excel import Column, ReportBook, ReportSheet, write_book

AMOUNT_COLUMNS = [
    Column("item", "项目", "text", 24),
    Column("amount", "金额（元）", "yuan", 16),
    Column("note", "说明", "text", 62),
]
SUMMARY_COLUMNS = [
    Column("contract_no", "合同编号", "id", 18),
    Column("customer_name", "客户姓名", "text", 10),
    Column("as_of", "核销日期", "date", 12),
    Column("class_label", "五级分类", "text", 8),
    Column("dpd", "逾期天数", "int", 8),
    Column("principal", "核销本金", "yuan", 15),
    Column("interest", "核销利息", "yuan", 15),
    Column("penalty", "核销罚息", "yuan", 15),
    Column("total", "核销总额", "yuan", 15),
    Column("unrecovered_advances", "未收回垫款", "yuan", 15),
    Column("verdict", "能否核销", "text", 40),
]


def _day(value: Any) -> str:
    return iso_date(value) or ""


def customer_block(quote: Any) -> list[str]:
    loan = quote.loan
    return [
        f"客户姓名：{text_or_blank(quote.customer_name)}    合同编号：{quote.contract_no}    "
        f"身份证号：{text_or_blank(loan.get('id_no'))}    手机号：{text_or_blank(loan.get('phone'))}",
        f"银行卡号：{text_or_blank(loan.get('card_no'))}    车型：{text_or_blank(loan.get('car_model'))}    "
        f"经销商：{text_or_blank(loan.get('dealer'))}",
        f"核销日期：{quote.as_of.isoformat()}    "
        f"五级分类：{CLASS_LABELS.get(quote.classification or '', '—')}"
        f"（自 {_day(quote.class_since) or '—'} 起）    逾期天数：{quote.dpd} 天",
    ]


def amount_rows(quote: Any) -> list[dict[str, Any]]:
    a = quote.amounts
    h = quote.history
    return [
        {
            "item": "核销本金",
            "amount": a["principal"],
            "note": _("outstanding principal on {day}: {loan} lent − {paid} principal repaid").format(
                day=quote.as_of.isoformat(),
                loan=fen_to_display(h["loan_principal"]),
                paid=fen_to_display(h["principal_paid"]),
            ),
        },
        {
            "item": "核销利息",
            "amount": a["interest"],
            "note": _("unpaid interest and fees of the installments due on or before {day}").format(
                day=quote.as_of.isoformat()
            ),
        },
        {
            "item": "核销罚息",
            "amount": a["penalty"],
            "note": _("penalty to {day}: {periods} overdue installments, unpaid × daily rate × days").format(
                day=quote.as_of.isoformat(), periods=int(h["overdue_periods"])
            ),
        },
    ]


def history_rows(quote: Any) -> list[list[Any]]:
    """The loan's history in brief: (item, amount in fen or text, note)."""
    h = quote.history
    loan = quote.loan
    label = CLASS_LABELS.get(quote.classification or "", "—")
    last = _day(h["last_payment"]) or "—"
    return [
        ["贷款金额", h["loan_principal"], f"提车日期 {_day(loan.get('pickup_date'))}"],
        ["客户已还（含还垫款）", h["customer_paid"],
         f"其中已还本金 {fen_to_display(h['principal_paid'])}；最近一次客户还款 {last}"],
        ["公司垫款", h["advances"],
         f"客户已还垫款 {fen_to_display(h['advances_repaid'])}；未收回 "
         f"{fen_to_display(quote.amounts['unrecovered_advances'])}"],
        ["逾期金额", h["overdue_amount"],
         f"逾期 {int(h['overdue_periods'])} 期，最早未还应还日 {_day(h['oldest_unpaid_due']) or '—'}，"
         f"逾期 {quote.dpd} 天"],
        ["五级分类", label, f"自 {_day(quote.class_since) or '—'} 起为{label}类"],
    ]


def signature_lines(prepared_by: str | None, reviewed_by: str | None, approved_by: str | None) -> list[str]:
    blank = "____________"
    return [
        f"经办：{prepared_by or blank}    签字：{blank}    日期：{blank}",
        f"复核：{reviewed_by or blank}    签字：{blank}    日期：{blank}",
        f"审批：{approved_by or blank}    签字：{blank}    日期：{blank}",
    ]


def _verdict(quote: Any) -> str:
    if quote.eligible:
        return _("may be written off")
    return _("cannot be written off: {reasons}").format(reasons=_("; ").join(m for _c, m in quote.reasons))


def _below(quote: Any, prepared_by: str | None, reviewed_by: str | None, approved_by: str | None,
           recorded: str | None) -> Any:
    def after(workbook: Any, ws: Any, context: dict[str, Any], row: int) -> None:
        fmt = context["formats"]
        beside = context["last_row"] + 1  # right under the total: shown beside it, never added
        ws.write_string(beside, 0, "未收回垫款（另列，不计入）", fmt.cells["text"])
        ws.write_number(beside, 1, quote.amounts["unrecovered_advances"] / 100, fmt.cells["yuan"])
        ws.write_string(beside, 2, _("advanced to the bank by the company and not repaid by the customer"),
                        fmt.cells["text"])
        row = beside + 2
        ws.write_string(row, 0, "贷款情况", fmt.title)
        row += 1
        for col, header in enumerate(("项目", "金额（元）", "说明")):
            ws.write_string(row, col, header, fmt.header)
        for item, value, note in history_rows(quote):
            row += 1
            ws.write_string(row, 0, item, fmt.cells["text"])
            if isinstance(value, str):
                ws.write_string(row, 1, value, fmt.cells["text"])
            else:
                ws.write_number(row, 1, int(value) / 100, fmt.cells["yuan"])
            ws.write_string(row, 2, note, fmt.cells["text"])
        row += 2
        style = fmt.signature if quote.eligible else fmt.hot["text"]
        ws.write_string(row, 0, _("Verdict: {verdict}.").format(verdict=_verdict(quote)), style)
        row += 2
        if recorded:
            ws.write_string(row, 0, recorded, fmt.signature)
            row += 2
        for line in signature_lines(prepared_by, reviewed_by, approved_by):
            ws.write_string(row, 0, line, fmt.signature)
            ws.set_row(row, 30)
            row += 1

    return after


def approval_sheet(
    quote: Any,
    *,
    name: str = "核销审批表",
    prepared_by: str | None = None,
    reviewed_by: str | None = None,
    approved_by: str | None = None,
    recorded: str | None = None,
) -> ReportSheet:
    return ReportSheet(
        name=name,
        title=f"贷款核销审批表  合同编号 {quote.contract_no}  核销日 {quote.as_of.isoformat()}",
        columns=AMOUNT_COLUMNS,
        rows=amount_rows(quote),
        totals={
            "item": "核销总额",
            "amount": quote.amounts["total"],
            "note": "核销本金 + 核销利息 + 核销罚息",
        },
        highlight=[not quote.eligible] * 3,
        notes=customer_block(quote),
        landscape=True,
        repeat_header=False,
        after=_below(quote, prepared_by, reviewed_by, approved_by, recorded),
    )


def write_quote(result: Any, path: Path, company: str) -> Path:
    quote = result.quote
    recorded = None
    if result.written_off:
        recorded = _(
            "Recorded in the ledger: one 核销记录 row; 状态 核销, 核销日期 {day} (approved by {approver}, "
            "prepared by {preparer}, on {today})."
        ).format(
            day=quote.as_of.isoformat(),
            approver=result.approved_by,
            preparer=result.prepared_by,
            today=dt.date.today().isoformat(),
        )
    sheet = approval_sheet(
        quote,
        prepared_by=result.prepared_by,
        reviewed_by=result.reviewed_by,
        approved_by=result.approved_by,
        recorded=recorded,
    )
    return write_book(path, ReportBook(company=company, report="贷款核销审批表", as_of=None, sheets=[sheet]))


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
    return pd.DataFrame(
        [
            {
                "contract_no": q.contract_no,
                "customer_name": q.customer_name,
                "as_of": q.as_of,
                "class_label": CLASS_LABELS.get(q.classification or "", ""),
                "dpd": q.dpd,
                **{
                    k: q.amounts[k]
                    for k in ("principal", "interest", "penalty", "total", "unrecovered_advances")
                },
                "verdict": _verdict(q),
            }
            for q in quotes
        ],
        columns=[c.key for c in SUMMARY_COLUMNS],
    )


def write_batch(result: Any, path: Path, company: str, as_of: Any) -> Path:
    frame = summary_frame(result.quotes)
    money = ("principal", "interest", "penalty", "total", "unrecovered_advances")
    summary = ReportSheet(
        "汇总",
        f"贷款核销汇总  {Path(result.batch_path).name}",
        SUMMARY_COLUMNS,
        frame,
        totals={
            "contract_no": "合计",
            "customer_name": f"{len(frame)} 笔",
            **{k: int(frame[k].sum()) for k in money},
        },
        highlight=[not q.eligible for q in result.quotes],
        landscape=True,
        footer=["", *signature_lines(None, None, None)],
    )
    names = _sheet_names(result.quotes)
    sheets = [summary] + [approval_sheet(q, name=n) for q, n in zip(result.quotes, names, strict=True)]
    return write_book(path, ReportBook(company=company, report="贷款核销汇总", as_of=as_of, sheets=sheets))


# ------------------------------------------------------------------------------------------- console


def _quote_table(quote: Any) -> Any:
    from rich.table import Table

    title = f"核销 {quote.contract_no} {text_or_blank(quote.customer_name)}  核销日 {quote.as_of.isoformat()}"
    table = Table(
        title=title.strip(),
        show_footer=True,
        caption=f"{CLASS_LABELS.get(quote.classification or '', '—')}  逾期 {quote.dpd} 天",
    )
    table.add_column("项目", footer="核销总额")
    table.add_column("金额", justify="right", footer=fen_to_display(quote.amounts["total"]))
    for row in amount_rows(quote):
        table.add_row(row["item"], fen_to_display(row["amount"]))
    table.add_row("（未收回垫款，不计入）", fen_to_display(quote.amounts["unrecovered_advances"]))
    return table


def render_console(result: Any, console: Any) -> None:
    quote = result.quote
    console.print(_quote_table(quote))
    if not quote.eligible:
        console.print(_("Verdict: {verdict}.").format(verdict=_verdict(quote)), markup=False)
    if result.written_off:
        console.print(
            _("Recorded: {contract} written off on {day} (approved by {approver}).").format(
                contract=quote.contract_no, day=quote.as_of.isoformat(), approver=result.approved_by
            ),
            markup=False,
        )
    if result.report_path is not None:
        console.print(_("Approval sheet: {file}").format(file=result.report_path), markup=False)


def render_batch_console(result: Any, console: Any) -> None:
    from rich.table import Table

    totals = result.totals()
    table = Table(title=f"核销汇总 {Path(result.batch_path).name}", show_footer=True)
    table.add_column("合同编号", footer="合计")
    table.add_column("客户姓名", footer=f"{len(result.quotes)} 笔")
    table.add_column("核销日期")
    table.add_column("分类")
    for key, header in (
        ("principal", "核销本金"),
        ("interest", "核销利息"),
        ("penalty", "核销罚息"),
        ("total", "核销总额"),
    ):
        table.add_column(header, justify="right", footer=fen_to_display(totals[key]))
    for q in result.quotes:
        a = q.amounts
        table.add_row(
            q.contract_no,
            text_or_blank(q.customer_name),
            q.as_of.isoformat(),
            CLASS_LABELS.get(q.classification or "", "—"),
            fen_to_display(a["principal"]),
            fen_to_display(a["interest"]),
            fen_to_display(a["penalty"]),
            fen_to_display(a["total"]),
        )
    console.print(table)
    if result.report_path is not None:
        console.print(_("Approval sheets: {file}").format(file=result.report_path), markup=False)
