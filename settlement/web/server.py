"""Serving the page: a threading WSGI server from the standard library on its own port, in a
daemon thread, that `serve` starts beside its probes and `settlement web` on its own.

Each request gets a thread (the pages read the database; a slow one must not hold the others), and
a client that stops talking is dropped after CLIENT_TIMEOUT seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from settlement.web.app import WebApp

log = logging.getLogger("settlement.web")
CLIENT_TIMEOUT = 10.0


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a hanging client never keeps the process from stopping
    allow_reuse_address = True


class _Handler(WSGIRequestHandler):
    timeout = CLIENT_TIMEOUT

    def log_message(self, format: str, *args) -> None:  # each request at debug level, not on stderr
        log.debug("%s %s", self.address_string(), format % args)


class WebServer:
    """The running page: `url` to open, `stop()` to end it."""

    def __init__(self, server: _Server, thread: threading.Thread):
        self._server, self._thread = server, thread

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_web(config, current_app: Callable[[], object | None]) -> WebServer:
    """Start the page (settlement.wiring.WebConfig) in a daemon thread; port 0 picks a free port.

    current_app: the configuration the pages read (serve's current one, reloads included)."""
    server = make_server(config.host, config.port, WebApp(config, current_app), server_class=_Server,
                         handler_class=_Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="web", daemon=True)
    thread.start()
    return WebServer(server, thread)
