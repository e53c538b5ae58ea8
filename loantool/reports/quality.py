"""资产质量月报: the print-ready workbook of a QualityReport, and its console summary.

Sheets: 资产质量 (page 1: the five classes at the month end, the previous month end and the year start
with their changes, the NPL ratio, 连三累六, the month's write-offs and recoveries, the migration rates and
the signature block; page 2: the last months' classes and NPL ratio with a chart), 迁徙矩阵 (loans,
start and end balances, start class × end status, month and year to date), 迁徙率 (the class migration
rates and the bucket flow rates with their numerators and denominators, and the flow rates month by month
with a chart), 经销商, 分支机构 (several ledgers only) and 明细 (every loan's class and balance at the
start and the end). A ratio is written as the percent the report states (rounded half up to 0.01 %), so
the sheet shows exactly the JSON's figure.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import quality
from ..core.classify import BUCKETS, CLASSES, NPL_CLASSES
from ..i18n import N_, _, ngettext
from ..money import fen_to_display
from .console import column_width
from .excel import Column, ReportBook, ReportSheet, display_width, list_separator, report_line, write_book
from .labels import CLASS_NAMES, word

# where a start loan is at the end: a class, or off the books (settled, written off)
STATUS_NAMES = {**CLASS_NAMES, "settled": N_("settled"), "written_off": N_("written off")}
RATE_LABELS = {
    "normal": N_("Normal loan migration rate"),
    "special_mention": N_("Special-mention loan migration rate"),
    "substandard": N_("Substandard loan migration rate"),
    "doubtful": N_("Doubtful loan migration rate"),
    "performing": N_("Performing loan migration rate"),
}
CLASS_COLOURS = {
    "normal": "#70AD47",
    "special_mention": "#FFC000",
    "substandard": "#ED7D31",
    "doubtful": "#C00000",
    "loss": "#7F7F7F",
}
YUAN_WIDTH = 15


def pct(ratio: Fraction | None) -> float | None:
    """The ratio as the percent the report states (half up to 0.01 %), for a 0.00% cell."""
    hundredths = quality.percent_hundredths(ratio)
    return None if hundredths is None else hundredths / 10_000


def pct_text(ratio: Fraction | None) -> str:
    text = quality.percent_text(ratio)
    return "—" if text is None else f"{text}%"


def wrap(text: str, width: int = 118) -> list[str]:
    """A note cut into lines of at most ``width`` display columns (CJK counts two), at a space or after
    a CJK punctuation mark where one is near: a long note must not widen the printed page."""
    lines, line = [], ""
    for char in text:
        if display_width(line + char) > width:
            cut = max(line.rfind(" "), *(line.rfind(p) for p in "，；。、）)"))
            if cut > width // 2:
                lines.append(line[: cut + 1].rstrip())
                line = line[cut + 1 :].lstrip()
            else:
                lines.append(line)
                line = ""
        line += char
    return [*lines, line] if line else lines


def notes(*texts: str) -> list[str]:
    return [line for text in texts for line in wrap(text)]


def _signature_lines() -> list[str]:
    return [_("Compiled by: {blank}    Checked by: {blank}    Approved by: {blank}    Date: {blank}").format(
        blank="____________")]


def _class(code: str) -> str:
    return word(CLASS_NAMES, code)


def _status(code: Any) -> str:
    return word(STATUS_NAMES, code)


# ------------------------------------------------------------------------------------------ blocks


def _write_block(
    ws: Any,
    fmt: Any,
    row: int,
    title: str | None,
    headers: list[tuple[str, str]],
    rows: list[list[Any]],
    *,
    hot: list[bool] | None = None,
    total: list[Any] | None = None,
) -> int:
    """A small table at ``row``: title, header, rows (kinds text/int/yuan/ratio; a cell may be a
    (value, kind) pair), a bold total; returns the next free row."""
    if title:
        ws.write_string(row, 0, title, fmt.title)
        row += 1
    for col, (text, _kind) in enumerate(headers):
        ws.write_string(row, col, _(text), fmt.header)
    if any(display_width(_(text)) > YUAN_WIDTH - 1 for text, _kind in headers[1:]):
        ws.set_row(row, 28)  # a header of two lines (the columns are YUAN_WIDTH wide)
    body = [(cells, False) for cells in rows] if hot is None else list(zip(rows, hot, strict=True))
    if total is not None:
        body.append((total, None))
    for cells, flag in body:
        row += 1
        styles = fmt.total if flag is None else (fmt.hot if flag else fmt.cells)
        for col, ((_text, kind), value) in enumerate(zip(headers, cells, strict=True)):
            if isinstance(value, tuple):  # (value, kind): a cell of another kind than its column
                value, kind = value
            style = styles[kind]
            if value is None or value == "":
                ws.write_blank(row, col, None, style)
            elif kind == "yuan":
                ws.write_number(row, col, int(value) / 100, style)
            elif kind in ("int", "ratio"):
                ws.write_number(row, col, float(value), style)
            else:
                ws.write_string(row, col, str(value), style)
    return row + 2


def _delta(now: Fraction | None, before: Fraction | None) -> float | None:
    return None if now is None or before is None else pct(now - before)


# ------------------------------------------------------------------------------------- 资产质量


SUMMARY_COLUMNS = [  # one width for all: the blocks and the history table below share these columns
    Column("label", N_("Class"), "text", 20),
    Column("loans_end", N_("Loans at month end"), "int", YUAN_WIDTH),
    Column("balance_end", N_("Balance at month end"), "yuan", YUAN_WIDTH),
    Column("share_end", N_("Share"), "ratio", YUAN_WIDTH),
    Column("loans_since", N_("Loans at start"), "int", YUAN_WIDTH),
    Column("balance_since", N_("Balance at start"), "yuan", YUAN_WIDTH),
    Column("change_since", N_("Change since start"), "yuan", YUAN_WIDTH),
    Column("loans_year", N_("Loans at year start"), "int", YUAN_WIDTH),
    Column("balance_year", N_("Balance at year start"), "yuan", YUAN_WIDTH),
    Column("change_year", N_("Change since year start"), "yuan", YUAN_WIDTH),
]


def _summary_rows(report: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    f = report.figures
    end, since, year = (f.classes[d].set_index("classification") for d in (f.end, f.since, f.year_start))
    total = int(end["balance"].sum())
    rows = []
    for code in CLASSES:
        rows.append(
            {
                "label": _class(code),
                "loans_end": int(end.loc[code, "loans"]),
                "balance_end": int(end.loc[code, "balance"]),
                "share_end": pct(quality.ratio(int(end.loc[code, "balance"]), total)),
                "loans_since": int(since.loc[code, "loans"]),
                "balance_since": int(since.loc[code, "balance"]),
                "change_since": int(end.loc[code, "balance"] - since.loc[code, "balance"]),
                "loans_year": int(year.loc[code, "loans"]),
                "balance_year": int(year.loc[code, "balance"]),
                "change_year": int(end.loc[code, "balance"] - year.loc[code, "balance"]),
            }
        )
    npl = list(NPL_CLASSES)
    rows.append(
        {
            "label": _("of which non-performing"),
            "loans_end": int(end.loc[npl, "loans"].sum()),
            "balance_end": int(end.loc[npl, "balance"].sum()),
            "share_end": pct(f.npl_ratio(f.end)),
            "loans_since": int(since.loc[npl, "loans"].sum()),
            "balance_since": int(since.loc[npl, "balance"].sum()),
            "change_since": int(end.loc[npl, "balance"].sum() - since.loc[npl, "balance"].sum()),
            "loans_year": int(year.loc[npl, "loans"].sum()),
            "balance_year": int(year.loc[npl, "balance"].sum()),
            "change_year": int(end.loc[npl, "balance"].sum() - year.loc[npl, "balance"].sum()),
        }
    )
    totals = {
        "label": _("Total"),
        "loans_end": int(end["loans"].sum()),
        "balance_end": total,
        "share_end": 1.0 if total else None,
        "loans_since": int(since["loans"].sum()),
        "balance_since": int(since["balance"].sum()),
        "change_since": total - int(since["balance"].sum()),
        "loans_year": int(year["loans"].sum()),
        "balance_year": int(year["balance"].sum()),
        "change_year": total - int(year["balance"].sum()),
    }
    return pd.DataFrame(rows), totals


def _summary_after(report: Any) -> Any:
    f = report.figures
    end, since, year = f.end, f.since, f.year_start

    def after(workbook: Any, ws: Any, context: dict[str, Any], row: int) -> None:
        fmt = context["formats"]
        lian = {day: f.lian3lei6.get(day, (0, 0)) for day in (end, since, year)}
        headers = [
            (N_("Measure"), "text"),
            (N_("This month end"), "yuan"),
            (N_("Start"), "yuan"),
            (N_("Change since start"), "yuan"),
            (N_("Year start"), "yuan"),
            (N_("Change since year start"), "yuan"),
        ]
        npl_now, npl_since, npl_year = f.npl_ratio(end), f.npl_ratio(since), f.npl_ratio(year)
        rows = [
            [
                _("NPL ratio"),
                (pct(npl_now), "ratio"),
                (pct(npl_since), "ratio"),
                (_delta(npl_now, npl_since), "ratio"),
                (pct(npl_year), "ratio"),
                (_delta(npl_now, npl_year), "ratio"),
            ],
            [
                _("连三累六 loans"),
                (lian[end][0], "int"),
                (lian[since][0], "int"),
                (lian[end][0] - lian[since][0], "int"),
                (lian[year][0], "int"),
                (lian[end][0] - lian[year][0], "int"),
            ],
            [
                _("连三累六 balance"),
                lian[end][1],
                lian[since][1],
                lian[end][1] - lian[since][1],
                lian[year][1],
                lian[end][1] - lian[year][1],
            ],
        ]
        row = _write_block(ws, fmt, row, _("NPL ratio and 连三累六"), headers, rows)
        month_loans, month_amount = f.recovered(since)
        year_loans, year_amount = f.recovered(year)
        rows = [
            [
                _("Written off this period (principal)"),
                f.write_offs["since"][0],
                f.write_offs["since"][1],
                _("written off after {since}, up to {end}").format(
                    since=since.isoformat(), end=end.isoformat()
                ),
            ],
            [
                _("Written off this year (principal)"),
                f.write_offs["year"][0],
                f.write_offs["year"][1],
                _("since the year start {year}").format(year=year.isoformat()),
            ],
            [_("Recovered after write-off this period"), month_loans, month_amount,
             _("customer payments after the write-off day")],
            [_("Recovered after write-off this year"), year_loans, year_amount, ""],
        ]
        row = _write_block(
            ws,
            fmt,
            row,
            _("Write-offs and recoveries"),
            [(N_("Item"), "text"), (N_("Loans"), "int"), (N_("Amount (yuan)"), "yuan"), (N_("Note"), "text")],
            rows,
        )
        rates = f.since_view.rates
        rows = [[_(RATE_LABELS[code]), pct(rates[code]), pct(f.year_view.rates[code])]
                for code in RATE_LABELS]
        row = _write_block(
            ws, fmt, row, _("Migration rates"),
            [(N_("Measure"), "text"), (N_("This period"), "ratio"), (N_("This year"), "ratio")], rows
        )
        for line in _signature_lines():
            ws.write_string(row, 0, line, fmt.signature)
            ws.set_row(row, 30)
            row += 1
        if len(f.history):
            ws.set_h_pagebreaks([row + 1])
            _history_page(workbook, ws, fmt, row + 1, report)

    return after


def _history_page(workbook: Any, ws: Any, fmt: Any, row: int, report: Any) -> None:
    """The last months' class balances and NPL ratio, and a chart of them (page 2)."""
    history = report.shown_history()
    headers = [
        (N_("Month end"), "text"),
        *((CLASS_NAMES[c], "yuan") for c in CLASSES),
        (N_("Total"), "yuan"),
        (N_("NPL ratio"), "ratio"),
    ]
    rows = [
        [r["month_end"].isoformat(), *(r[f"balance_{c}"] for c in CLASSES), r["balance"], pct(r["npl_ratio"])]
        for r in history.to_dict("records")
    ]
    title = _("Classes and NPL ratio, last {months} month ends").format(months=len(rows))
    top = row + 2  # the first data row (title, header above it)
    next_row = _write_block(ws, fmt, row, title, headers, rows)
    sheet = ws.get_name()
    bottom = top + len(rows) - 1
    chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
    for k, code in enumerate(CLASSES, start=1):
        chart.add_series(
            {
                "name": _class(code),
                "categories": [sheet, top, 0, bottom, 0],
                "values": [sheet, top, k, bottom, k],
                "fill": {"color": CLASS_COLOURS[code]},
                "gap": 60,
            }
        )
    line = workbook.add_chart({"type": "line"})
    npl_col = len(CLASSES) + 2
    line.add_series(
        {
            "name": _("NPL ratio"),
            "categories": [sheet, top, 0, bottom, 0],
            "values": [sheet, top, npl_col, bottom, npl_col],
            "y2_axis": True,
            "line": {"color": "#000000", "width": 2},
            "marker": {"type": "circle", "size": 5},
        }
    )
    chart.combine(line)
    chart.set_title({"name": _("Class balances and NPL ratio"), "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": "#,##0", "name": _("yuan")})
    line.set_y2_axis({"num_format": "0.00%", "name": _("NPL ratio")})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 860, "height": 330})
    ws.insert_chart(next_row, 0, chart)


