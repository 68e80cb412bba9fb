"""The registers' end-of-day reports (Z reports) the sources read, per register and business day.

Kept so that settling can tell a day the registers themselves say had no sales from a day whose
data is missing (settlement.domain.closings). A source's closing of a register-day is replaced
whenever that source imports the register's day again, so a corrected export replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Optional

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, Index, SQLModel

from settlement.domain.closings import RegisterClosing


class RegisterClosingRow(SQLModel, table=True):
    """One register's Z report(s) of one business day, as a source's import found them."""

    __tablename__ = "register_closing"
    __table_args__ = (Index("ix_register_closing_day", "vendor", "business_day"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    vendor: str = Field(max_length=64)
    business_day: date
    source: str = Field(max_length=32)
    company: str = Field(default="", max_length=64)
    register_id: str = Field(max_length=64)
    reports: str = Field(default="", max_length=512)  # the Z reports' numbers, '+'-joined
    empty: bool = False


_TABLE = RegisterClosingRow.__table__
_CHUNK = 200


def replace_closings(connection: Connection, vendor: str, source: str, closings: Iterable[RegisterClosing]) -> None:
    """Replace the source's closings of each register-day in `closings` (the register-days an
    import covered; one without reports only clears what was there)."""
    closings = list(closings)
    keys = sorted({(x.day, x.company, x.register) for x in closings})
    c = _TABLE.c
    for start in range(0, len(keys), _CHUNK):
        chosen = [and_(c.business_day == day, c.company == company, c.register_id == register)
                  for day, company, register in keys[start:start + _CHUNK]]
        connection.execute(delete(_TABLE).where(c.vendor == vendor, c.source == source, or_(*chosen)))
    rows = [{"vendor": vendor, "business_day": x.day, "source": source, "company": x.company[:64],
             "register_id": x.register[:64], "reports": "+".join(x.reports)[:512], "empty": x.empty}
            for x in closings if x.reports]
    if rows:
        connection.execute(_TABLE.insert(), rows)


def closings_for(engine: Engine, vendor: str, day: date) -> list[RegisterClosing]:
    """Every register closing the sources recorded for a vendor-day."""
    c = _TABLE.c
    query = select(_TABLE).where(c.vendor == vendor, c.business_day == day).order_by(c.company, c.register_id, c.id)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [RegisterClosing(r["business_day"], r["company"], r["register_id"], tuple(r["reports"].split("+")), r["empty"])
            for r in rows]
