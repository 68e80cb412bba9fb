"""Sending one logical request to Fiken: gate, headers, timeouts, retries, typed errors, metrics.

`Transport.send()` is the only place that talks HTTP to the Fiken API. Every attempt:
- waits for the request gate (one in flight per credential, paced; see pacing.py),
- carries a fresh `X-Request-ID` and connect/read timeouts,
- is reported to the `on_request` hook (method, path template, status, seconds),
and the outcome is either a 2xx response or one exception from errors.py.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

from settlement.targets.fiken import errors
from settlement.targets.fiken.auth import TokenSource
from settlement.targets.pacing import LocalGate, RequestGate
from settlement.targets.fiken.redaction import install_redaction
from settlement.targets.retry import RetryPolicy, parse_retry_after

# One logger for the client; it carries the redaction filter (logger filters do not apply to children).
log = logging.getLogger("settlement.targets.fiken")

IDEMPOTENT = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class SentRequest:
    """One attempt, as reported to the `on_request` hook (metrics, contract recording).

    `status` is the HTTP status, or "connection_error" / "timeout" when no answer arrived.
    `json` is the JSON body we sent (None for GET and multipart); never contains credentials.
    """

    method: str
    path: str
    status: int | str
    seconds: float
    request_id: str
    attempt: int
    json: Any = None


def _caused_by(exc: BaseException, kind: type) -> bool:
    """Whether `kind` appears in the exception's args, reason or cause chain."""
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
    """True when the request certainly never reached Fiken (so even a POST may be retried)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.ReadTimeout):
        return _caused_by(exc, NewConnectionError)
    return False


def connection_failure(exc: requests.RequestException) -> str:
    """The cause of a failed connection in plain words."""
    if _caused_by(exc, ConnectionRefusedError):
        return "connection refused"
    if _caused_by(exc, NameResolutionError):
        return "host name not found (DNS)"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    return "connection failed"


def error_detail(response: requests.Response, limit: int = 300) -> str:
    """Fiken's message from an error body: JSON `message`/`error_description`/`error`, else the text."""
    text = response.text or ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("error", "error_description", "message") if body.get(k)]
        if parts:
            text = ": ".join(dict.fromkeys(parts))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Transport:
    """Sends requests for one credential; see the module docstring."""

    def __init__(
        self,
        base_url: str,
        token: TokenSource,
        *,
        gate: RequestGate | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        on_request: Callable[[SentRequest], None] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        install_redaction()
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.gate = gate or LocalGate()
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.on_request = on_request
        self.session = session or requests.Session()
        self.sleep = sleep
        self.rng = rng or random.Random()

    def url(self, template: str, path_params: Mapping[str, Any] | None = None) -> str:
        quoted = {k: quote(str(v), safe="") for k, v in (path_params or {}).items()}
        return self.base_url + template.format(**quoted)

    def _report(self, record: SentRequest) -> None:
        log.debug(
            "Fiken %s %s -> %s in %.3fs (attempt %d, X-Request-ID %s)",
            record.method, record.path, record.status, record.seconds, record.attempt, record.request_id,
        )
        if self.on_request is not None:
            self.on_request(record)

    def send(
        self,
        method: str,
        template: str,
        path_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        data: Any = None,
    ) -> requests.Response:
        """Send until a 2xx answer or a definite failure; see retry.py for what is retried."""
        url = self.url(template, path_params)
        idempotent = method in IDEMPOTENT
        refreshed = False
        renewed = False
        refresh_failure: errors.FikenError | None = None
        attempt = 0
        while True:
            attempt += 1
            request_id = str(uuid.uuid4())
            context = {"method": method, "url": url, "request_id": request_id}
            started = time.monotonic()
            try:
                with self.gate.slot():
                    authorization = self.token.authorization()
                    started = time.monotonic()
                    response = self.session.request(
                        method, url, params=params, json=json, files=files, data=data,
                        headers={"Authorization": authorization, "X-Request-ID": request_id, "Accept": "application/json"},
                        timeout=self.timeout, allow_redirects=False,
                    )
                    if response.status_code == 401 and not refreshed:
                        # Renew while still holding the slot: threads sharing this client wait and
                        # then send the new token, instead of each being refused with the old one.
                        try:
                            renewed = self.token.refresh(authorization)
                        except errors.FikenError as exc:
                            refresh_failure = exc  # raised once the 401 has been reported
            except requests.RequestException as exc:
                timed_out = isinstance(exc, requests.Timeout)
                self._report(SentRequest(method, template, "timeout" if timed_out else "connection_error",
                                         time.monotonic() - started, request_id, attempt, json))
                unsent = nothing_was_sent(exc)
                if unsent or idempotent:
                    if attempt < self.retry.attempts:
                        self.sleep(self.retry.backoff(attempt, self.rng))
                        continue
                    cause = "timed out" if timed_out else connection_failure(exc)
                    raise errors.FikenConnectionError(f"cannot reach Fiken: {cause}", **context) from None
                cause = "no answer within the read timeout" if timed_out else "the connection dropped after the request was sent"
                raise errors.AmbiguousResult(
                    f"Fiken may or may not have carried out this {method}: {cause}; check in Fiken before trying again",
                    **context,
                ) from None

            status = response.status_code
            self._report(SentRequest(method, template, status, time.monotonic() - started, request_id, attempt, json))
            if 200 <= status < 300:
                return response
            detail = error_detail(response)
            context.update(status=status, detail=detail)

            if status == 401:
                # A 401 means Fiken did nothing, so one retry with a fresh token is safe for any method.
                if refresh_failure is not None:
                    raise refresh_failure
                if not refreshed:
                    if renewed:
                        refreshed = True
                        attempt -= 1  # the refresh retry does not use up a transient-failure attempt
                        continue
                kind = errors.ReconnectRequired if self.token.kind == "OAuth" else errors.AuthenticationError
                raise kind(f"{self.token.reconnect_hint()} (401)", **context)
            if status == 429:
                wait = self.retry.wait_for_429(attempt, parse_retry_after(response.headers.get("Retry-After")), self.rng)
                if wait is not None and attempt < self.retry.attempts:
                    self.sleep(wait)
                    continue
                raise errors.RateLimited(f"Fiken kept answering 429 Too Many Requests after {attempt} attempt(s)", **context)
            if status >= 500:
                if not idempotent:
                    raise errors.AmbiguousResult(
                        f"Fiken answered {status} to a {method}; it may or may not have been carried out; "
                        "check in Fiken before trying again",
                        **context,
                    )
                if attempt < self.retry.attempts:
                    self.sleep(self.retry.backoff(attempt, self.rng))
                    continue
                raise errors.ServerError(f"Fiken kept failing ({status}) after {attempt} attempt(s)", **context)
            raise _client_error(status, detail, context)


def _client_error(status: int, detail: str, context: dict) -> errors.FikenError:
    if status == 402 or (status == 403 and "module" in detail.lower()):
        return errors.ModuleNotActive(f"a Fiken module needed for this is not active ({status})", **context)
    if status == 403:
        return errors.ForbiddenError("Fiken refused access (403): the credential may not use this company or resource", **context)
    if status == 404:
        return errors.NotFoundError("not found in Fiken (404)", **context)
    if status in (400, 409, 415, 422):
        return errors.ValidationError(f"Fiken refused the request ({status})", **context)
    return errors.UnexpectedResponse(f"unexpected answer from Fiken ({status})", **context)
