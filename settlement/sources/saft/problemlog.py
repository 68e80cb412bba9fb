"""Collecting one file's problems without drowning the reader (or memory) in repeats.

A big export with one systematic defect would otherwise produce a warning per transaction. Each
kind of problem (its message with the numbers taken out) is listed a limited number of times; the
rest are counted and summed up in one closing line. Warnings about a vendor-day are also kept as
notes for the store, so preview and the settlement report show them.

An error about a vendor-day (a transaction whose date was read) blocks that day, not the file:
it is kept apart in `blocked` (at most `per_day` listed per day, the rest counted) and not
counted in `errors`, which are the file's own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date

from settlement.domain.problems import Problem
from settlement.domain.text import tr

_NUMBERS = re.compile(r"[-+]?\d[\d.,:/ ]*")
# Text copied from a hostile file can be megabytes long: runs this long are cut in messages.
_LONG_RUN = re.compile(r"\S{81,}")
_MAX_VALUE, _MAX_MESSAGE, _MAX_REF = 80, 1000, 256
_SUBJECT = re.compile(r"^register [^:]*: ")


def _kind(problem: Problem) -> tuple[bool, str | None, str]:
    return problem.is_error, problem.column, _NUMBERS.sub("#", _SUBJECT.sub("", problem.message))


class ProblemLog:
    """The problems of one file: each kind listed at most `per_kind` times, the rest counted."""

    def __init__(self, per_kind: int = 20):
        self.per_kind = per_kind
        self.listed: list[Problem] = []
        self._entries: list[tuple[Problem, str | None, date | None]] = []  # listed, with their vendor-day
        self.errors = 0
        self._seen: Counter = Counter()
        self._first: dict[tuple, Problem] = {}
        self._notes: dict[str, list[tuple[date, str, str]]] = {}
        self._unlisted_notes: Counter = Counter()
        self.per_day = 5
        self.blocked: dict[tuple[str, date], list[Problem]] = {}
        self._unlisted_blocks: Counter = Counter()

    def add(self, problem: Problem, vendor: str | None = None, day: date | None = None) -> None:
        problem = shortened(problem)
        if problem.is_error and vendor and day:
            listed = self.blocked.setdefault((vendor, day), [])
            if len(listed) < self.per_day:
                listed.append(problem)
            else:
                self._unlisted_blocks[(vendor, day)] += 1
            return
        kind = _kind(problem)
        self._seen[kind] += 1
        self.errors += problem.is_error
        if self._seen[kind] > self.per_kind:
            if vendor and day and not problem.is_error:
                self._unlisted_notes[(vendor, day)] += 1
            return
        self._first.setdefault(kind, problem)
        self.listed.append(problem)
        self._entries.append((problem, vendor, day))
        if vendor and day and not problem.is_error:
            self._notes.setdefault(vendor, []).append((day, problem.ref or "", _note_text(problem)))

    def merge(self, later: "ProblemLog") -> None:
        """Add the problems another log found in a later part of the same file, as if added here."""
        listed = Counter()
        for problem, vendor, day in later._entries:
            listed[_kind(problem)] += 1
            self.add(problem, vendor, day)
        for kind, count in later._seen.items():
            unlisted = count - listed[kind]
            if unlisted:
                self._seen[kind] += unlisted
                self.errors += unlisted if kind[0] else 0
                self._first.setdefault(kind, later._first[kind])
        self._unlisted_notes.update(later._unlisted_notes)
        for (vendor, day), problems in later.blocked.items():
            for problem in problems:
                self.add(problem, vendor, day)
        self._unlisted_blocks.update(later._unlisted_blocks)

    def blocked_problems(self) -> dict[str, dict[date, list[Problem]]]:
        """Per vendor and business day, the errors that block it (and one line counting the rest)."""
        result: dict[str, dict[date, list[Problem]]] = {}
        for (vendor, day), problems in sorted(self.blocked.items()):
            listed = list(problems)
            more = self._unlisted_blocks.get((vendor, day), 0)
            if more:
                listed.append(replace(problems[0], line=None, column=None, value=None, ref=None,
                                      message=tr("{count} more error(s) on business day {day} (see the file)",
                                                 count=more, day=day)))
            result.setdefault(vendor, {})[day] = listed
        return result

    def problems(self) -> list[Problem]:
        """Listed problems, plus one line per kind that had more than could be listed."""
        summaries = [
            replace(
                self._first[kind], line=None, column=None, value=None,
                message=tr("{count} more like this: {problem}", count=count - self.per_kind,
                           problem=self._first[kind].message),
            )
            for kind, count in self._seen.items()
            if count > self.per_kind
        ]
        return self.listed + summaries

    def notes(self, vendor: str) -> list[tuple[date, str, str]]:
        """(day, ref, message) warnings about the vendor's days, for SalesStore.replace_notes."""
        notes = list(self._notes.get(vendor, []))
        for (note_vendor, day), count in sorted(self._unlisted_notes.items()):
            if note_vendor == vendor:
                notes.append((day, "", tr("{count} more SAF-T warning(s) of the same kinds on this day (see the import output)",
                                          count=count)))
        return notes


def _cut(text: str, keep: int) -> str:
    return text if len(text) <= keep else tr("{start}… ({length} characters)", start=text[:keep - 30], length=len(text))


def shortened(problem: Problem) -> Problem:
    """The problem with long text from the file cut short (value, ref, and long runs in the message)."""
    message, value, ref = problem.message, problem.value, problem.ref
    if len(message) > _MAX_VALUE:
        message = _cut(_LONG_RUN.sub(lambda m: _cut(m.group(), _MAX_VALUE), message), _MAX_MESSAGE)
    if value is not None and len(value) > _MAX_VALUE:
        value = _cut(value, _MAX_VALUE)
    if ref is not None and len(ref) > _MAX_REF:
        ref = _cut(ref, _MAX_REF)
    if (message, value, ref) == (problem.message, problem.value, problem.ref):
        return problem
    return replace(problem, message=message, value=value, ref=ref)


def _note_text(problem: Problem) -> str:
    where = f" ({problem.location()})" if problem.location() else ""
    return f"{problem.message}{where}"
