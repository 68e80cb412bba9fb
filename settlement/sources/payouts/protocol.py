"""The one protocol every payout source implements, for files and for APIs.

A file source reads bytes it is given (a report downloaded from the provider's portal, or taken
from the drop folder); an API source asks the provider for the payouts since a date. Both answer
with a PayoutRead: every payout found, and every problem with its file, line and field. The import
use case stores the payouts of a read without errors, all or nothing, and replaces a payout read
again (its id is its identity), so importing twice never doubles anything.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from settlement.domain.payouts import PayoutRead


class PayoutFileSource(Protocol):
    """A provider's settlement report file format (Vipps XML/CSV/XLSX, Stripe's payout
    reconciliation CSV, Klarna's settlement CSV)."""

    provider: str  # "stripe", "vipps", "klarna"
    name: str  # the format, in messages ("Vipps settlement report XML v3")

    def sniff(self, data: bytes, file: str) -> bool:
        """Whether the bytes look like this format (for files whose format is not said)."""
        ...

    def read(self, data: bytes, file: str) -> PayoutRead:
        """Every payout in the file, or the problems that stop it (file, line, field named)."""
        ...


class PayoutApiSource(Protocol):
    """A provider's API for payouts (Stripe balance transactions, Vipps Report API, Klarna
    Settlements API), reached with a client the wiring builds from settings."""

    provider: str

    def fetch(self, since: date, until: date | None = None) -> PayoutRead:
        """The payouts paid from `since` (inclusive) to `until` (inclusive, default today)."""
        ...
