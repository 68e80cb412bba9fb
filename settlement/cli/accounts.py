"""`settlement accounts check|show`: the accountant's view of the chart of accounts."""

from __future__ import annotations

import argparse

from settlement.cli.common import load_app, print_problems


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("accounts", help="check or show the chart of accounts")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate vendors.toml and chart_of_accounts/, listing every problem")
    check.set_defaults(handler=check_accounts)
    show = actions.add_parser("show", help="print a vendor's effective ledger and mapping")
    show.add_argument("--vendor", required=True)
    show.set_defaults(handler=show_accounts)


def check_accounts(_args: argparse.Namespace) -> int:
    from settlement.domain.vendors import closing_warnings

    app = load_app(validate=False)
    problems = app.problems + closing_warnings(list(app.vendors.values()), str(app.settings.vendors))
    print_problems(problems)
    errors = sum(p.is_error for p in problems)
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
