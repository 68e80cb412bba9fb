"""Crash points for fault-injection tests.

`SETTLEMENT_CRASH_AT=<point>` makes the process kill itself with SIGKILL when it reaches that
point, exactly as a power cut or an OOM kill would. Production never sets it. The points are the
moments where a crash can leave the local state and Fiken disagreeing.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "before_send",  # state says `posting`, nothing sent yet
    "after_send",  # Fiken has the posting, the local state does not know its ids
    "after_record",  # ids recorded, the report not attached yet
    "after_attach",  # attached in Fiken, not recorded locally
)


def crash_point(name: str) -> None:
    """Die here if the test asked for it."""
    if os.environ.get("SETTLEMENT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
