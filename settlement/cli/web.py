"""`settlement web`: the web page for a one-off look (serve runs it too), and `settlement web
adduser` to put a user with an argon2 hash in the users file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    web = subparsers.add_parser(
        "web", help="the web page: every store's days, each day down to its receipts (see docs/web.md)",
        description="Serve the web page on SETTLEMENT_WEB_HOST:SETTLEMENT_WEB_PORT until Ctrl-C (or --max-seconds). "
                    "Users log in from SETTLEMENT_WEB_USERS, or a reverse proxy names them (SETTLEMENT_WEB_AUTH=header).")
    web.add_argument("--host", help="address to answer on (default SETTLEMENT_WEB_HOST, 127.0.0.1)")
    web.add_argument("--port", type=int, help="port (default SETTLEMENT_WEB_PORT; 0: any free port)")
    web.add_argument("--max-seconds", type=float, help="stop by itself after this many seconds (tests, demos)")
    web.set_defaults(handler=serve_web)
    actions = web.add_subparsers(dest="web_action", metavar="ACTION")
    add = actions.add_parser("adduser", help="add a user (or set a user's role and password) in the users file",
                             description="Write NAME with ROLE and an argon2 hash of the password to the users file "
                                         "(SETTLEMENT_WEB_USERS, or --users). The password is asked for, or read "
                                         "from standard input with --password-stdin; it is never stored or shown.")
    add.add_argument("name")
    add.add_argument("--role", choices=("viewer", "operator"), default="viewer")
    add.add_argument("--users", type=Path, help="the users file (default SETTLEMENT_WEB_USERS)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.set_defaults(handler=add_user)


def serve_web(args: argparse.Namespace) -> int:
    import dataclasses

    from settlement.web.server import start_web
    from settlement.wiring import web_config

    config = web_config()
    config = dataclasses.replace(config, host=args.host or config.host,
                                 port=config.port if args.port is None else args.port)
    if not config.enabled:
        print("settlement web: nobody could log in: set SETTLEMENT_WEB_USERS to a users file "
              "(settlement web adduser NAME --role operator --users FILE) or SETTLEMENT_WEB_AUTH=header",
              file=sys.stderr)
        return 2
    app = config.load_app()  # configuration errors are said now, as every command says them
    server = start_web(config, lambda: app)
    print(f"web page on {server.url} (Ctrl-C stops it)", flush=True)
    deadline = time.monotonic() + args.max_seconds if args.max_seconds else None
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def add_user(args: argparse.Namespace) -> int:
    import getpass

    from settlement.web.users import NAME, User, UsersFileError, hash_password, write_user
    from settlement.wiring import web_config

    path = args.users or web_config().users_file
    if path is None:
        print("settlement web adduser: say which file: --users FILE or SETTLEMENT_WEB_USERS", file=sys.stderr)
        return 2
    if not NAME.match(args.name):
        print("settlement web adduser: a name is 1-64 of A-Z a-z 0-9 . _ @ + -", file=sys.stderr)
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if password != getpass.getpass("Again: "):
            print("settlement web adduser: the passwords differ; nothing written", file=sys.stderr)
            return 1
    if len(password) < 10:
        print("settlement web adduser: use a password of at least 10 characters; nothing written", file=sys.stderr)
        return 1
    try:
        write_user(path, User(args.name, args.role, hash_password(password)))
    except UsersFileError as exc:
        print(f"settlement web adduser: {exc}", file=sys.stderr)
        return 2
    print(f"{args.name} ({args.role}) written to {path}")
    return 0
