"""Payout failures are seen: a payout that cannot be booked (its clearing key is not in the chart)
makes `catch-up` exit 1, shows in `payouts status` with its reason, is alerted once through a real
webhook receiver and SMTP server (not again by later runs), and recovered once when it is booked."""

from __future__ import annotations

import json

import pytest

from tests.fixtures_alerts import SmtpServer, WebhookReceiver
from tests.test_payouts_support import Row, sales_csv, stripe_csv

DAY = "2026-11-04"


def _vendors(webhook: str, smtp_port: int, payment: str) -> str:
    return f"""
[alerts]
webhooks = ["{webhook}"]

[alerts.email]
host = "127.0.0.1"
port = {smtp_port}
starttls = false
user = "alerts@example.no"
from = "alerts@example.no"
to = ["regnskap@example.no"]

[[vendors]]
id = "bergen-bryggen"
name = "Bergen Bryggen"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = {DAY}
fiken_company = "demo-as"
payouts = [{{ provider = "stripe", account = "acct_bergen", payment = "{payment}" }}]
"""


@pytest.fixture
def alerting(posting_ws):
    receiver, smtp = WebhookReceiver().start(), SmtpServer().start()
    posting_ws.extra_env["SETTLEMENT_ALERT_SMTP_PASSWORD"] = smtp.password
    posting_ws.receiver, posting_ws.smtp = receiver, smtp
    posting_ws.vendors = lambda payment: posting_ws.write("vendors.toml", _vendors(receiver.url, smtp.port, payment))
    yield posting_ws
    receiver.stop()
    smtp.stop()


def test_a_blocked_payout_fails_catch_up_shows_in_status_and_is_alerted_once(alerting):
    ws = alerting
    ws.vendors("payment_stripe_eu")  # a clearing key the chart does not have
    ws.write("in/day.csv", sales_csv([("S-1", f"{DAY}T12:00:00", 25000)]))
    assert ws.invoke("import", "sales", "in/day.csv", "--vendor", "bergen-bryggen")[0] == 0
    ws.write("in/po.csv", stripe_csv([Row("po_1", "2026-11-06", "txn_S-1", f"{DAY} 11:00:00", 25000, 530, order="S-1")]))
    status, out, err = ws.invoke("import", "payouts", "in/po.csv", "--provider", "stripe", "--vendor", "bergen-bryggen")
    assert status == 0, out + err

    status, out, err = ws.invoke("catch-up", "--through", DAY)
    assert status == 1, out + err
    assert "bergen-bryggen: payout not booked (blocked): stripe payout po_1: " in out, out + err
    assert "stripe payout po_1: stripe payout po_1" not in out, "the payout is named once"
    assert "ledger key 'payment_stripe_eu' is not in the ledger of bergen-bryggen" in out
    [body] = ws.receiver.bodies
    facts = body["settlement"]
    assert (facts["event"], facts["condition"], facts["payout"], facts["credential"]) == ("alert", "payout", "stripe:po_1", None)
    assert facts["date"] == "2026-11-06" and "payment_stripe_eu" in facts["reason"]
    assert body["text"].startswith("Payout needs help: Bergen Bryggen (bergen-bryggen), the payout po_1 from Stripe")
    [(_, _, mail)] = ws.smtp.mails
    assert "settlement payouts post --vendor bergen-bryggen" in mail.get_content()

    status, out, err = ws.invoke("payouts", "status", "--vendor", "bergen-bryggen", "--json")
    [row] = json.loads(out)
    [waiting] = row["waiting"]
    assert waiting["payout_id"] == "po_1" and waiting["reason"].startswith("blocked: ")
    assert "ledger key 'payment_stripe_eu' is not in the ledger of bergen-bryggen" in waiting["reason"]

    # Later runs see the same payout still blocked: exit 1 again, nothing more sent.
    status, out, err = ws.invoke("catch-up", "--through", DAY)
    assert status == 1, out + err
    assert len(ws.receiver.bodies) == 1 and len(ws.smtp.mails) == 1

    # Fixed (the account's clearing key is the chart's) and booked: one recovery, then silence.
    ws.vendors("payment_stripe")
    status, out, err = ws.invoke("catch-up", "--through", DAY)
    assert status == 0, out + err
    assert [b["settlement"]["event"] for b in ws.receiver.bodies] == ["alert", "recovery"]
    recovery = ws.receiver.bodies[1]
    assert recovery["text"].startswith("Resolved: Bergen Bryggen (bergen-bryggen), the payout po_1 from Stripe")
    assert "posted, with the payout report attached" in recovery["text"]
    assert ws.invoke("catch-up", "--through", DAY)[0] == 0
    assert len(ws.receiver.bodies) == 2 and len(ws.smtp.mails) == 2
    status, out, err = ws.invoke("payouts", "status", "--vendor", "bergen-bryggen", "--json")
    assert json.loads(out)[0]["waiting"] == [] and json.loads(out)[0]["open_balance"] == 0


def test_a_payout_the_ledger_refuses_fails_catch_up_and_is_alerted_once(alerting):
    ws = alerting
    ws.vendors("payment_stripe")
    # The fees to an account Fiken's chart does not have: Fiken refuses the payout's journal entry.
    ws.write("chart_of_accounts/vendors/bergen-bryggen.csv", "key;account;name\npayment_fee;7779;Gebyrer (ukjent)\n")
    ws.write("in/po.csv", stripe_csv([Row("po_2", "2026-11-06", "txn_S-2", f"{DAY} 11:00:00", 25000, 530, order="S-2")]))
    assert ws.invoke("import", "payouts", "in/po.csv", "--provider", "stripe", "--vendor", "bergen-bryggen")[0] == 0

    status, out, err = ws.invoke("catch-up", "--through", DAY)
    assert status == 1, out + err
    assert "bergen-bryggen: payout not booked (failed): " in out and "7779" in out, out + err
    payouts = lambda: [b for b in ws.receiver.bodies if b["settlement"]["condition"] == "payout"]  # noqa: E731
    [body] = payouts()  # (the day without sales is alerted as missing, of its own)
    assert body["settlement"]["payout"] == "stripe:po_2"
    assert body["settlement"]["reason"].startswith("failed: ") and "7779" in body["settlement"]["reason"]
    status, out, err = ws.invoke("payouts", "status", "--vendor", "bergen-bryggen", "--json")
    [waiting] = json.loads(out)[0]["waiting"]
    assert waiting["payout_id"] == "po_2" and waiting["reason"].startswith("failed: ")
    assert ws.invoke("catch-up", "--through", DAY)[0] == 1
    assert len(payouts()) == 1
