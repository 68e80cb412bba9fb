"""The webshop's warnings about a vendor-day, made from the store and kept as its notes.

Made again whenever a day changes: by a sync, and after any other source stored sales on it (POS
data imported later may carry the same order numbers: counted twice?).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection, Engine

from settlement.domain.problems import Problem, warning
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor
from settlement.sources.woocommerce import SOURCE
from settlement.sources.woocommerce.duplicates import mentions_order
from settlement.store import SalesStore
from settlement.store import webshop as store


def day_notes(conn: Connection, vendor: Vendor, days: set[date]) -> list[tuple[date, str, Problem]]:
    """The webshop warnings of each day, recomputed from the store: orders withdrawn from the day,
    and (unless the POS books webshop orders) orders the POS data mentions too."""
    notes: list[tuple[date, str, Problem]] = []
    for day in sorted(days):
        for entry in store.withdrawn_orders(conn, vendor.id, day):
            ref = f"order {entry.number}"
            notes.append((day, ref, warning(
                tr("webshop order {number} was booked on {day} but is now {status!r}; its sale and "
                   "refunds were removed from that day (if the day is already posted, correct it in Fiken)",
                   number=entry.number, day=day, status=entry.status),
                ref=ref,
            )))
        if vendor.webshop_via_pos:
            continue
        for entry in store.orders_on(conn, vendor.id, day):
            if entry.kind != "order":
                continue
            hits = [
                (source, receipt_id, line_day)
                for source, receipt_id, origin, line_day in store.other_source_lines_mentioning(
                    conn, vendor.id, SOURCE, entry.number, day
                )
                if mentions_order(entry.number, receipt_id, origin)
            ]
            if hits:
                source, receipt_id, line_day = sorted(hits)[0]
                ref = f"order {entry.number}"
                notes.append((day, ref, warning(
                    tr("webshop order {number} is booked from WooCommerce and also appears in the {source} "
                       "data (receipt {receipt} on {day}): counted twice? Set webshop_via_pos = true "
                       "if the POS books webshop orders", number=entry.number, source=source, receipt=receipt_id,
                       day=line_day),
                    ref=ref,
                )))
    return notes


def refresh_notes(engine: Engine, vendor: Vendor, days: set[date]) -> list[Problem]:
    """Make the webshop checks of `days` again and store them, for when another source changed
    those days after the sync (POS data imported later may carry the same order numbers).
    Returns the warnings now stored; does nothing for a vendor without a shop."""
    if vendor.woocommerce is None or not days:
        return []
    with engine.begin() as conn:
        return store_notes(conn, SalesStore(engine), vendor, days)


def store_notes(conn: Connection, sales: SalesStore, vendor: Vendor, days: set[date]) -> list[Problem]:
    """Store the webshop checks of `days` as this source's notes (replacing earlier ones); returns them."""
    notes = day_notes(conn, vendor, days)
    sales.replace_notes(vendor.id, SOURCE, days, [(day, ref, p.message) for day, ref, p in notes], conn)
    return [p for _day, _ref, p in notes]
