"""Building a Tripletex client from plain values (settlement.wiring reads the settings).

Which settings hold the tokens depends on the credential's name: the default credential reads
SETTLEMENT_TRIPLETEX_CONSUMER_TOKEN / _EMPLOYEE_TOKEN; the lead's wiring decides the names of a
named credential's settings and passes `credential_label` so messages name the right ones.
"""

from __future__ import annotations

from collections.abc import Callable

from settlement.domain.text import joined, tr
from settlement.targets.pacing import RequestGate
from settlement.targets.retry import RetryPolicy
from settlement.targets.tripletex.auth import SessionCredentials
from settlement.targets.tripletex.client import TripletexClient
from settlement.targets.tripletex.errors import MissingCredential
from settlement.targets.tripletex.transport import SentRequest

__all__ = ["MissingCredential", "tripletex_client", "setting_names"]


def setting_names(credential_label: str = "default") -> tuple[str, str]:
    """The settings of a credential's consumer and employee tokens, as messages name them.

    The default credential: SETTLEMENT_TRIPLETEX_CONSUMER_TOKEN and _EMPLOYEE_TOKEN; a named one
    ("bergen-franchise"): SETTLEMENT_TRIPLETEX_BERGEN_FRANCHISE_CONSUMER_TOKEN and _EMPLOYEE_TOKEN
    (the lead's wiring may choose otherwise; only messages use these names).
    """
    if credential_label in ("", "default"):
        prefix = "SETTLEMENT_TRIPLETEX_"
    else:
        prefix = "SETTLEMENT_TRIPLETEX_" + "".join(c if c.isalnum() else "_" for c in credential_label).upper() + "_"
    return prefix + "CONSUMER_TOKEN", prefix + "EMPLOYEE_TOKEN"


def tripletex_client(base_url: str, consumer_token: str | None, employee_token: str | None, *,
                     gate: RequestGate | None = None, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                     retry_attempts: int = 4, on_request: Callable[[SentRequest], None] | None = None,
                     credential_label: str = "default") -> TripletexClient:
    """One client for a credential (build one per process and share it). MissingCredential names
    the settings to fix when a token is empty; the session token is made on first use."""
    names = setting_names(credential_label)
    consumer = (consumer_token or "").strip()
    employee = (employee_token or "").strip()
    missing = [name for name, value in zip(names, (consumer, employee)) if not value]
    if missing:
        raise MissingCredential(tr("no Tripletex credential {credential!r}: set {settings}",
                                   credential=credential_label, settings=joined(missing)))
    credentials = SessionCredentials(consumer, employee, credential_label=credential_label, settings=names)
    return TripletexClient(base_url, credentials, gate=gate, connect_timeout=connect_timeout,
                           read_timeout=read_timeout, retry=RetryPolicy(attempts=retry_attempts),
                           on_request=on_request)
