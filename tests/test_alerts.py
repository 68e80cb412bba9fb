"""Alerts through the real CLI: a blocked day is announced once through a real webhook receiver and
a real SMTP server (aiosmtpd), not again by later runs or a second process, and its recovery once
when it is fixed; a webhook answering 500 is logged, settling goes on, and the next run sends it."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from settlement.posting.catchup import closed_days
from tests.fixtures_alerts import SmtpServer, WebhookReceiver

DAY = "2026-11-04"
HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
BITCOIN = f"B1;{DAY}T12:00:00;sale;high;3;125,00;25,00\nB1;{DAY}T12:00:00;payment;bitcoin;;125,00;\n"


def _vendors(webhook: str, smtp_port: int, alerts_to: str = "") -> str:
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
{alerts_to}
"""


@pytest.fixture
def alerting(posting_ws):
    """The posting workspace with [alerts] pointing at a webhook receiver and an SMTP server."""
    receiver, smtp = WebhookReceiver().start(), SmtpServer().start()
    posting_ws.write("vendors.toml", _vendors(receiver.url, smtp.port))
    posting_ws.extra_env["SETTLEMENT_ALERT_SMTP_PASSWORD"] = smtp.password
    posting_ws.receiver, posting_ws.smtp = receiver, smtp
    yield posting_ws
    receiver.stop()
    smtp.stop()


def _import_bitcoin_day(ws) -> None:
    path = ws.write("in/day.csv", HEADER + BITCOIN)
    status, out, err = ws.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")
    assert status == 0, out + err


def _fix_mapping(ws) -> None:
    with (ws.chart / "mapping.csv").open("a", encoding="utf-8") as handle:
        handle.write("payment;bitcoin;payment_card\n")


def test_a_blocked_day_is_alerted_once_through_both_channels_and_recovered_once(alerting):
    ws = alerting
    _import_bitcoin_day(ws)
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", DAY)
    assert status == 1 and "blocked" in out, out + err

    [body] = ws.receiver.bodies
    assert body["settlement"]["event"] == "alert" and body["settlement"]["condition"] == "blocked"
    assert body["settlement"]["vendor"] == "bergen-bryggen" and body["settlement"]["date"] == DAY
    assert "Bergen Bryggen (bergen-bryggen)" in body["text"] and "Wednesday 4 November 2026" in body["text"]
    assert "bitcoin" in body["text"] and "What to do:" in body["text"]
    [(sender, recipients, mail)] = ws.smtp.mails
    assert (sender, recipients) == ("alerts@example.no", ["regnskap@example.no"])
    assert mail["Subject"] == "Daily settlement needs help: Bergen Bryggen (bergen-bryggen), Wednesday 4 November 2026"
    assert "bitcoin" in mail.get_content() and "import the day again" in mail.get_content()
    assert ws.smtp.mailbox.logins and ws.smtp.mailbox.logins[0][1] == "alerts@example.no"  # the secret was used

    # Later runs see the same condition: nothing more is sent.
    for command in (("run", "--vendor", "bergen-bryggen", "--date", DAY), ("catch-up", "--through", DAY)):
        status, out, err = ws.invoke(*command)
        assert status == 1, out + err
    assert len(ws.receiver.bodies) == 1 and len(ws.smtp.mails) == 1

    # Fixed (the payment mapped) and settled: one recovery message on each channel, then silence.
    _fix_mapping(ws)
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", DAY)
    assert status == 0 and "documented" in out, out + err
    assert [b["settlement"]["event"] for b in ws.receiver.bodies] == ["alert", "recovery"]
    recovery = ws.receiver.bodies[1]
    assert recovery["text"].startswith("Resolved: Bergen Bryggen (bergen-bryggen), Wednesday 4 November 2026")
    assert "posted, with the daily settlement attached" in recovery["text"]
    assert [m.get("Subject") for _, _, m in ws.smtp.mails][1].startswith("Resolved: Bergen Bryggen")
    ws.invoke("catch-up", "--through", DAY)
    assert len(ws.receiver.bodies) == 2 and len(ws.smtp.mails) == 2


def test_a_failing_webhook_is_logged_settling_goes_on_and_the_next_run_sends_it(alerting):
    ws = alerting
    ws.receiver.fail_next = 1
    _import_bitcoin_day(ws)
    result = ws.run("run", "--vendor", "bergen-bryggen", "--date", DAY)
    assert result.returncode == 1 and "blocked" in result.stdout, result.stdout + result.stderr
    assert ws.receiver.refused == 1 and ws.receiver.bodies == []
    assert "not sent through webhook:127.0.0.1" in result.stderr and "answered 500" in result.stderr
    assert "secret-path" not in result.stderr  # a webhook's path is its secret
    assert len(ws.smtp.mails) == 1  # the other channel is not held up

    result = ws.run("run", "--vendor", "bergen-bryggen", "--date", DAY)
    assert result.returncode == 1
    assert [b["settlement"]["condition"] for b in ws.receiver.bodies] == ["blocked"]
    assert len(ws.smtp.mails) == 1


