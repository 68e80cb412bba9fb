"""A client for Klarna's Settlements API v1: payouts by date and each payout's transactions, both
paged by offset and size (≤ 500) as `pagination` says.

HTTP Basic with the Klarna API username and password. Every request only reads, so a 429 (after its
Retry-After), a 5xx or a dropped connection is retried with capped, jittered back-off
(settlement.targets.retry.RetryPolicy); a 401/403 fails at once naming the credentials.
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
PAGE_SIZE = 500  # the most the API gives per page
MAX_PAGES = 10_000


class KlarnaError(Exception):
    """The Settlements API could not be read: `url` what was asked, `status` the HTTP status (None: no answer)."""

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(f"{message} ({url})")
        self.url, self.status = url, status


class KlarnaAuthError(KlarnaError):
    """Klarna refused the API username and password."""


class KlarnaClient:
    """Reads one merchant's settlements. Plain values in (settings SETTLEMENT_KLARNA_BASE_URL,
    _USERNAME, _PASSWORD), so the wiring decides where they come from."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: str,
        page_size: int = PAGE_SIZE,
        policy: RetryPolicy = RetryPolicy(),
        timeout: tuple[float, float] = (10.0, 60.0),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not (username and password):
            raise ValueError(tr("the Klarna Settlements API needs the API username and password "
                                "(SETTLEMENT_KLARNA_USERNAME, SETTLEMENT_KLARNA_PASSWORD)"))
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PAGE_SIZE}")
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.policy, self.timeout, self.sleep = policy, timeout, sleep
        self.rng = rng or random.Random()
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "settlement-payouts/1"})
        self._username = username

    def __repr__(self) -> str:  # never the password
        return f"KlarnaClient({self.base_url!r}, username={self._username!r})"

    def close(self) -> None:
        self.session.close()

    def payouts(self, start: str, end: str) -> Iterator[tuple[str, int, dict]]:
        """Every payout with a payout date from `start` to `end` (ISO date-times), as (URL, position, payout)."""
        return self._pages("/payouts", {"start_date": start, "end_date": end}, "payouts")

    def transactions(self, payment_reference: str) -> Iterator[tuple[str, int, dict]]:
        """Every transaction of one payout, as (URL, position, transaction)."""
        return self._pages("/transactions", {"payment_reference": payment_reference}, "transactions")

    def _pages(self, path: str, params: dict[str, Any], key: str) -> Iterator[tuple[str, int, dict]]:
        offset = 0
        url = self.base_url + path
        for _ in range(MAX_PAGES):
            page = self.get(path, {**params, "size": self.page_size, "offset": offset})
            items = page.get(key)
            if not isinstance(items, list):
                raise KlarnaError(tr("the answer has no {key} list", key=key), url, 200)
            for n, item in enumerate(items, start=offset + 1):
                yield url, n, item
            pagination = page.get("pagination") or {}
            total = pagination.get("total")
            offset += len(items)
            if not items or (isinstance(total, int) and offset >= total) or (total is None and not pagination.get("next")):
                return
        raise KlarnaError(tr("the listing did not end"), url)

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One GET of the API as JSON, retried as the module says."""
        url = self.base_url + path
        for attempt in range(1, self.policy.attempts + 1):
            last = attempt >= self.policy.attempts
            try:
                response = self.session.get(url, params=params, timeout=self.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                if last:
                    raise KlarnaError(tr("no answer from Klarna: {error}", error=type(exc).__name__), url) from None
                self.sleep(self.policy.backoff(attempt, self.rng))
                continue
            status = response.status_code
            if status in (401, 403):
                raise KlarnaAuthError(tr("Klarna refused the API credentials: HTTP {status} {detail} "
                                         "(check SETTLEMENT_KLARNA_USERNAME and _PASSWORD, and the region's base URL)",
                                         status=status, detail=_detail(response)),
                                      url, status)
            if status in RETRY_STATUSES:
                if last:
                    raise KlarnaError(tr("HTTP {status} {detail} after {attempts} attempts", status=status,
                                         detail=_detail(response), attempts=attempt), url, status)
                wait = (self.policy.wait_for_429(attempt, parse_retry_after(response.headers.get("Retry-After")),
                                                 self.rng) if status == 429 else self.policy.backoff(attempt, self.rng))
                if wait is None:
                    raise KlarnaError(tr("HTTP 429: Klarna asks to wait {seconds} s, longer than we wait",
                                         seconds=response.headers.get("Retry-After")), url, 429)
                self.sleep(wait)
                continue
            if status != 200:
                raise KlarnaError(tr("HTTP {status} {detail}", status=status, detail=_detail(response)), url, status)
            try:
                body = response.json()
            except ValueError:
                raise KlarnaError(tr("the answer is not JSON"), url, status) from None
            if not isinstance(body, dict):
                raise KlarnaError(tr("the answer is not a JSON object"), url, status)
            return body
        raise KlarnaError(tr("no usable answer after {attempts} attempts", attempts=self.policy.attempts), url)


def _detail(response: requests.Response) -> str:
    """Klarna's error envelope (error_code, error_messages, correlation_id), short."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and body.get("error_code"):
        messages = "; ".join(str(m) for m in body.get("error_messages") or [])
        return f"{body['error_code']}: {messages} (correlation id {body.get('correlation_id', '')})"[:300]
    return ""
