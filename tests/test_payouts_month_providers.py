"""The issue's judging case with three providers: a month of generated sales for two vendors paid
by Stripe, Vipps MobilePay and Klarna, and their payouts (Stripe's as its reconciliation report
CSV, Vipps' and Klarna's pulled from their sandboxes' APIs), posted through the real CLI into the
Fiken sandbox. Every payout is booked once, each voucher balances with its bank line Σ net, and
every clearing account comes back to exactly the open items `payouts status` lists (zero for the
vendor whose sales were all paid out), equal to the account's balance in Fiken."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta

import pytest

from settlement.vipps_sandbox import VippsSandbox
from tests.fixtures_payout_sandboxes import klarna  # noqa: F401  (the fixture)
from tests.fixtures_posting import live_keys
from tests.test_payouts_support import Row, kroner, stripe_csv

SLUG = "demo-as"
FIRST, LAST = date(2026, 11, 2), date(2026, 11, 27)
DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
UNPAID_FROM = date(2026, 11, 24)  # bergen: nothing of these days paid out yet, by any provider
CLEARING = {"stripe": "1583", "vipps": "1581", "klarna": "1582"}
ACCOUNTS = {  # (vendor) → provider → its account there
    "bergen-bryggen": {"stripe": "acct_bergen", "vipps": "123455", "klarna": "N100123"},
    "oslo-sentrum": {"stripe": "acct_oslo", "vipps": "223344", "klarna": "N200456"},
}
UNPAID = "sale not paid out (yet)"


@pytest.fixture
def vipps():
    """A Vipps Report API sandbox with its default pages (the small pages of the shared fixture
    are tested there; a month of two ledgers in pages of two costs seconds here)."""
    sandbox = VippsSandbox.start(max_seconds=180)
    yield sandbox
    sandbox.stop()


def _vendors() -> str:
    blocks = []
    for vendor, accounts in ACCOUNTS.items():
        payouts = ",\n           ".join(f'{{ provider = "{p}", account = "{a}", payment = "payment_{p}" }}'
                                       for p, a in accounts.items())
        blocks.append(f"""
