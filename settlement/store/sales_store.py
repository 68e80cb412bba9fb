"""Reading and writing normalized sales.

Receipts are identified by (vendor, source, receipt_id): storing a receipt again replaces the
earlier version, so re-importing a file or an overlapping export changes nothing.

Every import is checked against the per-day plausibility bound before its transaction commits:
the absolute amounts of a vendor-day's stored lines may add up to at most `max_day_ore`
(money.MAX_DAY_ORE by default, SETTLEMENT_MAX_DAY_AMOUNT), so no later sum can overflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timezone
from typing import Iterable, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection, Engine

from settlement.domain.money import MAX_DAY_ORE, format_nok
from settlement.domain.problems import Problem, error
from settlement.domain.sales import SaleLine, SummaryRow, summary_sort_key
from settlement.store.tables import SaleLineRow, SourceNoteRow

_LINES = SaleLineRow.__table__
_NOTES = SourceNoteRow.__table__
_CHUNK = 500
_INSERT_BATCH = 20_000
# A connection that writes a large batch gets a larger SQLite page cache (KiB; bounded, so an
# import's memory stays flat whatever its size).
_LARGE_WRITE = 5_000
_IMPORT_CACHE_KIB = 65_536
_CACHE_KEY = "settlement.import_cache"
# Receipt ids are joined in SQL and split again; the ASCII unit separator never occurs in them.
_SEP = "\x1f"
# Where a transaction's running day totals are kept (Connection.info, see _DayTotals).
_TOTALS_KEY = "settlement.day_totals"


class DayLimitExceeded(Exception):
    """An import would take a vendor-day beyond the per-day plausibility bound.

    Raised inside the import's database transaction, so that nothing of the import is stored;
    `problems` name the vendor, the day and the file, for the caller to report.
    """

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class StoredNote:
    """A source's warning about one vendor-day."""

    source: str
    ref: str
    message: str


@dataclass
class ImportResult:
    """What one import changed: receipts stored, how many replaced an earlier version, days touched."""

    receipts: int = 0
    lines: int = 0
    replaced: int = 0
    days: set[date] = field(default_factory=set)


