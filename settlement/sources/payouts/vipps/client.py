"""A client for Vipps MobilePay's Report API: the access token, the ledgers and the funds and fees
feeds, each read page by page with the cursor the API hands back.

Authentication (webshop-payments.md §3.3): `POST /accesstoken/get` with the headers client_id,
client_secret and Ocp-Apim-Subscription-Key (and Merchant-Serial-Number when given) answers an
access token; every call then sends `Authorization: Bearer <token>` and the subscription key, and
the Vipps-System-* headers Vipps asks integrations to send. Every request here only reads, so a
429 (after its Retry-After), a 5xx or a dropped connection is retried with capped, jittered
back-off (settlement.targets.retry.RetryPolicy); a 401 fetches a new token once, then fails naming
the credentials.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from settlement.domain.text import tr
from settlement.targets.retry import RetryPolicy, parse_retry_after

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_PAGES = 10_000  # a feed that never says tryLater is a broken server, not an endless wait


class VippsError(Exception):
    """The Report API could not be read: `url` what was asked, `status` the HTTP status (None: no answer)."""

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(f"{message} ({url})")
        self.url, self.status = url, status


class VippsAuthError(VippsError):
    """Vipps refused the credentials (client id / secret / subscription key, or the token)."""


class VippsReportClient:
    """Reads one set of API keys' ledgers and feeds. Plain values in, so the wiring decides where
    they come from (settings SETTLEMENT_VIPPS_BASE_URL, _CLIENT_ID, _CLIENT_SECRET,
    _SUBSCRIPTION_KEY, _MSN)."""

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str,
        subscription_key: str,
        merchant_serial_number: str = "",
        system_name: str = "settlement",
        system_version: str = "1",
        policy: RetryPolicy = RetryPolicy(),
        timeout: tuple[float, float] = (10.0, 60.0),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not (client_id and client_secret and subscription_key):
            raise ValueError(tr("the Vipps Report API needs a client id, client secret and subscription key "
                                "(SETTLEMENT_VIPPS_CLIENT_ID, _CLIENT_SECRET, _SUBSCRIPTION_KEY)"))
        self.base_url = base_url.rstrip("/")
        self._keys = {"client_id": client_id, "client_secret": client_secret}
        self.subscription_key = subscription_key
        self.merchant_serial_number = merchant_serial_number
        self.policy, self.timeout, self.sleep = policy, timeout, sleep
        self.rng = rng or random.Random()
        self.session = requests.Session()
        self.session.headers.update({
            "Ocp-Apim-Subscription-Key": subscription_key, "Accept": "application/json",
            "Vipps-System-Name": system_name, "Vipps-System-Version": system_version,
            "Vipps-System-Plugin-Name": "settlement-payouts", "Vipps-System-Plugin-Version": system_version,
        })
        self._token: str | None = None
        self._token_until = 0.0

    def __repr__(self) -> str:  # never the secret
        return f"VippsReportClient({self.base_url!r}, client_id={self._keys['client_id']!r})"

    def close(self) -> None:
        self.session.close()

    # --- reading -------------------------------------------------------------------------------

    def ledgers(self) -> list[dict]:
        """Every ledger the keys may read (GET /settlement/v1/ledgers, all pages)."""
        found: list[dict] = []
        params: dict[str, str] = {}
        for _ in range(MAX_PAGES):
            page = self.get("/settlement/v1/ledgers", params)
            found += list(page.get("items") or [])
            cursor = page.get("cursor") or ""
            if not cursor:
                return found
            params = {"cursor": cursor}  # "If this is used, no other parameters is needed."
        raise VippsError(tr("the ledger list did not end"), self.base_url + "/settlement/v1/ledgers")

    def feed(self, ledger_id: str, topic: str, cursor: str = "") -> Iterator[tuple[str, int, dict]]:
        """Every entry of a ledger's `funds` or `fees` feed from `cursor` (the start when empty), as
        (page URL, position in the feed from 1, entry), until the feed says tryLater (its end)."""
        path = f"/report/v2/ledgers/{ledger_id}/{topic}/feed"
        position = 0
        for _ in range(MAX_PAGES):
            page = self.get(path, {"cursor": cursor} if cursor else {})
            url = self.base_url + path
            for item in page.get("items") or []:
                position += 1
                yield url, position, item
            next_cursor = page.get("cursor") or ""
            if page.get("tryLater") or not page.get("items") or not next_cursor or next_cursor == cursor:
                return
            cursor = next_cursor
        raise VippsError(tr("the feed did not end"), self.base_url + path)

    # --- transport -----------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """One GET of the API as JSON, with the token, retried as the module says."""
        url = self.base_url + path
        refreshed = False
        for attempt in range(1, self.policy.attempts + 1):
            headers = {"Authorization": f"Bearer {self._access_token()}"}
            response = self._send("GET", url, attempt, params=params, headers=headers)
            if response is None:
                continue
            if response.status_code == 401 and not refreshed:
                self._token, refreshed = None, True  # the token may have expired early: one new one
                continue
            if response.status_code in (401, 403):
                raise VippsAuthError(tr("Vipps refused the access token: HTTP {status} {detail} (check the API keys "
                                        "and that the merchant granted access to the ledger)",
                                        status=response.status_code, detail=_detail(response)), url, response.status_code)
            return _json(response, url)
        raise VippsError(tr("no usable answer after {attempts} attempts", attempts=self.policy.attempts), url)

    def _access_token(self) -> str:
        if self._token and time.monotonic() < self._token_until:
            return self._token
        url = self.base_url + "/accesstoken/get"
        headers = dict(self._keys)
        if self.merchant_serial_number:
            headers["Merchant-Serial-Number"] = self.merchant_serial_number
        for attempt in range(1, self.policy.attempts + 1):
            response = self._send("POST", url, attempt, headers=headers)
            if response is None:
                continue
            if response.status_code in (400, 401, 403):
                raise VippsAuthError(tr("Vipps refused the API keys: HTTP {status} {detail} "
                                        "(check SETTLEMENT_VIPPS_CLIENT_ID, _CLIENT_SECRET and _SUBSCRIPTION_KEY)",
                                        status=response.status_code, detail=_detail(response)),
                                     url, response.status_code)
            body = _json(response, url)
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise VippsError(tr("the access token answer has no access_token"), url, response.status_code)
            try:
                lifetime = float(body.get("expires_in") or 3600)
            except (TypeError, ValueError):
                lifetime = 3600.0
            self._token, self._token_until = token, time.monotonic() + max(lifetime - 60, 1)
            return token
        raise VippsError(tr("no access token after {attempts} attempts", attempts=self.policy.attempts), url)

    def _send(self, method: str, url: str, attempt: int, **kwargs: Any) -> requests.Response | None:
        """The answer to keep, or None after waiting when the attempt should be made again."""
        last = attempt >= self.policy.attempts
        try:
            response = self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            if last:
                raise VippsError(tr("no answer from Vipps: {error}", error=type(exc).__name__), url) from None
            self.sleep(self.policy.backoff(attempt, self.rng))
            return None
        if response.status_code not in RETRY_STATUSES:
            return response
        if last:
            raise VippsError(tr("HTTP {status} {detail} after {attempts} attempts", status=response.status_code,
                                detail=_detail(response), attempts=attempt), url,
                             response.status_code)
        if response.status_code == 429:
            wait = self.policy.wait_for_429(attempt, parse_retry_after(response.headers.get("Retry-After")), self.rng)
            if wait is None:
                raise VippsError(tr("HTTP 429: Vipps asks to wait {seconds} s, longer than we wait",
                                    seconds=response.headers.get("Retry-After")), url, 429)
        else:
            wait = self.policy.backoff(attempt, self.rng)
        self.sleep(wait)
        return None


def _json(response: requests.Response, url: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise VippsError(tr("HTTP {status} {detail}", status=response.status_code, detail=_detail(response)), url,
                         response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise VippsError(tr("the answer is not JSON"), url, response.status_code) from None
    if not isinstance(body, dict):
        raise VippsError(tr("the answer is not a JSON object"), url, response.status_code)
    return body


def _detail(response: requests.Response) -> str:
    """The error text Vipps sent (its Problem or error envelope), short."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("detail", "message", "errorMessage", "title", "error_description", "error"):
            if body.get(key):
                return str(body[key])[:200]
    return ""
