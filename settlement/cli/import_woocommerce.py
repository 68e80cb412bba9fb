"""`settlement import woocommerce --vendor V [--since DATE]`: pull webshop orders and refunds."""

from __future__ import annotations

import argparse
import sys

from settlement.cli import EXIT_CONFIGURATION, EXIT_UNAVAILABLE
from settlement.cli.common import iso_date, load_app, print_problems
from settlement.domain.text import show_day, tr


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
        print(tr("vendor {vendor} has no [woocommerce] table in {file}", vendor=vendor.id, file=app.settings.vendors),
              file=sys.stderr)
        return EXIT_CONFIGURATION
    try:
        outcome = pull_webshop(app.engine, vendor, since=args.since, max_day_ore=app.max_day_ore)
    except WooError as exc:
        print(tr("error: {reason}", reason=exc), file=sys.stderr)
        if exc.unavailable:
            print(tr("{vendor}: nothing imported from WooCommerce; try again later", vendor=vendor.id), file=sys.stderr)
        else:
            print(tr("{vendor}: nothing imported from WooCommerce", vendor=vendor.id), file=sys.stderr)
        return EXIT_UNAVAILABLE if exc.unavailable else 1
    sync = outcome.webshop
    print_problems(outcome.problems)
    window = (tr("modified after {moment} UTC", moment=sync.modified_after) if sync.modified_after
              else tr("all orders"))
    if not outcome.stored:
        print(tr("{vendor}: {errors} problem(s) in {orders} order(s) ({window}); nothing imported",
                 vendor=vendor.id, errors=outcome.errors, orders=sync.orders_read, window=window))
        return 1
    days = ", ".join(show_day(d) for d in sorted(outcome.days)) or tr("none")
    via_pos = tr(" (webshop_via_pos: kept in the order list only, not as sales)") if vendor.webshop_via_pos else ""
    print(tr("{vendor}: read {orders} order(s) ({window}); booked {booked} order(s) and {refunds} refund(s){via_pos}; "
             "withdrawn {withdrawn}; business days: {days}",
             vendor=vendor.id, orders=sync.orders_read, window=window, booked=sync.orders_booked,
             refunds=sync.refunds_booked, via_pos=via_pos, withdrawn=len(sync.withdrawn), days=days))
    for day, problems in sorted(outcome.blocked.get(vendor.id, {}).items()):  # a day needs a person: exit 1
        print(tr("{vendor}: business day {day} blocked by {count} order(s) that cannot be booked",
                 vendor=vendor.id, day=day, count=len(problems)))
    return 1 if outcome.blocked else 0
