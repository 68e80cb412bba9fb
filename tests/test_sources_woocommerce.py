"""WooCommerce orders as shops really write them (issue 13), through the real CLI and sandbox shop:
an order in another currency blocks its day unless the vendor converts it (the order's own rate
meta, or a fixed rate file: both amounts shown), untaxed shipping on taxed goods is named or split
on the goods' rates (shipping_vat = "follow_goods"), and a gift card sold with VAT is named."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from settlement.woo_sandbox import Item, utc
from tests.fixtures_woo import WOO_VENDORS_TOML

VENDOR = "nettbutikk"
D1, D2 = date(2026, 11, 2), date(2026, 11, 3)


def sync(workspace, shop, *extra_keys: str) -> subprocess.CompletedProcess:
    """`settlement import woocommerce --vendor nettbutikk` with the vendor's extra vendors.toml keys."""
    text = WOO_VENDORS_TOML.format(url=shop.url, via_pos="false", trigger="processing")
    text = text.replace("woocommerce = ", "\n".join(extra_keys) + ("\n" if extra_keys else "") + "woocommerce = ")
    workspace.write("vendors.toml", text)
    env = workspace.env
    env.update(SETTLEMENT_WOO_NETTBUTIKK_KEY=shop.consumer_key, SETTLEMENT_WOO_NETTBUTIKK_SECRET=shop.consumer_secret,
               SETTLEMENT_SECRETS_DIR=str(workspace.path / "no-secrets-here"))
    return subprocess.run([sys.executable, "-m", "settlement", "import", "woocommerce", "--vendor", VENDOR],
                          cwd=workspace.path, env=env, capture_output=True, text=True, timeout=120)


def in_sek(shop, order_id: int, rate: str | None = None) -> None:
    """Make an order one the shop took in SEK (with the gateway's rate meta when given)."""
    order = shop.orders[order_id]
    order["currency"] = "SEK"
    if rate is not None:
        order["meta_data"] = [{"id": 1, "key": "_wcpay_exchange_rate", "value": rate}]


def payments(app, day: date) -> int:
    return sum(row.amount for row in app.sales.summary(VENDOR, day) if row.type == "payment")


def nok(ore: int, rate: str) -> int:
    return int((Decimal(ore) * Decimal(rate)).quantize(Decimal(1), ROUND_HALF_UP))


def test_an_order_in_sek_blocks_its_day_naming_the_currency(workspace, woo_shop):
    sek = woo_shop.add_order([Item("Kaffe", "100.00")], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    in_sek(woo_shop, sek)
    woo_shop.add_order([Item("Te", "60.00")], created=utc(2026, 11, 2, 10), paid=utc(2026, 11, 2, 10))
    woo_shop.add_order([Item("Kopp", "80.00")], created=utc(2026, 11, 3, 10), paid=utc(2026, 11, 3, 10))

    result = sync(workspace, woo_shop)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"order {sek}: the order is in SEK, but the books are in NOK" in result.stderr
    assert f"{VENDOR}: business day 2026-11-02 blocked by 1 order(s)" in result.stdout
    app = workspace.app()
    assert payments(app, D1) == 6000 and payments(app, D2) == 8000  # the SEK order is not booked as NOK
    voucher = app.voucher(VENDOR, D1)
    assert voucher.blocked and any("SEK" in p.message and p.column == "currency" for p in voucher.errors)
    assert not app.voucher(VENDOR, D2).blocked


def test_the_orders_own_rate_converts_it_and_both_amounts_are_shown(workspace, woo_shop):
    sek = woo_shop.add_order([Item("Kaffe", "100.00"), Item("Bok", "200.00", rate="0")], created=utc(2026, 11, 2, 9),
                             paid=utc(2026, 11, 2, 9))
    in_sek(woo_shop, sek, rate="0.9712")
    result = sync(workspace, woo_shop, 'currency_conversion = {rate_source = "order_meta", meta_key = "_wcpay_exchange_rate"}')
    assert result.returncode == 0, result.stdout + result.stderr

    app = workspace.app()
    assert payments(app, D1) == nok(30000, "0.9712")  # 300,00 SEK
    sales = {row.vat_code: row.amount for row in app.sales.summary(VENDOR, D1) if row.type == "sale"}
    assert sales == {"3": nok(10000, "0.9712"), "5": nok(20000, "0.9712")}  # each line converted on its own
    notes = [n.message for n in app.sales.notes(VENDOR, D1)]
    assert f"order {sek}: SEK 300,00 converted at 0.9712 NOK/SEK (the order's meta _wcpay_exchange_rate): NOK 291,36 booked" in notes
    assert not app.voucher(VENDOR, D1).blocked


def test_a_fixed_rate_file_converts_and_a_missing_rate_blocks(workspace, woo_shop):
    sek = woo_shop.add_order([Item("Kaffe", "100.00")], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    in_sek(woo_shop, sek)
    dkk = woo_shop.add_order([Item("Te", "50.00")], created=utc(2026, 11, 3, 9), paid=utc(2026, 11, 3, 9))
    woo_shop.orders[dkk]["currency"] = "DKK"
    workspace.write("rates.csv", "# fixed rates\nSEK;0,98\n")
    result = sync(workspace, woo_shop, 'currency_conversion = {rate_source = "file", file = "rates.csv"}')
    assert result.returncode == 1
    assert f"order {dkk}: the order is in DKK and cannot be converted: the rate file rates.csv has no rate for DKK" in result.stderr
    app = workspace.app()
    assert payments(app, D1) == 9800
    assert app.voucher(VENDOR, D2).blocked and not app.voucher(VENDOR, D1).blocked


def test_untaxed_shipping_on_taxed_goods_is_named(workspace, woo_shop):
    order = woo_shop.add_order([Item("Kaffe", "100.00")], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9),
                               shipping=("flat_rate", "49.00", "0"))
    result = sync(workspace, woo_shop)
    assert result.returncode == 0, result.stderr
    message = f"order {order}: shipping 'flat_rate' 49,00 carries no tax, but the goods do"
    assert message in result.stderr
    assert any(message in n.message for n in workspace.app().sales.notes(VENDOR, D1))


def test_follow_goods_splits_untaxed_shipping_on_the_goods_rates(workspace, woo_shop):
    order = woo_shop.add_order([Item("Kaffe", "150.00", rate="15"), Item("Kopp", "50.00", rate="25")],
                               created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9), shipping=("flat_rate", "49.00", "0"))
    result = sync(workspace, woo_shop, 'shipping_vat = "follow_goods"')
    assert result.returncode == 0, result.stderr
    app = workspace.app()
    shipping = {row.vat_code: (row.amount, row.vat) for row in app.sales.summary(VENDOR, D1) if row.type == "shipping"}
    # 49,00 split 150:50 → 36,75 at 15 % and 12,25 at 25 %, VAT computed on each part here.
    expected = {"31": (3675, int((Decimal(3675) * 15 / 115).quantize(Decimal(1), ROUND_HALF_UP))),
                "3": (1225, int((Decimal(1225) * 25 / 125).quantize(Decimal(1), ROUND_HALF_UP)))}
    assert shipping == expected
    assert payments(app, D1) == 20000 + 4900
    assert any(f"order {order}: shipping 'flat_rate' 49,00 had no tax; split on the goods' VAT codes" in n.message
               for n in app.sales.notes(VENDOR, D1))
    assert not app.voucher(VENDOR, D1).blocked


