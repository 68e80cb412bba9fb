"""The rules of settling a vendor-day, apart from any ledger or database: the states a day goes
through, the step that comes next, and the hash that tells a changed day from a settled one.

Life of a vendor-day: (none) → posting → posted → documented; or blocked (the voucher has errors),
failed (the ledger refused it; attempts counted), empty (no sales: settled with nothing to post), or
correction-failed (the day's data changed after posting and the ledger refused to reverse the
posted version: it stays there as it was, with its ids, until the reversal succeeds).
A day the vendor is open on (its calendar, settlement.domain.calendar) with no data is `missing`,
never `empty`: an export that did not arrive must not look like a closed shop. It becomes `empty`
when a person closes it (`settlement day close`), or is posted once its data arrives. With
`corrections = "hold"` a posted day whose data changed is `held` until a person approves it
(`approved`); the next run then reverses and reposts it as it would have at once with "auto".
`posting` is written and committed *before* a request is sent, so after any crash or unclear
answer the next run knows it must look the key up in the ledger before sending anything again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from settlement.domain.voucher import Voucher


class DayStatus(StrEnum):
    """Where a vendor-day stands with its ledger (stored as these strings)."""

    NONE = ""
    POSTING = "posting"
    POSTED = "posted"
    DOCUMENTED = "documented"
    BLOCKED = "blocked"
    FAILED = "failed"
    EMPTY = "empty"
    CORRECTION_FAILED = "correction-failed"
    CORRECTION_BLOCKED = "correction-blocked"  # a correction into a period the ledger has locked: nothing sent
    MISSING = "missing"
    HELD = "held"
    APPROVED = "approved"


POSTING, POSTED, DOCUMENTED = DayStatus.POSTING, DayStatus.POSTED, DayStatus.DOCUMENTED
BLOCKED, FAILED, EMPTY = DayStatus.BLOCKED, DayStatus.FAILED, DayStatus.EMPTY
CORRECTION_FAILED = DayStatus.CORRECTION_FAILED
CORRECTION_BLOCKED = DayStatus.CORRECTION_BLOCKED
MISSING, HELD, APPROVED = DayStatus.MISSING, DayStatus.HELD, DayStatus.APPROVED
SETTLED = frozenset({POSTED, DOCUMENTED, EMPTY})
# A day in one of these needs a person (or a later run) before the vendor's later days can go on.
# (A missing day holds them too when its vendor has strict_days = true; a held day never does.)
NEEDS_ATTENTION = frozenset({BLOCKED, FAILED, POSTING, CORRECTION_FAILED, CORRECTION_BLOCKED})
# Posted days whose ledger holds a version that is still standing (correcting them reverses it).
CORRECTABLE = frozenset({POSTED, DOCUMENTED, CORRECTION_FAILED, CORRECTION_BLOCKED, HELD, APPROVED})


class Step(StrEnum):
    """What settling a vendor-day does next (see next_step)."""

    BLOCK = "block"
    SETTLED_ALREADY = "settled"
    DOCUMENT = "document"
    CORRECT = "correct"
    RECORD_EMPTY = "empty"
    POST = "post"
    MISSING = "missing"  # an open day with no data: it waits for its data or a person
    HOLD = "hold"  # a changed posted day of a vendor with corrections = "hold": it waits for approve


@dataclass
class DayState:
    """One vendor-day's state as the store keeps it; the engine edits a copy and saves it.

    target: the ledger the day was posted to ("fiken"); "" before anything was sent.
    ref: what the ledger calls the posting's parts (see settlement.posting.ledger.TargetRef).
    booking: the booking that was sent (Booking.to_json()), so a report for the day always
        describes what was booked; None before anything was sent.
    """

    vendor: str
    business_day: date
    status: str = ""
    version: int = 1
    settlement_key: str = ""
    mode: str = "journal"
    digest: str = ""
    target: str = ""
    ref: dict[str, Any] = field(default_factory=dict)
    booking: dict[str, Any] | None = None
    attachment: str = ""
    attempts: int = 0
    corrections: int = 0
    reason: str = ""

    @property
    def posted_somewhere(self) -> bool:
        """Whether the ledger holds a posting of this day's current version."""
        return any(value is not None for value in self.ref.values())


def next_step(state: DayState, voucher: Voucher, digest: str, *, expected: bool = False, hold: bool = False) -> Step:
    """The next thing settling does for a day in `state` whose voucher (hashed to `digest`) is
    `voucher`. Pure, so `catch-up --dry-run` and `preview` can say exactly what a run would do.

    expected: the vendor is open that day and nobody (neither the source nor a person) said it had
        no sales, so a day without data is MISSING instead of RECORD_EMPTY.
    hold: the vendor's corrections wait for a person (corrections = "hold"): a posted day whose
        data changed is HOLD until it is `approved`.

    CORRECT reverses the posted version; the step after it is RECORD_EMPTY or POST.
    """
    if voucher.blocked:
        return Step.BLOCK
    if state.status in (POSTED, DOCUMENTED, EMPTY, HELD, APPROVED) and state.digest == digest:
        # A held day whose data went back to what was posted is settled as it was.
        unattached = state.status == POSTED or (state.status in (HELD, APPROVED) and not state.attachment)
        return Step.DOCUMENT if unattached and state.posted_somewhere else Step.SETTLED_ALREADY
    if state.status in CORRECTABLE and state.posted_somewhere:
        return Step.HOLD if hold and state.status in (POSTED, DOCUMENTED, HELD) else Step.CORRECT
    if voucher.is_empty and state.status != POSTING:
        return Step.MISSING if expected else Step.RECORD_EMPTY
    return Step.POST


def settled_status(state: DayState) -> DayStatus:
    """What a held (or approved) day whose data went back to what was posted is again: documented
    when its report was attached, else posted."""
    return DOCUMENTED if state.attachment else POSTED


def version_to_post(state: DayState, voucher: Voucher, digest: str) -> int:
    """The version of the key the day's next posting goes under: the next one when the posted
    version is to be corrected (also after a reversal that failed) or is settled (what a
    correction would post), else the current one."""
    if next_step(state, voucher, digest) == Step.CORRECT or state.status in (POSTED, DOCUMENTED, HELD, APPROVED):
        return state.version + 1
    return state.version


def voucher_digest(voucher: Voucher, mode: str) -> str:
    """A hash of what a posting books (accounts, sides, amounts, VAT), independent of the key and
    of the ledger. A posted day whose digest changes has changed data and needs a correction."""
    booked = [
        [line.section, line.account, line.vat_code, line.debit, line.credit, line.vat] for line in voucher.lines
    ]
    canonical = json.dumps({"mode": mode, "day": voucher.day.isoformat(), "lines": booked}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
