"""Building Fiken objects from Settings: the credential, the OAuth registration, the client.

Which credential: a personal token (SETTLEMENT_FIKEN_TOKEN or the secrets file) wins; otherwise the
OAuth token stored by `settlement connect`. Without either, `MissingCredential` explains what to set.
"""

from __future__ import annotations

from collections.abc import Callable

from settlement.targets.fiken.auth import OAuthToken, PersonalToken, TokenSource
from settlement.targets.fiken.client import FikenClient
from settlement.targets.fiken.errors import FikenError, ReconnectRequired
from settlement.targets.fiken.oauth import OAuthConfig
from settlement.targets.fiken.pacing import RequestGate
from settlement.targets.fiken.retry import RetryPolicy
from settlement.targets.fiken.token_store import TokenFileStore
from settlement.targets.fiken.transport import SentRequest
from settlement.settings import Settings


class MissingCredential(FikenError):
    """Neither a personal token nor an OAuth registration is configured."""


def oauth_config(settings: Settings) -> OAuthConfig:
    """The OAuth registration from settings; MissingCredential names what is missing."""
    missing = [name for name in ("fiken_client_id", "fiken_client_secret") if not getattr(settings, name)]
    if missing:
        names = " and ".join(f"SETTLEMENT_{n.upper()}" for n in missing)
        raise MissingCredential(f"OAuth needs {names} (the app's registration with Fiken)")
    return OAuthConfig(
        client_id=settings.fiken_client_id,
        client_secret=settings.fiken_client_secret,
        authorize_url=settings.fiken_authorize_url,
        token_url=settings.fiken_token_url,
        revoke_url=settings.fiken_revoke_url,
        redirect_uri=settings.fiken_redirect_uri,
    )


def token_store(settings: Settings) -> TokenFileStore:
    return TokenFileStore(settings.fiken_token_file)


def token_source(settings: Settings) -> TokenSource:
    """The credential to use: the personal token if set, else the stored OAuth token."""
    if settings.fiken_token is not None and settings.fiken_token.get_secret_value().strip():
        return PersonalToken(settings.fiken_token)
    if not settings.fiken_client_id:
        raise MissingCredential(
            "no Fiken credential: set SETTLEMENT_FIKEN_TOKEN (personal API token) or configure OAuth "
            "(SETTLEMENT_FIKEN_CLIENT_ID/SECRET) and run `settlement connect`"
        )
    store = token_store(settings)
    if store.load() is None:
        raise ReconnectRequired(f"not connected to Fiken (no token in {store.describe()}): run `settlement connect`")
    timeouts = (settings.fiken_connect_timeout, settings.fiken_read_timeout)
    return OAuthToken(oauth_config(settings), store, timeout=timeouts)


def client_from_settings(
    settings: Settings,
    *,
    gate: RequestGate | None = None,
    on_request: Callable[[SentRequest], None] | None = None,
) -> FikenClient:
    """One client for the configured credential (build one per process and share it)."""
    return FikenClient(
        settings.fiken_base_url,
        token_source(settings),
        gate=gate,
        connect_timeout=settings.fiken_connect_timeout,
        read_timeout=settings.fiken_read_timeout,
        on_request=on_request,
        retry=RetryPolicy(attempts=settings.fiken_retry_attempts),
    )
