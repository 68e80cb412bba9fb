"""The HTTP side: a ThreadingHTTPServer on 127.0.0.1. Every request is recorded; /OAuth/Token (and
/Demo/OAuth/Token) issue tokens; /v2 requests pass the gateway (subscription key, 10 requests per
second per key, bearer token), then armed faults, then api.dispatch.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from settlement.poweroffice_sandbox.api import Call, Reply, dispatch
from settlement.poweroffice_sandbox.errors import (
    INVALID_SUBSCRIPTION_KEY, MISSING_SUBSCRIPTION_KEY, RATE_LIMITED, ApiProblem, GatewayError,
)
from settlement.poweroffice_sandbox.state import State
from settlement.poweroffice_sandbox.tokens import TokenBucket, TokenError, Tokens
from settlement.sandbox_kit.faults import Faults
from settlement.sandbox_kit.records import RecordedRequest, RequestLog

API_PREFIX = "/v2"
TOKEN_PATHS = ("/oauth/token", "/demo/oauth/token")
MAX_DOCUMENTATION_BYTES = 30 * 1024 * 1024
MAX_BODY_BYTES = MAX_DOCUMENTATION_BYTES + 1024 * 1024  # room for the multipart envelope
SOCKET_TIMEOUT_SECONDS = 30


@dataclass
class SandboxConfig:
    """Behaviour knobs. rate_limit_per_second: None disables the gateway's limit. replica_lag: seconds
    a new voucher stays invisible to GETs (0: off). max_documentation_bytes: the PDF size limit."""

    rate_limit_per_second: int | None = 10
    replica_lag: float = 0.0
    max_documentation_bytes: int = MAX_DOCUMENTATION_BYTES


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, port: int, state: State, tokens: Tokens, config: SandboxConfig) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state, self.tokens, self.config = state, tokens, config
        self.faults = Faults()
        self.log = RequestLog()
        self.bucket = TokenBucket(config.rate_limit_per_second)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in list(self.connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_SECONDS
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the RequestLog is the record
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _handle(self) -> None:
        arrived = time.monotonic()
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        authorization = self.headers.get("Authorization")
        token = authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else None
        subscription_key = self.headers.get("Ocp-Apim-Subscription-Key") or query.get("subscription-key")
        drop = False
        raw = b""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            reply = Reply(413, {"statusCode": 413, "message": "Request entity too large"})
            self.close_connection = True
        else:
            raw = self.rfile.read(length) if length else b""
            if path.lower() in TOKEN_PATHS:
                reply = self._token(raw, authorization, subscription_key)
            elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                reply, drop = self._api(path[len(API_PREFIX):], query, raw, token, subscription_key)
            else:
                reply = Reply(404, {"statusCode": 404, "message": "Resource not found"})
        finished = time.monotonic()
        answered = reply.body if isinstance(reply.body, (dict, list)) else None
        self.server.log.add(RecordedRequest(self.command, path, query, self._recorded_body(raw), token,
                                            reply.status, arrived, finished, drop,
                                            request_id=self.headers.get("X-Request-ID"),
                                            content_type=self.headers.get("Content-Type") or "",
                                            response=answered))
        if drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(reply)

    def _recorded_body(self, raw: bytes) -> bytes | dict | None:
        if not raw:
            return None
        content_type = (self.headers.get("Content-Type") or "").lower()
        if content_type.startswith("application/json"):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        if content_type.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return raw

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
            early = server.faults.take_early_failure()
            if early:
                status, headers = early
                body = RATE_LIMITED if status == 429 else "Injected fault"
                raise GatewayError(status, body, headers)
            latency = server.faults.current_latency()
            if latency:
                time.sleep(latency)
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

    def _send(self, reply: Reply) -> None:
        if reply.body is None:
            payload = b""
        elif isinstance(reply.body, bytes):
            payload = reply.body
        else:
            payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if payload:
                self.send_header("Content-Type", reply.content_type + "; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True
