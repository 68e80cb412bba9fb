"""The pid file that lets `settlement reload` find the running `serve`, and signalling it."""

from __future__ import annotations

import os
import signal
from pathlib import Path


class NotRunning(Exception):
    """No `serve` process is running for this pid file."""


def write_pid(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()}\n", encoding="ascii")


def remove_pid(path: Path) -> None:
    """Remove the pid file if it is still ours (another serve may have started since)."""
    try:
        if path.read_text(encoding="ascii").strip() == str(os.getpid()):
            path.unlink()
    except (FileNotFoundError, ValueError):
        pass


def signal_serve(path: Path, signum: int = signal.SIGHUP) -> int:
    """Send `signum` to the process named in the pid file; returns its pid."""
    try:
        pid = int(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        raise NotRunning(f"no pid file at {path}: is `settlement serve` running (with the same SETTLEMENT_SERVE_PID_FILE)?") from None
    except ValueError:
        raise NotRunning(f"{path} does not hold a process id") from None
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        raise NotRunning(f"process {pid} from {path} is not running (a stale pid file)") from None
    return pid
