"""/healthz, /readyz, /metrics (and POST /reload from loopback) on a small stdlib HTTP server.

One thread answers one request at a time (the answers are quick), and a client that stops
talking is dropped after a few seconds, so the server's work is bounded.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from settlement.serve.metrics import CONTENT_TYPE
from settlement.serve.service import Service

log = logging.getLogger("settlement.serve.http")
CLIENT_TIMEOUT = 5.0


class _Handler(BaseHTTPRequestHandler):
    service: Service  # set on the subclass built in start_http
    timeout = CLIENT_TIMEOUT
    server_version = "settlement"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(200, "ok\n")
        elif path == "/readyz":
            reasons = self.service.not_ready()
            body = {"ready": not reasons, "reasons": reasons, "last_reload": self.service.last_reload}
            self._send(503 if reasons else 200, json.dumps(body, ensure_ascii=False) + "\n", "application/json")
        elif path == "/metrics":
            self._send(200, self.service.metrics_text(), CONTENT_TYPE)
        else:
            self._send(404, "not found: try /healthz, /readyz or /metrics\n")

    def do_POST(self) -> None:  # noqa: N802
        if self.path.split("?", 1)[0] != "/reload":
            self._send(404, "not found\n")
            return
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self._send(403, "reload is only accepted from the same machine (loopback)\n")
            return
        applied = self.service.reload()
        body = {"applied": applied, "last_reload": self.service.last_reload}
        self._send(200 if applied else 422, json.dumps(body) + "\n", "application/json")

    def _send(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # probes every few seconds: debug only
        log.debug("%s %s", self.address_string(), format % args)


def start_http(host: str, port: int, service: Service) -> HTTPServer:
    """Start serving in a daemon thread; `server.shutdown()` stops it. Port 0 picks a free port."""
    handler = type("Handler", (_Handler,), {"service": service})
    server = HTTPServer((host, port), handler)
    server.timeout = CLIENT_TIMEOUT
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True).start()
    return server
