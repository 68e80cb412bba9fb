"""The payouts page's content: each provider account's clearing account as `settlement payouts
status` tells it (settlement.wiring.payout_statuses, the same figures), and each payout with its
posting state and where the ledger booked it. Read from the store only; nothing here acts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.domain import payout_matching as m
from settlement.domain.text import N_, tr

# The reasons `payouts status` gives (English, as the CLI and its JSON keep them), shown on the page
# in the installed language: the matching's own (marked for the catalog in payout_matching) and
# why a payout is not booked yet (settlement.wiring.payout_statuses). A reason not listed here (a
# ledger's refusal, say) is shown as it is.
REASONS = frozenset({
    m.NOT_PAID_OUT, m.NO_SALE, m.REFUND_WITHOUT_RETURN, m.CURRENCY_RESIDUAL, m.ROUNDING_RESIDUAL,
    m.AMOUNT_DIFFERS, m.CHARGEBACK, m.ADJUSTMENT, m.OTHER,
    N_("in transit: booked on its bank date"),
    N_("paid before enabled_since: not booked by this product"),
    N_("due: the next run books it"),
})


def shown_reason(reason: str) -> str:
    """A reason of `payouts status` in the installed language, where it is one of the known ones."""
    return tr(reason) if reason in REASONS else reason


@dataclass(frozen=True)
class PayoutLine:
    """One payout (the vendor's share of it) as the page lists it.

    state: the posting status ("documented", "failed", ...) or "waiting" when it has none yet;
    reason: why it is not booked (or the ledger's refusal), "" when booked; ledger: the booking's
    LedgerFacts (None before posting); ids: the ledger's ids of the posting (target_ref).
    """

    provider: str
    payout_id: str
    account: str
    paid_on: date
    net: int
    fees: int  # what the shop paid the provider (positive, as the clearing account's figures)
    state: str
    reason: str
    settlement_key: str
    version: int
    ledger: object | None
    ids: dict


@dataclass(frozen=True)
class VendorPayouts:
    """One vendor's clearing accounts (ClearingStatus) and payouts, newest bank date first."""

    vendor: object
    statuses: list
    payouts: list[PayoutLine]


def build_payouts(app) -> list[VendorPayouts]:
    """Every vendor with payout accounts in vendors.toml, in the vendors file's order."""
    from settlement.domain.payout_voucher import share_of
    from settlement.report.ledger_facts import ledger_facts
    from settlement.store.payouts import PayoutPostingState
    from settlement.wiring import payout_statuses, vendor_payouts

    states = PayoutPostingState(app.engine)
    views = []
    for vendor in (v for v in app.vendors.values() if v.payouts):
        statuses = payout_statuses(app, [vendor])
        waiting = {payout_id: why for s in statuses for payout_id, _, why in s.waiting}
        posted = {(s.provider, s.payout_id): s for s in states.all(vendor.id)}
        lines = []
        for payout, account in vendor_payouts(app, vendor):
            share = share_of(payout, account)
            state = posted.get((payout.provider, payout.payout_id))
            status = str(state.status) if state is not None and state.status else "waiting"
            reason = waiting.get(payout.payout_id, "") or (state.reason if state is not None else "")
            lines.append(PayoutLine(
                payout.provider, payout.payout_id, payout.account, payout.paid_on, share.net, -share.fees, status,
                reason, state.settlement_key if state is not None else "", state.version if state is not None else 0,
                ledger_facts(vendor, state) if state is not None else None,
                {k: v for k, v in state.ref.items() if v is not None} if state is not None else {}))
        lines.sort(key=lambda line: (line.paid_on, line.payout_id), reverse=True)
        views.append(VendorPayouts(vendor, statuses, lines))
    return views
