"""Crash points for fault-injection tests.

`SETTLEMENT_CRASH_AT=<point>` makes the process kill itself with SIGKILL when it reaches that
point, exactly as a power cut or an OOM kill would. Production never sets it. The points are the
moments where a crash can leave the local state and the ledger disagreeing.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "before_send",  # state says `posting`, nothing sent yet
    "after_send",  # the ledger has the posting, the local state does not know its ids
    "after_record",  # ids recorded, the report not attached yet
    "after_attach",  # attached in the ledger, not recorded locally
)
# A cash-sale day sends two bodies, the sale and then its payment-split journal entry; a point
# may name which one ("before_send:journal"); a bare point stops at the first.
CASH_SALE_POINTS = (
    "before_send:sale", "after_send:sale", "before_send:journal", "after_send:journal",
    "after_record", "after_attach",
)


def crash_point(name: str, what: str | None = None) -> None:
    """Die here if the test asked for it (`name`, or `name:what` for the body being sent)."""
    wanted = os.environ.get("SETTLEMENT_CRASH_AT")
    if wanted is not None and wanted in (name, f"{name}:{what}"):
        os.kill(os.getpid(), signal.SIGKILL)
