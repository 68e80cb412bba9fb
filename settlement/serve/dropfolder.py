"""A vendor's drop folder: complete exports put there are imported once, then moved out of the way.

`<folder>/*.xml` are SAF-T Cash Register exports, `<folder>/*.csv` generic receipt CSVs, unless the
file is a payment provider's payout report: a file that one of settlement.sources.payouts.FILE_SOURCES
recognises (`sniff`: Vipps MobilePay XML/CSV/XLSX, Stripe's payout reconciliation CSV, Klarna's
settlement CSV) is imported as that provider's payouts for the folder's vendor (its account in
vendors.toml `payouts`), all or nothing, like `settlement import payouts`. Each file
is imported once by content (SHA-256, remembered in the database): a file whose content was
imported before is not imported again. Afterwards the file moves to `processed/`, or to `failed/`
with `<name>.error.txt` beside it listing every problem. A file that cannot be imported because of
the infrastructure (the database is down) stays where it is and is tried again next time.

Only complete files are taken. A file is complete when
  - a marker `<name>.done` or `<name>.ok` is beside it (taken at once; the marker goes with it), or
  - it has not changed for the settle period (SETTLEMENT_DROP_SETTLE_SECONDS): neither its
    modification nor its status-change time (which no writer can set back) is more recent, or this
    process has seen its size and times unchanged for that long (clock skew on a network share).
Names starting with `.` or ending in `.part`/`.tmp` (being written, to be renamed when complete),
`.done`/`.ok` (markers) and `.error.txt` are never taken. A file not yet complete stays and is
looked at again; a file that changes while it is read is left as well, nothing of it stored.

Only regular files written into the folder are read: a symbolic link (the link is moved, its
target never opened), a FIFO, socket or device, a file with other hard links (its content lives
outside the folder too) and a file whose name is not printable (a newline, a control character,
bytes that are not UTF-8) are refused and moved to `failed/` with a reason that names the file and
nothing of its content. Files are opened with O_NOFOLLOW. Names are shown escaped (`shown`) in
reasons and log lines, so a name with a newline cannot forge a line.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from settlement.wiring import App
from settlement.logs import one_line as shown  # a name or text escaped onto one line
from settlement.domain.problems import Problem, error
from settlement.domain.text import N_, show_stored, tr
from settlement.store import seen_files
from settlement.sources.generic_csv import CsvSource
from settlement.sources.importing import import_file, refusal
from settlement.sources.payouts import FILE_SOURCES
from settlement.sources.payouts.importing import import_file as import_payout_file
from settlement.sources.saft import SaftSource
from settlement.store.payouts import PayoutStore
from settlement.domain.vendors import Vendor

PROCESSED, FAILED = "processed", "failed"
MARKERS = (".done", ".ok")
IGNORED_SUFFIXES = (".part", ".tmp", ".error.txt") + MARKERS
IMPORTED, DUPLICATE, REJECTED, WAITING = "imported", "duplicate", "failed", "waiting"
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_SOURCES = {"saft": SaftSource(), "csv": CsvSource()}
_DAYS = N_("day(s)")  # what a refusal counts the days beyond the plausible total as
# Extensions a payout report comes with (a Vipps portal XLSX is nothing else); what decides is `sniff`.
_PAYOUT_SUFFIXES = (".xml", ".csv", ".xlsx")
_HEAD = 64 * 1024  # enough for every payout format's sniff but the XLSX's (an XLSX is read whole)


@dataclass
class DroppedFile:
    """What happened to one file: imported, duplicate (same content imported before), failed, or
    waiting (not complete yet, or the folder cannot be used: left where it is)."""

    name: str
    source: str
    outcome: str
    detail: str = ""
    moved_to: Path | None = None
    days: set[date] = field(default_factory=set)
    vendors: set[str] = field(default_factory=set)  # whose sales the file held (SAF-T: by register)
    problems: list[Problem] = field(default_factory=list)
    ready_in: float | None = None  # waiting: seconds until it may be complete (None: waiting won't help)


def source_of(path: Path) -> str:
    """`saft`, `csv`, or `unknown` by the file's extension (a payout report is told by its content)."""
    return {".xml": "saft", ".csv": "csv"}.get(path.suffix.lower(), "unknown")


