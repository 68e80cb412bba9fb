"""Matching payouts to the days' sales (pure): by reference as a whole receipt, by day and amount,
by a day's total; every leftover named with its reason, and the open items always adding up to
what the sales put on the clearing account minus what the payouts took off."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from settlement.domain.payout_matching import (
    AMOUNT_DIFFERS, CHARGEBACK, CURRENCY_RESIDUAL, NO_SALE, NOT_PAID_OUT, REFUND_WITHOUT_RETURN, ROUNDING_RESIDUAL,
    ClearingSale, match_payouts,
)
from settlement.domain.payouts import ItemKind, Payout, PayoutItem

MON, TUE = date(2026, 11, 2), date(2026, 11, 3)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def _payout(*items: PayoutItem, payout_id: str = "po_1") -> Payout:
    return Payout("stripe", payout_id, "acct", date(2026, 11, 5), sum(i.amount for i in items), items)


def _match(sales, payouts):
    result = match_payouts(sales, payouts, lambda moment: moment.date())
    booked = sum(s.amount for s in sales) - sum(i.amount for p in payouts for i in p.items if i.kind is not ItemKind.FEE)
    assert result.open_balance == booked, "the open items are the clearing account's balance"
    return result


def test_by_reference_a_receipt_and_its_items_as_a_whole():
    sales = [ClearingSale(MON, "order-7", 10000, ("order-7", "1007", "7")), ClearingSale(TUE, "order-7", -2500, ("order-7", "1007"))]
    payout = _payout(PayoutItem(ItemKind.CAPTURE, 10000, "ch_1", _at(MON), "1007"),
                     PayoutItem(ItemKind.FEE, -300, "ch_1", _at(MON), "1007"),
                     PayoutItem(ItemKind.REFUND, -2500, "re_1", _at(TUE), "1007"))
    result = _match(sales, [payout])
    assert result.open_items == [] and result.days_of[("stripe", "po_1")] == {MON, TUE}


def test_by_day_and_amount_then_by_the_days_total():
    sales = [ClearingSale(MON, "R1", 4900), ClearingSale(MON, "R2", 1500), ClearingSale(MON, "R3", 2500),
             ClearingSale(TUE, "R4", 700)]
    # R1 exactly; R2 + R3 as one terminal batch of 4000; R4 captured after midnight (the next day).
    payout = _payout(PayoutItem(ItemKind.CAPTURE, 4900, "a", _at(MON)), PayoutItem(ItemKind.CAPTURE, 4000, "b", _at(MON)),
                     PayoutItem(ItemKind.CAPTURE, 700, "c", _at(TUE + timedelta(days=1), 1)))
    result = _match(sales, [payout])
    assert result.open_items == [] and result.matched_sales == 4


@pytest.mark.parametrize("sales, items, reason, amount", [
    ([ClearingSale(MON, "R1", 5000)], [], NOT_PAID_OUT, 5000),
    ([], [PayoutItem(ItemKind.CAPTURE, 7000, "ch_x", _at(MON))], NO_SALE, -7000),
    ([ClearingSale(MON, "R1", 5000, ("R1",))],
     [PayoutItem(ItemKind.CAPTURE, 5000, "c", _at(MON), "R1"), PayoutItem(ItemKind.REFUND, -1000, "r", _at(TUE), "R1")],
     REFUND_WITHOUT_RETURN, 1000),
    ([], [PayoutItem(ItemKind.REFUND, -1000, "re_9", _at(MON))], REFUND_WITHOUT_RETURN, 1000),
    ([ClearingSale(MON, "R1", 5000, ("R1",))], [PayoutItem(ItemKind.CAPTURE, 4999, "c", _at(MON), "R1")],
     ROUNDING_RESIDUAL, 1),
    ([ClearingSale(MON, "R1", 5000, ("R1",))], [PayoutItem(ItemKind.CAPTURE, 9000, "c", _at(MON), "R1")],
     AMOUNT_DIFFERS, -4000),
    ([ClearingSale(MON, "R1", 5000, ("R1",))], [PayoutItem(ItemKind.CAPTURE, 4870, "c", _at(MON), "R1", currency="EUR")],
     CURRENCY_RESIDUAL, 130),
    ([], [PayoutItem(ItemKind.CHARGEBACK, -3000, "dp_1", _at(MON))], CHARGEBACK, 3000),
])
def test_what_is_left_is_named(sales, items, reason, amount):
    result = _match(sales, [_payout(*items)] if items else [])
    (item,) = result.open_items
    assert (item.reason, item.amount) == (reason, amount)


def test_fees_are_never_matched_and_a_reference_used_twice_is_not_trusted():
    sales = [ClearingSale(MON, "R1", 5000, ("X",)), ClearingSale(MON, "R2", 6000, ("X",))]
    payout = _payout(PayoutItem(ItemKind.CAPTURE, 6000, "c", _at(MON), "X"), PayoutItem(ItemKind.FEE, -100, "c", _at(MON)))
    result = _match(sales, [payout])
    # "X" names two receipts: matched by amount instead, R1 stays open.
    assert [(i.ref, i.amount) for i in result.open_items] == [("R1", 5000)]
