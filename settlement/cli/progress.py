"""A progress line on the terminal for work that takes more than a couple of seconds.

Shown on stderr only when stderr is a terminal, and only once the work has gone on for
`SETTLEMENT_PROGRESS_AFTER` seconds (2 by default): a cron job's mail, a pipe or a log file gets
no carriage returns, and a short command prints nothing extra. The line is rewritten in place
(a carriage return before it) and cleared when the work ends, so the command's own output below
is what stays on the screen.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from settlement.domain.text import tr

DEFAULT_AFTER = 2.0  # seconds before a progress line is worth showing
_REDRAW = 0.2  # seconds between two redraws (a terminal need not be flooded)


def _after() -> float:
    """How long work goes on before its progress is shown (SETTLEMENT_PROGRESS_AFTER, seconds)."""
    try:
        return max(0.0, float(os.environ.get("SETTLEMENT_PROGRESS_AFTER", DEFAULT_AFTER)))
    except ValueError:
        return DEFAULT_AFTER


class Progress:
    """One piece of work's progress line: `update(done, total)` as it goes, `finish()` at the end.

    label: what is being done, e.g. the file being imported.
    unit: how `done` and `total` are shown: "bytes" as MB, anything else as a count of it
        ("days", "postings").
    """

    def __init__(self, label: str, unit: str = "bytes", stream: TextIO | None = None):
        self.label, self.unit = label, unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _isatty(self.stream)
        self.started = time.monotonic()
        self.after = _after()
        self.drawn_at: float | None = None
        self.width = 0

    def update(self, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.after or (self.drawn_at is not None and now - self.drawn_at < _REDRAW):
            return
        self.drawn_at = now
        text = f"{self.label}: {self._amount(done, total)}, {now - self.started:.0f} s"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def finish(self) -> None:
        """Clear the line, if one was drawn."""
        if self.drawn_at is not None:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.drawn_at = None

    def _amount(self, done: int, total: int | None) -> str:
        if self.unit == "bytes":
            megabytes, whole = f"{done / 1e6:.1f}", f"{(total or 0) / 1e6:.1f}"
            shown = tr("{done} of {total} MB", done=megabytes, total=whole) if total else tr("{done} MB", done=megabytes)
        else:
            shown = (tr("{done} of {total} {unit}", done=done, total=total, unit=self.unit) if total
                     else f"{done} {self.unit}")
        if total:
            shown = f"{min(100, done * 100 // total)} % ({shown})"
        return shown


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream: no terminal
        return False
