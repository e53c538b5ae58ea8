"""银行对账 report: the summary with the advance-list digest and signature lines, the advance list for the
cashier, the differences, unmatched lines, duplicates and failures; and the console summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..core.reconcile import DIGEST_HEADER
from ..money import fen_to_display
from .excel import Column, ReportBook, ReportSheet, write_book

STATUS_LABELS = {"paid": "足额", "short": "不足", "over": "多还", "unpaid": "未还"}
REASON_LABELS = {
    "unknown_card": "卡号不在台账",
    "ambiguous_card": "卡号对应多笔贷款",
    "ambiguous_name": "掩码卡号，同名客户不止一位",
    "name_not_found": "掩码卡号，姓名未找到",
    "digits_mismatch": "掩码卡号，可见数字与台账不符",
    "not_positive": "金额不为正数",
}
CATEGORY_LABELS = {"failed": "扣款失败", "duplicate": "重复流水", "outside_month": "非本月", "unmatched": "未匹配",
                   "matched": "已匹配"}
SIGNATURES = "经办：______________    复核：______________    审批：______________    日期：____________"

LINE_COLUMNS = [
    Column("source", "文件", "text"), Column("excel_row", "行号", "int", 6), Column("card_no", "卡号", "id"),
    Column("customer_name", "姓名"), Column("paid_on", "交易日期", "date", 12), Column("amount", "金额", "yuan"),
    Column("bank_ref", "流水号", "id"),
]


def digest_explanation() -> str:
    """How a colleague re-computes the digest (DOMAIN.md: a second person confirms the same list)."""
    return ("校验码算法：UTF-8 文本，每行以 LF 结尾、字段以 TAB 分隔。第 1 行 “" + DIGEST_HEADER + "”；第 2 行 "
            "“period<TAB>YYYY-MM”；其后每笔垫款一行（按合同编号、再按还款日排序）：合同编号<TAB>客户姓名<TAB>"
            "银行卡号（仅数字）<TAB>还款日 YYYY-MM-DD<TAB>金额（元，两位小数，无千分位）；最后两行 “count<TAB>笔数” "
            "与 “sum<TAB>金额合计”。对该文本取 SHA-256（十六进制小写）。复核人在自己的副本上重跑 "
            "reconcile-bank 应得到相同的校验码。")


def _summary_rows(result: Any) -> list[dict[str, Any]]:
    t = result.rec.totals
    closes = t["expected"] == t["received"] - t["over_sum"] + t["advance_sum"]
    rows = [
        ("本月应还", t["installment_count"], t["expected"], "在贷贷款本月到期的各期（银行月还金额优先，末期按还款明细）"),
        ("已匹配实收", t["matched_count"], t["received"], "成功、本月、匹配到贷款的流水"),
        ("足额", t["paid_count"], None, ""),
        ("不足", t["short_count"], None, "差额进入垫款清单"),
        ("未还", t["unpaid_count"], None, "应还全额进入垫款清单"),
        ("多还", t["over_count"], t["over_sum"], "实收超过应还的部分"),
        ("垫款", t["advance_count"], t["advance_sum"], "不足与未还的差额"),
        ("核对：应还 = 实收 − 多还 + 垫款", None, t["received"] - t["over_sum"] + t["advance_sum"],
         "平" if closes else "不平 – 请检查"),
        ("流水合计", t["lines_count"], t["lines_amount"], "所有对账单的全部行"),
        ("其中 未匹配", t["unmatched_count"], t["unmatched_sum"], "见 未匹配流水"),
        ("其中 扣款失败", t["failed_count"], t["failed_sum"], "不计实收，见 重复与失败"),
        ("其中 重复流水号", t["duplicate_count"], t["duplicate_sum"], "不计实收，见 重复与失败"),
        ("其中 非本月", t["outside_month_count"], t["outside_month_sum"], "仅列示，见 重复与失败"),
    ]
    posting = result.posting
    if posting is not None:
        rows.append(("本次记入还款记录：客户还款", posting.payments_added, None,
                     f"已存在 {posting.payments_already} 笔，未重复记入"))
        if posting.advance_date:
            rows.append(("本次记入还款记录：公司垫款", posting.advances_added, None,
                         f"日期 {posting.advance_date.isoformat()}；已存在 {posting.advances_already} 笔"))
        if posting.review is not None and len(posting.review):
            rows.append(("未记入：待核对流水", len(posting.review), int(posting.review["amount"].sum()),
                         "无流水号，台账已有同合同、同日、同金额的客户还款，见 待核对流水"))
    return [{"item": a, "count": b, "amount": c, "note": d} for a, b, c, d in rows]


def _digest_block(result: Any, width: int, explain: bool) -> Any:
    """Under the table: the digest big and boxed, the control totals, the signature lines for
    经办 / 复核 / 审批, and (on 汇总) how to re-compute the digest."""
    rec = result.rec

    def after(workbook: Any, worksheet: Any, formats: dict[str, Any], row: int) -> None:
        big = workbook.add_format({"bold": True, "font_size": 13, "font_name": "Consolas", "border": 2,
                                   "bg_color": "#FFF2CC", "valign": "vcenter", "text_wrap": True})
        plain = workbook.add_format({"font_size": 11, "font_name": "等线"})
        wrap = workbook.add_format({"font_size": 9, "font_name": "等线", "text_wrap": True, "valign": "top"})
        last = max(width - 1, 1)
        # the 64 hex digits on a line of their own, so a narrow sheet prints them whole
        worksheet.merge_range(row, 0, row, last, f"垫款清单校验码 SHA-256：\n{rec.digest}", big)
        worksheet.set_row(row, 44)
        worksheet.write_string(row + 1, 0, f"对账月份 {rec.period.label}    垫款 {rec.totals['advance_count']} 笔    "
                               f"合计 {fen_to_display(rec.totals['advance_sum'])} 元", plain)
        worksheet.write_string(row + 3, 0, SIGNATURES, plain)
        worksheet.set_row(row + 3, 30)
        if explain:
            worksheet.merge_range(row + 5, 0, row + 5, last, digest_explanation(), wrap)
            worksheet.set_row(row + 5, 66)

    return after


def _lines_frame(lines: pd.DataFrame) -> pd.DataFrame:
    return lines.assign(
        category_label=lines["category"].map(CATEGORY_LABELS),
        reason_label=lines["reason"].map(REASON_LABELS),
        first=[f"{s} 第{int(r)}行" if isinstance(s, str) else "" for s, r in
               zip(lines["first_source"], lines["first_row"].fillna(0), strict=True)],
    )


def build_book(result: Any, company: str, as_of: Any) -> ReportBook:
    rec = result.rec
    period = rec.period.label
    header = [f"对账月份：{period}    对账单：{'、'.join(p.name for p in result.statements)}    "
              f"台账：{result.ledger_path.name}"]
    rows = rec.installments.assign(status_label=rec.installments["status"].map(STATUS_LABELS),
                                   difference=rec.installments["received"] - rec.installments["expected"])
    differences = rows[rows["status"].isin(["short", "over"])]
    advances = rec.advances.assign(seq=range(1, len(rec.advances) + 1))
    lines = _lines_frame(rec.lines)
    installment_columns = [
        Column("contract_no", "合同编号", "id"), Column("customer_name", "客户姓名"), Column("card_no", "银行卡号", "id"),
        Column("due_date", "还款日", "date", 12), Column("expected", "应还", "yuan"), Column("received", "实收", "yuan"),
        Column("difference", "差额(实收−应还)", "yuan"), Column("status_label", "状态"),
    ]
    money = {"expected", "received", "difference"}
    sheets = [
        ReportSheet("汇总", f"银行对账汇总 {period}", [
            Column("item", "项目", "text", 34), Column("count", "笔数", "int", 10), Column("amount", "金额", "yuan", 18),
            Column("note", "说明", "text", 48)], _summary_rows(result), notes=header,
            after=_digest_block(result, 4, explain=True)),
        ReportSheet("垫款清单", f"垫款清单 {period}", [
            Column("seq", "序号", "int", 6), Column("contract_no", "合同编号", "id"), Column("customer_name", "客户姓名"),
            Column("card_no", "银行卡号", "id"), Column("due_date", "还款日", "date", 12),
            Column("amount", "垫款金额", "yuan")], advances,
            totals={"seq": "合计", "customer_name": f"{len(advances)} 笔", "amount": int(advances["amount"].sum())},
            notes=header, after=_digest_block(result, 6, explain=False)),
        ReportSheet("差异", f"不足与多还 {period}", installment_columns, differences,
                    totals={k: int(differences[k].sum()) for k in money}, notes=header,
                    highlight=list(differences["status"].eq("short"))),
        ReportSheet("未匹配流水", f"未匹配流水 {period}", [*LINE_COLUMNS, Column("reason_label", "原因")],
                    lines[lines["category"].eq("unmatched")], notes=header,
                    totals={"amount": int(lines.loc[lines["category"].eq("unmatched"), "amount"].sum())}),
        ReportSheet("重复与失败", f"重复、扣款失败与非本月流水 {period}",
                    [Column("category_label", "类别"), *LINE_COLUMNS, Column("contract_no", "合同编号", "id"),
                     Column("first", "流水号首次出现")],
                    lines[lines["category"].isin(["duplicate", "failed", "outside_month"])], notes=header),
    ]
    review = result.review_lines()
    if review:
        held = result.posting.review.assign(reason=[item["reason"] for item in review])
        sheets.append(ReportSheet(
            "待核对流水", f"待核对流水（未记入还款记录）{period}",
            [*LINE_COLUMNS[:6], Column("contract_no", "合同编号", "id"), Column("reason", "原因", "text", 60)],
            held, notes=header, totals={"amount": int(held["amount"].sum())}, landscape=True))
    return ReportBook(company=company, report=f"银行对账 {period}", as_of=as_of, sheets=sheets)


def write_report(result: Any, path: Path, company: str, as_of: Any) -> Path:
    return write_book(path, build_book(result, company, as_of))


def render_console(result: Any, console: Any) -> None:
    """The totals, the digest and where the report is."""
    from rich.table import Table

    rec = result.rec
    table = Table(title=f"银行对账 {rec.period.label}", show_header=True)
    table.add_column("项目")
    table.add_column("笔数", justify="right")
    table.add_column("金额", justify="right")
    table.add_column("说明")
    for row in _summary_rows(result):
        table.add_row(row["item"], "" if row["count"] is None else str(row["count"]),
                      "" if row["amount"] is None else fen_to_display(row["amount"]), row["note"])
    console.print(table)
    console.print(f"垫款清单 {rec.totals['advance_count']} 笔，合计 {fen_to_display(rec.totals['advance_sum'])} 元",
                  markup=False)
    console.print(f"校验码 SHA-256: {rec.digest}", markup=False, style="bold")
    if result.report_path is not None:
        console.print(f"Report: {result.report_path}", markup=False)
