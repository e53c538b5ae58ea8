"""The morning run (每日任务): import new slips, reconcile new statements, write the overdue report.

Each step is the same workflow its own command runs, with its own all-or-nothing ledger transaction:
a failing step leaves the ledger as it was before that step, is reported by name, and the later
steps still run (the desk wants its call list even when a slip is bad). A file is new unless the
journal shows it was already done *to this ledger as it is now* (:func:`done_to_ledger`: a slip
imported, a statement's payments posted); processed files stay where they are unless
``morning.archive_dir`` is set.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InputError, LoantoolError, UsageError
from ..i18n import N_, _
from ..ledger.transaction import JOURNAL, STATE_DIR, ledger_transaction, sha256_file
from ..money import fen_to_str
from ..reports.labels import report_name

STEP_LABELS = {"import": N_("import slips"), "reconcile": N_("reconcile"), "overdue": N_("overdue report")}


@dataclass
class Step:
    name: str
    status: str = "pending"  # ok, nothing (no new files), failed
    files: list[Path] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    error: LoantoolError | None = None  # kept as data: code, message, problems (the edge renders it)

    @property
    def exit_code(self) -> int:
        return self.error.exit_code if self.error is not None else 0

    def to_dict(self) -> dict[str, Any]:
        """``error``: the error document of DESIGN.md ({code, exit_code, message, problems}) or None."""
        return {"step": self.name, "status": self.status, "files": [p.name for p in self.files],
                "error": self.error.to_dict()["error"] if self.error is not None else None, **self.detail}


@dataclass
class MorningResult:
    as_of: dt.date
    ledger_path: Path
    steps: list[Step]
    skipped_files: list[Path] = field(default_factory=list)
    other_files: list[Path] = field(default_factory=list)  # in an inbox, not a spreadsheet: not read
    findings: int = 0  # reconciliation differences (short, over, unpaid, unmatched)
    log_path: Path | None = None
    log_error: str | None = None  # the run log could not be written (a warning, not a failure)
    archived: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[Step]:
        return [s for s in self.steps if s.status == "failed"]

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "ledger": str(self.ledger_path),
            "steps": [s.to_dict() for s in self.steps],
            "skipped_files": [p.name for p in self.skipped_files],
            "other_files": [str(p) for p in self.other_files],
            "reconciliation_findings": self.findings,
            "archived": [str(p) for p in self.archived],
            "log": str(self.log_path) if self.log_path else None,
        }

    def summary_lines(self) -> list[str]:
        """The run in a few lines for people (the console and the log); a failed step's problems are
        rendered by the caller from ``Step.error``."""
        lines = [_("Morning run as of {day}, ledger {ledger}").format(day=self.as_of.isoformat(),
                                                                      ledger=self.ledger_path.name)]
        imp = self.step("import")
        if imp.status == "ok":
            d = imp.detail
            lines.append(_("Slips: {files} file(s), {matched} matched, {updated} loan(s) updated, "
                           "{conflicts} conflict(s), {unmatched} unmatched, {discrepancies} discrepancy(ies)"
                           ).format(
                files=len(imp.files), matched=d["matched"], updated=d["updated"], conflicts=d["conflicts"],
                unmatched=d["unmatched"], discrepancies=d["discrepancies"]))
        rec = self.step("reconcile")
        for period in rec.detail.get("periods", []):
            lines.append(_("Reconciliation {period}: {statements} statement(s), expected {expected}, "
                           "received {received}, advances {advance_count} loan(s) {advance_sum}, "
                           "{posted} payment(s) posted, {review} held for review; digest {digest}…").format(
                period=period["period"], statements=period["statements"], expected=_show(period["expected"]),
                received=_show(period["received"]), advance_count=period["advance_count"],
                advance_sum=_show(period["advance_sum"]), posted=period["payments_posted"],
                review=period.get("payments_for_review", 0), digest=period["digest"][:16]))
        ovd = self.step("overdue")
        if ovd.status == "ok":
            d = ovd.detail
            lines.append(_("Arrears: {in_arrears} of {active} active loan(s) in arrears, overdue {amount}, "
                           "NPL ratio {npl}; {small} small balance(s) to check").format(
                in_arrears=d["in_arrears"], active=d["active_loans"], amount=_show(d["overdue_amount"]),
                npl=d["npl_ratio"], small=d.get("small_balances", 0)))
        for step in self.steps:
            if step.status == "nothing":
                lines.append(_("{step}: no new files").format(step=step_label(step.name)))
            if step.status == "failed" and step.error is not None:
                lines.append(_("FAILED {step}: {message} (the ledger is as it was before this step)").format(
                    step=step_label(step.name), message=step.error.message))
        if self.skipped_files:
            lines.append(_("Already done to this ledger, skipped: {files}").format(
                files=_(", ").join(p.name for p in self.skipped_files)))
        if self.other_files:
            others = _(", ").join(f"{p.parent.name}/{p.name}" for p in self.other_files)
            lines.append(_("Not a spreadsheet, not read: {files} (save a slip or a statement as .xlsx, "
                           ".xls or .csv)").format(files=others))
        reports = [imp.detail["report"]] if imp.status == "ok" else []
        reports += [p["report"] for p in rec.detail.get("periods", [])]
        if ovd.status == "ok":
            reports += [p for p in (ovd.detail["report"], ovd.detail.get("letters")) if p]
        # one path a line: a cron log is 80 columns wide and a path is read (or copied) whole
        lines += [_("Report: {path}").format(path=path) for path in reports]
        return lines


def step_label(name: str) -> str:
    """A step's name for people (导入放款单, 银行对账, 逾期日报)."""
    return _(STEP_LABELS[name])


