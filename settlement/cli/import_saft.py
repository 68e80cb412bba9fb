"""`settlement import saft FILE... [--vendor V]`: import SAF-T Cash Register exports."""

from __future__ import annotations

import argparse
from pathlib import Path

from settlement.cli.common import load_app, print_problems
from settlement.cli.imports import file_missing, print_stored
from settlement.sources.saft import import_saft_file


def register_import(sources: argparse._SubParsersAction) -> None:
    parser = sources.add_parser(
        "saft",
        help="import SAF-T Cash Register (kassasystem) XML exports",
        description="Import SAF-T Cash Register XML files. Each file is stored completely or not at all; "
        "re-importing an overlapping export replaces the same transactions.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument(
        "--vendor", help="vendor id every register in the files belongs to (default: each register's saft_registers entry)"
    )
    parser.set_defaults(handler=import_saft)


def import_saft(args: argparse.Namespace) -> int:
    app = load_app()
    override = app.vendor(args.vendor) if args.vendor else None
    status = 0
    for path in args.files:
        if file_missing(path):
            status = 1
            continue
        outcome = import_saft_file(path, app.engine, app.sales, app.vendors, override, line_limit=app.max_line_ore)
        print_problems(outcome.problems)
        if not outcome.stored:
            print(f"{path}: {outcome.errors} error(s); nothing imported from this file")
            status = 1
            continue
        warnings = len(outcome.problems)
        skipped = ", ".join(f"{count} {why}" for why, count in sorted(outcome.skipped.items()))
        for vendor, result in sorted(outcome.vendors.items()):
            print_stored(app, path, app.vendor(vendor), result, "transaction(s)")
        if not outcome.vendors:
            print(f"{path}: no sales transactions found")
        if skipped:
            print(f"{path}: left out {skipped} transaction(s)")
        if warnings:
            print(f"{path}: {warnings} warning(s), stored as notes on the business days they concern")
    return status