def test_two_catch_ups_at_once_send_the_alert_once(alerting):
    ws = alerting
    _import_bitcoin_day(ws)
    command = [sys.executable, "-m", "settlement", "catch-up", "--through", DAY, "--wait", "20"]
    runs = [subprocess.Popen(command, cwd=ws.path, env=ws.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert all(code == 1 for code, _, _ in results), results
    assert [b["settlement"]["condition"] for b in ws.receiver.bodies] == ["blocked"]
    assert len(ws.smtp.mails) == 1


def test_a_vendors_own_recipients_get_its_alerts(alerting):
    ws = alerting
    ws.write("vendors.toml", _vendors(ws.receiver.url, ws.smtp.port, 'alerts_to = ["butikk@example.no"]'))
    _import_bitcoin_day(ws)
    ws.invoke("run", "--vendor", "bergen-bryggen", "--date", DAY)
    [(_, recipients, _)] = ws.smtp.mails
    assert recipients == ["butikk@example.no"]


def test_a_refused_credential_is_alerted_once_and_recovered_when_a_posting_goes_through(alerting):
    ws = alerting
    token = ws.extra_env.pop("SETTLEMENT_FIKEN_TOKEN")
    path = ws.write("in/day.csv", HEADER + BITCOIN.replace("bitcoin", "card"))
    assert ws.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")[0] == 0
    for _ in range(2):
        status, out, err = ws.invoke("catch-up", "--through", DAY)
        assert status == 4, out + err
    [body] = ws.receiver.bodies
    assert body["settlement"]["condition"] == "credential" and body["settlement"]["affected"] == ["bergen-bryggen"]
    assert body["text"].startswith("Daily settlement stopped: Fiken refused the login")
    [(_, recipients, _)] = ws.smtp.mails
    assert recipients == ["regnskap@example.no"]

    ws.extra_env["SETTLEMENT_FIKEN_TOKEN"] = token
    status, out, err = ws.invoke("catch-up", "--through", DAY)
    assert status == 0, out + err
    assert [b["settlement"]["event"] for b in ws.receiver.bodies] == ["alert", "recovery"]
    assert ws.receiver.bodies[1]["text"].startswith("Resolved: the login to Fiken works again")


def test_a_bad_alerts_table_is_a_configuration_error_naming_the_line(posting_ws):
    posting_ws.write("vendors.toml", _vendors("ftp://nope", 25).replace("starttls = false", "starttls = 'no'"))
    status, out, err = posting_ws.invoke("accounts", "check")
    assert status != 0
    assert "vendors.toml:3: [alerts]: key 'webhooks' 'ftp://nope' is not an http(s) URL" in out + err
    assert "[alerts.email]: starttls must be true or false" in out + err


def _receipt(rid: str, day: str) -> str:
    return f"{rid};{day}T12:00:00;sale;high;3;125,00;25,00\n{rid};{day}T12:00:00;payment;card;;125,00;\n"


def test_a_missing_day_is_alerted_once_and_recovered_after_day_close(alerting):
    ws = alerting
    ws.write("vendors.toml", _vendors(ws.receiver.url, ws.smtp.port).replace(f"enabled_since = {DAY}",
                                                                             "enabled_since = 2026-11-02"))
    path = ws.write("in/mon-wed.csv", HEADER + _receipt("M1", "2026-11-02") + _receipt("W1", "2026-11-04"))
    assert ws.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")[0] == 0
    for _ in range(2):
        status, out, err = ws.invoke("catch-up", "--through", DAY)
        assert status == 1 and "missing" in out, out + err
    [body] = ws.receiver.bodies
    assert (body["settlement"]["condition"], body["settlement"]["date"]) == ("missing", "2026-11-03")
    assert "Tuesday 3 November 2026" in body["text"] and "settlement day close" in body["text"]

    status, out, err = ws.invoke("day", "close", "--vendor", "bergen-bryggen", "--date", "2026-11-03",
                                 "--reason", "stengt for varetelling")
    assert status == 0, out + err
    status, out, err = ws.invoke("catch-up", "--through", DAY)
    assert status == 0, out + err
    assert [(b["settlement"]["event"], b["settlement"]["date"]) for b in ws.receiver.bodies] == [
        ("alert", "2026-11-03"), ("recovery", "2026-11-03")]
    assert "closed without sales" in ws.receiver.bodies[1]["text"]
    assert len(ws.smtp.mails) == 2


def test_missing_grace_holds_the_alert_back(alerting):
    ws = alerting
    ws.write("vendors.toml", _vendors(ws.receiver.url, ws.smtp.port)
             .replace(f"enabled_since = {DAY}", "enabled_since = 2026-11-03")
             .replace("[alerts.email]", 'missing_grace = "48h"\n\n[alerts.email]'))
    path = ws.write("in/wed.csv", HEADER + _receipt("W1", "2026-11-04"))
    assert ws.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")[0] == 0
    before = datetime.now(timezone.utc)
    status, out, err = ws.invoke("catch-up")
    assert "missing" in out, out + err
    # Only the missing days whose closing is more than 48 hours ago are alerted, each once.
    vendor = ws.app().vendor("bergen-bryggen")
    missing = [d for d in closed_days(vendor, before) if d != date(2026, 11, 4)]
    old = [d.isoformat() for d in missing if vendor.closes_at(d) + timedelta(hours=48) <= before]
    recent = {d.isoformat() for d in missing} - set(old)
    dates = [b["settlement"]["date"] for b in ws.receiver.bodies]
    assert recent and sorted(dates) == old and not recent & set(dates)
