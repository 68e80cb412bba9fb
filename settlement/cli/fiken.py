"""`settlement connect | disconnect | test-connection`: the ledger credentials and their readiness.

`connect`/`disconnect` are Fiken's OAuth; `test-connection` checks every ledger the vendors use. The
work happens in settlement.targets; this module only asks, prints and chooses the exit status.
Tokens are never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys

from settlement.cli.common import add_json_option, load_app, print_json
from settlement.domain.text import tr

# The handlers import the Fiken client (requests, OAuth) themselves: `--help` loads none of it.


def register(subparsers: argparse._SubParsersAction) -> None:
    connect = subparsers.add_parser("connect", help="connect to Fiken with OAuth (opens an authorization URL)")
    connect.add_argument("--paste", action="store_true",
                         help="paste the URL the browser was redirected to instead of listening on the loopback address")
    connect.add_argument("--timeout", type=float, default=300.0,
                         help="seconds to wait for the browser's redirect (default %(default)g)")
    connect.set_defaults(handler=run_connect)

    disconnect = subparsers.add_parser("disconnect", help="revoke the OAuth access and delete the stored token")
    disconnect.set_defaults(handler=run_disconnect)

    test = subparsers.add_parser("test-connection",
                                 help="check each ledger credential and every vendor's company, accounts and VAT codes")
    test.add_argument("--vendor", help="check only this vendor")
    test.add_argument("--strict", action="store_true", help="treat warnings (foreign bookings) as failures")
    add_json_option(test, "vendor results {vendor, name, ledger, credential, connected_as, company, checks, passed}")
    test.set_defaults(handler=run_test_connection)


def _fail(message: str) -> int:
    print(tr("error: {why}", why=message), file=sys.stderr)
    return 1


def run_connect(args: argparse.Namespace) -> int:
    from settlement.targets.fiken.callback_server import CallbackServer, CallbackTimeout
    from settlement.targets.fiken.errors import FikenError
    from settlement.targets.fiken.oauth import OAuthError, begin, code_from_redirect, exchange_code
    from settlement.wiring import fiken_access

    fiken = fiken_access()
    try:
        config = fiken.oauth()
        server = None
        if not args.paste:
            server = CallbackServer(config.redirect_uri, lifetime=args.timeout)
            config = dataclasses.replace(config, redirect_uri=server.redirect_uri)
        request = begin(config)
    except (FikenError, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(tr("Open this address in a browser, log in to Fiken and approve access:"), flush=True)
    print(f"  {request.url}", flush=True)
    try:
        if server is not None:
            print(tr("Waiting for Fiken's redirect on {uri} ...", uri=server.redirect_uri), flush=True)
            redirect_url = server.wait()
        else:
            redirect_url = input(tr("Paste the address the browser was sent to: "))
        code = code_from_redirect(redirect_url, request.state)
        token = exchange_code(config, code, request.state, timeout=fiken.timeout)
    except (CallbackTimeout, OAuthError) as exc:
        return _fail(tr("not connected: {why}", why=exc))
    except EOFError:
        return _fail(tr("not connected: no redirect URL was pasted"))
    store = fiken.store
    store.save(token)
    try:
        user = fiken.client().user()
    except FikenError as exc:
        return _fail(tr("the token was stored in {store} but does not work: {why}", store=store.describe(), why=exc))
    print(tr("Connected to Fiken as {name} ({email}). Token stored in {store} (owner-only).", name=user.name,
             email=user.email, store=store.describe()))
    return 0


def run_disconnect(_args: argparse.Namespace) -> int:
    from settlement.targets.fiken.errors import FikenError
    from settlement.targets.fiken.oauth import OAuthError, revoke_token
    from settlement.wiring import fiken_access

    fiken = fiken_access()
    store = fiken.store
    token = store.load()
    if not token:
        print(tr("Not connected (no token in {store}).", store=store.describe()))
        return 0
    note = tr("access revoked")
    try:
        revoke_token(fiken.oauth(), token.get("access_token", ""), timeout=fiken.timeout)
    except OAuthError as exc:
        note = tr("revocation failed ({why}); revoke the app in Fiken under Rediger konto › Sikkerhet if needed", why=exc)
    except FikenError as exc:
        return _fail(str(exc))
    store.delete()
    print(tr("Disconnected: {note}; token deleted from {store}.", note=note, store=store.describe()))
    return 0


def run_test_connection(args: argparse.Namespace) -> int:
    """Each credential the vendors use, and each vendor's company, accounts and VAT codes in its
    ledger (settlement.wiring.check_ledger_connections); exit 0 when every check passed.

    With --json only the list of vendor results (wiring.connection_result) is printed, on stdout."""
    from settlement.wiring import check_ledger_connections

    app = load_app()
    vendors = [app.vendor(args.vendor)] if args.vendor else list(app.vendors.values())
    # The human text goes to stdout, or nowhere when JSON is asked for (stdout holds the JSON alone).
    with open(os.devnull, "w") if args.json else contextlib.nullcontext(sys.stdout) as out:
        results = check_ledger_connections(app, vendors, args.strict, out)
        passed = all(result["passed"] for result in results)
        warned = any(c["status"] == "WARNING" for result in results for c in result["checks"])
        print(file=out)
        if not passed:
            print(tr("Some checks did not pass (see above)."), file=out)
        else:
            print(tr("All checks passed, with warnings (see above).") if warned else tr("All checks passed."), file=out)
    if args.json:
        print_json(results)
    return 0 if passed else 1
