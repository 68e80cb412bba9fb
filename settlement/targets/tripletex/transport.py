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
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

import requests

from settlement.domain.text import N_, tr
from settlement.targets.http import AttemptLoop, SentRequest, connection_failure, expand, shorten
from settlement.targets.retry import parse_retry_after
from settlement.targets.tripletex import errors
from settlement.targets.tripletex.auth import SessionCredentials
from settlement.targets.tripletex.redaction import RedactingFilter

__all__ = ["SentRequest", "Transport", "error_parts"]  # SentRequest: the hook's record, shared by the ledgers

log = logging.getLogger("settlement.targets.tripletex")

CREATE_SESSION = "/token/session/:create"
# Tripletex publishes no numbers; this is a polite default (docs/tripletex.md, rate limits).
DEFAULT_PER_SECOND = 5


def error_parts(response: requests.Response, limit: int = 600) -> tuple[str, list[dict]]:
    """Tripletex's words from an error envelope (message, developerMessage, each validation message
    as "field: message"), and the validation messages themselves."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return shorten(" ".join((response.text or "").split()), limit), []
    messages = [m for m in body.get("validationMessages") or [] if isinstance(m, dict)]
    parts = [str(body[k]) for k in ("message", "developerMessage") if body.get(k)]
    parts += [f"{m.get('field') or m.get('path')}: {m.get('message')}" for m in messages]
    return shorten(" ".join("; ".join(dict.fromkeys(parts)).split()), limit), messages


class Transport(AttemptLoop):
    """Sends requests for one credential; see the module docstring."""

    ledger = "Tripletex"
    log = log
    errors = errors
    connection_error = errors.TripletexConnectionError
    redaction = RedactingFilter
    per_second = DEFAULT_PER_SECOND
    ambiguous_advice = N_("; look the voucher up before trying again")

    def __init__(self, base_url: str, credentials: SessionCredentials, **options: Any):
        """options: the gate, timeouts, retry policy, on_request hook, session, sleep and rng (AttemptLoop)."""
        super().__init__(base_url, **options)
        self.credentials = credentials
        self._not_before = 0.0  # monotonic time before which the rate limit period is used up
        self._limit_lock = threading.Lock()

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
                    tr("cannot reach Tripletex to create a session: {cause}", cause=connection_failure(exc)),
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
                raise errors.ServerError(tr("Tripletex could not create a session ({status})", status=response.status_code),
                                         **context)
            try:
                value = response.json()["value"]
                token, expires = value["token"], date.fromisoformat(value["expirationDate"])
            except (ValueError, KeyError, TypeError):
                raise errors.UnexpectedResponse(tr("Tripletex's session answer has no token"), **context) from None
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
        # Tripletex's own path characters (">" and ":") are sent as they are written in the spec.
        url = expand(self.base_url, template, path_params)
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
                self._after_no_answer(exc, method, template, context, started, attempt, json)
                continue

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
                if self._wait_for_429(attempt, retry_after):
                    continue
                raise errors.RateLimited(tr("{ledger} kept answering 429 Too Many Requests after {attempt} attempt(s)",
                                            ledger="Tripletex", attempt=attempt), **context)
            if status >= 500:
                self._after_server_error(status, method, context, attempt)
                continue
            raise _client_error(status, messages, context, self.credentials)


def _client_error(status: int, messages: list[dict], context: dict, credentials: SessionCredentials) -> errors.TripletexError:
    if status == 403:
        return errors.ForbiddenError(
            tr("Tripletex refused access (403) for credential {credential!r}: the employee token "
               "may lack an entitlement (e.g. Advanced Voucher) or access to this company",
               credential=credentials.credential_label), **context)
    if status == 404:
        return errors.NotFoundError(tr("not found in {ledger} (404)", ledger="Tripletex"), **context)
    if status in (400, 409, 415, 422):
        return errors.ValidationError(tr("{ledger} refused the request ({status})", ledger="Tripletex", status=status),
                                      messages=messages, **context)
    return errors.UnexpectedResponse(tr("unexpected answer from {ledger} ({status})", ledger="Tripletex", status=status),
                                     **context)
