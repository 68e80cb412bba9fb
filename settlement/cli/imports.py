"""`settlement import ...`: bring sales into the local store."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from settlement.cli.common import load_app, print_problems

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
    from settlement.sources.generic_csv_stream import StreamingCsvSource

    app = load_app()
    return import_each(app, args.files, StreamingCsvSource(), app.vendor(args.vendor))


def import_each(app, files: list[Path], source, vendor, after=None) -> int:
    """Import each file through the import use case and say what it stored; 1 when any file was
    missing or not imported. `after(path, outcome)` says more about a file that was imported."""
    from settlement.sources.importing import import_file, refusal

    line_limit = app.max_line_ore
    status = 0
    for path in files:
        if file_missing(path):
            status = 1
            continue
        outcome = import_file(app.sales, app.vendors, source, path, vendor=vendor, line_limit=line_limit)
        print_problems(outcome.found)
        print_problems(outcome.over_limit)
        if not outcome.stored:
            print(f"{path}: {refusal(outcome, getattr(source, 'counted_as', source))}; nothing imported from this file")
            status = 1
            continue
        for vendor_id, result in sorted(outcome.vendors.items()):
            print_stored(path, vendor_id, result, source.unit)
            # Webshop orders that now also appear in the POS data are warned about again.
            print_problems(outcome.rechecked.get(vendor_id, []))
        for vendor_id, days in sorted(outcome.blocked.items()):  # a day needs a person: exit 1
            for day, problems in sorted(days.items()):
                print(f"{path}: business day {day.isoformat()} of {vendor_id} blocked by {len(problems)} error(s); "
                      "nothing of that day imported from this file, the other days are")
                status = 1
        if after is not None:
            after(path, outcome)
    return status


def file_missing(path: Path) -> bool:
    """Say so when an import's input file does not exist; True then."""
    if path.is_file():
        return False
    print(f"{path}: file not found")
    return True


def print_stored(path: Path, vendor_id: str, result, unit: str) -> None:
    """Say what importing `path` stored for one vendor (`result`: its ImportResult).

    unit: what a receipt is called in this source, e.g. "receipt(s)" or "transaction(s)".
    """
    days = ", ".join(d.isoformat() for d in sorted(result.days))
    print(
        f"{path}: imported {result.receipts} {unit}, {result.lines} line(s) for {vendor_id}"
        f" ({result.replaced} replaced an earlier version); business days: {days or 'none'}"
    )
