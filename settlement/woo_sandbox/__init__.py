"""A sandbox WooCommerce shop on 127.0.0.1 for tests and the demo (see server.WooSandbox)."""

from settlement.woo_sandbox.builder import Item
from settlement.woo_sandbox.server import SandboxRequest, WooSandbox, utc

__all__ = ["Item", "SandboxRequest", "WooSandbox", "utc"]
