"""Klarna payouts: the Settlements API (payouts and their transactions) and the settlement report
CSV. See docs/payouts-klarna.md."""

from settlement.sources.payouts.klarna.api import KlarnaSettlementsApiSource
from settlement.sources.payouts.klarna.client import KlarnaAuthError, KlarnaClient, KlarnaError
from settlement.sources.payouts.klarna.csv_report import KlarnaCsvSource

FILE_SOURCES_KLARNA = [KlarnaCsvSource()]

__all__ = ["FILE_SOURCES_KLARNA", "KlarnaAuthError", "KlarnaClient", "KlarnaCsvSource", "KlarnaError",
           "KlarnaSettlementsApiSource"]
