"""`settlement import woocommerce --vendor V [--since DATE]`: pull webshop orders and refunds."""

from __future__ import annotations

import argparse
import sys

from settlement.cli import EXIT_CONFIGURATION, EXIT_UNAVAILABLE
from settlement.cli.common import iso_date, load_app, print_problems


def register_import(sources: argparse._SubParsersAction) -> None:
    parser = sources.add_parser(
        "woocommerce",
        help="pull a vendor's WooCommerce orders and refunds changed since the last run",
        description="Pull orders and refunds changed since the last successful run (or since --since) "
        "from the vendor's WooCommerce shop and store them as sales of the days they were paid "
        "(or completed) and refunded. Nothing is stored if anything is wrong.",
    )
    parser.add_argument("--vendor", required=True, help="vendor id from vendors.toml (needs a [woocommerce] table)")
    parser.add_argument(
        "--since", type=iso_date, metavar="YYYY-MM-DD",
        help="re-read orders modified since this business day instead of since the last run",
    )
    parser.set_defaults(handler=import_woocommerce)


def import_woocommerce(args: argparse.Namespace) -> int:
    from settlement.sources.woocommerce.client import WooError
    from settlement.sources.woocommerce.sync import pull_webshop

    app = load_app()
    vendor = app.vendor(args.vendor)
    if vendor.woocommerce is None:
        print(f"vendor {vendor.id} has no [woocommerce] table in {app.settings.vendors}", file=sys.stderr)
        return EXIT_CONFIGURATION
    try:
        outcome = pull_webshop(app.engine, vendor, since=args.since, max_day_ore=app.max_day_ore)
    except WooError as exc:
        print(f"error: {exc}", file=sys.stderr)
        later = "; try again later" if exc.unavailable else ""
        print(f"{vendor.id}: nothing imported from WooCommerce{later}", file=sys.stderr)
        return EXIT_UNAVAILABLE if exc.unavailable else 1
    sync = outcome.webshop
    print_problems(outcome.problems)
    window = f"modified after {sync.modified_after} UTC" if sync.modified_after else "all orders"
    if not outcome.stored:
        print(f"{vendor.id}: {outcome.errors} problem(s) in {sync.orders_read} order(s) ({window}); nothing imported")
        return 1
    days = ", ".join(d.isoformat() for d in sorted(outcome.days)) or "none"
    via_pos = " (webshop_via_pos: kept in the order list only, not as sales)" if vendor.webshop_via_pos else ""
    print(
        f"{vendor.id}: read {sync.orders_read} order(s) ({window}); booked {sync.orders_booked} order(s) "
        f"and {sync.refunds_booked} refund(s){via_pos}; withdrawn {len(sync.withdrawn)}; "
        f"business days: {days}"
    )
    for day, problems in sorted(outcome.blocked.get(vendor.id, {}).items()):  # a day needs a person: exit 1
        print(f"{vendor.id}: business day {day.isoformat()} blocked by {len(problems)} order(s) that cannot be booked")
    return 1 if outcome.blocked else 0
