"""逾期催收日报: the call list, SMS list, aging and 五级分类 with a chart, 连三累六, the notices, the
inspection plan and the limitation list; and the console summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import N_, _, ngettext
from ..money import fen_to_display
from ..runtime import gc_paused
from .call_sheet import CONTACT_COLUMNS, DETAIL_NOTE, call_sheet, contact_columns, hide_detail
from .excel import Column, ReportBook, ReportSheet, list_separator, report_line, write_book
from .labels import BASIS_NAMES, CLASS_NAMES, GRADE_NAMES, PARTY_NAMES, word

YUAN_WIDTH = 14  # up to 9,999,999.99; a fixed width also spares the writer measuring every amount
# the call list's 建议措施, short enough to print (the note above the table spells out 升级)
CALL_ACTIONS = {"call_daily": N_("call daily"), "written_notice": N_("written notice this quarter"),
                "escalate": N_("escalate (dealer / insurer / legal)")}
LIMITATION_LABELS = {"expired": N_("expired"), "expiring": N_("expiring soon")}
INSPECTION_REASONS = {"arrears": N_("in arrears: inspect now"), "poor": N_("risk grade poor: inspect now"),
                      "never": N_("never inspected: inspect now"),
                      "cadence": N_("due by the inspection cycle")}
ESCALATE_NOTE = N_("Highlighted rows need escalation (连三累六 or more than {days} days overdue): notify the "
                   "dealer and the insurer (guarantor), pass to legal.")

CONTACT = [Column("contract_no", N_("Contract no."), "id"), Column("customer_name", N_("Customer")),
           Column("phone", N_("Mobile"), "id")]
GUARANTOR = [Column("guarantor", N_("Guarantor")), Column("guarantor_phone", N_("Guarantor's phone"), "id")]
RECIPIENT = [Column("contract_no", N_("Contract no."), "id"), Column("recipient_label", N_("Recipient")),
             Column("recipient_name", N_("Name")), Column("recipient_phone", N_("Phone"), "id"),
             Column("customer_name", N_("Borrower"))]


def late_summary(dates: Any) -> str:
    """"5 期，最早 2025-09-21" for a ;-joined list of late due dates: a count and the first, short
    enough to print in its column (the full list is in --json)."""
    if not isinstance(dates, str) or not dates.strip():
        return ""
    days = sorted(d.strip() for d in dates.split(";") if d.strip())
    return ngettext("{count} period, earliest {day}", "{count} periods, earliest {day}", len(days)).format(
        count=len(days), day=days[0])


def _label_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Words beside the codes, for people."""
    out = frame.copy(deep=False)  # copy on write: the columns added here stay in the copy
    if "classification" in out:
        out["class_label"] = [word(CLASS_NAMES, c) for c in out["classification"].tolist()]
    if "risk_grade" in out:
        out["grade_label"] = [word(GRADE_NAMES, g, _("not filled in")) for g in out["risk_grade"].tolist()]
    if "missed_due_dates" in out:
        out["missed_list"] = out["missed_due_dates"].str.replace(";", list_separator(), regex=False)
    if "late_due_dates" in out:
        out["late_list"] = [late_summary(d) for d in out["late_due_dates"].tolist()]
    if "actions" in out:
        out["call_actions"] = [_("; ").join(_(CALL_ACTIONS[a]) for a in codes.split(";") if a in CALL_ACTIONS)
                               for codes in out["actions"].tolist()]
    if "inspection_reason" in out:
        out["reason_label"] = [_(INSPECTION_REASONS[r]) if r in INSPECTION_REASONS else ""
                               for r in out["inspection_reason"].tolist()]
    if "limitation_status" in out:
        out["status_label"] = [_(LIMITATION_LABELS[s]) if s in LIMITATION_LABELS else ""
                               for s in out["limitation_status"].tolist()]
    if "recipient" in out:
        out["recipient_label"] = [word(PARTY_NAMES, r) for r in out["recipient"].tolist()]
    if "limitation_basis" in out:
        out["basis_label"] = [word(BASIS_NAMES, b) for b in out["limitation_basis"]]
    return out


def _sum(frame: pd.DataFrame, *keys: str) -> dict[str, int]:
    return {k: int(frame[k].sum()) for k in keys}


