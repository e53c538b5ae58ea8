"""逾期催收日报: the call list, SMS list, aging and 五级分类 with a chart, 连三累六, the notices, the
inspection plan and the limitation list; and the console summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..core.classify import CLASS_LABELS, INSPECTION_REASONS
from ..money import fen_to_display
from ..schema import GRADES, label
from .excel import Column, ReportBook, ReportSheet, write_book

YUAN_WIDTH = 14  # up to 9,999,999.99; a fixed width also spares the writer measuring every amount
# the call list's 建议措施, short enough to print (the note above the table spells out 升级)
CALL_ACTIONS = {"call_daily": "每日电话", "written_notice": "本季度书面通知", "escalate": "升级（经销商/保险/法务）"}
LIMITATION_LABELS = {"expired": "已届满", "expiring": "即将届满"}
GRADE_LABELS = {code: label(GRADES, code) for code in GRADES}
ESCALATE_NOTE = "标色行需升级处理（连三累六或逾期超过 {days} 天）：通知经销商、保险（保证）方，转法务。"

CONTACT = [Column("contract_no", "合同编号", "id"), Column("customer_name", "客户姓名"),
           Column("phone", "手机号", "id")]
GUARANTOR = [Column("guarantor", "保证人"), Column("guarantor_phone", "保证人电话", "id")]
RECIPIENT = [Column("contract_no", "合同编号", "id"), Column("recipient", "收件人"),
             Column("recipient_name", "姓名"), Column("recipient_phone", "电话", "id"),
             Column("customer_name", "借款人")]


def _label_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Chinese words beside the codes, for people."""
    out = frame.copy()
    if "classification" in out:
        out["class_label"] = out["classification"].map(CLASS_LABELS)
    if "risk_grade" in out:
        out["grade_label"] = out["risk_grade"].map(GRADE_LABELS).fillna("未填")
    if "missed_due_dates" in out:
        out["missed_list"] = out["missed_due_dates"].str.replace(";", "、", regex=False)
    if "late_due_dates" in out:
        out["late_list"] = out["late_due_dates"].str.replace(";", "、", regex=False)
    if "actions" in out:
        out["call_actions"] = ["；".join(CALL_ACTIONS[a] for a in codes.split(";") if a in CALL_ACTIONS)
                               for codes in out["actions"]]
    if "inspection_reason" in out:
        out["reason_label"] = out["inspection_reason"].map(INSPECTION_REASONS)
    if "limitation_status" in out:
        out["status_label"] = out["limitation_status"].map(LIMITATION_LABELS)
    return out


def _sum(frame: pd.DataFrame, *keys: str) -> dict[str, int]:
    return {k: int(frame[k].sum()) for k in keys}


def _count(frame: pd.DataFrame, unit: str = "户") -> str:
    return f"{len(frame)} {unit}"


def call_list_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.call_list).assign(seq=range(1, len(report.call_list) + 1), notes="")
    columns = [
        Column("seq", "序号", "int", 6), *CONTACT, Column("dealer", "经销商"),
        Column("missed_list", "逾期应还日", "text", 26), Column("overdue_periods", "逾期期数", "int", 8),
        Column("overdue_amount", "逾期金额", "yuan", YUAN_WIDTH), Column("dpd", "逾期天数", "int", 8),
        Column("bucket", "账龄", "text", 6), Column("class_label", "五级分类", "text", 8),
        Column("consecutive_late", "连续逾期", "int", 8), Column("cumulative_late", "累计逾期", "int", 8),
        Column("penalty", "罚息", "yuan", YUAN_WIDTH),
        Column("unrecovered_advances", "未收回垫款", "yuan", YUAN_WIDTH),
        Column("outstanding_principal", "剩余本金", "yuan", YUAN_WIDTH), *GUARANTOR,
        Column("call_actions", "建议措施", "text", 34), Column("notes", "催收记录", "text", 30),
    ]
    return ReportSheet(
        "催收名单", "催收名单（逾期客户，按逾期天数从长到短）", columns, rows,
        totals={"customer_name": _count(rows),
                **_sum(rows, "overdue_amount", "penalty", "unrecovered_advances", "outstanding_principal")},
        highlight=list(rows["action_escalate"]) if len(rows) else [],
        notes=[ESCALATE_NOTE.format(days=report.arrears.rules.escalate_dpd)], landscape=True)