[[vendors]]
id = "{vendor}"
name = "{vendor.replace('-', ' ').title()}"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = {FIRST.isoformat()}
fiken_company = "{SLUG}"
payouts = [{payouts}]
""")
    return "".join(blocks)


def _sales(vendor: str, seed: int) -> list[tuple[str, date, str, int, str]]:
    """(receipt, day, local time, øre, provider): 2–5 receipts a day, each paid by one provider."""
    rng = random.Random(seed)
    receipts = []
    for day in DAYS:
        for n in range(rng.randint(2, 5)):
            provider = ("stripe", "vipps", "klarna")[(n + day.day) % 3]
            amount = rng.randint(50, 5000) * 100 + rng.choice((0, 50, 90))
            receipts.append((f"{vendor[:3].upper()}-{day:%m%d}-{n}", day, f"{day.isoformat()}T{10 + n:02d}:{rng.randint(0, 59):02d}:00",
                             amount, provider))
    return receipts


def _week_paid(day: date) -> date:
    """The bank date of a weekly payout: the Tuesday after the day's week (Monday–Sunday); the
    month's last week's already on the 29th, so that every payout has come whatever day it is now."""
    return min(day + timedelta(days=8 - day.weekday()), LAST + timedelta(days=2))


def _sales_csv(receipts) -> str:
    lines = ["receipt_id;timestamp;type;code;vat_code;amount;vat"]
    for receipt, _, moment, amount, provider in receipts:
        lines.append(f"{receipt};{moment};sale;high;3;{kroner(amount)};{kroner(amount // 5)}")
        lines.append(f"{receipt};{moment};payment;{provider};;{kroner(amount)};")
    return "\n".join(lines) + "\n"


def test_three_providers_over_a_month_return_every_clearing_account_to_its_open_items(posting_ws, vipps, klarna):
    ws, sb = posting_ws, posting_ws.sandbox
    # Some 500 ledger requests: Fiken's pace of 4 a second (client and sandbox) would take minutes;
    # the pace is tested with the Fiken client, here it only costs time.
    sb.config.rate_limit_per_second = None
    ws.extra_env["SETTLEMENT_FIKEN_REQUESTS_PER_SECOND"] = "1000"
    ws.write("vendors.toml", _vendors())
    ws.extra_env.update(
        SETTLEMENT_VIPPS_BASE_URL=vipps.root_url, SETTLEMENT_VIPPS_CLIENT_ID=vipps.client_id,
        SETTLEMENT_VIPPS_CLIENT_SECRET=vipps.client_secret, SETTLEMENT_VIPPS_SUBSCRIPTION_KEY=vipps.subscription_key,
        SETTLEMENT_KLARNA_BASE_URL=klarna.base_url, SETTLEMENT_KLARNA_USERNAME=klarna.username,
        SETTLEMENT_KLARNA_PASSWORD=klarna.password,
    )
    net_of: dict[tuple[str, str], int] = {}  # (provider, payout id) → what reached the bank
    sales_of: dict[str, list] = {}
    for seed, (vendor, accounts) in enumerate(ACCOUNTS.items(), start=1):
        receipts = sales_of[vendor] = _sales(vendor, seed)
        paid = [r for r in receipts if vendor == "oslo-sentrum" or r[1] < UNPAID_FROM]
        # Stripe: a weekly payout schedule, each week's captures paid on the Tuesday after, fees
        # 1,4 % + 1,80 NOK (the reconciliation report CSV).
        rows = []
        for receipt, day, _, amount, provider in paid:
            if provider == "stripe":
                rows.append(Row(f"po_{vendor[:3]}_w{day.isocalendar().week}", _week_paid(day).isoformat(), f"txn_{receipt}",
                                f"{day.isoformat()} 09:00:00", amount, (amount * 14 + 500) // 1000 + 180, order=receipt))
        for r in rows:
            net_of[("stripe", r.payout)] = net_of.get(("stripe", r.payout), 0) + r.gross - r.fee
        ws.write(f"in/{vendor}-stripe.csv", stripe_csv(rows))
        # Vipps: a ledger per sales unit, each day's captures paid out that day (fee 1,5 %), from the API.
        vipps.ledgers.add_ledger(f"30{seed}", accounts["vipps"])
        # Klarna: each week's captures in one payout two days after the week (2,99 % + 1,00 NOK).
        for week in sorted({d.isocalendar().week for d in DAYS}):
            sales = [(amount, receipt) for receipt, d, _, amount, provider in paid
                     if provider == "klarna" and d.isocalendar().week == week]
            if sales:
                paid_on = _week_paid(next(d for d in DAYS if d.isocalendar().week == week))
                payout = klarna.settlements.add_payout(paid_on, sales, merchant_id=accounts["klarna"])
                net_of[("klarna", payout["payment_reference"])] = payout["totals"]["settlement_amount"]
        for day in DAYS:
            of_day = [(amount, receipt) for receipt, d, _, amount, provider in paid if d == day]
            captures = [(a, r) for a, r in of_day if r in {x[0] for x in paid if x[4] == "vipps"}]
            if captures:
                result = vipps.ledgers.add_day(f"30{seed}", day, captures)
                net_of[("vipps", result.settlement_number)] = result.net

        ws.write(f"in/{vendor}.csv", _sales_csv(receipts))
        assert ws.invoke("import", "sales", f"in/{vendor}.csv", "--vendor", vendor)[0] == 0
        status, out, err = ws.invoke("import", "payouts", f"in/{vendor}-stripe.csv", "--provider", "stripe", "--vendor", vendor)
        assert status == 0, out + err
        for provider in ("vipps", "klarna"):
            status, out, err = ws.invoke("import", "payouts", "--api", "--provider", provider, "--vendor", vendor,
                                         "--since", "2026-11-01", "--until", "2026-11-30")
            assert status == 0, out + err

    status, out, err = ws.invoke("catch-up", "--through", LAST.isoformat())  # the days, then the payouts
    assert status == 0, out + err
    assert ws.invoke("payouts", "post")[0] == 0

    # Every payout booked once, nothing more on a second run.
    keys = {k: n for k, n in live_keys(sb).items() if k.startswith("[settlement:payout:")}
    assert keys == {f"[settlement:payout:{p}:{i}:v1]": 1 for p, i in net_of}
    assert len(net_of) > 2 * 20 + 2 * 2 * 3
    before = len(sb.requests)
    assert ws.invoke("payouts", "post")[0] == 0 and len(sb.requests) == before

    # Each payout voucher balances and its bank line is what reached the bank.
    seen = Counter()
    for entry in sb.journal_entries(SLUG):
        description = entry.get("description") or ""
        if "[settlement:payout:" in description:
            provider, payout_id = description.split("[settlement:payout:")[1].split(":v1]")[0].split(":", 1)
            assert sum(line["amount"] for line in entry["lines"]) == 0, payout_id
            bank = sum(line["amount"] for line in entry["lines"] if line["account"] == "1920:10001")
            assert bank == net_of[(provider, payout_id)], (provider, payout_id)
            seen[provider] += 1
    assert set(seen) == {"stripe", "vipps", "klarna"}

    # Each clearing account: oslo's at zero, bergen's at exactly its sales not paid out; together
    # the account's balance in Fiken.
    status, out, err = ws.invoke("payouts", "status", "--json")
    assert status == 0, out + err
    rows = {(s["vendor"], s["provider"]): s for s in json.loads(out)}
    assert len(rows) == 6
    for provider, account in CLEARING.items():
        oslo, bergen = rows[("oslo-sentrum", provider)], rows[("bergen-bryggen", provider)]
        assert oslo["clearing_account"] == bergen["clearing_account"] == account
        assert (oslo["open_balance"], oslo["open_items"], oslo["oldest_unpaid_day"]) == (0, [], None), oslo
        assert oslo["sales_booked"] == sum(r[3] for r in sales_of["oslo-sentrum"] if r[4] == provider)
        unpaid = [r for r in sales_of["bergen-bryggen"] if r[4] == provider and r[1] >= UNPAID_FROM]
        assert sorted((i["ref"], i["amount"], i["reason"]) for i in bergen["open_items"]) == \
            sorted((r[0], r[3], UNPAID) for r in unpaid), provider
        assert bergen["open_balance"] == sum(r[3] for r in unpaid) > 0 and bergen["explained"]
        assert bergen["oldest_unpaid_day"] == min(r[1] for r in unpaid).isoformat()
        in_fiken = sum(line["amount"] for entry in sb.journal_entries(SLUG) for line in entry["lines"]
                       if line["account"] == account)
        assert in_fiken == oslo["open_balance"] + bergen["open_balance"], provider