def _customers(frame: pd.DataFrame) -> str:
    return ngettext("{count} customer", "{count} customers", len(frame)).format(count=len(frame))


def _messages(frame: pd.DataFrame) -> str:
    return ngettext("{count} message", "{count} messages", len(frame)).format(count=len(frame))


def _notices(frame: pd.DataFrame) -> str:
    return ngettext("{count} notice", "{count} notices", len(frame)).format(count=len(frame))


def call_list_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.call_list).assign(seq=range(1, len(report.call_list) + 1))
    rows = rows.assign(**contact_columns(rows))
    columns = [
        Column("seq", N_("No."), "int", 6), *CONTACT, Column("dealer", N_("Dealer")),
        Column("missed_list", N_("Overdue due dates"), "text", 26),
        Column("overdue_periods", N_("Periods overdue"), "int", 8),
        Column("overdue_amount", N_("Overdue amount"), "yuan", YUAN_WIDTH),
        Column("dpd", N_("Days overdue"), "int", 8), Column("bucket", N_("Bucket"), "text", 6),
        Column("class_label", N_("Class"), "text", 8),
        Column("consecutive_late", N_("Consecutive late"), "int", 8),
        Column("cumulative_late", N_("Cumulative late"), "int", 8),
        Column("penalty", N_("Penalty"), "yuan", YUAN_WIDTH),
        Column("unrecovered_advances", N_("Unrecovered advances"), "yuan", YUAN_WIDTH),
        Column("outstanding_principal", N_("Remaining principal"), "yuan", YUAN_WIDTH), *GUARANTOR,
        Column("call_actions", N_("Suggested action"), "text", 34), *CONTACT_COLUMNS,
    ]
    return ReportSheet(
        _("Call list"), _("Call list (loans in arrears: broken promises first, then longest overdue first, "
                          "loans waiting for a promised day last)"), columns, rows,
        totals={"customer_name": _customers(rows),
                **_sum(rows, "overdue_amount", "penalty", "unrecovered_advances", "outstanding_principal")},
        highlight=list(rows["action_escalate"]) if len(rows) else [],
        notes=[_(ESCALATE_NOTE).format(days=report.arrears.rules.escalate_dpd), _(DETAIL_NOTE)],
        landscape=True, after=hide_detail)


def small_balance_sheet(report: Any) -> ReportSheet:
    """尾差核对: loans in arrears for less than the small-balance setting – no call; the desk checks them."""
    rows = _label_columns(report.small_balances)
    limit = fen_to_display(report.arrears.rules.small_balance_fen)
    columns = [*CONTACT, Column("missed_list", N_("Overdue due dates"), "text", 26),
               Column("overdue_amount", N_("Overdue amount"), "yuan", YUAN_WIDTH),
               Column("dpd", N_("Days overdue"), "int", 8), Column("class_label", N_("Class"), "text", 8),
               Column("result", N_("Check result"), "text", 30)]
    notes = [_("Overdue amount below {limit} yuan: the loans keep their days overdue and class but get no "
               "call and no escalation; check where the difference comes from (rounding, a bank deduction "
               "short by a little …) and settle it.").format(limit=limit)]
    title = _("Small balances (overdue amount below {limit} yuan)").format(limit=limit)
    return ReportSheet(_("Small balances"), title, columns, rows.assign(result=""), notes=notes,
                       totals={"customer_name": _customers(rows), **_sum(rows, "overdue_amount")})


def sms_sheet(report: Any) -> ReportSheet:
    rows = report.sms
    days = report.arrears.rules.sms_days_before
    columns = [*CONTACT, Column("due_date", N_("Due date"), "date", 12),
               Column("period", N_("Period"), "int", 6),
               Column("unpaid", N_("Due this period"), "yuan", YUAN_WIDTH),
               Column("card_last4", N_("Card ending"), "id", 9), Column("message", N_("Message"), "text", 60)]
    title = _("SMS reminders (due within {days} days, unpaid)").format(days=days)
    return ReportSheet(_("SMS reminders"), title, columns, rows,
                       totals={"customer_name": _messages(rows), **_sum(rows, "unpaid")},
                       landscape=True)


def _ranges(bounds: tuple[int, ...]) -> list[str]:
    edges = [0, *bounds]
    return ["0", *(f"{a + 1}–{b}" for a, b in zip(edges, edges[1:], strict=False)), f">{bounds[-1]}"]


