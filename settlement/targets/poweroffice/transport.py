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
import time
import uuid
from collections.abc import Mapping
from typing import Any

import requests

from settlement.domain.text import N_, tr
from settlement.targets.http import IDEMPOTENT, AttemptLoop, SentRequest, caused_by, expand, shorten
from settlement.targets.poweroffice import errors
from settlement.targets.poweroffice.auth import ClientCredentials
from settlement.targets.poweroffice.redaction import RedactingFilter
from settlement.targets.retry import parse_retry_after

__all__ = ["SentRequest", "Transport", "client_error", "problem_of", "problem_text"]  # SentRequest: shared

log = logging.getLogger("settlement.targets.poweroffice")

MIN_429_WAIT = 1.0


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
    return shorten(" ".join(text.split()), limit)


class Transport(AttemptLoop):
    """Sends requests for one credential; see the module docstring."""

    ledger = "PowerOffice"
    log = log
    errors = errors
    connection_error = errors.PowerOfficeConnectionError
    redaction = RedactingFilter
    per_second = 10
    dropped_cause = N_("the connection dropped after sending")

    def __init__(self, base_url: str, credentials: ClientCredentials, **options: Any):
        """options: the gate, timeouts, retry policy, on_request hook, session, sleep and rng (AttemptLoop)."""
        super().__init__(base_url, **options)
        self.credentials = credentials

    def _unreachable_cause(self, exc: requests.RequestException) -> str:
        return tr("connection refused") if caused_by(exc, ConnectionRefusedError) else tr("connection failed")

    def send(self, method: str, template: str, path_params: Mapping[str, Any] | None = None, *,
             params: Mapping[str, Any] | None = None, json: Any = None, files: Any = None) -> requests.Response:
        """Send until a 2xx answer or a definite failure."""
        url = expand(self.base_url, template, path_params)
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
                self._after_no_answer(exc, method, template, context, started, attempt, json)
                continue

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
                    tr("PowerOffice refused the access token (401) even when freshly fetched"), **context)
            if status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if self._wait_for_429(attempt, max(retry_after or 0.0, MIN_429_WAIT)):
                    continue
                raise errors.RateLimited(tr("PowerOffice kept answering 429 after {attempt} attempt(s)", attempt=attempt),
                                         **context)
            if status >= 500:
                self._after_server_error(status, method, context, attempt)
                continue
            raise client_error(status, idempotent, context)


def client_error(status: int, idempotent: bool, context: dict) -> errors.PowerOfficeError:
    text = (context.get("detail") or "").lower()
    if status == 403:
        return errors.ForbiddenError(
            tr("PowerOffice refused access (403): the integration lacks a privilege on this client "
               "(`settlement test-connection` lists the invalid privileges)"), **context)
    if status == 404 and idempotent:
        return errors.NotFoundError(tr("not found in {ledger} (404)", ledger="PowerOffice"), **context)
    if status in (400, 404, 409, 415, 422):
        if "externalimportreference" in text and ("already" in text or "duplicate" in text or "unique" in text):
            return errors.DuplicateReference(tr("PowerOffice already has a voucher with this reference"), **context)
        if "already reversed" in text:
            return errors.AlreadyReversed(tr("the voucher is already reversed"), **context)
        return errors.ValidationError(tr("{ledger} refused the request ({status})", ledger="PowerOffice", status=status), **context)
    return errors.UnexpectedResponse(tr("unexpected answer from {ledger} ({status})", ledger="PowerOffice", status=status),
                                     **context)