def small_balance_sheet(report: Any) -> ReportSheet:
    """尾差核对: loans in arrears for less than the small-balance setting – no call; the desk checks them."""
    rows = _label_columns(report.small_balances)
    limit = fen_to_display(report.arrears.rules.small_balance_fen)
    columns = [*CONTACT, Column("missed_list", "逾期应还日", "text", 26),
               Column("overdue_amount", "逾期金额", "yuan", YUAN_WIDTH), Column("dpd", "逾期天数", "int", 8),
               Column("class_label", "五级分类", "text", 8), Column("result", "核对结果", "text", 30)]
    notes = [f"逾期金额低于 {limit} 元：保留逾期天数与五级分类，不打催收电话、不升级；请核对尾差来源（四舍五入、"
             "银行扣款差额等）并处理。"]
    return ReportSheet("尾差核对", f"尾差核对（逾期金额低于 {limit} 元）", columns, rows.assign(result=""),
                       totals={"customer_name": _count(rows), **_sum(rows, "overdue_amount")}, notes=notes)


def sms_sheet(report: Any) -> ReportSheet:
    rows = report.sms
    days = report.arrears.rules.sms_days_before
    columns = [*CONTACT, Column("due_date", "应还日", "date", 12), Column("period", "期次", "int", 6),
               Column("unpaid", "本期应还", "yuan", YUAN_WIDTH), Column("card_last4", "卡号尾号", "id", 9),
               Column("message", "短信内容", "text", 60)]
    return ReportSheet("短信提醒", f"短信提醒（{days} 天内到期未还）", columns, rows,
                       totals={"customer_name": _count(rows, "条"), **_sum(rows, "unpaid")}, landscape=True)


def _ranges(bounds: tuple[int, ...]) -> list[str]:
    edges = [0, *bounds]
    return ["0", *(f"{a + 1}–{b}" for a, b in zip(edges, edges[1:], strict=False)), f">{bounds[-1]}"]


def _shares(frame: pd.DataFrame, total: int) -> list[float]:
    # a display share only (the exact NPL ratio comes from the core as a fraction)
    return [int(v) / total if total else 0.0 for v in frame["outstanding_principal"]]


def aging_sheet(report: Any) -> ReportSheet:
    summary = report.summary
    rules = report.arrears.rules
    by_bucket = summary.by_bucket.assign(days=_ranges(rules.bucket_bounds),
                                         share=_shares(summary.by_bucket, summary.outstanding_principal))
    by_class = summary.by_class.assign(days=_ranges(rules.class_bounds),
                                       share=_shares(summary.by_class, summary.outstanding_principal))
    columns = [Column("bucket", "账龄", "text", 10), Column("days", "逾期天数", "text", 12),
               Column("loans", "笔数", "int", 10), Column("outstanding_principal", "剩余本金", "yuan", 18),
               Column("overdue_amount", "逾期金额", "yuan", 18), Column("share", "本金占比", "ratio", 10)]
    notes = [f"在贷 {summary.active_loans} 笔，逾期 {summary.loans_in_arrears} 笔；不良贷款率（次级+可疑+损失的"
             f"剩余本金 / 全部剩余本金）{summary.npl_ratio_display}"]
    return ReportSheet(
        "账龄与五级分类", "账龄与五级分类", columns, by_bucket,
        totals={"loans": summary.active_loans, "outstanding_principal": summary.outstanding_principal,
                "overdue_amount": summary.overdue_amount,
                "share": 1.0 if summary.outstanding_principal else 0.0},
        highlight=[b != "M0" for b in by_bucket["bucket"]], notes=notes,
        after=_class_table_and_charts(report, by_class, len(by_bucket)))


