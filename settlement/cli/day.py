"""`settlement day close` and `settlement approve`: a person's word on one vendor-day, audited.

`day close` settles an open day that has no data as empty (the shop was closed: a missing day
stops waiting); `approve` lets the next run reverse and repost a posted day whose data changed,
for a vendor with corrections = "hold". Both write the day's state and an audit row naming who
said so and why, under the vendor's claim, so they never race a run settling the same vendor.
"""

from __future__ import annotations

import argparse
import sys

from settlement.cli import EXIT_CLAIMED
from settlement.cli.common import iso_date, load_app


def register(subparsers: argparse._SubParsersAction) -> None:
    day = subparsers.add_parser("day", help="a person's word on a vendor-day (day close)")
    actions = day.add_subparsers(dest="action", metavar="ACTION", required=True)
    close = actions.add_parser(
        "close", help="settle a day without data as empty: the shop was closed (audited)",
        description="Settle a vendor-day that has no sales data as empty, with the reason a person gives; "
                    "a missing day stops waiting. If its data arrives later, the next run posts it.")
    close.add_argument("--vendor", required=True, help="vendor id from vendors.toml")
    close.add_argument("--date", required=True, type=iso_date, help="the business day YYYY-MM-DD")
    close.add_argument("--reason", required=True, help='why the day has no sales, e.g. "closed for stocktaking"')
    close.set_defaults(handler=close_day)

    approve = subparsers.add_parser(
        "approve", help='let the next run correct a posted day whose data changed (corrections = "hold"; audited)',
        description="Approve the correction of a held day: the next run reverses the posted version and posts "
                    "the day's current data as the next version.")
    approve.add_argument("--vendor", required=True, help="vendor id from vendors.toml")
    approve.add_argument("--date", required=True, type=iso_date, help="the business day YYYY-MM-DD")
    approve.add_argument("--reason", default="", help="a note kept in the audit log (default: none)")
    approve.set_defaults(handler=approve_day)


def _who() -> str:
    """Who gave the word, for the audit log (the login name, else 'a person')."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in a bare container: the audit row still says it
        return "a person"


def close_day(args: argparse.Namespace) -> int:
    from settlement.posting import person
    from settlement.posting.claims import claim_holder, claims_for
    from settlement.store.posting_state import PostingState

    app = load_app()
    vendor = app.vendor(args.vendor)
    claim = claims_for(app.engine)
    decision = person.close_day(PostingState(app.engine), claim, vendor, args.date, app.voucher(vendor.id, args.date),
                                _who(), args.reason)
    where = f"{vendor.id} {args.date}"
    if decision.kind == person.DONE:
        print(f"{where}: settled empty ({decision.detail})")
        return 0
    if decision.kind == person.CLAIMED:
        print(f"{vendor.id} is being settled by {claim_holder(claim, vendor.id)}; try again later", file=sys.stderr)
        return EXIT_CLAIMED
    message = {
        person.NO_REASON: "settlement day close: --reason must say why the day has no sales",
        person.BEFORE_ENABLED: f"{where}: before enabled_since {vendor.enabled_since}; never settled",
        person.HAS_DATA: f"{where}: " + ("is blocked" if decision.detail == "blocked"
                                          else f"has sales data ({decision.detail} voucher line(s))")
                         + "; day close is for a day without data",
        person.NOT_APPLICABLE: f"{where}: {decision.status}; only a day that is missing or not settled yet can be closed",
    }[decision.kind]
    print(message, file=sys.stderr)
    return 1


def approve_day(args: argparse.Namespace) -> int:
    from settlement.posting import person
    from settlement.posting.claims import claim_holder, claims_for
    from settlement.store.posting_state import PostingState

    app = load_app()
    vendor = app.vendor(args.vendor)
    claim = claims_for(app.engine)
    decision = person.approve(PostingState(app.engine), claim, vendor, args.date, app.voucher(vendor.id, args.date),
                              _who(), args.reason)
    where = f"{vendor.id} {args.date}"
    if decision.kind == person.DONE:
        print(f"{where}: {decision.detail}")
        return 0
    if decision.kind == person.ALREADY:
        print(f"{where}: already approved; the next run corrects it")
        return 0
    if decision.kind == person.CLAIMED:
        print(f"{vendor.id} is being settled by {claim_holder(claim, vendor.id)}; try again later", file=sys.stderr)
        return EXIT_CLAIMED
    print(f"{where}: nothing to approve ({decision.status or 'not settled'}; only a posted day "
          "whose data changed waits for approval)", file=sys.stderr)
    return 1
