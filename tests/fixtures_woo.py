"""Fixtures for the WooCommerce import: a sandbox shop on 127.0.0.1, a vendor pointing at it, a client."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from settlement.sources.woocommerce.client import Credentials, WooClient
from settlement.store import open_engine
from settlement.domain.vendors import Vendor, WooCommerceConfig
from settlement.woo_sandbox import WooSandbox


@pytest.fixture
def woo_shop():
    """A running sandbox shop (stops at the end of the test, or by itself after two minutes)."""
    shop = WooSandbox.start(port=0, max_seconds=120)
    yield shop
    shop.stop()


@pytest.fixture
def woo_engine(tmp_path: Path):
    """An empty store in a temporary SQLite file."""
    return open_engine(f"sqlite:///{tmp_path / 'woo.db'}")


def woo_vendor(url: str, *, via_pos: bool = False, day_start: time = time(0, 0), **config: object) -> Vendor:
    """A vendor whose [woocommerce] table points at `url` (config overrides trigger_status etc.)."""
    return Vendor(
        id="nettbutikk", name="Nettbutikk", timezone="Europe/Oslo", closing_time=time(23, 0), day_start=day_start,
        enabled_since=date(2026, 1, 1), fiken_company="demo-as",
        woocommerce=WooCommerceConfig(url=url, credentials="nettbutikk", **config), webshop_via_pos=via_pos,
    )


def woo_client(shop: WooSandbox, *, secret: str | None = None, **options: object) -> WooClient:
    """A real client for the sandbox; retries wait only milliseconds."""
    options.setdefault("backoff", 0.01)
    return WooClient(shop.url, Credentials(shop.consumer_key, secret or shop.consumer_secret), **options)


WOO_VENDORS_TOML = """
[[vendors]]
id = "nettbutikk"
name = "Nettbutikk"
timezone = "Europe/Oslo"
closing_time = "23:00"
enabled_since = 2026-01-01
fiken_company = "demo-as"
webshop_via_pos = {via_pos}
woocommerce = {{ url = "{url}", credentials = "nettbutikk", trigger_status = "{trigger}" }}
"""


def run_woo_cli(workspace, shop: WooSandbox, *args: str, secret: str | None = None,
                via_pos: bool = False, trigger: str = "processing") -> subprocess.CompletedProcess:
    """Point the workspace's vendors.toml at the shop and run `settlement ARGS` with the key in env."""
    workspace.write("vendors.toml", WOO_VENDORS_TOML.format(url=shop.url, via_pos=str(via_pos).lower(), trigger=trigger))
    env = workspace.env
    env.update(
        SETTLEMENT_WOO_NETTBUTIKK_KEY=shop.consumer_key,
        SETTLEMENT_WOO_NETTBUTIKK_SECRET=secret or shop.consumer_secret,
        SETTLEMENT_SECRETS_DIR=str(workspace.path / "no-secrets-here"),
    )
    return subprocess.run(
        [sys.executable, "-m", "settlement", *args],
        cwd=workspace.path, env=env, capture_output=True, text=True, timeout=120,
    )
