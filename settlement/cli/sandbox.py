"""`settlement sandbox --ledger fiken|tripletex|poweroffice`: run a local fake of a ledger's API in the
foreground for manual tries and demos; it prints the settings as `export` lines to paste into a
shell. `--state FILE` keeps the Fiken sandbox's bookings and tokens across restarts."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from settlement.domain.text import tr

DEFAULT_MAX_SECONDS = 3600


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="run a local fake of a ledger's API (Fiken, Tripletex, PowerOffice) on 127.0.0.1 (stops by itself)")
    parser.add_argument("--ledger", choices=("fiken", "tripletex", "poweroffice"), default="fiken",
                        help="which ledger's API (default %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default %(default)s: any free port)")
    parser.add_argument("--max-seconds", type=float, default=DEFAULT_MAX_SECONDS,
                        help="stop after this many seconds (default %(default)g)")
    parser.add_argument("--state", type=Path, metavar="FILE",
                        help="Fiken: keep the sandbox's companies, bookings and tokens in this JSON file across "
                             "restarts (read at start if it exists, written after each change and at stop; "
                             "default: in memory only)")
    parser.add_argument("--one-sided-credit-vat", choices=("net", "gross"), default="net",
                        help="how a one-sided credit line with a VAT code is read (default %(default)s)")
    parser.set_defaults(handler=run_sandbox)


def export_line(setting: str) -> str:
    """`NAME=value` as a line to paste into a POSIX shell: `export NAME=value`, the value quoted
    where the shell would read it otherwise."""
    name, _, value = setting.partition("=")
    return f"export {name}={shlex.quote(value)}"


def run_sandbox(args: argparse.Namespace) -> int:
    from settlement.fiken_sandbox import FikenSandbox
    from settlement.fiken_sandbox.persist import StateFileError

    from settlement.cli import EXIT_CONFIGURATION

    if args.max_seconds <= 0:
        raise SystemExit(tr("--max-seconds must be positive"))
    if args.ledger != "fiken":
        if args.state is not None:
            print(tr("settlement sandbox: --state keeps the Fiken sandbox's state only"), file=sys.stderr)
            return EXIT_CONFIGURATION
        return _run_other(args)
    try:
        sandbox = FikenSandbox.start(port=args.port, max_seconds=args.max_seconds,
                                     one_sided_credit_vat=args.one_sided_credit_vat, state_file=args.state)
    except StateFileError as exc:
        print(f"settlement sandbox: {exc}", file=sys.stderr)
        return EXIT_CONFIGURATION
    print(tr("{ledger} sandbox running at {url}", ledger="Fiken", url=sandbox.base_url), flush=True)
    rows = [(tr("personal token:"), sandbox.personal_token), (tr("OAuth client id:"), sandbox.client_id),
            (tr("client secret:"), sandbox.client_secret), (tr("authorize URL:"), sandbox.authorize_url),
            (tr("token URL:"), sandbox.token_url), (tr("revoke URL:"), sandbox.revoke_url),
            (tr("companies:"), "demo-as, demo-prosjekt-as, uten-api-as")]
    if args.state is not None:
        rows.append((tr("state kept in:"), tr("{file} (bookings and tokens survive a restart)", file=args.state)))
    width = max(17, max(len(label) for label, _ in rows) + 1)
    for label, value in rows:
        print(f"  {label:<{width}}{value}")
    print(tr("Paste into your shell (the base URL changes with the port unless --port is given):"))
    print(export_line(f"SETTLEMENT_FIKEN_BASE_URL={sandbox.base_url}"))
    print(export_line(f"SETTLEMENT_FIKEN_TOKEN={sandbox.personal_token}"), flush=True)
    print(tr("Stops by itself after {seconds} s, or press Ctrl-C.", seconds=f"{args.max_seconds:g}"), flush=True)
    try:
        while not sandbox.wait(0.5):
            pass
    except KeyboardInterrupt:
        print(tr("Stopping."))
    finally:
        sandbox.stop()
    return 0


def _run_other(args: argparse.Namespace) -> int:
    if args.ledger == "tripletex":
        from settlement.tripletex_sandbox import TripletexSandbox as Sandbox
        title = "Tripletex"
    else:
        from settlement.poweroffice_sandbox import PowerOfficeSandbox as Sandbox
        title = "PowerOffice Go"
    sandbox = Sandbox.start(port=args.port, max_seconds=args.max_seconds)
    print(tr("{ledger} sandbox running at {url}", ledger=title, url=sandbox.base_url), flush=True)
    print(tr("Paste into your shell (first company):"))
    for line in sandbox.settings_lines(0):
        print(export_line(line))
    first = sandbox.settings_lines(0)
    prefix = f"SETTLEMENT_{args.ledger.upper()}_"
    print(tr('A second company, as the named credential "franchise" (a vendor with credential = "franchise"):'))
    for line in sandbox.settings_lines(1):
        if line not in first:  # what differs is that company's own secret
            print(export_line(f"{prefix}FRANCHISE_{line.removeprefix(prefix)}"))
    print(tr("Stops by itself after {seconds} s, or press Ctrl-C.", seconds=f"{args.max_seconds:g}"), flush=True)
    try:
        while not sandbox.wait(0.5):
            pass
    except KeyboardInterrupt:
        print(tr("Stopping."))
    finally:
        sandbox.stop()
    return 0
