"""Running the service: the loop `settlement serve` starts, and asking a running one to reload.

The CLI's `serve` and `reload` commands call these with what settlement.wiring read from the
settings (a ServeConfig); this is the only module of settlement.serve the CLI imports.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from settlement.logs import setup_logging
from settlement.serve.control import NotRunning, remove_pid, signal_serve, write_pid
from settlement.serve.http import start_http
from settlement.serve.metrics import Metrics
from settlement.serve.scheduler import build_scheduler
from settlement.serve.service import Service

if TYPE_CHECKING:
    from settlement.wiring import ServeConfig

__all__ = ["NotRunning", "ask_reload", "run"]

log = logging.getLogger("settlement.serve")
LOAD_RETRY_SECONDS = 30  # while the database is unreachable at start, try loading again this often
RELOAD_POLL_SECONDS = 5  # how often serve looks for a `settlement reload` asked through the database


def run(config: ServeConfig, max_seconds: float | None = None) -> int:
    """Serve until SIGTERM/SIGINT (or max_seconds): schedule every vendor, answer HTTP, reload on SIGHUP."""
    setup_logging(config.log_format, config.log_level, secrets=config.secrets)
    service = Service(config.load_app, config.open_engine, Metrics())
    stop, reload_wanted = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload_wanted.set())

    server = start_http(config.http_host, config.http_port, service)
    host, port = server.server_address[:2]
    log.info("HTTP on http://%s:%d (/healthz, /readyz, /metrics)", host, port)
    web = _start_web(config, service)
    scheduler = build_scheduler(config.workers, config.misfire_grace)
    scheduler.start()
    service.scheduler = scheduler
    service.reload(first=True)  # schedules every vendor with a first run now: the start-up catch-up
    write_pid(config.pid_file)
    log.info("serving (pid file %s)", config.pid_file)
    deadline = time.monotonic() + max_seconds if max_seconds else None
    retry_at = time.monotonic() + LOAD_RETRY_SECONDS
    poll_at, seen = time.monotonic() + RELOAD_POLL_SECONDS, service.reload_generation()
    try:
        while not stop.wait(0.2):
            if time.monotonic() >= poll_at:
                poll_at = time.monotonic() + RELOAD_POLL_SECONDS
                asked = service.reload_generation()
                if seen is not None and asked is not None and asked > seen:
                    log.info("reload asked through the database (request %d)", asked)
                    reload_wanted.set()
                seen = asked if asked is not None else seen
            if reload_wanted.is_set():
                reload_wanted.clear()
                # This reload takes in every request made so far: `settlement reload` raises the
                # database's generation before it signals, so the next poll must not reload again.
                asked = service.reload_generation()
                seen = asked if asked is not None else seen
                service.reload()
            elif service.load_failed and time.monotonic() >= retry_at:
                retry_at = time.monotonic() + LOAD_RETRY_SECONDS
                service.reload(first=True)
            if deadline is not None and time.monotonic() >= deadline:
                log.info("--max-seconds reached")
                break
        log.info("stopping: finishing the posting in flight")
        service.stopping.set()
        scheduler.shutdown(wait=True)
    finally:
        server.shutdown()
        server.server_close()
        if web is not None:
            web.stop()
        remove_pid(config.pid_file)
    log.info("stopped")
    return 0


def _start_web(config: ServeConfig, service: Service):
    """The web page on its own port, reading the configuration serve runs (None when nobody could log in)."""
    if config.web is None or not config.web.enabled:
        log.info("no web page: SETTLEMENT_WEB_USERS is not set (see docs/web.md)")
        return None
    from settlement.web.server import start_web

    web = start_web(config.web, lambda: service.app)
    log.info("web page on %s", web.url)
    return web


def ask_reload(pid_file: Path) -> int:
    """Ask the serve process named in the pid file to re-read its configuration; its pid.
    NotRunning when there is none."""
    return signal_serve(pid_file)
