"""Stripe payouts through the API: the account's paid automatic payouts by arrival date, and for
each its balance transactions (GET /v1/balance_transactions?payout=po_…&expand[]=data.source),
paged with limit/starting_after until has_more is false (webshop-payments.md §2.2).

Amounts are integers in minor units here (øre for NOK); the payout's own balance transaction (type
payout) is not an item but the check: its amount is minus the sum of the others' net. A charge's
`metadata.order_id` (what the WooCommerce Stripe gateway sets) is the order reference; a refund's
own metadata, else its charge's, likewise. Only reads: every request is a GET, safe to retry after
a 429 (after Retry-After), a 5xx or a dropped connection.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, time as clock, timezone
from typing import Any, Callable

from settlement.domain.payouts import Payout, PayoutItem, PayoutRead
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.payouts.stripe.categories import PAYOUT_CATEGORIES, items_of
from settlement.targets.retry import RetryPolicy, parse_retry_after

PAGE = 100
DEFAULT_BASE_URL = "https://api.stripe.com"


class StripeApiError(Exception):
    """Stripe could not be asked, or refused (its own message kept)."""


def _unix(moment: int) -> datetime:
    return datetime.fromtimestamp(int(moment), timezone.utc)


@dataclass
class StripeApi:
    """PayoutApiSource for one Stripe account (its secret key; `account` is how vendors.toml names it)."""

    secret_key: str
    account: str
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0
    policy: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=5, base_seconds=0.2, cap_seconds=5))
    sleep: Callable[[float], None] = time.sleep
    provider: str = "stripe"

    def __post_init__(self) -> None:
        import requests

        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {self.secret_key}"
        self._rng = random.Random()

    def _get(self, path: str, params: dict[str, Any]) -> dict:
        import requests

        url = self.base_url.rstrip("/") + path
        for attempt in range(1, self.policy.attempts + 1):
            try:
                answer = self._session.get(url, params=params, timeout=self.timeout)
            except requests.RequestException as exc:
                reason = tr("no answer from Stripe ({error})", error=type(exc).__name__)
                wait = self.policy.backoff(attempt, self._rng)
            else:
                if answer.status_code == 200:
                    return answer.json()
                message = _message(answer)
                if answer.status_code == 429:
                    wait = self.policy.wait_for_429(attempt, parse_retry_after(answer.headers.get("Retry-After")), self._rng)
                    reason = tr("Stripe answered {status} ({message})", status=429, message=message)
                    if wait is None:
                        raise StripeApiError(tr("{reason}; Retry-After is longer than we wait", reason=reason))
                elif answer.status_code >= 500:
                    reason = tr("Stripe answered {status} ({message})", status=answer.status_code, message=message)
                    wait = self.policy.backoff(attempt, self._rng)
                else:
                    raise StripeApiError(tr("Stripe refused GET {path}: {status} {message}", path=path,
                                            status=answer.status_code, message=message))
            if attempt == self.policy.attempts:
                raise StripeApiError(tr("{reason}; gave up after {attempts} attempts", reason=reason, attempts=attempt))
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _list(self, path: str, params: dict[str, Any]) -> list[dict]:
        """Every object of a list, page by page."""
        out: list[dict] = []
        after = None
        while True:
            page = self._get(path, {**params, "limit": PAGE, **({"starting_after": after} if after else {})})
            out.extend(page.get("data") or [])
            if not page.get("has_more") or not page.get("data"):
                return out
            after = page["data"][-1]["id"]

    def fetch(self, since: date, until: date | None = None) -> PayoutRead:
        """The paid automatic payouts arriving from `since` to `until` (inclusive), itemised."""
        until = until or datetime.now(timezone.utc).date()
        params = {"arrival_date[gte]": int(datetime.combine(since, clock(0), timezone.utc).timestamp()),
                  "arrival_date[lte]": int(datetime.combine(until, clock(23, 59, 59), timezone.utc).timestamp())}
        try:
            payouts = [p for p in self._list("/v1/payouts", params) if p.get("automatic") and p.get("status") == "paid"]
            read = [self._payout(p) for p in payouts]
        except StripeApiError as exc:
            return PayoutRead(problems=(error(str(exc), file=self.base_url),))
        problems = [problem for _, found in read for problem in found]
        return PayoutRead(tuple(payout for payout, _ in read), tuple(problems))

    def _payout(self, payout: dict) -> tuple[Payout, list[Problem]]:
        where = f"{self.base_url}/v1/balance_transactions?payout={payout['id']}"
        rows = self._list("/v1/balance_transactions", {"payout": payout["id"], "expand[]": "data.source"})
        items: list[PayoutItem] = []
        problems: list[Problem] = []
        own = 0
        for position, row in enumerate(rows, start=1):
            if row.get("net") != row.get("amount", 0) - row.get("fee", 0):
                problems.append(error(tr("balance transaction {id}: net is not amount − fee", id=row.get("id")), file=where,
                                      line=position, column="net", value=str(row.get("net"))))
                continue
            if row.get("reporting_category") in PAYOUT_CATEGORIES:
                own += row["amount"]
                continue
            source = row.get("source")
            reference, order_ref = (source or "", "") if not isinstance(source, dict) else _source_refs(source)
            items.extend(items_of(row.get("reporting_category", ""), row["amount"], row.get("fee", 0), reference,
                                  _unix(row["created"]), order_ref, str(row.get("currency", "")).upper(), position,
                                  row.get("description") or ""))
        result = Payout("stripe", payout["id"], self.account, _unix(payout["arrival_date"]).date(), payout["amount"],
                        tuple(items), str(payout.get("currency", "nok")).upper(), where)
        if own and own != -payout["amount"]:
            problems.append(error(tr("payout {payout}: its own balance transaction is {own}, not −{amount}",
                                     payout=payout["id"], own=own, amount=payout["amount"]),
                                  file=where, ref=payout["id"]))
        return result, problems + result.consistency_problems()


def _source_refs(source: dict) -> tuple[str, str]:
    """(the source's id, the shop's order number from its metadata) of an expanded source."""
    metadata = source.get("metadata") or {}
    order = metadata.get("order_id") or metadata.get("order_number") or ""
    if not order and isinstance(source.get("charge"), dict):
        charge_metadata = source["charge"].get("metadata") or {}
        order = charge_metadata.get("order_id") or ""
    return str(source.get("id", "")), str(order)


def _message(answer) -> str:
    try:
        return str(answer.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return answer.text[:200]
