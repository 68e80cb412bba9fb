"""Sending one logical request to PowerOffice Go: gate, headers, timeouts, retries, typed errors.

`Transport.send()` is the only place that talks HTTP to the v2 API. Every attempt waits for the
request gate (10 a second per subscription key, settlement.targets.pacing), carries the bearer
token, the subscription key, a fresh X-Request-ID and connect/read timeouts, and is reported to the
`on_request` hook. What is retried (poweroffice-api.md §7; docs/poweroffice.md "Errors"):
- nothing reached Go (connection refused, connect timeout): any method;
- 401: once, with a freshly fetched token (Go did nothing);
- 429: any method, after Retry-After or at least one second (the portal: "wait ≥1 s");
- 5xx, read timeout, dropped connection: GET only; a POST/PUT raises AmbiguousResult.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from settlement.targets.pacing import LocalGate, RequestGate
from settlement.targets.poweroffice import errors
from settlement.targets.poweroffice.auth import ClientCredentials
from settlement.targets.poweroffice.redaction import install_redaction
from settlement.targets.retry import RetryPolicy, parse_retry_after

log = logging.getLogger("settlement.targets.poweroffice")

IDEMPOTENT = frozenset({"GET", "HEAD"})
MIN_429_WAIT = 1.0


@dataclass(frozen=True, slots=True)
class SentRequest:
    """One attempt, as reported to the `on_request` hook (metrics, contract recording).

    `path` is the path template ("/Vouchers/Reverse/{id}"); `status` the HTTP status, or
    "connection_error" / "timeout"; `json` the JSON body sent (None for GET and uploads).
    """

    method: str
    path: str
    status: int | str
    seconds: float
    request_id: str
    attempt: int
    json: Any = None


def _caused_by(exc: BaseException, kind: type) -> bool:
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kind):
            return True
        stack.extend(item.args)
        stack.extend([getattr(item, "reason", None), item.__cause__, item.__context__])
    return False


def nothing_was_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly never reached Go (so even a POST may be tried again)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.ReadTimeout):
        return _caused_by(exc, NewConnectionError)
    return False


def problem_of(response: requests.Response) -> dict | None:
    """The JSON body of an error answer (ProblemDetails or the gateway's), or None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def problem_text(problem: dict | None, response: requests.Response, limit: int = 400) -> str:
    """Go's words: ProblemDetails Title and Detail (either case), or the gateway's message, or the text."""
    if problem:
        parts = [str(problem.get(k) or problem.get(k.lower()) or "") for k in ("Title", "Detail")]
        parts = [p for p in parts if p] or [str(problem.get("message") or "")]
        text = ": ".join(dict.fromkeys(p for p in parts if p))
    else:
        text = response.text or ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Transport:
    """Sends requests for one credential; see the module docstring."""

    def __init__(self, base_url: str, credentials: ClientCredentials, *, gate: RequestGate | None = None,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0, retry: RetryPolicy | None = None,
                 on_request: Callable[[SentRequest], None] | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        install_redaction()
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.gate = gate or LocalGate(10)
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.on_request = on_request
        self.session = session or requests.Session()
        self.sleep = sleep
        self.rng = rng or random.Random()

    def _report(self, record: SentRequest) -> None:
        log.debug("PowerOffice %s %s -> %s in %.3fs (attempt %d, X-Request-ID %s)", record.method, record.path,
                  record.status, record.seconds, record.attempt, record.request_id)
        if self.on_request is not None:
            self.on_request(record)

    def send(self, method: str, template: str, path_params: Mapping[str, Any] | None = None, *,
             params: Mapping[str, Any] | None = None, json: Any = None, files: Any = None) -> requests.Response:
        """Send until a 2xx answer or a definite failure."""
        url = self.base_url + template.format(**{k: requests.utils.quote(str(v), safe="")
                                                 for k, v in (path_params or {}).items()})
        idempotent = method in IDEMPOTENT
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            request_id = str(uuid.uuid4())
            context = {"method": method, "url": url, "request_id": request_id}
            authorization = self.credentials.authorization()  # outside the slot: the token call takes its own
            started = time.monotonic()
            try:
                with self.gate.slot():
                    started = time.monotonic()
                    response = self.session.request(
                        method, url, params=params, json=json, files=files, timeout=self.timeout,
                        allow_redirects=False,
                        headers={"Authorization": authorization, "X-Request-ID": request_id,
                                 "Ocp-Apim-Subscription-Key": self.credentials.subscription_key,
                                 "Accept": "application/json"})
            except requests.RequestException as exc:
                timed_out = isinstance(exc, requests.Timeout)
                self._report(SentRequest(method, template, "timeout" if timed_out else "connection_error",
                                         time.monotonic() - started, request_id, attempt, json))
                if nothing_was_sent(exc) or idempotent:
                    if attempt < self.retry.attempts:
                        self.sleep(self.retry.backoff(attempt, self.rng))
                        continue
                    cause = "timed out" if timed_out else (
                        "connection refused" if _caused_by(exc, ConnectionRefusedError) else "connection failed")
                    raise errors.PowerOfficeConnectionError(f"cannot reach PowerOffice: {cause}", **context) from None
                cause = "no answer within the read timeout" if timed_out else "the connection dropped after sending"
                raise errors.AmbiguousResult(
                    f"PowerOffice may or may not have carried out this {method}: {cause}", **context) from None

            status = response.status_code
            self._report(SentRequest(method, template, status, time.monotonic() - started, request_id, attempt, json))
            if 200 <= status < 300:
                return response
            problem = problem_of(response)
            context.update(status=status, detail=problem_text(problem, response), problem=problem)
            if status == 401:
                self.credentials.invalidate(authorization)
                if not renewed:
                    renewed = True
                    attempt -= 1  # renewing the token does not use up a transient-failure attempt
                    continue
                raise errors.AuthenticationError(
                    "PowerOffice refused the access token (401) even when freshly fetched", **context)
            if status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                wait = self.retry.wait_for_429(attempt, max(retry_after or 0.0, MIN_429_WAIT), self.rng)
                if wait is not None and attempt < self.retry.attempts:
                    self.sleep(wait)
                    continue
                raise errors.RateLimited(f"PowerOffice kept answering 429 after {attempt} attempt(s)", **context)
            if status >= 500:
                if not idempotent:
                    raise errors.AmbiguousResult(
                        f"PowerOffice answered {status} to a {method}; it may or may not have been carried out",
                        **context)
                if attempt < self.retry.attempts:
                    self.sleep(self.retry.backoff(attempt, self.rng))
                    continue
                raise errors.ServerError(f"PowerOffice kept failing ({status}) after {attempt} attempt(s)", **context)
            raise client_error(status, idempotent, context)


def client_error(status: int, idempotent: bool, context: dict) -> errors.PowerOfficeError:
    text = (context.get("detail") or "").lower()
    if status == 403:
        return errors.ForbiddenError(
            "PowerOffice refused access (403): the integration lacks a privilege on this client "
            "(`settlement test-connection` lists the invalid privileges)", **context)
    if status == 404 and idempotent:
        return errors.NotFoundError("not found in PowerOffice (404)", **context)
    if status in (400, 404, 409, 415, 422):
        if "externalimportreference" in text and ("already" in text or "duplicate" in text or "unique" in text):
            return errors.DuplicateReference("PowerOffice already has a voucher with this reference", **context)
        if "already reversed" in text:
            return errors.AlreadyReversed("the voucher is already reversed", **context)
        return errors.ValidationError(f"PowerOffice refused the request ({status})", **context)
    return errors.UnexpectedResponse(f"unexpected answer from PowerOffice ({status})", **context)
