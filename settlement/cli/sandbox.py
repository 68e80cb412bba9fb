"""`settlement sandbox`: run the local Fiken sandbox in the foreground for manual tries and demos."""

from __future__ import annotations

import argparse

DEFAULT_MAX_SECONDS = 3600


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="run a local fake of the Fiken API on 127.0.0.1 (stops by itself)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--max-seconds", type=float, default=DEFAULT_MAX_SECONDS,
                        help=f"stop after this many seconds (default {DEFAULT_MAX_SECONDS})")
    parser.add_argument("--one-sided-credit-vat", choices=("net", "gross"), default="net",
                        help="how a one-sided credit line with a VAT code is read (default net)")
    parser.set_defaults(handler=run_sandbox)


def run_sandbox(args: argparse.Namespace) -> int:
    from settlement.fiken_sandbox import FikenSandbox

    if args.max_seconds <= 0:
        raise SystemExit("--max-seconds must be positive")
    sandbox = FikenSandbox.start(port=args.port, max_seconds=args.max_seconds,
                                 one_sided_credit_vat=args.one_sided_credit_vat)
    print(f"Fiken sandbox running at {sandbox.base_url}", flush=True)
    print(f"  personal token:  {sandbox.personal_token}")
    print(f"  OAuth client id: {sandbox.client_id}")
    print(f"  client secret:   {sandbox.client_secret}")
    print(f"  authorize URL:   {sandbox.authorize_url}")
    print(f"  token URL:       {sandbox.token_url}")
    print(f"  revoke URL:      {sandbox.revoke_url}")
    print(f"  companies:       demo-as, demo-prosjekt-as, uten-api-as")
    print(f"Stops by itself after {args.max_seconds:g} s, or press Ctrl-C.", flush=True)
    try:
        while not sandbox.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("Stopping.")
    finally:
        sandbox.stop()
    return 0