def _show(amount: str) -> str:
    """ "1234.50" → "1,234.50" for people (the JSON keeps the plain form)."""
    return f"{Decimal(amount):,.2f}"


def journal_records(ledger_path: Path) -> list[dict[str, Any]]:
    """The journal's records about this ledger (its resolved path), oldest first; a torn last line from
    a killed run is ignored, never an error."""
    path = Path(ledger_path).expanduser().resolve()  # as the transaction journals it
    journal = path.parent / STATE_DIR / JOURNAL
    if not journal.is_file():
        return []
    records = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("ledger") == str(path):
            records.append(record)
    return records


def action_of(record: dict[str, Any]) -> str | None:
    """What a journaled run did with its inputs: ``imported`` (slips into 贷款台账), ``posted`` (a
    statement's customer payments into 还款记录) or ``reconciled`` (morning's read-only reconciliation,
    when morning.post_payments is false). A read-only reconcile-bank journals nothing, and one that
    posted advances only did not post the statement's payments: neither counts."""
    command, summary = record.get("command"), record.get("summary") or {}
    if command == "import-disbursements":
        return "imported"
    if command == "reconcile-bank" and "payments" in (summary.get("requested") or []):
        return "posted"
    if command == "morning" and summary.get("done", "reconciled") == "reconciled":
        return "reconciled"
    return None


def done_to_ledger(ledger_path: Path, ledger_sha256: str) -> dict[str, set[str]]:
    """Input SHA-256 → what was done with it to this ledger *as it is now* (``ledger_sha256``).

    A run's work still holds when the journal leads from the ledger it wrote (its ``after`` SHA-256)
    through later runs to the current file. A ledger restored from a backup, or saved by another program
    since, breaks that chain: its work counts as not done, and morning processes the file again (posting
    is idempotent, so nothing is booked twice)."""
    reach = {ledger_sha256}  # states that lead to the current file through later journaled runs
    done: dict[str, set[str]] = {}
    for record in reversed(journal_records(ledger_path)):
        before, after = record.get("ledger_sha256_before"), record.get("ledger_sha256_after")
        if after not in reach:
            continue
        reach.add(before)
        action = action_of(record)
        if action is not None and record.get("result") in ("written", "nothing to do"):
            for item in record.get("inputs") or []:
                if item.get("sha256"):
                    done.setdefault(item["sha256"], set()).add(action)
    return done


