"""StripeSandbox: the sandbox server in a thread, stopped by stop(), its `with` block, or itself
after max_seconds."""

from __future__ import annotations

from settlement.sandbox_kit.lifetime import SandboxLifetime
from settlement.stripe_sandbox.server import StripeServer
from settlement.stripe_sandbox.state import StripeState

SECRET_KEY = "sk_test_sandbox"


class StripeSandbox(SandboxLifetime):
    """A running Stripe sandbox; `state.add_payout(...)` gives it payouts to report."""

    def __init__(self, port: int = 0, max_seconds: float = 600, secret_key: str = SECRET_KEY,
                 account: str = "acct_sandbox") -> None:
        self.secret_key = secret_key
        self.state = StripeState(account=account)
        self._serve_in_thread(StripeServer(port, self.state, secret_key), max_seconds, "stripe-sandbox")

    @classmethod
    def start(cls, port: int = 0, max_seconds: float = 600, **kwargs) -> "StripeSandbox":
        return cls(port, max_seconds, **kwargs)._launch()
