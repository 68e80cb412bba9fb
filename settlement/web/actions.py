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
    CORRECTION_BLOCKED, CORRECTION_FAILED, DOCUMENTED, EMPTY, FAILED, HELD, MISSING, POSTED, POSTING,
)
from settlement.store.posting_state import PostingState

RETRYABLE = frozenset({FAILED, CORRECTION_FAILED, CORRECTION_BLOCKED, POSTING})


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


def _claims(app):
    from settlement.posting.claims import claims_for

    return claims_for(app.engine)


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


_CLAIMED_ELSEWHERE = "{vendor} gjøres opp av en annen prosess nå; prøv igjen om litt"


def approve(app, vendor_id: str, day: date, user: str, reason: str) -> Done:
    """As `settlement approve`: the next run reverses the posted version and posts the day again."""
    from settlement.posting import person

    vendor = app.vendor(vendor_id)
    decision = person.approve(PostingState(app.engine), _claims(app), vendor, day, app.voucher(vendor.id, day),
                              f"{user} on the web page", reason)
    if decision.kind == person.CLAIMED:
        return Done(False, _CLAIMED_ELSEWHERE.format(vendor=vendor.id))
    if decision.kind == person.ALREADY:
        return Done(True, "allerede godkjent; neste kjøring korrigerer dagen")
    if decision.kind != person.DONE:
        return Done(False, f"ingenting å godkjenne ({decision.status or 'ikke gjort opp'})")
    return Done(True, decision.detail)


def close_day(app, vendor_id: str, day: date, user: str, reason: str) -> Done:
    """As `settlement day close`: an open day without data is settled empty, with the reason."""
    from settlement.posting import person

    vendor = app.vendor(vendor_id)
    decision = person.close_day(PostingState(app.engine), _claims(app), vendor, day, app.voucher(vendor.id, day),
                                f"{user} on the web page", reason)
    if decision.kind == person.DONE:
        return Done(True, decision.detail)
    return Done(False, {
        person.CLAIMED: _CLAIMED_ELSEWHERE.format(vendor=vendor.id),
        person.NO_REASON: "skriv hvorfor dagen ikke har salg",
        person.BEFORE_ENABLED: f"før enabled_since {vendor.enabled_since}",
        person.HAS_DATA: "dagen har salgsdata: stenging er for en dag uten data",
        person.NOT_APPLICABLE: f"dagen er {decision.status}: bare en manglende dag kan stenges",
    }[decision.kind])
