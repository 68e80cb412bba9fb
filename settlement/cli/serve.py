"""`settlement serve` (the unattended service) and `settlement reload` (re-read its configuration)."""

from __future__ import annotations

import argparse
import sys

from settlement.cli.common import print_problems


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
    # The service itself (scheduler, HTTP, SQLAlchemy) is loaded only when it is started.
    from settlement.serve.main import run
    from settlement.wiring import serve_config

    return run(serve_config(), max_seconds=args.max_seconds)


def run_reload(args: argparse.Namespace) -> int:
    from settlement.serve.main import NotRunning, ask_reload
    from settlement.wiring import serve_config

    config = serve_config()
    app = config.load_app()
    errors = [p for p in app.problems if p.is_error]
    if errors:
        print_problems(errors)
        print(f"{len(errors)} error(s): nothing reloaded; the running serve keeps its configuration", file=sys.stderr)
        return 2
    # Every serve sharing the database (replicas on other hosts too) sees the request within seconds.
    from settlement.store.reload_requests import request_reload

    generation = request_reload(config.open_engine(), _who())
    try:
        pid = ask_reload(config.pid_file)
    except NotRunning as exc:
        print(f"configuration is valid ({len(app.vendors)} vendor(s)); asked every serve sharing the database to "
              f"reload it (request {generation}); none on this host to signal: {exc}")
        return 0
    print(f"configuration is valid ({len(app.vendors)} vendor(s)); asked serve (pid {pid}) to reload it, and every "
          f"other serve sharing the database (request {generation})")
    return 0


def _who() -> str:
    import getpass
    import socket

    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # noqa: BLE001: no login name in a bare container
        return socket.gethostname()
