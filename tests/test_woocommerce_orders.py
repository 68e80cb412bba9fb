"""Parsing single WooCommerce orders and refunds (pure): amounts, VAT, grouping, statuses, rounding."""

from __future__ import annotations

import copy
import json
import itertools
from datetime import date, time

import pytest

from settlement.sources.woocommerce.amounts import to_ore, vat_code_for_percent
from settlement.sources.woocommerce.duplicates import mentions_order
from settlement.sources.woocommerce.orders import parse_order, parse_refund
from settlement.woo_sandbox.builder import Item, build_lines, woo_dates
from settlement.woo_sandbox.server import utc
from tests.conftest import shared_file
from tests.fixtures_woo import woo_vendor

URL = "https://shop.example/wp-json/wc/v3/orders/"
VENDOR = woo_vendor("https://shop.example")


def order(items, *, status="processing", paid=utc(2026, 11, 2, 12), completed=None, method="vipps",
          shipping=None, fees=(), coupon=None, with_tax=True, order_id=500):
    """An order object computed the way WooCommerce does (the sandbox's builder)."""
    ids = itertools.count(1)
    if coupon:
        items = [Item(**{**i.__dict__, "discount": coupon[1]}) for i in items]
    lines = build_lines(items, shipping, list(fees), coupon[0] if coupon else None, with_tax, lambda: next(ids))
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Oslo")
    return {
        "id": order_id, "number": str(order_id), "status": status, "currency": "NOK",
        "prices_include_tax": with_tax, "payment_method": method,
        **woo_dates("date_created", paid, tz), **woo_dates("date_modified", paid, tz),
        **woo_dates("date_paid", paid, tz), **woo_dates("date_completed", completed, tz),
        **lines, "refunds": [],
    }


def summary(lines):
    return sorted((l.type, l.code, l.vat_code, l.amount, l.vat) for l in lines)


def test_real_documented_orders_balance_to_their_total():
    orders = json.loads(shared_file("webshop/wc-v3-orders-list.json").read_text())
    vendor = woo_vendor("https://example.com", trigger_status="processing")
    by_id = {o["id"]: parse_order(o, vendor, URL + str(o["id"])) for o in orders}

    # 723: completed, no tax: two goods lines, shipping, payment; sums to "39.00".
    no_tax = by_id[723]
    assert no_tax.problems == []
    assert summary(no_tax.lines) == [
        ("payment", "bacs", None, 3900, 0),
        ("sale", "standard", "5", 900, 0),
        ("sale", "standard", "5", 2000, 0),
        ("shipping", "flat_rate:25", "5", 1000, 0),
    ]
    assert sum(l.amount for l in no_tax.lines if l.type != "payment") == to_ore(orders[1]["total"])
    assert no_tax.entry.business_day == date(2017, 3, 21) and no_tax.refund_ids == [726, 724]

    # 727: US state tax 7.5 % is no Norwegian rate: an error naming URL, order and field; the
    # lines still add up to its total "29.35".
    us_tax = by_id[727]
    assert sum(l.amount for l in us_tax.lines if l.type != "payment") == to_ore(orders[0]["total"]) == 2935
    assert [str(p) for p in us_tax.problems] == [
        f"{URL}727: order 727: tax 0,45 on 6,00 is not at a Norwegian VAT rate "
        "(column 'line_items[0].total_tax', value '0,45')",
        f"{URL}727: order 727: tax 0,90 on 12,00 is not at a Norwegian VAT rate "
        "(column 'line_items[1].total_tax', value '0,90')",
    ]


def test_real_documented_refunds_of_order_723():
    orders = json.loads(shared_file("webshop/wc-v3-orders-list.json").read_text())
    refunds = json.loads(shared_file("webshop/wc-v3-order-refunds-list.json").read_text())
    vendor = woo_vendor("https://example.com")
    parsed = parse_order(orders[1], vendor, URL + "723")
    itemized = parse_refund(refunds[1], parsed, vendor, URL + "723/refunds/724")
    assert summary(itemized.lines) == [("payment", "bacs", None, -900, 0), ("return", "standard", "5", -900, 0)]
    # Amount-only refund 726 ("10.00"): split over goods and shipping by their gross (9 + 20 + 10).
    amount_only = parse_refund(refunds[0], parsed, vendor, URL + "723/refunds/726")
    assert summary(amount_only.lines) == [
        ("payment", "bacs", None, -1000, 0),
        ("return", "standard", "5", -744, 0),
        ("shipping", "flat_rate:25", "5", -256, 0),
    ]
    assert amount_only.entry.amount == -1000 and amount_only.entry.business_day == date(2017, 3, 21)


