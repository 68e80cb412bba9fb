"""`settlement import payouts FILE... --provider vipps|stripe|klarna [--vendor V]`: payment providers'
settlement reports into the local store (each file all or nothing; a payout read again replaces it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from settlement.cli.common import iso_date, load_app, print_problems
from settlement.domain.text import tr

PROVIDERS = ("stripe", "vipps", "klarna")


def register_import(sources: argparse._SubParsersAction) -> None:
    parser = sources.add_parser(
        "payouts",
        help="import payment providers' settlement reports (payouts, their fees and what they settle)",
        description="Read each report file with the provider's formats and store its payouts. A file with any "
        "bad row stores nothing (every problem is named with file, line and field); a payout read again "
        "replaces the stored one, and a changed payout that was posted is corrected by the next run.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", type=Path)
    parser.add_argument("--api", action="store_true",
                        help="pull from the provider's API instead of files (Stripe: SETTLEMENT_STRIPE_SECRET_KEY)")
    parser.add_argument("--since", type=iso_date, metavar="D", help="with --api: payouts arriving from this date")
    parser.add_argument("--until", type=iso_date, metavar="D", help="with --api: up to this date (default today)")
    parser.add_argument("--provider", required=True, choices=PROVIDERS)
    parser.add_argument("--vendor", metavar="V",
                        help="the vendor whose provider account the files are for (needed when the report names "
                             "no account and several vendors have one)")
    parser.set_defaults(handler=import_payouts)


def import_payouts(args: argparse.Namespace) -> int:
    from settlement.sources.payouts.importing import import_file
    from settlement.store.payouts import PayoutStore

    if args.api:
        return _pull(args)
    if not args.files:
        print(tr("settlement import payouts: name the report FILEs (or --api)"), file=sys.stderr)
        return 2
    app = load_app()
    vendor = app.vendor(args.vendor) if args.vendor else None
    store = PayoutStore(app.engine)
    failed = 0
    for path in args.files:
        outcome = import_file(store, args.provider, path, list(app.vendors.values()), vendor)
        print_problems(outcome.problems)
        if not outcome.ok:
            failed += 1
            print(tr("{file}: nothing imported", file=path))
            continue
        print(tr("{file}: {count} {provider} payout(s): {summary}",
                 file=path, count=len(outcome.stored), provider=args.provider, summary=outcome.summary()))
    return 1 if failed else 0


def _pull(args: argparse.Namespace) -> int:
    from settlement.wiring import pull_payouts

    if args.files or not args.since or not args.vendor:
        print(tr("settlement import payouts --api: --provider stripe|vipps|klarna --vendor V --since D, and no FILE"),
              file=sys.stderr)
        return 2
    app = load_app()
    vendor = app.vendor(args.vendor)
    problems, stored = pull_payouts(app, vendor, args.since, args.until, providers={args.provider})
    print_problems(problems)
    counts = {what: sum(1 for v in stored.values() if v == what) for what in ("new", "changed", "unchanged")}
    print(tr("{vendor}: {count} {provider} payout(s) from the API: {new} new, {changed} changed, {unchanged} unchanged",
             vendor=vendor.id, count=len(stored), provider=args.provider, new=counts["new"],
             changed=counts["changed"], unchanged=counts["unchanged"]))
    return 1 if any(p.is_error for p in problems) else 0