def _class_table_and_charts(report: Any, by_class: pd.DataFrame, n_buckets: int) -> Any:
    """Below the aging table: the 五级分类 table, the NPL line, and two bar charts of the balances."""
    summary = report.summary

    def after(workbook: Any, ws: Any, info: dict[str, Any], row: int) -> None:
        formats = info["formats"]
        sheet = ws.get_name()
        header = row + 1
        heads = ["五级分类", "逾期天数", "笔数", "剩余本金", "逾期金额", "本金占比"]
        ws.write_string(row, 0, "五级分类", formats.title)
        for col, text in enumerate(heads):
            ws.write_string(header, col, text, formats.header)
        for i, r in enumerate(by_class.itertuples(index=False)):
            at = header + 1 + i
            hot = r.classification in ("substandard", "doubtful", "loss")
            cells = formats.hot if hot else formats.cells
            ws.write_string(at, 0, r.label, cells["text"])
            ws.write_string(at, 1, r.days, cells["text"])
            ws.write_number(at, 2, int(r.loans), cells["int"])
            ws.write_number(at, 3, int(r.outstanding_principal) / 100, cells["yuan"])
            ws.write_number(at, 4, int(r.overdue_amount) / 100, cells["yuan"])
            ws.write_number(at, 5, float(r.share), cells["ratio"])
        end = header + len(by_class)
        ws.write_string(end + 1, 0, "不良贷款率", formats.total["text"])
        ws.write_string(end + 1, 1, summary.npl_ratio_display, formats.total["text"])
        ws.write_string(end + 1, 2, f"不良 {summary.npl_loans} 笔", formats.total["text"])
        ws.write_number(end + 1, 3, summary.npl_outstanding / 100, formats.total["yuan"])
        first_bucket = info["header_row"] + 1
        charts = [("剩余本金（按账龄）", first_bucket, first_bucket + n_buckets - 1, "#4472C4"),
                  ("剩余本金（按五级分类）", header + 1, end, "#C55A11")]
        for i, (title, top, bottom, colour) in enumerate(charts):
            chart = workbook.add_chart({"type": "column"})
            chart.add_series({"name": title, "categories": [sheet, top, 0, bottom, 0],
                              "values": [sheet, top, 3, bottom, 3], "fill": {"color": colour},
                              "data_labels": {"value": False}})
            chart.set_title({"name": title, "name_font": {"size": 11}})
            chart.set_legend({"none": True})
            chart.set_y_axis({"num_format": "#,##0", "name": "元"})
            chart.set_size({"width": 480, "height": 260})
            ws.insert_chart(end + 3 + i * 14, 0, chart)

    return after


def lian_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.lian3lei6)
    window = report.arrears.rules.lookback_months
    columns = [*CONTACT, Column("dealer", "经销商"), Column("consecutive_late", "连续逾期期数", "int", 10),
               Column("cumulative_late", "累计逾期期数", "int", 10), Column("overdue_periods", "当前逾期期数", "int", 10),
               Column("dpd", "逾期天数", "int", 8), Column("overdue_amount", "逾期金额", "yuan", YUAN_WIDTH),
               Column("outstanding_principal", "剩余本金", "yuan", YUAN_WIDTH),
               Column("late_list", f"近 {window} 个月逾期的应还日", "text", 40), *GUARANTOR]
    return ReportSheet(
        "连三累六", f"连三累六（近 {window} 个月连续逾期 ≥3 期或累计 ≥6 期）", columns, rows,
        totals={"customer_name": _count(rows), **_sum(rows, "overdue_amount", "outstanding_principal")},
        highlight=list(rows["dpd"] > 0), landscape=True)


def maturity_sheet(report: Any) -> ReportSheet:
    rows = report.maturity
    days = report.arrears.rules.maturity_notice_days
    columns = [*RECIPIENT, Column("final_due_date", "末期应还日", "date", 12),
               Column("open_installments", "未结清期数", "int", 10),
               Column("overdue_amount", "逾期金额", "yuan", YUAN_WIDTH),
               Column("outstanding_principal", "剩余本金", "yuan", YUAN_WIDTH)]
    return ReportSheet("到期提示", f"到期提示（{days} 天内末期到期，通知借款人及保证人）", columns, rows,
                       totals={"recipient_name": _count(rows, "份")}, highlight=list(rows["dpd"] > 0))


