"""Pull a vendor's changed WooCommerce orders and refunds and store them in one transaction.

Steps: read everything over HTTP first (orders modified since the cursor, their refunds, product
categories if needed), parse it all, and only if nothing is wrong write sales, the order list,
the source notes and the new cursor together. Any error leaves the store untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.engine import Connection, Engine

from settlement.domain.businessday import day_bounds
from settlement.domain.problems import Problem, warning
from settlement.store.sales_store import DayLimitExceeded
from settlement.domain.sales import SaleLine
from settlement.sources.woocommerce import SOURCE
from settlement.sources.woocommerce.client import WooClient
from settlement.sources.woocommerce.duplicates import mentions_order
from settlement.sources.woocommerce.orders import OrderEntry, ParsedOrder, ParsedRefund, parse_order, parse_refund
from settlement.store import SalesStore
from settlement.store import webshop as store
from settlement.domain.vendors import Vendor

# Re-read a little before the cursor: an order saved in the same second as the last one seen
# would otherwise be missed (modified_after is exclusive). Re-reading an order changes nothing.
CURSOR_OVERLAP = timedelta(seconds=60)


@dataclass
class SyncReport:
    """What a sync read and changed."""

    orders_read: int = 0
    orders_booked: int = 0
    refunds_booked: int = 0
    withdrawn: list[str] = field(default_factory=list)
    days: set[date] = field(default_factory=set)
    modified_after: str | None = None
    cursor: str | None = None
    problems: list[Problem] = field(default_factory=list)
    stored: bool = False


def modified_after_for(vendor: Vendor, cursor: str | None, since: date | None) -> str | None:
    """The GMT `modified_after` to ask for: the start of `since` if given, else the cursor minus
    the overlap, else None (everything)."""
    if since is not None:
        start = day_bounds(since, vendor.tz, vendor.day_start)[0]
        return start.strftime("%Y-%m-%dT%H:%M:%S")
    if cursor:
        moment = datetime.fromisoformat(cursor) - CURSOR_OVERLAP
        return moment.strftime("%Y-%m-%dT%H:%M:%S")
    return None


def _fetch(client: WooClient, vendor: Vendor, modified_after: str | None, report: SyncReport):
    """Read and parse; returns (parsed orders, refunds per order id)."""
    raw = client.orders(modified_after)
    report.orders_read = len(raw)
    categories: dict[int, str] = {}
    if vendor.woocommerce.group_by == "category":
        product_ids = set()
        for _url, order in raw:
            product_ids.update(i.get("product_id") for i in order.get("line_items") or [] if isinstance(i, dict))
        categories = client.product_categories({p for p in product_ids if isinstance(p, int)})
    # An order can appear on two pages if it changes while we page; the last copy wins.
    latest: dict[object, tuple[str, dict]] = {order.get("id"): (url, order) for url, order in raw}
    parsed: list[ParsedOrder] = []
    refunds: dict[int, list[ParsedRefund]] = {}
    for url, order in latest.values():
        result = parse_order(order, vendor, url, categories)
        report.problems.extend(result.problems)
        if not result.order_id:
            continue
        parsed.append(result)
        if result.counts and result.refund_ids:
            refunds[result.order_id] = []
            for refund_url, refund in client.refunds(result.order_id):
                item = parse_refund(refund, result, vendor, refund_url, categories)
                report.problems.extend(item.problems)
                refunds[result.order_id].append(item)
    return parsed, refunds


def sync_vendor(
    engine: Engine, vendor: Vendor, client: WooClient, *, since: date | None = None
) -> SyncReport:
    """Sync one vendor's shop into the store. Problems (errors) mean nothing was stored."""
    assert vendor.woocommerce is not None, "sync_vendor needs a vendor with a [woocommerce] table"
    report = SyncReport()
    cursor = store.read_cursor(engine, vendor.id)
    report.modified_after = modified_after_for(vendor, cursor, since)
    parsed, refunds = _fetch(client, vendor, report.modified_after, report)
    if any(p.is_error for p in report.problems):
        return report
    seen = [p.modified_gmt for p in parsed if p.modified_gmt]
    report.cursor = max(seen + ([cursor] if cursor else [])) if (seen or cursor) else None
    try:
        with engine.begin() as conn:
            _store(conn, engine, vendor, parsed, refunds, report)
            if report.cursor:
                store.save_cursor(conn, vendor.id, report.cursor)
    except DayLimitExceeded as exc:  # rolled back: nothing of this sync is stored, the cursor stays
        report.problems.extend(exc.problems)
        return report
    report.stored = True
    return report


