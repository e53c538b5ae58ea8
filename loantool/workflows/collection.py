"""record-calls and record-call: what the calls found, into the ledger's 催收记录 (collection records).

``record_calls`` reads the filled 电话催收单 sheets (ledger/call_sheet.py) and appends one 催收记录 row
per filled row: 合同编号, 催收日期 = the sheet's 催收日期, 方式 (default 电话), 对象 (default 借款人),
结果 = 催收结果, 承诺还款日, 承诺金额, 经办 (the row's, else ``--by``, else the login name) and 备注.
``record_call`` records one
contact given on the command line (a call, a visit, or a signed notice: 方式 函件, 结果 已签收), dated
the run's day.

Safety (DESIGN.md): every bad cell of every sheet – an unknown 合同编号, a promise date before the call
date, an amount that is not an amount, an unknown 对象 or 方式 word, a 催收日期 after the as-of day – is
listed at once and nothing is written (exit 2). Writing goes through the ledger transaction (lock,
backup, atomic replace, journal with the SHA-256 of each call sheet); the call sheets are never written.
Idempotent: a record already in 催收记录 with the same 合同编号, 催收日期, 方式, 对象, 结果, 承诺还款日 and
承诺金额 is not added again (经办 and 备注 do not count), so the same sheet twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..core.collection import record_problems
from ..errors import CellProblem, InputError, UsageError
from ..i18n import _
from ..ledger.call_sheet import CallSheet, read_call_sheet
from ..ledger.collections import reason as record_reason
from ..ledger.read import Ledger, load_ledger
from ..money import MoneyError, fen_to_decimal, fen_to_str, to_fen
from ..schema import CHANNELS, COLLECTIONS, PARTIES, code_lookup, label
from ..values import as_date, iso_date, text_or_none
from .common import require_ledger

DEFAULT_CHANNEL, DEFAULT_PARTY = "phone", "borrower"


@dataclass
class RecordResult:
    """What record-calls / record-call added (or, with --dry-run, would add) to 催收记录."""

    ledger_path: Path
    dry_run: bool
    records: list[dict[str, Any]]  # the new rows: keys of schema.COLLECTIONS (+ source)
    already_recorded: list[dict[str, Any]]  # rows found in 催收记录 already (not added again)
    sources: list[str] = field(default_factory=list)
    written: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"ledger": str(self.ledger_path), "dry_run": self.dry_run, "written": self.written,
                "added": len(self.records), "already_recorded": len(self.already_recorded),
                "records": [_json_record(r) for r in self.records],
                "skipped": [_json_record(r) for r in self.already_recorded], "sources": self.sources}


def _json_record(record: dict[str, Any]) -> dict[str, Any]:
    amount = record.get("promise_amount")
    return {"contract_no": record["contract_no"], "contacted_on": iso_date(record["contacted_on"]),
            "channel": record["channel"], "party": record["party"], "result": record.get("result"),
            "promise_date": iso_date(record.get("promise_date")),
            "promise_amount": None if amount is None else fen_to_str(amount),
            "handled_by": record.get("handled_by"), "note": record.get("note"),
            "source": record.get("source")}


# ------------------------------------------------------------------------------------------- the key


def _text(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()) if isinstance(value, str) else ""


def record_key(record: dict[str, Any]) -> tuple:
    """What makes two 催收记录 rows the same contact (经办 and 备注 aside)."""
    amount = record.get("promise_amount")
    return (str(record["contract_no"]).strip(), iso_date(record["contacted_on"]), record.get("channel") or
            DEFAULT_CHANNEL, record.get("party") or DEFAULT_PARTY, _text(record.get("result")),
            iso_date(record.get("promise_date")), None if amount is None or pd.isna(amount) else int(amount))


def _existing_keys(ledger: Ledger) -> set[tuple]:
    frame = ledger.collections.frame
    return {record_key(row) for row in frame.to_dict("records")} if len(frame) else set()


# ------------------------------------------------------------------------------------------ checking


def unknown_record_warnings(ledger: Ledger) -> list[CellProblem]:
    """催收记录 rows whose 合同编号 is in no loan: they count for no one (a warning, like such payments)."""
    read = ledger.collections
    frame = read.frame
    if not len(frame):
        return []
    known = set(ledger.loans.frame["contract_no"].astype(str).str.strip())
    unknown = ~frame["contract_no"].astype(str).str.strip().isin(known)
    reason = _("no loan in the ledger has this 合同编号, so the collection record counts for no one; correct "
               "the 合同编号")
    return [read.problem(label, "contract_no", frame.loc[label, "contract_no"], reason, "unknown-contract")
            for label in frame.index[unknown.to_numpy(dtype=bool)]]


def _unknown_contracts(ledger: Ledger, contracts: list[str]) -> list[int]:
    known = set(ledger.loans.frame["contract_no"].astype(str).str.strip())
    return [i for i, c in enumerate(contracts) if str(c).strip() not in known]


def _sheet_records(sheet: CallSheet, by: str | None) -> tuple[list[dict[str, Any]], list[Any]]:
    """The candidate records of one sheet, and each one's frame label (for problems)."""
    frame = sheet.read.frame
    if sheet.call_date is None:
        return [], []
    records, labels = [], []
    for label_, row in zip(frame.index, frame.to_dict("records"), strict=True):
        amount = row.get("promise_amount")
        records.append({
            "contract_no": str(row["contract_no"]).strip() if row.get("contract_no") else None,
            "contacted_on": sheet.call_date,
            "channel": row.get("channel") or DEFAULT_CHANNEL,
            "party": row.get("party") or DEFAULT_PARTY,
            "result": text_or_none(row.get("result")),
            "promise_date": as_date(row.get("promise_date")),
            "promise_amount": None if amount is None or pd.isna(amount) else int(amount),
            "handled_by": text_or_none(row.get("handled_by")) or by,
            "note": text_or_none(row.get("note")),
            "source": _("{file} row {row}").format(file=sheet.path.name, row=int(row["excel_row"])),
        })
        labels.append(label_)
    return records, labels


