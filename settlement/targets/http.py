"""What the ledger transports share: the base of their error trees, the record of one attempt,
telling a request that never left from one that may have taken effect, and the retry steps of the
attempt loop.

Each ledger's `Transport` (settlement.targets.<ledger>.transport) subclasses `AttemptLoop` and keeps
its own rules: authentication, headers, error envelopes, what a 401 or a 429 means, rate headers.
What is retried follows settlement.targets.retry: nothing sent → any method; 5xx, read timeout or
a dropped connection → reads only, a write raises its ledger's AmbiguousResult.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

from settlement.domain.text import N_, tr
from settlement.targets.pacing import LocalGate, RequestGate
from settlement.targets.redaction import RedactingFilter
from settlement.targets.retry import RetryPolicy

IDEMPOTENT = frozenset({"GET", "HEAD"})


class LedgerClientError(Exception):
    """Base of each ledger client's error tree (FikenError, TripletexError, PowerOfficeError); the
    targets translate these into the port's LedgerError.

    Attributes:
        method / url: the failing request ("" when none was involved); url has no query string.
        status: the HTTP status, or None when no answer arrived.
        detail: the ledger's own words from the answer, shortened ("" when there were none).
        request_id: the id to quote to the ledger's support (the X-Request-ID we sent, or theirs).
    """

    def __init__(self, message: str, *, method: str = "", url: str = "", status: int | None = None,
                 detail: str = "", request_id: str = ""):
        super().__init__(message)
        self.message, self.method, self.url, self.status = message, method, url, status
        self.detail, self.request_id = detail, request_id

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.message}{detail}{where}"


@dataclass(frozen=True, slots=True)
class SentRequest:
    """One attempt, as reported to the `on_request` hook (metrics, contract recording).

    `path` is the path template ("/companies/{slug}/journalEntries"); `status` is the HTTP status,
    or "connection_error" / "timeout" when no answer arrived; `json` is the JSON body we sent (None
    for GET and multipart); never contains credentials.
    """

    method: str
    path: str
    status: int | str
    seconds: float
    request_id: str
    attempt: int
    json: Any = None


def caused_by(exc: BaseException, kind: type) -> bool:
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
    """True when the request certainly never reached the ledger (so even a POST may be retried)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.ReadTimeout):
        return caused_by(exc, NewConnectionError)
    return False


def connection_failure(exc: requests.RequestException) -> str:
    """The cause of a failed connection in plain words."""
    if caused_by(exc, ConnectionRefusedError):
        return tr("connection refused")
    if caused_by(exc, NameResolutionError):
        return tr("host name not found (DNS)")
    if isinstance(exc, requests.exceptions.SSLError):
        return tr("TLS handshake failed")
    return tr("connection failed")


def expand(base_url: str, template: str, path_params: Mapping[str, Any] | None) -> str:
    """The URL of `template` with each path parameter quoted whole (a "/" in an id stays in it)."""
    quoted = {k: quote(str(v), safe="") for k, v in (path_params or {}).items()}
    return base_url + template.format(**quoted)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AttemptLoop:
    """The shared half of a ledger transport: its settings, the report of each attempt, and the
    retry-or-raise steps its `send()` loop takes. Subclasses set the class attributes below."""

    ledger = ""  # the ledger's name in messages and logs ("Fiken")
    log: logging.Logger
    errors: ModuleType  # the ledger's errors module: its AmbiguousResult and ServerError are raised here
    connection_error: type[Exception]  # "cannot reach …"
    redaction: type[RedactingFilter]  # installed on the ledger's loggers when a transport is built
    per_second = 4  # the pace of the default gate (settlement.targets.pacing.LocalGate)
    ambiguous_advice = ""  # what to do about an ambiguous write, appended to its message (marked with N_)
    dropped_cause = N_("the connection dropped after the request was sent")

    def __init__(self, base_url: str, *, gate: RequestGate | None = None, connect_timeout: float = 5.0,
                 read_timeout: float = 30.0, retry: RetryPolicy | None = None,
                 on_request: Callable[[SentRequest], None] | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        self.redaction.install()
        self.gate = gate or LocalGate(self.per_second)
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.on_request = on_request
        self.session = session or requests.Session()
        self.sleep = sleep
        self.rng = rng or random.Random()

    def _report(self, record: SentRequest) -> None:
        self.log.debug(
            "%s %s %s -> %s in %.3fs (attempt %d, X-Request-ID %s)",
            self.ledger, record.method, record.path, record.status, record.seconds, record.attempt, record.request_id,
        )
        if self.on_request is not None:
            self.on_request(record)

    def _unreachable_cause(self, exc: requests.RequestException) -> str:
        return connection_failure(exc)

    def _back_off(self, attempt: int) -> bool:
        """Wait before the next attempt and say True, or False when the attempts are used up."""
        if attempt < self.retry.attempts:
            self.sleep(self.retry.backoff(attempt, self.rng))
            return True
        return False

    def _wait_for_429(self, attempt: int, retry_after: float | None) -> bool:
        """Wait as a 429 asks and say True, or False when it may not be retried (any more)."""
        wait = self.retry.wait_for_429(attempt, retry_after, self.rng)
        if wait is not None and attempt < self.retry.attempts:
            self.sleep(wait)
            return True
        return False

    def _after_no_answer(self, exc: requests.RequestException, method: str, template: str, context: dict,
                         started: float, attempt: int, json: Any) -> None:
        """Report an attempt that got no answer; return when it is to be tried again, else raise."""
        timed_out = isinstance(exc, requests.Timeout)
        self._report(SentRequest(method, template, "timeout" if timed_out else "connection_error",
                                 time.monotonic() - started, context["request_id"], attempt, json))
        if nothing_was_sent(exc) or method in IDEMPOTENT:
            if self._back_off(attempt):
                return
            cause = tr("timed out") if timed_out else self._unreachable_cause(exc)
            raise self.connection_error(tr("cannot reach {ledger}: {cause}", ledger=self.ledger, cause=cause),
                                        **context) from None
        cause = tr("no answer within the read timeout") if timed_out else tr(self.dropped_cause)
        raise self.errors.AmbiguousResult(
            tr("{ledger} may or may not have carried out this {method}: {cause}{advice}", ledger=self.ledger,
               method=method, cause=cause, advice=self._advice()),
            **context) from None

    def _advice(self) -> str:
        return tr(self.ambiguous_advice) if self.ambiguous_advice else ""

    def _after_server_error(self, status: int, method: str, context: dict, attempt: int) -> None:
        """After a 5xx: return when a read is to be tried again, else raise."""
        if method not in IDEMPOTENT:
            raise self.errors.AmbiguousResult(
                tr("{ledger} answered {status} to a {method}; it may or may not have been carried out{advice}",
                   ledger=self.ledger, status=status, method=method, advice=self._advice()), **context)
        if self._back_off(attempt):
            return
        raise self.errors.ServerError(tr("{ledger} kept failing ({status}) after {attempt} attempt(s)",
                                         ledger=self.ledger, status=status, attempt=attempt), **context)
