"""`settlement accounts check|show|export`: the accountant's view of the chart of accounts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from settlement.cli.common import add_json_option, load_app, ordered, print_json, print_problems, problem_json
from settlement.domain.text import ntr, tr


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
        print(ntr("{n} problem(s) found", "{n} problem(s) found", errors))
        return 1
    print(tr("OK: {vendors} vendor(s), {keys} ledger keys, {rows} mapping rows", vendors=len(app.vendors),
             keys=len(app.chart.default_ledger), rows=len(app.chart.default_mapping)))
    return 0


def show_accounts(args: argparse.Namespace) -> int:
    app = load_app()
    vendor = app.vendor(args.vendor)
    ledger = app.chart.ledger(vendor.id)
    print(tr("Effective ledger for {vendor} ({name})", vendor=vendor.id, name=vendor.name))
    print(_heading((tr("key"), 18), (tr("account"), 12), (tr("from"), 9), (tr("name"), 0)))
    for key in sorted(ledger, key=lambda k: (ledger[k].account, k)):
        row = ledger[key]
        origin = tr("override") if row.overridden else tr("default")
        print(f"{key:<18} {row.account:<12} {origin:<9} {row.name}   [{row.where()}]")
    mapping = app.chart.mapping(vendor.id)
    print()
    print(tr("Mapping ({n} codes)", n=len(mapping)))
    print(_heading((tr("source"), 8), (tr("code"), 12), (tr("key"), 18), (tr("account"), 0)))
    overridden = app.chart.vendor_mappings.get(vendor.id, {})
    for ident in sorted(mapping):
        row = mapping[ident]
        account = ledger[row.key].account if row.key in ledger else "?"
        mark = "  (" + tr("override") + ")" if ident in overridden else ""
        print(f"{row.source:<8} {row.code:<12} {row.key:<18} {account}{mark}")
    return 0


def _heading(*columns: tuple[str, int]) -> str:
    """A table's heading: each (label, width) padded to its width, one space between them."""
    return " ".join(label.ljust(width) for label, width in columns)


def export_accounts(args: argparse.Namespace) -> int:
    from settlement.configuration import write_chart_workbook

    app = load_app()
    if args.vendor is None:
        ledger, mapping, vendor_id = app.chart.default_ledger, app.chart.default_mapping, None
    else:
        vendor = app.vendor(args.vendor)
        ledger, mapping, vendor_id = app.chart.ledger(vendor.id), app.chart.mapping(vendor.id), vendor.id
    try:
        write_chart_workbook(args.xlsx, ledger.values(), mapping.values())
    except OSError as exc:
        print(tr("{file}: cannot write the workbook: {reason}", file=args.xlsx, reason=exc.strerror or exc), file=sys.stderr)
        return 2
    counts = {"file": args.xlsx, "keys": len(ledger), "rows": len(mapping)}
    if vendor_id is None:
        print(tr("Wrote the default chart to {file}: {keys} ledger keys, {rows} mapping rows", **counts))
    else:
        print(tr("Wrote {vendor}'s chart to {file}: {keys} ledger keys, {rows} mapping rows", vendor=vendor_id, **counts))
    return 0