def _date_problems(sheet: CallSheet, as_of: dt.date) -> list[CellProblem]:
    if sheet.call_date is not None and sheet.call_date > as_of:
        return [CellProblem(sheet.read.file, sheet.read.sheet, None, sheet.date_label,
                            sheet.call_date.isoformat(),
                            _("the 催收日期 is after today ({as_of}): calls are recorded once made").format(
                                as_of=as_of.isoformat()))]
    return []


def _rule_problems(records: list[dict[str, Any]]) -> list[tuple[int, str, Any, str]]:
    """(position, field, value, reason) for the promise rules of core.collection."""
    if not records:
        return []
    frame = pd.DataFrame({
        "contacted_on": pd.to_datetime([r["contacted_on"] for r in records]),
        "promise_date": pd.to_datetime([r["promise_date"] for r in records]),
        "promise_amount": pd.array([r["promise_amount"] for r in records], dtype="Int64"),
    })
    return [(int(position), key, value, record_reason(code, iso_date(records[int(position)]["contacted_on"])))
            for position, key, value, code in record_problems(frame)]


def check_sheets(sheets: list[CallSheet], ledger: Ledger, as_of: dt.date, by: str | None
                 ) -> tuple[list[dict[str, Any]], list[CellProblem]]:
    """Every candidate record of the sheets and every problem, in sheet then row order."""
    records: list[dict[str, Any]] = []
    problems: list[CellProblem] = []
    for sheet in sheets:
        found = list(sheet.problems) + _date_problems(sheet, as_of)
        candidates, labels = _sheet_records(sheet, by)
        bad_rows = {p.row for p in found}
        ledger_name = ledger.path.name
        for i in _unknown_contracts(ledger, [r["contract_no"] or "" for r in candidates]):
            if candidates[i]["contract_no"] is None:
                continue  # an empty 合同编号 is already a bad cell
            reason = _("no loan in {ledger} has this 合同编号").format(ledger=ledger_name)
            found.append(sheet.read.problem(labels[i], "contract_no", candidates[i]["contract_no"], reason,
                                            "unknown-contract"))
        for i, key, value, reason in _rule_problems(candidates):
            row = int(sheet.read.frame.loc[labels[i], "excel_row"])
            if row not in bad_rows:
                found.append(sheet.read.problem(labels[i], key, value, reason))
        problems += sorted(found, key=lambda p: p.row or 0)
        records += candidates
    return records, problems


