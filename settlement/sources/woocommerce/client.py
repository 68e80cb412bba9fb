"""A small client for the WooCommerce REST API v3 (GET only: orders, refunds, products).

- HTTPS with HTTP Basic auth (consumer key / secret); plain http only to a loopback host (the
  sandbox), because Basic auth over http would send the secret in clear text.
- Lists are read with per_page=100 and page=1..X-WP-TotalPages.
- 429 and 5xx answers and network errors are retried with exponential backoff (Retry-After is
  honoured up to a cap); every other failure raises WooError naming the URL.
- JSON numbers with decimals are kept as their text, so money is never a float.
"""

from __future__ import annotations

import ipaddress
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping
from urllib.parse import urlencode, urlsplit

import requests

from settlement.domain.text import tr

API_PATH = "/wp-json/wc/v3"
PER_PAGE = 100
MAX_PAGES = 10_000  # a bound on any listing loop, far above any real shop
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


class WooError(Exception):
    """The shop could not be read (HTTP error, invalid JSON, bad URL or credentials).

    unavailable: the shop did not answer, or still answered 429/5xx after the retries: a later
    try may work (the CLI exits 3 then, not 1).
    """

    def __init__(self, url: str, message: str, *, unavailable: bool = False):
        super().__init__(f"{url}: {message}")
        self.url, self.unavailable = url, unavailable


@dataclass(frozen=True, slots=True)
class Credentials:
    """A WooCommerce REST API key pair (ck_..., cs_...)."""

    key: str
    secret: str

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(key={self.key[:6]}..., secret=***)"


def load_credentials(name: str, env: Mapping[str, str], secrets_dir: Path | None) -> Credentials:
    """The key pair called `name` (the vendor's `credentials`): from SETTLEMENT_WOO_<NAME>_KEY /
    _SECRET, else from the files settlement_woo_<name>_key / _secret in the secrets directory."""
    variable = f"SETTLEMENT_WOO_{name.upper().replace('-', '_')}"
    values = {}
    for part in ("key", "secret"):
        value = (env.get(f"{variable}_{part.upper()}") or "").strip()
        if not value and secrets_dir is not None:
            file = secrets_dir / f"{variable.lower()}_{part}"
            if file.is_file():
                value = file.read_text(encoding="utf-8").strip()
        if not value:
            setting = f"{variable}_{part.upper()}"
            if secrets_dir:
                reason = tr("no consumer {part}: set {setting} or the file {file}", part=part, setting=setting,
                            file=secrets_dir / (variable.lower() + "_" + part))
            else:
                reason = tr("no consumer {part}: set {setting}", part=part, setting=setting)
            raise WooError(tr("credentials {name!r}", name=name), reason)
        values[part] = value
    return Credentials(values["key"], values["secret"])


def default_secrets_dir(env: Mapping[str, str] = os.environ) -> Path | None:
    """SETTLEMENT_SECRETS_DIR (default /run/secrets) if it exists; a missing folder is normal."""
    folder = Path(env.get("SETTLEMENT_SECRETS_DIR") or "/run/secrets")
    return folder if folder.is_dir() else None


