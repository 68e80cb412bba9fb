"""`settlement import woocommerce` as a user runs it: real CLI subprocess against the sandbox shop."""

from __future__ import annotations

from datetime import date

from settlement.store import SalesStore
from settlement.store.webshop import webshop_orders
from settlement.woo_sandbox import Item, utc
from tests.fixtures_woo import run_woo_cli

NOV2, NOV4 = date(2026, 11, 2), date(2026, 11, 4)


def test_cli_imports_orders_and_then_only_changes(workspace, woo_shop):
    order = woo_shop.add_order([Item("Kaffe", "125.00", 2)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9),
                               shipping=("flat_rate", "79.00", "25"), payment_method="vipps")
    woo_shop.add_order([Item("Te", "60.00", 1)], created=utc(2026, 11, 2, 10))  # pending: not a sale

    first = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        "nettbutikk: read 2 order(s) (all orders); booked 1 order(s) and 0 refund(s); withdrawn 0; "
        "business days: 2026-11-02"
    )
    woo_shop.add_refund(order, utc(2026, 11, 4, 12), items=[(0, 1)])
    second = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk")
    assert second.returncode == 0, second.stderr
    assert "(modified after 2026-11-02T09:59:00 UTC)" in second.stdout and "booked 1 order(s) and 1 refund(s)" in second.stdout

    app = workspace.app()
    sales = SalesStore(app.engine)
    assert sum(l.amount for l in sales.lines("nettbutikk", NOV2) if l.type == "payment") == 34875
    assert sorted((l.type, l.amount) for l in sales.lines("nettbutikk", NOV4)) == [("payment", -12500), ("return", -12500)]
    assert [(o.kind, o.amount) for o in webshop_orders(app.engine, "nettbutikk", NOV4)] == [("refund", -12500)]


def test_cli_reports_an_authentication_failure_and_stores_nothing(workspace, woo_shop):
    woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    result = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk", secret="cs_wrong")
    assert result.returncode == 1
    assert f"error: {woo_shop.url}/wp-json/wc/v3/orders?" in result.stderr
    assert "HTTP 401: woocommerce_rest_authentication_error Consumer key is invalid." in result.stderr
    assert "nettbutikk: nothing imported from WooCommerce" in result.stderr
    assert "cs_wrong" not in result.stderr + result.stdout
    assert SalesStore(workspace.app().engine).days_with_sales("nettbutikk") == []


def test_cli_lists_bad_orders_and_imports_nothing(workspace, woo_shop):
    bad = woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    woo_shop.orders[bad]["line_items"][0]["total_tax"] = None
    woo_shop.orders[bad]["payment_method"] = ""
    result = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk")
    assert result.returncode == 1
    assert (f"{woo_shop.url}/wp-json/wc/v3/orders/{bad}: order {bad}: payment_method is empty, so the payment "
            "cannot be booked (column 'payment_method')") in result.stderr
    assert "nettbutikk: 1 problem(s) in 1 order(s) (all orders); nothing imported" in result.stdout


def test_cli_via_pos_vendor_keeps_the_order_list_only(workspace, woo_shop):
    woo_shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9))
    result = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk", via_pos=True)
    assert result.returncode == 0, result.stderr
    assert "(webshop_via_pos: kept in the order list only, not as sales)" in result.stdout
    app = workspace.app()
    assert SalesStore(app.engine).days_with_sales("nettbutikk") == []
    assert [o.in_sales for o in webshop_orders(app.engine, "nettbutikk", NOV2)] == [False]


def test_the_vendors_example_in_the_docs_loads():
    from pathlib import Path

    from settlement.domain.vendors import parse_vendors

    doc = (Path(__file__).resolve().parents[1] / "docs" / "woocommerce.md").read_text(encoding="utf-8")
    example = doc.split("```toml", 1)[1].split("```", 1)[0]
    vendors, problems = parse_vendors(example, "docs/woocommerce.md")
    assert problems == []
    (vendor,) = vendors
    assert vendor.woocommerce.url == "https://butikk.example.no"
    assert (vendor.woocommerce.credentials, vendor.woocommerce.trigger_status) == ("nettbutikk", "processing")
    assert vendor.webshop_via_pos is False
