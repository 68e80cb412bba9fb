"""Per vendor-day posting state and the append-only audit log, in the local store.

Life of a vendor-day: (none) → posting → posted → documented; or blocked (the voucher has errors),
failed (Fiken refused it; attempts counted), empty (no sales: settled with nothing to post), or
correction-failed (the day's data changed after posting and Fiken refused to reverse the posted
version: it stays in Fiken as it was, with its ids, until the reversal succeeds).
`posting` is written and committed *before* a request is sent, so after any crash or unclear
answer the next run knows it must look the key up in Fiken before sending anything again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Optional

from sqlalchemy import BigInteger, select
from sqlalchemy.engine import Engine
from sqlmodel import Field, Index, SQLModel

POSTING, POSTED, DOCUMENTED = "posting", "posted", "documented"
BLOCKED, FAILED, EMPTY = "blocked", "failed", "empty"
CORRECTION_FAILED = "correction-failed"
SETTLED = frozenset({POSTED, DOCUMENTED, EMPTY})
# A day in one of these needs a person (or a later run) before the vendor's later days can go on.
NEEDS_ATTENTION = frozenset({BLOCKED, FAILED, POSTING, CORRECTION_FAILED})


class SettlementDayRow(SQLModel, table=True):
    """Where one vendor-day stands with Fiken."""

    __tablename__ = "settlement_day"

    vendor: str = Field(primary_key=True, max_length=64)
    business_day: date = Field(primary_key=True)
    status: str = Field(max_length=16)
    version: int = 1
    settlement_key: str = Field(default="", max_length=128)
    mode: str = Field(default="journal", max_length=16)
    digest: str = Field(default="", max_length=64)
    # Fiken ids pass 2**31 (transaction 14462737003): 64-bit columns on every database.
    sale_id: Optional[int] = Field(default=None, sa_type=BigInteger)
    transaction_id: Optional[int] = Field(default=None, sa_type=BigInteger)
    journal_entry_id: Optional[int] = Field(default=None, sa_type=BigInteger)
    attachment: str = Field(default="", max_length=512)
    attempts: int = 0
    corrections: int = 0
    reason: str = ""
    updated_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class AuditRow(SQLModel, table=True):
    """One thing done or learned about a posting. Rows are only ever added."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_vendor_day", "vendor", "business_day"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    vendor: str = Field(max_length=64)
    business_day: date
    settlement_key: str = Field(default="", max_length=128)
    action: str = Field(max_length=32)
    detail: str = ""


@dataclass
class DayState:
    """A detached copy of a SettlementDayRow that the settle loop edits and saves."""

    vendor: str
    business_day: date
    status: str = ""
    version: int = 1
    settlement_key: str = ""
    mode: str = "journal"
    digest: str = ""
    sale_id: int | None = None
    transaction_id: int | None = None
    journal_entry_id: int | None = None
    attachment: str = ""
    attempts: int = 0
    corrections: int = 0
    reason: str = ""


_FIELDS = tuple(DayState.__dataclass_fields__)


class PostingState:
    """Reads and writes vendor-day states and audit rows; every write commits at once."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, vendor: str, day: date) -> DayState:
        table = SettlementDayRow.__table__
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table).where(table.c.vendor == vendor, table.c.business_day == day)
            ).mappings().first()
        if row is None:
            return DayState(vendor, day)
        return DayState(**{name: row[name] for name in _FIELDS})

    def all(self, vendor: str | None = None) -> list[DayState]:
        table = SettlementDayRow.__table__
        query = select(table).order_by(table.c.vendor, table.c.business_day)
        if vendor is not None:
            query = query.where(table.c.vendor == vendor)
        with self.engine.connect() as conn:
            return [DayState(**{name: row[name] for name in _FIELDS}) for row in conn.execute(query).mappings()]

    def save(self, state: DayState, action: str, detail: str = "") -> None:
        """Store the state and its audit row in one transaction."""
        table = SettlementDayRow.__table__
        values = {name: getattr(state, name) for name in _FIELDS}
        values["updated_at"] = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            updated = conn.execute(
                table.update()
                .where(table.c.vendor == state.vendor, table.c.business_day == state.business_day)
                .values(**values)
            ).rowcount
            if not updated:
                conn.execute(table.insert().values(**values))
            conn.execute(
                AuditRow.__table__.insert().values(
                    at=datetime.now(timezone.utc), vendor=state.vendor, business_day=state.business_day,
                    settlement_key=state.settlement_key, action=action, detail=detail,
                )
            )

    def audit(self, vendor: str | None = None, day: date | None = None) -> list[AuditRow]:
        table = AuditRow.__table__
        query = select(table).order_by(table.c.id)
        if vendor is not None:
            query = query.where(table.c.vendor == vendor)
        if day is not None:
            query = query.where(table.c.business_day == day)
        with self.engine.connect() as conn:
            return [AuditRow(**row) for row in conn.execute(query).mappings()]
