"""What one Vipps transaction becomes in a payout, whichever report it comes from.

A transaction of the XML, CSV or XLSX report has a capture (≥ 0), a refund (≤ 0) and a fee
(reported ≥ 0 in the XML, ≤ 0 in the CSV and XLSX); it becomes a CAPTURE item, a REFUND item and,
in a net settlement, a FEE item (negative). In a gross settlement the fees are invoiced separately
each month, so they are not part of the payout and no FEE item is made.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from settlement.domain.payouts import ItemKind, PayoutItem

PROVIDER = "vipps"
OSLO = ZoneInfo("Europe/Oslo")  # Vipps reports its times and ledger dates in Norwegian time


def oslo_midnight(day: date) -> datetime:
    """The start of a day in Oslo, for reports that give only the sale date."""
    return datetime(day.year, day.month, day.day, tzinfo=OSLO)


def transaction_items(
    *,
    capture: int,
    refund: int,
    fee: int,
    with_fee: bool,
    transaction_id: str,
    order_id: str,
    occurred: datetime,
    store_ref: str,
    line: int | None,
    currency: str = "NOK",
) -> list[PayoutItem]:
    """The payout items of one transaction.

    capture, refund: øre as signed in the report (capture ≥ 0, refund ≤ 0);
    fee: øre the shop paid (taken as its absolute value: the reports disagree on its sign);
    with_fee: whether the fee is deducted from this payout (net settlement);
    order_id: the merchant's order id (the reference and the order_ref); when absent (Vippsnummer
    payments have none) the transaction id stands as the reference.
    """
    reference = order_id or transaction_id
    common = dict(reference=reference, order_ref=order_id, occurred=occurred, store_ref=store_ref,
                  currency=currency, line=line)
    items = []
    if capture or not refund:
        items.append(PayoutItem(ItemKind.CAPTURE, capture, description=f"Vipps transaction {transaction_id}", **common))
    if refund:
        items.append(PayoutItem(ItemKind.REFUND, refund, description=f"Vipps refund {transaction_id}", **common))
    if with_fee and fee:
        items.append(PayoutItem(ItemKind.FEE, -abs(fee), description=f"Vipps fee for {transaction_id}", **common))
    return items
