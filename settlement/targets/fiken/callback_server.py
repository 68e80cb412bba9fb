"""A one-shot HTTP server on a loopback address that receives Fiken's OAuth redirect.

It listens only on 127.0.0.1 (or another loopback address from the redirect URI), answers the
browser with a short page, and stops after the first request to the callback path or when its
lifetime runs out, whichever comes first. It never logs the request line, which carries the code.
"""

from __future__ import annotations

import ipaddress
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit, urlunsplit

from settlement.domain.text import tr

PAGE = (
    "<!doctype html><meta charset=utf-8><title>settlement</title>"
    "<p>{message}</p><p>You can close this window and return to the terminal.</p>"
)


class CallbackTimeout(Exception):
    """No redirect arrived within the server's lifetime."""


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # seconds a single browser connection may take

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        server: _Server = self.server  # type: ignore[assignment]
        parts = urlsplit(self.path)
        if parts.path != server.callback_path:
            self.send_error(404)
            return
        server.received = urlunsplit(("http", f"{server.public_host}:{server.server_port}", parts.path, parts.query, ""))
        failed = "error" in parse_qs(parts.query)
        message = "Fiken did not grant access." if failed else "Received Fiken's answer; settlement is finishing the connection."
        body = PAGE.format(message=message).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # the request line holds the code: stay silent
        return


class _Server(HTTPServer):
    callback_path = "/"
    public_host = "127.0.0.1"
    received: str | None = None


class CallbackServer:
    """Bound at construction (so the real port is known), served by `wait()`."""

    def __init__(self, redirect_uri: str, lifetime: float = 300.0):
        parts = urlsplit(redirect_uri)
        host = parts.hostname or ""
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if parts.scheme != "http" or not loopback:
            raise ValueError(
                tr("redirect URI {uri!r} is not a loopback http address; use --paste, or set "
                   "SETTLEMENT_FIKEN_REDIRECT_URI to e.g. http://127.0.0.1:8765/callback", uri=redirect_uri)
            )
        bind_host = "127.0.0.1" if host == "localhost" else host
        self._server = _Server((bind_host, parts.port or 80), _Handler)
        self._server.callback_path = parts.path or "/"
        self._server.public_host = host
        self.lifetime = lifetime
        # With port 0 in the URI the system picks a free port; the URI we announce must carry it.
        self.redirect_uri = urlunsplit(("http", f"{host}:{self._server.server_port}", parts.path, "", ""))

    def wait(self) -> str:
        """The full redirect URL, once the browser arrives; CallbackTimeout after the lifetime."""
        deadline = time.monotonic() + self.lifetime
        try:
            while self._server.received is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CallbackTimeout(tr("no answer from the browser within {seconds} s", seconds=f"{self.lifetime:.0f}"))
                self._server.timeout = min(remaining, 1.0)
                self._server.handle_request()
            return self._server.received
        finally:
            self.close()

    def close(self) -> None:
        self._server.server_close()
