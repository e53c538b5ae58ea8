"""One error family, raised in the library and caught once at the CLI edge.

Each error class carries its exit code (DESIGN.md) and a stable ``code`` that scripts read from the
``--json`` error document (README "Exit codes"): 2 bad input or usage, 3 the ledger cannot be written
safely, 4 findings where ``--fail-on-diff`` asks for them, 1 anything unexpected. Messages are built
in the user's language where they are raised (``i18n._``); problems stay data (:class:`CellProblem`)
until the edge renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .i18n import _


@dataclass(frozen=True)
class CellProblem:
    """One bad cell: where it is, what it held and why it was refused."""

    file: str
    sheet: str | None
    row: int | None  # Excel row number (1-based), as the user sees it
    column: str | None  # the column header as written in the file
    value: Any
    reason: str
    code: str = "bad-cell"

    def describe(self) -> str:
        """"file, sheet S, row R, column C: value 'V': reason" in the current language."""
        where = [self.file]
        if self.sheet:
            where.append(_("sheet {sheet}").format(sheet=self.sheet))
        if self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        if self.column:
            where.append(_("column {column}").format(column=self.column))
        text = _(", ").join(where)
        if self.value is not None:
            text += _(": value '{value}'").format(value=self.value)
        return text + _(": {reason}").format(reason=self.reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "reason": self.reason,
        }


class LoantoolError(Exception):
    """Base of every error the tool raises on purpose. ``hint`` says what to do."""

    exit_code = 1
    code = "error"
    as_json_document = True  # with --json, the error is a JSON document on stdout

    def __init__(self, message: str, hint: str | None = None, *, parameter: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.problems: list[CellProblem] = []
        # the workflow parameter the error is about ("out", "as_of" …): the CLI edge names its option
        self.parameter = parameter

    def text(self) -> str:
        """The message and the hint, without the "Error:" prefix."""
        return f"{self.message} {self.hint}" if self.hint else self.message

    def render(self) -> str:
        lines = [_("Error: {message}").format(message=self.text())]
        lines += [f"  - {p.describe()}" for p in self.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` error document (DESIGN.md): code, message, every problem."""
        return {"error": {"code": self.code, "exit_code": self.exit_code, "message": self.text(),
                          "problems": [p.as_dict() for p in self.problems]}}


class UsageError(LoantoolError):
    """A wrong option or argument."""

    exit_code = 2
    code = "usage"


class InputError(LoantoolError):
    """Bad data in an input file; carries every bad cell found, not just the first."""

    exit_code = 2
    code = "bad-input"

    def __init__(self, message: str, problems: list[CellProblem] | None = None, hint: str | None = None,
                 *, parameter: str | None = None):
        super().__init__(message, hint, parameter=parameter)
        self.problems = list(problems or [])


class LedgerUnsafeError(LoantoolError):
    """The ledger cannot be written safely: open in Excel/WPS, locked by another run, or unsupported."""

    exit_code = 3
    code = "ledger-unsafe"


class OutputError(LoantoolError):
    """An output file (a report) cannot be written: a full disk, a read-only folder, a file open in Excel."""

    exit_code = 3
    code = "output-not-written"


class FindingsExit(LoantoolError):
    """Findings that a script asked to fail on (``--fail-on-diff``)."""

    exit_code = 4
    code = "findings"
    # the command printed its result (with --json, its document) before raising: no error document
    as_json_document = False


class UnexpectedError(LoantoolError):
    """Anything the tool did not raise on purpose (a bug): only ever made at the CLI edge."""

    exit_code = 1
    code = "unexpected"

    def render(self) -> str:
        return self.text()  # the message names itself ("Unexpected error: …")


ERROR_CLASSES: tuple[type[LoantoolError], ...] = (
    LoantoolError, UsageError, InputError, LedgerUnsafeError, FindingsExit, UnexpectedError, OutputError)
"""Every error class scripts may see, with its code (the README lists them)."""
