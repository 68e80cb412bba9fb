"""Reading one SAF-T file (or one part of it) into converted transactions, problems and day totals.

The reader does everything except storing: it hands batches of converted transactions to a
`sink`. A big file is read by two readers at once (see `parallel`), each owning the elements
that start in its range of lines: the owner reports an element's problems and converts it. A
reader still reads what lies before its range, silently, because later elements depend on it:
the master data, the register a transaction belongs to, and the amntTp sign convention (learnt
from the first transaction that shows it, see `signs`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time
from typing import Callable
from zoneinfo import ZoneInfo

from lxml import etree

from settlement.domain.problems import Problem, error
from settlement.sources.saft.masterdata import MasterData
from settlement.sources.saft.problemlog import ProblemLog, shortened
from settlement.sources.saft.records import record
from settlement.sources.saft.registers import profile_for_register, vendor_for_register
from settlement.sources.saft.signs import SignConvention
from settlement.sources.saft.splitpoint import JoinedSource
from settlement.sources.saft.transactions import Converted, Register, convert
from settlement.sources.saft.xmlstream import SaftReadError, check_root, q, stream
from settlement.sources.saft.zreport import DayTotals, ZReport, z_reports_of
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor

_CUR_CODE = q("curCode")
_DEFAULT_TZ = ZoneInfo("Europe/Oslo")
# (vendor, company, register id, business day): the key of day totals and Z reports.
DayKey = tuple[str, str, str, date]


@dataclass
class ReadOutcome:
    """What reading found besides the transactions handed to the sink; parts are merged in order."""

    log: ProblemLog = field(default_factory=ProblemLog)
    skipped: Counter = field(default_factory=Counter)
    totals: dict[DayKey, DayTotals] = field(default_factory=dict)
    z_reports: dict[DayKey, list[ZReport]] = field(default_factory=dict)
    days: dict[str, set[date]] = field(default_factory=dict)
    broken: bool = False  # the XML is broken (the problem is in the log): not read to the end
    # What the reader saw at the split point (see `Boundary`): the first one's stop, the second one's start.
    boundary: tuple | None = None
    jumped: bool = False  # the part before the range was stood in for (see `splitpoint`)
    # (vendor, company, register id) → the register's saft_profile quirks, for the Z-report check.
    quirks: dict[tuple[str, str, str], frozenset[str]] = field(default_factory=dict)

    def merge(self, later: "ReadOutcome") -> None:
        """Add the outcome of the part of the file that follows this one."""
        self.log.merge(later.log)
        self.broken = self.broken or later.broken
        self.skipped.update(later.skipped)
        for key, totals in later.totals.items():
            self.totals.setdefault(key, DayTotals()).merge(totals)
        for key, reports in later.z_reports.items():
            self.z_reports.setdefault(key, []).extend(reports)
        for vendor, days in later.days.items():
            self.days.setdefault(vendor, set()).update(days)
        self.quirks.update(later.quirks)


class FileReader:
    """Reads the elements of one file that start on lines [first_line, stop_line).

    sink: called with each batch of converted transactions (about `batch_lines` lines), and once
        more at the end; a reader stops handing over transactions once it has found an error.
    """

    def __init__(self, path: str, vendors: dict[str, Vendor], override: Vendor | None,
                 sink: Callable[[list[Converted]], None], batch_lines: int,
                 first_line: int = 1, stop_line: int | None = None, jump: tuple[bytes, int] | None = None,
                 line_limit: int | None = None, skip: frozenset[tuple[str, date]] = frozenset()):
        self.path, self.vendors, self.override, self.sink = path, vendors, override, sink
        # (vendor, business day) kept out of this file's import: a transaction on them has an error,
        # so none of the day's transactions is handed over (they are still read and checked).
        self.skip = skip
        self.line_limit = line_limit  # the largest amount in øre one element may hold (None: money's default)
        # (stand-in for the lines before first_line, byte offset of first_line): once the sign
        # convention is known, the rest of the part before the range is not parsed (see `splitpoint`).
        self.jump = jump
        self.batch_lines, self.first_line, self.stop_line = batch_lines, first_line, stop_line
        self.outcome = ReadOutcome()
        self.log = self.outcome.log
        self.master = MasterData()
        self.signs = SignConvention()
        self.register: Register | None = None
        self.register_element = None
        self.pending: list[Converted] = []
        self.pending_lines = 0

    def read(self) -> ReadOutcome:
        """Read the file; broken XML (before or in the range) ends reading, as a problem in the log."""
        try:
            self._run()
        except SaftReadError as exc:
            self.log.add(exc.problem)
            self.outcome.broken = True
        return self.outcome

    def _run(self) -> None:
        if self._read(stream(self.path)) and self.jump is not None:
            head, offset = self.jump
            self.master, self.register, self.register_element = MasterData(), None, None
            self.outcome.jumped = True
            source = JoinedSource(head, self.path, offset)
            try:
                self._read(stream(self.path, source))
            finally:
                source.close()
        self._hand_over()

    def _boundary(self, kind: str, element, line: int) -> tuple:
        """What is checked to agree at the split point: the element, its register, the master data."""
        register = self._current_register(element, report=False) if kind in ("cashtransaction", "event") else None
        where = (register.company, register.location, register.register_id) if register else None
        master = self.master
        # The element's own bytes too: two elements can report the same line (lxml counts the line
        # after a start tag's end), and one must not be skipped by both readers.
        content = hashlib.sha256(etree.tostring(element, with_tail=False)).hexdigest()
        return kind, line, content, where, master.company, master.basics, master.vat_codes, master.article_groups

    def _read(self, items) -> bool:
        """Handle the streamed items; True when it stopped to jump to the range."""
        first, stop = self.first_line, self.stop_line
        for item in items:
            kind, element = item.kind, item.element
            line = element.sourceline or 0
            if stop is not None and line >= stop:
                self.outcome.boundary = self._boundary(kind, element, line)
                break  # everything from here on belongs to the next reader
            owned = line >= first
            if owned and self.outcome.boundary is None and first > 1:
                self.outcome.boundary = self._boundary(kind, element, line)
            if kind == "cashtransaction":
                if owned:
                    self._transaction(element)
                    if self.pending_lines >= self.batch_lines:
                        self._hand_over()
                elif self.signs.sale_letter is None:
                    self._learn_signs(element)
                    if self.signs.sale_letter is not None and self.jump is not None and not self.outcome.jumped:
                        items.close()
                        return True
            elif kind == "event":
                if owned:
                    self._event(element)
            elif kind == "register":
                self._start_register(element, item.location, owned)
            else:
                self._master_data(kind, element, owned)
        return False

    def _problem(self, problem: Problem | None, vendor: str | None = None, day: date | None = None) -> None:
        if problem is not None:
            self.log.add(problem, vendor, day)

    def _master_data(self, kind: str, element, owned: bool) -> None:
        problem = None
        if kind == "basic":
            problem = self.master.add_basic(record(element, "basic"), self.path)
        elif kind == "vatCodeDetail":
            problem = self.master.add_vat_code(record(element, "vatCodeDetail"), self.path)
        elif kind == "article":
            self.master.add_article(record(element, "article"))
        elif kind == "company":
            self.master.company = (element.text or "").strip()
        elif kind == "header":
            currency = (element.findtext(_CUR_CODE) or "").strip()
            if currency and currency != "NOK":
                problem = error(tr("the file's currency is {currency}; only NOK is supported", currency=currency),
                                file=self.path, line=element.sourceline, column="curCode", value=currency)
        if owned:
            self._problem(problem)

    def _start_register(self, element, location: str, owned: bool) -> None:
        register_id = (element.text or "").strip()
        company = self.master.company
        vendor, reason = (self.override, None) if self.override else vendor_for_register(
            self.vendors.values(), company, location, register_id
        )
        quirks = profile_for_register(vendor, company, location, register_id) if vendor else frozenset()
        if reason and owned:
            self._problem(error(reason, file=self.path, line=element.sourceline, column="registerID",
                                value=register_id, ref=register_id))
        self.register = Register(
            company, location, register_id, vendor.id if vendor else None,
            vendor.tz if vendor else _DEFAULT_TZ, vendor.day_start if vendor else time(0, 0), quirks,
        )
        if vendor:
            self.outcome.quirks[(vendor.id, company, register_id)] = quirks
        self.register_element = element.getparent()

    def _current_register(self, element, report: bool = True) -> Register | None:
        if self.register is None or element.getparent() is not self.register_element:
            if report:
                self._problem(error(tr("<cashregister> has no <registerID> before its events and transactions"),
                                    file=self.path, line=element.sourceline, column="registerID"))
            return None
        return self.register

    def _learn_signs(self, element) -> None:
        """Convert a transaction before the range only for what it teaches about amntTp; drop the rest."""
        register = self._current_register(element, report=False)
        if register is not None:
            convert(record(element, "cashtransaction"), register, self.master, self.signs, self.path, self.line_limit)

    def _transaction(self, element) -> None:
        register = self._current_register(element)
        if register is None:
            return
        outcome = convert(record(element, "cashtransaction"), register, self.master, self.signs, self.path,
                          self.line_limit)
        converted = outcome.converted
        day = converted.day if converted else outcome.day
        for problem in outcome.problems:
            self._problem(problem, register.vendor_id, day)
        if outcome.skipped:
            self.outcome.skipped[outcome.skipped] += 1
        if converted is None or register.vendor_id is None:
            return
        key = (register.vendor_id, register.company, register.register_id, converted.day)
        self.outcome.totals.setdefault(key, DayTotals()).add(converted)
        self.outcome.days.setdefault(register.vendor_id, set()).add(converted.day)
        # Once the file is refused, only look for more problems; a blocked day is kept out whole.
        if self.log.errors == 0 and (register.vendor_id, converted.day) not in self.skip:
            self.pending.append(converted)
            self.pending_lines += len(converted.lines)

    def _event(self, element) -> None:
        register = self._current_register(element)
        if register is None:
            return
        report, problems = z_reports_of(element, register, self.path)
        for problem in problems:
            self._problem(problem)
        if report is not None and register.vendor_id is not None:
            key = (register.vendor_id, register.company, register.register_id, report.day)
            self.outcome.z_reports.setdefault(key, []).append(report)
            self.outcome.days.setdefault(register.vendor_id, set()).add(report.day)

    def _hand_over(self) -> None:
        pending, self.pending, self.pending_lines = self.pending, [], 0
        if pending and self.log.errors == 0:
            self.sink(pending)




def read_saft(path: str, vendors: dict[str, Vendor], override: Vendor | None = None,
              line_limit: int | None = None) -> tuple[list[Converted], list[Problem]]:
    """Read a whole file in memory, storing nothing: (converted transactions, problems).

    What `import saft` would store when the problems hold no error; for tests and small files.
    The errors that block a day (ProblemLog.blocked) are among the problems, after the file's.
    Never raises for anything in the file: broken XML, hostile text and bad values are problems.
    """
    try:
        check_root(path)
    except SaftReadError as exc:
        return [], [shortened(exc.problem)]
    converted: list[Converted] = []
    outcome = FileReader(path, vendors, override, converted.extend, 1 << 30, line_limit=line_limit).read()
    blocking = [p for days in outcome.log.blocked_problems().values() for ps in days.values() for p in ps]
    return converted, outcome.log.problems() + blocking
