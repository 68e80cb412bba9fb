"""A month of generated sales and Stripe payouts for two vendors, posted through the real CLI into
the Fiken sandbox: every payout booked once, each payout voucher balanced with Σ net equal to what
reached the bank, and each clearing account back to exactly the open items `payouts status` lists
(zero for the vendor whose sales were all paid out)."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta

from tests.fixtures_posting import live_keys
from tests.test_payouts_support import Row, sales_csv, stripe_csv, with_payouts

SLUG = "demo-as"
DAYS = [date(2026, 11, 2) + timedelta(days=n) for n in range(26) if (date(2026, 11, 2) + timedelta(days=n)).weekday() != 6]


def _month(vendor: str, seed: int, unpaid_from: date | None):
    """The vendor's receipts (id, local time, øre) and report rows: each day's captures paid out two
    days later, fees 1,4 % + 1,80 NOK; from `unpaid_from` on, nothing is paid out yet."""
    rng = random.Random(seed)
    receipts, rows = [], []
    for day in DAYS:
        for n in range(rng.randint(2, 5)):
            receipt = f"{vendor[:3].upper()}-{day:%m%d}-{n}"
            amount = rng.randint(50, 5000) * 100 + rng.choice((0, 50, 90))
            moment = f"{day.isoformat()}T{10 + n:02d}:{rng.randint(0, 59):02d}:00"
            receipts.append((receipt, moment, amount))
            if unpaid_from is None or day < unpaid_from:
                fee = (amount * 14 + 500) // 1000 + 180
                utc = f"{day.isoformat()} {9 + n:02d}:00:00"  # Oslo is UTC+1 in November
                rows.append(Row(f"po_{vendor[:3]}_{day:%m%d}", (day + timedelta(days=2)).isoformat(),
                                f"txn_{receipt}", utc, amount, fee, order=receipt if n % 2 else ""))
    return receipts, rows


def test_a_month_for_two_vendors_returns_each_clearing_account_to_its_open_items(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    # Some 300 ledger requests: Fiken's pace of 4 a second (client and sandbox) would take over a
    # minute; the pace is tested with the Fiken client and the replica tests, here it only costs time.
    sb.config.rate_limit_per_second = None
    ws.extra_env["SETTLEMENT_FIKEN_REQUESTS_PER_SECOND"] = "1000"
    with_payouts(ws)
    bergen_receipts, bergen_rows = _month("bergen-bryggen", 1, unpaid_from=date(2026, 11, 26))
    oslo_receipts, oslo_rows = _month("oslo-sentrum", 2, unpaid_from=None)
    # Bergen: a refund made in Stripe's dashboard with no return at the till, and a capture that no
    # sale of this product put on the clearing account (a payment link, say).
    refunded = next(r for r in bergen_receipts if r[0].endswith("-1"))  # a receipt Stripe names (order ref)
    bergen_rows.append(Row("po_ber_1110", "2026-11-12", "txn_refund", "2026-11-10 12:00:00", -5000, 0,
                           category="refund", order=refunded[0]))
    bergen_rows.append(Row("po_ber_1110", "2026-11-12", "txn_link", "2026-11-10 13:00:00", 77700, 1100))
    for vendor, receipts, rows in (("bergen-bryggen", bergen_receipts, bergen_rows),
                                   ("oslo-sentrum", oslo_receipts, oslo_rows)):
        ws.write(f"in/{vendor}.csv", sales_csv(receipts))
        assert ws.invoke("import", "sales", f"in/{vendor}.csv", "--vendor", vendor)[0] == 0
        for day in DAYS:
            status, out, err = ws.invoke("run", "--vendor", vendor, "--date", day.isoformat())
            assert status == 0, out + err
        ws.write(f"in/{vendor}-payouts.csv", stripe_csv(rows))
        status, out, err = ws.invoke("import", "payouts", f"in/{vendor}-payouts.csv", "--provider", "stripe",
                                     "--vendor", vendor)
        assert status == 0, out + err

    status, out, err = ws.invoke("payouts", "post")
    assert status == 0, out + err
    # Every payout booked once (all arrived by the 30th); nothing new on a second run.
    payout_ids = {r.payout for r in bergen_rows + oslo_rows}
    keys = live_keys(sb)
    payout_keys = {k: n for k, n in keys.items() if k.startswith("[settlement:payout:")}
    assert payout_keys == {f"[settlement:payout:stripe:{p}:v1]": 1 for p in payout_ids}
    before = len(sb.requests)
    assert ws.invoke("payouts", "post")[0] == 0 and len(sb.requests) == before

    # Each payout voucher balances and its bank line is Σ net of its rows.
    net_of = Counter()
    for r in bergen_rows + oslo_rows:
        net_of[r.payout] += r.gross - r.fee
    for entry in sb.journal_entries(SLUG):
        description = entry.get("description") or ""
        if "[settlement:payout:" in description:
            payout_id = description.split("[settlement:payout:stripe:")[1].split(":v1]")[0]
            assert sum(line["amount"] for line in entry["lines"]) == 0
            bank = sum(line["amount"] for line in entry["lines"] if line["account"] == "1920:10001")
            assert bank == net_of[payout_id], payout_id

    status, out, err = ws.invoke("payouts", "status", "--json")
    statuses = {s["vendor"]: s for s in json.loads(out)}
    oslo, bergen = statuses["oslo-sentrum"], statuses["bergen-bryggen"]
    assert oslo["open_balance"] == 0 and oslo["open_items"] == [] and oslo["oldest_unpaid_day"] is None
    unpaid = [r for r in bergen_receipts if r[1][:10] >= "2026-11-26"]
    expected = sorted([(r[0], r[2], "sale not paid out (yet)") for r in unpaid]
                      + [(refunded[0], 5000, "refund made at the provider without a return in the sales"),
                         ("ch_link", -77700, "capture with no sale (booked outside this product?)")])
    assert sorted((i["ref"], i["amount"], i["reason"]) for i in bergen["open_items"]) == expected
    assert bergen["open_balance"] == sum(amount for _, amount, _ in expected) and bergen["explained"]
    assert bergen["oldest_unpaid_day"] == "2026-11-26"  # the oldest sale not paid out
    # The clearing account in Fiken, from everything booked, is the sum of both open balances.
    in_fiken = sum(line["amount"] for entry in sb.journal_entries(SLUG) for line in entry["lines"]
                   if line["account"] == "1583")
    assert in_fiken == oslo["open_balance"] + bergen["open_balance"]
    assert oslo["sales_booked"] == sum(r[2] for r in oslo_receipts)
    assert oslo["paid_out"] == sum(net_of[p] for p in net_of if p.startswith("po_osl"))

    # The accountant's spreadsheet: each open item of the period and a balance row per account.
    status, out, err = ws.invoke("report", "--payouts", "--from", "2026-11-01", "--to", "2026-11-30")
    assert status == 0, out + err
    lines = out.strip().splitlines()
    assert lines[0].startswith("butikk;leverandør;leverandørkonto;konto;dato;type")
    assert len(lines) == 1 + len(expected) + 2
    assert any(line.startswith("bergen-bryggen;stripe;acct_bergen;1583;2026-11-10;åpen post;ch_link;po_ber_1110;-777,00")
               for line in lines)
