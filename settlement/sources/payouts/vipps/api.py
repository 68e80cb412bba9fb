"""The Vipps Report API as a payout source: the payouts of every ledger the keys may read (or the
ledgers named), from the start of each ledger's funds and fees feeds.

The feed is read from its start on every fetch: the protocol asks for payouts by date, and the feed
has no date filter. A payout is returned when its ledger date (the day Vipps schedules the
transfer) is within [since, until]; entries after the last payout are still open and left out.
"""

from __future__ import annotations

from datetime import date, datetime

from settlement.domain.payouts import PayoutRead
from settlement.domain.problems import Problem
from settlement.sources.payouts.vipps.client import VippsReportClient
from settlement.sources.payouts.vipps.ledger_entries import Entry, payouts_from_feeds
from settlement.sources.payouts.vipps.transactions import OSLO, PROVIDER


class VippsReportApiSource:
    """PayoutApiSource over a VippsReportClient; `ledger_ids` limits it to those ledgers."""

    provider = PROVIDER

    def __init__(self, client: VippsReportClient, ledger_ids: list[str] | None = None) -> None:
        self.client = client
        self.ledger_ids = ledger_ids

    def fetch(self, since: date, until: date | None = None) -> PayoutRead:
        """Raises VippsError (VippsAuthError) when the API cannot be read; data problems are returned."""

        until = until or datetime.now(OSLO).date()
        ledgers = self.client.ledgers()
        if self.ledger_ids is not None:
            ledgers = [ledger for ledger in ledgers if str(ledger.get("ledgerId")) in self.ledger_ids]
        payouts, problems = [], []
        for ledger in ledgers:
            ledger_id = str(ledger.get("ledgerId"))
            funds = [Entry(url, n, item) for url, n, item in self.client.feed(ledger_id, "funds")]
            fees = [Entry(url, n, item) for url, n, item in self.client.feed(ledger_id, "fees")]
            found, found_problems = payouts_from_feeds(ledger, funds, fees)
            problems += found_problems
            payouts += [p for p in found if since <= p.paid_on <= until]
        for payout in payouts:
            problems.extend(payout.consistency_problems())
        problems = _dedupe(problems)
        if any(p.is_error for p in problems):
            return PayoutRead(problems=tuple(problems))
        return PayoutRead(payouts=tuple(payouts), problems=tuple(problems))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
