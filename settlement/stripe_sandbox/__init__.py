"""A local Stripe API for tests and the demo: payouts and their balance transactions on 127.0.0.1,
shaped after Stripe's own fixtures (stripe/openapi fixtures3.json): Bearer secret-key auth, cursor
paging (limit, starting_after, has_more), expand[]=data.source, 429 and 5xx faults, a request log."""

from settlement.stripe_sandbox.sandbox import StripeSandbox

__all__ = ["StripeSandbox"]
