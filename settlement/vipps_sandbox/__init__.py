"""A local Vipps MobilePay Report API for tests and demos (imports only settlement.domain and
settlement.sandbox_kit). See server.py."""

from settlement.vipps_sandbox.ledger import DayResult, Ledgers
from settlement.vipps_sandbox.server import VippsSandbox

__all__ = ["DayResult", "Ledgers", "VippsSandbox"]
