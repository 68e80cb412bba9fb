"""Stripe's API as the payout source, against the local Stripe sandbox (real HTTP on 127.0.0.1):
payouts by arrival date, their balance transactions paged 100 at a time with the sources expanded
(the order number from the charge's metadata), 429 and 5xx ridden out, a wrong key refused; and
`settlement import payouts --api` storing what it read, so the payout posts as one from a file."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from settlement.domain.payouts import ItemKind
from settlement.sources.payouts.stripe.api import StripeApi
from settlement.stripe_sandbox import StripeSandbox
from tests.fixtures_posting import ledger_effect
from tests.test_payouts_posting import SLUG, VENDOR, _prepare

AT = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def stripe():
    sandbox = StripeSandbox.start(max_seconds=300, account="acct_bergen")
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _api(sb, **kwargs) -> StripeApi:
    return StripeApi(sb.secret_key, "acct_bergen", sb.root_url, sleep=lambda s: None, **kwargs)


def test_balance_transactions_are_paged_expanded_and_itemised(stripe):
    many = [{"category": "charge", "amount": 1000 + n, "fee": 30, "created": AT + timedelta(minutes=n),
             "order_id": str(5000 + n)} for n in range(230)]
    stripe.state.add_payout(date(2026, 11, 5), many + [
        {"category": "refund", "amount": -1000, "fee": 0, "created": AT, "order_id": "5000"},
        {"category": "fee", "amount": -2500, "created": AT, "description": "Radar"}], payout_id="po_big")
    stripe.state.add_payout(date(2026, 10, 1), [{"category": "charge", "amount": 100, "fee": 3, "created": AT}])
    read = _api(stripe).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok, read.problems
    (payout,) = read.payouts
    assert payout.payout_id == "po_big" and payout.paid_on == date(2026, 11, 5) and payout.account == "acct_bergen"
    captures = [i for i in payout.items if i.kind is ItemKind.CAPTURE]
    assert len(captures) == 230 and {i.order_ref for i in captures} == {str(5000 + n) for n in range(230)}
    assert sum(i.amount for i in payout.items) == payout.net == sum(1000 + n - 30 for n in range(230)) - 1000 - 2500
    assert payout.fees == -(230 * 30) - 2500
    pages = [r for r in stripe.requests if r.path == "/v1/balance_transactions"]
    assert len(pages) == 3 and pages[1].query["starting_after"].startswith("txn_")
    assert all(r.query["expand[]"] == "data.source" and r.query["limit"] == "100" for r in pages)


def test_429_and_5xx_are_ridden_out_and_a_wrong_key_is_refused(stripe):
    stripe.state.add_payout(date(2026, 11, 5), [{"category": "charge", "amount": 100, "fee": 3, "created": AT}])
    stripe.faults.burst_429(2, retry_after=0)
    read = _api(stripe).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok and read.payouts[0].net == 97
    stripe.faults.error_rate(1.0, statuses=(503,))
    down = _api(stripe).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert not down.ok and "gave up after 5 attempts" in str(down.problems[0])
    stripe.faults.clear()
    refused = StripeApi("sk_wrong", "acct_bergen", stripe.root_url).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert "401 Invalid API Key provided" in str(refused.problems[0])
    assert {r.status for r in stripe.requests} >= {200, 401, 429, 503}


def test_import_payouts_api_then_post(posting_ws, stripe):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    stripe.state.add_payout(date(2026, 11, 5), [
        {"category": "charge", "amount": 50000, "fee": 1270, "created": AT, "order_id": "R1"},
        {"category": "charge", "amount": 12500, "fee": 465, "created": AT + timedelta(hours=1)},
    ], payout_id="po_api")
    ws.extra_env.update(SETTLEMENT_STRIPE_SECRET_KEY=stripe.secret_key, SETTLEMENT_STRIPE_BASE_URL=stripe.root_url)
    status, out, err = ws.invoke("import", "payouts", "--api", "--provider", "stripe", "--vendor", VENDOR,
                                 "--since", "2026-11-01", "--until", "2026-11-30")
    assert status == 0, out + err
    assert "1 stripe payout(s) from the API: 1 new" in out
    status, out, err = ws.invoke("payouts", "post", "--vendor", VENDOR)
    assert status == 0, out + err
    effect = ledger_effect(sb, SLUG, "[settlement:payout:stripe:po_api:v1]")
    assert effect["1920:10001"] == 62500 - 1735 and effect["1583"] == -62500
    status, out, err = ws.invoke("payouts", "status", "--vendor", VENDOR, "--json")
    account = json.loads(out)[0]
    assert account["open_balance"] == 30000 + 9900 and account["explained"]
