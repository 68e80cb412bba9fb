"""Signed session cookies and CSRF tokens.

A session is a small JSON object (user name, CSRF token, expiry) signed with HMAC-SHA256 under the
session secret; nothing else is kept on the server, so replicas sharing SETTLEMENT_WEB_SESSION_SECRET
share sessions. The role is not in it: it is read from the users file on each request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE = "settlement_session"
LIFETIME_SECONDS = 8 * 3600  # a working day; then log in again


@dataclass(frozen=True)
class Session:
    """user: the logged-in name (None before login); csrf: the token every form must send back."""

    user: str | None
    csrf: str
    expires: float


def new_session(user: str | None) -> Session:
    return Session(user, secrets.token_urlsafe(24), time.time() + LIFETIME_SECONDS)


class Signer:
    """Turns sessions into cookie values and back; a forged or expired cookie reads as None."""

    def __init__(self, secret: str | None):
        self._key = (secret or secrets.token_urlsafe(32)).encode("utf-8")

    def _mac(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._key, payload, hashlib.sha256).digest()).decode().rstrip("=")

    def dump(self, session: Session) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(
            {"u": session.user, "c": session.csrf, "e": int(session.expires)}, separators=(",", ":")).encode())
        return payload.decode().rstrip("=") + "." + self._mac(payload.rstrip(b"="))

    def load(self, value: str | None) -> Session | None:
        if not value or "." not in value:
            return None
        payload, mac = value.rsplit(".", 1)
        if not hmac.compare_digest(self._mac(payload.encode()), mac):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = Session(data["u"], str(data["c"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > time.time() else None


def same_token(expected: str, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())
