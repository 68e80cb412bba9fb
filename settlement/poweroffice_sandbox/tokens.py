"""The OAuth 2.0 client-credentials token endpoint and the bearer tokens it hands out
(poweroffice-api.md §1): Basic base64(applicationKey:clientKey), the subscription key, and
grant_type=client_credentials; 400 invalid_client for keys Go does not know.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass

from settlement.poweroffice_sandbox.state import Client, State

DEFAULT_TOKEN_LIFETIME = 1200  # the portal says 20 minutes; the token spec's example shows 600 (UNCERTAIN)


class TokenError(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


@dataclass
class Grant:
    client: Client
    integration: str
    subscription_key: str
    expires: float  # time.monotonic()


class Tokens:
    """Issued access tokens; thread-safe."""

    def __init__(self, state: State, lifetime: int = DEFAULT_TOKEN_LIFETIME) -> None:
        self.state = state
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self.issued = 0  # how many tokens were handed out (tests check the client caches them)

    def issue(self, form: dict[str, str], authorization: str | None, subscription_key: str) -> dict:
        if form.get("grant_type") != "client_credentials":
            raise TokenError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if not authorization or not authorization.lower().startswith("basic "):
            raise TokenError(400, "invalid_client", "Client integration not found: send Basic applicationKey:clientKey")
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
            application_key, client_key = decoded.split(":", 1)
        except (ValueError, UnicodeDecodeError):
            raise TokenError(400, "invalid_client", "Client integration not found: malformed Basic credentials") from None
        client = self.state.client_by_key(client_key)
        if application_key != self.state.application_key or client is None:
            raise TokenError(400, "invalid_client",
                             "Client integration not found. Check the application key and the client key.")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._grants[token] = Grant(client, application_key, subscription_key, time.monotonic() + self.lifetime)
            self.issued += 1
        return {"access_token": token, "token_type": "bearer", "expires_in": self.lifetime}

    def grant(self, token: str | None) -> Grant | None:
        """The grant of a live token, or None (unknown, revoked or expired)."""
        if not token:
            return None
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or time.monotonic() >= grant.expires:
            return None
        return grant

    def expire_all(self) -> None:
        """Let every issued token expire now (tests of renewal)."""
        with self._lock:
            for grant in self._grants.values():
                grant.expires = 0.0


class TokenBucket:
    """Go's limit of N requests per second per subscription key, as a token bucket of N."""

    def __init__(self, per_second: int | None) -> None:
        self.per_second = per_second
        self._lock = threading.Lock()
        self._levels: dict[str, tuple[float, float]] = {}  # key → (tokens, at)

    def take(self, key: str) -> bool:
        if not self.per_second:
            return True
        with self._lock:
            now = time.monotonic()
            level, at = self._levels.get(key, (float(self.per_second), now))
            level = min(float(self.per_second), level + (now - at) * self.per_second)
            if level < 1.0:
                self._levels[key] = (level, now)
                return False
            self._levels[key] = (level - 1.0, now)
            return True
