"""Payout sources: the payment providers' settlement reports and APIs, each yielding
settlement.domain.payouts.PayoutRead (see protocol.py).

FILE_SOURCES: the report file formats of each provider, tried in order (by `sniff`) for a file
`settlement import payouts --provider P` is given; a provider's sources are added here.
"""

from __future__ import annotations

from settlement.sources.payouts.protocol import PayoutFileSource
from settlement.sources.payouts.stripe.report_csv import StripeReconciliationCsv

FILE_SOURCES: dict[str, list[PayoutFileSource]] = {
    "stripe": [StripeReconciliationCsv()],
}
