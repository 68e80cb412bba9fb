"""The WooCommerce client against the sandbox shop over real HTTP: paging, auth, retries, bad answers."""

from __future__ import annotations

import pytest

from settlement.sources.woocommerce.client import (
    Credentials, WooClient, WooError, check_url, default_secrets_dir, load_credentials,
)
from settlement.woo_sandbox import Item, utc
from tests.fixtures_woo import woo_client


def add_orders(shop, count):
    return [
        shop.add_order([Item("Kaffe", "100.00", 1)], created=utc(2026, 11, 2, 8), paid=utc(2026, 11, 2, 8, 0, n % 60))
        for n in range(count)
    ]


def test_pagination_reads_every_page_with_100_per_page(woo_shop):
    ids = add_orders(woo_shop, 230)
    orders = woo_client(woo_shop).orders(None)
    assert sorted(o["id"] for _url, o in orders) == sorted(ids)
    pages = [r.params for r in woo_shop.requests if r.path.endswith("/orders")]
    assert [(p["page"], p["per_page"]) for p in pages] == [("1", "100"), ("2", "100"), ("3", "100")]
    assert all(r.authorized for r in woo_shop.requests)
    assert orders[0][0] == f"{woo_shop.url}/wp-json/wc/v3/orders/{orders[0][1]['id']}"


def test_wrong_secret_is_an_authentication_error_naming_the_url(woo_shop):
    add_orders(woo_shop, 1)
    with pytest.raises(WooError) as failure:
        woo_client(woo_shop, secret="cs_wrong").orders(None)
    message = str(failure.value)
    assert message.startswith(f"{woo_shop.url}/wp-json/wc/v3/orders?")
    assert "HTTP 401: woocommerce_rest_authentication_error Consumer key is invalid." in message
    assert "check the consumer key and secret" in message
    assert len(woo_shop.requests) == 1  # a 401 is not retried


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried(woo_shop, status):
    add_orders(woo_shop, 3)
    woo_shop.fail_next(status, times=2, retry_after=0 if status == 429 else None)
    waits = []
    orders = woo_client(woo_shop, sleep=waits.append).orders(None)
    assert len(orders) == 3
    assert len(woo_shop.requests) == 3
    assert waits == ([0.0, 0.0] if status == 429 else [0.01, 0.02])  # Retry-After, else exponential backoff


def test_retries_give_up_with_a_clear_error(woo_shop):
    woo_shop.fail_next(502, times=10)
    with pytest.raises(WooError, match=r"/wp-json/wc/v3/orders\?.*: HTTP 502: sandbox_fault injected HTTP 502"):
        woo_client(woo_shop, retries=2, sleep=lambda _s: None).orders(None)
    assert len(woo_shop.requests) == 3


def test_invalid_json_names_the_url(woo_shop):
    order_id = add_orders(woo_shop, 1)[0]
    client = woo_client(woo_shop)
    woo_shop.invalid_json_next()
    with pytest.raises(WooError) as failure:
        client.refunds(order_id)
    assert str(failure.value).startswith(f"{woo_shop.url}/wp-json/wc/v3/orders/{order_id}/refunds?per_page=100&page=1: ")
    assert "the answer is not valid JSON" in str(failure.value)


def test_https_required_except_for_loopback():
    assert check_url("https://shop.example/") == "https://shop.example"
    assert check_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert check_url("http://localhost:8080") == "http://localhost:8080"
    with pytest.raises(WooError, match="must start with https://"):
        check_url("http://shop.example")
    with pytest.raises(WooError):
        WooClient("http://10.0.0.5", Credentials("ck", "cs"))


def test_credentials_from_env_or_secret_files(tmp_path):
    env = {"SETTLEMENT_WOO_MY_SHOP_KEY": "ck_env", "SETTLEMENT_WOO_MY_SHOP_SECRET": "cs_env"}
    assert load_credentials("my-shop", env, None) == Credentials("ck_env", "cs_env")
    (tmp_path / "settlement_woo_my_shop_key").write_text("ck_file\n")
    (tmp_path / "settlement_woo_my_shop_secret").write_text("cs_file\n")
    assert load_credentials("my-shop", {}, tmp_path) == Credentials("ck_file", "cs_file")
    assert "cs_file" not in repr(load_credentials("my-shop", {}, tmp_path))
    with pytest.raises(WooError, match="no consumer key: set SETTLEMENT_WOO_OTHER_KEY"):
        load_credentials("other", {}, tmp_path)
    assert default_secrets_dir({"SETTLEMENT_SECRETS_DIR": str(tmp_path / "missing")}) is None
    assert default_secrets_dir({"SETTLEMENT_SECRETS_DIR": str(tmp_path)}) == tmp_path


def test_sandbox_rejects_more_than_100_per_page(woo_shop):
    client = woo_client(woo_shop)
    with pytest.raises(WooError, match="HTTP 400: rest_invalid_param"):
        client.get("/orders", {"per_page": 101})
