"""Checks on entry of the 催收记录 sheet (collection records): the rows the reader refuses as bad cells.

The cell-by-cell kinds (an unknown 方式 or 对象 word, an amount that is not an amount, a date that is
not a date) are the reader's (ledger/coerce.py); the rules that look at two cells of a row are in
``core.collection.record_problems`` and are turned here into problems in the user's language.
"""

from __future__ import annotations

from ..core.collection import record_problems
from ..errors import CellProblem
from ..i18n import _

COLLECTION_PROBLEM_CODE = "bad-collection-record"


def reason(code: str, contacted_on: str | None = None) -> str:
    """The reason of a ``core.collection.RECORD_PROBLEMS`` code in the current language."""
    if code == "promise-before-contact":
        return _("the promised day is before the contact day {day}").format(day=contacted_on or "")
    if code == "promise-without-amount":
        return _("a promise needs its amount: write the 承诺金额 beside the 承诺还款日")
    if code == "amount-without-promise":
        return _("a promised amount needs its day: write the 承诺还款日 beside the 承诺金额")
    return _("a promised amount must be more than 0")


def check_records(read) -> list[CellProblem]:
    """Every row of a read 催收记录 (``TableRead``) that breaks a promise rule, as a bad cell."""
    frame = read.frame
    problems = []
    for label, key, value, code in record_problems(frame):
        contacted = frame.loc[label, "contacted_on"] if "contacted_on" in frame else None
        day = None if contacted is None or contacted != contacted else str(contacted)[:10]
        problem = read.problem(label, key, value, reason(code, day))
        problems.append(problem)
    return sorted(problems, key=lambda p: p.row or 0)
