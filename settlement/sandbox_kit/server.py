"""The HTTP frame every ledger sandbox shares: a loopback server that tracks its connections, and a
request handler that reads and records each request and writes each answer.

A sandbox subclasses both: its handler's `_handle()` routes the request to its API (with its own
authentication and error envelopes) and ends with `_record_and_answer()`, which records the request
in the RequestLog and either sends the answer or, for an armed commit-then-drop fault, closes the
connection without one.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from settlement.sandbox_kit.faults import Faults
from settlement.sandbox_kit.records import RecordedRequest, RequestLog

SOCKET_TIMEOUT_SECONDS = 30  # an idle or stalled connection is closed after this long


class BodyRefused(Exception):
    """A request body the sandbox will not read; each sandbox answers it in its own envelope."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 with the sandbox's faults and request log, which can
    close every open connection when the sandbox stops (a keep-alive client would hold one)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", port), handler)
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


def bearer_token(authorization: str | None) -> str | None:
    """The token of a `Bearer` Authorization header, or None."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


class RecordingHandler(BaseHTTPRequestHandler):
    """The shared half of a sandbox's handler. Subclasses implement `_handle()` and alias the
    methods they answer to `do_GET` (a method not aliased is answered 501 by http.server)."""

    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_SECONDS
    server: LoopbackServer
    max_body_bytes = 25 * 1024 * 1024
    record_forms = True  # record a form body as a dict (else as its bytes)

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

    def _handle(self) -> None:
        raise NotImplementedError

    # --- reading --------------------------------------------------------------------------------

    def _target(self) -> tuple[str, dict[str, str]]:
        """The request's decoded path and its query parameters."""
        parts = urlsplit(self.path)
        return unquote(parts.path), dict(parse_qsl(parts.query, keep_blank_values=True))

    def _read_body(self, refuse_chunked: bool = True) -> bytes:
        """The request body; BodyRefused for a chunked body (no Content-Length) or one too large."""
        if refuse_chunked and self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise BodyRefused(411, "Send a Content-Length; chunked bodies are not supported by the sandbox")
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_body_bytes:
            raise BodyRefused(413, f"Body larger than {self.max_body_bytes} bytes")
        return self.rfile.read(length) if length else b""

    def _recorded_body(self, raw: bytes) -> bytes | dict | None:
        if not raw:
            return None
        content_type = (self.headers.get("Content-Type") or "").lower()
        if content_type.startswith("application/json"):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        if self.record_forms and content_type.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return raw

    # --- answering ------------------------------------------------------------------------------

    def _record_and_answer(self, path: str, query: dict, raw: bytes, token: str | None, arrived: float,
                           drop: bool, status: int, body: Any, headers: dict[str, str],
                           content_type: str) -> None:
        """Record the request, then send the answer, or drop the connection when `drop` (the request
        took effect, the client never hears of it). `content_type` is the whole header value."""
        finished = time.monotonic()
        self.server.log.add(RecordedRequest(self.command, path, query, self._recorded_body(raw), token, status,
                                            arrived, finished, drop,
                                            request_id=self.headers.get("X-Request-ID"),
                                            content_type=self.headers.get("Content-Type") or "",
                                            response=body if isinstance(body, (dict, list)) else None))
        if drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(status, body, headers, content_type)

    def _send(self, status: int, body: Any, headers: dict[str, str], content_type: str) -> None:
        """Write one answer: `body` as given when bytes, else as JSON (None: an empty body)."""
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if payload:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except OSError:
            self.close_connection = True