def summary_sheet(report: Any) -> ReportSheet:
    rows, totals = _summary_rows(report)
    f = report.figures
    lines = notes(
        _(
            "Month end {end}; start of comparison {since}; year start {year}. Balance = outstanding "
            "principal on the day (payments dated up to it; a loan leaves the books on its 结清日期 / "
            "核销日期)."
        ).format(end=f.end.isoformat(), since=f.since.isoformat(), year=f.year_start.isoformat()),
        _ledger_note(report),
    )
    # the first column as wide as its longest label in the run's language (English labels are longer)
    labels = [*rows["label"], *map(_, RATE_LABELS.values()), _("of which non-performing"),
              _("Written off this period (principal)"), _("Written off this year (principal)"),
              _("Recovered after write-off this period"), _("Recovered after write-off this year"),
              _("连三累六 balance")]
    first = SUMMARY_COLUMNS[0]
    width = min(40.0, max(float(first.width or 0), max(display_width(t) for t in labels) + 2))
    return ReportSheet(
        _("Asset quality"),
        _("Asset quality report  {period}").format(period=report.period),
        [replace(first, width=width), *SUMMARY_COLUMNS[1:]],
        rows,
        totals=totals,
        highlight=[code in NPL_CLASSES for code in CLASSES] + [True],  # the NPL classes and their sum
        notes=lines,
        landscape=True,
        after=_summary_after(report),
        repeat_header=False,
    )


