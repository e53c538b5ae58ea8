"""One error family, raised in the library and caught once at the CLI edge.

Each error carries its exit code (DESIGN.md): 2 bad input or usage, 3 the ledger cannot be written
safely, 4 findings where ``--fail-on-diff`` asks for them, 1 anything unexpected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        value = "" if self.value is None else f" value {self.value!r}:"
        return f"{', '.join(where)}:{value} {self.reason}"

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

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f"Error: {self.message}"
        if self.hint:
            text += f" {self.hint}"
        return text


class UsageError(LoantoolError):
    """A wrong option or argument."""

    exit_code = 2


class InputError(LoantoolError):
    """Bad data in an input file; carries every bad cell found, not just the first."""

    exit_code = 2

    def __init__(self, message: str, problems: list[CellProblem] | None = None, hint: str | None = None):
        super().__init__(message, hint)
        self.problems: list[CellProblem] = list(problems or [])

    def render(self) -> str:
        lines = [super().render()]
        lines += [f"  - {p.describe()}" for p in self.problems]
        return "\n".join(lines)


@dataclass
class ProblemCollector:
    """Collects bad cells while a whole file is checked, then raises them all at once."""

    problems: list[CellProblem] = field(default_factory=list)

    def add(self, problem: CellProblem) -> None:
        self.problems.append(problem)

    def raise_if_any(self, message: str, hint: str | None = None) -> None:
        if self.problems:
            raise InputError(message, self.problems, hint)


class LedgerUnsafeError(LoantoolError):
    """The ledger cannot be written safely: open in Excel/WPS, locked by another run, or unsupported."""

    exit_code = 3


class FindingsExit(LoantoolError):
    """Findings that a script asked to fail on (``--fail-on-diff``)."""

    exit_code = 4