def _utc(moment):
    """Databases without time zones (SQLite) hand back naive UTC; make it aware again."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _row(line: SaleLine) -> dict[str, object]:
    return {
        "vendor": line.vendor,
        "source": line.source,
        "receipt_id": line.receipt_id,
        "timestamp": line.timestamp.astimezone(timezone.utc),
        "business_day": line.business_day,
        "type": line.type,
        "code": line.code,
        "fallback_code": line.fallback_code,
        "vat_code": line.vat_code,
        "amount": line.amount,
        "vat": line.vat,
        "origin": line.origin,
        "discount": line.discount,
    }


_COLUMNS = ("vendor", "source", "receipt_id", "timestamp", "business_day", "type", "code", "fallback_code",
            "vat_code", "amount", "vat", "origin", "discount")
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class _Writer:
    """Inserts lines through the database driver's executemany on plain tuples.

    SQLAlchemy's insert() builds and processes a dict per row, which made storing a large import
    slower than reading it. Values go through the same bind processors SQLAlchemy would apply
    (e.g. SQLite's text format for dates), so the stored rows are identical.
    """

    def __init__(self, connection: Connection, mark: str):
        dialect = connection.dialect
        self.stamp = _LINES.c.timestamp.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
        self.day = _LINES.c.business_day.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
        self.mark = mark
        self.insert_sql = (
            f"INSERT INTO {_LINES.name} ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))})"
        )

    @classmethod
    def of(cls, connection: Connection) -> "_Writer | None":
        """A writer for the connection's driver, or None when its parameter style is not plain."""
        mark = _MARKS.get(connection.dialect.paramstyle)
        return cls(connection, mark) if mark else None

    def any_stored(self, connection: Connection, vendor: str, source: str, receipt_ids: Sequence[str]) -> bool:
        """Whether any of the receipts has lines stored already (uses ix_sale_line_receipt)."""
        marks = ", ".join([self.mark] * len(receipt_ids))
        sql = (f"SELECT 1 FROM {_LINES.name} WHERE vendor = {self.mark} AND source = {self.mark} "
               f"AND receipt_id IN ({marks}) LIMIT 1")
        return connection.exec_driver_sql(sql, (vendor, source, *receipt_ids)).first() is not None

    def insert(self, connection: Connection, lines: Sequence[SaleLine]) -> None:
        if len(lines) >= _LARGE_WRITE and connection.dialect.name == "sqlite" and not connection.info.get(_CACHE_KEY):
            # SQLite's default page cache (2 MB) spills an import's dirty index pages to the WAL
            # again and again: 1,000,000 lines took 11.5 s to insert, 7 s with this bound cache.
            connection.exec_driver_sql(f"PRAGMA cache_size=-{_IMPORT_CACHE_KIB}")
            connection.info[_CACHE_KEY] = True
        stamp, day, utc = self.stamp, self.day, timezone.utc
        # Lines of one receipt share their timestamp and day objects: convert each once.
        last_moment = last_day = None
        moment_value = day_value = None
        for batch in _chunks(lines, _INSERT_BATCH):
            rows = []
            append = rows.append
            for line in batch:
                if line.timestamp is not last_moment:
                    last_moment = line.timestamp
                    moment_value = stamp(last_moment.astimezone(utc))
                if line.business_day is not last_day:
                    last_day = line.business_day
                    day_value = day(last_day)
                append((line.vendor, line.source, line.receipt_id, moment_value, day_value, line.type, line.code,
                        line.fallback_code, line.vat_code, line.amount, line.vat, line.origin, line.discount))
            connection.exec_driver_sql(self.insert_sql, rows)


class _DayTotals:
    """The absolute line amounts of each vendor-day touched in one database transaction.

    A day's stored total is read once, when the transaction first touches it; after that each
    store call only adds its new lines and subtracts the lines it replaced, so an import written in
    many batches (SAF-T) does not re-read a large day for every batch. Kept in Connection.info
    together with the transaction it belongs to, and started afresh for any other transaction.
    """

    def __init__(self, transaction: object):
        self.transaction = transaction
        self.totals: dict[tuple[str, date], int] = {}

    @classmethod
    def of(cls, connection: Connection) -> "_DayTotals":
        transaction = connection.get_transaction()
        if transaction is None:  # nothing to tie the totals to: read them from the database
            return cls(None)
        held = connection.info.get(_TOTALS_KEY)
        if held is None or held.transaction is not transaction:
            held = connection.info[_TOTALS_KEY] = cls(transaction)
        return held


def _stored_totals(connection: Connection, vendor: str, days: Sequence[date]) -> dict[date, int]:
    """SUM(|amount|) of the vendor's stored lines on each day (days without lines: absent)."""
    c = _LINES.c
    query = (select(c.business_day, func.sum(func.abs(c.amount)))
             .where(c.vendor == vendor, c.business_day.in_(days)).group_by(c.business_day))
    return {day: int(total or 0) for day, total in connection.execute(query)}


class SalesStore:
    """The sales tables behind one engine.

    max_day_ore: the per-day plausibility bound (see the module docstring).
    """

    def __init__(self, engine: Engine, max_day_ore: int = MAX_DAY_ORE):
        self.engine = engine
        self.max_day_ore = max_day_ore

    def replace_receipts(
        self, vendor: str, source: str, lines: Sequence[SaleLine], connection: Connection | None = None,
        file: str | None = None,
    ) -> ImportResult:
        """Store lines, replacing every earlier version of the receipts they belong to, atomically.

        Pass `connection` to make this part of a larger transaction (e.g. with source notes).
        Raises DayLimitExceeded (inside the transaction, so it rolls back) when a vendor-day's
        lines would add up beyond the per-day bound; `file` names the import in its problem
        (default: the file part of the lines' origin).
        """
        if connection is None:
            with self.engine.begin() as conn:
                return self.replace_receipts(vendor, source, lines, conn, file)
        receipt_ids = sorted({line.receipt_id for line in lines})
        result = ImportResult(receipts=len(receipt_ids), lines=len(lines))
        result.days = {line.business_day for line in lines}
        tracked = _DayTotals.of(connection)
        removed: dict[date, int] = {}
        writer = _Writer.of(connection)
        for chunk in _chunks(receipt_ids, _CHUNK):
            if writer is not None and not writer.any_stored(connection, vendor, source, chunk):
                continue  # the common case (new receipts): one indexed probe per chunk, no delete
            where = (_LINES.c.vendor == vendor, _LINES.c.source == source, _LINES.c.receipt_id.in_(chunk))
            old = connection.execute(
                select(_LINES.c.receipt_id, _LINES.c.business_day).where(*where).distinct()
            ).all()
            result.replaced += len({rid for rid, _ in old})
            result.days.update(day for _, day in old)
            if old:
                if any((vendor, day) in tracked.totals for _, day in old):
                    query = (select(_LINES.c.business_day, func.sum(func.abs(_LINES.c.amount)))
                             .where(*where).group_by(_LINES.c.business_day))
                    for day, total in connection.execute(query):
                        removed[day] = removed.get(day, 0) + int(total or 0)
                connection.execute(delete(_LINES).where(*where))
        if writer is not None:
            writer.insert(connection, lines)
        else:
            for batch in _chunks(lines, _INSERT_BATCH):
                connection.execute(_LINES.insert(), [_row(line) for line in batch])
        self._check_days(connection, tracked, vendor, lines, removed, file)
        return result

    def _check_days(self, connection: Connection, tracked: _DayTotals, vendor: str, lines: Sequence[SaleLine],
                    removed: dict[date, int], file: str | None) -> None:
        """Update the transaction's day totals with what was just written; raise DayLimitExceeded
        when one is beyond the bound."""
        added: dict[date, int] = {}
        origin: dict[date, str] = {}
        for line in lines:
            day = line.business_day
            added[day] = added.get(day, 0) + abs(line.amount)
            if day not in origin:
                origin[day] = line.origin
        totals = tracked.totals
        for day, total in removed.items():
            if (vendor, day) in totals:
                totals[vendor, day] -= total
        unread = []
        for day, total in added.items():
            if (vendor, day) in totals:
                totals[vendor, day] += total
            elif total > self.max_day_ore:
                totals[vendor, day] = total  # beyond the bound already; no need to ask the database
            else:
                unread.append(day)
        for chunk in _chunks(sorted(unread), _CHUNK):
            stored = _stored_totals(connection, vendor, chunk)  # the lines just written included
            for day in chunk:
                totals[vendor, day] = stored.get(day, 0)
        over = sorted(day for day in added if totals[vendor, day] > self.max_day_ore)
        if over:
            raise DayLimitExceeded([
                error(
                    f"vendor {vendor}, business day {day}: the lines would add up to "
                    f"{format_nok(totals[vendor, day])} NOK (sales, payments and the rest, each counted "
                    f"positive), more than the plausible bound of {format_nok(self.max_day_ore)} NOK per day "
                    "(SETTLEMENT_MAX_DAY_AMOUNT); nothing imported from this file",
                    file=file or origin[day].rpartition(":")[0] or origin[day], ref=vendor,
                )
                for day in over
            ])

    def replace_notes(
        self,
        vendor: str,
        source: str,
        days: Iterable[date],
        notes: Iterable[tuple[date, str, str]],
        connection: Connection | None = None,
    ) -> None:
        """Replace a source's notes for the given days with (day, ref, message) notes."""
        if connection is None:
            with self.engine.begin() as conn:
                return self.replace_notes(vendor, source, days, notes, conn)
        days = sorted(set(days))
        if days:
            connection.execute(
                delete(_NOTES).where(_NOTES.c.vendor == vendor, _NOTES.c.source == source, _NOTES.c.business_day.in_(days))
            )
        rows = [
            {"vendor": vendor, "business_day": day, "source": source, "ref": ref, "message": message}
            for day, ref, message in notes
        ]
        if rows:
            connection.execute(_NOTES.insert(), rows)
        return None

    def replace_notes_by_ref(self, vendor: str, source: str, refs: Iterable[str],
                             notes: Iterable[tuple[date, str, str]], connection: Connection) -> None:
        """Replace a source's notes of the given refs (e.g. the webshop orders a sync read again)."""
        refs = sorted(set(refs))
        for chunk in _chunks(refs, _CHUNK):
            connection.execute(delete(_NOTES).where(_NOTES.c.vendor == vendor, _NOTES.c.source == source,
                                                    _NOTES.c.ref.in_(chunk)))
        rows = [{"vendor": vendor, "business_day": day, "source": source, "ref": ref, "message": message}
                for day, ref, message in notes]
        if rows:
            connection.execute(_NOTES.insert(), rows)

    def summary(self, vendor: str, day: date) -> list[SummaryRow]:
        """The vendor-day's lines added up by (type, code, VAT code), with the receipts behind each."""
        c = _LINES.c
        query = (
            select(
                c.type, c.code, c.fallback_code, c.vat_code, func.sum(c.amount), func.sum(c.vat), func.count(),
                func.aggregate_strings(c.receipt_id, _SEP),
            )
            .where(c.vendor == vendor, c.business_day == day)
            .group_by(c.type, c.code, c.fallback_code, c.vat_code)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return sorted(
            (
                SummaryRow(t, code, fallback, vat_code, int(amount), int(vat), int(n), tuple(sorted(set(refs.split(_SEP)))))
                for t, code, fallback, vat_code, amount, vat, n, refs in rows
            ),
            key=summary_sort_key,
        )

    def lines(self, vendor: str, day: date) -> list[SaleLine]:
        """Every stored line of a vendor-day, in time order."""
        c = _LINES.c
        query = select(_LINES).where(c.vendor == vendor, c.business_day == day).order_by(c.timestamp, c.id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            SaleLine(
                r["vendor"], r["source"], r["receipt_id"], _utc(r["timestamp"]),
                r["business_day"], r["type"], r["code"], r["vat_code"], r["amount"], r["vat"], r["origin"],
                r["fallback_code"], r["discount"],
            )
            for r in rows
        ]

    def days_with_sales(self, vendor: str) -> list[date]:
        """Every business day that has stored lines for the vendor, oldest first."""
        c = _LINES.c
        query = select(c.business_day).where(c.vendor == vendor).distinct().order_by(c.business_day)
        with self.engine.connect() as conn:
            return [day for (day,) in conn.execute(query)]

    def notes(self, vendor: str, day: date) -> list[StoredNote]:
        """The sources' warnings about a vendor-day."""
        c = _NOTES.c
        query = select(c.source, c.ref, c.message).where(c.vendor == vendor, c.business_day == day).order_by(c.id)
        with self.engine.connect() as conn:
            return [StoredNote(*row) for row in conn.execute(query)]
