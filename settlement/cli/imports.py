"""`settlement import ...`: bring sales into the local store."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from settlement.wiring import App
from settlement.cli.common import load_app, print_problems
from settlement.store.sales_store import DayLimitExceeded, ImportResult
from settlement.domain.vendors import Vendor
from settlement.sources.woocommerce.sync import refresh_notes
from settlement.sources.generic_csv import SOURCE, parse_sales_csv
from settlement.domain.csvfile import decode

# Modules that add `settlement import <source>` subcommands via `register_import(subparsers)`.
IMPORT_MODULES: list[str] = [
    "settlement.cli.import_woocommerce",
    "settlement.cli.import_saft",
]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import", help="import sales from a source into the local store")
    sources = parser.add_subparsers(dest="source", metavar="SOURCE", required=True)
    sales = sources.add_parser("sales", help="import a generic receipt CSV for one vendor")
    sales.add_argument("files", nargs="+", type=Path, metavar="FILE")
    sales.add_argument("--vendor", required=True, help="vendor id from vendors.toml")
    sales.set_defaults(handler=import_sales)
    for name in IMPORT_MODULES:
        importlib.import_module(name).register_import(sources)


def import_sales(args: argparse.Namespace) -> int:
    """Import generic receipt CSV files; any bad row in a file means nothing from it is stored."""
    app = load_app()
    vendor = app.vendor(args.vendor)
    max_line_ore = app.max_line_ore
    status = 0
    for path in args.files:
        if file_missing(path):
            status = 1
            continue
        lines, problems = parse_sales_csv(decode(path.read_bytes()), str(path), vendor, max_line_ore=max_line_ore)
        print_problems(problems)
        if any(p.is_error for p in problems):
            errors = sum(p.is_error for p in problems)
            print(f"{path}: {errors} bad row(s); nothing imported from this file")
            status = 1
            continue
        try:
            result = app.sales.replace_receipts(vendor.id, SOURCE, lines, file=str(path))
        except DayLimitExceeded as exc:
            print_problems(exc.problems)
            print(f"{path}: {len(exc.problems)} business day(s) beyond the plausible total; nothing imported from this file")
            status = 1
            continue
        print_stored(app, path, vendor, result, "receipt(s)")
    return status


def file_missing(path: Path) -> bool:
    """Say so when an import's input file does not exist; True then."""
    if path.is_file():
        return False
    print(f"{path}: file not found")
    return True


def print_stored(app: App, path: Path, vendor: Vendor, result: ImportResult, unit: str) -> None:
    """Say what importing `path` stored for one vendor, then check its days against the webshop.

    unit: what a receipt is called in this source, e.g. "receipt(s)" or "transaction(s)".
    """
    days = ", ".join(d.isoformat() for d in sorted(result.days))
    print(
        f"{path}: imported {result.receipts} {unit}, {result.lines} line(s) for {vendor.id}"
        f" ({result.replaced} replaced an earlier version); business days: {days or 'none'}"
    )
    # Webshop orders that now also appear in the POS data are warned about again.
    print_problems(refresh_notes(app.engine, vendor, set(result.days)))
