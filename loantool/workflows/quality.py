"""quality-report: the month-end asset quality report (资产质量月报), from one ledger or several branches.

Read-only (DESIGN.md safety rule 2): each ledger is read without the lock and never written; the only
file written is the report workbook. Everything is rebuilt from the ledgers' own history with as-of
truth (core.history), so any past month can be produced again and an auditor gets the same figures
from a copy. The month end E, the comparison start S (the previous month end, or --since), the year
start Y (December 31 before E) and the history's month ends are computed together in one pass per
ledger; the figures are core.quality's.

Several ledgers (``--ledger A.xlsx --ledger B.xlsx``): each is one branch (分支机构) – the
``[company] branch`` of the loantool.toml that configures that ledger (its ``[ledger] path`` is that
file), else the ledger's file name. A contract number may repeat across branches (the key is branch +
contract) but not inside one ledger. The classification rules are the run's own loantool.toml, so the
roll-up is one set of rules; each ledger is read and scheduled with its own settings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings, find_config, load_settings
from ..core import quality
from ..core.arrears import Rules
from ..core.classify import CLASSES
from ..core.history import Snapshots, snapshots, sorted_days, states_at
from ..core.writeoff import recoveries
from ..errors import CellProblem, UsageError
from ..i18n import _
from ..ledger.read import load_ledger
from ..money import fen_to_str
from ..progress import Progress, no_progress
from ..reports.labels import report_name
from ..values import iso_date, text_or_none
from .common import report_target, require_ledger
from .schedule import schedules_for

DEFAULT_HISTORY = 12


@dataclass
class Branch:
    """One ledger of the report: its branch name, file, digest and the settings it is read with."""

    name: str
    path: Path
    settings: Settings
    sha256: str = ""
    loans: int = 0


@dataclass
class QualityReport:
    """The month's figures (``figures``: core.quality.MonthEndQuality, money in fen) and where they came
    from. ``to_dict()`` is the --json document; the workbook and the console render the same object."""

    period: str
    as_of: dt.date
    figures: quality.MonthEndQuality
    branches: list[Branch]
    history_months: int
    warnings: list[CellProblem] = field(default_factory=list)
    report_path: Path | None = None

    @property
    def end(self) -> dt.date:
        return self.figures.end

    @property
    def since(self) -> dt.date:
        return self.figures.since

    @property
    def year_start(self) -> dt.date:
        return self.figures.year_start

    def shown_history(self) -> pd.DataFrame:
        """The history's last ``history_months`` month ends (the one before them only feeds the first
        month's flow rates)."""
        history = self.figures.history
        return history.iloc[-self.history_months :] if self.history_months else history.iloc[0:0]

    def to_dict(self) -> dict[str, Any]:
        f = self.figures
        end, since, year = f.end, f.since, f.year_start
        month_loans, month_amount = f.recovered(since)
        year_loans, year_amount = f.recovered(year)
        lian_loans, lian_balance = f.lian3lei6.get(end, (0, 0))
        return {
            "period": self.period,
            "as_of": end.isoformat(),
            "since": since.isoformat(),
            "year_start": year.isoformat(),
            "classes": _classes(f.classes[end]),
            "classes_since": _classes(f.classes[since]),
            "classes_year_start": _classes(f.classes[year]),
            "npl_ratio": quality.percent_text(f.npl_ratio(end)),
            "npl_ratio_since": quality.percent_text(f.npl_ratio(since)),
            "npl_ratio_year_start": quality.percent_text(f.npl_ratio(year)),
            "npl_ratio_change": _change(f.npl_ratio(end), f.npl_ratio(since)),
            "npl_ratio_change_year": _change(f.npl_ratio(end), f.npl_ratio(year)),
            "migration": _migration(f.since_view),
            "migration_rates": _rates(f.since_view),
            "flow_rates": _flows(f.since_view),
            "year_to_date": {
                "since": year.isoformat(),
                "migration": _migration(f.year_view),
                "migration_rates": _rates(f.year_view),
                "flow_rates": _flows(f.year_view),
            },
            "lian3lei6": {"loans": lian_loans, "balance": fen_to_str(lian_balance)},
            "write_offs": {
                key: {"loans": loans, "principal": fen_to_str(amount)}
                for key, (loans, amount) in (
                    ("month", f.write_offs["since"]),
                    ("year_to_date", f.write_offs["year"]),
                )
            },
            "recoveries": {
                "month": {"loans": month_loans, "amount": fen_to_str(month_amount)},
                "year_to_date": {"loans": year_loans, "amount": fen_to_str(year_amount)},
                "by_month": [
                    {
                        "month": r.month_end.strftime("%Y-%m"),
                        "loans": int(r.loans),
                        "amount": fen_to_str(r.amount),
                    }
                    for r in f.recoveries_by_month.itertuples(index=False)
                ],
            },
            "by_dealer": _groups(f.by_dealer, "dealer"),
            "by_branch": _groups(f.by_branch, "branch"),
            "history": [
                {
                    "month_end": iso_date(r["month_end"]),
                    "loans": int(r["loans"]),
                    "balance": fen_to_str(r["balance"]),
                    "npl_ratio": quality.percent_text(r["npl_ratio"]),
                    "classes": {c: fen_to_str(r[f"balance_{c}"]) for c in CLASSES},
                }
                for r in self.shown_history().to_dict("records")
            ],
            "flow_history": [
                {
                    "month_end": iso_date(r.pop("month_end")),
                    "rates": {k.replace(">", "→"): quality.percent_text(v) for k, v in r.items()},
                }
                for r in f.flow_history.to_dict("records")
            ],
            "ledgers": [
                {"branch": b.name, "path": str(b.path), "sha256": b.sha256, "loans": b.loans}
                for b in self.branches
            ],
            "report": str(self.report_path) if self.report_path else None,
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _classes(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"classification": r.classification, "loans": int(r.loans), "balance": fen_to_str(r.balance)}
        for r in table.itertuples(index=False)
    ]


