"""SAF-T Cash Register as a file source (settlement.sources.protocol): `SaftSource`.

The file is streamed: transactions are converted and handed over in batches while the import use
case stores them inside one database transaction, so memory stays bounded and any error rolls the
whole file back. Z reports are checked once the file is read to the end; their mismatches (and
the other warnings) become notes on the vendor-days the file touched. Files from
PARALLEL_FROM_BYTES on are read by two processes while this one stores (see `parallel`).

A transaction with an error whose business day is known blocks that day: the day is kept out of
the import as a whole (none of its transactions in this file is stored) while the other days are
stored. Batches are handed over before a later transaction can block their day, so a file that
blocks a day it handed lines over for is read once more with that day skipped (`skip`), after
what was stored is rolled back (ReadAgain). A blocked day's Z reports are not checked: they would
be compared with part of a day.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from settlement.domain.problems import Problem, warning
from settlement.domain.vendors import Vendor
from settlement.sources.protocol import Emit, ReadAgain, SourceRead
from settlement.sources.saft.parallel import SplitMismatch, read_in_parallel
from settlement.sources.saft.problemlog import shortened
from settlement.sources.saft.reader import FileReader, ReadOutcome
from settlement.sources.saft.records import amount_limit
from settlement.sources.saft.transactions import SOURCE, Converted
from settlement.domain.text import N_
from settlement.sources.saft.xmlstream import SaftReadError, check_root
from settlement.sources.saft.zreport import Z_TOTAL_SALES_ONLY, closings_of, compare

BATCH_LINES = 20_000
# From this size on a file is read by two processes while this one stores (see `parallel`).
PARALLEL_FROM_BYTES = 32 * 1024 * 1024


def _check_z_reports(path: str, read: ReadOutcome, blocked: set[tuple[str, date]]) -> None:
    for key in sorted(read.z_reports):
        vendor, company, register_id, day = key
        if (vendor, day) in blocked:
            continue
        reports = read.z_reports[key]
        quirks = read.quirks.get((vendor, company, register_id), frozenset())
        for message in compare(register_id, reports, read.totals.get(key), sales_only=Z_TOTAL_SALES_ONLY in quirks):
            ref = f"{company}/{register_id}/Z{'+'.join(r.report_id for r in reports)}"
            read.log.add(warning(message, file=path, line=reports[0].line, ref=ref), vendor, day)


@dataclass(frozen=True)
class SaftSource:
    """SAF-T Cash Register XML exports; a file may carry several vendors' registers.

    batch_lines: about how many lines are handed over at a time.
    workers: how many processes read the file (1: this one); default: 2 for files of
        PARALLEL_FROM_BYTES or more on a machine with 2 or more cores, else 1.
    """

    batch_lines: int = BATCH_LINES
    workers: int | None = None
    skip: frozenset[tuple[str, date]] = frozenset()  # (vendor, day) kept out: blocked (see the module docstring)
    name: str = SOURCE
    unit: str = N_("transaction(s)")
    error_unit: str = N_("error(s)")
    streams: bool = True

    def check(self, path: Path | str) -> list[Problem]:
        try:
            check_root(str(path))
        except SaftReadError as exc:
            return [shortened(exc.problem)]
        return []

    def read(self, path: Path | str, data: bytes | None, vendors: dict[str, Vendor], vendor: Vendor | None,
             line_limit: int | None, emit: Emit) -> SourceRead:
        """Read the file at `path` (SAF-T is always read from the file: `data` is not used).

        vendor: the vendor every register is assigned to (`--vendor`), or None for each
        register's saft_registers entry. Raises ReadAgain (by one process) when the second
        reader's start did not match the file.
        """
        path = str(path)
        line_limit = amount_limit(line_limit)  # resolved here: the reading processes get the same
        workers = self.workers
        if workers is None:
            workers = 2 if os.path.getsize(path) >= PARALLEL_FROM_BYTES and (os.cpu_count() or 1) >= 2 else 1
        found: list[Problem] = []  # by storing: transactions repeated in the file
        handed: set[tuple[str, date]] = set()  # (vendor, day) of the lines handed over

        def hand_over(receipt_ids: list[str], lines) -> None:
            handed.update({(line.vendor, line.business_day) for line in lines})
            found.extend(emit(receipt_ids, lines))

        def hand_over_converted(batch: list[Converted]) -> None:
            hand_over([c.receipt_id for c in batch], [line for c in batch for line in c.lines])

        try:
            if workers > 1:
                read = read_in_parallel(path, vendors, vendor, hand_over, self.batch_lines, workers, line_limit,
                                        self.skip)
            else:
                read = FileReader(path, vendors, vendor, hand_over_converted, self.batch_lines, line_limit=line_limit,
                                  skip=self.skip).read()
        except SplitMismatch as exc:
            # The second reader's stand-in for the first part did not match the file (rare: e.g.
            # tags inside a comment fooled the byte scan): undo everything, read it alone.
            raise ReadAgain(replace(self, workers=1)) from exc
        for problem in found:
            read.log.add(problem)
        blocked = set(read.log.blocked)
        if read.log.errors == 0 and blocked & handed:
            # Lines of a blocked day were stored: undo them all and read again without those days.
            raise ReadAgain(replace(self, skip=self.skip | blocked))
        # Z reports are only compared with a file read to the end and stored: a refused file's
        # transactions that parsed are only part of their days.
        closings = {}
        if not read.broken and read.log.errors == 0:
            _check_z_reports(path, read, blocked)
            closings = closings_of(read.z_reports, read.totals, blocked)
        for vendor_id, day in blocked:
            read.days.setdefault(vendor_id, set()).add(day)
        return SourceRead(read.log.problems(), None, {v: read.log.notes(v) for v in read.days}, read.days, read.skipped,
                          read.log.blocked_problems(), closings)