def test_a_gift_card_sold_with_vat_is_named(workspace, woo_shop):
    order = woo_shop.add_order([Item("Gavekort 500 kr", "500.00")], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    result = sync(workspace, woo_shop)
    assert result.returncode == 0, result.stderr
    assert f"order {order}: 'Gavekort 500 kr' looks like a gift card but is sold with VAT" in result.stderr


def test_the_webshop_notes_are_golden(workspace, woo_shop):
    from pathlib import Path

    from tests.golden_files import assert_golden

    sek = woo_shop.add_order([Item("Kaffe", "100.00")], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    in_sek(woo_shop, sek, rate="1.0235")
    woo_shop.add_order([Item("Kaffe", "150.00", rate="15"), Item("Gavekort 200", "200.00")],
                       created=utc(2026, 11, 2, 10), paid=utc(2026, 11, 2, 10), shipping=("flat_rate", "49.00", "0"))
    result = sync(workspace, woo_shop, 'currency_conversion = {rate_source = "order_meta", meta_key = "_wcpay_exchange_rate"}',
                  'shipping_vat = "follow_goods"')
    assert result.returncode == 0, result.stderr
    notes = [(n.source, n.ref, n.message.replace(woo_shop.url, "SHOP")) for n in workspace.app().sales.notes(VENDOR, D1)]
    assert_golden(Path(__file__).parent / "golden" / "notes" / "webshop_currency_shipping_giftcard.json", notes)


def test_the_new_vendor_keys_are_checked(tmp_path):
    from settlement.domain.vendors import CurrencyConversion, parse_vendors

    base = WOO_VENDORS_TOML.format(url="https://shop.example", via_pos="false", trigger="processing")
    good = base.replace("woocommerce = ", 'shipping_vat = "follow_goods"\n'
                        'currency_conversion = {rate_source = "file", file = "rates.csv"}\nwoocommerce = ')
    (vendor,), problems = parse_vendors(good, "vendors.toml")
    assert problems == [] and vendor.shipping_vat == "follow_goods"
    assert vendor.currency_conversion == CurrencyConversion("file", file="rates.csv")
    for line, message in (('shipping_vat = "zero"', "key 'shipping_vat'"),
                          ('currency_conversion = {rate_source = "order_meta"}', "with rate_source = 'order_meta' needs meta_key"),
                          ('currency_conversion = {rate_source = "ecb"}', "needs rate_source = one of order_meta, file")):
        _, problems = parse_vendors(base.replace("woocommerce = ", f"{line}\nwoocommerce = "), "vendors.toml")
        assert any(message in p.message and p.line for p in problems), (line, problems)