def payout_provider(data: bytes, name: str) -> str | None:
    """The provider whose payout report format recognises the bytes (its start will do but for an
    XLSX), or None: then the file is a sales file, read by its extension."""
    if not name.lower().endswith(_PAYOUT_SUFFIXES):
        return None
    for provider, sources in FILE_SOURCES.items():
        if any(source.sniff(data, name) for source in sources):
            return provider
    return None


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(IGNORED_SUFFIXES)


def _identity(st: os.stat_result) -> tuple[int, ...]:
    """What changes whenever a file is written, replaced or touched."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class _Watch:
    """When this process first saw each file with its current size and times (for clock skew)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[tuple[int, ...], float]] = {}

    def unchanged_for(self, path: Path, st: os.stat_result, now: float) -> float:
        key, ident = str(path), _identity(st)
        with self._lock:
            earlier = self._seen.get(key)
            if earlier is None or earlier[0] != ident:
                self._seen[key] = earlier = (ident, now)
            return now - earlier[1]

    def forget(self, folder: Path, keep: set[str]) -> None:
        prefix = str(folder) + os.sep
        with self._lock:
            for key in [k for k in self._seen if k.startswith(prefix) and k not in keep]:
                del self._seen[key]


_watch = _Watch()


def _marker(path: Path) -> Path | None:
    for suffix in MARKERS:
        candidate = path.with_name(path.name + suffix)
        if os.path.lexists(candidate):
            return candidate
    return None


def _ready_in(path: Path, st: os.stat_result, settle: float) -> float:
    """Seconds until the file counts as complete (0: complete now)."""
    if settle <= 0 or _marker(path) is not None:
        return 0.0
    since_change = time.time() - max(st.st_mtime, st.st_ctime)
    watched = _watch.unchanged_for(path, st, time.monotonic())
    return max(0.0, settle - max(since_change, watched))


def _entries(folder: Path) -> list[tuple[Path, os.stat_result]]:
    """The folder's entries that may be taken (by lstat: links are not followed), oldest first."""
    entries = []
    with os.scandir(folder) as listing:
        for entry in listing:
            if _ignored(entry.name):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # gone since the listing
                continue
            if stat.S_ISDIR(st.st_mode):  # processed/, failed/, the writer's own folders
                continue
            entries.append((Path(entry.path), st))
    return sorted(entries, key=lambda e: (e[1].st_mtime, e[0].name))


def _refusal(path: Path, st: os.stat_result) -> str | None:
    """Why a file is not read at all, or None for a plain regular file written into the folder."""
    if not path.name.isprintable():
        return tr("refused: the file name has characters that are not printable (a line break, a control character "
                  "or bytes that are not UTF-8; shown escaped); rename the file (it was not opened)")
    if stat.S_ISLNK(st.st_mode):
        return tr("refused: a symbolic link; only files written into the drop folder are read (neither the link nor "
                  "what it points to was opened)")
    if not stat.S_ISREG(st.st_mode):
        return tr("refused: not a regular file (a FIFO, socket or device); it was not opened")
    if st.st_nlink > 1:
        return tr("refused: the file has {count} other hard link(s), so its content also lives outside the "
                  "drop folder; copy the export into the folder instead (it was not opened)", count=st.st_nlink - 1)
    return None


def _unusable_target(folder: Path) -> DroppedFile | None:
    """processed/ and failed/ must be real folders inside the drop folder (not links elsewhere)."""
    for into in (PROCESSED, FAILED):
        target = folder / into
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            target.mkdir(exist_ok=True)
            st = os.lstat(target)
        if not stat.S_ISDIR(st.st_mode):
            return DroppedFile(f"{into}/", "folder", WAITING,
                               tr("{folder} is not a folder inside the drop folder (a file or a symbolic link); "
                                  "no file is taken until it is a folder", folder=shown(str(target))))
    return None