def quarterly_sheet(report: Any) -> ReportSheet:
    rows = report.quarterly_notices
    columns = [*RECIPIENT, Column("dpd", "逾期天数", "int", 8), Column("overdue_periods", "逾期期数", "int", 8),
               Column("overdue_amount", "逾期金额", "yuan", YUAN_WIDTH),
               Column("penalty", "罚息", "yuan", YUAN_WIDTH),
               Column("last_notice_signed", "上次签收日期", "date", 12),
               Column("limitation_expiry", "诉讼时效届满日", "date", 14), Column("signed", "签收（签名/日期）", "text", 20)]
    notes = ["本季度尚未取得签收的逾期贷款；签收后把日期填入台账 最近催收签收日期（诉讼时效自签收之日重新计算）。"]
    return ReportSheet("季度催收通知", "季度书面催收通知", columns, rows.assign(signed=""),
                       totals={"recipient_name": _count(rows, "份")}, notes=notes, landscape=True)


def inspection_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.inspections)
    months = report.arrears.rules.inspection_months
    cadence = "，".join(f"{GRADE_LABELS.get(g, g)} {'立即' if m == 0 else f'每 {m} 个月'}"
                       for g, m in months.items())
    columns = [*CONTACT, Column("dealer", "经销商"), Column("grade_label", "风险等级", "text", 8),
               Column("last_inspection", "上次检查日期", "date", 12),
               Column("next_inspection", "应检查日期", "date", 12),
               Column("reason_label", "原因", "text", 22), Column("dpd", "逾期天数", "int", 8),
               Column("result", "检查结果", "text", 24)]
    return ReportSheet("贷后检查计划", "贷后检查计划（到期应检查）", columns, rows.assign(result=""),
                       totals={"customer_name": _count(rows)}, highlight=list(rows["dpd"] > 0),
                       notes=[f"检查周期：{cadence}；逾期贷款立即检查。未填风险等级按 一般。"], landscape=True)


def limitation_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.limitation)
    rules = report.arrears.rules
    columns = [*CONTACT, *GUARANTOR, Column("final_due_date", "末期应还日", "date", 12),
               Column("last_notice_signed", "最近催收签收日期", "date", 14),
               Column("limitation_expiry", "时效届满日", "date", 12), Column("days_left", "剩余天数", "int", 8),
               Column("status_label", "状态", "text", 8), Column("overdue_amount", "逾期金额", "yuan", YUAN_WIDTH),
               Column("outstanding_principal", "剩余本金", "yuan", YUAN_WIDTH)]
    notes = [f"时效 {rules.limitation_years} 年，自末期应还日与最近催收签收日中较晚者起算；列出已届满及 "
             f"{rules.limitation_warn_days} 天内届满的逾期贷款。请尽快取得签收或起诉。"]
    return ReportSheet("诉讼时效", "诉讼时效预警", columns, rows,
                       totals={"customer_name": _count(rows),
                               **_sum(rows, "overdue_amount", "outstanding_principal")},
                       highlight=list(rows["limitation_status"] == "expired"), notes=notes, landscape=True)


def warnings_sheet(report: Any) -> ReportSheet:
    rows = [{"file": Path(w.file).name, "sheet": w.sheet, "row": w.row, "column": w.column,
             "value": None if w.value is None else str(w.value), "reason": w.reason} for w in report.warnings]
    columns = [Column("file", "文件"), Column("sheet", "工作表"), Column("row", "行", "int", 6),
               Column("column", "列"), Column("value", "值"), Column("reason", "问题", "text", 60)]
    return ReportSheet("数据提示", "台账数据提示（请核对，未自动更正）", columns, rows, landscape=True)


def _only_shown(sheet: ReportSheet) -> ReportSheet:
    """Keep only the columns the sheet shows: the writer turns every column of every row into Python
    objects, and the report frames carry some sixty."""
    if isinstance(sheet.rows, pd.DataFrame):
        sheet.rows = sheet.rows[[c.key for c in sheet.columns]]
    return sheet


