"""`settlement report`: payment totals for reconciliation (CSV/XLSX), or one day's PDF report.

    settlement report --vendor V --from D [--to D] [--format csv|xlsx | --json] [--output FILE]
    settlement report --vendor V --date D --pdf [--output FILE]

`--date D` is short for `--from D --to D`. Without --output, CSV goes to standard output and a
PDF to <report_dir>/<vendor>/<day>.pdf (report_dir: SETTLEMENT_REPORT_DIR, default data/reports,
where the posting keeps its copies too).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from settlement.cli.common import add_json_option, iso_date, load_app, print_json
from settlement.domain.text import ntr, show_day, tr


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="payment totals per day and method for reconciliation, or a day's PDF report",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--vendor", help="vendor id from vendors.toml (required but with --payouts)")
    parser.add_argument("--from", dest="start", type=iso_date, metavar="D", help="first business day YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=iso_date, metavar="D", help="last business day (default: --from)")
    parser.add_argument("--date", type=iso_date, metavar="D", help="one business day (same as --from D --to D)")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="reconciliation file format (default %(default)s)")
    parser.add_argument("--pdf", action="store_true", help="write the day's settlement report as PDF instead")
    parser.add_argument("--payouts", action="store_true", help="the clearing accounts' open items instead (settlement.cli.payouts)")
    add_json_option(parser, "rows {vendor, date, method, counterpart, account, account_name, receipts, paid, "
                            "refunded, net, status} (amounts in øre) instead of CSV")
    parser.add_argument("--output", type=Path, metavar="FILE", help="where to write (default: see above)")
    parser.set_defaults(handler=report)


def _range(args: argparse.Namespace) -> tuple[date, date] | str:
    """The business days asked for, or what is wrong with the options."""
    if args.date and (args.start or args.end):
        return tr("give either --date or --from/--to, not both")
    start = args.date or args.start
    if start is None:
        return tr("give the business day(s): --date D, or --from D [--to D]")
    end = args.date or args.end or start
    if end < start:
        return tr("--to {end} is before --from {start}", end=end.isoformat(), start=start.isoformat())
    return start, end


def report(args: argparse.Namespace) -> int:
    # Here, not at the top: the PDF and XLSX writers (fpdf, openpyxl) load only when a report is made.
    from settlement.report.from_store import pdf_path
    from settlement.report.reconciliation import reconciliation_rows, to_csv, to_xlsx

    days = _range(args)
    if isinstance(days, str):
        print(tr("settlement report: {problem}", problem=days), file=sys.stderr)
        return 2
    start, end = days
    if args.payouts:
        from settlement.cli.payouts import payouts_report

        return payouts_report(args, start, end)
    if not args.vendor:
        print(tr("settlement report: --vendor is required (but with --payouts)"), file=sys.stderr)
        return 2
    app = load_app()
    vendor = app.vendor(args.vendor)
    if args.pdf:
        if args.json:
            print(tr("settlement report: --json lists the reconciliation rows; it does not go with --pdf"),
                  file=sys.stderr)
            return 2
        if start != end:
            print(tr("settlement report: --pdf makes the report of one day; give --date D"), file=sys.stderr)
            return 2
        day_report = app.day_report(vendor.id, start)
        target = args.output or pdf_path(vendor.id, start, app.settings.report_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(app.render_pdf(day_report))
        if day_report.blocked:
            print(tr("{file}: settlement report of {vendor} {day} (BLOCKED: see Avvik)", file=str(target),
                     vendor=vendor.id, day=start))
        else:
            print(tr("{file}: settlement report of {vendor} {day}", file=str(target), vendor=vendor.id, day=start))
        return 0
    if args.json and args.format == "xlsx":
        print(tr("settlement report: --json lists the rows; it does not go with --format xlsx"), file=sys.stderr)
        return 2
    if args.format == "xlsx" and args.output is None:
        print(tr("settlement report: --format xlsx needs --output FILE"), file=sys.stderr)
        return 2
    days_with_sales = [day for day in app.sales.days_with_sales(vendor.id) if start <= day <= end]
    rows = reconciliation_rows(app.day_report(vendor.id, day) for day in days_with_sales)
    if args.json and args.output is None:
        print_json([row_json(row) for row in rows])
    elif args.json:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.output.open("w", encoding="utf-8") as out:
            print_json([row_json(row) for row in rows], out)
    elif args.format == "xlsx":
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(to_xlsx(rows))
    elif args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(to_csv(rows), encoding="utf-8", newline="")
    else:
        sys.stdout.write(to_csv(rows).removeprefix("\ufeff"))
    if args.output is not None:
        print(tr("{file}: {rows} row(s) for {vendor}, {days} day(s) with sales from {start} to {end}",
                 file=str(args.output), rows=len(rows), vendor=vendor.id, days=len(days_with_sales), start=start,
                 end=end))
    blocked = sorted({row.day for row in rows if row.status != "ok"})
    if blocked:
        print(
            ntr("warning: {n} day(s) are blocked (their totals are not posted yet): {days}",
                "warning: {n} day(s) are blocked (their totals are not posted yet): {days}", len(blocked),
                days=", ".join(show_day(d) for d in blocked)),
            file=sys.stderr,
        )
    return 0


def row_json(row) -> dict:
    """One reconciliation row (settlement.report.reconciliation.ReconciliationRow) as `--json`
    lists it: amounts in øre, the day as YYYY-MM-DD, status "ok" or "sperret" (blocked)."""
    return {"vendor": row.vendor, "date": row.day.isoformat(), "method": row.method, "counterpart": row.counterpart,
            "account": row.account, "account_name": row.account_name, "receipts": row.receipts, "paid": row.paid,
            "refunded": row.refunded, "net": row.net, "status": row.status}
