"""A vendor's drop folder: exports put there are imported once, then moved out of the way.

`<folder>/*.xml` are SAF-T Cash Register exports, `<folder>/*.csv` generic receipt CSVs. Each file
is imported once by content (SHA-256, remembered in the database): a file whose content was
imported before is not imported again. Afterwards the file moves to `processed/`, or to `failed/`
with `<name>.error.txt` beside it listing every problem. A file that cannot be imported because of
the infrastructure (the database is down) stays where it is and is tried again next time.

Writers should create files under a temporary name (a leading `.`, or `.part`/`.tmp` at the end)
and rename them when complete; such names are ignored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from settlement.app import App
from settlement.csvfile import decode
from settlement.problems import Problem, error
from settlement.serve import seen_files
from settlement.sources.generic_csv import SOURCE as CSV_SOURCE, parse_sales_csv
from settlement.sources.saft import import_saft_file
from settlement.sources.woocommerce.sync import refresh_notes
from settlement.vendors import Vendor

PROCESSED, FAILED = "processed", "failed"
IGNORED_SUFFIXES = (".part", ".tmp", ".error.txt")
IMPORTED, DUPLICATE, REJECTED = "imported", "duplicate", "failed"


@dataclass
class DroppedFile:
    """What happened to one file: imported, duplicate (same content imported before) or failed."""

    name: str
    source: str
    outcome: str
    detail: str = ""
    moved_to: Path | None = None
    days: set[date] = field(default_factory=set)
    vendors: set[str] = field(default_factory=set)  # whose sales the file held (SAF-T: by register)
    problems: list[Problem] = field(default_factory=list)


def waiting_files(folder: Path) -> list[Path]:
    """Complete files waiting in the folder, oldest first (by modification time, then name)."""
    if not folder.is_dir():
        return []
    files = [
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().endswith(IGNORED_SUFFIXES)
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_of(path: Path) -> str:
    """`saft`, `csv`, or `unknown` by the file's extension."""
    return {".xml": "saft", ".csv": "csv"}.get(path.suffix.lower(), "unknown")


def process_drop_folder(app: App, vendor: Vendor, folder: Path) -> list[DroppedFile]:
    """Import every waiting file of the vendor's drop folder; see the module docstring."""
    return [process_file(app, vendor, path) for path in waiting_files(folder)]


def process_file(app: App, vendor: Vendor, path: Path) -> DroppedFile:
    source = source_of(path)
    sha256 = content_hash(path)
    earlier = seen_files.imported_before(app.engine, vendor.id, sha256)
    if earlier is not None:
        result = DroppedFile(path.name, source, DUPLICATE, f"same content as {earlier.name}, imported {earlier.imported_at:%Y-%m-%d %H:%M}; not imported again")
    elif source == "unknown":
        problem = error("not a SAF-T export (.xml) or a generic receipt CSV (.csv); nothing imported", file=str(path))
        result = DroppedFile(path.name, source, REJECTED, problem.message, problems=[problem])
    else:
        result = _import(app, vendor, path, source)
        if result.outcome == IMPORTED:
            seen_files.remember(app.engine, vendor.id, sha256, path.name)
            # Webshop orders that now also appear in the POS data are warned about again.
            for other in _vendors_touched(app, vendor, result):
                result.problems += refresh_notes(app.engine, other, result.days)
    result.moved_to = _move(path, FAILED if result.outcome == REJECTED else PROCESSED)
    if result.outcome == REJECTED:
        _write_reasons(result)
    return result


def _vendors_touched(app: App, vendor: Vendor, result: DroppedFile) -> list[Vendor]:
    """The vendors whose days the file changed (a SAF-T file may carry other vendors' registers)."""
    ids = result.vendors or {vendor.id}
    return [app.vendors[v] for v in sorted(ids) if v in app.vendors]


def _import(app: App, vendor: Vendor, path: Path, source: str) -> DroppedFile:
    if source == "csv":
        lines, problems = parse_sales_csv(decode(path.read_bytes()), str(path), vendor)
        errors = [p for p in problems if p.is_error]
        if errors:
            return DroppedFile(path.name, source, REJECTED, f"{len(errors)} bad row(s); nothing imported", problems=problems)
        stored = app.sales.replace_receipts(vendor.id, CSV_SOURCE, lines)
        detail = f"{stored.receipts} receipt(s), {stored.lines} line(s) ({stored.replaced} replaced an earlier version)"
        return DroppedFile(path.name, source, IMPORTED, detail, days=set(stored.days), problems=problems)
    # A SAF-T file names its registers; without saft_registers every register is this vendor's.
    override = None if vendor.saft_registers else vendor
    outcome = import_saft_file(path, app.engine, app.sales, app.vendors, override)
    if not outcome.stored:
        return DroppedFile(path.name, source, REJECTED, f"{outcome.errors} error(s); nothing imported", problems=outcome.problems)
    days = {d for result in outcome.vendors.values() for d in result.days}
    detail = ", ".join(f"{v}: {r.receipts} transaction(s), {r.lines} line(s)" for v, r in sorted(outcome.vendors.items()))
    return DroppedFile(path.name, source, IMPORTED, detail or "no sales transactions", days=days,
                       vendors=set(outcome.vendors), problems=outcome.problems)


def _move(path: Path, into: str) -> Path:
    """Move the file into `processed/` or `failed/` beside it, never overwriting an earlier file."""
    target_dir = path.parent / into
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        target = target_dir / f"{path.stem}.{stamp}{path.suffix}"
    path.replace(target)
    return target


def _write_reasons(result: DroppedFile) -> None:
    """`<name>.error.txt` beside the failed file: why it was not imported, one problem a line."""
    assert result.moved_to is not None
    lines = [f"{result.name} was not imported: {result.detail}"]
    lines += [str(p) for p in sorted(result.problems, key=lambda p: (not p.is_error, p.line or 0))]
    result.moved_to.with_name(result.moved_to.name + ".error.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
