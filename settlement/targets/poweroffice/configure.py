"""Building the PowerOffice client from plain values (settlement.wiring reads the settings).

A missing key raises `MissingCredential`, naming the settings as the user writes them
(SETTLEMENT_POWEROFFICE_CLIENT_KEY, or SETTLEMENT_POWEROFFICE_<NAME>_CLIENT_KEY for a named credential).
"""

from __future__ import annotations

from collections.abc import Callable

from settlement.domain.text import joined, tr
from settlement.targets.pacing import LocalGate, RequestGate
from settlement.targets.poweroffice.auth import ClientCredentials, setting_name
from settlement.targets.poweroffice.client import PowerOfficeClient
from settlement.targets.poweroffice.errors import MissingCredential
from settlement.targets.poweroffice.transport import SentRequest
from settlement.targets.retry import RetryPolicy

REQUESTS_PER_SECOND = 10  # per subscription key (poweroffice-api.md §7)


def _setting(field: str, credential_label: str) -> str:
    """A named credential's application and subscription keys fall back to the default ones (they
    are the integration's, the same for every company); its client key does not."""
    name = setting_name(field, credential_label)
    if credential_label != "default" and field != "client_key":
        return tr("{setting} (or {default})", setting=name, default=setting_name(field))
    return name


def poweroffice_client(
    base_url: str,
    token_url: str,
    application_key: str | None,
    client_key: str | None,
    subscription_key: str | None,
    *,
    gate: RequestGate | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    retry_attempts: int = 4,
    on_request: Callable[[SentRequest], None] | None = None,
    credential_label: str = "default",
) -> PowerOfficeClient:
    """One client for a credential (build one per process and share it between threads)."""
    values = {"application_key": application_key, "client_key": client_key, "subscription_key": subscription_key}
    missing = [field for field, value in values.items() if not (value or "").strip()]
    if missing:
        names = joined(_setting(field, credential_label) for field in missing)
        raise MissingCredential(tr("PowerOffice Go needs {settings} (credential {credential})", settings=names,
                                   credential=credential_label))
    gate = gate or LocalGate(REQUESTS_PER_SECOND)
    retry = RetryPolicy(attempts=retry_attempts)
    credentials = ClientCredentials(token_url, application_key.strip(), client_key.strip(), subscription_key.strip(),
                                    gate=gate, timeout=(connect_timeout, read_timeout), retry=retry,
                                    credential_label=credential_label)
    return PowerOfficeClient(base_url, credentials, gate=gate, connect_timeout=connect_timeout,
                             read_timeout=read_timeout, retry=retry, on_request=on_request)
