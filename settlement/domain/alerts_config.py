"""The `[alerts]` table of vendors.toml: where a person is told that a day needs them.

Example::

    [alerts]
    webhooks = ["https://hooks.slack.com/services/T000/B000/XXXX"]
    missing_grace = "2h"   # a day without data is alerted this long after its closing (default 0)

    [alerts.email]
    host = "smtp.example.no"
    port = 587
    starttls = true
    user = "settlement@example.no"
    from = "settlement@example.no"
    to = ["regnskap@example.no"]

    [[vendors]]
    id = "oslo-sentrum"
    alerts_to = ["butikksjef.oslo@example.no"]   # e-mail recipients of this store's alerts instead of `to`

The SMTP password is a secret (SETTLEMENT_ALERT_SMTP_PASSWORD or its secrets file), never here.
Parsed apart from the vendors so that parse_vendors only needs to let these keys through
(ALERTS_KEY, VENDOR_ALERT_KEYS) and add alerts_problems.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from settlement.domain.problems import Problem, error
from settlement.domain.text import tr

ALERTS_KEY = "alerts"  # the top-level table
VENDOR_ALERT_KEYS = frozenset({"alerts_to"})  # the keys a [[vendors]] table may carry for alerts
_EMAIL_KEYS = ("host", "port", "starttls", "user", "from", "to")
_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


@dataclass(frozen=True, slots=True)
class EmailConfig:
    """Sending alerts over SMTP.

    host, port: the SMTP server (587, the submission port, unless told).
    starttls: upgrade the connection with STARTTLS before logging in (true unless told).
    user: the login name; "" sends without logging in (a relay that trusts the host).
    sender: the From address (`from` in the file).
    to: the recipients of every vendor without its own `alerts_to`.
    """

    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 587
    starttls: bool = True
    user: str = ""


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """Where alerts go. An empty one (no webhooks, no email) sends nothing.

    webhooks: URLs an alert is POSTed to as JSON (Slack, Teams and Mattermost incoming webhooks).
    email: the SMTP settings, or None for no e-mail.
    vendor_recipients: a vendor's own e-mail recipients (`alerts_to`), by vendor id.
    missing_grace: how long after its closing (and settle_delay) a day without data is alerted as
        missing: room for a POS that exports late.
    """

    webhooks: tuple[str, ...] = ()
    email: EmailConfig | None = None
    vendor_recipients: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    missing_grace: timedelta = timedelta(0)

    @property
    def enabled(self) -> bool:
        return bool(self.webhooks or self.email)

    def recipients(self, vendor_id: str | None) -> tuple[str, ...]:
        """Whom an e-mail about `vendor_id` goes to (None: about no vendor, e.g. a credential)."""
        if vendor_id is not None and vendor_id in self.vendor_recipients:
            return self.vendor_recipients[vendor_id]
        return self.email.to if self.email else ()


def _line_of(text: str, pattern: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(pattern, line.strip()):
            return number
    return None


def _addresses(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(tr("{key} must be a list of e-mail addresses, like {example}", key=what,
                            example='["regnskap@example.no"]'))
    found = tuple(v.strip() for v in value)
    for address in found:
        if not _ADDRESS.fullmatch(address):
            raise ValueError(tr("{key}: {address!r} is not an e-mail address", key=what, address=address))
    return found


def _webhooks(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(tr("must be a list of URLs, like {example}", example='["https://hooks.slack.com/services/..."]'))
    urls = tuple(v.strip() for v in value)
    for url in urls:
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            raise ValueError(tr("{url!r} is not an http(s) URL", url=url))
    return urls


def _grace(value: Any) -> timedelta:
    """"30m", "2h", "1h30m" or "0m" (at most 48h)."""
    match = re.fullmatch(r"(?:([0-9]{1,2})h)?(?:([0-9]{1,4})m)?", value.strip()) if isinstance(value, str) else None
    if match is None or not value.strip():
        raise ValueError(tr('must be a duration like "30m", "2h" or "1h30m"'))
    grace = timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))
    if grace > timedelta(hours=48):
        raise ValueError(tr("{value!r} is longer than {hours}h", value=value.strip(), hours=48))
    return grace


def _email(value: Any) -> EmailConfig:
    if not isinstance(value, dict):
        raise ValueError(tr("must be a table [alerts.email]"))
    unknown = sorted(set(value) - set(_EMAIL_KEYS))
    if unknown:
        raise ValueError(tr("unknown key {key!r} (expected {keys})", key=unknown[0], keys=", ".join(_EMAIL_KEYS)))
    for key in ("host", "from", "to"):
        if key not in value:
            raise ValueError(tr("missing required key {key!r}", key=key))
    host = value["host"]
    if not isinstance(host, str) or not host.strip():
        raise ValueError(tr("host must be the SMTP server's name"))
    port = value.get("port", 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(tr("port must be a port number (587 for submission with STARTTLS, 465 is not supported)"))
    starttls = value.get("starttls", True)
    if not isinstance(starttls, bool):
        raise ValueError(tr("starttls must be true or false"))
    user = value.get("user", "")
    if not isinstance(user, str):
        raise ValueError(tr("user must be a text"))
    [sender] = _addresses([value["from"]], "from")
    return EmailConfig(host.strip(), sender, _addresses(value["to"], "to"), port, starttls, user.strip())


def parse_alerts(document: Mapping[str, Any], text: str, file: str) -> tuple[AlertsConfig, list[Problem]]:
    """The alerts configuration of a parsed vendors.toml `document` (its `text` for line numbers).

    A bad key is a problem naming file and line, and its part is left out (never guessed).
    """
    problems: list[Problem] = []
    table = document.get(ALERTS_KEY, {})
    line = _line_of(text, r"^\[\s*alerts\s*\]")
    webhooks: tuple[str, ...] = ()
    email = None
    if not isinstance(table, dict):
        table = {}
        problems.append(error(tr("`alerts` must be a table [alerts]"), file=file, line=line))
    grace = timedelta(0)
    for key in sorted(set(table) - {"webhooks", "email", "missing_grace"}):
        problems.append(error(tr("[alerts]: unknown key {key!r} (expected webhooks, missing_grace, [alerts.email])", key=key),
                              file=file,
                              line=_line_of(text, rf"^{re.escape(key)}\s*=") or line, column=key))
    if "webhooks" in table:
        try:
            webhooks = _webhooks(table["webhooks"])
        except ValueError as exc:
            problems.append(error(tr("[alerts]: key 'webhooks' {reason}", reason=exc), file=file, column="webhooks",
                                  line=_line_of(text, r"^webhooks\s*=") or line))
    if "missing_grace" in table:
        try:
            grace = _grace(table["missing_grace"])
        except ValueError as exc:
            problems.append(error(tr("[alerts]: key 'missing_grace' {reason}", reason=exc), file=file, column="missing_grace",
                                  line=_line_of(text, r"^missing_grace\s*=") or line))
    if "email" in table:
        try:
            email = _email(table["email"])
        except ValueError as exc:
            problems.append(error(tr("[alerts.email]: {reason}", reason=exc), file=file,
                                  line=_line_of(text, r"^\[\s*alerts\.email\s*\]") or line))
    recipients: dict[str, tuple[str, ...]] = {}
    entries = document.get("vendors", [])
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or "alerts_to" not in entry:
            continue
        label = entry.get("id") if isinstance(entry.get("id"), str) else "?"
        try:
            recipients[label] = _addresses(entry["alerts_to"], "alerts_to")
        except ValueError as exc:
            problems.append(error(tr("vendor {vendor}: key 'alerts_to': {reason}", vendor=label, reason=exc), file=file, ref=label,
                                  column="alerts_to", line=_line_of(text, r"^alerts_to\s*=")))
            continue
        if "email" not in table:
            problems.append(error(tr("vendor {vendor}: key 'alerts_to' needs an [alerts.email] table (the SMTP "
                                     "server its alerts are sent through)", vendor=label), file=file, ref=label, column="alerts_to",
                                  line=_line_of(text, r"^alerts_to\s*=")))
    return AlertsConfig(webhooks, email, recipients, grace), problems


def alerts_problems(document: Mapping[str, Any], text: str, file: str) -> list[Problem]:
    """What is wrong with the alerts configuration (parse_vendors adds these to its problems)."""
    return parse_alerts(document, text, file)[1]


def alerts_from_text(text: str, file: str) -> tuple[AlertsConfig, list[Problem]]:
    """The alerts configuration of a vendors file's text (an unreadable file configures none)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return AlertsConfig(), []  # parse_vendors reports the file itself
    return parse_alerts(document, text, file)
