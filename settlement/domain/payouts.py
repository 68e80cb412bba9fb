"""Payouts of payment providers (Stripe, Vipps MobilePay, Klarna), as every payout source yields them.

A provider collects the shop's card, Vipps or Klarna payments, keeps its fees, and pays the rest to
the bank in payouts. Each payout is a list of items: the captures (sales paid through it), refunds,
fees, adjustments and chargebacks it settles. The daily vouchers put the sales on the payment
method's clearing account; a payout voucher takes the gross off that account again, the net to the
bank and the fees to their expense account. Pure: no I/O.

Signs follow the money as the shop sees it: an amount the provider owes the shop (a capture) is
positive; one the shop owes back (a refund, a fee, a chargeback) is negative. So a payout's net
is the sum of its items' amounts, fees included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from settlement.domain.problems import Problem


class ItemKind(StrEnum):
    """What a payout item is."""

    CAPTURE = "capture"  # a payment for a sale, reaching the shop through this payout
    REFUND = "refund"  # money paid back to a customer (negative)
    FEE = "fee"  # the provider's fee (negative; a fee refunded is positive)
    ADJUSTMENT = "adjustment"  # anything the provider corrects by hand (either sign)
    CHARGEBACK = "chargeback"  # a disputed payment taken back (negative; a won dispute is positive)
    OTHER = "other"  # named by the provider but none of the above: kept, shown, never guessed


@dataclass(frozen=True, slots=True)
class PayoutItem:
    """One line of a payout.

    kind: what it is.
    amount: øre, signed as the module docstring says (a fee is an item of its own, negative).
    reference: the provider's id of the payment (Stripe charge or payment intent, Vipps order id,
        Klarna order id), or of the fee or refund itself.
    order_ref: the shop's own order or receipt number where the provider carries it (WooCommerce
        order number, the merchant reference), for matching to the days' sales; "" when absent.
    occurred: when the provider recorded it (aware datetime), which the business day follows.
    store_ref: the sales unit / store id inside a provider account serving several vendors ("" none).
    currency: ISO code of the amount (the payout's currency unless the provider says otherwise).
    line: the file line (or API page position) it came from, for messages.
    description: the provider's own text for it.
    """

    kind: ItemKind
    amount: int
    reference: str
    occurred: datetime
    order_ref: str = ""
    store_ref: str = ""
    currency: str = "NOK"
    line: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Payout:
    """One payout to the shop's bank account, with the items it settles.

    provider: "stripe", "vipps" or "klarna".
    payout_id: the provider's id of the payout (Stripe po_…, Vipps settlement id, Klarna payment
        reference); with the provider, the payout's identity in this product's keys.
    account: the provider account it belongs to (Stripe account, Vipps merchant serial number
        / sales unit, Klarna merchant id), matched to vendors through vendors.toml.
    paid_on: the date the provider sends it to the bank (its arrival date where known).
    net: øre paid to the bank; the sum of the items' amounts when the source is consistent.
    items: the captures, refunds, fees, adjustments and chargebacks.
    currency: ISO code of the payout.
    source: the file name or API it was read from, for messages and the report.
    """

    provider: str
    payout_id: str
    account: str
    paid_on: date
    net: int
    items: tuple[PayoutItem, ...]
    currency: str = "NOK"
    source: str = ""

    @property
    def gross(self) -> int:
        """What the payout takes off the clearing account: every item but the fees."""
        return sum(item.amount for item in self.items if item.kind is not ItemKind.FEE)

    @property
    def fees(self) -> int:
        """The fees, negative (what the shop paid the provider)."""
        return sum(item.amount for item in self.items if item.kind is ItemKind.FEE)

    def consistency_problems(self) -> list[Problem]:
        """Whether the items add up to the net the provider says it paid (øre exact)."""
        from settlement.domain.money import format_nok
        from settlement.domain.problems import error
        from settlement.domain.text import tr

        total = sum(item.amount for item in self.items)
        if total == self.net:
            return []
        return [error(
            tr("{provider} payout {payout}: its items add up to {total} but the payout is {net} (difference "
               "{difference})", provider=self.provider, payout=self.payout_id, total=format_nok(total),
               net=format_nok(self.net), difference=format_nok(self.net - total)),
            file=self.source or None, ref=self.payout_id,
        )]


@dataclass(frozen=True)
class PayoutRead:
    """What one payout source read from one file or API call: the payouts and every problem found
    (each with file, line and field), reported together; nothing is stored when a problem is an error."""

    payouts: tuple[Payout, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def payout_key(provider: str, payout_id: str, version: int = 1) -> str:
    """The settlement key of a payout voucher: `[settlement:payout:<provider>:<payout id>:v<N>]`."""
    return f"[settlement:payout:{provider}:{payout_id}:v{version}]"
