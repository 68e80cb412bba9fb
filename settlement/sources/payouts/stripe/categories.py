"""From one Stripe balance transaction (an API object or a report row) to payout items.

Stripe books the per-charge processing fee inside the charge's own balance transaction (its `fee`
column), so one row may give two items: what the customer paid or got back (gross) and the fee.
Which item a row is follows its `reporting_category`, the field Stripe says to account by
(webshop-payments.md §2.3); a category this table does not know is kept as OTHER, never guessed.
"""

from __future__ import annotations

from datetime import datetime

from settlement.domain.payouts import ItemKind, PayoutItem

# reporting_category → what its gross is.
KINDS = {
    "charge": ItemKind.CAPTURE,
    "refund": ItemKind.REFUND,
    "partial_capture_reversal": ItemKind.REFUND,
    "refund_failure": ItemKind.REFUND,  # a refund that failed comes back (positive)
    "charge_failure": ItemKind.ADJUSTMENT,
    "dispute": ItemKind.CHARGEBACK,
    "dispute_reversal": ItemKind.CHARGEBACK,  # a won dispute (positive)
    "fee": ItemKind.FEE,  # Stripe's fees billed on their own (Radar, Billing, ...)
    "tax": ItemKind.FEE,  # tax on Stripe's fees
    "network_cost": ItemKind.FEE,
    "other_adjustment": ItemKind.ADJUSTMENT,
    "risk_reserved_funds": ItemKind.ADJUSTMENT,
    "payout_minimum_balance_hold": ItemKind.ADJUSTMENT,
    "payout_minimum_balance_release": ItemKind.ADJUSTMENT,
    "contribution": ItemKind.ADJUSTMENT,
    "topup": ItemKind.ADJUSTMENT,
    "topup_reversal": ItemKind.ADJUSTMENT,
}
# The payout's own balance transaction (the API lists it among the payout's): not an item.
PAYOUT_CATEGORIES = frozenset({"payout", "payout_reversal"})


def items_of(category: str, gross: int, fee: int, reference: str, occurred: datetime, order_ref: str,
             currency: str, line: int | None, description: str) -> tuple[PayoutItem, ...]:
    """The items of one balance transaction: gross as its category says, and the fee (Stripe's
    `fee` is positive when charged; the item is negative, what the shop paid)."""
    kind = KINDS.get(category, ItemKind.OTHER)
    items = []
    if gross:
        text = description if kind is not ItemKind.OTHER else f"{category}: {description}".rstrip(": ")
        items.append(PayoutItem(kind, gross, reference, occurred, order_ref, "", currency, line, text))
    if fee:
        items.append(PayoutItem(ItemKind.FEE, -fee, reference, occurred, order_ref, "", currency, line,
                                f"Stripe fee ({category})"))
    return tuple(items)
