"""Business days an import found wrong: the problems that block a vendor-day, per source.

A transaction whose figures are wrong or unmapped blocks its business day instead of the whole
file (settlement.sources.importing): nothing of that day is stored from the file, and the day's
voucher is blocked with these problems (settlement.daily) until the source imports the day again
without them. Like the source notes, a source's blocks on a day are replaced whenever that source
imports the day again: a corrected file (whatever its name) unblocks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, Index, SQLModel

from settlement.domain.problems import Problem


class DayBlockRow(SQLModel, table=True):
    """One problem that blocks a vendor's business day, with where the source found it."""

    __tablename__ = "day_block"
    __table_args__ = (Index("ix_day_block_day", "vendor", "business_day"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    vendor: str = Field(max_length=64)
    business_day: date
    source: str = Field(max_length=32)
    file: str = Field(default="", max_length=512)
    line: Optional[int] = Field(default=None)
    element: str = Field(default="", max_length=128)
    value: Optional[str] = Field(default=None, max_length=256)
    ref: str = Field(default="", max_length=256)
    message: str


@dataclass(frozen=True, slots=True)
class DayBlock:
    """Why a vendor-day is blocked: the source, and the problem as the import reported it."""

    source: str
    problem: Problem


_TABLE = DayBlockRow.__table__


def replace_blocks(connection: Connection, vendor: str, source: str, days: Iterable[date],
                   blocks: dict[date, list[Problem]]) -> None:
    """Replace the source's blocks on `days` (the days an import covered) with `blocks`."""
    days = sorted(set(days) | set(blocks))
    if days:
        connection.execute(delete(_TABLE).where(_TABLE.c.vendor == vendor, _TABLE.c.source == source,
                                                _TABLE.c.business_day.in_(days)))
    rows = [
        {"vendor": vendor, "business_day": day, "source": source, "file": (p.file or "")[:512], "line": p.line,
         "element": (p.column or "")[:128], "value": None if p.value is None else p.value[:256],
         "ref": (p.ref or "")[:256], "message": p.message}
        for day, problems in sorted(blocks.items()) for p in problems
    ]
    if rows:
        connection.execute(_TABLE.insert(), rows)


def replace_blocks_by_ref(connection: Connection, vendor: str, source: str, refs: Iterable[str],
                          blocks: dict[date, list[Problem]]) -> None:
    """Replace the source's blocks of the given refs (the webshop orders a sync read again, on
    whatever day they were) with `blocks`, whose problems name their ref. For sources that read
    changed records rather than whole days."""
    refs = sorted(set(refs))
    for start in range(0, len(refs), 500):
        connection.execute(delete(_TABLE).where(_TABLE.c.vendor == vendor, _TABLE.c.source == source,
                                                _TABLE.c.ref.in_(refs[start:start + 500])))
    replace_blocks(connection, vendor, source, (), blocks)


def blocks_for(engine: Engine, vendor: str, day: date) -> list[DayBlock]:
    """The problems blocking a vendor-day, in the order they were found."""
    c = _TABLE.c
    query = select(_TABLE).where(c.vendor == vendor, c.business_day == day).order_by(c.id)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        DayBlock(r["source"], Problem(r["message"], file=r["file"] or None, line=r["line"], column=r["element"] or None,
                                      value=r["value"], ref=r["ref"] or None))
        for r in rows
    ]


def blocked_days(engine: Engine, vendor: str) -> list[date]:
    """Every business day of the vendor that some source blocked, oldest first."""
    c = _TABLE.c
    query = select(c.business_day).where(c.vendor == vendor).distinct().order_by(c.business_day)
    with engine.connect() as conn:
        return [day for (day,) in conn.execute(query)]
