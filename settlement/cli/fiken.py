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
from typing import TYPE_CHECKING

from settlement.cli.common import add_json_option, load_app, print_json

# The handlers import the Fiken client (requests, OAuth) themselves: `--help` loads none of it.
if TYPE_CHECKING:
    from settlement.targets.fiken.connection_check import ConnectionReport


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
    print(f"error: {message}", file=sys.stderr)
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
    print("Open this address in a browser, log in to Fiken and approve access:", flush=True)
    print(f"  {request.url}", flush=True)
    try:
        if server is not None:
            print(f"Waiting for Fiken's redirect on {server.redirect_uri} ...", flush=True)
            redirect_url = server.wait()
        else:
            redirect_url = input("Paste the address the browser was sent to: ")
        code = code_from_redirect(redirect_url, request.state)
        token = exchange_code(config, code, request.state, timeout=fiken.timeout)
    except (CallbackTimeout, OAuthError) as exc:
        return _fail(f"not connected: {exc}")
    except EOFError:
        return _fail("not connected: no redirect URL was pasted")
    store = fiken.store
    store.save(token)
    try:
        user = fiken.client().user()
    except FikenError as exc:
        return _fail(f"the token was stored in {store.describe()} but does not work: {exc}")
    print(f"Connected to Fiken as {user.name} ({user.email}). Token stored in {store.describe()} (owner-only).")
    return 0


def run_disconnect(_args: argparse.Namespace) -> int:
    from settlement.targets.fiken.errors import FikenError
    from settlement.targets.fiken.oauth import OAuthError, revoke_token
    from settlement.wiring import fiken_access

    fiken = fiken_access()
    store = fiken.store
    token = store.load()
    if not token:
        print(f"Not connected (no token in {store.describe()}).")
        return 0
    note = "access revoked"
    try:
        revoke_token(fiken.oauth(), token.get("access_token", ""), timeout=fiken.timeout)
    except OAuthError as exc:
        note = f"revocation failed ({exc}); revoke the app in Fiken under Rediger konto › Sikkerhet if needed"
    except FikenError as exc:
        return _fail(str(exc))
    store.delete()
    print(f"Disconnected: {note}; token deleted from {store.describe()}.")
    return 0


def print_report(report: ConnectionReport, out=None) -> None:
    from settlement.targets.fiken.connection_check import Status

    out = out or sys.stdout
    if report.user is not None:
        print(f"Connected to Fiken as {report.user.name} ({report.user.email})", file=out)
    for vendor_report in report.vendors:
        vendor, company = vendor_report.vendor, vendor_report.company
        print(file=out)
        if company is not None:
            number = company.organization_number or "none"
            print(f"{vendor.id} ({vendor.name}): {company.name}, slug {company.slug}, "
                  f"organisation number {number}", file=out)
        else:
            print(f"{vendor.id} ({vendor.name}): company {vendor.fiken_company!r}", file=out)
        for check in vendor_report.checks:
            reason = f": {check.reason}" if check.reason and check.status is not Status.OK else ""
            print(f"  {check.status.value:<8} {check.name}{reason}", file=out)
            for detail in check.details:
                print(f"             {detail}", file=out)
    if report.failure:
        print(f"error: {report.failure}", file=sys.stderr if out is sys.stdout else out)


def run_test_connection(args: argparse.Namespace) -> int:
    """Each credential the vendors use, and each vendor's company, accounts and VAT codes in its
    ledger. Vendors are checked per (ledger, credential); exit 0 when every check passed.

    With --json only the list of vendor results (vendor_result) is printed, on stdout."""
    app = load_app()
    vendors = [app.vendor(args.vendor)] if args.vendor else list(app.vendors.values())
    groups: dict[tuple[str, str | None], list] = {}
    for vendor in vendors:
        groups.setdefault((vendor.ledger, vendor.credential), []).append(vendor)
    results: list[dict] = []
    # The human text goes to stdout, or nowhere when JSON is asked for (stdout holds the JSON alone).
    with open(os.devnull, "w") if args.json else contextlib.nullcontext(sys.stdout) as out:
        for (ledger, credential), group in groups.items():
            if len(groups) > 1:
                print(f"== {ledger}" + (f", credential {credential}" if credential else "") + " ==", file=out)
            check = _test_fiken if ledger == "fiken" else _test_ledger
            results += check(app, credential, group, args.strict, out)
            if len(groups) > 1:
                print(file=out)
        passed = all(result["passed"] for result in results)
        warned = any(c["status"] == "WARNING" for result in results for c in result["checks"])
        print(file=out)
        if not passed:
            print("Some checks did not pass (see above).", file=out)
        else:
            print("All checks passed, with warnings (see above)." if warned else "All checks passed.", file=out)
    if args.json:
        print_json(results)
    return 0 if passed else 1


