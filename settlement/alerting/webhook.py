"""Alerts POSTed as JSON to an incoming webhook (Slack, Microsoft Teams, Mattermost).

The body has a top-level "text", which all three show as the message, and a "settlement" object
with the same facts as fields, for a bot or a workflow that reads them. A webhook URL carries its
own secret (Slack's and Teams' paths are the credential), so neither logs nor errors show its path:
the channel is named by its host and a hash of the URL.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import requests

from settlement.alerting.messages import render
from settlement.posting.alerts import CREDENTIAL, PAYOUT, Alert

TIMEOUT = (5.0, 15.0)  # (connect, read) seconds


class WebhookError(Exception):
    """The webhook did not take the alert (no answer, or not a 2xx); the URL's path is not in it."""


def webhook_body(alert: Alert) -> dict:
    """The JSON an alert is sent as."""
    message, condition = render(alert), alert.condition
    return {
        "text": message.text,
        "settlement": {
            "event": "recovery" if alert.recovered else "alert",
            "condition": condition.kind,
            "title": message.title,
            "vendor": condition.vendor or None,
            "vendor_name": alert.vendor_name or None,
            "date": condition.day.isoformat() if condition.day else None,
            "reason": condition.reason or None,
            "credential": condition.subject if condition.kind == CREDENTIAL else None,
            "payout": condition.subject if condition.kind == PAYOUT else None,  # "<provider>:<payout id>"
            "affected": list(condition.affected),
            "status_now": alert.resolution or None,
        },
    }


class WebhookChannel:
    """One webhook URL (settlement.posting.alerts.AlertChannel)."""

    def __init__(self, url: str, session: requests.Session | None = None, timeout: tuple[float, float] = TIMEOUT):
        self.url, self.timeout = url, timeout
        self.host = urlsplit(url).netloc
        self.name = f"webhook:{self.host[:40]}:{hashlib.sha256(url.encode()).hexdigest()[:10]}"
        self.session = session or requests.Session()

    def send(self, alert: Alert) -> None:
        try:
            response = self.session.post(self.url, json=webhook_body(alert), timeout=self.timeout)
        except requests.RequestException as exc:
            # requests' message names the whole URL: say only which host and what kind of failure.
            raise WebhookError(f"{self.host} could not be reached ({type(exc).__name__})") from None
        if not 200 <= response.status_code < 300:
            raise WebhookError(f"{self.host} answered {response.status_code} {response.reason or ''}".rstrip())
