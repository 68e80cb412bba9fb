"""`settlement import payouts FILE... --provider vipps|stripe|klarna [--vendor V]`: payment providers'
settlement reports into the local store (each file all or nothing; a payout read again replaces it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from settlement.cli.common import load_app, print_problems

PROVIDERS = ("stripe", "vipps", "klarna")


def register_import(sources: argparse._SubParsersAction) -> None:
    parser = sources.add_parser(
        "payouts",
        help="import payment providers' settlement reports (payouts, their fees and what they settle)",
        description="Read each report file with the provider's formats and store its payouts. A file with any "
        "bad row stores nothing (every problem is named with file, line and field); a payout read again "
        "replaces the stored one, and a changed payout that was posted is corrected by the next run.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    parser.add_argument("--provider", required=True, choices=PROVIDERS)
    parser.add_argument("--vendor", metavar="V",
                        help="the vendor whose provider account the files are for (needed when the report names "
                             "no account and several vendors have one)")
    parser.set_defaults(handler=import_payouts)


def import_payouts(args: argparse.Namespace) -> int:
    from settlement.sources.payouts.importing import import_file
    from settlement.store.payouts import PayoutStore

    app = load_app()
    vendor = app.vendor(args.vendor) if args.vendor else None
    store = PayoutStore(app.engine)
    failed = 0
    for path in args.files:
        outcome = import_file(store, args.provider, path, list(app.vendors.values()), vendor)
        print_problems(outcome.problems)
        if not outcome.ok:
            failed += 1
            print(f"{path}: nothing imported")
            continue
        print(f"{path}: {len(outcome.stored)} {args.provider} payout(s): {outcome.summary()}")
    return 1 if failed else 0
