"""Pull a vendor's changed WooCommerce orders and refunds and store them in one transaction.

Steps: read everything over HTTP first (orders modified since the cursor, their refunds, product
categories if needed), parse it all, and only if nothing is wrong write sales, the order list,
the source notes and the new cursor together. Any error leaves the store untouched. The answer is
the import use case's `ImportOutcome` (settlement.sources.importing), with what the shop held in
its `webshop` part.

An order that blocks its day (another currency than NOK without a conversion) is stored like an
order that does not count: its lines and refunds are left out (an earlier version is withdrawn)
and its block is kept in the store under its ref ("order 1234"), so the day's voucher is blocked
while the day's other orders are stored. A sync reads changed orders, not whole days, so blocks
and the orders' own notes (ORDER_NOTES) are replaced per order read again, not per day.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Connection, Engine

from settlement.domain.businessday import day_bounds
from settlement.domain.sales import SaleLine
from settlement.domain.vendors import Vendor
from settlement.sources.importing import ImportOutcome, WebshopSync
from settlement.sources.woocommerce import SOURCE
from settlement.sources.woocommerce.client import WooClient, default_secrets_dir, load_credentials
from settlement.sources.woocommerce.notes import store_notes
from settlement.sources.woocommerce.orders import OrderEntry, ParsedOrder, ParsedRefund, parse_order, parse_refund
from settlement.store import SalesStore
from settlement.store import webshop as store
from settlement.domain.money import MAX_DAY_ORE
from settlement.store.day_blocks import replace_blocks_by_ref
from settlement.store.sales_store import DayLimitExceeded, ImportResult

# Re-read a little before the cursor: an order saved in the same second as the last one seen
# would otherwise be missed (modified_after is exclusive). Re-reading an order changes nothing.
CURSOR_OVERLAP = timedelta(seconds=60)
# The source name of the per-order notes (conversions, VAT sanity); the day checks keep SOURCE.
ORDER_NOTES = f"{SOURCE}-orders"


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


def _fetch(client: WooClient, vendor: Vendor, modified_after: str | None, outcome: ImportOutcome):
    """Read and parse; returns (parsed orders, refunds per order id)."""
    raw = client.orders(modified_after)
    outcome.webshop.orders_read = len(raw)
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
        outcome.found.extend(result.problems)
        if not result.order_id:
            continue
        parsed.append(result)
        if result.counts and result.refund_ids:
            refunds[result.order_id] = []
            for refund_url, refund in client.refunds(result.order_id):
                item = parse_refund(refund, result, vendor, refund_url, categories)
                outcome.found.extend(item.problems)
                refunds[result.order_id].append(item)
    return parsed, refunds


def pull_webshop(engine: Engine, vendor: Vendor, *, since: date | None = None,
                 max_day_ore: int = MAX_DAY_ORE) -> ImportOutcome:
    """Sync the vendor's shop with its configured credentials (`sync_vendor`); raises WooError
    when the shop cannot be read (no credentials, refused, unreachable)."""
    credentials = load_credentials(vendor.woocommerce.credentials, os.environ, default_secrets_dir())
    client = WooClient(vendor.woocommerce.url, credentials)
    try:
        return sync_vendor(engine, vendor, client, since=since, max_day_ore=max_day_ore)
    finally:
        client.close()


def sync_vendor(
    engine: Engine, vendor: Vendor, client: WooClient, *, since: date | None = None, max_day_ore: int = MAX_DAY_ORE,
) -> ImportOutcome:
    """Sync one vendor's shop into the store. Problems (errors) mean nothing was stored.

    max_day_ore: the per-day plausibility bound (SETTLEMENT_MAX_DAY_AMOUNT) the stored days must keep.
    """
    assert vendor.woocommerce is not None, "sync_vendor needs a vendor with a [woocommerce] table"
    outcome = ImportOutcome(vendor.woocommerce.url, SOURCE, webshop=WebshopSync())
    sync = outcome.webshop
    cursor = store.read_cursor(engine, vendor.id)
    sync.modified_after = modified_after_for(vendor, cursor, since)
    parsed, refunds = _fetch(client, vendor, sync.modified_after, outcome)
    if outcome.errors:
        return outcome
    seen = [p.modified_gmt for p in parsed if p.modified_gmt]
    sync.cursor = max(seen + ([cursor] if cursor else [])) if (seen or cursor) else None
    try:
        with engine.begin() as conn:
            _store(conn, SalesStore(engine, max_day_ore), vendor, parsed, refunds, outcome)
            if sync.cursor:
                store.save_cursor(conn, vendor.id, sync.cursor)
    except DayLimitExceeded as exc:  # rolled back: nothing of this sync is stored, the cursor stays
        outcome.vendors.clear()
        outcome.over_limit = exc.problems
        return outcome
    outcome.stored = True
    # Printed with the rest: the errors that block days, and each order's own warnings.
    outcome.found.extend(p for days in outcome.blocked.values() for ps in days.values() for p in ps)
    outcome.found.extend(w for order in parsed if order.counts for w in order.warnings)
    return outcome


def _entry(entry: OrderEntry, *, counts: bool, in_sales: bool) -> store.WebshopOrder:
    return store.WebshopOrder(
        entry.kind, entry.woo_id, entry.order_id, entry.number, entry.business_day, entry.time, entry.amount,
        entry.payment_method, entry.status, counts, in_sales,
    )


def _store(
    conn: Connection,
    sales: SalesStore,
    vendor: Vendor,
    parsed: list[ParsedOrder],
    refunds: dict[int, list[ParsedRefund]],
    outcome: ImportOutcome,
) -> None:
    sync, stored = outcome.webshop, outcome.vendors.setdefault(vendor.id, ImportResult())
    in_sales = not vendor.webshop_via_pos
    old = store.stored_entries(conn, vendor.id, [p.order_id for p in parsed])
    old_by_order: dict[int, list[store.WebshopOrder]] = {}
    for entry in old:
        old_by_order.setdefault(entry.order_id, []).append(entry)
        stored.days.add(entry.business_day)
    lines: list[SaleLine] = []
    withdraw: list[str] = []
    blocked: dict = {}
    order_notes = []
    for order in parsed:
        if order.counts and order.entry is not None:
            order_notes += [(order.entry.business_day, order.ref, p.message) for p in order.warnings]
            for problem in order.blocks:
                blocked.setdefault(order.entry.business_day, []).append(problem)
    replace_blocks_by_ref(conn, vendor.id, SOURCE, [o.ref for o in parsed], blocked)
    sales.replace_notes_by_ref(vendor.id, ORDER_NOTES, [o.ref for o in parsed], order_notes, conn)
    if blocked:
        outcome.blocked[vendor.id] = blocked
        stored.days |= set(blocked)
    for order in parsed:
        previous = old_by_order.get(order.order_id, [])
        if not order.counts or order.blocks:
            # Never counted, or counted once and now cancelled/failed/...: it is no sale (any more).
            withdraw.extend(f"{e.kind}-{e.woo_id}" for e in previous)
            for e in previous:
                if e.kind == "order" and order.blocks:
                    store.delete_entry(conn, vendor.id, e.kind, e.woo_id)  # booked again once it is convertible
                elif e.kind == "order":
                    store.save_entry(conn, vendor.id, replace(e, status=order.status, counts=False, in_sales=False))
                    if e.counts:
                        sync.withdrawn.append(order.number)
                else:
                    store.delete_entry(conn, vendor.id, e.kind, e.woo_id)
            continue
        sync.orders_booked += 1
        current = [order.entry] + [r.entry for r in refunds.get(order.order_id, []) if r.entry is not None]
        keep = {(e.kind, e.woo_id) for e in current}
        for e in previous:
            if (e.kind, e.woo_id) not in keep:  # a refund deleted in the shop
                store.delete_entry(conn, vendor.id, e.kind, e.woo_id)
                withdraw.append(f"{e.kind}-{e.woo_id}")
        for entry in current:
            store.save_entry(conn, vendor.id, _entry(entry, counts=True, in_sales=in_sales))
            stored.days.add(entry.business_day)
        sync.refunds_booked += len(current) - 1
        if in_sales:
            lines.extend(order.lines)
            for refund in refunds.get(order.order_id, []):
                lines.extend(refund.lines)
        else:
            withdraw.extend(f"{e.kind}-{e.woo_id}" for e in current)  # in case the setting changed
    stored.days |= store.withdraw_receipts(conn, vendor.id, SOURCE, withdraw)
    if lines:
        result = sales.replace_receipts(vendor.id, SOURCE, lines, conn)
        stored.receipts, stored.lines, stored.replaced = result.receipts, result.lines, result.replaced
        stored.days |= result.days
    outcome.found.extend(store_notes(conn, sales, vendor, stored.days))