@pytest.mark.parametrize("with_tax", [True, False])
def test_prices_with_and_without_tax_give_gross_lines_and_vat(with_tax):
    parsed = parse_order(
        order([Item("Kaffe", "100.00", 3), Item("Brød", "40.00", 1, rate="15", tax_class="reduced-rate")],
              with_tax=with_tax),
        VENDOR, URL + "500",
    )
    assert parsed.problems == []
    if with_tax:  # 300 incl. 25 % = 60 VAT; 40 incl. 15 % = 5.22 VAT
        expected = [("payment", "vipps", None, 34000, 0), ("sale", "reduced-rate", "31", 4000, 522),
                    ("sale", "standard", "3", 30000, 6000)]
    else:  # 300 + 25 % = 375; 40 + 15 % = 46
        expected = [("payment", "vipps", None, 42100, 0), ("sale", "reduced-rate", "31", 4600, 600),
                    ("sale", "standard", "3", 37500, 7500)]
    assert summary(parsed.lines) == expected
    assert parsed.receipt_id == "order-500" and {l.source for l in parsed.lines} == {"woocommerce"}


def test_fees_coupons_and_shipping_sum_to_the_total():
    raw = order(
        [Item("Kaffe", "125.00", 2), Item("Te", "60.00", 1)],
        shipping=("flat_rate", "79.00", "25"), fees=[("Ekspressgebyr", "20.00", "25"), ("Rabatt", "-10.00", "25")],
        coupon=("HOST10", 10),
    )
    parsed = parse_order(raw, VENDOR, URL + "500")
    assert parsed.problems == []
    assert raw["discount_total"] == "24.80" and raw["total"] == "390.25"
    assert summary(parsed.lines) == [
        ("payment", "vipps", None, 39025, 0),
        ("return", "standard", "3", -1250, -250),  # the negative fee reduces sales
        ("sale", "standard", "3", 2500, 500),  # the fee
        ("sale", "standard", "3", 5400, 1080),  # Te 60 less 10 %
        ("sale", "standard", "3", 22500, 4500),  # Kaffe 2 × 125 less 10 %
        ("shipping", "flat_rate", "3", 9875, 1975),
    ]
    goods = sum(l.amount for l in parsed.lines if l.type != "payment")
    assert goods == to_ore(raw["total"])


def test_more_decimals_are_rounded_half_up_and_the_residual_is_a_rounding_line():
    raw = order([Item("Kaffe", "100.00", 1), Item("Te", "100.00", 1)])
    raw["line_items"][0].update(total="80.0050", total_tax="20.0000")  # 100.005 → 100.01
    raw["line_items"][1].update(total="79.9950", total_tax="20.0000")  # 99.995 → 100.00 (half up: 100.00)
    raw["total"] = "200.0000"
    parsed = parse_order(raw, VENDOR, URL + "500")
    assert parsed.problems == []
    assert summary(parsed.lines) == [
        ("payment", "vipps", None, 20000, 0),
        ("rounding", "", None, -1, 0),
        ("sale", "standard", "3", 10000, 2000),
        ("sale", "standard", "3", 10001, 2000),
    ]
    assert to_ore("99.995") == 10000 and to_ore("-0.005") == -1 and to_ore("12.3449") == 1234


def test_a_gap_larger_than_rounding_is_an_error_naming_the_order():
    raw = order([Item("Kaffe", "100.00", 1)])
    raw["total"] = "150.00"
    parsed = parse_order(raw, VENDOR, URL + "500")
    assert [str(p) for p in parsed.problems] == [
        f"{URL}500: order 500: the lines add up to 100,00 but the total is 150,00 (column 'total', value '150,00')"
    ]


