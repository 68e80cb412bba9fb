"""The HTTP side: a ThreadingHTTPServer on 127.0.0.1 whose handler authenticates (Basic with a
session token), applies the rate limit and armed faults, records every request, and hands /v2
requests to api.dispatch. Every answer carries x-tlx-request-id; errors use Tripletex's envelope.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from settlement.sandbox_kit.faults import Faults
from settlement.sandbox_kit.records import RecordedRequest, RequestLog
from settlement.tripletex_sandbox.api import Call, Reply, dispatch
from settlement.tripletex_sandbox.errors import CODE_RATE_LIMITED, CODE_SERVER, ApiError, not_found
from settlement.tripletex_sandbox.ratelimit import RateLimiter
from settlement.tripletex_sandbox.sessions import Sessions
from settlement.tripletex_sandbox.state import State

MAX_BODY_BYTES = 25 * 1024 * 1024
SOCKET_TIMEOUT_SECONDS = 30
API_PREFIX = "/v2"
CREATE_SESSION = "/token/session/:create"


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, port: int, state: State, sessions: Sessions, limiter: RateLimiter) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state, self.sessions, self.limiter = state, sessions, limiter
        self.faults = Faults()
        self.log = RequestLog()
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


def _basic_password(authorization: str | None) -> str | None:
    """The session token of a Basic header (what the request log calls the request's token)."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        return base64.b64decode(authorization[6:].strip()).decode("utf-8", "replace").partition(":")[2] or None
    except ValueError:
        return None


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

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        arrived = time.monotonic()
        request_id = str(uuid.uuid4())
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        authorization = self.headers.get("Authorization")
        drop, raw = False, None
        try:
            raw = self._read_body()
            if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
                raise not_found(f"no such path: {path}")
            reply, drop = self._api(path[len(API_PREFIX):], query, raw, authorization)
        except ApiError as exc:
            if raw is None:  # the body was not read: the connection cannot be reused
                self.close_connection = True
            raw, reply = raw or b"", Reply(exc.status, exc.body(request_id), exc.headers)
        if isinstance(reply.body, dict) and "requestId" in reply.body:
            reply.body["requestId"] = request_id
        reply.headers["x-tlx-request-id"] = request_id
        finished = time.monotonic()
        self.server.log.add(RecordedRequest(
            self.command, path, query, self._recorded_body(raw), _basic_password(authorization), reply.status,
            arrived, finished, drop, request_id=self.headers.get("X-Request-ID"),
            content_type=self.headers.get("Content-Type") or "",
            response=reply.body if isinstance(reply.body, (dict, list)) else None))
        if drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(reply)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise ApiError(411, 4000, "Send a Content-Length; chunked bodies are not supported by the sandbox")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ApiError(413, 4000, f"Body larger than {MAX_BODY_BYTES} bytes")
        return self.rfile.read(length) if length else b""

    def _recorded_body(self, raw: bytes) -> bytes | dict | None:
        if not raw:
            return None
        if (self.headers.get("Content-Type") or "").lower().startswith("application/json"):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        return raw

    def _api(self, path: str, query: dict, raw: bytes, authorization: str | None) -> tuple[Reply, bool]:
        server = self.server
        if path == CREATE_SESSION:
            if self.command != "PUT":
                raise ApiError(405, 4000, "Use PUT")
            session = server.sessions.create(query)
            company = server.state.companies[session.company_id]
            base = server.root_url + API_PREFIX
            value = {"id": abs(hash(session.token)) % 10**9, "version": 0, "url": f"{base}/token/session/{session.token}",
                     "expirationDate": session.expires.isoformat(), "token": session.token,
                     "employeeToken": {"id": company.employee_id, "url": f"{base}/token/employee/{company.employee_id}"}}
            return Reply(200, {"value": value}), False
        session = server.sessions.authenticate(authorization)
        allowed, limits = server.limiter.take(session.employee_token)
        reply = self._authenticated(path, query, raw, session, allowed)
        reply.headers.update(limits)
        return reply, server.faults.take_drop(self.command, API_PREFIX + path)

    def _authenticated(self, path, query, raw, session, allowed) -> Reply:
        server = self.server
        try:
            if not allowed:
                raise ApiError(429, CODE_RATE_LIMITED, "Too Many Requests",
                               developer_message="Rate limit exceeded for this employee and API consumer")
            early = server.faults.take_early_failure()
            if early:
                status, headers = early
                raise ApiError(status, CODE_SERVER if status >= 500 else CODE_RATE_LIMITED, "Injected fault",
                               headers=headers)
            latency = server.faults.current_latency()
            if latency:
                time.sleep(latency)
            if path.startswith("/token/session/") and self.command == "DELETE":
                if not server.sessions.delete(path.rsplit("/", 1)[1]):
                    raise not_found("session")
                return Reply(204, None)
            company = server.state.companies[session.company_id]
            call = Call(server.state, company, company.employee_id, self.command, query,
                        self.headers.get("Content-Type") or "", raw, server.root_url + API_PREFIX)
            return dispatch(call, path)
        except ApiError as exc:
            return Reply(exc.status, exc.body(""), exc.headers)

    def _send(self, reply: Reply) -> None:
        payload = b"" if reply.body is None else json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if payload:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except OSError:
            self.close_connection = True