def process_drop_folder(app: App, vendor: Vendor, folder: Path, settle_seconds: float | None = None) -> list[DroppedFile]:
    """Handle every waiting file of the vendor's drop folder (see the module docstring): complete
    ones are imported or refused and moved; the others come back as WAITING, left in place.
    `settle_seconds`: default SETTLEMENT_DROP_SETTLE_SECONDS."""
    if not folder.is_dir():
        return []
    settle = app.settings.drop_settle_seconds if settle_seconds is None else settle_seconds
    entries = _entries(folder)
    _watch.forget(folder, {str(path) for path, _ in entries})
    if not entries:
        return []
    unusable = _unusable_target(folder)
    if unusable is not None:
        return [unusable]
    results = []
    for path, st in entries:
        refusal = _refusal(path, st)
        if refusal is not None:
            results.append(_set_aside(path, DroppedFile(path.name, source_of(path), REJECTED, refusal,
                                                        problems=[error(refusal, file=shown(str(path)))])))
            continue
        wait = _ready_in(path, st, settle)
        if wait > 0:
            seconds, marker = f"{settle:g}", path.name + ".done"
            results.append(DroppedFile(path.name, source_of(path), WAITING,
                                       tr("still being written (taken once unchanged for {seconds} s, or at once with a "
                                          "{marker} marker)", seconds=seconds, marker=marker),
                                       ready_in=wait))
            continue
        results.append(process_file(app, vendor, path, st))
    return results


class _Changed(Exception):
    """The file changed (or was replaced) since it was listed or while it was read."""


