"""Tripletex's three tokens: consumer (the integration's), employee (a company's, for one
employee), session (made from the two by PUT /token/session/:create, used as the Basic password).

A session token is valid through its expirationDate (the whole day, in the sandbox's clock; what
Tripletex does at the exact hour is UNCERTAIN). `expire()` ends sessions early for tests.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from datetime import date
from typing import Callable

from settlement.tripletex_sandbox.errors import CODE_FORBIDDEN, CODE_UNAUTHORIZED, ApiError, Invalid, validation_failed


@dataclass
class Session:
    token: str
    company_id: int
    employee_token: str
    expires: date
    revoked: bool = False


def unauthorized(message: str = "Du må logge inn for å få tilgang.") -> ApiError:
    return ApiError(401, CODE_UNAUTHORIZED, "Unauthorized", developer_message=message)


class Sessions:
    """Registered consumer and employee tokens, and the session tokens made from them."""

    def __init__(self, today: Callable[[], date] = date.today) -> None:
        self._lock = threading.Lock()
        self.today = today
        self.consumer_tokens: set[str] = set()
        self.employee_tokens: dict[str, int] = {}  # employee token → company id
        self.sessions: dict[str, Session] = {}

    def add_consumer(self) -> str:
        token = "consumer-" + secrets.token_urlsafe(18)
        self.consumer_tokens.add(token)
        return token

    def add_employee(self, company_id: int) -> str:
        token = "employee-" + secrets.token_urlsafe(18)
        self.employee_tokens[token] = company_id
        return token

    def create(self, query: dict[str, str]) -> Session:
        """PUT /token/session/:create: all three parameters required, both tokens known."""
        missing = [name for name in ("consumerToken", "employeeToken", "expirationDate") if not query.get(name)]
        if missing:
            raise validation_failed([Invalid(name, "Kan ikke være null.", name) for name in missing])
        try:
            expires = date.fromisoformat(query["expirationDate"])
        except ValueError:
            raise validation_failed([Invalid("expirationDate", "Ugyldig dato (YYYY-MM-DD).", "expirationDate")]) from None
        if expires < self.today():
            raise validation_failed([Invalid("expirationDate", "Utløpsdatoen kan ikke være passert.", "expirationDate")])
        if query["consumerToken"] not in self.consumer_tokens or query["employeeToken"] not in self.employee_tokens:
            # Tripletex answers an unknown token pair with 403 (assumed; the code table has 403/9000).
            raise ApiError(403, CODE_FORBIDDEN, "Forbidden", developer_message="Invalid consumer or employee token")
        session = Session("session-" + secrets.token_urlsafe(24), self.employee_tokens[query["employeeToken"]],
                          query["employeeToken"], expires)
        with self._lock:
            self.sessions[session.token] = session
        return session

    def authenticate(self, authorization: str | None) -> Session:
        """The session of a Basic header `<0 or company id>:<session token>`; 401 otherwise."""
        if not authorization or not authorization.lower().startswith("basic "):
            raise unauthorized("Send HTTP Basic auth: company id (or 0) and the session token")
        try:
            user, _, token = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise unauthorized("Malformed Basic credentials") from None
        with self._lock:
            session = self.sessions.get(token)
        if session is None or session.revoked:
            raise unauthorized("Unknown or deleted session token")
        if session.expires < self.today():
            raise unauthorized("The session token has expired")
        if user not in ("", "0", str(session.company_id)):
            raise ApiError(403, CODE_FORBIDDEN, "Forbidden",
                           developer_message=f"No login access to company {user}")
        return session

    def expire(self, token: str | None = None) -> None:
        """End one session (or all) now, as if its expirationDate had passed."""
        with self._lock:
            for session in self.sessions.values():
                if token is None or session.token == token:
                    session.revoked = True

    def delete(self, token: str) -> bool:
        with self._lock:
            session = self.sessions.get(token)
            if session is None:
                return False
            session.revoked = True
            return True