def _shares(frame: pd.DataFrame, total: int) -> list[float]:
    # a display share only (the exact NPL ratio comes from the core as a fraction)
    return [int(v) / total if total else 0.0 for v in frame["outstanding_principal"]]


AGING_COLUMNS = [Column("bucket", N_("Bucket"), "text", 10), Column("days", N_("Days overdue"), "text", 12),
                 Column("loans", N_("Loans"), "int", 10),
                 Column("outstanding_principal", N_("Remaining principal"), "yuan", 18),
                 Column("overdue_amount", N_("Overdue amount"), "yuan", 18),
                 Column("share", N_("Share of principal"), "ratio", 10)]


def aging_sheet(report: Any) -> ReportSheet:
    summary = report.summary
    rules = report.arrears.rules
    by_bucket = summary.by_bucket.assign(days=_ranges(rules.bucket_bounds),
                                         share=_shares(summary.by_bucket, summary.outstanding_principal))
    by_class = summary.by_class.assign(
        days=_ranges(rules.class_bounds), share=_shares(summary.by_class, summary.outstanding_principal),
        label=[word(CLASS_NAMES, c) for c in summary.by_class["classification"]])
    notes = [_("{active} active loans, {arrears} in arrears; NPL ratio (remaining principal of substandard + "
               "doubtful + loss / all remaining principal) {ratio}").format(
                   active=summary.active_loans, arrears=summary.loans_in_arrears,
                   ratio=summary.npl_ratio_display), *_recovery_lines(report)]
    return ReportSheet(
        _("Aging and classes"), _("Aging and loan classification"), AGING_COLUMNS, by_bucket,
        totals={"loans": summary.active_loans, "outstanding_principal": summary.outstanding_principal,
                "overdue_amount": summary.overdue_amount,
                "share": 1.0 if summary.outstanding_principal else 0.0},
        highlight=[b != "M0" for b in by_bucket["bucket"]], notes=notes,
        after=_class_table_and_charts(report, by_class, len(by_bucket)))


def _recovery_lines(report: Any) -> list[str]:
    """核销后收回 (customer payments after a write-off), by month: shown only when there are any."""
    table = getattr(report, "recoveries", None)
    if table is None or not len(table):
        return []
    months = _("、").join(f"{r.month} {fen_to_display(r.amount)}" for r in table.itertuples(index=False))
    return [_("Recovered after write-off (核销后收回): {total} yuan in all; by month: {months}.").format(
        total=fen_to_display(int(table["amount"].sum())), months=months)]


def _class_table_and_charts(report: Any, by_class: pd.DataFrame, n_buckets: int) -> Any:
    """Below the aging table: the 五级分类 table, the NPL line, and two bar charts of the balances in
    arrears – M1 to M7+ and 关注 to 损失 on their own scale (M0 and 正常 hold nearly everything and
    would flatten the rest to nothing)."""
    summary = report.summary

    def after(workbook: Any, ws: Any, info: dict[str, Any], row: int) -> int:
        formats = info["formats"]
        sheet = ws.get_name()
        header = row + 1
        heads = [N_("Class"), N_("Days overdue"), N_("Loans"), N_("Remaining principal"),
                 N_("Overdue amount"), N_("Share of principal")]
        ws.write_string(row, 0, _("Loan classification"), formats.title)
        for col, text in enumerate(heads):
            ws.write_string(header, col, _(text), formats.header)
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
        ws.write_string(end + 1, 0, _("NPL ratio"), formats.total["text"])
        ws.write_string(end + 1, 1, summary.npl_ratio_display, formats.total["text"])
        npl_loans = _("NPL {count} loans").format(count=summary.npl_loans)
        ws.write_string(end + 1, 2, npl_loans, formats.total["text"])
        ws.write_number(end + 1, 3, summary.npl_outstanding / 100, formats.total["yuan"])
        first_bucket = info["header_row"] + 1
        charts = [(_("Remaining principal in arrears by bucket (M1 and later)"), first_bucket + 1,
                   first_bucket + n_buckets - 1, "#4472C4"),
                  (_("Remaining principal by class (special mention and worse)"), header + 2, end, "#C55A11")]
        for i, (title, top, bottom, colour) in enumerate(charts):
            chart = workbook.add_chart({"type": "column"})
            chart.add_series({"name": title, "categories": [sheet, top, 0, bottom, 0],
                              "values": [sheet, top, 3, bottom, 3], "fill": {"color": colour},
                              "data_labels": {"value": True, "num_format": "#,##0"}})
            chart.set_title({"name": title, "name_font": {"size": 11}})
            chart.set_legend({"none": True})
            chart.set_y_axis({"num_format": "#,##0", "name": _("yuan"), "min": 0})
            chart.set_size({"width": 480, "height": 260})
            ws.insert_chart(end + 3 + i * 14, 0, chart)
        return end + 3 + 2 * 14

    return after


