"""A faithful local fake of the Tripletex API v2 on 127.0.0.1 (see docs/tripletex-sandbox.md).

Imports only settlement.domain and settlement.sandbox_kit (an import-linter contract)."""

from settlement.tripletex_sandbox.sandbox import TripletexSandbox

__all__ = ["TripletexSandbox"]
