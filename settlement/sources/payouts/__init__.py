"""Payout sources: the payment providers' settlement reports and APIs, each yielding
settlement.domain.payouts.PayoutRead (see protocol.py)."""