def lian_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.lian3lei6)
    window = report.arrears.rules.lookback_months
    columns = [*CONTACT, Column("dealer", N_("Dealer")),
               Column("consecutive_late", N_("Consecutive late periods"), "int", 10),
               Column("cumulative_late", N_("Cumulative late periods"), "int", 10),
               Column("overdue_periods", N_("Periods overdue now"), "int", 10),
               Column("dpd", N_("Days overdue"), "int", 8),
               Column("overdue_amount", N_("Overdue amount"), "yuan", YUAN_WIDTH),
               Column("outstanding_principal", N_("Remaining principal"), "yuan", YUAN_WIDTH),
               Column("late_list", N_("Late in the window"), "text", 30), *GUARANTOR]
    return ReportSheet(
        _("Repeat late"),
        _("Repeat late – 连三累六 (in the last {months} months: late 3 periods in a row or 6 in all)").format(
            months=window), columns, rows,
        totals={"customer_name": _customers(rows), **_sum(rows, "overdue_amount", "outstanding_principal")},
        highlight=list(rows["dpd"] > 0), landscape=True)


def maturity_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.maturity)
    days = report.arrears.rules.maturity_notice_days
    columns = [*RECIPIENT, Column("final_due_date", N_("Final due date"), "date", 12),
               Column("open_installments", N_("Open periods"), "int", 10),
               Column("overdue_amount", N_("Overdue amount"), "yuan", YUAN_WIDTH),
               Column("outstanding_principal", N_("Remaining principal"), "yuan", YUAN_WIDTH)]
    return ReportSheet(_("Maturity notices"),
                       _("Maturity notices (final period due within {days} days; notify borrower and "
                         "guarantor)").format(days=days), columns, rows,
                       totals={"recipient_name": _notices(rows)}, highlight=list(rows["dpd"] > 0))


def quarterly_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.quarterly_notices)
    columns = [*RECIPIENT, Column("dpd", N_("Days overdue"), "int", 8),
               Column("overdue_periods", N_("Periods overdue"), "int", 8),
               Column("overdue_amount", N_("Overdue amount"), "yuan", YUAN_WIDTH),
               Column("penalty", N_("Penalty"), "yuan", YUAN_WIDTH),
               Column("last_notice_signed", N_("Last notice signed"), "date", 12),
               Column("limitation_expiry", N_("Limitation expires"), "date", 14),
               Column("signed", N_("Received (signature / date)"), "text", 20)]
    notes = [_("Loans in arrears without a signed notice this quarter; once signed, enter the date in the "
               "ledger's 最近催收签收日期 (the limitation period restarts on that day).")]
    return ReportSheet(_("Quarterly notices"), _("Quarterly written collection notices"), columns,
                       rows.assign(signed=""), totals={"recipient_name": _notices(rows)}, notes=notes,
                       landscape=True)


def inspection_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.inspections)
    months = report.arrears.rules.inspection_months
    cadence = _("; ").join(
        (_("{grade} at once") if m == 0 else _("{grade} every {months} months")).format(
            grade=word(GRADE_NAMES, g, g), months=m) for g, m in months.items())
    columns = [*CONTACT, Column("dealer", N_("Dealer")), Column("grade_label", N_("Risk grade"), "text", 8),
               Column("last_inspection", N_("Last inspected"), "date", 12),
               Column("next_inspection", N_("Inspect by"), "date", 12),
               Column("reason_label", N_("Reason"), "text", 22), Column("dpd", N_("Days overdue"), "int", 8),
               Column("result", N_("Inspection result"), "text", 24)]
    notes = [_("Inspection cycle: {cadence}; loans in arrears at once. A loan without a risk grade counts as "
               "fair.").format(cadence=cadence)]
    return ReportSheet(_("Inspection plan"), _("Post-loan inspections due"), columns, rows.assign(result=""),
                       totals={"customer_name": _customers(rows)}, highlight=list(rows["dpd"] > 0),
                       notes=notes, landscape=True)


