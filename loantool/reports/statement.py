"""客户对账单: the statement workbook (installments, how each payment was allocated, advances, the
settlement quote) and its console summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..i18n import _
from ..money import fen_to_display, rate_to_str
from ..schema import LOAN_STATE_LABELS, METHODS, PAYMENT_TYPES, label
from ..values import as_date, is_missing
from .excel import Column, ReportBook, ReportSheet, write_book

YUAN = 13
QUOTE_ITEMS = (("due_amount", "到期未还"), ("penalty", "罚息"), ("remaining_principal", "剩余本金"),
               ("current_interest", "当期利息/费用"), ("settlement_fee", "提前结清手续费"),
               ("fixed_fees", "固定费用"), ("total", "结清总额"), ("to_bank", "其中：付银行"),
               ("to_company", "其中：付公司"))


def _status(row: Any, as_of: Any) -> str:
    if int(row.unpaid) == 0:
        return "已还清"
    if as_date(row.due_date) > as_of:
        return "部分预还" if int(row.paid) else "未到期"
    if bool(row.overdue):
        return "逾期"
    return "到期未还（宽限期内）" if int(row.unpaid) else "已还清"


def _percent(rate: int) -> str:
    """A rate with at least two decimals (4.75%, 5.10%, 6.00%; 3.875% stays exact)."""
    text = rate_to_str(rate).rstrip("%")
    whole, _dot, part = text.partition(".")
    return f"{whole}.{part.ljust(2, '0')}%"


def _yuan(fen: int) -> str:
    return f"{fen_to_display(fen)} 元"


def _customer_lines(statement: Any) -> list[str]:
    loan, quote = statement.quote.loan, statement.quote
    method = label(METHODS, quote.method) if quote.method in METHODS else quote.method
    pickup = as_date(loan.get("pickup_date"))
    lines = [
        f"合同编号 {statement.contract_no}    客户 {quote.customer_name or ''}    "
        f"身份证号 {loan.get('id_no') or ''}"
        f"    手机 {loan.get('phone') or ''}",
        f"贷款金额 {_yuan(int(loan['principal']))}    期数 {int(loan['term'])}    {method}    "
        f"{'总费率' if quote.method == 'flat_fee' else '年利率'} {_percent(quote.rate)}    "
        f"提车日期 {pickup.isoformat() if pickup else ''}    还款卡号 {loan.get('card_no') or ''}    "
        f"经销商 {loan.get('dealer') or ''}",
        f"截至 {statement.as_of.isoformat()} 状态：{LOAN_STATE_LABELS[quote.status]}",
    ]
    return lines


def _summary_lines(statement: Any) -> list[str]:
    t, q = statement.totals, statement.quote.amounts
    return [
        f"客户已还 {_yuan(t['customer_paid'])}（计入还款计划 {_yuan(t['paid'])}，"
        f"超出计划 {_yuan(t['credit'])}）；到期未还 {_yuan(t['due_unpaid'])}，"
        f"其中逾期 {_yuan(t['overdue_amount'])}，罚息 {_yuan(t['penalty'])}；"
        f"未到期 {_yuan(t['not_yet_due'])}；剩余本金 {_yuan(t['outstanding_principal'])}。",
        f"公司垫款 {_yuan(t['advances'])}，客户已还垫款 {_yuan(t['advances_repaid'])}，未收回垫款 "
        f"{_yuan(t['unrecovered_advances'])}。",
        f"截至 {statement.as_of.isoformat()} 提前结清应付 {_yuan(q['total'])}（付银行 {_yuan(q['to_bank'])}，"
        f"付公司 {_yuan(q['to_company'])}），明细见 结清试算。",
        "经办：____________    复核：____________    客户签字：____________    日期：____________",
    ]


def _installment_rows(statement: Any) -> list[dict[str, Any]]:
    return [{"period": int(r.period), "due_date": r.due_date, "principal": int(r.principal),
             "charge": int(r.charge), "amount_due": int(r.amount_due), "paid_charge": int(r.paid_charge),
             "paid_principal": int(r.paid_principal), "paid": int(r.paid), "unpaid": int(r.unpaid),
             "paid_on": None if is_missing(r.fully_paid_on) else r.fully_paid_on,
             "status": _status(r, statement.as_of), "penalty_days": int(r.penalty_days) or None,
             "penalty": int(r.penalty), "overdue": bool(r.overdue)}
            for r in statement.installments.sort_values("period").itertuples(index=False)]


def installments_sheet(statement: Any) -> ReportSheet:
    rows = _installment_rows(statement)
    columns = [Column("period", "期次", "int", 6), Column("due_date", "应还日", "date", 12),
               Column("principal", "本金", "yuan", YUAN), Column("charge", "利息/费用", "yuan", YUAN),
               Column("amount_due", "应还合计", "yuan", YUAN),
               Column("paid_charge", "已还利息/费用", "yuan", YUAN),
               Column("paid_principal", "已还本金", "yuan", YUAN), Column("paid", "已还合计", "yuan", YUAN),
               Column("unpaid", "未还", "yuan", YUAN), Column("paid_on", "还清日期", "date", 12),
               Column("status", "状态", "text", 12), Column("penalty_days", "罚息天数", "int", 8),
               Column("penalty", "罚息", "yuan", YUAN)]
    sums = ("principal", "charge", "amount_due", "paid_charge", "paid_principal", "paid", "unpaid", "penalty")
    return ReportSheet("对账单", "客户对账单", columns, rows,
                       totals={k: sum(r[k] for r in rows) for k in sums},
                       highlight=[r["overdue"] for r in rows], notes=_customer_lines(statement),
                       footer=_summary_lines(statement), landscape=True)


def allocation_sheet(statement: Any) -> ReportSheet:
    rows: list[dict[str, Any]] = []
    for p in statement.payments:
        kind = label(PAYMENT_TYPES, p["type"]) if p["type"] in PAYMENT_TYPES else p["type"]
        base = {"date": p["date"], "amount": p["amount"], "type": kind, "bank_ref": p["bank_ref"],
                "note": p["note"]}
        if not p["counts"]:
            rows.append({**base, "use": "垫付银行，客户仍欠"})
            continue
        if not p["allocations"]:
            rows.append({**base, "use": "超出还款计划" if p["credit"] else ""})
        for i, (period, charge, principal) in enumerate(p["allocations"]):
            rows.append({**(base if i == 0 else {}), "period": period, "charge": charge,
                         "principal": principal})
        if p["credit"] and p["allocations"]:
            rows.append({"use": "超出还款计划", "credit": p["credit"]})
        elif p["credit"]:
            rows[-1]["credit"] = p["credit"]
    columns = [Column("date", "交易日期", "date", 12), Column("amount", "金额", "yuan", YUAN),
               Column("type", "类型", "text", 10), Column("bank_ref", "流水号", "id", 18),
               Column("period", "分配到期次", "int", 10), Column("charge", "利息/费用", "yuan", YUAN),
               Column("principal", "本金", "yuan", YUAN), Column("credit", "超出计划", "yuan", YUAN),
               Column("use", "说明", "text", 20), Column("note", "备注", "text", 16)]
    customer = [p for p in statement.payments if p["counts"]]
    totals = {"amount": sum(p["amount"] for p in customer),
              "charge": sum(c for p in customer for _, c, _ in p["allocations"]),
              "principal": sum(q for p in customer for _, _, q in p["allocations"]),
              "credit": sum(p["credit"] for p in customer), "type": "客户还款合计"}
    notes = ["客户还款与客户还垫款按交易日期先后，依次归还最早未还的一期：先利息/费用，后本金"
             "（同日按台账行序）。"
             "公司垫款替客户付给银行，不减少客户所欠。"]
    return ReportSheet("还款分配", "还款分配明细", columns, rows, totals=totals, notes=notes, landscape=True)


def quote_sheet(statement: Any) -> ReportSheet:
    amounts = statement.quote.amounts
    rows = [{"item": name, "amount": amounts[key]} for key, name in QUOTE_ITEMS]
    columns = [Column("item", "项目", "text", 20), Column("amount", "金额", "yuan", 16)]
    notes = [f"按 settle 命令同一规则计算（截至 {statement.as_of.isoformat()}）；结清时以审批表为准。",
             *(message for _, message in statement.quote.warnings)]
    return ReportSheet("结清试算", "提前结清试算", columns, rows, notes=notes)


def build_book(statement: Any, company: str) -> ReportBook:
    return ReportBook(company=company, report="客户对账单", as_of=statement.as_of,
                      sheets=[installments_sheet(statement), allocation_sheet(statement),
                              quote_sheet(statement)])


def write_statement(statement: Any, path: Path, company: str) -> Path:
    return write_book(path, build_book(statement, company))


def render_console(statement: Any, console: Any) -> None:
    """The customer block, the totals and the settlement total; the installments not fully paid."""
    from rich.table import Table

    for line in _customer_lines(statement) + _summary_lines(statement)[:3]:
        console.print(line, markup=False)
    open_rows = [r for r in _installment_rows(statement)
                 if r["unpaid"] and as_date(r["due_date"]) <= statement.as_of]
    if open_rows:
        table = Table(title="到期未还期次")
        for name in ("期次", "应还日", "应还", "已还", "未还", "状态", "罚息天数", "罚息"):
            table.add_column(name, justify="left" if name in ("应还日", "状态") else "right", no_wrap=True)
        for r in open_rows:
            table.add_row(str(r["period"]), as_date(r["due_date"]).isoformat(),
                          fen_to_display(r["amount_due"]),
                          fen_to_display(r["paid"]), fen_to_display(r["unpaid"]), r["status"],
                          str(r["penalty_days"] or ""), fen_to_display(r["penalty"]))
        console.print(table)
    if statement.report_path is not None:
        console.print(_("Statement: {path}").format(path=statement.report_path), markup=False)
