"""Sending one logical request to Tripletex: gate, session, headers, timeouts, retries, typed errors.

`Transport.send()` is the only place that talks HTTP to Tripletex. Every attempt waits for the
request gate (settlement.targets.pacing), carries a fresh X-Request-ID and connect/read timeouts, and
is reported to the `on_request` hook. The session token is made inside the gate slot on first use
(and when it is due or refused once), so the :create request is gated like any other.

Rate limits: Tripletex sends X-Rate-Limit-Limit/-Remaining/-Reset on every answer and 429 once the
period's requests are used up. When Remaining reaches 0 the next request waits out Reset; a 429 is
retried after Retry-After, else X-Rate-Limit-Reset, else a backoff (ISSUE#103: Reset may be absent).
What is retried: retry.py (nothing sent → any method; 5xx/lost answer → GET only, else ambiguous).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

from settlement.targets.pacing import LocalGate, RequestGate
from settlement.targets.retry import RetryPolicy, parse_retry_after
from settlement.targets.tripletex import errors
from settlement.targets.tripletex.auth import SessionCredentials
from settlement.targets.tripletex.redaction import install_redaction

log = logging.getLogger("settlement.targets.tripletex")

IDEMPOTENT = frozenset({"GET", "HEAD"})
CREATE_SESSION = "/token/session/:create"
# Tripletex publishes no numbers; this is a polite default (docs/tripletex.md, rate limits).
DEFAULT_PER_SECOND = 5


@dataclass(frozen=True, slots=True)
class SentRequest:
    """One attempt, as reported to the `on_request` hook. `status` is the HTTP status or
    "connection_error" / "timeout"; `json` is the JSON body sent (never a credential)."""

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
    """True when the request certainly never reached Tripletex (so even a POST may be retried)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.ReadTimeout):
        return _caused_by(exc, NewConnectionError)
    return False


def connection_failure(exc: requests.RequestException) -> str:
    if _caused_by(exc, ConnectionRefusedError):
        return "connection refused"
    if _caused_by(exc, NameResolutionError):
        return "host name not found (DNS)"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    return "connection failed"


