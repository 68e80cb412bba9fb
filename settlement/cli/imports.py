"""`settlement import ...`: bring sales into the local store."""

from __future__ import annotations

import argparse
import importlib
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path

from settlement.cli.common import load_app, print_problems
from settlement.domain.text import show_day, tr

# Modules that add `settlement import <source>` subcommands via `register_import(subparsers)`.
IMPORT_MODULES: list[str] = [
    "settlement.cli.import_woocommerce",
    "settlement.cli.import_saft",
    "settlement.cli.import_payouts",
]


SALES_USAGE = "settlement import sales [--dry-run] [--vendor V] FILE [FILE ...] [--vendor V2 FILE ...]"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import", help="import sales from a source into the local store")
    sources = parser.add_subparsers(dest="source", metavar="SOURCE", required=True)
    sales = sources.add_parser(
        "sales", usage=SALES_USAGE,
        help="import generic receipt CSVs: one vendor's each, or several vendors' by a vendor column",
        description="Import generic receipt CSV files in one call (one start-up for a chain's nightly files). "
                    "Each --vendor names the vendor of the files after it (files before the first --vendor are "
                    "that vendor's); without --vendor, each file names each row's vendor in a vendor column. "
                    "A file with any bad row stores nothing.",
    )
    sales.add_argument("--vendor", dest="first_vendor", metavar="V", help="vendor id from vendors.toml of the files after it")
    sales.add_argument("--dry-run", action="store_true",
                       help="say what importing would store and which posted days it would correct; store nothing")
    # The rest in order: files, and --vendor V before the files it is for (argparse cannot pair them).
    sales.add_argument("files", nargs=argparse.REMAINDER, metavar="FILE",
                       help="receipt CSV files, each after the --vendor it is for")
    sales.set_defaults(handler=import_sales)
    for name in IMPORT_MODULES:
        importlib.import_module(name).register_import(sources)


def files_by_vendor(first_vendor: str | None, tokens: list[str]) -> list[tuple[Path, str | None]]:
    """Each file with its vendor id: the --vendor before it, or for the files before the first
    --vendor, that first one (`import sales FILE --vendor V` as ever); None when no --vendor is
    named at all (each file must then name its rows' vendors in a vendor column).

    Raises ValueError for an option other than --vendor, a --vendor without a value, or no file.
    """
    pairs: list[tuple[Path, str | None]] = []
    vendor = first_vendor
    items = iter(tokens)
    for token in items:
        if token == "--vendor" or token.startswith("--vendor="):
            vendor = token.partition("=")[2] if "=" in token else next(items, None)
            if not vendor or vendor.startswith("-"):
                raise ValueError(tr("--vendor needs a vendor id"))
            pairs = [(path, named or vendor) for path, named in pairs]  # the files before the first one
        elif token.startswith("-") and token != "-":
            raise ValueError(tr("unknown option {option!r}", option=token))
        else:
            pairs.append((Path(token), vendor))
    if not pairs:
        raise ValueError(tr("no FILE named"))
    return pairs


def import_sales(args: argparse.Namespace) -> int:
    """Import generic receipt CSV files; any bad row in a file means nothing from it is stored."""
    from settlement.sources.generic_csv_stream import StreamingCsvSource

    from settlement.cli.progress import Progress

    dry_run = args.dry_run or "--dry-run" in args.files  # also after the files (REMAINDER keeps it)
    try:
        pairs = files_by_vendor(args.first_vendor, [t for t in args.files if t != "--dry-run"])
    except ValueError as exc:
        print(f"usage: {SALES_USAGE}\nsettlement import sales: error: {exc}", file=sys.stderr)
        return 2
    app = load_app()
    vendors = {vendor_id: app.vendor(vendor_id) for _, vendor_id in pairs if vendor_id is not None}  # all known?
    status = 0
    with dry_run_app(app) if dry_run else nullcontext(app) as app:
        for path, vendor_id in pairs:
            progress = Progress(tr("importing {file}", file=path.name))
            source = StreamingCsvSource(progress=progress.update)
            try:
                status = max(status, import_each(app, [path], source, vendors.get(vendor_id)))
            finally:
                progress.finish()
    return status


@contextmanager
def dry_run_app(app):
    """The app on a throw-away copy of its SQLite database, for `--dry-run`: the import runs as
    it would (the same checks, the same corrections foreseen) and the copy is deleted after.

    A PostgreSQL database cannot be copied like this; the dry run says so and stops (exit 2).
    """
    import sqlite3
    import tempfile

    from settlement.store import open_engine
    from settlement.wiring import on_engine

    database = app.engine.url.database if app.engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        print(tr("settlement: --dry-run imports into a copy of the SQLite database file; "
                 "this database ({dialect}) cannot be copied", dialect=app.engine.dialect.name), file=sys.stderr)
        raise SystemExit(2)
    print(tr("dry run: importing into a copy of the database; nothing is stored"), file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="settlement-dry-run-") as folder:
        copy = Path(folder) / "settlement.db"
        source, target = sqlite3.connect(database), sqlite3.connect(copy)
        try:
            source.backup(target)  # a consistent copy, even while another process writes
        finally:
            source.close()
            target.close()
        engine = open_engine(f"sqlite:///{copy}")
        try:
            yield on_engine(app, engine)
        finally:
            engine.dispose()


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
            print(tr("{file}: {why}; nothing imported from this file",
                     file=path, why=refusal(outcome, getattr(source, "counted_as", source))))
            status = 1
            continue
        for vendor_id, result in sorted(outcome.vendors.items()):
            print_stored(path, vendor_id, result, source.unit)
            # Webshop orders that now also appear in the POS data are warned about again.
            print_problems(outcome.rechecked.get(vendor_id, []))
        for vendor_id, days in sorted(outcome.blocked.items()):  # a day needs a person: exit 1
            for day, problems in sorted(days.items()):
                print(tr("{file}: business day {day} of {vendor} blocked by {count} error(s); "
                         "nothing of that day imported from this file, the other days are",
                         file=path, day=day, vendor=vendor_id, count=len(problems)))
                status = 1
        if after is not None:
            after(path, outcome)
        print_corrections(app, outcome)
    return status


def print_corrections(app, outcome) -> None:
    """Name each settled day the import changed and what the next run does with it (reverse and
    repost, wait for `settlement approve`, post a day settled empty)."""
    from settlement.posting.foresee import foresee_corrections
    from settlement.store.posting_state import PostingState

    state = PostingState(app.engine)
    for vendor_id, result in sorted(outcome.vendors.items()):
        if vendor_id not in app.vendors or not result.days:
            continue
        for foreseen in foresee_corrections(state, app.vendor(vendor_id), result.days,
                                            lambda vendor, day: app.voucher(vendor.id, day)):
            print(f"{outcome.file}: {foreseen.line()}")


def file_missing(path: Path) -> bool:
    """Say so when an import's input file does not exist; True then."""
    if path.is_file():
        return False
    print(tr("{file}: file not found", file=path))
    return True


def print_stored(path: Path, vendor_id: str, result, unit: str) -> None:
    """Say what importing `path` stored for one vendor (`result`: its ImportResult).

    unit: what a receipt is called in this source, e.g. "receipt(s)" or "transaction(s)".
    """
    days = ", ".join(show_day(d) for d in sorted(result.days))
    print(tr("{file}: imported {receipts} {unit}, {lines} line(s) for {vendor} "
             "({replaced} replaced an earlier version); business days: {days}",
             file=path, receipts=result.receipts, unit=tr(unit), lines=result.lines, vendor=vendor_id,
             replaced=result.replaced, days=days or tr("none")))
