"""Stripe's payout reconciliation report CSV: categories into items (a charge's fee its own item,
refunds, disputes, Stripe's separate fees), payouts grouped by automatic_payout_id with Σ net,
decimals exact, every bad row named by line and field; and the Stripe sandbox's objects carry the
fields of Stripe's own fixtures."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from settlement.domain.payouts import ItemKind
from settlement.sources.payouts.stripe.report_csv import StripeReconciliationCsv
from settlement.stripe_sandbox import StripeSandbox
from tests.conftest import shared_file
from tests.test_payouts_support import Row, stripe_csv

SOURCE = StripeReconciliationCsv()


def test_categories_become_items_and_payouts_add_up():
    data = stripe_csv([
        Row("po_A", "2026-11-05", "txn_1", "2026-11-02 10:00:00", 10000, 320, order="1001"),
        Row("po_A", "2026-11-05", "txn_2", "2026-11-02 11:00:00", -2500, 0, category="refund", order="1001"),
        Row("po_A", "2026-11-05", "txn_3", "2026-11-03 09:00:00", -4000, 1500, category="dispute"),
        Row("po_A", "2026-11-05", "txn_4", "2026-11-03 09:30:00", -199, 0, category="fee"),
        Row("po_B", "2026-11-06", "txn_5", "2026-11-04 12:00:00", 3333, 77),
        Row("po_B", "2026-11-06", "txn_6", "2026-11-04 12:00:00", 50, 0, category="climate_thing"),
    ]).encode()
    assert SOURCE.sniff(data, "r.csv")
    read = SOURCE.read(data, "r.csv")
    assert read.ok, read.problems
    a, b = read.payouts
    assert (a.payout_id, a.paid_on, a.currency, a.account) == ("po_A", date(2026, 11, 5), "NOK", "")
    assert [(i.kind, i.amount) for i in a.items] == [
        (ItemKind.CAPTURE, 10000), (ItemKind.FEE, -320), (ItemKind.REFUND, -2500),
        (ItemKind.CHARGEBACK, -4000), (ItemKind.FEE, -1500), (ItemKind.FEE, -199)]
    assert a.net == 10000 - 320 - 2500 - 4000 - 1500 - 199 and a.consistency_problems() == []
    assert a.items[0].order_ref == "1001" and a.items[0].line == 2
    assert a.items[0].occurred == datetime(2026, 11, 2, 10, tzinfo=timezone.utc)
    assert b.items[-1].kind is ItemKind.OTHER and b.items[-1].description.startswith("climate_thing")


def test_bad_rows_and_missing_columns_are_named():
    good = stripe_csv([Row("po_A", "2026-11-05", "txn_1", "2026-11-02 10:00:00", 10000, 320)])
    lines = good.splitlines()
    bad = "\n".join([lines[0], lines[1].replace("2026-11-02 10:00:00", "yesterday"),
                     lines[1].replace(",nok,", ",nk,"), lines[1].replace("po_A", "")]) + "\n"
    read = SOURCE.read(bad.encode(), "r.csv")
    found = {(p.line, p.column) for p in read.problems}
    assert {(2, "created_utc"), (3, "currency"), (4, "automatic_payout_id")} <= found and read.payouts == ()
    missing = SOURCE.read(good.replace("reporting_category", "category").encode(), "r.csv")
    assert not missing.ok and "reporting_category" in str(missing.problems[0])
    mixed = SOURCE.read((good + lines[1].replace(",nok,", ",eur,") + "\n").encode(), "r.csv")
    assert "payout po_A: currency EUR here, NOK on line 2" in str(mixed.problems[0])


def test_the_sandbox_objects_have_the_fields_of_stripes_fixtures():
    fixtures = json.loads(shared_file("payments/stripe/openapi-fixtures3.json").read_text(encoding="utf-8"))["resources"]
    with StripeSandbox.start(max_seconds=60) as sb:
        payout = sb.state.add_payout(date(2026, 11, 5), [
            {"category": "charge", "amount": 100, "fee": 3, "created": datetime(2026, 11, 2, tzinfo=timezone.utc)}])
        transaction = sb.state.transactions[payout["id"]][0]
    assert set(transaction) == set(fixtures["balance_transaction"])
    assert set(payout) <= set(fixtures["payout"])
    for name in ("amount", "arrival_date", "automatic", "balance_transaction", "currency", "status"):
        assert type(payout[name]) is type(fixtures["payout"][name]), name