def _entry(entry: OrderEntry, *, counts: bool, in_sales: bool) -> store.WebshopOrder:
    return store.WebshopOrder(
        entry.kind, entry.woo_id, entry.order_id, entry.number, entry.business_day, entry.time, entry.amount,
        entry.payment_method, entry.status, counts, in_sales,
    )


def _store(
    conn: Connection,
    engine: Engine,
    vendor: Vendor,
    parsed: list[ParsedOrder],
    refunds: dict[int, list[ParsedRefund]],
    report: SyncReport,
) -> None:
    in_sales = not vendor.webshop_via_pos
    old = store.stored_entries(conn, vendor.id, [p.order_id for p in parsed])
    old_by_order: dict[int, list[store.WebshopOrder]] = {}
    for entry in old:
        old_by_order.setdefault(entry.order_id, []).append(entry)
        report.days.add(entry.business_day)
    lines: list[SaleLine] = []
    withdraw: list[str] = []
    for order in parsed:
        previous = old_by_order.get(order.order_id, [])
        if not order.counts:
            # Never counted, or counted once and now cancelled/failed/...: it is no sale (any more).
            withdraw.extend(f"{e.kind}-{e.woo_id}" for e in previous)
            for e in previous:
                if e.kind == "order":
                    store.save_entry(conn, vendor.id, replace(e, status=order.status, counts=False, in_sales=False))
                    if e.counts:
                        report.withdrawn.append(order.number)
                else:
                    store.delete_entry(conn, vendor.id, e.kind, e.woo_id)
            continue
        report.orders_booked += 1
        current = [order.entry] + [r.entry for r in refunds.get(order.order_id, []) if r.entry is not None]
        keep = {(e.kind, e.woo_id) for e in current}
        for e in previous:
            if (e.kind, e.woo_id) not in keep:  # a refund deleted in the shop
                store.delete_entry(conn, vendor.id, e.kind, e.woo_id)
                withdraw.append(f"{e.kind}-{e.woo_id}")
        for entry in current:
            store.save_entry(conn, vendor.id, _entry(entry, counts=True, in_sales=in_sales))
            report.days.add(entry.business_day)
        report.refunds_booked += len(current) - 1
        if in_sales:
            lines.extend(order.lines)
            for refund in refunds.get(order.order_id, []):
                lines.extend(refund.lines)
        else:
            withdraw.extend(f"{e.kind}-{e.woo_id}" for e in current)  # in case the setting changed
    report.days |= store.withdraw_receipts(conn, vendor.id, SOURCE, withdraw)
    sales = SalesStore(engine)
    if lines:
        report.days |= sales.replace_receipts(vendor.id, SOURCE, lines, conn).days
    report.problems.extend(_store_notes(conn, sales, vendor, report.days))



def day_notes(conn: Connection, vendor: Vendor, days: set[date]) -> list[tuple[date, str, Problem]]:
    """The webshop warnings of each day, recomputed from the store: orders withdrawn from the day,
    and (unless the POS books webshop orders) orders the POS data mentions too."""
    notes: list[tuple[date, str, Problem]] = []
    for day in sorted(days):
        for entry in store.withdrawn_orders(conn, vendor.id, day):
            ref = f"order {entry.number}"
            notes.append((day, ref, warning(
                f"webshop order {entry.number} was booked on {day} but is now {entry.status!r}; its sale and "
                "refunds were removed from that day (if the day is already posted, correct it in Fiken)",
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
                    f"webshop order {entry.number} is booked from WooCommerce and also appears in the {source} "
                    f"data (receipt {receipt_id} on {line_day}): counted twice? Set webshop_via_pos = true "
                    "if the POS books webshop orders",
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
        return _store_notes(conn, SalesStore(engine), vendor, days)


def _store_notes(conn: Connection, sales: SalesStore, vendor: Vendor, days: set[date]) -> list[Problem]:
    """Store the webshop checks of `days` as this source's notes (replacing earlier ones); returns them."""
    notes = day_notes(conn, vendor, days)
    sales.replace_notes(vendor.id, SOURCE, days, [(day, ref, p.message) for day, ref, p in notes], conn)
    return [p for _day, _ref, p in notes]