def limitation_sheet(report: Any) -> ReportSheet:
    rows = _label_columns(report.limitation)
    rules = report.arrears.rules
    columns = [*CONTACT, *GUARANTOR, Column("final_due_date", N_("Final due date"), "date", 12),
               Column("last_notice_signed", N_("Last notice signed"), "date", 14),
               Column("limitation_start", N_("Limitation runs from"), "date", 12),
               Column("basis_label", N_("Runs from"), "text", 12),
               Column("limitation_expiry", N_("Limitation expires"), "date", 12),
               Column("days_left", N_("Days left"), "int", 8),
               Column("status_label", N_("Status"), "text", 8),
               Column("overdue_amount", N_("Overdue amount"), "yuan", YUAN_WIDTH),
               Column("outstanding_principal", N_("Remaining principal"), "yuan", YUAN_WIDTH)]
    notes = [_("Limitation period {years} years from the latest of the final due date, the last signed "
               "notice, the last promise to pay and the last customer payment (催收记录); lists loans in "
               "arrears expired or expiring within {days} days. Obtain a signed notice or sue soon.").format(
                   years=rules.limitation_years, days=rules.limitation_warn_days)]
    return ReportSheet(_("Limitation"), _("Limitation period warnings"), columns, rows,
                       totals={"customer_name": _customers(rows),
                               **_sum(rows, "overdue_amount", "outstanding_principal")},
                       highlight=list(rows["limitation_status"] == "expired"), notes=notes, landscape=True)


def warnings_sheet(report: Any) -> ReportSheet:
    rows = [{"file": Path(w.file).name, "sheet": w.sheet, "row": w.row, "column": w.column,
             "value": None if w.value is None else str(w.value), "reason": w.reason} for w in report.warnings]
    columns = [Column("file", N_("File")), Column("sheet", N_("Sheet")), Column("row", N_("Row"), "int", 6),
               Column("column", N_("Column")), Column("value", N_("Value")),
               Column("reason", N_("Problem"), "text", 60, wrap=True)]
    return ReportSheet(_("Data warnings"), _("Ledger data warnings (check them; nothing was corrected)"),
                       columns, rows, landscape=True)


def _only_shown(sheet: ReportSheet) -> ReportSheet:
    """Keep only the columns the sheet shows: the writer turns every column of every row into Python
    objects, and the report frames carry some sixty."""
    if isinstance(sheet.rows, pd.DataFrame):
        sheet.rows = sheet.rows[[c.key for c in sheet.columns]]
    return sheet


def build_book(report: Any, company: str) -> ReportBook:
    sheets = [call_sheet(report), call_list_sheet(report),
              sms_sheet(report), aging_sheet(report), lian_sheet(report),
              maturity_sheet(report), quarterly_sheet(report), inspection_sheet(report),
              limitation_sheet(report)]
    if len(report.small_balances):
        sheets.insert(1, small_balance_sheet(report))
    sheets = [_only_shown(sheet) for sheet in sheets]
    if report.warnings:
        sheets.append(warnings_sheet(report))
    header = _("Ledger: {file}").format(file=Path(report.ledger_path).name)
    for sheet in sheets:
        sheet.notes = [header, *sheet.notes]
    return ReportBook(company=company, report=_("Daily arrears report"), as_of=report.as_of, sheets=sheets)


def write_report(report: Any, path: Path, company: str) -> Path:
    # the books' rows and letters hold no cycles and are dropped once written: the collector is not
    # made to walk them (runtime.gc_paused)
    with gc_paused():
        written = write_book(path, build_book(report, company))
        if getattr(report, "notice_letters", False):  # the day's notices as letters, beside the report
            from .notices import write_letters

            report.letters_path = write_letters(report, written, company)
    return written


# ------------------------------------------------------------------------------------------------ console


SHORT_ACTIONS = {"call_daily": N_("call"), "written_notice": N_("notice"), "escalate": N_("escalate")}


