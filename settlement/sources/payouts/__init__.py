"""Payout sources: the payment providers' settlement reports and APIs, each yielding
settlement.domain.payouts.PayoutRead (see protocol.py).

FILE_SOURCES: the report file formats of each provider, tried in order (by `sniff`) for a file
`settlement import payouts --provider P` is given; a provider's sources are added here.
"""

from __future__ import annotations

from settlement.sources.payouts.klarna import FILE_SOURCES_KLARNA
from settlement.sources.payouts.protocol import PayoutFileSource
from settlement.sources.payouts.stripe.report_csv import StripeReconciliationCsv
from settlement.sources.payouts.vipps import FILE_SOURCES_VIPPS

FILE_SOURCES: dict[str, list[PayoutFileSource]] = {
    "stripe": [StripeReconciliationCsv()],
    "vipps": FILE_SOURCES_VIPPS,
    "klarna": FILE_SOURCES_KLARNA,
}