def inbox_files(folder: Path, setting: str = "") -> list[Path]:
    """Data files in an inbox folder, in name order: no lock files (~$), hidden files or folders. A
    configured folder that is missing or not a folder is an error (naming it and its ``setting``), never
    "no new files"."""
    if not folder.is_dir():
        if not folder.exists():
            what = _("The inbox folder {folder} ({setting} in loantool.toml) does not exist.")
        else:
            what = _("The inbox {folder} ({setting} in loantool.toml) is not a folder.")
        raise UsageError(what.format(folder=folder, setting=setting),
                         _("Create the folder (loantool init makes both inboxes), or correct the setting."))
    return [p for p in _inbox_entries(folder) if p.suffix.lower() in DATA_SUFFIXES]


def other_files(folder: Path) -> list[Path]:
    """Files in an inbox that are not read (a PDF scan, a photo, a .doc): told, so that a slip saved as
    the wrong kind of file is not silently left out. Lock files (~$) and hidden files are not counted."""
    if not folder.is_dir():
        return []
    return [p for p in _inbox_entries(folder) if p.suffix.lower() not in DATA_SUFFIXES]


def _inbox_entries(folder: Path) -> list[Path]:
    """The files of an inbox in name order, without lock files (~$) and hidden files."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", ".")))


DATA_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt"}


def _run_step(step: Step, action: Callable[[], dict[str, Any]]) -> None:
    try:
        step.detail = action()
        step.status = "ok"
    except LoantoolError as exc:
        fail(step, exc)


def fail(step: Step, exc: LoantoolError) -> None:
    step.status = "failed"
    step.error = exc


def statement_periods(paths: list[Path], all_lines: Any) -> dict[str, list[Path]]:
    """Group statements by the month most of their successful lines fall in (``all_lines``: every
    statement's lines as read_statements gives them, with the file name in ``source``)."""
    from ..core.reconcile import Period

    groups: dict[str, list[Path]] = {}
    for path in paths:
        lines = all_lines[all_lines["source"] == path.name]
        ok = lines[lines["deduction_status"].fillna("ok") != "failed"]
        dates = ok["paid_on"].dropna()
        if dates.empty:
            dates = lines["paid_on"].dropna()
        if dates.empty:
            raise InputError(_("Statement {file} has no dated lines.").format(file=path.name),
                             hint=_("Check the file."))
        month = dates.dt.to_period("M").mode().iloc[0]
        groups.setdefault(Period.parse(str(month)).label, []).append(path)
    return groups


def morning(settings: Settings, ledger_path: Path, *, as_of: dt.date, arguments: Sequence[str] = (),
            progress: Callable[[str], None] = lambda _name: None) -> MorningResult:
    """Import new slips, reconcile new statements, write the overdue report (``arguments``: the command
    line as given, for the journal of each step)."""
    from .imports import import_disbursements
    from .overdue import overdue_report
    from .reconcile import parse_period, read_statements, reconcile_bank, still_on_disk

    started = dt.datetime.now()
    ledger_path = Path(ledger_path)
    journaled = ["morning", *arguments]
    done = done_to_ledger(ledger_path, sha256_file(ledger_path)) if ledger_path.is_file() else {}
    result = MorningResult(as_of=as_of, ledger_path=ledger_path,
                           steps=[Step("import"), Step("reconcile"), Step("overdue")])

    def new_files(step: str, setting: str, action: str) -> list[Path]:
        """The inbox's files not yet ``action``-ed to this ledger as it stands (a bad inbox fails the
        step)."""
        fresh: list[Path] = []
        try:
            paths = inbox_files(settings.resolve(getattr(settings.morning, setting)), f"morning.{setting}")
        except LoantoolError as exc:
            fail(result.step(step), exc)
            return fresh
        for path in paths:
            (result.skipped_files if action in done.get(sha256_file(path), ()) else fresh).append(path)
        result.other_files += [p for p in other_files(settings.resolve(getattr(settings.morning, setting)))
                               if p not in result.other_files]  # one inbox may serve both steps
        return fresh

    slips = new_files("import", "slips_inbox", "imported")
    statements = new_files("reconcile", "statements_inbox",
                           "posted" if settings.morning.post_payments else "reconciled")

    current: list[Any] = [None]  # the ledger as it stands, in memory: each step hands it to the next

    def do_import() -> dict[str, Any]:
        report = settings.resolve(settings.morning.reports_dir) / report_name("import", day=as_of)
        imported = import_disbursements(settings, ledger_path, slips, as_of=as_of, out=report,
                                        arguments=journaled)
        current[0] = imported.ledger
        return {"matched": len(imported.matches), "updated": len(imported.updated_contracts),
                "cells_changed": len(imported.changes), "conflicts": len(imported.conflicts),
                "unmatched": len(imported.unmatched), "discrepancies": len(imported.discrepancies),
                "report": str(imported.report_path)}

    def do_reconcile() -> dict[str, Any]:
        periods = []
        all_lines = read_statements(statements, settings)  # each file read once, for both uses
        for label, paths in statement_periods(statements, all_lines).items():
            names = {p.name for p in paths}
            lines = all_lines[all_lines["source"].isin(names)].reset_index(drop=True)
            rec = reconcile_bank(settings, ledger_path, paths, period=parse_period(label), as_of=as_of,
                                 post_payments=settings.morning.post_payments, lines=lines,
                                 arguments=journaled, ledger=current[0])
            current[0] = rec.ledger
            totals = rec.rec.totals
            result.findings += sum(rec.rec.findings().values())
            periods.append({
                "period": label, "statements": len(paths), "expected": fen_to_str(totals["expected"]),
                "received": fen_to_str(totals["received"]), "advance_count": int(totals["advance_count"]),
                "advance_sum": fen_to_str(totals["advance_sum"]), "digest": rec.rec.digest,
                "payments_posted": rec.posting.payments_added if rec.posting else 0,
                "payments_for_review": (len(rec.posting.review)
                                        if rec.posting and rec.posting.review is not None else 0),
                "findings": rec.rec.findings(), "report": str(rec.report_path),
            })
        if not settings.morning.post_payments:
            # a read-only reconciliation journals nothing itself: remember the statements with an
            # empty commit (a "nothing to do" journal line, the ledger untouched)
            with ledger_transaction(ledger_path, settings, command="morning", arguments=journaled,
                                    inputs=statements) as tx:
                tx.commit([], summary={"done": "reconciled", "periods": [p["period"] for p in periods]})
        return {"periods": periods}

    def do_overdue() -> dict[str, Any]:
        ledger = current[0] if still_on_disk(current[0], ledger_path) else None
        report = overdue_report(settings, ledger_path, as_of=as_of, ledger=ledger)
        summary = report.summary.to_dict()
        loans = report.arrears.loans
        return {"active_loans": int(len(loans)), "in_arrears": int((loans["dpd"] > 0).sum()),
                "small_balances": int(len(report.small_balances)),
                "overdue_amount": fen_to_str(int(loans["overdue_amount"].sum())),
                "npl_ratio": summary.get("npl_ratio_display", summary.get("npl_ratio")),
                "report": str(report.report_path),
                "letters": str(report.letters_path) if getattr(report, "letters_path", None) else None}

    for name, files, action in (("import", slips, do_import), ("reconcile", statements, do_reconcile),
                                ("overdue", None, do_overdue)):
        progress(name)
        step = result.step(name)
        if step.status == "failed":
            continue  # its inbox could not be read
        if files is not None:
            step.files = files
            if not files:
                step.status = "nothing"
                continue
        _run_step(step, action)

    archive = settings.morning.archive_dir
    if archive:
        done = [*(slips if result.step("import").status == "ok" else []),
                *(statements if result.step("reconcile").status == "ok" else [])]
        target = settings.resolve(archive) / as_of.isoformat()
        for path in done:
            target.mkdir(parents=True, exist_ok=True)
            destination = target / path.name
            if not destination.exists():
                shutil.move(str(path), destination)
                result.archived.append(destination)
    try:
        write_log(result, settings.resolve(settings.morning.reports_dir), started)
    except OSError as exc:
        result.log_error = str(exc)
    return result


def write_log(result: MorningResult, folder: Path, started: dt.datetime) -> Path:
    """The run's summary as a plain-text log in the reports folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"morning_{started:%Y%m%d-%H%M%S}.log"
    lines = [_("Started {time}").format(time=started.isoformat(timespec="seconds")), *result.summary_lines()]
    for step in result.failed:
        lines.append(step.error.render() if step.error is not None else "")
    for step in result.steps:
        lines.append(json.dumps(step.to_dict(), ensure_ascii=False, default=str))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result.log_path = path
    return path
