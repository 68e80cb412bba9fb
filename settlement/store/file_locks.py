"""OS file locks beside a SQLite database, for processes on one machine that share it.

Processes using the same SQLite file (two `catch-up` runs, `serve` plus a manual `run`) coordinate
through lock files in a folder beside the database, `<database file>.locks/`: one per vendor (the
claim, see settlement/posting/claims.py) and one per Fiken credential (the request gate, see
settlement/store/pacing.py). The locks are `flock(2)` locks: the kernel releases them when the
process holding them ends in any way, SIGKILL included, so nothing stays locked by a dead process.
The folder must be on a local file system (not NFS): several machines share a database through
PostgreSQL instead. An in-memory SQLite database belongs to one process and needs no folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url


class LockFolderError(RuntimeError):
    """The lock folder beside the SQLite database cannot be created or a lock file not opened."""


def lock_folder(database_url: str) -> Path | None:
    """`<database file>.locks` for a SQLite file database (the real path, so every process that
    reaches the file through another path or working directory finds the same folder); None for
    other databases and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if not database or ":memory:" in database or url.query.get("mode") == "memory":
        return None
    if database.startswith("file:"):  # a URI filename (?uri=true)
        database = database.removeprefix("file:").split("?", 1)[0]
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + ".locks")


def open_lock_file(path: Path) -> int:
    """A file descriptor of the lock file at `path` (created, with its folder, if missing)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o664)
    except OSError as exc:
        raise LockFolderError(f"cannot use the lock file {path}: {exc.strerror or exc}") from None


def try_lock(fd: int) -> bool:
    """Take the exclusive lock of `fd` if nobody holds it; False at once if somebody does."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


def read_text(fd: int) -> str:
    return os.pread(fd, 65536, 0).decode("utf-8", "replace")


def write_text(fd: int, text: str) -> None:
    """Replace the lock file's content (only while holding its lock)."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode("utf-8"), 0)


def this_process() -> dict:
    """Who holds a lock: pid, host, since when (UTC) and which command."""
    argv = sys.argv
    if argv and "settlement" in argv[0]:
        command = "settlement " + argv[1] if len(argv) > 1 else "settlement"
    else:
        command = Path(argv[0]).name if argv and argv[0] else "python"
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "command": command,
    }


def describe_holder(text: str) -> str:
    """'pid 1234 on host h (settlement serve) since 2026-11-23 20:15:03 UTC' from a lock file's
    content; 'another process' when it does not say (the holder has only just taken it)."""
    try:
        holder = json.loads(text)
        pid, host, since = int(holder["pid"]), str(holder["host"]), str(holder["since"])
    except (ValueError, KeyError, TypeError):
        return "another process"
    command = f" ({holder['command']})" if holder.get("command") else ""
    return f"pid {pid} on host {host}{command} since {since}"


def wait_for_lock(fd: int, max_wait: float, *, sleep=time.sleep, clock=time.monotonic) -> bool:
    """Take the lock of `fd`, waiting up to `max_wait` seconds (polling, so the wait is bounded);
    False if it was still held by then."""
    deadline = clock() + max_wait
    pause = 0.001
    while not try_lock(fd):
        if clock() >= deadline:
            return False
        sleep(pause)
        pause = min(pause * 2, 0.02)
    return True