# ------------------------------------------------------------------------------------------- writing


def collection_edits(ledger: Ledger, records: list[dict[str, Any]]) -> list[Any]:
    """The 催收记录 rows to append (the sheet is created with its header when the ledger has none)."""
    from ..ledger.xlsx_patch import SheetEdits

    read = ledger.collections
    if read.sheet is None:
        sheet, create = COLLECTIONS.sheet_name, [f.header for f in COLLECTIONS.fields]
        columns = {f.key: i for i, f in enumerate(COLLECTIONS.fields, start=1)}
    else:
        sheet, create, columns = read.sheet, None, dict(read.columns)
        absent = [f.header for f in COLLECTIONS.fields if f.key not in columns]
        if absent:
            raise InputError(
                _("{ledger} sheet {sheet} has no {columns} column; nothing was written.").format(
                    ledger=ledger.path.name, sheet=sheet, columns=" / ".join(absent)),
                hint=_("Add the column(s) headed {columns} to {sheet}, then run again.").format(
                    columns="、".join(absent), sheet=sheet))
    rows = []
    for record in records:
        values = {
            "contract_no": record["contract_no"], "contacted_on": record["contacted_on"],
            "channel": label(CHANNELS, record["channel"]), "party": label(PARTIES, record["party"]),
            "result": record.get("result"), "promise_date": record.get("promise_date"),
            "promise_amount": (None if record.get("promise_amount") is None
                               else fen_to_decimal(record["promise_amount"])),
            "handled_by": record.get("handled_by"), "note": record.get("note"),
        }
        rows.append({columns[k]: v for k, v in values.items() if v is not None})
    return [SheetEdits(sheet=sheet, appends=rows, create_header=create, header_row=read.header_row)]


