"""Importing one SAF-T Cash Register file into the sales store: all of it, or nothing.

The file is streamed; transactions are converted and stored in batches inside one database
transaction, so memory stays bounded and any error rolls the whole file back. Z reports are
checked at the end, and their mismatches (and the other warnings) are stored as notes on the
vendor-days the file touched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection

from settlement.problems import Problem, error, warning
from settlement.sales import SaleLine
from settlement.store.sales_store import ImportResult, SalesStore
from settlement.vendors import Vendor
from settlement.sources.saft.masterdata import MasterData
from settlement.sources.saft.problemlog import ProblemLog
from settlement.sources.saft.records import record
from settlement.sources.saft.registers import vendor_for_register
from settlement.sources.saft.signs import SignConvention
from settlement.sources.saft.transactions import SOURCE, Converted, Register, convert
from settlement.sources.saft.xmlstream import SaftReadError, check_root, q, stream
from settlement.sources.saft.zreport import DayTotals, ZReport, compare, z_reports_of

BATCH_LINES = 20_000
_CUR_CODE = q("curCode")
_DEFAULT_TZ = ZoneInfo("Europe/Oslo")


@dataclass
class FileImport:
    """What importing one file did: per-vendor store results, skipped transactions, problems."""

    file: str
    stored: bool = False
    vendors: dict[str, ImportResult] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)


class _RollBack(Exception):
    """Raised inside the database transaction to undo everything stored from the file."""


class _SeenReceipts:
    """Receipt ids already stored from this file, kept in a temporary table (not in memory)."""

    _MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}

    def __init__(self, connection: Connection):
        self.connection = connection
        connection.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS saft_import_seen (receipt_id VARCHAR(400) PRIMARY KEY)"))
        connection.execute(text("DELETE FROM saft_import_seen"))
        # The driver's own parameter marker: plain executemany, no per-row SQLAlchemy processing.
        self.mark = self._MARKS.get(connection.dialect.paramstyle)

    def duplicates(self, receipt_ids: list[str]) -> set[str]:
        """Ids that occurred earlier in the file (or twice in this list); records the new ones."""
        repeated = {rid for rid, count in Counter(receipt_ids).items() if count > 1}
        unique = sorted(set(receipt_ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            if self.mark:
                marks = ", ".join([self.mark] * len(chunk))
                found = self.connection.exec_driver_sql(
                    f"SELECT receipt_id FROM saft_import_seen WHERE receipt_id IN ({marks})", tuple(chunk)
                )
            else:
                marks = ", ".join(f":p{i}" for i in range(len(chunk)))
                found = self.connection.execute(
                    text(f"SELECT receipt_id FROM saft_import_seen WHERE receipt_id IN ({marks})"),
                    {f"p{i}": rid for i, rid in enumerate(chunk)},
                )
            repeated.update(rid for (rid,) in found)
        new = [rid for rid in unique if rid not in repeated]
        if new and self.mark:
            self.connection.exec_driver_sql(
                f"INSERT INTO saft_import_seen (receipt_id) VALUES ({self.mark})", [(rid,) for rid in new]
            )
        elif new:
            self.connection.execute(text("INSERT INTO saft_import_seen (receipt_id) VALUES (:rid)"), [{"rid": rid} for rid in new])
        return repeated


class _FileImporter:
    def __init__(self, path: str, vendors: dict[str, Vendor], override: Vendor | None, store: SalesStore, batch_lines: int):
        self.path, self.vendors, self.override, self.store = path, vendors, override, store
        self.batch_lines = batch_lines
        self.log = ProblemLog()
        self.master = MasterData()
        self.signs = SignConvention()
        self.result = FileImport(path)
        self.register: Register | None = None
        self.register_element = None
        self.pending: list[Converted] = []
        self.pending_lines = 0
        self.totals: dict[tuple[str, str, str, date], DayTotals] = {}
        self.z_reports: dict[tuple[str, str, str, date], list[ZReport]] = {}
        self.days: dict[str, set[date]] = {}

    # -- streaming ---------------------------------------------------------------------------

    def run(self, connection: Connection) -> None:
        seen = _SeenReceipts(connection)
        for item in stream(self.path):
            kind, element = item.kind, item.element
            if kind == "cashtransaction":
                self._transaction(element)
                if self.pending_lines >= self.batch_lines:
                    self._flush(connection, seen)
            elif kind == "event":
                self._event(element)
            elif kind == "register":
                self._start_register(element, item.location)
            elif kind == "basic":
                self._problem(self.master.add_basic(record(element, "basic"), self.path))
            elif kind == "vatCodeDetail":
                self._problem(self.master.add_vat_code(record(element, "vatCodeDetail"), self.path))
            elif kind == "article":
                self.master.add_article(record(element, "article"))
            elif kind == "company":
                self.master.company = (element.text or "").strip()
            elif kind == "header":
                currency = (element.findtext(_CUR_CODE) or "").strip()
                if currency and currency != "NOK":
                    self._problem(error(f"the file's currency is {currency}; only NOK is supported",
                                        file=self.path, line=element.sourceline, column="curCode", value=currency))
        self._flush(connection, seen)
        self._check_z_reports()

    def _problem(self, problem: Problem | None, vendor: str | None = None, day: date | None = None) -> None:
        if problem is not None:
            self.log.add(problem, vendor, day)

    def _start_register(self, element, location: str) -> None:
        register_id = (element.text or "").strip()
        company = self.master.company
        vendor, reason = (self.override, None) if self.override else vendor_for_register(
            self.vendors.values(), company, location, register_id
        )
        if reason:
            self._problem(error(reason, file=self.path, line=element.sourceline, column="registerID",
                                value=register_id, ref=register_id))
        self.register = Register(
            company, location, register_id, vendor.id if vendor else None,
            vendor.tz if vendor else _DEFAULT_TZ, vendor.day_start if vendor else time(0, 0),
        )
        self.register_element = element.getparent()

    def _current_register(self, element) -> Register | None:
        if self.register is None or element.getparent() is not self.register_element:
            self._problem(error("<cashregister> has no <registerID> before its events and transactions",
                                file=self.path, line=element.sourceline, column="registerID"))
            return None
        return self.register

    def _transaction(self, element) -> None:
        register = self._current_register(element)
        if register is None:
            return
        outcome = convert(record(element, "cashtransaction"), register, self.master, self.signs, self.path)
        converted = outcome.converted
        day = converted.day if converted else None
        for problem in outcome.problems:
            self._problem(problem, register.vendor_id, day)
        if outcome.skipped:
            self.result.skipped[outcome.skipped] += 1
        if converted is None or register.vendor_id is None:
            return
        self.totals.setdefault((register.vendor_id, register.company, register.register_id, converted.day), DayTotals()).add(converted)
        self.days.setdefault(register.vendor_id, set()).add(converted.day)
        if self.log.errors == 0:  # once the file is refused, only look for more problems
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
            self.z_reports.setdefault(key, []).append(report)
            self.days.setdefault(register.vendor_id, set()).add(report.day)

    # -- storing -----------------------------------------------------------------------------

    def _flush(self, connection: Connection, seen: _SeenReceipts) -> None:
        pending, self.pending, self.pending_lines = self.pending, [], 0
        if not pending or self.log.errors:
            return
        repeated = seen.duplicates([c.receipt_id for c in pending])
        if repeated:
            for receipt_id in sorted(repeated):
                self._problem(error(f"transaction {receipt_id} occurs more than once in the file",
                                    file=self.path, ref=receipt_id))
            return
        by_vendor: dict[str, list[SaleLine]] = {}
        for converted in pending:
            if converted.lines:
                by_vendor.setdefault(converted.lines[0].vendor, []).extend(converted.lines)
        for vendor, lines in by_vendor.items():
            stored = self.store.replace_receipts(vendor, SOURCE, lines, connection=connection)
            total = self.result.vendors.setdefault(vendor, ImportResult())
            total.receipts += stored.receipts
            total.lines += stored.lines
            total.replaced += stored.replaced
            total.days.update(stored.days)

    def _check_z_reports(self) -> None:
        for key in sorted(self.z_reports):
            vendor, company, register_id, day = key
            reports = self.z_reports[key]
            for message in compare(register_id, reports, self.totals.get(key)):
                ref = f"{company}/{register_id}/Z{'+'.join(r.report_id for r in reports)}"
                self._problem(warning(message, file=self.path, line=reports[0].line, ref=ref), vendor, day)

    def store_notes(self, connection: Connection) -> None:
        for vendor, days in self.days.items():
            self.store.replace_notes(vendor, SOURCE, days, self.log.notes(vendor), connection)


def import_saft_file(
    path: Path | str,
    engine,
    store: SalesStore,
    vendors: dict[str, Vendor],
    override: Vendor | None = None,
    batch_lines: int = BATCH_LINES,
) -> FileImport:
    """Import one SAF-T Cash Register file; any error stores nothing from it.

    Args:
        engine: the database engine the store writes to (one transaction for the whole file).
        vendors: all configured vendors, for mapping registers via `saft_registers`.
        override: the vendor every register is assigned to (`--vendor`), or None.
    """
    importer = _FileImporter(str(path), vendors, override, store, batch_lines)
    try:
        check_root(str(path))
        with engine.begin() as connection:
            importer.run(connection)
            if importer.log.errors:
                raise _RollBack
            importer.store_notes(connection)
        importer.result.stored = True
    except SaftReadError as exc:
        importer.log.add(exc.problem)
    except _RollBack:
        pass
    if not importer.result.stored:
        importer.result.vendors.clear()
    importer.result.problems = importer.log.problems()
    return importer.result