def vendor_result(vendor, ledger: str, checks: list[dict], strict: bool, *, connected_as: dict | None = None,
                  company: dict | None = None) -> dict:
    """One vendor's test-connection result as --json lists it: the vendor, its ledger and credential,
    who the credential is connected as, its company there, each check {name, status (OK, WARNING,
    FAILED, SKIPPED), reason, details}, and whether it passed (every check OK, or WARNING without --strict)."""
    allowed = {"OK"} if strict else {"OK", "WARNING"}  # a SKIPPED check did not pass either
    return {"vendor": vendor.id, "name": vendor.name, "ledger": ledger, "credential": vendor.credential,
            "connected_as": connected_as, "company": company, "checks": checks,
            "passed": all(c["status"] in allowed for c in checks)}


def _check(name: str, status: str, reason: str = "", details=()) -> dict:
    return {"name": name, "status": status, "reason": reason, "details": list(details)}


def _test_fiken(app, credential, vendors, strict: bool, out) -> list[dict]:
    from settlement.targets.fiken.connection_check import check_connection
    from settlement.targets.fiken.errors import FikenError
    from settlement.wiring import fiken_access, fiken_client

    try:
        client = fiken_access(app.settings).client() if credential is None else fiken_client(app.settings, credential=credential)
    except FikenError as exc:
        _fail(str(exc))
        return [vendor_result(v, "fiken", [_check("credential", "FAILED", str(exc))], strict) for v in vendors]
    report = check_connection(client, vendors, {v.id: app.chart.ledger(v.id) for v in vendors})
    print_report(report, out)
    user = {"name": report.user.name, "email": report.user.email} if report.user is not None else None
    results = []
    for vendor_report in report.vendors:
        company = vendor_report.company
        checks = [_check(c.name, c.status.value, c.reason, c.details) for c in vendor_report.checks]
        results.append(vendor_result(vendor_report.vendor, "fiken", checks, strict, connected_as=user, company=None
                                     if company is None else {"name": company.name, "slug": company.slug,
                                                              "organization_number": company.organization_number}))
    seen = {result["vendor"] for result in results}
    for vendor in vendors:  # the connection failed before this vendor was reached
        if vendor.id not in seen:
            results.append(vendor_result(vendor, "fiken", [_check("connection", "FAILED", report.failure or "not checked")],
                                         strict, connected_as=user))
    if report.failure:  # said for the whole credential, even when each vendor was reached
        for result in results:
            if not any(c["status"] == "FAILED" for c in result["checks"]):
                result["checks"].append(_check("connection", "FAILED", report.failure))
                result["passed"] = False
    return results


def _test_ledger(app, credential, vendors, strict: bool, out) -> list[dict]:
    """Tripletex, PowerOffice: who we are connected as, then each vendor's target.check()."""
    from settlement.posting.ledger import LedgerError

    target = app.target_for(vendors[0])
    try:
        identity = target.identity()
    except LedgerError as exc:
        _fail(f"{target.title}: {exc}")
        return [vendor_result(v, v.ledger, [_check("credential", "FAILED", exc.reason)], strict) for v in vendors]
    print(f"Connected to {target.title}: " + ", ".join(f"{name} {value}" for name, value in identity.items() if value),
          file=out)
    connected_as = {name: value for name, value in identity.items() if value}
    results = []
    for vendor in vendors:
        print(file=out)
        print(f"{vendor.id} ({vendor.name})", file=out)
        try:
            problems = target.check(vendor, app.chart.ledger(vendor.id))
        except LedgerError as exc:
            print(f"  FAILED   {exc.reason}", file=out)
            results.append(vendor_result(vendor, vendor.ledger, [_check("configuration", "FAILED", exc.reason)], strict,
                                         connected_as=connected_as))
            continue
        checks = []
        for problem in problems:
            status = "FAILED" if problem.is_error else "WARNING"
            print(f"  {status:<8} {problem.format(with_severity=False)}", file=out)
            checks.append(_check(problem.column or "configuration", status, problem.format(with_severity=False)))
        if not problems:
            what = "company, accounts, VAT codes, department and project"
            print(f"  OK       {what}", file=out)
            checks.append(_check(what, "OK"))
        results.append(vendor_result(vendor, vendor.ledger, checks, strict, connected_as=connected_as))
    return results
