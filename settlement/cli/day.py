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
from settlement.domain.text import tr


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
        return tr("a person")


def close_day(args: argparse.Namespace) -> int:
    from settlement.posting import person
    from settlement.posting.claims import claim_holder, claims_for
    from settlement.store.posting_state import PostingState

    app = load_app()
    vendor = app.vendor(args.vendor)
    claim = claims_for(app.engine)
    decision = person.close_day(PostingState(app.engine), claim, vendor, args.date, app.voucher(vendor.id, args.date),
                                _who(), args.reason)
    from settlement.posting.status import state_word

    where = dict(vendor=vendor.id, day=args.date)
    if decision.kind == person.DONE:
        print(tr("{vendor} {day}: settled empty ({detail})", detail=decision.detail, **where))
        return 0
    if decision.kind == person.CLAIMED:
        print(tr("{vendor} is being settled by {holder}; try again later", vendor=vendor.id,
                 holder=claim_holder(claim, vendor.id)), file=sys.stderr)
        return EXIT_CLAIMED
    if decision.kind == person.NO_REASON:
        message = tr("settlement day close: --reason must say why the day has no sales")
    elif decision.kind == person.BEFORE_ENABLED:
        message = tr("{vendor} {day}: before enabled_since {since}; never settled", since=vendor.enabled_since, **where)
    elif decision.kind == person.HAS_DATA and decision.detail == "blocked":
        message = tr("{vendor} {day}: is blocked; day close is for a day without data", **where)
    elif decision.kind == person.HAS_DATA:
        message = tr("{vendor} {day}: has sales data ({n} voucher line(s)); day close is for a day without data",
                     n=decision.detail, **where)
    else:
        message = tr("{vendor} {day}: {status}; only a day that is missing or not settled yet can be closed",
                     status=state_word(decision.status), **where)
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
    from settlement.posting.status import state_word

    where = dict(vendor=vendor.id, day=args.date)
    if decision.kind == person.DONE:
        print(tr("{vendor} {day}: {detail}", detail=decision.detail, **where))
        return 0
    if decision.kind == person.ALREADY:
        print(tr("{vendor} {day}: already approved; the next run corrects it", **where))
        return 0
    if decision.kind == person.CLAIMED:
        print(tr("{vendor} is being settled by {holder}; try again later", vendor=vendor.id,
                 holder=claim_holder(claim, vendor.id)), file=sys.stderr)
        return EXIT_CLAIMED
    status = state_word(decision.status) if decision.status else tr("not settled")
    print(tr("{vendor} {day}: nothing to approve ({status}; only a posted day whose data changed waits for approval)",
             status=status, **where), file=sys.stderr)
    return 1
