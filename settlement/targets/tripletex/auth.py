"""Tripletex's tokens: the consumer token (the integration's) and the employee token (the
company's) make a session token, which is the password of every other request's Basic auth.

`SessionCredentials` holds the two configured tokens and the current session; the transport asks it
for the Authorization header and tells it when a session must be made (first use, expiry, or a
401 once). Tokens are held as pydantic SecretStr where they come from settings, and never logged.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from settlement.domain.text import joined, tr

# A session is asked for this many days; it is renewed a day before its expirationDate so a
# request never races the end of the day in Tripletex's time zone.
SESSION_DAYS = 2


@dataclass(frozen=True)
class Session:
    token: str
    expires: date


class SessionCredentials:
    """The consumer and employee tokens of one credential, and the session made from them.

    company_id: the Basic auth user name: "0" for the employee's own company (the default), or an
        accountant client's company id.
    credential_label: which credential this is in messages ("default", "bergen-franchise").
    settings: the names of the settings that hold the tokens, for messages.
    """

    def __init__(self, consumer_token: str, employee_token: str, *, company_id: str = "0",
                 credential_label: str = "default",
                 settings: tuple[str, str] = ("SETTLEMENT_TRIPLETEX_CONSUMER_TOKEN", "SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN"),
                 today: Callable[[], date] = date.today):
        self._consumer, self._employee = consumer_token, employee_token
        self.company_id, self.credential_label, self.settings = company_id, credential_label, settings
        self.today = today
        self._session: Session | None = None
        self.lock = threading.Lock()

    def __repr__(self) -> str:  # never show a token, even in a traceback's locals
        return f"SessionCredentials(credential={self.credential_label!r})"

    def hint(self) -> str:
        """What to fix when the tokens are refused."""
        return tr("Tripletex refused the tokens of credential {credential!r}: check {settings} (the employee "
                  "token may be revoked or expired)", credential=self.credential_label, settings=joined(self.settings[:2]))

    def create_params(self) -> dict[str, str]:
        """The query of PUT /token/session/:create (contains secrets: never log it)."""
        expires = self.today() + timedelta(days=SESSION_DAYS)
        return {"consumerToken": self._consumer, "employeeToken": self._employee, "expirationDate": expires.isoformat()}

    def needs_session(self) -> bool:
        session = self._session
        return session is None or self.today() >= session.expires - timedelta(days=1)

    def store(self, token: str, expires: date) -> None:
        self._session = Session(token, expires)

    def forget(self, authorization: str) -> bool:
        """Drop the session that `authorization` carried (after a 401); False when it was already
        replaced by another thread, which is just as good."""
        if self._session is not None and self.authorization() == authorization:
            self._session = None
        return True

    def authorization(self) -> str:
        """'Basic base64(company_id:session token)'; the transport makes the session first."""
        if self._session is None:
            raise RuntimeError("no Tripletex session yet")
        raw = f"{self.company_id}:{self._session.token}".encode("utf-8")
        return "Basic " + base64.b64encode(raw).decode("ascii")

    @property
    def session_token(self) -> str | None:
        """The current session token (for tests that check it never reaches a log)."""
        return None if self._session is None else self._session.token