def _ledger_note(report: Any) -> str:
    names = list_separator().join(
        _("{branch} ({file})").format(branch=b.name, file=Path(b.path).name)
        if b.name != Path(b.path).stem else Path(b.path).name
        for b in report.branches
    )
    return _("Ledgers: {names}.").format(names=names)


# ------------------------------------------------------------------------------------- 迁徙矩阵


def _matrix_blocks(ws: Any, fmt: Any, row: int, view: quality.Comparison, title: str) -> int:
    matrix = view.matrix.set_index(["from", "to"])
    targets = list(quality.END_STATUSES)
    for what, key, kind in (
        (N_("Loans"), "loans", "int"),
        (N_("Start balance (yuan)"), "start_balance", "yuan"),
        (N_("End balance (yuan)"), "end_balance", "yuan"),
    ):
        headers = [(N_("Start class \\ end"), "text"), *((STATUS_NAMES[t], kind) for t in targets),
                   (N_("Total"), kind)]
        rows = []
        for source in CLASSES:
            values = [int(matrix.loc[(source, t), key]) for t in targets]
            rows.append([_class(source), *values, sum(values)])
        total = [
            _("Total"),
            *(sum(r[i + 1] for r in rows) for i in range(len(targets))),
            sum(r[-1] for r in rows),
        ]
        heading = _("{title}: {what}").format(title=title, what=_(what))
        row = _write_block(ws, fmt, row, heading, headers, rows, total=total)
    return row


