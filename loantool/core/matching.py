"""Which ledger loan a bank disbursement slip row (放款单) belongs to – never guessed.

Pure: frames in, plain results out. A slip row is matched by 身份证号 (ID number), then by 银行卡号 (card
number, digits only; a masked card such as ``6222****1234`` compares its visible digits), then by 客户姓名 +
贷款金额 (name and loan amount). The first key the slip carries that finds any loan gives the candidates;
among several candidates a running loan (状态 在贷) is preferred to a settled one, then the later keys
(and a 合同编号 the slip may carry) narrow them. A row that finds no loan, or still
more than one, is unmatched with the reason and the candidate contracts – the desk decides, not the tool.

A match made by a weaker key must not contradict a stronger one: a card or name match whose loan has a
different ID number (both known) is refused, and so is a name + amount match whose card differs. An ID
match whose card differs is kept (the customer may have changed card) with a note.

Two slip rows for the same loan (the same slip sent twice, or listed in two files) are duplicates: when
they carry the same disbursement values the first is used and the others are listed; when they disagree
none is used and every one is unmatched – which one the bank meant is not ours to guess.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..i18n import N_, _
from ..values import is_missing
from .loans import loan_states

MASK_CHARACTERS = "*xX•●＊"
# the slip values that must agree between two rows for the loan before one of them is a mere repeat
SLIP_VALUE_FIELDS = (
    "disbursed_on", "bank_due_day", "bank_monthly_amount", "first_due_date", "principal", "term",
)
# how a slip was matched to its loan, in words (translated where shown)
KEY_LABELS = {
    "id_no": N_("ID number (身份证号)"),
    "card_no": N_("card number (银行卡号)"),
    "name_amount": N_("customer name + loan amount (客户姓名+贷款金额)"),
    "contract_no": N_("contract number (合同编号)"),
    "status": N_("status active (状态 在贷)"),
}


@dataclass(frozen=True)
class SlipMatch:
    """A slip row (its frame label) that belongs to one ledger loan (its frame label)."""

    slip: Hashable
    loan: Hashable
    contract_no: str
    key: str  # the key that found the candidates: id_no, card_no or name_amount
    narrowed_by: tuple[str, ...] = ()  # keys that picked the loan among several candidates
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlipUnmatched:
    slip: Hashable
    reason: str
    candidates: tuple[str, ...] = ()  # contract numbers that were in the running, if any


@dataclass(frozen=True)
class SlipDuplicate:
    slip: Hashable
    first: Hashable  # the slip row that is used
    contract_no: str


@dataclass
class MatchResult:
    matches: list[SlipMatch] = field(default_factory=list)
    unmatched: list[SlipUnmatched] = field(default_factory=list)
    duplicates: list[SlipDuplicate] = field(default_factory=list)


# ------------------------------------------------------------------------------------- normalising keys


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        try:
            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
        value = str(value)
    text = unicodedata.normalize("NFKC", value).strip()
    return text or None


def norm_id(value: Any) -> str | None:
    text = _text(value)
    return text.replace(" ", "").upper() if text else None


def norm_name(value: Any) -> str | None:
    text = _text(value)
    return "".join(text.split()) if text else None


def norm_card(value: Any) -> str | None:
    """Digits only, a mask character kept as ``*``; None when nothing is left."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value  # the reader's usual form: nothing to clean
    text = _text(value)
    if not text:
        return None
    kept = "".join("*" if ch in MASK_CHARACTERS else ch
                   for ch in text if ch.isdigit() or ch in MASK_CHARACTERS)
    return kept if any(ch.isdigit() for ch in kept) else None


def card_visible(card: str) -> tuple[str, str]:
    """(digits before the mask, digits after it); an unmasked card is all prefix."""
    if "*" not in card:
        return card, ""
    head, _, rest = card.partition("*")
    return head, rest.rsplit("*", 1)[-1]


def cards_agree(a: str | None, b: str | None) -> bool:
    """Whether two card numbers can be the same card: equal, or equal in every digit both show."""
    if not a or not b:
        return False
    if "*" not in a and "*" not in b:
        return a == b
    head_a, tail_a = card_visible(a)
    head_b, tail_b = card_visible(b)
    if "*" not in a:  # a full card against a masked one: the masked one's digits at both ends
        return len(head_b) + len(tail_b) <= len(a) and a.startswith(head_b) and a.endswith(tail_b)
    if "*" not in b:
        return cards_agree(b, a)
    n_head, n_tail = min(len(head_a), len(head_b)), min(len(tail_a), len(tail_b))
    return head_a[:n_head] == head_b[:n_head] and (n_tail == 0 or tail_a[-n_tail:] == tail_b[-n_tail:])


