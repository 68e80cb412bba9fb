"""Golden files for the payout voucher in each ledger: the voucher (domain) and the booking each
target renders from it (Fiken's journal entry, Tripletex's and PowerOffice Go's vouchers), for a
plain Stripe payout, a shared account's share with adjustments moved and the net in transit, and
a payout of more refunds than sales (the bank debited). Regenerate with UPDATE_GOLDEN=1."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

from settlement.domain.payout_config import PayoutAccount
from settlement.domain.payout_voucher import build_payout_voucher, share_of, voucher_key
from settlement.domain.payouts import ItemKind, Payout, PayoutItem
from settlement.domain.vendors import Vendor
from settlement.targets.fiken.target import FikenTarget
from settlement.targets.poweroffice.target import PowerOfficeTarget
from settlement.targets.tripletex.target import TripletexTarget
from tests.fixtures_tripletex import default_ledger
from tests.golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "payouts"
AT = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def _no_client():
    raise AssertionError("rendering needs no client")


TARGETS = {"fiken": FikenTarget(_no_client), "tripletex": TripletexTarget(_no_client),
           "poweroffice": PowerOfficeTarget(_no_client)}


def _item(kind, amount, ref, order="", store=""):
    return PayoutItem(kind, amount, ref, AT, order, store)


CASES = {
    "stripe_plain": (
        PayoutAccount("stripe", "acct_1", "payment_stripe"),
        Payout("stripe", "po_1", "acct_1", date(2026, 11, 5), 92500 - 2530, (
            _item(ItemKind.CAPTURE, 50000, "ch_1", "1001"), _item(ItemKind.FEE, -1270, "ch_1", "1001"),
            _item(ItemKind.CAPTURE, 42500, "ch_2"), _item(ItemKind.FEE, -1260, "ch_2"),
        ))),
    "shared_account_adjustments_in_transit": (
        PayoutAccount("vipps", "123456", "payment_vipps", store_ref="Oslo", net_to="payout_in_transit",
                      adjustments="difference"),
        Payout("vipps", "S-77", "123456", date(2026, 11, 6), 0, (
            _item(ItemKind.CAPTURE, 30000, "v1", store="Oslo"), _item(ItemKind.FEE, -450, "v1", store="Oslo"),
            _item(ItemKind.CHARGEBACK, -2000, "v2", store="Oslo"), _item(ItemKind.CAPTURE, 99900, "v3", store="Bergen"),
            _item(ItemKind.FEE, -1500, "v3", store="Bergen"),
        ))),
    "refunds_exceed_sales": (
        PayoutAccount("stripe", "acct_1", "payment_stripe"),
        Payout("stripe", "po_neg", "acct_1", date(2026, 11, 9), -4700, (
            _item(ItemKind.CAPTURE, 5000, "ch_3"), _item(ItemKind.FEE, -200, "ch_3"),
            _item(ItemKind.REFUND, -9500, "re_1", "1002"),
        ))),
}


def _vendor(ledger: str) -> Vendor:
    return Vendor("bergen-bryggen", "Bergen Bryggen", "Europe/Oslo", time(20), time(0), date(2026, 10, 1),
                  fiken_company="demo-as" if ledger == "fiken" else "", ledger=ledger)


@pytest.mark.parametrize("case", sorted(CASES))
def test_payout_voucher_and_bookings_golden(case):
    account, payout = CASES[case]
    if account.store_ref:  # the shared account's payout is the Oslo and Bergen shares together
        payout = replace(payout, net=sum(i.amount for i in payout.items))
    share = share_of(payout, account)
    voucher = build_payout_voucher("bergen-bryggen", share, account, default_ledger())
    assert not voucher.blocked, voucher.errors
    assert voucher.total_debit == voucher.total_credit, "the voucher balances"
    bank = [line for line in voucher.lines if line.key == account.net_to]
    assert sum(line.debit - line.credit for line in bank) == share.net, "the bank line is Σ net"
    key = voucher_key(share, account, "bergen-bryggen", 1)
    out = {"voucher": voucher.to_json(), "key": key}
    for name, target in TARGETS.items():
        booking = target.render(_vendor(name), voucher, default_ledger(), key)
        assert sum(line.signed for line in booking.booked) == 0, f"{name} books a balanced voucher"
        out[name] = booking.to_json()
    assert_golden(GOLDEN / f"{case}.json", out)
