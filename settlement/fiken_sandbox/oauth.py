"""Who may call the API: personal tokens, OAuth clients, codes, access and refresh tokens.

Follows fiken-api.md §6: authorize with automatic consent (redirect with code + state, or error
access_denied when a decline is armed); token endpoint with HTTP Basic client auth only, the
authorization_code grant (code, redirect_uri and state all required) and the refresh_token grant with
rotation (the used refresh token stops working); revoke with the bearer access token, which ends the
whole grant. Personal tokens never expire. Redirect URIs must be loopback http URLs.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from settlement.fiken_sandbox.errors import ApiError

CODE_LIFETIME_SECONDS = 600
DEFAULT_ACCESS_TOKEN_LIFETIME = 86157  # what Fiken answers in expires_in (about 24 h)


@dataclass
class _Grant:
    grant_id: int
    user_id: str
    client_id: str
    revoked: bool = False


@dataclass
class _Code:
    user_id: str
    client_id: str
    redirect_uri: str
    state: str
    expires: float


@dataclass
class _Access:
    user_id: str
    grant_id: int | None  # None: a personal token
    expires: float | None  # time.time(); None: never
    revoked: bool = False


class OAuthError(Exception):
    """An OAuth endpoint answer with {"error", "error_description"}."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def _is_loopback_redirect(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