def _change(now, before) -> str | None:
    return None if now is None or before is None else quality.percent_text(now - before)


def _migration(view: quality.Comparison) -> list[dict[str, Any]]:
    return [
        {
            "from": r["from"],
            "to": r["to"],
            "loans": int(r["loans"]),
            "start_balance": fen_to_str(r["start_balance"]),
            "end_balance": fen_to_str(r["end_balance"]),
        }
        for r in view.matrix.to_dict("records")
    ]


def _rates(view: quality.Comparison) -> dict[str, str | None]:
    return {code: quality.percent_text(rate) for code, rate in view.rates.items()}


def _flows(view: quality.Comparison) -> list[dict[str, Any]]:
    return [
        {"from": r["from"], "to": r["to"], "rate": quality.percent_text(r["rate"])}
        for r in view.flows.to_dict("records")
    ]


def _groups(table: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    if not len(table):
        return []
    return [
        {
            key: text_or_none(r[key]) or None,
            "loans": int(r["loans"]),
            "balance": fen_to_str(r["balance"]),
            "npl_loans": int(r["npl_loans"]),
            "npl_balance": fen_to_str(r["npl_balance"]),
            "npl_ratio": quality.percent_text(r["npl_ratio"]),
            "npl_ratio_since": quality.percent_text(r.get("npl_ratio_start")),
            "lian3lei6_loans": int(r["lian3lei6_loans"]),
            "lian3lei6_balance": fen_to_str(r["lian3lei6_balance"]),
            "classes": {c: fen_to_str(r[f"balance_{c}"]) for c in CLASSES},
        }
        for r in table.to_dict("records")
    ]


# ------------------------------------------------------------------------------------------------ days


def parse_period(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})[-/.]?(\d{1,2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(
            _("'{value}' is not a month.").format(value=text),
            _("Write it as YYYY-MM, e.g. 2026-11."),
            parameter="period",
        )
    return int(match.group(1)), int(match.group(2))


def month_days(period: str | None, since: dt.date | None, as_of: dt.date) -> tuple[str, dt.date, dt.date]:
    """The period label, its month end E and the comparison start S. Without ``period``: the last month
    that has ended by ``as_of``."""
    if period is None:
        end = (
            as_of
            if as_of == quality.month_end(as_of.year, as_of.month)
            else quality.previous_month_end(as_of)
        )
    else:
        year, month = parse_period(period)
        end = quality.month_end(year, month)
        if end > as_of:
            raise UsageError(
                _(
                    "the month {period} ends on {end}, after {as_of}: its month-end figures do not exist yet."
                ).format(period=f"{year:04d}-{month:02d}", end=end.isoformat(), as_of=as_of.isoformat()),
                _("Ask for a month that has ended, or run as of a day on or after its last day."),
                parameter="period",
            )
    start = since if since is not None else quality.previous_month_end(end)
    if start >= end:
        raise UsageError(
            _("The comparison start {since} must come before the month end {end}.").format(
                since=start.isoformat(), end=end.isoformat()
            ),
            parameter="since",
        )
    return f"{end.year:04d}-{end.month:02d}", end, start


# ---------------------------------------------------------------------------------------------- ledgers


def _same(a: Path, b: Path) -> bool:
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def ledger_settings(path: Path, settings: Settings) -> tuple[Settings, bool]:
    """The settings a ledger is read with, and whether they configure it (their [ledger] path is it):
    the run's own when they name this ledger, else the loantool.toml found from the ledger's folder
    upwards when it names this ledger, else the run's (not configuring it)."""
    if _same(settings.ledger_path, path):
        return settings, True
    found = find_config(Path(path).expanduser().resolve().parent)
    if found is not None and found != settings.source:
        own = load_settings(found)
        if _same(own.ledger_path, path):
            return own, True
    return settings, False


def resolve_branches(paths: list[Path], settings: Settings) -> list[Branch]:
    """One Branch per ledger, named by its configured branch name, else its file name (with its folder
    when two files share a name)."""
    seen: set[Path] = set()
    chosen: list[tuple[Path, Settings, str | None]] = []
    for path in paths:
        path = require_ledger(Path(path))
        key = path.expanduser().resolve()
        if key in seen:
            raise UsageError(_("ledger {file} is given twice.").format(file=path), parameter="ledger")
        seen.add(key)
        own, configured = ledger_settings(path, settings)
        name = own.company.branch.strip() if configured else ""
        chosen.append((path, own, name or None))
    stems = [p.stem for p, _s, n in chosen if n is None]
    branches = []
    for path, own, name in chosen:
        if name is None:
            name = path.stem if stems.count(path.stem) == 1 else f"{path.resolve().parent.name}/{path.stem}"
        branches.append(Branch(name, path, own))
    names = [b.name for b in branches]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(
            _("two ledgers are the same branch {name}.").format(name="、".join(twice)),
            _("Give each ledger's loantool.toml its own [company] branch, or rename a file."),
            parameter="ledger",
        )
    return branches


# --------------------------------------------------------------------------------------------- the run


def _snapshot_branch(
    branch: Branch,
    as_of: dt.date,
    rules: Rules,
    days: list[dt.date],
    lian_days: list[dt.date],
    end: dt.date,
    warnings: list[CellProblem],
    step: Any = None,
    named: bool = False,
) -> tuple[Snapshots, pd.DataFrame]:
    """One branch's snapshots on ``days`` and its recoveries; ``step(text)`` is told of each stage
    (``named``: the stages name the branch – several ledgers)."""
    step = step or (lambda _text: None)
    step(_("Reading {file}").format(file=branch.path.name))
    ledger = load_ledger(branch.path, branch.settings, as_of=as_of)
    branch.sha256 = ledger.sha256
    loans = ledger.loans.frame.assign(branch=branch.name)
    states = states_at(loans, sorted_days(days))
    on_books = (states == "active").any(axis=1)
    chosen = loans[on_books]
    branch.loans = len(chosen)
    step(_("Computing the schedules of {branch}").format(branch=branch.name) if named
         else _("Computing the schedules"))
    scheduled = schedules_for(ledger, chosen, branch.settings)
    warnings += scheduled.warnings
    payments = ledger.payments.frame
    step(_("Rebuilding {branch}'s month ends").format(branch=branch.name) if named
         else _("Rebuilding the month ends"))
    snap = snapshots(chosen, scheduled.installments, payments, days, rules=rules, lian_days=lian_days,
                     states=states[on_books])
    rows = recoveries(loans, payments, until=end).assign(branch=branch.name)
    rows["loan_key"] = branch.name + "\x1f" + rows["contract_no"].astype(str)
    return snap, rows


def quality_report(
    settings: Settings,
    ledger_paths: list[Path],
    *,
    as_of: dt.date,
    period: str | None = None,
    since: dt.date | None = None,
    history: int = DEFAULT_HISTORY,
    out: Path | None = None,
    progress: Progress = no_progress,
) -> QualityReport:
    """Read each ledger (read-only), compute the month's figures and write the report workbook.
    ``progress``: told of each step (three per ledger, the figures, the workbook)."""
    from ..reports.quality import write_report

    if history < 0 or history > 60:
        raise UsageError(_("A chart history of {months} months is out of range: give 0 to 60 months.").format(
            months=history), parameter="history")
    label, end, start = month_days(period, since, as_of)
    year = quality.year_start(end)
    history_days = quality.month_ends_back(end, history + 1) if history else []
    days = sorted({end, start, year, *history_days})
    branches = resolve_branches(list(ledger_paths), settings)
    default = settings.resolve(settings.morning.reports_dir) / report_name("quality", period=f"{end:%Y%m}")
    targets = [report_target(out, default, b.path) for b in branches]  # never over any of the ledgers
    target = targets[0] if targets else default
    rules = Rules.from_settings(settings.arrears, settings.actions)
    warnings: list[CellProblem] = []
    parts, rows = [], []
    total, done = 3 * len(branches) + 2, [0]

    def step(text: str) -> None:
        done[0] += 1
        progress(text, done[0], total)

    for branch in branches:
        snap, recovered = _snapshot_branch(branch, as_of, rules, days, [end, start, year], end, warnings,
                                           step, named=len(branches) > 1)
        parts.append(snap)
        rows.append(recovered)
    snap = parts[0] if len(parts) == 1 else Snapshots.concat(parts)
    step(_("Computing the month's figures"))
    figures = quality.month_end_quality(
        snap,
        end=end,
        since=start,
        year_start_day=year,
        history_days=history_days,
        recoveries=pd.concat(rows, ignore_index=True),
    )
    report = QualityReport(label, as_of, figures, branches, history, warnings)
    step(_("Writing the report"))
    report.report_path = write_report(report, target, settings.company.name)
    return report
