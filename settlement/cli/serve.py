"""`settlement serve` (the unattended service) and `settlement reload` (re-read its configuration)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

from settlement.wiring import App
from settlement.cli.common import print_problems
from settlement.settings import load_settings

log = logging.getLogger("settlement.serve")
LOAD_RETRY_SECONDS = 30  # while the database is unreachable at start, try loading again this often


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve", help="run unattended: settle every vendor at its closing time; HTTP health and metrics",
        description="Settle each vendor at its closing time (after syncing its sources), catch up at start, "
        "reload the configuration on SIGHUP, stop cleanly on SIGTERM. See docs/serve.md.",
    )
    serve.add_argument("--max-seconds", type=float, metavar="N",
                       help="stop by itself after N seconds, as on SIGTERM (for tests and one-off runs)")
    serve.set_defaults(handler=run_serve)
    reload = subparsers.add_parser(
        "reload", help="check vendors.toml and chart_of_accounts/, then make the running serve re-read them",
    )
    reload.set_defaults(handler=run_reload)


def run_serve(args: argparse.Namespace) -> int:
    from settlement.logs import setup_logging
    from settlement.serve.control import remove_pid, write_pid
    from settlement.serve.http import start_http
    from settlement.serve.metrics import Metrics
    from settlement.serve.scheduler import build_scheduler
    from settlement.serve.service import Service

    settings = load_settings()
    setup_logging(settings.log_format, settings.log_level, secrets=_secret_values(settings))
    service = Service(settings, Metrics())
    stop, reload_wanted = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload_wanted.set())

    server = start_http(settings.http_host, settings.http_port, service)
    host, port = server.server_address[:2]
    log.info("HTTP on http://%s:%d (/healthz, /readyz, /metrics)", host, port)
    scheduler = build_scheduler(settings)
    scheduler.start()
    service.scheduler = scheduler
    service.reload(first=True)  # schedules every vendor with a first run now: the start-up catch-up
    write_pid(settings.serve_pid_file)
    log.info("serving (pid file %s)", settings.serve_pid_file)
    deadline = time.monotonic() + args.max_seconds if args.max_seconds else None
    retry_at = time.monotonic() + LOAD_RETRY_SECONDS
    try:
        while not stop.wait(0.2):
            if reload_wanted.is_set():
                reload_wanted.clear()
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
        remove_pid(settings.serve_pid_file)
    log.info("stopped")
    return 0


def _secret_values(settings) -> list[str]:
    """The credential values configured for this process, to be masked in every log line."""
    values = [s.get_secret_value() for s in (settings.fiken_token, settings.fiken_client_secret) if s is not None]
    values += [v for k, v in os.environ.items() if k.startswith("SETTLEMENT_WOO_") and k.endswith(("_KEY", "_SECRET"))]
    return values


def run_reload(args: argparse.Namespace) -> int:
    from settlement.serve.control import NotRunning, signal_serve

    settings = load_settings()
    app = App.load(settings)
    errors = [p for p in app.problems if p.is_error]
    if errors:
        print_problems(errors)
        print(f"{len(errors)} error(s): nothing reloaded; the running serve keeps its configuration", file=sys.stderr)
        return 2
    try:
        pid = signal_serve(settings.serve_pid_file)
    except NotRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"configuration is valid ({len(app.vendors)} vendor(s)); asked serve (pid {pid}) to reload it")
    return 0
