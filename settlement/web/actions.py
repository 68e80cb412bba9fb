"""What an operator may do from the web page, each under the vendor's claim (never racing a run)
and each written to the store's audit log naming the user.

retry and reattach run the same use case as `settlement run` (settle_guarded): for a failed day it
posts again, for a posted day whose report was not attached it attaches it. approve and close say
a person's word as `settlement approve` and `settlement day close` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.domain.posting_rules import (
    APPROVED, CORRECTION_FAILED, DOCUMENTED, EMPTY, FAILED, HELD, MISSING, POSTED, POSTING, voucher_digest,
)
from settlement.store.posting_state import PostingState

RETRYABLE = frozenset({FAILED, CORRECTION_FAILED, POSTING})


@dataclass(frozen=True)
class Done:
    """What an action did: ok, and a sentence for the page."""

    ok: bool
    message: str


def available(status: str, shown: str) -> list[str]:
    """The actions that make sense for a day in `status` (shown as `shown` on the page)."""
    found = []
    if status in RETRYABLE:
        found.append("retry")
    if status == POSTED:
        found.append("reattach")
    if status == HELD or (shown == "changed" and status in (POSTED, DOCUMENTED)):
        found.append("approve")
    if status in ("", MISSING) and shown in ("missing", "waiting"):
        found.append("close")
    return found


def _claimed(app, vendor_id: str):
    from settlement.posting.claims import claims_for

    return claims_for(app.engine)(vendor_id)


def settle_again(app, vendor_id: str, day: date, user: str, action: str) -> Done:
    """retry / reattach: audit who asked, then settle the day as `settlement run` does."""
    from settlement.posting.catchup import settle_guarded
    from settlement.wiring import credential_problems, posting_context, send_run_alerts

    vendor = app.vendor(vendor_id)
    state = PostingState(app.engine)
    current = state.get(vendor.id, day)
    wanted = RETRYABLE if action == "retry" else {POSTED}
    if current.status not in wanted:
        return Done(False, f"{action}: ikke mulig når dagen er {current.status or 'ikke gjort opp'}")
    problem = credential_problems(app, [vendor]).get(vendor.id)
    if problem:
        return Done(False, f"{action}: {problem}")
    ctx = posting_context(app)
    with ctx.claim(vendor.id) as claimed:
        if not claimed:
            return Done(False, f"{vendor.id} gjøres opp av en annen prosess nå; prøv igjen om litt")
        what = "retry" if action == "retry" else "re-attach the report"
        state.save(current, f"web-{action}", f"{what} asked by {user} on the web page")
        outcome = settle_guarded(ctx, vendor, day)
    send_run_alerts(app, [vendor], [outcome])
    return Done(outcome.status in (POSTED, DOCUMENTED, EMPTY),
                f"{outcome.status}" + (f": {outcome.message}" if outcome.message else ""))


def approve(app, vendor_id: str, day: date, user: str, reason: str) -> Done:
    """As `settlement approve`: the next run reverses the posted version and posts the day again."""
    vendor = app.vendor(vendor_id)
    with _claimed(app, vendor.id) as claimed:
        if not claimed:
            return Done(False, f"{vendor.id} gjøres opp av en annen prosess nå; prøv igjen om litt")
        state = PostingState(app.engine)
        current = state.get(vendor.id, day)
        changed = current.status in (POSTED, DOCUMENTED) and current.digest != voucher_digest(
            app.voucher(vendor.id, day), vendor.posting)
        if current.status != HELD and not changed:
            return Done(False, f"ingenting å godkjenne ({current.status or 'ikke gjort opp'})")
        detail = (f"approved by {user} on the web page" + (f": {reason}" if reason else "")
                  + f"; the next run reverses {current.settlement_key} and posts v{current.version + 1}")
        current.status, current.reason = APPROVED, detail
        state.save(current, "approved", detail)
    return Done(True, detail)


def close_day(app, vendor_id: str, day: date, user: str, reason: str) -> Done:
    """As `settlement day close`: an open day without data is settled empty, with the reason."""
    vendor = app.vendor(vendor_id)
    if not reason:
        return Done(False, "skriv hvorfor dagen ikke har salg")
    if day < vendor.enabled_since:
        return Done(False, f"før enabled_since {vendor.enabled_since}")
    with _claimed(app, vendor.id) as claimed:
        if not claimed:
            return Done(False, f"{vendor.id} gjøres opp av en annen prosess nå; prøv igjen om litt")
        state = PostingState(app.engine)
        current = state.get(vendor.id, day)
        voucher = app.voucher(vendor.id, day)
        if not voucher.is_empty:
            return Done(False, "dagen har salgsdata: stenging er for en dag uten data")
        if current.status not in ("", MISSING, EMPTY):
            return Done(False, f"dagen er {current.status}: bare en manglende dag kan stenges")
        detail = f"closed by {user} on the web page: {reason}"
        current.status, current.reason, current.mode = EMPTY, detail, vendor.posting
        current.digest = voucher_digest(voucher, vendor.posting)
        state.save(current, "day-closed", detail)
    return Done(True, detail)
