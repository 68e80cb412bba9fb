"""User-data problems as values: every problem names where it comes from.

Problems are collected, never raised, so that one run reports everything at once. Exceptions are
reserved for bugs and infrastructure failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from settlement.domain.text import tr


class Severity(str, Enum):
    """An error blocks what it concerns; a warning is reported and work goes on."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in the user's data, with its provenance.

    Attributes:
        message: what is wrong, in plain words.
        file: the file (or URL) it was found in, if any.
        line: 1-based physical line in that file, if known.
        column: the column or field name, if the problem is about one field.
        value: the offending value as found.
        ref: a receipt, order, vendor or register id the problem concerns.
        severity: error (blocks) or warning (reported only).
    """

    message: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    value: str | None = None
    ref: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        """'file:line' (or just 'file', or '') as editors and terminals recognise it."""
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    def __str__(self) -> str:
        return self.format()

    def format(self, with_severity: bool = True) -> str:
        """`file:line: [warning: ]message (column …, value …)`."""
        parts = []
        if self.column:
            parts.append(tr("column {column!r}", column=self.column))
        if self.value is not None:
            parts.append(tr("value {value!r}", value=self.value))
        detail = f" ({', '.join(parts)})" if parts else ""
        prefix = f"{self.location()}: " if self.location() else ""
        kind = tr("warning: ") if with_severity and not self.is_error else ""
        return f"{prefix}{kind}{self.message}{detail}"


def error(message: str, **where: object) -> Problem:
    return Problem(message, severity=Severity.ERROR, **where)  # type: ignore[arg-type]


def warning(message: str, **where: object) -> Problem:
    return Problem(message, severity=Severity.WARNING, **where)  # type: ignore[arg-type]


def has_errors(problems: list[Problem]) -> bool:
    return any(p.is_error for p in problems)
