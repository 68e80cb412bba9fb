"""Building Fiken objects from plain values: the credential, the OAuth registration, the client.

Which credential: a personal token wins; otherwise the OAuth token stored by `settlement connect`.
Without either, `MissingCredential` explains what to set. settlement.wiring reads the settings and
passes their values here; the messages name the settings, as the user knows them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from settlement.domain.text import joined, tr
from settlement.targets.fiken.auth import OAuthToken, PersonalToken, TokenSource
from settlement.targets.fiken.client import FikenClient
from settlement.targets.fiken.errors import AuthenticationError, ReconnectRequired
from settlement.targets.fiken.oauth import OAuthConfig
from settlement.targets.pacing import RequestGate
from settlement.targets.retry import RetryPolicy
from settlement.targets.fiken.token_store import TokenFileStore
from settlement.targets.fiken.transport import SentRequest


class MissingCredential(AuthenticationError):
    """Neither a personal token nor an OAuth registration is configured."""


def oauth_config(
    client_id: str | None,
    client_secret: SecretStr | None,
    *,
    authorize_url: str,
    token_url: str,
    revoke_url: str,
    redirect_uri: str,
) -> OAuthConfig:
    """The app's OAuth registration with Fiken; MissingCredential names what is missing."""
    missing = [name for name, value in (("fiken_client_id", client_id), ("fiken_client_secret", client_secret))
               if not value]
    if missing:
        names = joined(f"SETTLEMENT_{n.upper()}" for n in missing)
        raise MissingCredential(tr("OAuth needs {settings} (the app's registration with Fiken)", settings=names))
    return OAuthConfig(
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=authorize_url,
        token_url=token_url,
        revoke_url=revoke_url,
        redirect_uri=redirect_uri,
    )


def token_store(token_file: Path) -> TokenFileStore:
    """Where `settlement connect` keeps the OAuth token."""
    return TokenFileStore(token_file)


def token_source(
    personal_token: SecretStr | None,
    store: TokenFileStore,
    oauth: Callable[[], OAuthConfig] | None,
    *,
    timeout: tuple[float, float],
) -> TokenSource:
    """The credential to use: the personal token if set, else the stored OAuth token.

    oauth: makes the OAuth registration, None when no client id is configured. It is called only
    once a stored token is found, so "not connected" is said before a missing client secret.
    timeout: (connect, read) seconds for renewing the OAuth token.
    """
    if personal_token is not None and personal_token.get_secret_value().strip():
        return PersonalToken(personal_token)
    if oauth is None:
        raise MissingCredential(tr(
            "no Fiken credential: set SETTLEMENT_FIKEN_TOKEN (personal API token) or configure OAuth "
            "(SETTLEMENT_FIKEN_CLIENT_ID/SECRET) and run `settlement connect`"
        ))
    if store.load() is None:
        raise ReconnectRequired(tr("not connected to Fiken (no token in {store}): run `settlement connect`",
                                    store=store.describe()))
    return OAuthToken(oauth(), store, timeout=timeout)


def fiken_client(
    base_url: str,
    tokens: TokenSource,
    *,
    connect_timeout: float,
    read_timeout: float,
    retry_attempts: int,
    gate: RequestGate | None = None,
    on_request: Callable[[SentRequest], None] | None = None,
) -> FikenClient:
    """One client for a credential (build one per process and share it)."""
    return FikenClient(
        base_url,
        tokens,
        gate=gate,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        on_request=on_request,
        retry=RetryPolicy(attempts=retry_attempts),
    )
