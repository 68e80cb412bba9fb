"""The HTTP side: a ThreadingHTTPServer on 127.0.0.1 whose handler records every request, enforces
Fiken's one-request-at-a-time and 4-per-second rules per token, applies armed faults, and hands
/api/v2 requests to api.dispatch and /oauth/* requests to the token registry.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from settlement.fiken_sandbox.api import Call, Reply, dispatch
from settlement.fiken_sandbox.errors import ApiError
from settlement.fiken_sandbox.oauth import OAuthError, Tokens
from settlement.fiken_sandbox.seed import PRIMARY_USER
from settlement.fiken_sandbox.state import State
from settlement.sandbox_kit.server import BodyRefused, LoopbackServer, RecordingHandler, bearer_token

MAX_BODY_BYTES = 25 * 1024 * 1024
API_PREFIX = "/api/v2"


@dataclass
class SandboxConfig:
    """Behaviour knobs. one_sided_credit_vat: "net" | "gross" (see postings.py).
    rate_limit_per_second: None disables; rate_limit_mode "slow" delays, "429" refuses (Retry-After: 1).
    error_body: "json" → {"error", "message"}; "text" → the message as text/plain.
    sale_booking_text: the description of the journal entry a sale books, with {saleNumber}
    standing for the sale's number. What real Fiken writes there is not documented (UNCERTAIN,
    docs/fiken.md); tests vary it to show the recovery does not depend on it."""

    one_sided_credit_vat: str = "net"
    rate_limit_per_second: int | None = 4
    rate_limit_mode: str = "slow"
    error_body: str = "json"
    sale_booking_text: str = "Salg {saleNumber}"

    def __post_init__(self) -> None:
        if self.one_sided_credit_vat not in ("net", "gross"):
            raise ValueError("one_sided_credit_vat must be 'net' or 'gross'")
        if self.rate_limit_mode not in ("slow", "429"):
            raise ValueError("rate_limit_mode must be 'slow' or '429'")
        if self.error_body not in ("json", "text"):
            raise ValueError("error_body must be 'json' or 'text'")


class Traffic:
    """Per-token bookkeeping of requests in flight and recent arrivals (for the rate limit)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._arrivals: dict[str, deque] = {}

    def enter(self, token: str) -> bool:
        """Mark a request in flight; False when another one from this token already is."""
        with self._lock:
            if self._in_flight.get(token):
                return False
            self._in_flight[token] = 1
            return True

    def leave(self, token: str) -> None:
        with self._lock:
            self._in_flight[token] = 0

    def delay_for(self, token: str, per_second: int) -> float:
        """Seconds this request must wait so the token stays within per_second (0: go now)."""
        with self._lock:
            now = time.monotonic()
            window = self._arrivals.setdefault(token, deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) < per_second:
                window.append(now)
                return 0.0
            start = window[-per_second] + 1.0  # the slot that frees up for this request
            window.append(start)
            return max(0.0, start - now)


class SandboxServer(LoopbackServer):
    def __init__(self, port: int, state: State, tokens: Tokens, config: SandboxConfig) -> None:
        super().__init__(port, _Handler)
        self.state, self.tokens, self.config = state, tokens, config
        self.traffic = Traffic()
        # Called after every request that may have changed the state or the tokens, before it
        # is answered (FikenSandbox saves its state file there); None: nothing to do.
        self.on_change: Callable[[], None] | None = None


class _Handler(RecordingHandler):
    server: SandboxServer
    max_body_bytes = MAX_BODY_BYTES

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = RecordingHandler.do_GET

    # --- pipeline -------------------------------------------------------------------------------

    def _handle(self) -> None:
        arrived = time.monotonic()
        path, query = self._target()
        authorization = self.headers.get("Authorization")
        token = bearer_token(authorization)
        drop = False
        try:
            raw = self._read_body()
        except BodyRefused as exc:
            raw, reply = b"", self._error(ApiError(exc.status, exc.message))
            self.close_connection = True
        else:
            if path.startswith("/oauth/"):
                reply = self._oauth(path, query, raw, authorization)
            elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                reply, drop = self._api(path[len(API_PREFIX):], query, raw, token)
            else:
                reply = self._error(ApiError(404, f"No such resource: {path}"))
        if self.command not in ("GET", "HEAD") and self.server.on_change is not None:
            self.server.on_change()  # before the answer: what a client was told is kept
        content_type = reply.content_type
        if content_type == "application/json":
            content_type += "; charset=utf-8"
        self._record_and_answer(path, query, raw, token, arrived, drop, reply.status, reply.body, reply.headers,
                                content_type)

    def _api(self, path: str, query: dict, raw: bytes, token: str | None) -> tuple[Reply, bool]:
        server = self.server
        key = token or ""
        if not server.traffic.enter(key):
            return self._error(ApiError(429, "Too many concurrent requests: send one request at a time",
                                        error="too_many_requests")), False
        try:
            per_second = server.config.rate_limit_per_second
            if token and per_second:
                delay = server.traffic.delay_for(key, per_second)
                if delay and server.config.rate_limit_mode == "429":
                    raise ApiError(429, f"More than {per_second} requests per second",
                                   headers={"Retry-After": "1"}, error="too_many_requests")
                time.sleep(min(delay, 5.0))
            injected = server.faults.before_acting()
            if injected:
                status, headers = injected
                raise ApiError(status, "Injected fault", headers=headers)
            user_id = server.tokens.user_for(token)
            call = Call(server.state, user_id, self.command, query, self.headers.get("Content-Type") or "",
                        raw, server.root_url + API_PREFIX, server.config)
            reply = dispatch(call, path)
        except ApiError as exc:
            reply = self._error(exc)
        finally:
            # Leave before answering: a serial client may send its next request the moment the
            # answer arrives, and must not see itself as concurrent.
            server.traffic.leave(key)
        drop = server.faults.take_drop(self.command, API_PREFIX + path)
        return reply, drop

    def _oauth(self, path: str, query: dict, raw: bytes, authorization: str | None) -> Reply:
        tokens = self.server.tokens
        try:
            if path == "/oauth/authorize" and self.command == "GET":
                location = tokens.authorize(query, PRIMARY_USER)
                return Reply(302, None, {"Location": location})
            if path == "/oauth/token" and self.command == "POST":
                content_type = (self.headers.get("Content-Type") or "").lower()
                if not content_type.startswith("application/x-www-form-urlencoded"):
                    raise OAuthError(400, "invalid_request", "send application/x-www-form-urlencoded")
                form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
                return Reply(200, tokens.token(form, authorization), {"Cache-Control": "no-store"})
            if path == "/oauth/revoke" and self.command == "POST":
                tokens.revoke_by_bearer(authorization)
                return Reply(200, None)
            raise OAuthError(404, "not_found", f"No such OAuth endpoint: {self.command} {path}")
        except OAuthError as exc:
            return Reply(exc.status, {"error": exc.error, "error_description": exc.description})

    def _error(self, exc: ApiError) -> Reply:
        if self.server.config.error_body == "text":
            return Reply(exc.status, exc.message.encode("utf-8"), exc.headers, "text/plain; charset=utf-8")
        error = exc.error or self.responses.get(exc.status, ("Error",))[0]
        return Reply(exc.status, {"error": error, "message": exc.message}, exc.headers)