def _read(path: Path, listed: os.stat_result, keep: bool) -> tuple[str, bytes]:
    """The file's SHA-256 and its bytes (without `keep` only the first _HEAD of them), read through
    O_NOFOLLOW, provided it is the file that was listed and it did not change while being read."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError as exc:
        raise _Changed(tr("it disappeared")) from exc
    except OSError as exc:  # ELOOP: replaced by a symbolic link since it was listed
        raise _Changed(tr("it could not be opened as a plain file ({reason})", reason=exc.strerror)) from exc
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode) or _identity(before) != _identity(listed):
            raise _Changed(tr("it changed since it was listed"))
        digest, chunks, size = hashlib.sha256(), [], 0
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
            size += len(chunk)
            if keep or size - len(chunk) < _HEAD:
                chunks.append(chunk)
        if _identity(os.fstat(fd)) != _identity(before) or size != before.st_size:
            raise _Changed(tr("it changed while it was read"))
        data = b"".join(chunks)
        return digest.hexdigest(), data if keep else data[:_HEAD]
    finally:
        os.close(fd)


def process_file(app: App, vendor: Vendor, path: Path, listed: os.stat_result | None = None) -> DroppedFile:
    """Import one complete file (`listed`: its lstat when the folder was listed) and move it."""
    source = source_of(path)
    listed = listed or os.lstat(path)
    try:
        # A CSV or XLSX whole (small, and read from these bytes); of a SAF-T file only its start.
        sha256, data = _read(path, listed, keep=source == "csv" or path.suffix.lower() == ".xlsx")
        provider = payout_provider(data, path.name)
        if provider is not None and source == "saft":
            sha256, data = _read(path, listed, keep=True)
    except _Changed as exc:
        return DroppedFile(path.name, source, WAITING, tr("not taken: {reason}; looked at again", reason=exc), ready_in=0.0)
    if provider is not None:
        source = f"payouts:{provider}"
    earlier = seen_files.imported_before(app.engine, vendor.id, sha256)
    if earlier is not None:
        # In the vendor's zone with its offset in bokmål; the stored UTC time as ever in English.
        when = show_stored(earlier.imported_at, vendor.tz, english="%Y-%m-%d %H:%M")
        result = DroppedFile(path.name, source, DUPLICATE,
                             tr("same content as {file}, imported {when}; not imported again",
                                file=shown(earlier.name), when=when))
    elif source == "unknown":
        problem = error(tr("not a SAF-T export (.xml) or a generic receipt CSV (.csv), nor a payout report this "
                           "product reads (Vipps MobilePay XML/CSV/XLSX, Stripe's payout reconciliation CSV, Klarna's "
                           "settlement CSV); nothing imported"), file=str(path))
        result = DroppedFile(path.name, source, REJECTED, problem.message, problems=[problem])
    elif provider is not None:
        result = _import_payouts(app, vendor, path, provider, data)
        if result.outcome == IMPORTED:
            seen_files.remember(app.engine, vendor.id, sha256, shown(path.name)[:512])
    else:
        result = _import(app, vendor, path, source, data)
        if result.outcome == IMPORTED:
            if source == "saft" and _identity(os.lstat(path)) != _identity(listed):
                # Read again by the SAF-T reader: changed meanwhile. Not remembered, not moved: the
                # file is imported again once complete, replacing what was stored now.
                return DroppedFile(path.name, source, WAITING, tr("changed while it was imported; looked at again"),
                                   ready_in=0.0)
            seen_files.remember(app.engine, vendor.id, sha256, shown(path.name)[:512])
    return _set_aside(path, result)


def _set_aside(path: Path, result: DroppedFile) -> DroppedFile:
    """Move the file (with its marker) to processed/, or to failed/ with the reasons beside it."""
    result.moved_to = _move(path, FAILED if result.outcome == REJECTED else PROCESSED)
    for suffix in MARKERS:
        marker = path.with_name(path.name + suffix)
        try:
            if not stat.S_ISDIR(os.lstat(marker).st_mode):
                marker.unlink()
        except FileNotFoundError:
            pass
    if result.outcome == REJECTED:
        _write_reasons(result)
    return result


def _import(app: App, vendor: Vendor, path: Path, kind: str, data: bytes) -> DroppedFile:
    """Import the file through the import use case (the CSV from the bytes read through O_NOFOLLOW)."""
    source = _SOURCES[kind]
    # A SAF-T file names its registers; without saft_registers every register is this vendor's.
    owner = None if kind == "saft" and vendor.saft_registers else vendor
    outcome = import_file(app.sales, app.vendors, source, path, data=data, vendor=owner, line_limit=app.max_line_ore)
    if not outcome.stored:
        return DroppedFile(path.name, kind, REJECTED,
                           tr("{why}; nothing imported", why=refusal(outcome, source, days=_DAYS)),
                           problems=outcome.over_limit or outcome.found)
    if kind == "csv":
        stored = outcome.vendors[vendor.id]
        detail = tr("{receipts} receipt(s), {lines} line(s) ({replaced} replaced an earlier version)",
                    receipts=stored.receipts, lines=stored.lines, replaced=stored.replaced)
    else:
        detail = ", ".join(tr("{vendor}: {transactions} transaction(s), {lines} line(s)", vendor=v,
                              transactions=r.receipts, lines=r.lines) for v, r in sorted(outcome.vendors.items()))
    # With the webshop warnings made again for the days the file changed (orders the POS data mentions).
    problems = outcome.found + [p for v in sorted(outcome.rechecked) for p in outcome.rechecked[v]]
    return DroppedFile(path.name, kind, IMPORTED, detail or tr("no sales transactions"), days=outcome.days,
                       vendors=set(outcome.vendors), problems=problems)


def _import_payouts(app: App, vendor: Vendor, path: Path, provider: str, data: bytes) -> DroppedFile:
    """Store the report's payouts as the vendor's (its account of the provider), all or nothing;
    the next posting of the vendor's payouts books them (a changed one as a correction)."""
    source = f"payouts:{provider}"
    outcome = import_payout_file(PayoutStore(app.engine), provider, path, list(app.vendors.values()), vendor, data=data)
    if not outcome.ok:
        errors = [p for p in outcome.problems if p.is_error]
        return DroppedFile(path.name, source, REJECTED,
                           tr("{provider} payout report with {count} problem(s); nothing imported",
                              provider=provider, count=len(errors)),
                           problems=outcome.problems)
    detail = tr("{count} {provider} payout(s): {summary}", count=len(outcome.stored), provider=provider,
                summary=outcome.summary())
    return DroppedFile(path.name, source, IMPORTED, detail, vendors={vendor.id}, problems=outcome.problems)


def _move(path: Path, into: str) -> Path:
    """Move the file (a link itself, not its target) into `processed/` or `failed/` beside it,
    never overwriting an earlier file or its reasons."""
    target_dir = path.parent / into
    target = target_dir / path.name
    if os.path.lexists(target) or os.path.lexists(f"{target}.error.txt"):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        target = target_dir / f"{path.stem}.{stamp}{path.suffix}"
    os.replace(path, target)
    return target


def _write_reasons(result: DroppedFile) -> None:
    """`<name>.error.txt` beside the failed file: why it was not imported, one problem a line
    (escaped, so nothing in a name or value can start a line of its own)."""
    assert result.moved_to is not None
    lines = [tr("{file} was not imported: {reason}", file=shown(result.name), reason=result.detail)]
    lines += [shown(str(p)) for p in sorted(result.problems, key=lambda p: (not p.is_error, p.line or 0))
              if p.message != result.detail]
    text = ("\n".join(lines) + "\n").encode("utf-8", "backslashreplace")
    fd = os.open(f"{result.moved_to}.error.txt", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(text)
