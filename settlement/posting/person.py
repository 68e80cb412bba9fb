"""A person's word on a day: approve a held correction, close a day that has no data.

The use cases behind `settlement approve`, `settlement day close` and the web page's buttons. Each
runs under the vendor's claim (never racing a run), checks that the day is in a state the word
applies to, and writes the audit row naming who and why. The shells phrase the answer: a
`Decision` says what happened in terms they can put in their own words (and language).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date

from settlement.domain.posting_rules import APPROVED, DOCUMENTED, EMPTY, HELD, MISSING, POSTED, DayState, voucher_digest
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher

# What a Decision can be, for the shells to phrase.
DONE = "done"  # the word is recorded (detail: the audit row's text)
ALREADY = "already"  # approve: the day was approved before; nothing changed
CLAIMED = "claimed"  # another process is settling the vendor now: try again
NOT_APPLICABLE = "not-applicable"  # the day's state does not take this word (status says which)
HAS_DATA = "has-data"  # close: the day has sales data (or is blocked by it)
BEFORE_ENABLED = "before-enabled"  # close: the day is before the vendor's enabled_since
NO_REASON = "no-reason"  # close: a reason is required


@dataclass(frozen=True)
class Decision:
    """What a person's word did.

    kind: one of the constants above.
    status: the day's status before (for NOT_APPLICABLE and the messages).
    detail: the audit row's text (DONE), or what the day holds (HAS_DATA: "blocked" or the number
        of voucher lines).
    """

    kind: str
    status: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.kind in (DONE, ALREADY)


Claim = Callable[[str], AbstractContextManager[bool]]


def approve(state, claim: Claim, vendor: Vendor, day: date, voucher: Voucher, who: str, reason: str = "") -> Decision:
    """Let the next run reverse a posted day whose data changed and post it again (corrections =
    "hold" keeps such a day `held` until this)."""
    with claim(vendor.id) as claimed:
        if not claimed:
            return Decision(CLAIMED)
        current: DayState = state.get(vendor.id, day)
        if current.status == APPROVED:
            return Decision(ALREADY, current.status)
        changed = current.status in (POSTED, DOCUMENTED) and current.digest != voucher_digest(voucher, vendor.posting)
        if current.status != HELD and not changed:
            return Decision(NOT_APPLICABLE, current.status)
        if reason.strip():
            detail = tr("approved by {who}: {reason}; the next run reverses {key} and posts v{version}", who=who,
                        reason=reason.strip(), key=current.settlement_key, version=current.version + 1)
        else:
            detail = tr("approved by {who}; the next run reverses {key} and posts v{version}", who=who,
                        key=current.settlement_key, version=current.version + 1)
        before = current.status
        current.status, current.reason = APPROVED, detail
        state.save(current, "approved", detail)
    return Decision(DONE, before, detail)


def close_day(state, claim: Claim, vendor: Vendor, day: date, voucher: Voucher, who: str, reason: str) -> Decision:
    """Settle an open day without data as empty, because a person says the shop had no sales."""
    if not reason.strip():
        return Decision(NO_REASON)
    if day < vendor.enabled_since:
        return Decision(BEFORE_ENABLED)
    with claim(vendor.id) as claimed:
        if not claimed:
            return Decision(CLAIMED)
        current: DayState = state.get(vendor.id, day)
        if not voucher.is_empty:
            return Decision(HAS_DATA, current.status, "blocked" if voucher.blocked else str(len(voucher.lines)))
        if current.status not in ("", MISSING, EMPTY):
            return Decision(NOT_APPLICABLE, current.status)
        detail = tr("closed by {who}: {reason}", who=who, reason=reason.strip())
        before = current.status
        current.status, current.reason, current.mode = EMPTY, detail, vendor.posting
        current.digest = voucher_digest(voucher, vendor.posting)
        state.save(current, "day-closed", detail)
    return Decision(DONE, before, detail)
