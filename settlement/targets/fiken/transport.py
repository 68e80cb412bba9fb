"""Sending one logical request to Fiken: gate, headers, timeouts, retries, typed errors, metrics.

`Transport.send()` is the only place that talks HTTP to the Fiken API. Every attempt:
- waits for the request gate (one in flight per credential, paced; see pacing.py),
- carries a fresh `X-Request-ID` and connect/read timeouts,
- is reported to the `on_request` hook (method, path template, status, seconds),
and the outcome is either a 2xx response or one exception from errors.py.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

import requests

from settlement.domain.text import N_, tr
from settlement.targets.fiken import errors
from settlement.targets.fiken.auth import TokenSource
from settlement.targets.fiken.redaction import RedactingFilter
from settlement.targets.http import AttemptLoop, SentRequest, expand, shorten
from settlement.targets.retry import parse_retry_after

__all__ = ["SentRequest", "Transport", "error_detail"]  # SentRequest: the hook's record, shared by the ledgers

# One logger for the client; it carries the redaction filter (logger filters do not apply to children).
log = logging.getLogger("settlement.targets.fiken")


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
    return shorten(" ".join(text.split()), limit)


class Transport(AttemptLoop):
    """Sends requests for one credential; see the module docstring."""

    ledger = "Fiken"
    log = log
    errors = errors
    connection_error = errors.FikenConnectionError
    redaction = RedactingFilter
    ambiguous_advice = N_("; check in Fiken before trying again")

    def __init__(self, base_url: str, token: TokenSource, **options: Any):
        """options: the gate, timeouts, retry policy, on_request hook, session, sleep and rng (AttemptLoop)."""
        super().__init__(base_url, **options)
        self.token = token

    def url(self, template: str, path_params: Mapping[str, Any] | None = None) -> str:
        return expand(self.base_url, template, path_params)

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
                self._after_no_answer(exc, method, template, context, started, attempt, json)
                continue

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
                if self._wait_for_429(attempt, parse_retry_after(response.headers.get("Retry-After"))):
                    continue
                raise errors.RateLimited(tr("{ledger} kept answering 429 Too Many Requests after {attempt} attempt(s)",
                                            ledger="Fiken", attempt=attempt), **context)
            if status >= 500:
                self._after_server_error(status, method, context, attempt)
                continue
            raise _client_error(status, detail, context)


def _client_error(status: int, detail: str, context: dict) -> errors.FikenError:
    if status == 402 or (status == 403 and "module" in detail.lower()):
        return errors.ModuleNotActive(tr("a Fiken module needed for this is not active ({status})", status=status), **context)
    if status == 403:
        return errors.ForbiddenError(tr("Fiken refused access (403): the credential may not use this company or resource"),
                                     **context)
    if status == 404:
        return errors.NotFoundError(tr("not found in {ledger} (404)", ledger="Fiken"), **context)
    if status in (400, 409, 415, 422):
        return errors.ValidationError(tr("{ledger} refused the request ({status})", ledger="Fiken", status=status), **context)
    return errors.UnexpectedResponse(tr("unexpected answer from {ledger} ({status})", ledger="Fiken", status=status), **context)
