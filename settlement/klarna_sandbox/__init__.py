"""A local Klarna Settlements API for tests and demos (imports only settlement.domain and
settlement.sandbox_kit). See server.py."""

from settlement.klarna_sandbox.server import KlarnaSandbox
from settlement.klarna_sandbox.state import Settlements

__all__ = ["KlarnaSandbox", "Settlements"]
