"""Matching payouts to the business days whose vouchers put that money on the clearing account.
Pure: no I/O.

The daily vouchers debit a provider's clearing account with each sale paid through it; the payout
vouchers credit it with what each payout settles. What is left on the account is exactly the open
items this module names, so the accountant sees why the account is not at zero:

1. by the provider's own references where the sales carry them: a payout item's order_ref (or
   reference) equal to a sale's receipt id or webshop order number; all items and sales of one
   receipt are compared as a whole (a sale and its refund, a capture and its partial refund);
2. else by business day and amount: an item against a sale of the same amount on the item's
   business day or the day before (a late sale captured after midnight), then what is left of a
   day against what is left of the items of that day, as totals (a POS terminal's takings);
3. whatever is left is an open item with its reason.

Each open item's `amount` is what it leaves on the clearing account (debit positive): their sum is
the account's balance from what was booked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from settlement.domain.payouts import ItemKind, Payout, PayoutItem
from settlement.domain.text import N_

# Up to this many øre a reference-matched difference is a rounding residual, not a wrong amount.
ROUNDING_ORE = 100

NOT_PAID_OUT = N_("sale not paid out (yet)")
NO_SALE = N_("capture with no sale (booked outside this product?)")
REFUND_WITHOUT_RETURN = N_("refund made at the provider without a return in the sales")
CURRENCY_RESIDUAL = N_("currency residual")
ROUNDING_RESIDUAL = N_("rounding residual")
AMOUNT_DIFFERS = N_("paid out amount differs from the sale")
CHARGEBACK = N_("chargeback: the accountant decides")
ADJUSTMENT = N_("adjustment by the provider: the accountant decides")
OTHER = N_("item the provider names otherwise: the accountant decides")


@dataclass(frozen=True, slots=True)
class ClearingSale:
    """What one receipt or order put on the clearing account on one business day.

    receipt: the store's receipt id ("order-1234" for a webshop order).
    amount: øre, signed (a return paid back through the provider negative).
    refs: every reference it may be matched by (receipt id, webshop order number, order id).
    """

    day: date
    receipt: str
    amount: int
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenItem:
    """Something that keeps the clearing account off zero, with why.

    amount: what it leaves on the clearing account, debit positive (a sale not paid out is
        positive, a capture no sale put there negative).
    day: the business day of the sale, or of the item.
    ref: the receipt, order or provider reference; payout_id: the payout of an item ("" for a sale).
    """

    reason: str
    amount: int
    day: date
    ref: str
    payout_id: str = ""
    provider: str = ""


@dataclass
class Matching:
    """The outcome: which days each payout covers, and every open item."""

    days_of: dict[tuple[str, str], set[date]] = field(default_factory=dict)  # (provider, payout id) → days
    open_items: list[OpenItem] = field(default_factory=list)
    matched_sales: int = 0
    matched_items: int = 0

    @property
    def open_balance(self) -> int:
        return sum(item.amount for item in self.open_items)

    def cover(self, payout: tuple[str, str], day: date) -> None:
        self.days_of.setdefault(payout, set()).add(day)


@dataclass
class _Item:
    payout: Payout
    item: PayoutItem
    day: date
    done: bool = False

    @property
    def subject(self) -> tuple[str, str]:
        return (self.payout.provider, self.payout.payout_id)


def _refs(item: PayoutItem) -> list[str]:
    return [ref.casefold() for ref in (item.order_ref, item.reference) if ref]


def _leftover_reason(item: PayoutItem) -> str:
    return {ItemKind.CAPTURE: NO_SALE, ItemKind.REFUND: REFUND_WITHOUT_RETURN, ItemKind.CHARGEBACK: CHARGEBACK,
            ItemKind.ADJUSTMENT: ADJUSTMENT}.get(item.kind, OTHER)


def match_payouts(sales: Iterable[ClearingSale], payouts: Iterable[Payout], business_day: Callable[[datetime], date],
                  kinds: frozenset[ItemKind] | None = None) -> Matching:
    """Match the items of `payouts` that are booked on the clearing account (every kind but fees,
    or `kinds`) to `sales`; business_day(moment) is the vendor's business day of an item."""
    result = Matching()
    wanted = kinds or frozenset(kind for kind in ItemKind if kind is not ItemKind.FEE)
    items = [_Item(p, i, business_day(i.occurred)) for p in payouts for i in p.items if i.kind in wanted]
    open_sales = list(sales)
    used = [False] * len(open_sales)

    # 1. by reference, a receipt's sales against its items as a whole
    by_ref: dict[str, set[str]] = {}
    for sale in open_sales:
        for ref in sale.refs:
            by_ref.setdefault(ref.casefold(), set()).add(sale.receipt)
    groups: dict[str, list[_Item]] = {}
    for entry in items:
        receipt = next((next(iter(by_ref[r])) for r in _refs(entry.item) if len(by_ref.get(r, ())) == 1), None)
        if receipt is not None:
            groups.setdefault(receipt, []).append(entry)
    for receipt, members in groups.items():
        indexes = [n for n, sale in enumerate(open_sales) if sale.receipt == receipt]
        paid = sum(m.item.amount for m in members)
        booked = sum(open_sales[n].amount for n in indexes)
        for n in indexes:
            used[n] = True
            for m in members:
                result.cover(m.subject, open_sales[n].day)
        for m in members:
            m.done = True
        result.matched_sales += len(indexes)
        result.matched_items += len(members)
        if paid != booked:
            result.open_items.append(OpenItem(_residual_reason(members, [open_sales[n] for n in indexes], booked - paid),
                                              booked - paid, max(open_sales[n].day for n in indexes), receipt,
                                              members[0].payout.payout_id, members[0].payout.provider))

    # 2a. one item against one sale of its amount, on its business day or the day before
    for entry in items:
        if entry.done:
            continue
        for offset in (0, 1):
            day = entry.day - timedelta(days=offset)
            hit = next((n for n, sale in enumerate(open_sales)
                        if not used[n] and sale.day == day and sale.amount == entry.item.amount), None)
            if hit is not None:
                used[hit], entry.done = True, True
                result.cover(entry.subject, day)
                result.matched_sales += 1
                result.matched_items += 1
                break
    # 2b. what is left of a day against what is left of that day's items, as totals
    days = {entry.day for entry in items if not entry.done}
    for day in sorted(days):
        members = [e for e in items if not e.done and e.day == day]
        indexes = [n for n, sale in enumerate(open_sales) if not used[n] and sale.day == day]
        if indexes and sum(e.item.amount for e in members) == sum(open_sales[n].amount for n in indexes):
            for n in indexes:
                used[n] = True
            for e in members:
                e.done = True
                result.cover(e.subject, day)
            result.matched_sales += len(indexes)
            result.matched_items += len(members)

    # 3. what is left
    for n, sale in enumerate(open_sales):
        if not used[n] and sale.amount:
            result.open_items.append(OpenItem(NOT_PAID_OUT, sale.amount, sale.day, sale.receipt))
    for entry in items:
        if not entry.done and entry.item.amount:
            result.open_items.append(OpenItem(_leftover_reason(entry.item), -entry.item.amount, entry.day,
                                              entry.item.order_ref or entry.item.reference, entry.payout.payout_id,
                                              entry.payout.provider))
    result.open_items.sort(key=lambda o: (o.day, o.ref, o.payout_id))
    return result


def _residual_reason(members: list[_Item], sales: list[ClearingSale], difference: int) -> str:
    """Why a receipt's items and its sales differ by `difference` (sales minus items)."""
    if any(m.item.currency != m.payout.currency or m.payout.currency != "NOK" for m in members):
        return CURRENCY_RESIDUAL
    refunded = sum(m.item.amount for m in members if m.item.kind is ItemKind.REFUND)
    returned = sum(s.amount for s in sales if s.amount < 0)
    if refunded < returned and difference == returned - refunded:
        return REFUND_WITHOUT_RETURN
    if abs(difference) <= ROUNDING_ORE:
        return ROUNDING_RESIDUAL
    return NOT_PAID_OUT if difference > 0 else AMOUNT_DIFFERS