def _new_and_known(ledger: Ledger, records: list[dict[str, Any]]
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    seen = _existing_keys(ledger)
    new, known = [], []
    for record in records:
        key = record_key(record)
        (known if key in seen else new).append(record)
        seen.add(key)
    return new, known


def _record(settings: Settings, ledger_path: Path, as_of: dt.date, *, command: str, arguments: Sequence[str],
            inputs: list[Path], dry_run: bool, collect) -> RecordResult:
    """Load the ledger (under the lock unless a dry run), collect and check the records, write the new."""
    ledger_path = require_ledger(ledger_path)
    sources = [str(p) for p in inputs]
    if dry_run:
        ledger = load_ledger(ledger_path, settings, as_of=as_of)
        new, known = _new_and_known(ledger, collect(ledger))
        return RecordResult(ledger.path, True, new, known, sources)
    from ..ledger.transaction import ledger_transaction

    with ledger_transaction(ledger_path, settings, command=command, arguments=list(arguments),
                            inputs=inputs) as tx:
        ledger = load_ledger(tx.path, settings, as_of=as_of)
        new, known = _new_and_known(ledger, collect(ledger))
        result = tx.commit(collection_edits(ledger, new) if new else [], rows_added=len(new),
                           summary={"added": len(new), "already_recorded": len(known)})
    return RecordResult(ledger.path, False, new, known, sources, written=result.written)


def record_calls(settings: Settings, ledger_path: Path, as_of: dt.date, *, call_sheets: list[Path],
                 dry_run: bool = False, by: str | None = None, arguments: Sequence[str] = ()) -> RecordResult:
    """Add one 催收记录 row per filled row of the call sheets (see the module docstring). ``arguments``:
    the command line as given, for the journal."""
    from ..ledger.lock import current_user

    if not call_sheets:
        raise UsageError(_("name at least one filled 电话催收单 workbook."))
    missing = [str(p) for p in call_sheets if not Path(p).is_file()]
    if missing:
        raise UsageError(_("call sheet {files} not found.").format(files=", ".join(missing)),
                         _("Check the file name and folder."))
    handled_by = (by or "").strip() or current_user()
    sheets = [read_call_sheet(Path(p), settings) for p in call_sheets]

    def collect(ledger: Ledger) -> list[dict[str, Any]]:
        records, problems = check_sheets(sheets, ledger, as_of, handled_by)
        if problems:
            cells = sum(p.code == "bad-cell" for p in problems)
            raise InputError(
                _("{count} problem(s) in the call sheet(s) ({cells} bad cells); nothing was written.").format(
                    count=len(problems), cells=cells), problems,
                hint=_("Correct each listed cell in the call sheet and run again."))
        return records

    return _record(settings, ledger_path, as_of, command="record-calls", arguments=arguments,
                   inputs=[Path(p) for p in call_sheets], dry_run=dry_run, collect=collect)


def parse_word(codes: dict[str, tuple[str, ...]], text: str | None, parameter: str, default: str) -> str:
    """The code of a desk word (电话, 借款人 …); an unknown word is a usage error about ``parameter``."""
    if text is None or not text.strip():
        return default
    code = code_lookup(codes).get("".join(unicodedata.normalize("NFKC", text).split()).lower())
    if code is None:
        raise UsageError(_("'{value}' is not one of {choices}.").format(
            value=text, choices=" / ".join(words[0] for words in codes.values())), parameter=parameter)
    return code


def record_call(settings: Settings, ledger_path: Path, as_of: dt.date, *, contract: str, result: str,
                promise_date: dt.date | None = None, promise_amount: str | None = None,
                method: str | None = None, party: str | None = None, by: str | None = None,
                note: str | None = None, dry_run: bool = False, arguments: Sequence[str] = ()
                ) -> RecordResult:
    """One contact dated ``as_of`` (a call, a visit, a signed notice: method 函件, result 已签收).
    ``arguments``: the command line as given, for the journal."""
    from ..ledger.lock import current_user

    contract = (contract or "").strip()
    if not contract:
        raise UsageError(_("Name the contract (合同编号) the contact was about."))
    if not (result or "").strip():
        raise UsageError(_("The result of the contact is empty: say what it found (e.g. 已签收, 无人接听)."),
                         parameter="result")
    amount = None
    if promise_amount is not None:
        try:
            amount = to_fen(promise_amount)
        except MoneyError as exc:
            raise UsageError(_("The promised amount '{value}': {why}.").format(
                value=promise_amount, why=exc), _("Write it in yuan, e.g. 1060.00."),
                parameter="promise_amount") from None
    if (promise_date is None) != (amount is None):
        raise UsageError(_("A promise to pay needs both its date and its amount."),
                         parameter="promise_amount" if amount is None else "promise_date")
    if amount is not None and amount <= 0:
        raise UsageError(_("The promised amount must be more than 0."), parameter="promise_amount")
    if promise_date is not None and promise_date < as_of:
        raise UsageError(_("The promise date {day} is before the day of the contact {as_of}.").format(
            day=promise_date.isoformat(), as_of=as_of.isoformat()),
            _("A contact is dated the day of the run (today unless another day is given)."),
            parameter="promise_date")
    record = {"contract_no": contract, "contacted_on": as_of,
              "channel": parse_word(CHANNELS, method, "method", DEFAULT_CHANNEL),
              "party": parse_word(PARTIES, party, "party", DEFAULT_PARTY),
              "result": result.strip(), "promise_date": promise_date, "promise_amount": amount,
              "handled_by": (by or "").strip() or current_user(), "note": text_or_none(note),
              "source": "record-call"}

    def collect(ledger: Ledger) -> list[dict[str, Any]]:
        if _unknown_contracts(ledger, [contract]):
            raise UsageError(_("contract {contract} is not in {ledger} (sheet {sheet}).").format(
                contract=contract, ledger=ledger.path.name, sheet=ledger.loans.sheet),
                _("Check the 合同编号."))
        return [record]

    return _record(settings, ledger_path, as_of, command="record-call", arguments=arguments, inputs=[],
                   dry_run=dry_run, collect=collect)