def build_book(report: Any, company: str) -> ReportBook:
    sheets = [call_list_sheet(report), sms_sheet(report), aging_sheet(report), lian_sheet(report),
              maturity_sheet(report), quarterly_sheet(report), inspection_sheet(report),
              limitation_sheet(report)]
    if len(report.small_balances):
        sheets.insert(1, small_balance_sheet(report))
    sheets = [_only_shown(sheet) for sheet in sheets]
    if report.warnings:
        sheets.append(warnings_sheet(report))
    header = f"台账：{Path(report.ledger_path).name}"
    for sheet in sheets:
        sheet.notes = [header, *sheet.notes]
    return ReportBook(company=company, report="逾期催收日报", as_of=report.as_of, sheets=sheets)


def write_report(report: Any, path: Path, company: str) -> Path:
    return write_book(path, build_book(report, company))


# ------------------------------------------------------------------------------------------------ console


SHORT_ACTIONS = {"call_daily": "电话", "written_notice": "书面通知", "escalate": "升级"}


def _tally_table(title: str, frame: pd.DataFrame, key: str, caption: str | None = None) -> Any:
    from rich.table import Table

    table = Table(title=title, caption=caption)
    table.add_column(key)
    for name in ("笔数", "剩余本金", "逾期金额"):
        table.add_column(name, justify="right", no_wrap=True)
    name_of = "label" if "label" in frame else "bucket"
    for r in frame.itertuples(index=False):
        table.add_row(getattr(r, name_of), str(r.loans), fen_to_display(r.outstanding_principal),
                      fen_to_display(r.overdue_amount))
    return table


def render_console(report: Any, console: Any, *, top: int = 10) -> None:
    """Counts and balances per bucket and class, the NPL ratio, the list sizes, the top of the call list.
    Identifiers and amounts are never cut: the text columns wrap instead."""
    from rich.table import Table

    summary = report.summary
    console.print(f"逾期催收日报 {report.as_of.isoformat()}  在贷 {summary.active_loans} 笔  剩余本金 "
                  f"{fen_to_display(summary.outstanding_principal)} 元", markup=False, style="bold")
    console.print(_tally_table("账龄", summary.by_bucket, "账龄"))
    console.print(_tally_table("五级分类", summary.by_class, "五级分类",
                               f"不良率 {summary.npl_ratio_display}（不良 {summary.npl_loans} 笔，剩余本金 "
                               f"{fen_to_display(summary.npl_outstanding)} 元）"))
    console.print(
        f"逾期 {summary.loans_in_arrears} 户  逾期金额 {fen_to_display(summary.overdue_amount)} 元  罚息 "
        f"{fen_to_display(summary.penalty)} 元  未收回垫款 {fen_to_display(summary.unrecovered_advances)} 元  "
        f"连三累六 {summary.lian3lei6} 户", markup=False)
    console.print(
        f"短信提醒 {len(report.sms)} 条  到期提示 {len(report.maturity)} 份  季度催收通知 "
        f"{len(report.quarterly_notices)} 份  贷后检查 {len(report.inspections)} 户  诉讼时效预警 "
        f"{len(report.limitation)} 户  尾差核对 {len(report.small_balances)} 户", markup=False)
    if len(report.call_list):
        calls = Table(title=f"催收名单（前 {min(top, len(report.call_list))} / {len(report.call_list)} 户）")
        for name, fixed in (("合同编号", True), ("客户姓名", False), ("手机号", True), ("天数", True),
                            ("分类", True), ("逾期金额", True), ("措施", False)):
            calls.add_column(name, justify="right" if name in ("天数", "逾期金额") else "left", no_wrap=fixed,
                              overflow="fold")
        for r in report.call_list.head(top).itertuples(index=False):
            actions = "、".join(SHORT_ACTIONS[a] for a in r.actions.split(";") if a in SHORT_ACTIONS)
            calls.add_row(str(r.contract_no), str(r.customer_name or ""), str(r.phone or ""), str(r.dpd),
                          CLASS_LABELS[r.classification], fen_to_display(r.overdue_amount), actions)
        console.print(calls)
    if report.report_path is not None:
        console.print(f"Report: {report.report_path}", markup=False)
