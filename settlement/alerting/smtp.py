"""Alerts as e-mail over SMTP (the standard library's smtplib): STARTTLS and login as configured in
`[alerts.email]`, the password from SETTLEMENT_ALERT_SMTP_PASSWORD (or its secrets file).

An alert about a store goes to that store's `alerts_to` when it has one, else to `to`; a credential
alert goes to `to` and to the own recipients of the stores it stops.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from settlement.alerting.messages import render
from settlement.domain.alerts_config import AlertsConfig, EmailConfig
from settlement.posting.alerts import Alert

TIMEOUT = 20.0  # seconds for the connection and each SMTP command


class EmailChannel:
    """E-mail through one SMTP server (settlement.posting.alerts.AlertChannel)."""

    name = "email"

    def __init__(self, config: AlertsConfig, password: str | None = None, timeout: float = TIMEOUT):
        if config.email is None:
            raise ValueError("no [alerts.email] configured")
        self.config, self.email, self.password, self.timeout = config, config.email, password, timeout

    def recipients(self, alert: Alert) -> list[str]:
        condition = alert.condition
        if condition.vendor:
            return list(self.config.recipients(condition.vendor))
        found = list(self.email.to)
        for vendor in condition.affected:
            found += [r for r in self.config.vendor_recipients.get(vendor, ()) if r not in found]
        return found

    def message(self, alert: Alert) -> EmailMessage:
        """The e-mail of an alert (plain text, UTF-8)."""
        text = render(alert)
        mail = EmailMessage()
        mail["Subject"] = text.title
        mail["From"] = self.email.sender
        mail["To"] = ", ".join(self.recipients(alert))
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=self.email.sender.rpartition("@")[2] or None)
        mail.set_content(text.text)
        return mail

    def send(self, alert: Alert) -> None:
        mail = self.message(alert)
        with smtplib.SMTP(self.email.host, self.email.port, timeout=self.timeout) as server:
            _login(server, self.email, self.password)
            server.send_message(mail)


def _login(server: smtplib.SMTP, email: EmailConfig, password: str | None) -> None:
    server.ehlo()
    if email.starttls:
        server.starttls(context=ssl.create_default_context())
        server.ehlo()
    if email.user:
        if not password:
            raise smtplib.SMTPAuthenticationError(535, b"no password: set SETTLEMENT_ALERT_SMTP_PASSWORD")
        server.login(email.user, password)
