"""`settlement import saft FILE... [--vendor V]`: import SAF-T Cash Register exports."""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from pathlib import Path

from settlement.cli.common import load_app
from settlement.cli.imports import dry_run_app, import_each
from settlement.domain.text import tr


def register_import(sources: argparse._SubParsersAction) -> None:
    parser = sources.add_parser(
        "saft",
        help="import SAF-T Cash Register (kassasystem) XML exports",
        description="Import SAF-T Cash Register XML files. Each file is stored completely or not at all; "
        "re-importing an overlapping export replaces the same transactions.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="SAF-T Cash Register XML files")
    parser.add_argument(
        "--vendor", help="vendor id every register in the files belongs to (default: each register's saft_registers entry)"
    )
    parser.add_argument("--dry-run", action="store_true",
                        help="say what importing would store and which posted days it would correct; store nothing")
    parser.set_defaults(handler=import_saft)


def import_saft(args: argparse.Namespace) -> int:
    from settlement.sources.saft import SaftSource

    app = load_app()
    override = app.vendor(args.vendor) if args.vendor else None
    with dry_run_app(app) if args.dry_run else nullcontext(app) as app:
        return import_each(app, args.files, SaftSource(), override, after=_say_more)


def _say_more(path: Path, outcome) -> None:
    """What else a stored SAF-T file held: no sales at all, transactions left out, warnings kept."""
    if not outcome.vendors:
        print(tr("{file}: no sales transactions found", file=path))
    skipped = ", ".join(tr("{count} {why}", count=count, why=tr(why)) for why, count in sorted(outcome.skipped.items()))
    if skipped:
        print(tr("{file}: left out {skipped} transaction(s)", file=path, skipped=skipped))
    warnings = sum(not p.is_error for p in outcome.found)
    if warnings:
        print(tr("{file}: {count} warning(s), stored as notes on the business days they concern", file=path, count=warnings))
