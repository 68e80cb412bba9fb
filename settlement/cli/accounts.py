"""`settlement accounts check|show|export`: the accountant's view of the chart of accounts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from settlement.cli.common import add_json_option, load_app, ordered, print_json, print_problems, problem_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("accounts", help="check or show the chart of accounts")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate vendors.toml and chart_of_accounts/, listing every problem")
    add_json_option(check, "problems {severity, message, file, line, column, value, ref, text}")
    check.set_defaults(handler=check_accounts)
    show = actions.add_parser("show", help="print a vendor's effective ledger and mapping")
    show.add_argument("--vendor", required=True, help="vendor id from vendors.toml")
    show.set_defaults(handler=show_accounts)
    export = actions.add_parser("export", help="write the effective chart as an Excel workbook (codes stored as text)")
    export.add_argument("--xlsx", required=True, metavar="FILE", type=Path,
                        help="the workbook to write: sheets 'ledger' and 'mapping'; usable as default_ledger.xlsx "
                             "and mapping.xlsx")
    export.add_argument("--vendor", help="that vendor's effective chart (default: the default ledger and mapping)")
    export.set_defaults(handler=export_accounts)


def check_accounts(args: argparse.Namespace) -> int:
    from settlement.wiring import accounts_check

    app = load_app(validate=False)
    problems = accounts_check(app)
    errors = sum(p.is_error for p in problems)
    if getattr(args, "json", False):  # the list alone on stdout; the exit status says the rest
        print_json([problem_json(p) for p in ordered(problems)])
        return 1 if errors else 0
    print_problems(problems)
    if errors:
        print(f"{errors} problem(s) found")
        return 1
    print(f"OK: {len(app.vendors)} vendor(s), {len(app.chart.default_ledger)} ledger keys, "
          f"{len(app.chart.default_mapping)} mapping rows")
    return 0


def show_accounts(args: argparse.Namespace) -> int:
    app = load_app()
    vendor = app.vendor(args.vendor)
    ledger = app.chart.ledger(vendor.id)
    print(f"Effective ledger for {vendor.id} ({vendor.name})")
    print(f"{'key':<18} {'account':<12} {'from':<9} name")
    for key in sorted(ledger, key=lambda k: (ledger[k].account, k)):
        row = ledger[key]
        origin = "override" if row.overridden else "default"
        print(f"{key:<18} {row.account:<12} {origin:<9} {row.name}   [{row.where()}]")
    mapping = app.chart.mapping(vendor.id)
    print()
    print(f"Mapping ({len(mapping)} codes)")
    print(f"{'source':<8} {'code':<12} {'key':<18} account")
    overridden = app.chart.vendor_mappings.get(vendor.id, {})
    for ident in sorted(mapping):
        row = mapping[ident]
        account = ledger[row.key].account if row.key in ledger else "?"
        mark = "  (override)" if ident in overridden else ""
        print(f"{row.source:<8} {row.code:<12} {row.key:<18} {account}{mark}")
    return 0


def export_accounts(args: argparse.Namespace) -> int:
    from settlement.configuration import write_chart_workbook

    app = load_app()
    if args.vendor is None:
        ledger, mapping, whose = app.chart.default_ledger, app.chart.default_mapping, "the default chart"
    else:
        vendor = app.vendor(args.vendor)
        ledger, mapping, whose = app.chart.ledger(vendor.id), app.chart.mapping(vendor.id), f"{vendor.id}'s chart"
    try:
        write_chart_workbook(args.xlsx, ledger.values(), mapping.values())
    except OSError as exc:
        print(f"{args.xlsx}: cannot write the workbook: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"Wrote {whose} to {args.xlsx}: {len(ledger)} ledger keys, {len(mapping)} mapping rows")
    return 0
