"""The one import use case: a sales file into the store, all of it or nothing (`import_file`).

`settlement import sales`, `settlement import saft` and the drop folder all import through it; a
WooCommerce sync (settlement.sources.woocommerce.sync) answers with the same `ImportOutcome`.

- Atomic: a file with any error of its own (unreadable, a register without a vendor, the wrong
  currency, a transaction whose day cannot be read) stores nothing; so does one that would take a
  vendor-day beyond the per-day plausibility bound (SETTLEMENT_MAX_DAY_AMOUNT): those days are
  `over_limit`.
- A day, not a file, is the unit of refusal: a transaction whose figures are wrong or unmapped
  blocks its business day (`blocked`): nothing of that day is stored from the file, its problems
  are kept in the store (settlement.store.day_blocks) and block the day's voucher, and the file's
  other days are stored. Importing the day again without the problem unblocks it.
- Idempotent: receipts are stored by (vendor, source, receipt id), replacing earlier versions, so
  importing a file again, or an overlapping export, changes nothing.
- Afterwards the webshop checks of every day the file changed are made again (`rechecked`): POS
  data may carry the webshop's order numbers (counted twice?).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from settlement.domain.money import MAX_LINE_ORE
from settlement.domain.problems import Problem, error
from settlement.domain.sales import SaleLine
from settlement.domain.text import N_, tr
from settlement.domain.vendors import Vendor
from settlement.sources.protocol import FileSource, ReadAgain, SourceRead
from settlement.sources.woocommerce.notes import refresh_notes
from settlement.store.closings import replace_closings
from settlement.store.day_blocks import replace_blocks
from settlement.store.sales_store import DayLimitExceeded, ImportResult, SalesStore


@dataclass
class WebshopSync:
    """What a WooCommerce sync read besides sales: orders, refunds and the cursor."""

    orders_read: int = 0
    orders_booked: int = 0
    refunds_booked: int = 0
    withdrawn: list[str] = field(default_factory=list)  # order numbers that no longer count
    modified_after: str | None = None  # what was asked for (GMT), None: everything
    cursor: str | None = None  # where the next sync starts


@dataclass
class ImportOutcome:
    """What one import (a file, or a webshop sync) did.

    file: the file (or the shop's URL) imported from; source: its source name ("csv", "saft", ...).
    stored: whether anything was stored; when not, `vendors` is empty and `problems` say why.
    vendors: per vendor, what was stored and which business days it changed.
    found: every problem reading found; over_limit: the vendor-days it would have taken beyond the
        per-day bound. `problems` is both.
    skipped: what the file held that is no sale, counted by why.
    blocked: per vendor, the business days the import blocked and the errors why (these errors are
        in `found` too, after the file's own problems).
    rechecked: per vendor, the webshop warnings made again for the days the import changed.
    webshop: what a WooCommerce sync read (None for a file).
    """

    file: str
    source: str
    stored: bool = False
    vendors: dict[str, ImportResult] = field(default_factory=dict)
    found: list[Problem] = field(default_factory=list)
    over_limit: list[Problem] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    rechecked: dict[str, list[Problem]] = field(default_factory=dict)
    webshop: WebshopSync | None = None
    blocked: dict[str, dict[date, list[Problem]]] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return self.found + self.over_limit

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def days(self) -> set[date]:
        """Every business day the import changed, of any vendor."""
        return {day for result in self.vendors.values() for day in result.days}


def refusal(outcome: ImportOutcome, source: FileSource, days: str = N_("business day(s)")) -> str:
    """Why nothing of the file was stored, counted: '2 bad row(s)', '1 business day(s) beyond the
    plausible total' or '3 error(s)'. A streamed file meets the day bound while it is read, so
    there the days beyond it are counted among its errors."""
    if outcome.over_limit and not source.streams:
        return tr("{count} {days} beyond the plausible total", count=len(outcome.over_limit), days=tr(days))
    return tr("{count} {unit}", count=outcome.errors, unit=tr(source.error_unit))


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


class _Storer:
    """Stores the batches of one file inside the file's database transaction.

    A streamed file's batches are checked against each other (a transaction the file holds twice
    is an error); a file read whole is one batch whose receipts its reader grouped already.
    """

    def __init__(self, file: str, source: FileSource, store: SalesStore, connection: Connection, outcome: ImportOutcome):
        self.file, self.source, self.store, self.connection, self.outcome = file, source.name, store, connection, outcome
        self.seen = _SeenReceipts(connection) if source.streams else None
        self.refused = False  # a repeated receipt was found: the file will be rolled back, stop storing

    def store_batch(self, receipt_ids: list[str], lines: list[SaleLine]) -> list[Problem]:
        if self.refused or not receipt_ids:
            return []
        repeated = self.seen.duplicates(receipt_ids) if self.seen is not None else set()
        if repeated:
            self.refused = True
            return [error(tr("transaction {receipt} occurs more than once in the file", receipt=receipt_id),
                          file=self.file, ref=receipt_id)
                    for receipt_id in sorted(repeated)]
        by_vendor: dict[str, list[SaleLine]] = {}
        for line in lines:
            by_vendor.setdefault(line.vendor, []).append(line)
        for vendor, vendor_lines in by_vendor.items():
            stored = self.store.replace_receipts(vendor, self.source, vendor_lines, connection=self.connection, file=self.file)
            total = self.outcome.vendors.setdefault(vendor, ImportResult())
            total.receipts += stored.receipts
            total.lines += stored.lines
            total.replaced += stored.replaced
            total.days.update(stored.days)
        return []


def _found(read: SourceRead) -> list[Problem]:
    """The file's own problems, then the errors that block days, day by day."""
    return read.problems + [p for vendor in sorted(read.blocked) for day in sorted(read.blocked[vendor])
                            for p in read.blocked[vendor][day]]


def _keep(outcome: ImportOutcome, read: SourceRead, store: SalesStore, source: FileSource, connection: Connection) -> None:
    """Take what the read found; roll back on an error, else store its notes and day blocks."""
    outcome.found, outcome.skipped = _found(read), read.skipped
    if read.errors:
        raise _RollBack
    if read.vendor is not None:
        outcome.vendors.setdefault(read.vendor, ImportResult())
    for vendor, days in read.days.items():
        store.replace_notes(vendor, source.name, days, read.notes.get(vendor, []), connection)
    for vendor, closings in read.closings.items():
        replace_closings(connection, vendor, source.name, closings)
    for vendor in sorted(set(read.days) | set(read.blocked)):
        blocked = read.blocked.get(vendor, {})
        replace_blocks(connection, vendor, source.name, read.days.get(vendor, set()), blocked)
        if blocked:
            outcome.vendors.setdefault(vendor, ImportResult())
    outcome.blocked = read.blocked


def import_file(
    store: SalesStore,
    vendors: dict[str, Vendor],
    source: FileSource,
    path: Path | str,
    *,
    data: bytes | None = None,
    vendor: Vendor | None = None,
    line_limit: int | None = None,
) -> ImportOutcome:
    """Import one sales file into the store: all of it but its blocked days, or nothing when it
    has an error of its own (see the module docstring).

    vendors: every configured vendor (for SAF-T registers, and the webshop re-check).
    data: the file's bytes when the caller read them already (the drop folder reads through
        O_NOFOLLOW); a streamed source reads the file itself.
    vendor: the vendor every line belongs to (required for a CSV; for SAF-T `--vendor`, else
        each register's saft_registers entry).
    line_limit: the per-line plausibility bound in øre (default money.MAX_LINE_ORE).
    """
    file = str(path)
    line_limit = MAX_LINE_ORE if line_limit is None else line_limit
    outcome = ImportOutcome(file, source.name)
    outcome.found = source.check(path)
    if outcome.found:
        return outcome
    try:
        if source.streams:
            with store.engine.begin() as connection:
                storer = _Storer(file, source, store, connection, outcome)
                read = source.read(path, data, vendors, vendor, line_limit, storer.store_batch)
                _keep(outcome, read, store, source, connection)
        else:
            batches: list[tuple[list[str], list[SaleLine]]] = []
            read = source.read(path, data, vendors, vendor, line_limit, lambda ids, lines: batches.append((ids, lines)) or [])
            outcome.found, outcome.skipped = _found(read), read.skipped
            if read.errors:  # nothing to undo: the store was not touched
                return outcome
            with store.engine.begin() as connection:
                storer = _Storer(file, source, store, connection, outcome)
                for receipt_ids, lines in batches:
                    storer.store_batch(receipt_ids, lines)
                _keep(outcome, read, store, source, connection)
        outcome.stored = True
    except _RollBack:
        outcome.vendors.clear()
    except DayLimitExceeded as exc:  # rolled back: a vendor-day beyond SETTLEMENT_MAX_DAY_AMOUNT
        outcome.vendors.clear()
        outcome.over_limit = exc.problems
    except ReadAgain as again:  # rolled back; read by the source the first one handed on
        return import_file(store, vendors, again.source, path, data=data, vendor=vendor, line_limit=line_limit)
    if outcome.stored:
        for vendor_id in sorted(outcome.vendors):
            if vendor_id in vendors:
                outcome.rechecked[vendor_id] = refresh_notes(store.engine, vendors[vendor_id], set(outcome.vendors[vendor_id].days))
    return outcome