def _tally_table(title: str, frame: pd.DataFrame, key: str, caption: str | None = None) -> Any:
    from rich.table import Table

    table = Table(title=title, caption=caption)
    table.add_column(key, overflow="fold")
    for name in (N_("Loans"), N_("Remaining principal"), N_("Overdue amount")):
        table.add_column(_(name), justify="right", no_wrap=True)
    for r in frame.itertuples(index=False):
        name = word(CLASS_NAMES, r.classification) if "classification" in frame else r.bucket
        table.add_row(name, str(r.loans), fen_to_display(r.outstanding_principal),
                      fen_to_display(r.overdue_amount))
    return table


def render_console(report: Any, console: Any, *, top: int = 10) -> None:
    """Counts and balances per bucket and class, the NPL ratio, the list sizes, the top of the call list.
    Identifiers and amounts are never cut: the text columns wrap instead (80 columns, as cron logs are)."""
    from rich.table import Table

    summary = report.summary
    console.print(_("Daily arrears report {day}  {active} active loans  remaining principal {principal} "
                    "yuan").format(
        day=report.as_of.isoformat(), active=summary.active_loans,
        principal=fen_to_display(summary.outstanding_principal)), markup=False, style="bold")
    console.print(_tally_table(_("Aging"), summary.by_bucket, _("Bucket")))
    console.print(_tally_table(_("Loan classification"), summary.by_class, _("Class"),
                               _("NPL ratio {ratio} (NPL {count} loans, remaining principal {principal} "
                                 "yuan)").format(
                                   ratio=summary.npl_ratio_display, count=summary.npl_loans,
                                   principal=fen_to_display(summary.npl_outstanding))))
    console.print(
        _("In arrears {count}  overdue {overdue} yuan  penalty {penalty} yuan  unrecovered advances "
          "{advances} yuan  连三累六 {lian}").format(
            count=summary.loans_in_arrears, overdue=fen_to_display(summary.overdue_amount),
            penalty=fen_to_display(summary.penalty), advances=fen_to_display(summary.unrecovered_advances),
            lian=summary.lian3lei6), markup=False)
    console.print(
        _("SMS reminders {sms}  maturity notices {maturity}  quarterly notices {quarterly}  inspections "
          "{inspections}  limitation warnings {limitation}  small balances {small}").format(
            sms=len(report.sms), maturity=len(report.maturity), quarterly=len(report.quarterly_notices),
            inspections=len(report.inspections), limitation=len(report.limitation),
            small=len(report.small_balances)), markup=False)
    for line in _recovery_lines(report):
        console.print(line, markup=False)
    if len(report.call_list):
        from rich import box

        # no vertical rules: seven columns, the identifiers and amounts whole, fit 80 columns (cron logs)
        calls = Table(title=_("Call list (first {shown} of {count})").format(
            shown=min(top, len(report.call_list)), count=len(report.call_list)), box=box.SIMPLE_HEAD,
                      pad_edge=False, collapse_padding=True)
        for name, fixed, right, least in ((N_("Contract no."), True, False, None),
                                          (N_("Customer"), False, False, 8),
                                          (N_("Mobile"), True, False, None), (N_("Days"), True, True, None),
                                          (N_("Class"), False, False, 11), (N_("Overdue"), True, True, None),
                                          (N_("Action"), False, False, 8)):
            calls.add_column(_(name), justify="right" if right else "left", no_wrap=fixed, overflow="fold",
                             min_width=least, max_width=None if fixed else 12)
        for r in report.call_list.head(top).itertuples(index=False):
            actions = list_separator().join(_(SHORT_ACTIONS[a]) for a in r.actions.split(";")
                                            if a in SHORT_ACTIONS)
            calls.add_row(str(r.contract_no), str(r.customer_name or ""), str(r.phone or ""), str(r.dpd),
                          word(CLASS_NAMES, r.classification), fen_to_display(r.overdue_amount), actions)
        console.print(calls)
    if report.report_path is not None:
        console.print(report_line(_("Report: {path}"), report.report_path), markup=False, soft_wrap=True)
    if getattr(report, "letters_path", None) is not None:
        console.print(report_line(_("Notice letters: {path}"), report.letters_path), markup=False,
                      soft_wrap=True)
