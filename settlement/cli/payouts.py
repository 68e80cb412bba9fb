"""`settlement payouts post|status`: book the payment providers' payouts and see where each
clearing account stands; and `settlement report --payouts` for the accountant's spreadsheet."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from settlement.cli.common import audit_time, load_app
from settlement.domain.text import tr


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("payouts", help="book payouts of Stripe, Vipps and Klarna; clearing account status")
    commands = parser.add_subparsers(dest="payouts_command", metavar="COMMAND", required=True)
    post = commands.add_parser("post", help="post every due payout not booked yet (each once; corrections as v2)",
                               description="Post the voucher of every imported payout whose bank date has come: net to "
                               "the bank, fees to payment_fee, gross off the clearing account; attach its report.")
    post.add_argument("--vendor", metavar="V", help="only this vendor")
    post.set_defaults(handler=post_command)
    status = commands.add_parser("status", help="per provider and clearing account: sales booked, paid out, fees, "
                                 "open balance, oldest unpaid day and every open item with its reason")
    status.add_argument("--vendor", metavar="V", help="only this vendor")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=status_command)
    audit = commands.add_parser("audit", help="the trail of each payout's posting")
    audit.add_argument("--payout", metavar="ID", help="only this payout id")
    audit.set_defaults(handler=audit_command)


def _vendors(app, vendor_id: str | None):
    return [app.vendor(vendor_id)] if vendor_id else [v for v in app.vendors.values() if v.payouts]


def post_command(args: argparse.Namespace) -> int:
    from settlement.domain.posting_rules import DOCUMENTED, EMPTY, POSTED
    from settlement.wiring import post_due_payouts

    from settlement.posting.status import state_word

    app = load_app()
    outcomes = post_due_payouts(app, _vendors(app, args.vendor))
    for outcome in outcomes:
        print(tr("{vendor} {day} {status}: {reason}", vendor=outcome.vendor, day=outcome.day,
                 status=state_word(outcome.status), reason=outcome.message))
    if not outcomes:
        print(tr("no payouts due"))
    return 0 if all(o.status in (POSTED, DOCUMENTED, EMPTY) for o in outcomes) else 1


def status_command(args: argparse.Namespace) -> int:
    from settlement.report.payouts_status import to_text
    from settlement.wiring import payout_statuses

    app = load_app()
    statuses = payout_statuses(app, _vendors(app, args.vendor))
    if args.json:
        print(json.dumps([s.to_json() for s in statuses], indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(to_text(statuses) or tr("no vendor has payout accounts (vendors.toml `payouts`)") + "\n")
    return 0


def audit_command(args: argparse.Namespace) -> int:
    from settlement.store.payouts import PayoutPostingState

    app = load_app()
    for row in PayoutPostingState(app.engine).audit(payout_id=args.payout):
        at = audit_time(app, row.vendor, row.at)
        print(f"{at} {row.vendor} {row.provider} {row.payout_id} {row.action} {row.settlement_key} {row.detail}")
    return 0


def payouts_report(args: argparse.Namespace, start, end) -> int:
    """`settlement report --payouts --from D --to D [--vendor V] --format csv|xlsx [--output FILE]`."""
    from settlement.report.payouts_status import report_rows, to_csv, to_xlsx
    from settlement.wiring import payout_statuses

    app = load_app()
    statuses = payout_statuses(app, _vendors(app, args.vendor))
    rows = report_rows(statuses, start, end)
    output: Path | None = args.output
    if args.format == "xlsx":
        if output is None:
            print(tr("settlement report: --format xlsx needs --output FILE"), file=sys.stderr)
            return 2
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(to_xlsx(rows))
    elif output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(to_csv(rows), encoding="utf-8", newline="")
    else:
        sys.stdout.write(to_csv(rows).removeprefix("\ufeff"))
    if output is not None:
        print(tr("{file}: {rows} row(s), {accounts} clearing account(s), open items from {start} to {end}",
                 file=str(output), rows=len(rows), accounts=len(statuses), start=start, end=end))
    return 0