def matrix_sheet(report: Any) -> ReportSheet:
    f = report.figures
    view, year = f.since_view, f.year_view

    def after(workbook: Any, ws: Any, context: dict[str, Any], row: int) -> None:
        fmt = context["formats"]
        row = _matrix_blocks(
            ws,
            fmt,
            row,
            view,
            _("{start} → {end}").format(start=view.start.isoformat(), end=view.end.isoformat()),
        )
        if year is not view:
            ws.set_h_pagebreaks([row])
            _matrix_blocks(
                ws,
                fmt,
                row,
                year,
                _("Year to date {start} → {end}").format(
                    start=year.start.isoformat(), end=year.end.isoformat()
                ),
            )
        for col in range(1, len(quality.END_STATUSES) + 2):
            ws.set_column(col, col, YUAN_WIDTH)
        ws.set_column(0, 0, 16)

    lines = notes(
        _(
            "Start cohort: the loans on the books at the start; each row is where its loans are at the "
            "end (settled or written off: balance 0). Reduction = start balance − end balance."
        ),
        _ledger_note(report),
    )
    return ReportSheet(
        _("Migration matrix"),
        _("Migration matrix  {period}").format(period=report.period),
        [],
        [],
        notes=lines,
        landscape=True,
        after=after,
        repeat_header=False,
    )