def test_missing_and_non_numeric_fields_are_named():
    raw = order([Item("Kaffe", "100.00", 1)])
    raw["line_items"][0]["total"] = "12,5 kr"
    del raw["total"]
    parsed = parse_order(raw, VENDOR, URL + "500")
    messages = [str(p) for p in parsed.problems]
    assert f"{URL}500: order 500: missing field 'total' (column 'total')" in messages
    assert any("field 'line_items[0].total' is not numeric" in m and "'12,5 kr'" in m for m in messages)


@pytest.mark.parametrize("status", ["pending", "on-hold", "failed", "cancelled", "checkout-draft", "trash"])
def test_unpaid_and_cancelled_statuses_are_never_counted(status):
    parsed = parse_order(order([Item("Kaffe", "100.00", 1)], status=status), VENDOR, URL + "500")
    assert not parsed.counts and parsed.lines == [] and parsed.entry is None and parsed.problems == []


def test_trigger_status_decides_which_orders_count_and_on_which_day():
    # Paid 2 Nov 23:30 Oslo (22:30 UTC), completed 4 Nov.
    raw = order([Item("Kaffe", "100.00", 1)], status="processing", paid=utc(2026, 11, 2, 22, 30))
    on_paid = woo_vendor("https://shop.example", trigger_status="processing")
    on_completed = woo_vendor("https://shop.example", trigger_status="completed")
    assert parse_order(raw, on_paid, URL).entry.business_day == date(2026, 11, 2)
    assert not parse_order(raw, on_completed, URL).counts
    done = {**raw, "status": "completed", **woo_dates("date_completed", utc(2026, 11, 4, 9), __import__("zoneinfo").ZoneInfo("Europe/Oslo"))}
    assert parse_order(done, on_paid, URL).entry.business_day == date(2026, 11, 2)
    assert parse_order(done, on_completed, URL).entry.business_day == date(2026, 11, 4)
    # A late store (day starts 05:00): 02:00 local on 3 Nov belongs to 2 Nov.
    late = woo_vendor("https://shop.example", day_start=time(5, 0))
    night = order([Item("Kaffe", "100.00", 1)], paid=utc(2026, 11, 3, 1))
    assert parse_order(night, late, URL).entry.business_day == date(2026, 11, 2)


def test_grouping_by_sku_prefix_and_category():
    raw = order([Item("Kaffe", "100.00", 1, sku="KA-100", product_id=7), Item("Te", "50.00", 1, sku="TE-9", product_id=8)])
    by_sku = parse_order(raw, woo_vendor("https://s.example", group_by="sku_prefix", sku_prefix_length=2), URL)
    assert sorted(l.code for l in by_sku.lines if l.type == "sale") == ["KA", "TE"]
    by_category = parse_order(raw, woo_vendor("https://s.example", group_by="category"), URL, {7: "kaffe"})
    assert [str(p) for p in by_category.problems] == [
        f"{URL}: order 500: product 8 has no category to group by (column 'line_items[1].product_id', value '8')"
    ]
    missing_sku = copy.deepcopy(raw)
    missing_sku["line_items"][0]["sku"] = None
    problems = parse_order(missing_sku, woo_vendor("https://s.example", group_by="sku_prefix"), URL).problems
    assert "line has no SKU" in str(problems[0]) and problems[0].column == "line_items[0].sku"


def test_vat_code_from_rate_percent_and_unknown_rates():
    day = date(2026, 11, 2)
    assert [vat_code_for_percent(p, day) for p in (25, "15.0000", "12", "0", "11.11")] == ["3", "31", "33", "5", "32"]
    with pytest.raises(ValueError, match="7.5 % is not a Norwegian VAT rate"):
        vat_code_for_percent("7.5", day)


def test_pos_duplicate_rule():
    assert mentions_order("1234", "1234", "")
    assert mentions_order("1234", "WEB-1234", "")
    assert mentions_order("1234", "R-77", "Ordre #1234 hentet i butikk")
    assert not mentions_order("1234", "51234", "")
    assert not mentions_order("1234", "R-1", "sales.csv:1234")  # a line number is no order reference