def _fen(value: Any) -> int | None:
    if is_missing(value):
        return None
    return int(value)


def _comparable(value: Any) -> Any:
    """A slip value in a form that compares equal across frames (dates as dates, NA as None)."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


# ------------------------------------------------------------------------------------------ the index


class _LoanIndex:
    """Ledger loans indexed by every matching key."""

    def __init__(self, loans: pd.DataFrame, as_of: Any = None):
        self.contract = {label: str(c)
                         for label, c in zip(loans.index, loans["contract_no"].tolist(), strict=True)}
        self.ids: dict[Hashable, str | None] = {}
        self.cards: dict[Hashable, str | None] = {}
        self.names: dict[Hashable, str | None] = {}
        self.principal: dict[Hashable, int | None] = {}
        # not settled or written off on the day: a slip disburses a running loan (core.loans)
        states = loan_states(loans, as_of if as_of is not None else pd.Timestamp.today())
        self.active: dict[Hashable, bool] = dict(
            zip(loans.index, (~states["settled"] & ~states["written_off"]).tolist(), strict=True))
        self.by_id: dict[str, list[Hashable]] = defaultdict(list)
        self.by_card: dict[str, list[Hashable]] = defaultdict(list)
        self.by_tail: dict[str, list[Hashable]] = defaultdict(list)  # last 4 digits, for masked slip cards
        self.by_name_amount: dict[tuple[str, int], list[Hashable]] = defaultdict(list)
        column = column_getter(loans)
        for label in loans.index:
            self.ids[label] = id_no = norm_id(column("id_no", label))
            self.cards[label] = card = norm_card(column("card_no", label))
            self.names[label] = name = norm_name(column("customer_name", label))
            self.principal[label] = amount = _fen(column("principal", label))
            if id_no:
                self.by_id[id_no].append(label)
            if card:
                self.by_card[card].append(label)
                tail = card_visible(card)[1] or card
                self.by_tail[tail[-4:]].append(label)
            if name and amount is not None:
                self.by_name_amount[(name, amount)].append(label)

    def find_by_card(self, card: str) -> list[Hashable]:
        if "*" not in card:
            exact = self.by_card.get(card, [])
            masked = [label for label in self.by_tail.get(card[-4:], [])
                      if "*" in (self.cards[label] or "") and cards_agree(card, self.cards[label])]
            return [*exact, *masked]
        head, tail = card_visible(card)
        if len(tail) >= 4:
            pool: Iterable[Hashable] = self.by_tail.get(tail[-4:], [])
        else:  # too few trailing digits to use the index: compare with every card
            pool = (label for label, c in self.cards.items() if c)
        return [label for label in pool if cards_agree(card, self.cards[label])]


def column_getter(frame: pd.DataFrame):
    """``get(column, label)``: a cell by row label, None for a column the frame lacks.

    Each column is turned into a dict once: a per-cell ``frame.at`` costs microseconds, and a
    20,000-loan ledger has hundreds of thousands of cells to look at.
    """
    columns: dict[str, dict[Hashable, Any]] = {}

    def get(name: str, label: Hashable) -> Any:
        column = columns.get(name)
        if column is None:
            if name not in frame.columns:
                return None
            column = columns[name] = dict(zip(frame.index, frame[name].tolist(), strict=True))
        return column[label]

    return get


# ------------------------------------------------------------------------------------------- matching


def match_slips(slips: pd.DataFrame, loans: pd.DataFrame, *, as_of: Any = None) -> MatchResult:
    """Match every slip row (SLIPS field keys) to at most one ledger loan (LOANS field keys).

    Labels in the result are the frames' index labels, so the caller can look up file, sheet and row.
    """
    index = _LoanIndex(loans, as_of)
    slip_value = column_getter(slips)
    result = MatchResult()
    by_loan: dict[Hashable, list[SlipMatch]] = {}
    for label in slips.index:
        outcome = _match_one(label, slip_value, index)
        if isinstance(outcome, SlipUnmatched):
            result.unmatched.append(outcome)
        else:
            by_loan.setdefault(outcome.loan, []).append(outcome)
    for loan, found in by_loan.items():
        first = found[0]
        if all(_same_values(slips, first.slip, other.slip) for other in found[1:]):
            result.matches.append(first)
            result.duplicates += [SlipDuplicate(o.slip, first.slip, first.contract_no) for o in found[1:]]
            continue
        contract = index.contract[loan]
        for outcome in found:
            result.unmatched.append(SlipUnmatched(
                slip=outcome.slip,
                reason=_("{count} slip rows for contract {contract} disagree (放款日期/还款日/月还金额); "
                         "none was applied – check which one the bank meant").format(
                             count=len(found), contract=contract),
                candidates=(contract,),
            ))
    return result


def _same_values(slips: pd.DataFrame, a: Hashable, b: Hashable) -> bool:
    for name in SLIP_VALUE_FIELDS:
        if name in slips.columns and _comparable(slips.at[a, name]) != _comparable(slips.at[b, name]):
            return False
    return True


def _match_one(label: Hashable, value: Any, index: _LoanIndex) -> SlipMatch | SlipUnmatched:
    id_no = norm_id(value("id_no", label))
    card = norm_card(value("card_no", label))
    name = norm_name(value("customer_name", label))
    amount = _fen(value("principal", label))
    contract = _text(value("contract_no", label))

    finders: list[tuple[str, Any]] = []
    if id_no:
        finders.append(("id_no", lambda: index.by_id.get(id_no, [])))
    if card:
        finders.append(("card_no", lambda: index.find_by_card(card)))
    if name and amount is not None:
        finders.append(("name_amount", lambda: index.by_name_amount.get((name, amount), [])))
    if not finders:
        return SlipUnmatched(label, _("the row has no 身份证号, no 卡号 and no 姓名 + 放款金额 to match by"))

    narrowers = {
        "id_no": lambda loan: bool(id_no) and index.ids[loan] == id_no,
        "card_no": lambda loan: bool(card) and cards_agree(card, index.cards[loan]),
        "name_amount": lambda loan: (bool(name) and index.names[loan] == name
                                     and index.principal[loan] == amount),
        "contract_no": lambda loan: bool(contract) and index.contract[loan] == contract,
        "status": lambda loan: index.active[loan],
    }
    for position, (key, find) in enumerate(finders):
        candidates = list(dict.fromkeys(find()))
        if not candidates:
            continue
        narrowed_by: list[str] = []
        for later in ["status", *(k for k, _find in finders[position + 1:]), "contract_no"]:
            if len(candidates) == 1:
                break
            kept = [loan for loan in candidates if narrowers[later](loan)]
            if kept and len(kept) < len(candidates):
                candidates = kept
                narrowed_by.append(later)
        contracts = tuple(sorted(index.contract[loan] for loan in candidates))
        if len(candidates) > 1:
            return SlipUnmatched(
                label,
                _("{key} fits {count} loans ({contracts}) and nothing on the slip tells them apart – "
                  "enter the 放款 values by hand").format(key=_(KEY_LABELS[key]), count=len(candidates),
                                                          contracts=", ".join(contracts)),
                contracts,
            )
        loan = candidates[0]
        contradiction, notes = _contradictions(key, loan, id_no, card, name, index)
        if contradiction:
            return SlipUnmatched(label, contradiction, contracts)
        return SlipMatch(label, loan, index.contract[loan], key, tuple(narrowed_by), tuple(notes))
    tried = " / ".join(_(KEY_LABELS[k]) for k, _find in finders)
    return SlipUnmatched(label, _("no ledger loan has this {keys}").format(keys=tried))


def _contradictions(key: str, loan: Hashable, id_no: str | None, card: str | None, name: str | None,
                    index: _LoanIndex) -> tuple[str | None, list[str]]:
    """A reason to refuse the match (a stronger key disagrees), and notes for the desk."""
    contract = index.contract[loan]
    notes: list[str] = []
    ledger_id, ledger_card = index.ids[loan], index.cards[loan]
    id_differs = bool(id_no and ledger_id and ledger_id != id_no)
    card_differs = bool(card and ledger_card and not cards_agree(card, ledger_card))
    if key != "id_no" and id_differs:
        return (_("{key} fits contract {contract} but its 身份证号 differs (slip {slip}, ledger {ledger}) – "
                  "not the same customer?").format(key=_(KEY_LABELS[key]), contract=contract, slip=id_no,
                                                   ledger=ledger_id)), notes
    if key == "name_amount" and card_differs:
        return (_("客户姓名+贷款金额 fits contract {contract} but its 银行卡号 differs (slip {slip}, ledger "
                  "{ledger})").format(contract=contract, slip=card, ledger=ledger_card)), notes
    if card_differs:
        notes.append(_("银行卡号 differs: slip {slip}, ledger {ledger}").format(
            slip=card, ledger=ledger_card))
    if name and index.names[loan] and index.names[loan] != name:
        notes.append(_("客户姓名 differs: slip {slip}, ledger {ledger}").format(
            slip=name, ledger=index.names[loan]))
    return None, notes
