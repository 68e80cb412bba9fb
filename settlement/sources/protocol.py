"""What a file source is to the import use case (settlement.sources.importing): the protocol.

A source reads one file for a vendor (or, for SAF-T, for the vendors its registers belong to) and
hands its sales lines over in batches, each with the receipt ids it holds; what it found besides
(problems with file, line and receipt id, the warnings it wants kept as notes on vendor-days, the
transactions it left out) comes back as a `SourceRead`. Sources are pure as far as the store goes:
they never touch the database; the use case stores the batches, all of a file or nothing.

The two file sources differ in one way that matters to storing:
- a CSV is read whole before anything is stored (`streams = False`): one batch, one vendor;
- a SAF-T export may be far larger than memory (`streams = True`): it is read while the use case
  stores, batch by batch inside one database transaction, and may carry several vendors' registers.

WooCommerce is no file source (it reads a shop's orders, refunds and a cursor over HTTP); its sync
(settlement.sources.woocommerce.sync) returns the same `ImportOutcome` as a file import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from settlement.domain.closings import RegisterClosing
from settlement.domain.problems import Problem
from settlement.domain.sales import SaleLine
from settlement.domain.vendors import Vendor

# Hands one batch over to be stored: (receipt ids in the batch, their lines). Returns the problems
# storing found (a receipt the file holds twice); the source reports them with its own.
Emit = Callable[[list[str], list[SaleLine]], list[Problem]]

# A vendor-day warning kept in the store as the source's note: (business day, ref, message).
Note = tuple[date, str, str]


@dataclass
class SourceRead:
    """What reading one file found besides the lines it handed over.

    problems: every problem found, with its provenance; any error means nothing may be stored.
    vendor: the one vendor the whole file is for (CSV), reported even when the file holds no
        lines; None when the file names its vendors itself (SAF-T registers).
    notes: per vendor, the warnings to keep as the source's notes on its days.
    days: per vendor, the days whose notes from this source are replaced by `notes` (the days
        the file covers); a source that keeps no notes leaves this empty.
    skipped: what the file held that is no sale, counted by why (SAF-T training transactions).
    blocked: per vendor and business day, the errors that block that day (a transaction whose
        figures are wrong or unmapped): none of the day's lines was handed over, the other days'
        were; these errors are not in `problems`, and do not refuse the file.
    closings: per vendor, every register-day the file covers with its end-of-day (Z) reports, so
        a day the registers say had no sales is settled empty (settlement.domain.closings); a
        register-day without reports clears what an earlier import kept. Empty for sources
        without registers.
    """

    problems: list[Problem] = field(default_factory=list)
    vendor: str | None = None
    notes: dict[str, list[Note]] = field(default_factory=dict)
    days: dict[str, set[date]] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    blocked: dict[str, dict[date, list[Problem]]] = field(default_factory=dict)
    closings: dict[str, list[RegisterClosing]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)


class ReadAgain(Exception):
    """What was handed over must be undone and the file read once more, by `source` (a source
    that found its fast way of reading did not fit the file, e.g. SAF-T's two readers)."""

    def __init__(self, source: "FileSource"):
        super().__init__("read the file again")
        self.source = source


class FileSource(Protocol):
    """One kind of sales file (generic CSV, SAF-T Cash Register)."""

    name: str  # the store's source column (SaleLine.source): "csv", "saft"
    unit: str  # what one receipt is called in messages: "receipt(s)", "transaction(s)"
    error_unit: str  # what its errors are counted as: "bad row(s)", "error(s)"
    streams: bool  # read while storing, batch by batch (see the module docstring)

    def check(self, path: Path) -> list[Problem]:
        """Problems found before the file is read through (it is not this kind of file at all);
        nothing is read or stored then. A CSV has none: it is read whole before storing anyway."""
        ...

    def read(
        self, path: Path, data: bytes | None, vendors: dict[str, Vendor], vendor: Vendor | None,
        line_limit: int, emit: Emit,
    ) -> SourceRead:
        """Read the file (`data`: its bytes when the caller read them already), handing its lines
        over through `emit`; after an error, no further lines are handed over.

        vendors: every configured vendor (SAF-T maps registers to them via saft_registers).
        vendor: the vendor every line belongs to (a CSV's; for SAF-T `--vendor`), or None.
        line_limit: the largest absolute amount in øre one line may carry (SETTLEMENT_MAX_LINE_AMOUNT).
        May raise ReadAgain.
        """
        ...
