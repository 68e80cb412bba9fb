"""Per vendor-day posting state and the append-only audit log, in the local store.

The states and their rules are settlement.domain.posting_rules (DayStatus, DayState); this module
only keeps them. What the ledger calls a posting (its ids) is stored as `target_ref`, a JSON
object the store does not read, and the booking that was sent as `booking` (JSON, NULL before
anything was sent and for days posted before schema step 4).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import Text, select
from sqlalchemy.engine import Engine
from sqlmodel import Field, Index, SQLModel

from settlement.domain.posting_rules import DayState, DayStatus


class SettlementDayRow(SQLModel, table=True):
    """Where one vendor-day stands with its ledger."""

    __tablename__ = "settlement_day"

    vendor: str = Field(primary_key=True, max_length=64)
    business_day: date = Field(primary_key=True)
    status: str = Field(max_length=16)
    version: int = 1
    settlement_key: str = Field(default="", max_length=128)
    mode: str = Field(default="journal", max_length=16)
    digest: str = Field(default="", max_length=64)
    target: str = Field(default="", max_length=32)
    # JSON: what the ledger calls the posting's parts ({"sale_id": 7300001, "transaction_id": ...}).
    # Kept as text, not numbers: Fiken's ids pass 2**31, other ledgers' ids need not be numbers.
    target_ref: str = Field(default="{}", sa_type=Text)
    # JSON of the booking that was sent (Booking.to_json()); NULL when none was recorded.
    booking: Optional[str] = Field(default=None, sa_type=Text, nullable=True)
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


_FIELDS = tuple(DayState.__dataclass_fields__)
# DayState fields kept as JSON text, and their column names.
_JSON_COLUMNS = {"ref": "target_ref", "booking": "booking"}


def _state(row: Any) -> DayState:
    values = {name: row[name] for name in _FIELDS if name not in _JSON_COLUMNS}
    values["status"] = DayStatus(row["status"])
    values["ref"] = json.loads(row["target_ref"] or "{}")
    values["booking"] = json.loads(row["booking"]) if row["booking"] is not None else None
    return DayState(**values)


def _row(state: DayState) -> dict[str, Any]:
    values = {name: getattr(state, name) for name in _FIELDS if name not in _JSON_COLUMNS}
    # str() of a DayStatus member is its value; the column holds the bare string.
    values["status"] = str(state.status)
    values["target_ref"] = json.dumps(state.ref)
    values["booking"] = json.dumps(state.booking, ensure_ascii=False) if state.booking is not None else None
    return values


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
        return _state(row)

    def all(self, vendor: str | None = None) -> list[DayState]:
        table = SettlementDayRow.__table__
        query = select(table).order_by(table.c.vendor, table.c.business_day)
        if vendor is not None:
            query = query.where(table.c.vendor == vendor)
        with self.engine.connect() as conn:
            return [_state(row) for row in conn.execute(query).mappings()]

    def save(self, state: DayState, action: str, detail: str = "") -> None:
        """Store the state and its audit row in one transaction."""
        table = SettlementDayRow.__table__
        values = _row(state)
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