# ------------------------------------------------------------------------------------- 迁徙率


def _rate_rows(view: quality.Comparison) -> list[list[Any]]:
    matrix = view.matrix
    rows = []
    for code in RATE_LABELS:
        sources = quality.PERFORMING if code == "performing" else (code,)
        part = matrix[matrix["from"].isin(sources)]
        worse = part[
            [
                (t in NPL_CLASSES)
                if code == "performing"
                else (t in CLASSES and CLASSES.index(t) > CLASSES.index(code))
                for t in part["to"]
            ]
        ]
        start = int(part["start_balance"].sum())
        reduction = int(part["reduction"].sum())
        rows.append(
            [
                _(RATE_LABELS[code]),
                int(worse["end_balance"].sum()),
                start,
                reduction,
                start - reduction,
                pct(view.rates[code]),
            ]
        )
    return rows


def rates_sheet(report: Any) -> ReportSheet:
    f = report.figures

    def after(workbook: Any, ws: Any, context: dict[str, Any], row: int) -> None:
        fmt = context["formats"]
        headers = [
            (N_("Measure"), "text"),
            (N_("End balance moved worse"), "yuan"),
            (N_("Balance at start"), "yuan"),
            (N_("Reduction"), "yuan"),
            (N_("Denominator"), "yuan"),
            (N_("Migration rate"), "ratio"),
        ]
        for view, title in ((f.since_view, N_("This period")), (f.year_view, N_("This year"))):
            if title == "This year" and view is f.since_view:  # the year started at the period's start
                continue
            label = _("{title} ({start} → {end})").format(title=_(title), start=view.start.isoformat(),
                                                        end=view.end.isoformat())
            row = _write_block(ws, fmt, row, _("Class migration rates  {label}").format(label=label), headers,
                               _rate_rows(view))
            flow_headers = [
                (N_("Bucket flow"), "text"),
                (N_("Balance at start"), "yuan"),
                (N_("End balance in the next bucket"), "yuan"),
                (N_("Migration rate"), "ratio"),
            ]
            flows = [
                [f"{r['from']} → {r['to']}", r["start_balance"], r["end_balance"], pct(r["rate"])]
                for r in view.flows.to_dict("records")
            ]
            heading = _("Flow rates  {label}").format(label=label)
            row = _write_block(ws, fmt, row, heading, flow_headers, flows)
        if len(f.flow_history):
            ws.set_h_pagebreaks([row])
            _flow_history(workbook, ws, fmt, row, f.flow_history)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 8, YUAN_WIDTH)

    lines = notes(
        _(
            "Migration rate = end balance of the class's start loans now in a worse class / (their start "
            "balance − their reductions); the performing loan migration rate = start normal and "
            "special-mention loans now substandard, doubtful or loss. Flow rate Mk → Mk+1 = end balance of "
            "start-Mk loans now in Mk+1 / their start balance. Rates are rounded half up to 0.01 %; — when "
            "the denominator is 0."
        ),
        _ledger_note(report),
    )
    return ReportSheet(
        _("Migration rates"),
        _("Migration rates  {period}").format(period=report.period),
        [],
        [],
        notes=lines,
        landscape=True,
        after=after,
        repeat_header=False,
    )