class Tokens:
    """Thread-safe registry of clients, grants, codes and tokens."""

    def __init__(self, access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME) -> None:
        self._lock = threading.Lock()
        self.access_token_lifetime = access_token_lifetime
        self._clients: dict[str, str] = {}
        self._grants: dict[int, _Grant] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, int] = {}  # refresh token → grant id (only the current one)
        self._next_grant = 1
        self.consent_user: str | None = None  # who consents on /oauth/authorize
        self.decline_next = False

    # --- set-up -------------------------------------------------------------------------------

    def add_client(self) -> tuple[str, str]:
        client_id, secret = "sandbox-app-" + secrets.token_hex(4), secrets.token_urlsafe(24)
        with self._lock:
            self._clients[client_id] = secret
        return client_id, secret

    def add_personal_token(self, user_id: str) -> str:
        token = "personal-" + secrets.token_urlsafe(24)
        with self._lock:
            self._access[token] = _Access(user_id, None, None)
        return token

    def revoke(self, token: str) -> None:
        """Make a token unusable: a personal token alone; an OAuth token ends its whole grant."""
        with self._lock:
            if token in self._access:
                access = self._access[token]
                access.revoked = True
                if access.grant_id is not None:
                    self._grants[access.grant_id].revoked = True
            elif token in self._refresh:
                self._grants[self._refresh[token]].revoked = True

    def expire(self, token: str) -> None:
        """Let an OAuth access token run out now (to exercise refresh)."""
        with self._lock:
            self._access[token].expires = time.time() - 1

    # --- API authentication ---------------------------------------------------------------------

    def user_for(self, token: str | None) -> str:
        """The user a bearer token stands for; ApiError(401) when missing, unknown, expired or revoked."""
        if not token:
            raise ApiError(401, "Missing bearer token", error="unauthorized")
        with self._lock:
            access = self._access.get(token)
            if access is None:
                raise ApiError(401, "Invalid access token", error="invalid_token")
            grant = self._grants.get(access.grant_id) if access.grant_id is not None else None
            if access.revoked or (grant is not None and grant.revoked):
                raise ApiError(401, "Access token has been revoked", error="invalid_token")
            if access.expires is not None and access.expires <= time.time():
                raise ApiError(401, "Access token expired", error="invalid_token")
            return access.user_id

    # --- OAuth endpoints --------------------------------------------------------------------------

    def authorize(self, query: dict[str, str], default_user: str) -> str:
        """The redirect target for GET /oauth/authorize (OAuthError when no redirect is possible)."""
        for name in ("response_type", "client_id", "redirect_uri", "state"):
            if not query.get(name):
                raise OAuthError(400, "invalid_request", f"missing parameter {name}")
        if query["client_id"] not in self._clients:
            raise OAuthError(400, "invalid_client", "unknown client_id")
        redirect = query["redirect_uri"]
        if not _is_loopback_redirect(redirect):
            raise OAuthError(400, "invalid_request", "redirect_uri must be a loopback http URL in the sandbox")
        separator = "&" if "?" in redirect else "?"
        if query["response_type"] != "code":
            params = {"error": "unsupported_response_type", "error_description": "only code", "state": query["state"]}
            return redirect + separator + urlencode(params)
        with self._lock:
            if self.decline_next:
                self.decline_next = False
                params = {"error": "access_denied", "error_description": "The user declined", "state": query["state"]}
                return redirect + separator + urlencode(params)
            code = secrets.token_urlsafe(16)
            self._codes[code] = _Code(self.consent_user or default_user, query["client_id"], redirect,
                                      query["state"], time.time() + CODE_LIFETIME_SECONDS)
        return redirect + separator + urlencode({"code": code, "state": query["state"]})

    def token(self, form: dict[str, str], authorization: str | None) -> dict:
        """The JSON answer of POST /oauth/token, or OAuthError."""
        client_id = self._client_from_basic(authorization, form)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            for name in ("code", "redirect_uri", "state"):
                if not form.get(name):
                    raise OAuthError(400, "invalid_request", f"missing parameter {name}")
            with self._lock:
                code = self._codes.pop(form["code"], None)  # single use
                if code is None or code.expires < time.time() or code.client_id != client_id:
                    raise OAuthError(400, "invalid_grant", "Invalid authorization code")
                if code.redirect_uri != form["redirect_uri"]:
                    raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
                if code.state != form["state"]:
                    raise OAuthError(400, "invalid_grant", "state does not match the authorization request")
                grant = _Grant(self._next_grant, code.user_id, client_id)
                self._next_grant += 1
                self._grants[grant.grant_id] = grant
                return self._issue(grant)
        if grant_type == "refresh_token":
            if not form.get("refresh_token"):
                raise OAuthError(400, "invalid_request", "missing parameter refresh_token")
            with self._lock:
                grant_id = self._refresh.pop(form["refresh_token"], None)  # rotation: old one dies
                grant = self._grants.get(grant_id) if grant_id is not None else None
                if grant is None or grant.revoked or grant.client_id != client_id:
                    raise OAuthError(400, "invalid_grant", "Invalid refresh token")
                return self._issue(grant)
        raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    def revoke_by_bearer(self, authorization: str | None) -> None:
        """POST /oauth/revoke with `Authorization: Bearer <access token>`: ends the grant."""
        token = authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else None
        with self._lock:
            access = self._access.get(token) if token else None
            if access is None or access.grant_id is None:
                raise OAuthError(401, "invalid_token", "Unknown access token")
        self.revoke(token)

    def _client_from_basic(self, authorization: str | None, form: dict[str, str]) -> str:
        if "client_secret" in form:
            raise OAuthError(401, "invalid_client", "Client credentials must be sent with HTTP Basic auth")
        if not authorization or not authorization.lower().startswith("basic "):
            raise OAuthError(401, "invalid_client", "Missing HTTP Basic client authentication")
        try:
            client_id, _, secret = base64.b64decode(authorization[6:].strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client", "Malformed HTTP Basic credentials") from None
        with self._lock:
            if self._clients.get(client_id) != secret or not secret:
                raise OAuthError(401, "invalid_client", "Bad client credentials")
        return client_id

    def _issue(self, grant: _Grant) -> dict:
        """New access + refresh token for a grant (caller holds the lock)."""
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self._access[access] = _Access(grant.user_id, grant.grant_id, time.time() + self.access_token_lifetime)
        self._refresh[refresh] = grant.grant_id
        return {"access_token": access, "refresh_token": refresh, "token_type": "bearer",
                "expires_in": self.access_token_lifetime}
