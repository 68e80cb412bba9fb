"""Reading a big SAF-T file with two processes while this one stores what they convert.

Reading (XML parsing and converting transactions) costs about three times as much CPU as
storing, and Python runs it on one core. So the file's lines are split in two: each worker
process (`worker`) reads the whole file up to the end of its part, but converts only the
elements that start in its part (see `reader.FileReader`), and sends the converted lines back
in batches. This process stores each batch as it arrives, inside the one database transaction
of the file; nothing is committed unless every part was read without errors.

The parts' problems, skipped counts, day totals and Z reports are merged in file order, so the
outcome is the one reading the file from start to end would give. A worker that crashes is an
infrastructure failure: the import raises and the transaction rolls back.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from settlement.domain import text
from settlement.domain.sales import SaleLine
from settlement.sources.saft.reader import ReadOutcome
from settlement.sources.saft.splitpoint import context_before, find_split
from settlement.sources.saft.transactions import Line
from settlement.domain.vendors import Vendor

# Share of the lines the first worker gets: the second one also parses the first part (in C,
# without converting), so an even split would leave it the longer run.
_FIRST_SHARE = 0.6
# Share of the bytes the first worker gets when the second one starts at the split point.
_JUMP_SHARE = 0.5
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])


class WorkerFailed(RuntimeError):
    """A reading process ended without delivering its part (a bug or the machine, not the file)."""


class SplitMismatch(RuntimeError):
    """The second reader's stand-in for the first part disagreed with the file: read it again alone."""


def split_lines(path: str, parts: int) -> list[int]:
    """The first line of each part after the first, splitting the file's bytes (not lines) evenly."""
    size = os.path.getsize(path)
    shares = [_FIRST_SHARE] + [(1 - _FIRST_SHARE) / (parts - 1)] * (parts - 1) if parts > 1 else [1.0]
    offsets, total = [], 0.0
    for share in shares[:-1]:
        total += share
        offsets.append(int(size * total))
    firsts, lines, position = [], 1, 0
    with open(path, "rb") as handle:
        for offset in offsets:
            while position < offset:
                chunk = handle.read(min(1 << 22, offset - position))
                if not chunk:
                    break
                lines += chunk.count(b"\n")
                position += len(chunk)
            firsts.append(lines)
    return firsts


def _start(job: dict) -> subprocess.Popen:
    env = dict(os.environ)
    # The worker imports this same code, wherever it was loaded from.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(
        [sys.executable, "-m", "settlement.sources.saft.worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
    )
    assert process.stdin is not None
    pickle.dump(job, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    process.stdin.close()
    return process


def _relay(index: int, process: subprocess.Popen, inbox: queue.Queue, stop: threading.Event) -> None:
    """Pass a worker's messages on, ending with its outcome (or a failure); blocks while inbox is full."""

    def put(message) -> bool:
        while not stop.is_set():
            try:
                inbox.put(message, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    stream = process.stdout
    assert stream is not None
    try:
        while True:
            try:
                message = pickle.load(stream)
            except EOFError:
                put(("failed", index, f"the reading process ended early (status {process.wait()})"))
                return
            if not put((message[0], index, *message[1:])) or message[0] in ("done", "failed"):
                return
    except Exception as exc:  # a torn message: the worker died mid-write
        put(("failed", index, f"unreadable message from the reading process: {exc!r}"))


def read_in_parallel(
    path: str,
    vendors: dict[str, Vendor],
    override: Vendor | None,
    store_batch: Callable[[list[str], list[SaleLine]], None],
    batch_lines: int,
    workers: int = 2,
    line_limit: int | None = None,
    skip: frozenset = frozenset(),
) -> ReadOutcome:
    """Read the file with `workers` processes, calling store_batch(receipt_ids, lines) here.

    Raises SplitMismatch when the second reader started from a stand-in for the first part that
    turned out not to match the file (see `splitpoint`); what was stored must then be rolled back.
    """
    jumps: list[tuple[bytes, int] | None] = [None] * workers
    split = find_split(path, _JUMP_SHARE) if workers == 2 else None
    head = context_before(path, split) if split is not None else None
    if split is not None and head is not None:
        firsts = [1, split.line]
        jumps[1] = (head, split.offset)
    else:
        firsts = [1, *split_lines(path, workers)]
    stops: list[int | None] = [*firsts[1:], None]
    inbox: queue.Queue = queue.Queue(maxsize=2 * workers)  # bounds memory when storing lags
    stop = threading.Event()
    processes: list[subprocess.Popen] = []
    outcomes: dict[int, ReadOutcome] = {}
    try:
        for index, (first, last) in enumerate(zip(firsts, stops)):
            job = {"path": path, "vendors": vendors, "override": override, "batch_lines": batch_lines,
                   "first_line": first, "stop_line": last, "jump": jumps[index],
                   "line_limit": line_limit, "skip": skip, "language": text.language().code}
            process = _start(job)
            processes.append(process)
            threading.Thread(target=_relay, args=(index, process, inbox, stop), daemon=True).start()
        while len(outcomes) < workers:
            kind, index, *payload = inbox.get()
            if kind == "batch":
                receipt_ids, rows = payload
                store_batch(receipt_ids, list(map(Line._make, rows)))
            elif kind == "done":
                outcomes[index] = payload[0]
            else:
                raise WorkerFailed(f"{path}: reading part {index + 1} of {workers} failed: {payload[0]}")
        for process in processes:
            process.wait()
    finally:
        stop.set()
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
    merged = outcomes[0]
    for index in range(1, workers):
        if merged.broken:
            break  # reading stops at broken XML; the later parts stopped there too
        later = outcomes[index]
        if later.jumped and (later.boundary is None or later.boundary != merged.boundary):
            raise SplitMismatch(f"{path}: the second reader's start at line {firsts[index]} did not match the file")
        merged.merge(later)
    return merged