def _flow_history(workbook: Any, ws: Any, fmt: Any, row: int, history: pd.DataFrame) -> None:
    pairs = [f"{a}>{b}" for a, b in zip(BUCKETS, BUCKETS[1:], strict=False)]
    headers = [(N_("Month end"), "text"), *((p.replace(">", "→"), "ratio") for p in pairs)]
    rows = [[r["month_end"].isoformat(), *(pct(r[p]) for p in pairs)] for r in history.to_dict("records")]
    top = row + 2
    next_row = _write_block(ws, fmt, row, _("Flow rates month by month"), headers, rows)
    sheet = ws.get_name()
    chart = workbook.add_chart({"type": "line"})
    for k, pair in enumerate(pairs, start=1):
        chart.add_series(
            {
                "name": pair.replace(">", "→"),
                "categories": [sheet, top, 0, top + len(rows) - 1, 0],
                "values": [sheet, top, k, top + len(rows) - 1, k],
                "marker": {"type": "circle", "size": 4},
            }
        )
    chart.set_title({"name": _("Flow rates by month"), "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": "0%", "min": 0})
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("gap")
    chart.set_size({"width": 860, "height": 330})
    ws.insert_chart(next_row, 0, chart)


# ------------------------------------------------------------------------------ 经销商 / 分支机构


def group_columns(key: str, header: str) -> list[Column]:
    return [
        Column(key, header, "text", 30 if key == "dealer" else 16),
        Column("loans", N_("Loans"), "int", 8),
        Column("balance", N_("Outstanding"), "yuan", YUAN_WIDTH),
        *(Column(f"balance_{c}", CLASS_NAMES[c], "yuan", YUAN_WIDTH) for c in CLASSES),
        Column("npl_loans", N_("NPL loans"), "int", 8),
        Column("npl_balance", N_("NPL balance"), "yuan", YUAN_WIDTH),
        Column("npl_pct", N_("NPL %"), "ratio", 9),
        Column("npl_pct_start", N_("NPL % at start"), "ratio", 10),
        Column("lian3lei6_loans", N_("连三累六 loans"), "int", 12),
        Column("lian3lei6_balance", N_("连三累六 balance"), "yuan", YUAN_WIDTH),
    ]