def error_parts(response: requests.Response, limit: int = 600) -> tuple[str, list[dict]]:
    """Tripletex's words from an error envelope (message, developerMessage, each validation message
    as "field: message"), and the validation messages themselves."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = " ".join((response.text or "").split())
        return (text if len(text) <= limit else text[: limit - 1] + "…"), []
    messages = [m for m in body.get("validationMessages") or [] if isinstance(m, dict)]
    parts = [str(body[k]) for k in ("message", "developerMessage") if body.get(k)]
    parts += [f"{m.get('field') or m.get('path')}: {m.get('message')}" for m in messages]
    text = " ".join("; ".join(dict.fromkeys(parts)).split())
    return (text if len(text) <= limit else text[: limit - 1] + "…"), messages


class Transport:
    """Sends requests for one credential; see the module docstring."""

    def __init__(self, base_url: str, credentials: SessionCredentials, *, gate: RequestGate | None = None,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0, retry: RetryPolicy | None = None,
                 on_request: Callable[[SentRequest], None] | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        install_redaction()
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.gate = gate or LocalGate(DEFAULT_PER_SECOND)
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.on_request = on_request
        self.session = session or requests.Session()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._not_before = 0.0  # monotonic time before which the rate limit period is used up
        self._limit_lock = threading.Lock()

    def _report(self, record: SentRequest) -> None:
        log.debug("Tripletex %s %s -> %s in %.3fs (attempt %d, X-Request-ID %s)", record.method, record.path,
                  record.status, record.seconds, record.attempt, record.request_id)
        if self.on_request is not None:
            self.on_request(record)

    # --- the session token ---------------------------------------------------------------------

    def _ensure_session(self) -> None:
        """Make a session token when there is none or it is due (called while holding the slot)."""
        with self.credentials.lock:
            if not self.credentials.needs_session():
                return
            request_id = str(uuid.uuid4())
            started = time.monotonic()
            try:
                response = self.session.put(
                    self.base_url + CREATE_SESSION, params=self.credentials.create_params(),
                    headers={"X-Request-ID": request_id, "Accept": "application/json"},
                    timeout=self.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                self._report(SentRequest("PUT", CREATE_SESSION, "connection_error", time.monotonic() - started,
                                         request_id, 1))
                raise errors.TripletexConnectionError(
                    f"cannot reach Tripletex to create a session: {connection_failure(exc)}",
                    method="PUT", url=self.base_url + CREATE_SESSION, request_id=request_id) from None
            self._report(SentRequest("PUT", CREATE_SESSION, response.status_code, time.monotonic() - started,
                                     request_id, 1))
            context = {"method": "PUT", "url": self.base_url + CREATE_SESSION, "status": response.status_code,
                       "request_id": response.headers.get("x-tlx-request-id") or request_id}
            if response.status_code in (400, 401, 403, 404, 422):
                detail, _ = error_parts(response)
                raise errors.AuthenticationError(f"{self.credentials.hint()} ({response.status_code})",
                                                 detail=detail, **context)
            if response.status_code >= 500 or response.status_code == 429:
                raise errors.ServerError(f"Tripletex could not create a session ({response.status_code})", **context)
            try:
                value = response.json()["value"]
                token, expires = value["token"], date.fromisoformat(value["expirationDate"])
            except (ValueError, KeyError, TypeError):
                raise errors.UnexpectedResponse("Tripletex's session answer has no token", **context) from None
            self.credentials.store(token, expires)

    # --- rate limit headers ----------------------------------------------------------------------

    def _wait_for_period(self) -> None:
        with self._limit_lock:
            wait = self._not_before - time.monotonic()
        if wait > 0:
            self.sleep(min(wait, self.retry.max_retry_after))

    def _note_limits(self, response: requests.Response) -> None:
        remaining = response.headers.get("X-Rate-Limit-Remaining")
        reset = parse_retry_after(response.headers.get("X-Rate-Limit-Reset"))
        if remaining is not None and remaining.strip() == "0" and reset is not None:
            with self._limit_lock:
                self._not_before = time.monotonic() + reset

    # --- one logical request ------------------------------------------------------------------------

    def send(self, method: str, template: str, path_params: Mapping[str, Any] | None = None, *,
             params: Mapping[str, Any] | None = None, json: Any = None, files: Any = None) -> requests.Response:
        """Send until a 2xx answer or a definite failure (see the module docstring)."""
        quoted = {k: quote(str(v), safe="") for k, v in (path_params or {}).items()}
        # Tripletex's own path characters (">" and ":") are sent as they are written in the spec.
        url = self.base_url + template.format(**quoted)
        idempotent = method in IDEMPOTENT
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            request_id = str(uuid.uuid4())
            context = {"method": method, "url": url, "request_id": request_id}
            self._wait_for_period()
            started = time.monotonic()
            try:
                with self.gate.slot():
                    self._ensure_session()
                    authorization = self.credentials.authorization()
                    started = time.monotonic()
                    response = self.session.request(
                        method, url, params=params, json=json, files=files,
                        headers={"Authorization": authorization, "X-Request-ID": request_id,
                                 "Accept": "application/json"},
                        timeout=self.timeout, allow_redirects=False)
                    if response.status_code == 401 and not renewed:
                        # Forget the session while holding the slot, so threads sharing this client
                        # make one new session instead of each being refused with the old one.
                        self.credentials.forget(authorization)
            except requests.RequestException as exc:
                timed_out = isinstance(exc, requests.Timeout)
                self._report(SentRequest(method, template, "timeout" if timed_out else "connection_error",
                                         time.monotonic() - started, request_id, attempt, json))
                if nothing_was_sent(exc) or idempotent:
                    if attempt < self.retry.attempts:
                        self.sleep(self.retry.backoff(attempt, self.rng))
                        continue
                    cause = "timed out" if timed_out else connection_failure(exc)
                    raise errors.TripletexConnectionError(f"cannot reach Tripletex: {cause}", **context) from None
                cause = ("no answer within the read timeout" if timed_out
                         else "the connection dropped after the request was sent")
                raise errors.AmbiguousResult(
                    f"Tripletex may or may not have carried out this {method}: {cause}; "
                    "look the voucher up before trying again", **context) from None

            status = response.status_code
            self._report(SentRequest(method, template, status, time.monotonic() - started, request_id, attempt, json))
            self._note_limits(response)
            if 200 <= status < 300:
                return response
            detail, messages = error_parts(response)
            context.update(status=status, detail=detail,
                           request_id=response.headers.get("x-tlx-request-id") or request_id)
            if status == 401:
                if not renewed:  # Tripletex did nothing: one retry with a new session is safe
                    renewed = True
                    attempt -= 1
                    continue
                raise errors.AuthenticationError(f"{self.credentials.hint()} (401)", **context)
            if status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is None and (response.headers.get("X-Rate-Limit-Remaining") or "").strip() == "0":
                    # The period is used up: the rest of it is refused, so wait it out (when told).
                    retry_after = parse_retry_after(response.headers.get("X-Rate-Limit-Reset"))
                wait = self.retry.wait_for_429(attempt, retry_after, self.rng)
                if wait is not None and attempt < self.retry.attempts:
                    self.sleep(wait)
                    continue
                raise errors.RateLimited(f"Tripletex kept answering 429 Too Many Requests after {attempt} attempt(s)",
                                         **context)
            if status >= 500:
                if not idempotent:
                    raise errors.AmbiguousResult(
                        f"Tripletex answered {status} to a {method}; it may or may not have been carried out; "
                        "look the voucher up before trying again", **context)
                if attempt < self.retry.attempts:
                    self.sleep(self.retry.backoff(attempt, self.rng))
                    continue
                raise errors.ServerError(f"Tripletex kept failing ({status}) after {attempt} attempt(s)", **context)
            raise _client_error(status, messages, context, self.credentials)


def _client_error(status: int, messages: list[dict], context: dict, credentials: SessionCredentials) -> errors.TripletexError:
    if status == 403:
        return errors.ForbiddenError(
            f"Tripletex refused access (403) for credential '{credentials.credential_label}': the employee token "
            "may lack an entitlement (e.g. Advanced Voucher) or access to this company", **context)
    if status == 404:
        return errors.NotFoundError("not found in Tripletex (404)", **context)
    if status in (400, 409, 415, 422):
        return errors.ValidationError(f"Tripletex refused the request ({status})", messages=messages, **context)
    return errors.UnexpectedResponse(f"unexpected answer from Tripletex ({status})", **context)
