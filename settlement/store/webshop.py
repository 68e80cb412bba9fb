"""Webshop tables: the per-day list of webshop orders and refunds, and the sync cursor per vendor.

The order list documents a day's webshop sales (the posting attaches it) and remembers which
orders were booked, so that a later change (cancelled, refund deleted) can withdraw them again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Optional

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, Index, SQLModel

from settlement.store.tables import SaleLineRow


class WebshopOrderRow(SQLModel, table=True):
    """One webshop order or refund on the business day it was booked on.

    counts: the order (still) counts as a sale; False once it was withdrawn (e.g. cancelled).
    in_sales: its lines are in the sales store (False when the vendor's POS books webshop orders).
    """

    __tablename__ = "webshop_order"
    __table_args__ = (
        Index("ix_webshop_order_day", "vendor", "business_day"),
        Index("ix_webshop_order_key", "vendor", "kind", "woo_id", unique=True),
        Index("ix_webshop_order_order", "vendor", "order_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    vendor: str = Field(max_length=64)
    kind: str = Field(max_length=8)
    woo_id: int
    order_id: int
    number: str = Field(max_length=64)
    business_day: date
    time: datetime
    amount: int
    payment_method: str = Field(max_length=64)
    status: str = Field(max_length=32)
    counts: bool = True
    in_sales: bool = True


class WooSyncCursorRow(SQLModel, table=True):
    """Where the last successful sync of a vendor's shop stopped: the newest `date_modified_gmt` seen."""

    __tablename__ = "woo_sync_cursor"

    vendor: str = Field(primary_key=True, max_length=64)
    modified_gmt: str = Field(max_length=32)


_ORDERS = WebshopOrderRow.__table__
_CURSOR = WooSyncCursorRow.__table__
_LINES = SaleLineRow.__table__


@dataclass(frozen=True, slots=True)
class WebshopOrder:
    """A row of a day's webshop order list. amount: øre (refunds negative); time: UTC."""

    kind: str
    woo_id: int
    order_id: int
    number: str
    business_day: date
    time: datetime
    amount: int
    payment_method: str
    status: str
    counts: bool
    in_sales: bool


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC; make it aware again."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _row(mapping) -> WebshopOrder:
    return WebshopOrder(
        mapping["kind"], mapping["woo_id"], mapping["order_id"], mapping["number"], mapping["business_day"],
        _utc(mapping["time"]), mapping["amount"], mapping["payment_method"],
        mapping["status"], bool(mapping["counts"]), bool(mapping["in_sales"]),
    )


def webshop_orders(engine: Engine, vendor: str, day: date, *, include_withdrawn: bool = False) -> list[WebshopOrder]:
    """The webshop orders and refunds booked on a vendor's business day, in time order.

    Withdrawn orders (counted once, since cancelled) only with `include_withdrawn`."""
    with engine.connect() as conn:
        return orders_on(conn, vendor, day, include_withdrawn=include_withdrawn)


def orders_on(conn: Connection, vendor: str, day: date, *, include_withdrawn: bool = False) -> list[WebshopOrder]:
    """`webshop_orders` inside an open connection (e.g. the sync's transaction)."""
    c = _ORDERS.c
    query = select(_ORDERS).where(c.vendor == vendor, c.business_day == day)
    if not include_withdrawn:
        query = query.where(c.counts.is_(True))
    return [_row(m) for m in conn.execute(query.order_by(c.time, c.kind, c.woo_id)).mappings()]


def stored_entries(conn: Connection, vendor: str, order_ids: Iterable[int]) -> list[WebshopOrder]:
    """Every stored entry (orders and refunds) of the given orders."""
    ids = sorted(set(order_ids))
    found: list[WebshopOrder] = []
    for start in range(0, len(ids), 500):
        query = select(_ORDERS).where(_ORDERS.c.vendor == vendor, _ORDERS.c.order_id.in_(ids[start : start + 500]))
        found.extend(_row(m) for m in conn.execute(query).mappings())
    return found


def save_entry(conn: Connection, vendor: str, entry: WebshopOrder) -> None:
    """Insert or replace the entry with the same (vendor, kind, woo_id)."""
    c = _ORDERS.c
    conn.execute(delete(_ORDERS).where(c.vendor == vendor, c.kind == entry.kind, c.woo_id == entry.woo_id))
    conn.execute(
        _ORDERS.insert(),
        {
            "vendor": vendor, "kind": entry.kind, "woo_id": entry.woo_id, "order_id": entry.order_id,
            "number": entry.number, "business_day": entry.business_day,
            "time": entry.time.astimezone(timezone.utc), "amount": entry.amount,
            "payment_method": entry.payment_method, "status": entry.status, "counts": entry.counts,
            "in_sales": entry.in_sales,
        },
    )


def delete_entry(conn: Connection, vendor: str, kind: str, woo_id: int) -> None:
    c = _ORDERS.c
    conn.execute(delete(_ORDERS).where(c.vendor == vendor, c.kind == kind, c.woo_id == woo_id))


def withdrawn_orders(conn: Connection, vendor: str, day: date) -> list[WebshopOrder]:
    """Orders booked on the day once that no longer count (their sales were removed)."""
    c = _ORDERS.c
    query = select(_ORDERS).where(c.vendor == vendor, c.business_day == day, c.kind == "order", c.counts.is_(False))
    return [_row(m) for m in conn.execute(query.order_by(c.time)).mappings()]


def withdraw_receipts(conn: Connection, vendor: str, source: str, receipt_ids: Iterable[str]) -> set[date]:
    """Delete the stored sale lines of receipts that no longer count; returns the days they were on."""
    ids = sorted(set(receipt_ids))
    days: set[date] = set()
    c = _LINES.c
    for start in range(0, len(ids), 500):
        where = (c.vendor == vendor, c.source == source, c.receipt_id.in_(ids[start : start + 500]))
        days.update(day for (day,) in conn.execute(select(c.business_day).where(*where).distinct()))
        conn.execute(delete(_LINES).where(*where))
    return days


def other_source_lines_mentioning(
    conn: Connection, vendor: str, source: str, text: str, day: date, *, days_around: int = 1
) -> list[tuple[str, str, str, date]]:
    """(source, receipt_id, origin, day) of lines from sources other than `source` within
    `days_around` days of `day` whose receipt id or origin contains `text` (a coarse SQL filter;
    the caller applies its exact rule)."""
    c = _LINES.c
    pattern = f"%{_escape_like(text)}%"
    query = (
        select(c.source, c.receipt_id, c.origin, c.business_day)
        .where(
            c.vendor == vendor, c.source != source,
            c.business_day >= day - timedelta(days=days_around), c.business_day <= day + timedelta(days=days_around),
            or_(c.receipt_id.like(pattern, escape="\\"), c.origin.like(pattern, escape="\\")),
        )
        .distinct()
    )
    return [tuple(row) for row in conn.execute(query)]


def _escape_like(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


def read_cursor(engine: Engine, vendor: str) -> str | None:
    """The newest `date_modified_gmt` (ISO, UTC) seen by the last successful sync, if any."""
    with engine.connect() as conn:
        return conn.execute(select(_CURSOR.c.modified_gmt).where(_CURSOR.c.vendor == vendor)).scalar_one_or_none()


def save_cursor(conn: Connection, vendor: str, modified_gmt: str) -> None:
    conn.execute(delete(_CURSOR).where(_CURSOR.c.vendor == vendor))
    conn.execute(_CURSOR.insert(), {"vendor": vendor, "modified_gmt": modified_gmt})