def group_sheet(report: Any, table: pd.DataFrame, key: str, name: str, header: str) -> ReportSheet:
    f = report.figures
    rows = table.copy()
    rows[key] = rows[key].where(rows[key].astype(str) != "", _("(not filled in)"))
    rows["npl_pct"] = [pct(r) for r in rows["npl_ratio"]]
    rows["npl_pct_start"] = [pct(r) for r in rows["npl_ratio_start"]] if "npl_ratio_start" in rows else None
    money = ["balance", *(f"balance_{c}" for c in CLASSES), "npl_balance", "lian3lei6_balance"]
    totals = {
        key: _("Total"),
        "loans": int(rows["loans"].sum()),
        **{k: int(rows[k].sum()) for k in money},
        "npl_loans": int(rows["npl_loans"].sum()),
        "lian3lei6_loans": int(rows["lian3lei6_loans"].sum()),
        "npl_pct": pct(f.npl_ratio(f.end)),
        "npl_pct_start": pct(f.npl_ratio(f.since)),
    }
    overall = f.npl_ratio(f.end)
    highlight = [overall is not None and r is not None and r > overall for r in rows["npl_ratio"]]
    lines = notes(
        _(
            "At the month end {end}; highlighted: an NPL ratio above the whole book's ({ratio}). "
            "连三累六 loans are to be reported upward with their balances."
        ).format(end=f.end.isoformat(), ratio=pct_text(overall)),
        _ledger_note(report),
    )
    columns = group_columns(key, header)
    return ReportSheet(
        _(name),
        _("{sheet}  {period}").format(sheet=_(name), period=report.period),
        columns,
        rows[[c.key for c in columns]],
        totals=totals,
        highlight=highlight,
        notes=lines,
        landscape=True,
        footer=["", *_signature_lines()],
    )


# ------------------------------------------------------------------------------------------- 明细


def detail_sheet(report: Any) -> ReportSheet:
    f = report.figures
    detail = f.detail
    several = len(report.branches) > 1
    rows = pd.DataFrame(
        {
            "branch": detail["branch"].to_numpy(dtype=object) if "branch" in detail else None,
            "contract_no": detail["contract_no"].to_numpy(dtype=object),
            "customer_name": detail["customer_name"].to_numpy(dtype=object),
            "dealer": detail["dealer"].to_numpy(dtype=object),
            "from_label": [_status(c) if c in STATUS_NAMES else _("new") for c in detail["from"]],
            "start_balance": detail["start_balance"].to_numpy(),
            "to_label": [_status(c) for c in detail["to"]],
            "end_balance": detail["end_balance"].to_numpy(),
            "end_dpd": detail["end_dpd"].to_numpy(),
        }
    )
    columns = [
        *([Column("branch", N_("Branch"), "text", 14)] if several else []),
        Column("contract_no", N_("Contract no."), "id", 18),
        Column("customer_name", N_("Customer"), "text", 10),
        Column("dealer", N_("Dealer"), "text", 26),
        Column("from_label", N_("Start class"), "text", 9),
        Column("start_balance", N_("Balance at start"), "yuan", YUAN_WIDTH),
        Column("to_label", N_("End class"), "text", 9),
        Column("end_balance", N_("End balance"), "yuan", YUAN_WIDTH),
        Column("end_dpd", N_("Days overdue at end"), "int", 10),
    ]
    rank = {c: i for i, c in enumerate(CLASSES)}
    worse = [
        t in rank and s in rank and rank[t] > rank[s]
        for s, t in zip(detail["from"], detail["to"], strict=True)
    ]
    lines = notes(
        _(
            "{start} → {end}: every loan on the books at the start, then the loans new since. "
            "Highlighted: moved to a worse class. Reduction = start balance − end balance."
        ).format(start=f.since.isoformat(), end=f.end.isoformat()),
        _ledger_note(report),
    )
    return ReportSheet(
        _("Detail"),
        _("Asset quality detail  {period}").format(period=report.period),
        columns,
        rows[[c.key for c in columns]],
        totals={
            "customer_name": ngettext("{count} loan", "{count} loans", len(rows)).format(count=len(rows)),
            "start_balance": int(rows["start_balance"].sum()),
            "end_balance": int(rows["end_balance"].sum()),
        },
        highlight=worse,
        notes=lines,
        landscape=True,
    )


