"""The HTTP side: a ThreadingHTTPServer on 127.0.0.1. Every request is recorded; /OAuth/Token (and
/Demo/OAuth/Token) issue tokens; /v2 requests pass the gateway (subscription key, 10 requests per
second per key, bearer token), then armed faults, then api.dispatch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from settlement.poweroffice_sandbox.api import Call, Reply, dispatch
from settlement.poweroffice_sandbox.errors import (
    INVALID_SUBSCRIPTION_KEY, MISSING_SUBSCRIPTION_KEY, RATE_LIMITED, ApiProblem, GatewayError,
)
from settlement.poweroffice_sandbox.state import State
from settlement.poweroffice_sandbox.tokens import TokenBucket, TokenError, Tokens
from settlement.sandbox_kit.server import BodyRefused, LoopbackServer, RecordingHandler, bearer_token

API_PREFIX = "/v2"
TOKEN_PATHS = ("/oauth/token", "/demo/oauth/token")
MAX_DOCUMENTATION_BYTES = 30 * 1024 * 1024
MAX_BODY_BYTES = MAX_DOCUMENTATION_BYTES + 1024 * 1024  # room for the multipart envelope


@dataclass
class SandboxConfig:
    """Behaviour knobs. rate_limit_per_second: None disables the gateway's limit. replica_lag: seconds
    a new voucher stays invisible to GETs (0: off). max_documentation_bytes: the PDF size limit."""

    rate_limit_per_second: int | None = 10
    replica_lag: float = 0.0
    max_documentation_bytes: int = MAX_DOCUMENTATION_BYTES


class SandboxServer(LoopbackServer):
    def __init__(self, port: int, state: State, tokens: Tokens, config: SandboxConfig) -> None:
        super().__init__(port, _Handler)
        self.state, self.tokens, self.config = state, tokens, config
        self.bucket = TokenBucket(config.rate_limit_per_second)


class _Handler(RecordingHandler):
    server: SandboxServer
    max_body_bytes = MAX_BODY_BYTES

    do_POST = do_PATCH = do_PUT = do_DELETE = RecordingHandler.do_GET

    def _handle(self) -> None:
        arrived = time.monotonic()
        path, query = self._target()
        authorization = self.headers.get("Authorization")
        token = bearer_token(authorization)
        subscription_key = self.headers.get("Ocp-Apim-Subscription-Key") or query.get("subscription-key")
        drop = False
        try:
            raw = self._read_body(refuse_chunked=False)  # a chunked body reads as empty, as it always did here
        except BodyRefused:
            raw, reply = b"", Reply(413, {"statusCode": 413, "message": "Request entity too large"})
            self.close_connection = True
        else:
            if path.lower() in TOKEN_PATHS:
                reply = self._token(raw, authorization, subscription_key)
            elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                reply, drop = self._api(path[len(API_PREFIX):], query, raw, token, subscription_key)
            else:
                reply = Reply(404, {"statusCode": 404, "message": "Resource not found"})
        self._record_and_answer(path, query, raw, token, arrived, drop, reply.status, reply.body, reply.headers,
                                reply.content_type + "; charset=utf-8")

    def _gateway(self, subscription_key: str | None) -> None:
        """What Azure API Management checks before Go sees the request."""
        if not subscription_key:
            raise GatewayError(401, MISSING_SUBSCRIPTION_KEY)
        if subscription_key != self.server.state.subscription_key:
            raise GatewayError(401, INVALID_SUBSCRIPTION_KEY)
        if not self.server.bucket.take(subscription_key):
            # UNCERTAIN: Go documents no throttling headers; APIM's rate-limit policy sends Retry-After.
            raise GatewayError(429, RATE_LIMITED, {"Retry-After": "1"})

    def _token(self, raw: bytes, authorization: str | None, subscription_key: str | None) -> Reply:
        if self.command != "POST":
            return Reply(405, {"statusCode": 405, "message": "Method not allowed"})
        try:
            self._gateway(subscription_key)
        except GatewayError as exc:
            return Reply(exc.status, exc.body(), exc.headers)
        content_type = (self.headers.get("Content-Type") or "").lower()
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return Reply(400, {"error": "invalid_request", "error_description": "send application/x-www-form-urlencoded"})
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            return Reply(200, self.server.tokens.issue(form, authorization, subscription_key or ""),
                         {"Cache-Control": "no-store"})
        except TokenError as exc:
            return Reply(exc.status, exc.body())

    def _api(self, path: str, query: dict, raw: bytes, token: str | None,
             subscription_key: str | None) -> tuple[Reply, bool]:
        server = self.server
        try:
            self._gateway(subscription_key)
            grant = server.tokens.grant(token)
            if grant is None or grant.subscription_key != subscription_key:
                raise GatewayError(401, "Unauthorized. Access token is missing or invalid.")
            injected = server.faults.before_acting()
            if injected:
                status, headers = injected
                body = RATE_LIMITED if status == 429 else "Injected fault"
                raise GatewayError(status, body, headers)
            call = Call(grant.client, grant.integration, self.command, query, self.headers.get("Content-Type") or "",
                        raw, server.config.replica_lag, server.config.max_documentation_bytes)
            with server.state.lock:
                reply = dispatch(call, path)
        except GatewayError as exc:
            reply = Reply(exc.status, exc.body(), exc.headers)
        except ApiProblem as exc:
            content = exc.problem(API_PREFIX + path)
            reply = Reply(exc.status, content, exc.headers,
                          "application/problem+json" if content is not None else "application/json")
        except Exception as exc:  # a sandbox bug: answer like a server error instead of dropping the connection
            content = ApiProblem(500, "Internal Server Error", f"{type(exc).__name__}: {exc}").problem(API_PREFIX + path)
            reply = Reply(500, content)
        drop = server.faults.take_drop(self.command, API_PREFIX + path)
        return reply, drop