def check_url(url: str) -> str:
    """The shop's base URL; https is required unless the host is a loopback address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url.rstrip("/")
    if parts.scheme == "http" and _is_loopback(host):
        return url.rstrip("/")
    raise WooError(url, tr("the shop URL must start with https:// (plain http is allowed only for 127.0.0.1/localhost)"))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WooClient:
    """Reads one shop. `sleep` is injectable so retries need not wait in tests of the backoff."""

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        *,
        timeout: tuple[float, float] = (10.0, 60.0),
        retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base = check_url(url)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.session = requests.Session()
        self.session.auth = (credentials.key, credentials.secret)
        self.session.headers["User-Agent"] = "settlement-woocommerce/1"
        self.session.headers["Accept"] = "application/json"

    def close(self) -> None:
        self.session.close()

    def url(self, path: str, params: Mapping[str, object] | None = None) -> str:
        """The full URL of an API path, for requests and messages (no credentials in it)."""
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.base}{API_PATH}{path}{query}"

    def get(self, path: str, params: Mapping[str, object] | None = None) -> tuple[object, Mapping[str, str]]:
        """GET an API path; returns the decoded JSON and the response headers."""
        url = self.url(path, params)
        for attempt in range(self.retries + 1):
            try:
                response = self.session.get(url, timeout=self.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                if attempt == self.retries:
                    raise WooError(url, tr("no answer after {attempts} attempts: {reason}", attempts=attempt + 1, reason=exc),
                                   unavailable=True) from None
                self.sleep(self.backoff * 2**attempt)
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                self.sleep(self._wait(response, attempt))
                continue
            return self._decode(url, response), response.headers
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, response: requests.Response, attempt: int) -> float:
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.strip().isdigit():
            return min(float(retry_after), MAX_RETRY_AFTER)
        return self.backoff * 2**attempt

    @staticmethod
    def _decode(url: str, response: requests.Response) -> object:
        if response.status_code != 200:
            detail = ""
            try:
                body = response.json()
                if isinstance(body, dict) and body.get("message"):
                    detail = f": {body.get('code', '')} {body['message']}".rstrip()
            except ValueError:
                detail = f": {response.text[:200]!r}" if response.text else ""
            hint = (tr(" (check the consumer key and secret and that the key may read orders)")
                    if response.status_code in (401, 403) else "")
            raise WooError(url, f"HTTP {response.status_code}{detail}{hint}",
                           unavailable=response.status_code in RETRY_STATUSES)
        try:
            return json.loads(response.text, parse_float=str)
        except ValueError as exc:
            raise WooError(url, tr("the answer is not valid JSON ({reason})", reason=exc)) from None

    def pages(self, path: str, params: Mapping[str, object] | None = None) -> Iterator[tuple[str, dict]]:
        """Every object of a listing, page by page, with the URL of the page it came from."""
        page, total_pages = 1, 1
        while page <= total_pages and page <= MAX_PAGES:
            query = {**(params or {}), "per_page": PER_PAGE, "page": page}
            data, headers = self.get(path, query)
            url = self.url(path, query)
            if not isinstance(data, list):
                raise WooError(url, tr("expected a JSON list, got {type}", type=type(data).__name__))
            header = headers.get("X-WP-TotalPages")
            if header is not None:
                if not header.strip().isdigit():
                    raise WooError(url, tr("header X-WP-TotalPages is not a number: {header!r}", header=header))
                total_pages = int(header)
            elif len(data) == PER_PAGE:
                total_pages = page + 1  # no header: go on while pages are full
            for item in data:
                if not isinstance(item, dict):
                    shown_item = repr(item)[:80]
                    raise WooError(url, tr("expected JSON objects in the list, got {item}", item=shown_item))
                yield url, item
            page += 1

    def orders(self, modified_after: str | None) -> list[tuple[str, dict]]:
        """All orders (any status), oldest change first; only those modified after the GMT time."""
        params: dict[str, object] = {"orderby": "modified", "order": "asc"}
        if modified_after:
            params.update(modified_after=modified_after, dates_are_gmt="true")
        return [(self.order_url(item.get("id")), item) for _page, item in self.pages("/orders", params)]

    def order_url(self, order_id: object) -> str:
        return self.url(f"/orders/{order_id}")

    def refunds(self, order_id: int) -> list[tuple[str, dict]]:
        """All refunds of an order."""
        return [
            (self.url(f"/orders/{order_id}/refunds/{item.get('id')}"), item)
            for _page, item in self.pages(f"/orders/{order_id}/refunds")
        ]

    def product_categories(self, product_ids: set[int]) -> dict[int, str]:
        """product id → slug of its first category (for group_by = "category")."""
        found: dict[int, str] = {}
        ids = sorted(product_ids)
        for start in range(0, len(ids), PER_PAGE):
            chunk = ",".join(str(i) for i in ids[start : start + PER_PAGE])
            for url, product in self.pages("/products", {"include": chunk}):
                categories = product.get("categories") or []
                if isinstance(product.get("id"), int) and categories and isinstance(categories[0], dict):
                    slug = categories[0].get("slug") or categories[0].get("name")
                    if slug:
                        found[product["id"]] = str(slug)
        return found