def build_book(report: Any, company: str) -> ReportBook:
    f = report.figures
    sheets = [
        summary_sheet(report),
        matrix_sheet(report),
        rates_sheet(report),
        group_sheet(report, f.by_dealer, "dealer", N_("Dealers"), N_("Dealer")),
    ]
    if len(report.branches) > 1:
        branches = f.by_branch.copy()
        sheets.append(group_sheet(report, branches, "branch", N_("Branches"), N_("Branch")))
    sheets.append(detail_sheet(report))
    return ReportBook(company=company, report=_("Asset quality report"), as_of=f.end, sheets=sheets)


def write_report(report: Any, path: Path, company: str) -> Path:
    return write_book(path, build_book(report, company))


# ------------------------------------------------------------------------------------------- console


def render_console(report: Any, console: Any) -> None:
    from rich.table import Table

    f = report.figures
    console.print(
        _("Asset quality {period}: month end {end}, start {since}, year start {year}").format(
            period=report.period,
            end=f.end.isoformat(),
            since=f.since.isoformat(),
            year=f.year_start.isoformat(),
        ),
        markup=False,
        style="bold",
    )
    from rich import box

    # 80 columns (cron logs): no vertical rules, amounts and counts never cut, a long header wraps; the
    # year start by its balance only (its loans are in the workbook)
    table = Table(title=_("Loan classification"), show_footer=True, box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    table.add_column(_("Class"), footer=_("Total"), min_width=max(display_width(_class(c)) for c in CLASSES))
    columns = ((f.end, "loans", N_("Loans at month end")), (f.end, "balance", N_("Balance at month end")),
               (f.since, "loans", N_("Loans at start")), (f.since, "balance", N_("Balance at start")),
               (f.year_start, "balance", N_("Balance at year start")))
    tables = {d: f.classes[d].set_index("classification") for d in (f.end, f.since, f.year_start)}
    rows = [[str(int(tables[day].loc[code, key])) if key == "loans"
             else fen_to_display(int(tables[day].loc[code, key])) for day, key, _header in columns]
            for code in CLASSES]
    for i, (day, key, header) in enumerate(columns):
        total = int(f.classes[day][key].sum())
        text = str(total) if key == "loans" else fen_to_display(total)
        table.add_column(_(header), justify="right", footer=text,
                         width=column_width(_(header), [text, *(row[i] for row in rows)]))
    for code, cells in zip(CLASSES, rows, strict=True):
        table.add_row(_class(code), *cells)
    console.print(table)
    console.print(
        _(
            "NPL ratio {now} (start {since}, year start {year}); 连三累六 {loans} loans, {balance} yuan"
        ).format(
            now=pct_text(f.npl_ratio(f.end)),
            since=pct_text(f.npl_ratio(f.since)),
            year=pct_text(f.npl_ratio(f.year_start)),
            loans=f.lian3lei6.get(f.end, (0, 0))[0],
            balance=fen_to_display(f.lian3lei6.get(f.end, (0, 0))[1]),
        ),
        markup=False,
    )
    rates = "  ".join(f"{_(RATE_LABELS[k])} {pct_text(v)}" for k, v in f.since_view.rates.items())
    console.print(rates, markup=False)
    flows = "  ".join(
        f"{r['from']}→{r['to']} {pct_text(r['rate'])}" for r in f.since_view.flows.to_dict("records")
    )
    console.print(flows, markup=False)
    month_loans, month_amount = f.recovered(f.since)
    console.print(
        _(
            "Written off this period: {loans} loans, {principal} yuan; recovered after write-off: "
            "{recovered} yuan"
        ).format(
            loans=f.write_offs["since"][0],
            principal=fen_to_display(f.write_offs["since"][1]),
            recovered=fen_to_display(month_amount),
        ),
        markup=False,
    )
    if report.report_path is not None:
        console.print(report_line(_("Report: {path}"), report.report_path), markup=False, soft_wrap=True)
