"""Syncing a sandbox shop into the store end to end: incremental, refunds, status changes, POS overlap."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from settlement.domain.sales import SaleLine
from settlement.sources.woocommerce.client import WooError
from settlement.sources.woocommerce.sync import sync_vendor
from settlement.store import SalesStore
from settlement.store.tables import SaleLineRow
from settlement.store.webshop import read_cursor, webshop_orders
from settlement.woo_sandbox import Item, utc
from tests.fixtures_woo import woo_client, woo_vendor

NOV2, NOV3, NOV5 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 5)


def receipts(engine, day):
    """{receipt id: [(type, code, vat code, amount, vat)]} of a stored day."""
    found: dict[str, list] = {}
    for line in SalesStore(engine).lines("nettbutikk", day):
        found.setdefault(line.receipt_id, []).append((line.type, line.code, line.vat_code, line.amount, line.vat))
    return {k: sorted(v) for k, v in found.items()}


def line_count(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(SaleLineRow)).scalar_one()


def test_incremental_sync_picks_up_a_status_change_and_a_refund_without_duplicates(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url)
    client = woo_client(woo_shop)
    paid = woo_shop.add_order([Item("Kaffe", "125.00", 2)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9, 1),
                              shipping=("flat_rate", "79.00", "25"), payment_method="vipps")
    waiting = woo_shop.add_order([Item("Te", "60.00", 1)], created=utc(2026, 11, 2, 10), payment_method="bacs")

    first = sync_vendor(woo_engine, vendor, client)
    assert first.stored and first.problems == [] and first.webshop.orders_read == 2 and first.webshop.orders_booked == 1
    assert receipts(woo_engine, NOV2) == {f"order-{paid}": [
        ("payment", "vipps", None, 34875, 0), ("sale", "standard", "3", 25000, 5000),
        ("shipping", "flat_rate", "3", 9875, 1975),
    ]}
    assert read_cursor(woo_engine, "nettbutikk") == "2026-11-02T10:00:00"

    # Next day the bank transfer arrives; two days later one coffee is refunded.
    woo_shop.set_status(waiting, "processing", at=utc(2026, 11, 3, 8))
    refund = woo_shop.add_refund(paid, utc(2026, 11, 5, 14), items=[(0, 1)], reason="knust")
    second = sync_vendor(woo_engine, vendor, client)
    last_list = [r for r in woo_shop.requests if r.path.endswith("/orders")][-1]
    assert last_list.params["modified_after"] == "2026-11-02T09:59:00" and last_list.params["dates_are_gmt"] == "true"
    assert second.webshop.orders_read == 2 and second.webshop.orders_booked == 2 and second.webshop.refunds_booked == 1
    assert second.days == {NOV2, NOV3, NOV5}
    assert receipts(woo_engine, NOV3) == {f"order-{waiting}": [
        ("payment", "bacs", None, 6000, 0), ("sale", "standard", "3", 6000, 1200),
    ]}
    assert receipts(woo_engine, NOV5) == {f"refund-{refund}": [
        ("payment", "vipps", None, -12500, 0), ("return", "standard", "3", -12500, -2500),
    ]}
    assert len(receipts(woo_engine, NOV2)[f"order-{paid}"]) == 3

    # A third run re-reads only the order inside the cursor overlap and changes nothing; forcing
    # a full re-read duplicates nothing either.
    before = line_count(woo_engine)
    third = sync_vendor(woo_engine, vendor, client)
    assert third.webshop.orders_read == 1 and line_count(woo_engine) == before
    again = sync_vendor(woo_engine, vendor, client, since=date(2026, 11, 1))
    assert again.webshop.orders_read == 2 and line_count(woo_engine) == before == 3 + 2 + 2
    assert [(o.kind, o.number, o.amount, o.payment_method) for o in webshop_orders(woo_engine, "nettbutikk", NOV5)] == [
        ("refund", str(paid), -12500, "vipps")
    ]
    day2 = webshop_orders(woo_engine, "nettbutikk", NOV2)
    assert [(o.number, o.time, o.amount, o.status) for o in day2] == [
        (str(paid), datetime(2026, 11, 2, 9, 1, tzinfo=timezone.utc), 34875, "processing")
    ]


def test_trigger_completed_books_on_the_completion_day(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url, trigger_status="completed")
    client = woo_client(woo_shop)
    order = woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    assert sync_vendor(woo_engine, vendor, client).webshop.orders_booked == 0
    assert line_count(woo_engine) == 0
    woo_shop.set_status(order, "completed", at=utc(2026, 11, 3, 15))
    report = sync_vendor(woo_engine, vendor, client)
    assert report.webshop.orders_booked == 1 and report.days == {NOV3}
    assert f"order-{order}" in receipts(woo_engine, NOV3)


def test_an_order_cancelled_after_import_is_withdrawn_with_a_warning(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url)
    client = woo_client(woo_shop)
    keep = woo_shop.add_order([Item("Te", "60.00", 1)], created=utc(2026, 11, 2, 8), paid=utc(2026, 11, 2, 8))
    cancel = woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    sync_vendor(woo_engine, vendor, client)
    assert set(receipts(woo_engine, NOV2)) == {f"order-{keep}", f"order-{cancel}"}

    woo_shop.set_status(cancel, "cancelled", at=utc(2026, 11, 4, 10))
    report = sync_vendor(woo_engine, vendor, client)
    assert report.webshop.withdrawn == [str(cancel)]
    assert set(receipts(woo_engine, NOV2)) == {f"order-{keep}"}
    assert [o.number for o in webshop_orders(woo_engine, "nettbutikk", NOV2)] == [str(keep)]
    withdrawn = [o for o in webshop_orders(woo_engine, "nettbutikk", NOV2, include_withdrawn=True) if not o.counts]
    assert [(o.number, o.status) for o in withdrawn] == [(str(cancel), "cancelled")]
    notes = SalesStore(woo_engine).notes("nettbutikk", NOV2)
    assert [(n.source, n.ref) for n in notes] == [("woocommerce", f"order {cancel}")]
    assert f"webshop order {cancel} was booked on 2026-11-02 but is now 'cancelled'" in notes[0].message
    assert [p.message for p in report.problems] == [notes[0].message] and not report.problems[0].is_error


def test_a_deleted_refund_is_withdrawn(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url)
    client = woo_client(woo_shop)
    order = woo_shop.add_order([Item("Kaffe", "100.00", 2)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    refund = woo_shop.add_refund(order, utc(2026, 11, 3, 9), amount="50.00")
    sync_vendor(woo_engine, vendor, client)
    assert receipts(woo_engine, NOV3) == {f"refund-{refund}": [
        ("payment", "stripe", None, -5000, 0), ("return", "standard", "3", -5000, -1000),
    ]}
    woo_shop.delete_refund(order, refund, at=utc(2026, 11, 4, 9))
    sync_vendor(woo_engine, vendor, client)
    assert receipts(woo_engine, NOV3) == {} and webshop_orders(woo_engine, "nettbutikk", NOV3) == []


def test_webshop_via_pos_keeps_only_the_order_list(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url, via_pos=True)
    order = woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9),
                               payment_method="klarna")
    report = sync_vendor(woo_engine, vendor, woo_client(woo_shop))
    assert report.stored and line_count(woo_engine) == 0
    assert [(o.number, o.amount, o.payment_method, o.in_sales) for o in webshop_orders(woo_engine, "nettbutikk", NOV2)] == [
        (str(order), 10000, "klarna", False)
    ]


def test_an_order_also_in_the_pos_data_is_warned_about(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url)
    order = woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    other = woo_shop.add_order([Item("Te", "50.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9, 5))
    pos_line = SaleLine("nettbutikk", "csv", f"WEB-{order}", utc(2026, 11, 2, 15), NOV2, "payment", "card", None,
                        10000, 0, "kasse.csv:7")
    SalesStore(woo_engine).replace_receipts("nettbutikk", "csv", [pos_line])
    report = sync_vendor(woo_engine, vendor, woo_client(woo_shop))
    warnings = [p for p in report.problems if not p.is_error]
    assert len(warnings) == 1 and warnings[0].ref == f"order {order}" and str(other) not in warnings[0].message
    assert (f"webshop order {order} is booked from WooCommerce and also appears in the csv data "
            f"(receipt WEB-{order} on 2026-11-02)") in warnings[0].message
    assert [n.message for n in SalesStore(woo_engine).notes("nettbutikk", NOV2)] == [warnings[0].message]


def test_one_bad_order_means_nothing_is_stored(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url)
    woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 8), paid=utc(2026, 11, 2, 8))
    bad = woo_shop.add_order([Item("Te", "50.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    woo_shop.orders[bad]["total"] = "femti"
    report = sync_vendor(woo_engine, vendor, woo_client(woo_shop))
    assert not report.stored
    assert [str(p) for p in report.problems] == [
        f"{woo_shop.url}/wp-json/wc/v3/orders/{bad}: order {bad}: field 'total' is not numeric: "
        "not an amount: 'femti' (expected a decimal such as 29.35) (column 'total', value 'femti')"
    ]
    assert line_count(woo_engine) == 0 and read_cursor(woo_engine, "nettbutikk") is None
    assert webshop_orders(woo_engine, "nettbutikk", NOV2) == []


def test_a_server_failure_while_reading_refunds_stores_nothing(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url)
    order = woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 8), paid=utc(2026, 11, 2, 8))
    woo_shop.add_refund(order, utc(2026, 11, 3, 8), amount="10.00")
    client = woo_client(woo_shop, retries=1)
    client.orders(None)  # warm up; then the refunds call fails twice (no retries left)
    original = client.refunds

    def failing_refunds(order_id):
        woo_shop.fail_next(500, times=2)
        return original(order_id)

    client.refunds = failing_refunds
    with pytest.raises(WooError, match=rf"/orders/{order}/refunds\?per_page=100&page=1: HTTP 500"):
        sync_vendor(woo_engine, vendor, client)
    assert line_count(woo_engine) == 0 and webshop_orders(woo_engine, "nettbutikk", NOV2) == []


def test_grouping_by_category_reads_the_products(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url, group_by="category")
    woo_shop.add_product(11, ["kaffe"])
    woo_shop.add_product(12, ["te", "drikke"])
    woo_shop.add_order([Item("Kaffe", "100.00", 1, product_id=11), Item("Te", "50.00", 1, product_id=12, rate="15")],
                       created=utc(2026, 11, 2, 8), paid=utc(2026, 11, 2, 8))
    sync_vendor(woo_engine, vendor, woo_client(woo_shop))
    (lines,) = receipts(woo_engine, NOV2).values()
    assert [(t, c, v) for t, c, v, _a, _vat in lines if t == "sale"] == [("sale", "kaffe", "3"), ("sale", "te", "31")]
    assert any(r.path.endswith("/products") and r.params["include"] == "11,12" for r in woo_shop.requests)


def test_pos_data_imported_after_the_sync_is_checked_when_the_notes_are_refreshed(woo_shop, woo_engine):
    from settlement.sources.woocommerce.notes import refresh_notes

    vendor = woo_vendor(woo_shop.url)
    order = woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    assert sync_vendor(woo_engine, vendor, woo_client(woo_shop)).problems == []
    sales = SalesStore(woo_engine)
    pos_line = SaleLine("nettbutikk", "csv", "K-77", utc(2026, 11, 2, 15), NOV2, "payment", "card", None,
                        10000, 0, f"kasse.csv:3 ordre #{order}")
    sales.replace_receipts("nettbutikk", "csv", [pos_line])
    warnings = refresh_notes(woo_engine, vendor, {NOV2})
    assert [w.ref for w in warnings] == [f"order {order}"]
    assert "also appears in the csv data (receipt K-77 on 2026-11-02)" in warnings[0].message
    assert [n.message for n in sales.notes("nettbutikk", NOV2)] == [warnings[0].message]
    # The POS receipt is corrected (no longer mentions the order): the warning goes away again.
    sales.replace_receipts("nettbutikk", "csv", [replace(pos_line, origin="kasse.csv:3")])
    assert refresh_notes(woo_engine, vendor, {NOV2}) == [] and sales.notes("nettbutikk", NOV2) == []
    # Via the POS, the same overlap is expected and not warned about.
    assert refresh_notes(woo_engine, woo_vendor(woo_shop.url, via_pos=True), {NOV2}) == []


def test_refunds_are_booked_on_their_own_day_even_when_the_order_day_is_another_month(woo_shop, woo_engine):
    vendor = woo_vendor(woo_shop.url)
    order = woo_shop.add_order([Item("Kaffe", "100.00", 2)], created=utc(2026, 10, 31, 22, 30), paid=utc(2026, 10, 31, 22, 30))
    first = woo_shop.add_refund(order, utc(2026, 11, 1, 8), items=[(0, 1)])
    second = woo_shop.add_refund(order, utc(2026, 11, 30, 23, 30), amount="20.00")
    report = sync_vendor(woo_engine, vendor, woo_client(woo_shop))
    # Prices are entered with tax: one coffee back is 100,00 with 20,00 VAT.
    # 22:30 UTC on 31 October is 23:30 in Oslo: still October; 23:30 UTC on 30 November is 1 December.
    assert report.days == {date(2026, 10, 31), date(2026, 11, 1), date(2026, 12, 1)}
    assert f"order-{order}" in receipts(woo_engine, date(2026, 10, 31))
    assert receipts(woo_engine, date(2026, 11, 1)) == {f"refund-{first}": [
        ("payment", "stripe", None, -10000, 0), ("return", "standard", "3", -10000, -2000),
    ]}
    assert receipts(woo_engine, date(2026, 12, 1)) == {f"refund-{second}": [
        ("payment", "stripe", None, -2000, 0), ("return", "standard", "3", -2000, -400),
    ]}
    assert [(o.kind, o.amount) for o in webshop_orders(woo_engine, "nettbutikk", date(2026, 12, 1))] == [("refund", -2000)]


@pytest.mark.parametrize("total, price", [
    ("99999999999999999999.00", "99999999999999999999.00"),  # beyond int64 øre
    ("100000001.001", "100000001.001"),  # more decimals, beyond the line bound
])
def test_an_implausible_amount_is_named_and_nothing_is_stored(woo_shop, woo_engine, total, price):
    vendor = woo_vendor(woo_shop.url)
    bad = woo_shop.add_order([Item("Te", "50.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    woo_shop.orders[bad]["total"] = total
    woo_shop.orders[bad]["line_items"][0]["total"] = price
    report = sync_vendor(woo_engine, vendor, woo_client(woo_shop))
    assert not report.stored
    assert any(f"order {bad}" in str(p) and "larger than the plausible bound" in str(p) for p in report.problems), report.problems
    assert line_count(woo_engine) == 0 and read_cursor(woo_engine, "nettbutikk") is None


def test_a_day_beyond_the_plausible_total_stores_nothing(woo_shop, woo_engine):
    """Each order is within the per-line bound; together they take the day beyond the per-day one."""
    vendor = woo_vendor(woo_shop.url)
    for n in range(80):  # 80 × 79 000 000,00, each counted as sale and as payment: beyond 10^10 NOK
        moment = utc(2026, 11, 2, 8 + n // 60, n % 60)
        woo_shop.add_order([Item("Gull", "79000000.00", 1)], created=moment, paid=moment)
    report = sync_vendor(woo_engine, vendor, woo_client(woo_shop))
    assert not report.stored
    assert any("2026-11-02" in str(p) and "nettbutikk" in str(p) for p in report.problems), report.problems
    assert line_count(woo_engine) == 0 and read_cursor(woo_engine, "nettbutikk") is None


def test_the_day_bound_is_the_configured_one(woo_shop, woo_engine):
    """SETTLEMENT_MAX_DAY_AMOUNT reaches the sync: a low bound refuses a day the default allows."""
    vendor = woo_vendor(woo_shop.url)
    woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 8), paid=utc(2026, 11, 2, 8))
    report = sync_vendor(woo_engine, vendor, woo_client(woo_shop), max_day_ore=10_000)
    assert not report.stored and any("2026-11-02" in str(p) for p in report.problems), report.problems
    assert sync_vendor(woo_engine, vendor, woo_client(woo_shop)).stored
