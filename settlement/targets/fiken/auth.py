"""Token sources: where the client gets the `Authorization` header for each request.

Two kinds exist (fiken-api.md §6):
- `PersonalToken`: a personal API token; it never expires and cannot be refreshed.
- `OAuthToken`: an OAuth2 access token that expires after about 24 h. It refreshes itself shortly
  before expiry and when the client reports a 401, and hands every new token (including a rotated
  refresh token) to its store at once, so a crash cannot lose the only valid refresh token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from pydantic import SecretStr

from settlement.domain.text import tr
from settlement.targets.fiken.errors import ReconnectRequired
from settlement.targets.fiken.oauth import OAuthConfig, OAuthError, refresh_token
from settlement.targets.fiken.token_store import TokenStore

# Refresh this many seconds before the stored expiry, so a token does not expire mid-request.
EXPIRY_MARGIN = 120.0


class TokenSource(Protocol):
    """Supplies the bearer credential for a client, and renews it when it can."""

    kind: str  # "personal token" or "OAuth", for messages

    def authorization(self) -> str:
        """The value of the Authorization header ("Bearer …")."""
        ...

    def refresh(self, rejected: str) -> bool:
        """Renew after the server refused `rejected`; False when this kind cannot renew."""
        ...

    def reconnect_hint(self) -> str:
        """What the user should do when the credential is refused."""
        ...


class PersonalToken:
    """A personal API token from SETTLEMENT_FIKEN_TOKEN or the secrets directory."""

    kind = "personal token"

    def __init__(self, token: SecretStr):
        if not token.get_secret_value().strip():
            raise ValueError("the personal Fiken token is empty")
        self._token = token

    def authorization(self) -> str:
        return f"Bearer {self._token.get_secret_value().strip()}"

    def refresh(self, rejected: str) -> bool:
        return False

    def reconnect_hint(self) -> str:
        return tr(
            "Fiken refused the personal API token (wrong or revoked); create a new one under "
            "Rediger konto → API and set SETTLEMENT_FIKEN_TOKEN"
        )

    def __repr__(self) -> str:
        return "PersonalToken(**********)"


class OAuthToken:
    """The OAuth2 token kept in a TokenStore, refreshed with the refresh token when needed.

    Thread-safe: threads sharing one client share one OAuthToken; only one of them refreshes, the
    others then use the new token.
    """

    kind = "OAuth"

    def __init__(
        self,
        config: OAuthConfig,
        store: TokenStore,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        clock: Callable[[], float] = time.time,
    ):
        self._config = config
        self._store = store
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._token: dict | None = None

    def _current(self) -> dict:
        if self._token is None:
            self._token = self._store.load()
            if not self._token or not self._token.get("access_token"):
                raise ReconnectRequired(
                    tr("no Fiken OAuth token stored in {store}: run `settlement connect`", store=self._store.describe())
                )
        return self._token

    def _expired(self, token: dict) -> bool:
        expires_at = token.get("expires_at")
        return expires_at is not None and float(expires_at) - EXPIRY_MARGIN <= self._clock()

    def authorization(self) -> str:
        with self._lock:
            token = self._current()
            if self._expired(token):
                token = self._renew(token)
            return f"Bearer {token['access_token']}"

    def refresh(self, rejected: str) -> bool:
        with self._lock:
            token = self._current()
            # Another thread may have refreshed while this one waited for its answer.
            if f"Bearer {token['access_token']}" != rejected:
                return True
            self._renew(token)
            return True

    def _renew(self, token: dict) -> dict:
        # Another process sharing the token file (serve and a manual catch-up) may have renewed it
        # already, which spent our refresh token; renewals are serialised by the request gate.
        stored = self._store.load()
        if stored and stored.get("access_token") not in (None, token.get("access_token")) and not self._expired(stored):
            self._token = stored
            return stored
        if not token.get("refresh_token"):
            raise ReconnectRequired(self.reconnect_hint())
        try:
            fresh = refresh_token(self._config, token["refresh_token"], timeout=self._timeout)
        except OAuthError as exc:
            raise ReconnectRequired(f"{self.reconnect_hint()} ({exc.reason})") from None
        if not fresh.get("refresh_token"):
            # Fiken returns "a possibly updated refresh token"; keep the old one when none comes back.
            fresh["refresh_token"] = token["refresh_token"]
        self._store.save(fresh)
        self._token = fresh
        return fresh

    def reconnect_hint(self) -> str:
        return tr("Fiken access was revoked or has expired: run `settlement connect` to connect again")

    def __repr__(self) -> str:
        return f"OAuthToken(store={self._store.describe()})"
