"""The generic receipt CSV read as a stream: constant memory whatever the file's size.

The rules are those of settlement.sources.generic_csv (the same row checks and messages); what
differs is that the file is read line by line and handed over in batches of about
`batch_lines` lines, each ending where a receipt ends, while the import use case stores them
inside the file's one database transaction. So a file with any bad row still stores nothing
(the transaction is rolled back) and every problem is still reported with its line: after the
first error no further lines are handed over, but reading goes on to the end.

A receipt is checked (one time, one business day, payments = sales) within its batch. Receipts
whose rows are not together in the file may fall into two batches; the store notices a receipt
it has seen (`transaction ... occurs more than once`), and the file is read again by a reader
that takes it as one batch (`ReadAgain`), which is what reading it whole always did. The same
happens for a file that is not UTF-8 (read again as Windows-1252).

An optional `vendor` column names each row's vendor (a chain's export of several shops in one
file); without it every row is the vendor the caller names (`--vendor`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from settlement.domain.csvfile import _BAD_CHAR, FIELD_LIMIT, _is_blank, _separator, _split, _table
from settlement.domain.problems import Problem, error
from settlement.domain.sales import LineType, SaleLine
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor
from settlement.sources.generic_csv import (
    COLUMNS, DISCOUNT, SOURCE, CsvSource, _discount, _parse_row, _RowError, receipt_mismatch, unbalanced_receipts,
)
from settlement.sources.protocol import Emit, ReadAgain, SourceRead
from settlement.store.sales_store import DayLimitExceeded

VENDOR_COLUMN = "vendor"  # optional: each row's vendor id
BATCH_LINES = 20_000  # lines handed over at a time (a batch ends where a receipt ends)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_KEY_SEP = "\x1f"  # between vendor and receipt id in the keys handed to the store's duplicate check

# Told how far reading has come: (bytes read so far, the file's size in bytes).
Progress = Callable[[int, int], None]


def _text(binary: io.BufferedIOBase, encoding: str | None) -> tuple[io.TextIOWrapper, str]:
    """The file's text, decoded as csvfile.decode would decode it whole, and the encoding used.

    encoding None: UTF-16 with its BOM, UTF-8 with or without BOM (strictly, so that a file that is
    not UTF-8 fails while reading and is read again as Windows-1252).
    """
    head = binary.peek(4)[:4] if hasattr(binary, "peek") else b""
    if head.startswith(_UTF16_BOMS):
        return io.TextIOWrapper(binary, "utf-16", "replace", newline=None), "utf-16"
    if head.startswith(_UTF8_BOM):
        return io.TextIOWrapper(binary, "utf-8-sig", "surrogateescape", newline=None), "utf-8-sig"
    if encoding is None:
        return io.TextIOWrapper(binary, "utf-8", "strict", newline=None), "utf-8"
    return io.TextIOWrapper(binary, encoding, "surrogateescape", newline=None), encoding


class _Batch:
    """The lines of the receipts read since the last hand-over, with their per-receipt checks."""

    def __init__(self) -> None:
        self.lines: list[SaleLine] = []
        self.times: dict[tuple[str, str], tuple[datetime, date, int, str]] = {}
        self.last_key: tuple[str, str] | None = None

    def keys(self) -> list[str]:
        return sorted(f"{vendor}{_KEY_SEP}{rid}" for vendor, rid in self.times)


class StreamingCsvSource:
    """The generic receipt CSV as a streamed file source (settlement.sources.protocol).

    batch_lines: about how many lines are handed over at a time; None: the whole file at once
        (the reader a file is read again with when its receipts do not fit in batches).
    encoding: None to detect (see `_text`); "cp1252" when a first reading found it is not UTF-8.
    progress: told how far reading has come after each batch (a terminal's progress line).
    """

    name = SOURCE
    unit = CsvSource.unit
    error_unit = CsvSource.error_unit
    streams = True

    def __init__(self, batch_lines: int | None = BATCH_LINES, encoding: str | None = None,
                 progress: Progress | None = None):
        self.batch_lines, self.encoding, self.progress = batch_lines, encoding, progress

    @property
    def counted_as(self) -> "StreamingCsvSource":
        """How its refusals are counted (importing.refusal): the day bound is met after every row
        was read and checked, as for a CSV read whole, so days beyond it are counted as days."""
        return _WholeFileCount()

    def check(self, path: Path | str) -> list[Problem]:
        return []

    def read(self, path: Path | str, data: bytes | None, vendors: dict[str, Vendor], vendor: Vendor | None,
             line_limit: int | None, emit: Emit) -> SourceRead:
        file = str(path)
        size = len(data) if data is not None else Path(path).stat().st_size
        binary = io.BufferedReader(io.BytesIO(data)) if data is not None else open(path, "rb")
        with binary:
            text, encoding = _text(binary, self.encoding)
            try:
                return _Reading(self, file, size, binary, vendors, vendor, line_limit, emit).run(text)
            except UnicodeDecodeError:  # not UTF-8 after all: what csvfile.decode reads as Windows-1252
                raise ReadAgain(StreamingCsvSource(self.batch_lines, "cp1252", self.progress)) from None


class _WholeFileCount:
    streams = False
    error_unit = StreamingCsvSource.error_unit


class _Reading:
    """One reading of one file: the row loop, the batches and what they found."""

    def __init__(self, source: StreamingCsvSource, file: str, size: int, binary, vendors: dict[str, Vendor],
                 vendor: Vendor | None, line_limit: int | None, emit: Emit):
        self.source, self.file, self.size, self.binary = source, file, size, binary
        self.vendors, self.vendor, self.limit, self.emit = vendors, vendor, line_limit, emit
        self.problems: list[Problem] = []
        self.errors = 0
        self.unbalanced: list[Problem] = []  # warnings, reported only when the file has no error
        self.over_limit: DayLimitExceeded | None = None
        self.batch = _Batch()

    def run(self, text: io.TextIOWrapper) -> SourceRead:
        lines = self._content(text)
        header = self._header(lines)
        if header is None:
            return SourceRead(self.problems, self._vendor_id())
        columns, sep = header
        has_discounts, has_vendors = DISCOUNT in columns, VENDOR_COLUMN in columns
        if not has_vendors and self.vendor is None:
            self._error(tr("the file has no vendor column; name its vendor with --vendor"))
            return SourceRead(self.problems, None)
        width = len(columns)
        file, limit, batch_lines = self.file, self.limit, self.source.batch_lines
        for number, line in lines:
            fields = self._fields(line, number, sep, columns)
            if fields is None:
                continue
            # An unquoted row of empty cells (Excel's `;;;;`) is found without looking at each cell.
            if (_is_blank(fields) if '"' in line else not line.replace(sep, "").strip()):
                continue
            if len(fields) < width:
                fields += [""] * (width - len(fields))
            elif len(fields) > width and any(v.strip() for v in fields[width:]):
                self._error(tr("row has {fields} fields but the header has {width}", fields=len(fields), width=width), line=number)
                continue
            values = dict(zip(columns, fields))
            try:
                vendor = self._row_vendor(values) if has_vendors else self.vendor
                receipt_id, moment, day, kind, code, vat_code, amount, vat = _parse_row(values, vendor, limit)
                discount = _discount(values, kind, limit) if has_discounts else None
            except _RowError as bad:
                self._error(bad.reason, line=number, column=bad.column, value=bad.value)
                continue
            key = (vendor.id, receipt_id)
            if (batch_lines is not None and key != self.batch.last_key
                    and len(self.batch.lines) >= batch_lines):
                self._hand_over()
            batch = self.batch
            batch.last_key = key
            stamp = values.get("timestamp", "").strip()
            first = batch.times.setdefault(key, (moment, day, number, stamp))
            if first[2] != number:
                mismatch = receipt_mismatch(first, receipt_id, moment, day, number, stamp, file)
                if mismatch is not None:
                    self.problems.append(mismatch)
                    self.errors += 1
                    continue
            batch.lines.append(SaleLine(vendor.id, SOURCE, receipt_id, moment, day, kind.value, code, vat_code, amount,
                                        vat, f"{file}:{number}", discount=discount if kind is LineType.SALE else None))
        self._hand_over()
        if self.over_limit is not None and not self.errors:
            raise self.over_limit  # every row was fine: refused for the day bound alone
        if not self.errors:
            self.problems += self.unbalanced
        return SourceRead(self.problems, None if has_vendors else self.vendor.id)

    def _vendor_id(self) -> str | None:
        return self.vendor.id if self.vendor is not None else None

    def _error(self, message: str, **where) -> None:
        self.problems.append(error(message, file=self.file, **where))
        self.errors += 1

    @staticmethod
    def _content(text: io.TextIOWrapper):
        """(line number, line) of each line that is neither blank nor a `#` comment; numbers
        stay physical (only CR, LF and CRLF end a line, as in csvfile)."""
        for number, line in enumerate(text, start=1):
            if line.endswith("\n"):
                line = line[:-1]
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                yield number, line

    def _header(self, lines) -> tuple[tuple[str, ...], str] | None:
        """The columns and separator, checked as csvfile.parse_csv checks them; None when the
        file cannot be read (its problem is recorded)."""
        required = COLUMNS
        for number, line in lines:
            sep = _separator(line)
            fields, problem = _split(line, number, sep, (), self.file)
            if problem is not None:
                self.problems.append(problem)
                self.errors += 1
                return None
            if _is_blank(fields):
                continue
            table, problems = _table((number, fields), iter(()), self.file, required, {})
            if table is None:
                self.problems += problems
                self.errors += len(problems)
                return None
            return table.columns, sep
        self._error(tr("file is empty (expected columns: {columns})", columns=", ".join(required)))
        return None

    def _fields(self, line: str, number: int, sep: str, columns: tuple[str, ...]) -> list[str] | None:
        # Without quotes, bad characters or an overlong field a line's fields are what csv.reader
        # would give: splitting it is several times faster than a reader per line.
        if '"' not in line and len(line) <= FIELD_LIMIT and _BAD_CHAR.search(line) is None:
            return line.split(sep)
        fields, problem = _split(line, number, sep, columns, self.file)
        if problem is not None:
            self.problems.append(problem)
            self.errors += 1
        return fields

    def _row_vendor(self, values: dict[str, str]) -> Vendor:
        named = values.get(VENDOR_COLUMN, "").strip()
        if not named and self.vendor is not None:
            return self.vendor
        if self.vendor is not None and named != self.vendor.id:
            raise _RowError(VENDOR_COLUMN, named, tr("the row is vendor {named!r}, not {vendor!r} named for the file",
                                                          named=named, vendor=self.vendor.id))
        found = self.vendors.get(named)
        if found is None:
            shown = ", ".join(sorted(self.vendors)[:10])
            raise _RowError(VENDOR_COLUMN, named[:60], tr("unknown vendor; vendors.toml has {vendors}", vendors=shown) if named
                            else tr("vendor is empty; name the row's vendor (or the file's with --vendor)"))
        return found

    def _hand_over(self) -> None:
        """Check the batch's receipts, hand its lines over while the file has no error, and start
        the next batch. After an error only the receipt keys are handed over (no lines): the store
        still says whether a receipt recurs, so the file is read again when one does."""
        batch, self.batch = self.batch, _Batch()
        if not batch.times:
            return
        stopped = self.errors or self.over_limit is not None
        if not stopped:
            self.unbalanced += unbalanced_receipts(batch.lines)
        try:
            found = self.emit(batch.keys(), [] if stopped else batch.lines)
        except DayLimitExceeded as exceeded:  # reading goes on: every bad row is still reported
            self.over_limit, found = exceeded, []
        if any(p.is_error for p in found):  # storing finds only receipts that occur more than once
            raise ReadAgain(StreamingCsvSource(None, self.source.encoding, self.source.progress))
        self.problems += found
        self.errors += sum(p.is_error for p in found)
        if self.source.progress is not None:
            self.source.progress(self.binary.tell(), self.size)
