"""The OAuth 2.0 client-credentials token, fetched and cached per credential.

PowerOffice Go v2 has no refresh token: the client posts Basic base64(applicationKey:clientKey)
with the subscription key and grant_type=client_credentials, and gets a bearer token with
`expires_in` (poweroffice-api.md §1). The token is reused until shortly before it expires (a minute,
or a tenth of its lifetime when that is shorter), and fetched again after a 401.
"""

from __future__ import annotations

import base64
import random
import threading
import time
import uuid
from collections.abc import Callable

import requests

from settlement.domain.text import joined, tr
from settlement.targets.pacing import LocalGate, RequestGate
from settlement.targets.poweroffice import errors
from settlement.targets.retry import RetryPolicy, parse_retry_after

RENEW_MARGIN_SECONDS = 60.0


def setting_name(field: str, credential_label: str = "default") -> str:
    """The setting that holds a key: SETTLEMENT_POWEROFFICE_CLIENT_KEY for the default credential,
    SETTLEMENT_POWEROFFICE_<NAME>_CLIENT_KEY for a named one (bergen-franchise → BERGEN_FRANCHISE)."""
    if credential_label == "default":
        return f"SETTLEMENT_POWEROFFICE_{field}".upper()
    return f"SETTLEMENT_POWEROFFICE_{credential_label.replace('-', '_')}_{field}".upper()


class ClientCredentials:
    """The access token of one (application key, client key) pair; thread-safe.

    The secrets stay private attributes and are never part of a message or log line.
    """

    def __init__(self, token_url: str, application_key: str, client_key: str, subscription_key: str, *,
                 gate: RequestGate | None = None, session: requests.Session | None = None,
                 timeout: tuple[float, float] = (5.0, 30.0), retry: RetryPolicy | None = None,
                 credential_label: str = "default", clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.token_url = token_url
        self._basic = base64.b64encode(f"{application_key}:{client_key}".encode("utf-8")).decode("ascii")
        self._subscription_key = subscription_key
        self.gate = gate or LocalGate(10)
        self.session = session or requests.Session()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.credential_label = credential_label
        self._clock, self._sleep = clock, sleep
        self._rng = random.Random()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetched = 0  # how many tokens were fetched (for tests and metrics)

    @property
    def subscription_key(self) -> str:
        return self._subscription_key

    def authorization(self) -> str:
        """'Bearer <token>', fetching a new token when none is cached or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch()
            return f"Bearer {self._token}"

    def invalidate(self, authorization: str) -> None:
        """Forget the token after Go refused it (401), unless another thread already renewed it."""
        with self._lock:
            if self._token is not None and authorization == f"Bearer {self._token}":
                self._token = None

    def _hint(self) -> str:
        names = [setting_name(f, self.credential_label) for f in ("application_key", "client_key")]
        return tr("check {settings}", settings=joined(names))

    def _fetch(self) -> None:
        attempt = 0
        while True:
            attempt += 1
            context = {"method": "POST", "url": self.token_url, "request_id": str(uuid.uuid4())}
            try:
                with self.gate.slot():
                    response = self.session.post(
                        self.token_url, data={"grant_type": "client_credentials"}, timeout=self.timeout,
                        headers={"Authorization": f"Basic {self._basic}", "Accept": "application/json",
                                 "Ocp-Apim-Subscription-Key": self._subscription_key,
                                 "X-Request-ID": context["request_id"]},
                        allow_redirects=False)
            except requests.RequestException:
                if attempt < self.retry.attempts:
                    self._sleep(self.retry.backoff(attempt, self._rng))
                    continue
                raise errors.PowerOfficeConnectionError(tr("cannot reach PowerOffice's token endpoint"), **context) from None
            status = response.status_code
            if status == 200:
                body = _json(response)
                token, lifetime = body.get("access_token"), body.get("expires_in")
                if not isinstance(token, str) or not token:
                    raise errors.UnexpectedResponse(tr("PowerOffice's token answer has no access_token"), **context)
                seconds = float(lifetime) if isinstance(lifetime, (int, float)) and lifetime > 0 else 600.0
                self._token = token
                self._renew_at = self._clock() + seconds - min(RENEW_MARGIN_SECONDS, seconds / 10)
                self.fetched += 1
                return
            body = _json(response)
            if status == 429 or status >= 500:
                wait = (self.retry.wait_for_429(attempt, parse_retry_after(response.headers.get("Retry-After")), self._rng)
                        if status == 429 else self.retry.backoff(attempt, self._rng))
                if wait is not None and attempt < self.retry.attempts:
                    self._sleep(max(wait, 1.0) if status == 429 else wait)
                    continue
                kind = errors.RateLimited if status == 429 else errors.ServerError
                raise kind(tr("PowerOffice's token endpoint kept answering {status}", status=status), status=status, **context)
            if status == 401:
                name = setting_name("subscription_key", self.credential_label)
                raise errors.AuthenticationError(
                    tr("PowerOffice refused the subscription key (401): check {setting}", setting=name), status=status,
                    detail=str(body.get("message") or "")[:200], **context)
            error = str(body.get("error") or "")
            raise errors.AuthenticationError(
                tr("PowerOffice refused the integration's keys ({status} {error}): {hint}", status=status,
                   error=error or tr("no token"), hint=self._hint()),
                status=status, detail=str(body.get("error_description") or "")[:200], **context)


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
