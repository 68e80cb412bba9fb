"""Importing one SAF-T Cash Register file into the sales store: all of it, or nothing.

The file is streamed; transactions are converted and stored in batches inside one database
transaction, so memory stays bounded and any error rolls the whole file back. Z reports are
checked at the end, and their mismatches (and the other warnings) are stored as notes on the
vendor-days the file touched.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from settlement.domain.problems import Problem, error, warning
from settlement.domain.sales import SaleLine
from settlement.store.sales_store import DayLimitExceeded, ImportResult, SalesStore
from settlement.domain.vendors import Vendor
from settlement.sources.saft.parallel import SplitMismatch, read_in_parallel
from settlement.sources.saft.problemlog import shortened
from settlement.sources.saft.reader import FileReader, ReadOutcome
from settlement.sources.saft.records import amount_limit
from settlement.sources.saft.transactions import SOURCE, Converted
from settlement.sources.saft.xmlstream import SaftReadError, check_root
from settlement.sources.saft.zreport import compare

BATCH_LINES = 20_000
# From this size on a file is read by two processes while this one stores (see `parallel`).
PARALLEL_FROM_BYTES = 32 * 1024 * 1024


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


class _Storer:
    """Stores the converted transactions of one file inside the file's database transaction."""

    def __init__(self, path: str, store: SalesStore, connection: Connection, result: FileImport):
        self.path, self.store, self.connection, self.result = path, store, connection, result
        self.seen = _SeenReceipts(connection)
        self.problems: list[Problem] = []  # found while storing: transactions repeated in the file
        self.refused = False  # an error was found: the file will be rolled back, stop storing

    def store_batch(self, receipt_ids: list[str], lines: list[SaleLine]) -> None:
        if self.refused or not receipt_ids:
            return
        repeated = self.seen.duplicates(receipt_ids)
        if repeated:
            self.refused = True
            for receipt_id in sorted(repeated):
                self.problems.append(error(f"transaction {receipt_id} occurs more than once in the file",
                                           file=self.path, ref=receipt_id))
            return
        by_vendor: dict[str, list[SaleLine]] = {}
        for line in lines:
            by_vendor.setdefault(line.vendor, []).append(line)
        for vendor, vendor_lines in by_vendor.items():
            stored = self.store.replace_receipts(vendor, SOURCE, vendor_lines, connection=self.connection, file=self.path)
            total = self.result.vendors.setdefault(vendor, ImportResult())
            total.receipts += stored.receipts
            total.lines += stored.lines
            total.replaced += stored.replaced
            total.days.update(stored.days)

    def store_converted(self, batch: list[Converted]) -> None:
        self.store_batch([c.receipt_id for c in batch], [line for c in batch for line in c.lines])


def _check_z_reports(path: str, read: ReadOutcome) -> None:
    for key in sorted(read.z_reports):
        vendor, company, register_id, day = key
        reports = read.z_reports[key]
        for message in compare(register_id, reports, read.totals.get(key)):
            ref = f"{company}/{register_id}/Z{'+'.join(r.report_id for r in reports)}"
            read.log.add(warning(message, file=path, line=reports[0].line, ref=ref), vendor, day)


def _read_here(path: str, vendors, override, storer: _Storer, batch_lines: int, line_limit: int) -> ReadOutcome:
    """Read the whole file in this process, storing batch by batch."""
    return FileReader(path, vendors, override, storer.store_converted, batch_lines, line_limit=line_limit).read()


def import_saft_file(
    path: Path | str,
    engine,
    store: SalesStore,
    vendors: dict[str, Vendor],
    override: Vendor | None = None,
    batch_lines: int = BATCH_LINES,
    workers: int | None = None,
    line_limit: int | None = None,
) -> FileImport:
    """Import one SAF-T Cash Register file; any error stores nothing from it.

    Args:
        engine: the database engine the store writes to (one transaction for the whole file).
        vendors: all configured vendors, for mapping registers via `saft_registers`.
        override: the vendor every register is assigned to (`--vendor`), or None.
        workers: how many processes read the file (1: this one); default: 2 for files of
            PARALLEL_FROM_BYTES or more on a machine with 2 or more cores, else 1.
        line_limit: the largest amount in øre one element may hold (default: the per-line
            plausibility bound, money.MAX_LINE_ORE).
    """
    path = str(path)
    result = FileImport(path)
    line_limit = amount_limit(line_limit)  # resolved here: the reading processes get the same
    try:
        check_root(path)
    except SaftReadError as exc:
        result.problems = [shortened(exc.problem)]
        return result
    if workers is None:
        workers = 2 if os.path.getsize(path) >= PARALLEL_FROM_BYTES and (os.cpu_count() or 1) >= 2 else 1
    try:
        with engine.begin() as connection:
            storer = _Storer(path, store, connection, result)
            if workers > 1:
                read = read_in_parallel(path, vendors, override, storer.store_batch, batch_lines, workers, line_limit)
            else:
                read = _read_here(path, vendors, override, storer, batch_lines, line_limit)
            for problem in storer.problems:
                read.log.add(problem)
            if not read.broken:  # Z reports are only compared with a file read to the end
                _check_z_reports(path, read)
            result.skipped = read.skipped
            result.problems = read.log.problems()
            if read.log.errors:
                raise _RollBack
            for vendor, days in read.days.items():
                store.replace_notes(vendor, SOURCE, days, read.log.notes(vendor), connection)
        result.stored = True
    except _RollBack:
        result.vendors.clear()
    except DayLimitExceeded as exc:  # a vendor-day beyond SETTLEMENT_MAX_DAY_AMOUNT: rolled back
        result.vendors.clear()
        result.problems = [*result.problems, *exc.problems]
    except SplitMismatch:
        # The second reader's stand-in for the first part did not match the file (rare: e.g. tags
        # inside a comment fooled the byte scan). Everything was rolled back; read it alone.
        return import_saft_file(path, engine, store, vendors, override, batch_lines, workers=1, line_limit=line_limit)
    return result
