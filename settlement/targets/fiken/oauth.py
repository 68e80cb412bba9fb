"""Fiken's OAuth2 authorization-code flow, built on requests-oauthlib (fiken-api.md §6).

Steps: `begin()` makes the authorize URL with a fresh random `state`; the user approves in a browser
and Fiken redirects to our redirect URI; `code_from_redirect()` checks `state` and error parameters
and extracts the code; `exchange_code()` trades it for tokens with HTTP Basic client
authentication (Fiken rejects client credentials in the body, and wants `state` again);
`refresh_token()` renews; `revoke_token()` ends the grant.

oauthlib refuses plain-HTTP URLs. The redirect URI is a loopback address by design (RFC 8252 §7.3),
and tests run Fiken's stand-in on 127.0.0.1, so plain HTTP is allowed for loopback hosts only:
`_loopback_http_allowed` lifts oauthlib's check for the duration of one call when every URL involved
is https or loopback, and never otherwise.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests
from oauthlib.oauth2 import OAuth2Error
from pydantic import SecretStr
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from settlement.domain.text import tr
from settlement.targets.fiken.redaction import install_redaction


class OAuthError(Exception):
    """The OAuth exchange failed; `reason` says why in plain words (never contains a token)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OAuthConfig:
    """This app's registration with Fiken and Fiken's OAuth endpoints."""

    client_id: str
    client_secret: SecretStr
    authorize_url: str
    token_url: str
    revoke_url: str
    redirect_uri: str

    def __post_init__(self) -> None:
        for name in ("authorize_url", "token_url", "revoke_url", "redirect_uri"):
            url = getattr(self, name)
            if not (url.startswith("https://") or _is_loopback_http(url)):
                raise ValueError(f"{name} {url!r} must use https:// (plain http only for 127.0.0.1)")

    def basic_auth(self) -> HTTPBasicAuth:
        return HTTPBasicAuth(self.client_id, self.client_secret.get_secret_value())


@dataclass(frozen=True)
class AuthorizationRequest:
    """The URL to open in a browser, and the state the redirect must bring back."""

    url: str
    state: str


def _is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


@contextmanager
def _loopback_http_allowed(*urls: str) -> Iterator[None]:
    """Let oauthlib accept http:// for this call when every URL is https or loopback."""
    if all(u.startswith("https://") for u in urls) or not all(
        u.startswith("https://") or _is_loopback_http(u) for u in urls
    ):
        yield
        return
    previous = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = previous


def _session(config: OAuthConfig, state: str | None = None) -> OAuth2Session:
    install_redaction()
    # Fiken defines no scopes (fiken-api.md §6).
    return OAuth2Session(config.client_id, redirect_uri=config.redirect_uri, state=state)


def begin(config: OAuthConfig) -> AuthorizationRequest:
    """The authorize URL with a fresh random state (oauthlib's generator, 30 random characters)."""
    with _loopback_http_allowed(config.authorize_url, config.redirect_uri):
        url, state = _session(config).authorization_url(config.authorize_url)
    return AuthorizationRequest(url, state)


def code_from_redirect(redirect_url: str, expected_state: str) -> str:
    """The authorization code from the URL Fiken redirected to, after checking `state`.

    Raises OAuthError when the user declined, the state does not match (a forged or stale
    redirect), or the code is missing.
    """
    query = parse_qs(urlsplit(redirect_url.strip()).query)
    state = (query.get("state") or [""])[0]
    if not hmac.compare_digest(state.encode(), expected_state.encode()):
        raise OAuthError(tr("the redirect's state does not match this connect attempt; refusing it "
                            "(start `settlement connect` again)"))
    if "error" in query:
        description = (query.get("error_description") or [""])[0]
        raise OAuthError(tr("Fiken refused the authorization: {why}", why=f"{query['error'][0]} {description}".strip()))
    code = (query.get("code") or [""])[0]
    if not code:
        raise OAuthError(tr("the redirect URL carries no authorization code"))
    return code


def _stamp(token: dict, clock: float) -> dict:
    """Keep only what we need, with an absolute expiry time."""
    kept = {k: token[k] for k in ("access_token", "refresh_token", "token_type") if k in token}
    if token.get("expires_in") is not None:
        kept["expires_at"] = clock + float(token["expires_in"])
    elif token.get("expires_at") is not None:
        kept["expires_at"] = float(token["expires_at"])
    return kept


def _failure(exc: Exception) -> OAuthError:
    if isinstance(exc, OAuth2Error):
        text = exc.description or exc.error
        return OAuthError(f"{exc.error}: {text}" if text != exc.error else str(exc.error))
    if isinstance(exc, requests.ConnectionError):
        return OAuthError(tr("cannot reach Fiken's token endpoint (connection failed)"))
    if isinstance(exc, requests.Timeout):
        return OAuthError(tr("Fiken's token endpoint did not answer in time"))
    return OAuthError(tr("unexpected answer from the token endpoint ({kind})", kind=type(exc).__name__))


def exchange_code(config: OAuthConfig, code: str, state: str, *, timeout=(5.0, 30.0)) -> dict:
    """Trade the authorization code for an access and refresh token."""
    session = _session(config, state)
    try:
        with _loopback_http_allowed(config.token_url, config.redirect_uri):
            token = session.fetch_token(
                config.token_url,
                code=code,
                auth=config.basic_auth(),
                include_client_id=False,
                timeout=timeout,
                state=state,  # Fiken requires the state in the code exchange as well
            )
    except (OAuth2Error, requests.RequestException, ValueError) as exc:
        raise _failure(exc) from None
    return _stamp(token, time.time())


def refresh_token(config: OAuthConfig, refresh: str, *, timeout=(5.0, 30.0)) -> dict:
    """A new token from the refresh token; may carry a rotated refresh token."""
    session = _session(config)
    try:
        with _loopback_http_allowed(config.token_url):
            token = session.refresh_token(
                config.token_url, refresh_token=refresh, auth=config.basic_auth(), timeout=timeout
            )
    except (OAuth2Error, requests.RequestException, ValueError) as exc:
        raise _failure(exc) from None
    return _stamp(token, time.time())


def revoke_token(config: OAuthConfig, access_token: str, *, timeout=(5.0, 30.0)) -> None:
    """Revoke the grant (access and refresh tokens) with the access token as bearer credential."""
    install_redaction()
    try:
        response = requests.post(
            config.revoke_url, headers={"Authorization": f"Bearer {access_token}"}, timeout=timeout
        )
    except requests.RequestException as exc:
        raise _failure(exc) from None
    if response.status_code == 401:
        raise OAuthError(tr("the token was already revoked or has expired"))
    if not response.ok:
        raise OAuthError(tr("Fiken answered {status} to the revocation", status=response.status_code))
